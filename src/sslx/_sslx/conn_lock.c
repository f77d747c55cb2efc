/* conn_lock.c - the connection engine's lock: one OpenSSL call at a time
 * per connection, and re-entry from callbacks refused (conn.h, Threads;
 * docs/thread-safety.md). */
#include "conn_internal.h"

/* OpenSSL forbids two threads to use one SSL* at once; Python programs
 * do it anyway (a reader thread and a writer thread, cipher() asked
 * during a handshake, close() while another thread waits in recv()).
 * Every OpenSSL call on conn->ssl is made holding conn->lock, and only
 * the call: the engine waits for sockets outside it (bio_socket.c never
 * blocks), so holders never wait for anything but the GIL, and nobody
 * waits for the lock while holding the GIL.  lock_owner tells a callback
 * running inside a call (same thread) from another thread. */

static unsigned long
current_thread(void)
{
    return PyThread_get_thread_ident();
}

int
sslx_conn_held_by_me(sslx_conn *c)
{
    return c->lock_ready
           && __atomic_load_n(&c->lock_owner, __ATOMIC_RELAXED) == current_thread();
}

void
sslx_conn_lock_without_gil(sslx_conn *c)
{
    pthread_mutex_lock(&c->lock);
    __atomic_store_n(&c->lock_owner, current_thread(), __ATOMIC_RELAXED);
}

void
sslx_conn_lock_with_gil(sslx_conn *c)
{
    if (pthread_mutex_trylock(&c->lock) != 0) {
        Py_BEGIN_ALLOW_THREADS
        pthread_mutex_lock(&c->lock);
        Py_END_ALLOW_THREADS
    }
    __atomic_store_n(&c->lock_owner, current_thread(), __ATOMIC_RELAXED);
}

void
sslx_conn_unlock(sslx_conn *c)
{
    __atomic_store_n(&c->lock_owner, 0UL, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&c->lock);
}

int
sslx_conn_refuse_reentry(const char *what)
{
    PyErr_Format(PyExc_RuntimeError,
                 "%s cannot be called from a callback of the same TLS connection", what);
    return -1;
}

int
sslx_conn_in_callback(sslx_conn *c)
{
    return sslx_conn_held_by_me(c);
}

int
sslx_conn_lock_query(sslx_conn *c)
{
    if (!c->lock_ready || sslx_conn_held_by_me(c))
        return 0;
    sslx_conn_lock_with_gil(c);
    return 1;
}

void
sslx_conn_unlock_query(sslx_conn *c, int locked)
{
    if (locked)
        sslx_conn_unlock(c);
}

int
sslx_conn_lock_change(sslx_conn *c, const char *what)
{
    if (!c->lock_ready)
        return 0;
    if (sslx_conn_held_by_me(c))
        return sslx_conn_refuse_reentry(what);
    sslx_conn_lock_with_gil(c);
    return 0;
}

void
sslx_conn_unlock_change(sslx_conn *c)
{
    if (c->lock_ready)
        sslx_conn_unlock(c);
}

int
sslx_conn_lock_init(sslx_conn *c)
{
    if (c->lock_ready)
        return 0;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        PyErr_NoMemory();
        return -1;
    }
    c->lock_ready = 1;
    return 0;
}

void
sslx_conn_lock_destroy(sslx_conn *c)
{
    if (!c->lock_ready)
        return;
    pthread_mutex_destroy(&c->lock);
    c->lock_ready = 0;
}
