/* conn_lifecycle.c - the engine's life cycle: checking and storing a
 * connection's parameters, creating the SSL* over MemoryBIOs or a socket,
 * stopping it, moving it to another object, GC and teardown.  Kept apart
 * from conn.c, which runs the operations on a started SSL*, because the
 * two halves share nothing but conn.h's struct and
 * sslx_conn_keep_nonblocking() (conn_internal.h); together they were
 * over a thousand lines.  See conn.h for the contract. */
#include <fcntl.h>
#include <string.h>
#include "bios.h"
#include "conn_internal.h"
#include "errors.h"
#include "memorybio.h"
#include "session.h"

/* ---- parameters ---- */

/* server_hostname as the stdlib converts it: str through the 'idna'
 * codec, anything else through its .decode('ascii'); then no NUL,
 * non-empty, no leading dot.  Returns a new str reference or NULL. */
static PyObject *
hostname_to_alabel(PyObject *name)
{
    PyObject *text;
    if (PyUnicode_Check(name)) {
        PyObject *encoded = PyUnicode_AsEncodedString(name, "idna", NULL);
        if (encoded == NULL)
            return NULL;
        text = PyUnicode_FromEncodedObject(encoded, "ascii", NULL);
        Py_DECREF(encoded);
    } else {
        text = PyObject_CallMethod(name, "decode", "s", "ascii");
    }
    if (text == NULL)
        return NULL;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "server_hostname must decode to str");
        goto fail;
    }
    Py_ssize_t len;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &len);
    if (utf8 == NULL)
        goto fail;
    /* The NUL first: the stdlib's argument parsing refuses it before its
     * connection setup looks at the name. */
    if ((Py_ssize_t)strlen(utf8) != len) {
        PyErr_SetString(PyExc_TypeError,
                        "argument must be encoded string without null bytes, not str");
        goto fail;
    }
    if (len == 0 || utf8[0] == '.') {
        PyErr_SetString(PyExc_ValueError,
                        "server_hostname cannot be an empty string or start with a leading dot.");
        goto fail;
    }
    return text;
fail:
    Py_DECREF(text);
    return NULL;
}

int
sslx_conn_set_server_hostname(sslx_conn *c, PyObject *server_hostname)
{
    if (c->ssl != NULL) {
        PyErr_SetString(PyExc_ValueError, "connection is already started");
        return -1;
    }
    if (server_hostname == Py_None) {
        Py_CLEAR(c->server_hostname);
        return 0;
    }
    PyObject *alabel = hostname_to_alabel(server_hostname);
    if (alabel == NULL)
        return -1;
    Py_XSETREF(c->server_hostname, alabel);
    return 0;
}

int
sslx_conn_init(sslx_conn *c, sslx_state *st, PyObject *owner, sslx_context *context,
               int server_side, PyObject *server_hostname, PyObject *session)
{
    c->st = st;
    c->owner = owner;
    c->fd = -1;
    c->server_side = server_side ? 1 : 0;
    if (sslx_conn_lock_init(c) < 0)
        return -1;
    if (!sslx_context_check(st, (PyObject *)context)) {
        PyErr_SetString(PyExc_TypeError, "The value must be a SSLContext");
        return -1;
    }
    Py_XSETREF(c->context, (sslx_context *)Py_NewRef(context));
    if (server_hostname != NULL && sslx_conn_set_server_hostname(c, server_hostname) < 0)
        return -1;
    if (session != NULL && session != Py_None) {
        if (sslx_context_check_session(context, server_side, session) < 0)
            return -1;
        Py_XSETREF(c->session, Py_NewRef(session));
    }
    return 0;
}

/* ---- creating the SSL* ---- */

int
sslx_conn_apply_session(sslx_conn *c, sslx_session *session)
{
    /* The connection gets its own copy: OpenSSL marks the SSL_SESSION of
     * a connection that ends without a clean shutdown not resumable, and
     * that must not spoil the SSLSession the program keeps for the next
     * connection. */
    ERR_clear_error();
    SSL_SESSION *copy = SSL_SESSION_dup(session->session);
    int ok = copy != NULL && SSL_set_session(c->ssl, copy) == 1;
    SSL_SESSION_free(copy);  /* SSL_set_session took its own reference */
    if (!ok) {
        sslx_raise_from_queue(c->st, NULL, "cannot set the session", SSLX_HERE);
        return -1;
    }
    return 0;
}

static int
apply_session(sslx_conn *c)
{
    if (c->session == NULL)
        return 0;
    if (sslx_conn_apply_session(c, (sslx_session *)c->session) < 0)
        return -1;
    Py_CLEAR(c->session);
    return 0;
}

/* SSL_new with everything the context prescribes (context_wrap.c), and
 * what the engine itself needs; the BIOs come next. */
