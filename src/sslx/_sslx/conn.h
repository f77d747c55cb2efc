/* conn.h - the connection engine: one SSL* and its state, shared by
 * SSLObject (bytes through two MemoryBIOs) and SSLSocket (bytes through a
 * socket fd, with deadlines).
 *
 * ---- Embedding ----------------------------------------------------------
 * A Python type that is a TLS connection embeds one `sslx_conn` as the LAST
 * member of its instance struct, and its PyType_Spec.basicsize is exactly
 * offsetof(struct, conn) + sizeof(sslx_conn).  sslx_conn_of() relies on
 * that: the engine lives at  tp_basicsize(base) - sizeof(sslx_conn)  where
 * `base` is st->SSLObject_Type or st->SSLSocket_Type (Python subclasses may
 * add a __dict__ after it; the offset is taken from the sslx base type, not
 * from the subclass).  For SSLSocket (a C subclass of socket.socket) the
 * struct is: [socket.socket's basicsize bytes][sslx_conn].
 *
 * ---- Life cycle ----------------------------------------------------------
 *   tp_new/constructor:  memset(conn, 0) is the valid "empty" state (the
 *                        allocator already zeroes), then
 *   sslx_conn_init()     validates and stores context, side, hostname,
 *                        session; no SSL* yet (an unconnected SSLSocket
 *                        stays here: conn->ssl == NULL);
 *   sslx_conn_start_bio() or sslx_conn_start_socket()  creates the SSL*;
 *   tp_traverse -> sslx_conn_traverse, tp_clear -> sslx_conn_clear,
 *   tp_dealloc  -> sslx_conn_free (after clear; frees the SSL*).
 *
 * ---- Operations ------------------------------------------------------------
 * Each operation clears the OpenSSL error queue, runs the OpenSSL call with
 * the GIL released, saves SSL_get_error() and errno, and maps failures
 * through sslx_raise_conn_error().  `timeout` is in seconds:
 *     < 0   block until done (socket timeout None)
 *     == 0  non-blocking: raise SSLWantReadError / SSLWantWriteError
 *     > 0   the whole operation must finish before now+timeout, waiting
 *           with poll() (GIL released) on WANT_READ/WANT_WRITE; at the
 *           deadline TimeoutError("The read operation timed out" /
 *           "The write operation timed out" /
 *           "The handshake operation timed out").
 * In BIO mode `timeout` is ignored: every call is non-blocking.  For
 * stdlib (foreign) MemoryBIO objects the SSL's BIOs call the objects'
 * read()/write() when OpenSSL needs or produces bytes, and the call runs
 * with the GIL held (conn.c, "foreign MemoryBIO objects").
 *
 * OpenSSL callbacks (SNI, ALPN, keylog, message and PSK callbacks in
 * context_callbacks.c and context_psk.c) find the Python connection
 * object with SSL_get_ex_data(ssl, st->ssl_ex_index) (a BORROWED
 * pointer: conn->owner) and take the GIL with PyGILState_Ensure.  An
 * exception they leave set becomes the operation's exception.
 *
 * ---- Threads ------------------------------------------------------------
 * Every OpenSSL call on conn->ssl is made holding conn->lock, and only
 * the call: waiting for a socket or a deadline happens outside it, so a
 * thread blocked in recv() does not hold up one that sends (full
 * duplex), and cipher() asked during another thread's handshake waits
 * for one OpenSSL call at most.  Operations hold their own reference to
 * the SSL*; sslx_conn_stop() (close/unwrap from another thread) takes
 * the lock, so a waiting operation finds the connection stopped when it
 * wakes and never touches a closed descriptor.
 *
 * Inside a callback the calling thread holds the lock: queries of the
 * same connection answer without it, the SNI callback may switch the
 * context, and every other operation or change is refused with
 * RuntimeError (OpenSSL cannot be re-entered).  docs/thread-safety.md
 * is the whole picture.
 */
#ifndef SSLX_CONN_H
#define SSLX_CONN_H

#include <pthread.h>
#include "context.h"
#include "session.h"

enum { SSLX_CONN_NONE = 0, SSLX_CONN_BIO = 1, SSLX_CONN_SOCKET = 2 };