static int
create_ssl(sslx_conn *c)
{
    if (c->context == NULL) {
        PyErr_SetString(PyExc_ValueError, "connection is not initialised");
        return -1;
    }
    if (c->ssl != NULL) {
        PyErr_SetString(PyExc_ValueError, "connection is already started");
        return -1;
    }
    /* As the stdlib: a side the context cannot take is refused when the
     * connection starts (an unconnected socket's at connect()). */
    if (sslx_context_check_side(c->context, c->server_side) < 0)
        return -1;
    c->ssl = sslx_context_new_ssl(c->context, c->server_side, c->server_hostname);
    if (c->ssl == NULL)
        return -1;
    SSL_set_ex_data(c->ssl, c->st->ssl_ex_index, c->owner);
    /* Idle connections keep no 16 KB record buffers; Python may move the
     * buffer of a retried write. */
    SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                             | SSL_MODE_AUTO_RETRY);
    return apply_session(c);
}

/* The BIO the SSL uses for one MemoryBIO object: its own for sslx's
 * (one more reference), one that calls the Python object otherwise. */
static BIO *
bio_for(sslx_conn *c, PyObject *obj, const char *argname, unsigned char *foreign)
{
    if (sslx_memorybio_check(c->st, obj)) {
        BIO *bio = ((sslx_memorybio *)obj)->bio;
        if (BIO_up_ref(bio) != 1) {
            PyErr_NoMemory();
            return NULL;
        }
        *foreign = 0;
        return bio;
    }
    /* The stdlib's MemoryBIO: its own BIO when sslx may use it
     * (bio_stdlib.c), so no Python call happens per record. */
    BIO *stdlib_bio = sslx_bio_stdlib_of(obj);
    if (stdlib_bio != NULL) {
        if (BIO_up_ref(stdlib_bio) != 1) {
            PyErr_NoMemory();
            return NULL;
        }
        *foreign = 0;
        return stdlib_bio;
    }
    if (!PyObject_HasAttrString(obj, "read") || !PyObject_HasAttrString(obj, "write")
        || !PyObject_HasAttrString(obj, "eof")) {
        PyErr_Format(PyExc_TypeError, "wrap_bio() argument '%s' must be a MemoryBIO, not %.200s",
                     argname, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    BIO *bio = sslx_bio_foreign_new(c, obj, foreign == &c->foreign_out);
    if (bio == NULL) {
        ERR_clear_error();
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        return NULL;
    }
    *foreign = 1;
    return bio;
}

int
sslx_conn_start_bio(sslx_conn *c, PyObject *incoming, PyObject *outgoing)
{
    BIO *in = NULL, *out = NULL;
    if (create_ssl(c) < 0)
        goto fail;
    in = bio_for(c, incoming, "incoming", &c->foreign_in);
    if (in == NULL)
        goto fail;
    out = bio_for(c, outgoing, "outgoing", &c->foreign_out);
    if (out == NULL)
        goto fail;
    if (in == out)
        BIO_free(out);  /* SSL_set_bio takes a single reference then */
    SSL_set_bio(c->ssl, in, out);
    c->in_bio = in;
    c->out_bio = out;
    c->incoming = Py_NewRef(incoming);
    c->outgoing = Py_NewRef(outgoing);
    c->mode = SSLX_CONN_BIO;
    return 0;
fail:
    BIO_free(in);
    BIO_free(out);
    SSL_free(c->ssl);
    c->ssl = NULL;
    return -1;
}

int
sslx_conn_set_bios(sslx_conn *c, BIO *in, BIO *out)
{
    if (c->mode != SSLX_CONN_BIO || c->foreign_in || c->foreign_out || in == out) {
        PyErr_SetString(PyExc_ValueError, "the connection's BIOs cannot be replaced");
        return -1;
    }
    if (sslx_conn_lock_change(c, "replacing the BIOs") < 0)
        return -1;
    SSL_set_bio(c->ssl, in, out);   /* frees the SSL's references to the old ones */
    c->in_bio = in;
    c->out_bio = out;
    sslx_conn_unlock_change(c);
    return 0;
}

/* ---- kernel TLS ----
 *
 * Kernel TLS needs OpenSSL's own socket BIO (it hands the keys to the
 * socket through it), so a connection whose context sets OP_ENABLE_KTLS
 * uses that BIO instead of bio_socket.c's.  That BIO reads and writes
 * with plain recv()/send(): to keep every OpenSSL call short (the engine
 * holds the connection's lock around each, conn_lock.c) the descriptor is
 * made non-blocking before each call; SSLSocket restores its mode when
 * the TLS layer goes (sslsocket.c). */

void
sslx_conn_keep_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        (void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* The BIO for socket `fd`: OpenSSL's for kernel TLS, else sslx's. */
static BIO *
socket_bio(sslx_conn *c, int fd)
{
    if (!(SSL_get_options(c->ssl) & SSL_OP_ENABLE_KTLS))
        return sslx_bio_socket_new(fd);
    c->os_socket_bio = 1;
    sslx_conn_keep_nonblocking(fd);
    return BIO_new_socket(fd, BIO_NOCLOSE);
}

int
sslx_conn_start_socket(sslx_conn *c, int fd)
{
    BIO *bio = NULL;
    if (create_ssl(c) < 0)
        goto fail;
    ERR_clear_error();
    bio = socket_bio(c, fd);
    if (bio == NULL) {
        sslx_raise_from_queue(c->st, NULL, "cannot attach the socket", SSLX_HERE);
        goto fail;
    }
    SSL_set_bio(c->ssl, bio, bio);  /* one BIO both ways: the SSL owns it */
    c->fd = fd;
    c->mode = SSLX_CONN_SOCKET;
    return 0;
fail:
    SSL_free(c->ssl);
    c->ssl = NULL;
    return -1;
}

int
sslx_conn_stop(sslx_conn *c, const char *what)
{
    if (sslx_conn_lock_change(c, what) < 0)
        return -1;
    SSL *ssl = c->ssl;
    PyObject *incoming = c->incoming, *outgoing = c->outgoing;
    c->ssl = NULL;
    c->in_bio = c->out_bio = NULL;
    c->incoming = c->outgoing = NULL;
    c->fd = -1;
    c->mode = SSLX_CONN_NONE;
    c->foreign_in = c->foreign_out = c->foreign_in_eof = 0;
    c->os_socket_bio = 0;
    c->shutdown_seen_zero = 0;
    c->write_retry_len = 0;
    PyObject *eof_error = c->eof_error;
    c->eof_error = NULL;
    sslx_conn_unlock_change(c);
    Py_XDECREF(eof_error);
    /* An operation waiting in another thread keeps its own reference: it
     * finds the connection stopped when it takes the lock again. */
    SSL_free(ssl);
    Py_XDECREF(incoming);
    Py_XDECREF(outgoing);
    return 0;
}

/* Where a foreign BIO of the connection keeps its Python method (for
 * GC), or NULL. */
static PyObject **
foreign_method(sslx_conn *c, BIO *bio, int foreign)
{
    return (c->ssl != NULL && foreign) ? sslx_bio_foreign_method(bio) : NULL;
}

int
sslx_conn_move(sslx_conn *from, sslx_conn *to)
{
    PyObject *new_owner = to->owner;
    *to = *from;
    to->owner = new_owner;
    to->view = NULL;
    to->lock_ready = 0;         /* a mutex is not moved by copying it */
    if (sslx_conn_lock_init(to) < 0)
        return -1;
    if (to->ssl != NULL)
        SSL_set_ex_data(to->ssl, to->st->ssl_ex_index, NULL);
    if (to->foreign_in)
        sslx_bio_foreign_rebind(to->in_bio, to);
    if (to->foreign_out)
        sslx_bio_foreign_rebind(to->out_bio, to);
    sslx_conn_lock_destroy(from);
    memset(from, 0, sizeof(*from));
    from->fd = -1;
    return 0;
}

int
sslx_conn_traverse(sslx_conn *c, visitproc visit, void *arg)
{
    Py_VISIT(c->context);
    Py_VISIT(c->session);
    Py_VISIT(c->incoming);
    Py_VISIT(c->outgoing);
    Py_VISIT(c->deferred_read_error);
    Py_VISIT(c->eof_error);
    PyObject **m = foreign_method(c, c->in_bio, c->foreign_in);
    if (m != NULL)
        Py_VISIT(*m);
    m = foreign_method(c, c->out_bio, c->foreign_out);
    if (m != NULL)
        Py_VISIT(*m);
    return 0;
}

void
sslx_conn_clear(sslx_conn *c)
{
    Py_CLEAR(c->context);
    Py_CLEAR(c->session);
    Py_CLEAR(c->server_hostname);
    Py_CLEAR(c->incoming);
    Py_CLEAR(c->outgoing);
    Py_CLEAR(c->deferred_read_error);
    Py_CLEAR(c->eof_error);
    PyObject **m = foreign_method(c, c->in_bio, c->foreign_in);
    if (m != NULL)
        Py_CLEAR(*m);
    m = foreign_method(c, c->out_bio, c->foreign_out);
    if (m != NULL)
        Py_CLEAR(*m);
}

void
sslx_conn_free(sslx_conn *c)
{
    sslx_conn_clear(c);
    if (c->ssl != NULL) {
        /* Callbacks must not find a dead owner. */
        SSL_set_ex_data(c->ssl, c->st->ssl_ex_index, NULL);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    sslx_conn_lock_destroy(c);
}