typedef struct sslx_conn {
    sslx_state *st;             /* module state (lives as long as the types) */
    PyObject *owner;            /* BORROWED: the Python object embedding this */
    SSL *ssl;                   /* NULL until started */
    sslx_context *context;      /* strong; switched by the `context` setter */
    PyObject *server_hostname;  /* str (A-label or IP text) or NULL */
    PyObject *session;          /* SSLSession to apply at start, or NULL */
    /* BIO mode: the Python MemoryBIO objects (strong refs) and the OpenSSL
     * BIOs the SSL reads/writes (owned by the SSL).  foreign_* is set when
     * the Python object is not an sslx MemoryBIO and bytes are copied. */
    PyObject *incoming, *outgoing;
    BIO *in_bio, *out_bio;
    /* Socket mode. */
    int fd;
    /* Held around every OpenSSL call on `ssl` (see Threads above). */
    pthread_mutex_t lock;
    unsigned long lock_owner;       /* thread holding `lock`; 0: none */
    unsigned char lock_ready;       /* `lock` is initialised */
    unsigned char in_sni_callback;  /* this connection's SNI callback runs */
    unsigned char mode;             /* SSLX_CONN_* */
    unsigned char server_side;
    unsigned char foreign_in, foreign_out;
    unsigned char foreign_in_eof;         /* foreign incoming reported EOF */
    /* Socket mode with OP_ENABLE_KTLS: OpenSSL's own socket BIO, which
     * kernel TLS needs; the descriptor is kept non-blocking meanwhile
     * (conn_lifecycle.c, "kernel TLS"). */
    unsigned char os_socket_bio;
    unsigned char suppress_ragged_eofs;   /* read: ragged EOF -> 0 bytes */
    unsigned char shutdown_seen_zero;
    /* Socket mode: the length of a write that stopped with a record half
     * sent (timeout or would block).  OpenSSL requires the retry to pass
     * the same data, at least that long, or it fails the connection. */
    size_t write_retry_len;
    /* BIO mode: a read that had already filled part of the caller's
     * buffer when OpenSSL failed returns those bytes; the failure (an
     * exception instance) is kept here and raised by the next read. */
    PyObject *deferred_read_error;
    /* BIO mode: a read that returned bytes also met the end of the stream
     * (close_notify) or kept an error for the next read: pending()
     * counts that outcome as one byte, so that loops reading while
     * pending() > 0 (uvloop's) call read() once more and see it. */
    unsigned char outcome_pending;
    PyObject *view;     /* BORROWED: its `_sslobj` view (connview.c) or NULL */
    /* The first SSLEOFError the connection raised: later reads, writes
     * and handshakes raise it again (OpenSSL versions differ in what they
     * report after an EOF; the stdlib does the same from 3.14). */
    PyObject *eof_error;
} sslx_conn;

/* The engine of `self` (an SSLObject or SSLSocket instance, or of a
 * subclass).  NULL with TypeError set for other objects. */
sslx_conn *sslx_conn_of(PyObject *self);

/* The name the connection will send and verify: `server_hostname` (not
 * NULL; None for none) converted as wrap_socket()/wrap_bio() convert it.
 * Only before the SSL* is made (ValueError after); TypeError/ValueError/
 * UnicodeError for a bad name, the connection unchanged. */
int sslx_conn_set_server_hostname(sslx_conn *c, PyObject *server_hostname);

/* Validate and store the connection's parameters (no SSL* is created):
 *   owner            the embedding Python object (borrowed)
 *   server_hostname  str, bytes-like or None; converted like the stdlib
 *                    (str -> 'idna' codec; empty / leading dot ->
 *                    ValueError; NUL -> TypeError); stored as str
 *   session          SSLSession or None (checked against context, side)
 * Also checks side vs. PROTOCOL_TLS_CLIENT/SERVER contexts.
 * Returns 0, or -1 with an exception set. */
int sslx_conn_init(sslx_conn *c, sslx_state *st, PyObject *owner, sslx_context *context,
                   int server_side, PyObject *server_hostname, PyObject *session);

/* Create the SSL* over two MemoryBIO objects (sslx's, and the stdlib's
 * ssl.MemoryBIO when its _ssl runs on the same libcrypto: their BIOs used
 * directly, bio_stdlib.c; any other object with
 * read/write/write_eof/pending/eof: copied through its methods).  Returns 0, or -1 with an exception set. */
int sslx_conn_start_bio(sslx_conn *c, PyObject *incoming, PyObject *outgoing);

/* Give a started BIO-mode connection (over sslx MemoryBIOs) two other
 * BIOs, e.g. asyncio_bios.c's; one reference to each is taken over, as
 * with SSL_set_bio (`in` and `out` must differ).  The MemoryBIO objects
 * stay referenced but are no longer read or written.  0, or -1 with an
 * exception set. */
int sslx_conn_set_bios(sslx_conn *c, BIO *in, BIO *out);

/* Create the SSL* over socket `fd` (the caller keeps the socket open as
 * long as the connection uses it).  Returns 0, or -1 with an exception. */
int sslx_conn_start_socket(sslx_conn *c, int fd);

/* Give the started connection a copy of `session` to resume (a copy, so
 * that the SSLSession stays resumable whatever becomes of this
 * connection).  Returns 0, or -1 with an exception set. */
int sslx_conn_apply_session(sslx_conn *c, sslx_session *session);

/* Undo start_*: free the SSL* and drop the BIOs, keeping context, side,
 * hostname (SSLSocket.unwrap / close).  conn->ssl is NULL afterwards.
 * `what` names the caller's method for the refusal when it runs inside
 * a callback of this connection.  0, or -1 with RuntimeError set. */
int sslx_conn_stop(sslx_conn *c, const char *what);

/* Current timeout for socket-mode operations (-1.0 in BIO mode or when the
 * socket's timeout is None), read from the socket object itself, as the
 * stdlib does (a subclass overriding gettimeout() changes nothing).
 * -2.0 with an exception set on failure. */
double sslx_conn_timeout(sslx_conn *c);

/* The lock, for callers outside the engine (conn_py.c, connview.c).
 * sslx_conn_lock_query() before reading the SSL*'s state: returns 1 when
 * it took the lock, 0 when the calling thread holds it already (a
 * callback of this connection); pass that to sslx_conn_unlock_query().
 * sslx_conn_lock_change() before changing it: 0, or -1 with RuntimeError
 * set when called from a callback of this connection (`what` names the
 * caller); release with sslx_conn_unlock_change(). */
int sslx_conn_lock_query(sslx_conn *c);
void sslx_conn_unlock_query(sslx_conn *c, int locked);
int sslx_conn_lock_change(sslx_conn *c, const char *what);
void sslx_conn_unlock_change(sslx_conn *c);
/* Non-zero when the calling thread runs inside an OpenSSL call of `c`
 * (a callback). */
int sslx_conn_in_callback(sslx_conn *c);

/* The operations.  0 / byte counts on success, -1 with an exception. */
int sslx_conn_handshake(sslx_conn *c, double timeout);
/* Reads up to `len` bytes; 0 means the peer closed cleanly (close_notify)
 * or, with `suppress_ragged`, the connection ended without one.  After
 * an SSLEOFError, every later read, write and handshake raises it again
 * (as the stdlib does from 3.14, gh-148292). */
Py_ssize_t sslx_conn_read(sslx_conn *c, void *buf, Py_ssize_t len, double timeout,
                          int suppress_ragged);
/* An upper bound of the plaintext bytes a read could return now without
 * waiting (BIO mode: decrypted bytes buffered in OpenSSL plus ciphertext
 * waiting in the incoming BIO), at least one record's worth; socket mode
 * and unknown: one record (16 KiB).  -1 with an exception. */
Py_ssize_t sslx_conn_readable_bound(sslx_conn *c);
Py_ssize_t sslx_conn_write(sslx_conn *c, const void *buf, Py_ssize_t len, double timeout);
/* SSL_sendfile(): `size` bytes of file `fd` from `offset`, encrypted by
 * the kernel (kernel TLS must be on for sending: SSLError otherwise).
 * Bytes sent, or -1 with an exception set. */
Py_ssize_t sslx_conn_sendfile(sslx_conn *c, int fd, off_t offset, size_t size,
                              double timeout);
/* Whether kernel TLS carries the connection's sending (or receiving). */
int sslx_conn_uses_ktls(sslx_conn *c, int for_send);
/* Sends close_notify and waits (per timeout) for the peer's; 0 when both
 * directions are closed. */
int sslx_conn_shutdown(sslx_conn *c, double timeout);

/* The same operations for event-loop protocols (asyncio_protocol.c),
 * non-blocking, where OpenSSL wanting more bytes (or room) is no error:
 * they return SSLX_CONN_WANT with no exception set (raising and clearing
 * an SSLWantReadError per "not yet" costs about as much as a read).
 * read: bytes read, 0 at the peer's close_notify (a ragged EOF raises);
 * write: bytes written; handshake, shutdown: 0 when done.  -1 with an
 * exception on failure. */
#define SSLX_CONN_WANT (-2)
int sslx_conn_handshake_nowait(sslx_conn *c);
Py_ssize_t sslx_conn_read_nowait(sslx_conn *c, void *buf, Py_ssize_t len);
Py_ssize_t sslx_conn_write_nowait(sslx_conn *c, const void *buf, Py_ssize_t len);
int sslx_conn_shutdown_nowait(sslx_conn *c);

/* Move the engine `from` (with its SSL*, references and BIOs) into the
 * empty engine `to` of another object, recording no owner in the SSL*:
 * callbacks that need one then fail.  `from` is left empty.  0, or -1
 * with an exception set. */
int sslx_conn_move(sslx_conn *from, sslx_conn *to);

/* GC and teardown. */
int sslx_conn_traverse(sslx_conn *c, visitproc visit, void *arg);
void sslx_conn_clear(sslx_conn *c);     /* drops Python references */
void sslx_conn_free(sslx_conn *c);      /* clear + SSL_free */

#endif
