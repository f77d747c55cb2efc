/* asyncio_protocol.h - TLS for asyncio's selector event loop in C.
 *
 * asyncio builds its TLS layer as asyncio.sslproto.SSLProtocol (a
 * BufferedProtocol on the socket transport) plus the transport the
 * application sees.  For an sslx context, sslx._asyncio makes asyncio
 * construct these two C objects instead:
 *
 *   AsyncioSSLProtocol   (asyncio_protocol.c: construction, the handshake
 *                         and shutdown state machine; asyncio_flow.c: the
 *                         bytes both ways and flow control)
 *   AsyncioSSLTransport  (asyncio_transport.c: what the app calls)
 *
 * The behaviour is that of CPython 3.11+'s sslproto (on every Python,
 * 3.10 included): states UNWRAPPED -> DO_HANDSHAKE -> WRAPPED -> FLUSHING
 * -> SHUTDOWN (-> UNWRAPPED), the handshake and shutdown timeouts, the
 * application protocol's states INIT -> CON_MADE -> EOF -> CON_LOST, flow
 * control with the same limits and defaults, the same extra-info keys,
 * exception-handler contexts and messages.  The TLS connection is an
 * sslx.SSLObject over two sslx MemoryBIOs (made by the context's own
 * wrap_bio(), so callbacks, sslobject_class and sessions behave as
 * everywhere else); it is the `ssl_object` the app gets.  The engine is
 * called through its non-raising operations (conn.h: SSLX_CONN_WANT), so
 * "not yet" costs no exception, and OpenSSL runs with the GIL released.
 *
 * Reference cycles: protocol <-> app transport, protocol -> socket
 * transport -> protocol; all objects are GC-tracked. */
#ifndef SSLX_ASYNCIO_PROTOCOL_H
#define SSLX_ASYNCIO_PROTOCOL_H

#include "asyncio_bios.h"
#include "conn.h"

enum sslx_aio_state {
    AIO_UNWRAPPED = 0,
    AIO_DO_HANDSHAKE,
    AIO_WRAPPED,
    AIO_FLUSHING,
    AIO_SHUTDOWN,
};

enum sslx_aio_app_state {
    AIO_APP_INIT = 0,
    AIO_APP_CON_MADE,
    AIO_APP_EOF,
    AIO_APP_CON_LOST,
};

typedef struct {
    PyObject_HEAD
    PyObject *dict;             /* instance attributes (tests set some) */
    PyObject *weakreflist;
    sslx_state *st;
    PyObject *loop;
    PyObject *app_protocol;
    PyObject *app_get_buffer;       /* bound methods when the app is a */
    PyObject *app_buffer_updated;   /* BufferedProtocol, else NULL */
    PyObject *sslcontext;
    PyObject *waiter;               /* future or None/NULL */
    PyObject *transport;            /* the socket transport, or NULL */
    PyObject *app_transport;        /* AsyncioSSLTransport, or NULL */
    PyObject *sslobj;               /* sslx.SSLObject */
    PyObject *sslobj_override;      /* what `_sslobj` was set to, or NULL */
    sslx_conn *conn;                /* its engine (borrowed from sslobj) */
    /* The SSL*'s BIOs (asyncio_bios.c), one reference each, and their
     * state; the receive buffer the window reads from, and the bytes
     * object the collector fills (NULL until a write sizes one). */
    BIO *window_bio, *collector_bio;
    sslx_aio_window *window;
    sslx_aio_collector *collector;
    PyObject *out_bytes;
    PyObject *extra;                /* dict */
    PyObject *handshake_timer, *shutdown_timer;
    PyObject *backlog;              /* list of bytes-like not yet written */
    Py_ssize_t backlog_size;        /* their total length */
    PyObject *recv_buffer;          /* bytearray get_buffer() lends out, or NULL */
    size_t recv_lent;               /* the size of the tail last lent out */
    unsigned char recv_filled;      /* a receive filled it: use the full size */
    double handshake_timeout, shutdown_timeout;
    Py_ssize_t in_high, in_low, out_high, out_low;
    int state, app_state;
    long conn_lost;
    unsigned char server_side;
    unsigned char app_transport_created;
    unsigned char ssl_writing_paused, ssl_reading_paused;
    unsigned char app_reading_paused, app_writing_paused;
    unsigned char eof_received;
    unsigned char defer_flush;      /* records wait for _flush_soon (handshake end) */
    unsigned char flush_scheduled;  /* _flush_soon is scheduled */
    /* Bytes of the handshake's last flight held for _flush_soon: the
     * stdlib has already handed them to the socket transport at that
     * point, so get_write_buffer_size() does not count them. */
    Py_ssize_t deferred_out;
} sslx_aio_protocol;

typedef struct {
    PyObject_HEAD
    PyObject *base_extra;           /* asyncio.BaseTransport's slot _extra */
    PyObject *dict;
    PyObject *weakreflist;
    sslx_aio_protocol *proto;       /* strong */
    PyObject *loop;
    unsigned char closed;
} sslx_aio_transport;

/* ---- asyncio_protocol.c ---- */
extern const char *sslx_aio_state_names[];     /* by enum sslx_aio_state */
extern PyMethodDef sslx_aio_protocol_methods[];
int sslx_aio_check_state(sslx_aio_protocol *p, int new_state);
int sslx_aio_set_state(sslx_aio_protocol *p, int new_state);
int sslx_aio_do_handshake(sslx_aio_protocol *p);
int sslx_aio_start_shutdown(sslx_aio_protocol *p);
int sslx_aio_do_flush(sslx_aio_protocol *p);
/* Hand the collected records to the socket transport at the end of this
 * loop iteration (once, however often asked). */
int sslx_aio_flush_soon(sslx_aio_protocol *p);
int sslx_aio_do_shutdown(sslx_aio_protocol *p);
/* Force the socket transport closed with `exc` (may be NULL: None). */
int sslx_aio_abort(sslx_aio_protocol *p, PyObject *exc);
/* _fatal_error(exc, message): close the socket transport with exc,
 * report to the loop's exception handler (OSError only in debug mode). */
int sslx_aio_fatal_error(sslx_aio_protocol *p, PyObject *exc, const char *message);
/* The pending exception, taken (normalised, carrying its traceback);
 * NULL if none.  A new reference. */
PyObject *sslx_aio_take_exception(void);
/* The app protocol changed (set_protocol). */
void sslx_aio_set_app_protocol(sslx_aio_protocol *p, PyObject *app);
PyObject *sslx_aio_get_extra_info(sslx_aio_protocol *p, PyObject *name, PyObject *deflt);
/* The glue module's attribute `name` (sslx._asyncio): asyncio's logger,
 * exception classes and constants.  New reference or NULL. */
PyObject *sslx_aio_glue(sslx_aio_protocol *p, const char *name);
/* logger.warning(message) */
int sslx_aio_warn(sslx_aio_protocol *p, const char *message);

/* ---- asyncio_flow.c ---- */
int sslx_aio_write_appdata(sslx_aio_protocol *p, PyObject *iterable_or_one, int one);
int sslx_aio_do_write(sslx_aio_protocol *p);
int sslx_aio_process_outgoing(sslx_aio_protocol *p);
int sslx_aio_do_read(sslx_aio_protocol *p);
int sslx_aio_call_eof_received(sslx_aio_protocol *p);
int sslx_aio_control_app_writing(sslx_aio_protocol *p);
int sslx_aio_control_ssl_reading(sslx_aio_protocol *p);
Py_ssize_t sslx_aio_write_buffer_size(sslx_aio_protocol *p);
Py_ssize_t sslx_aio_read_buffer_size(sslx_aio_protocol *p);
/* Forget the records not yet handed to the socket transport. */
void sslx_aio_drop_outgoing(sslx_aio_protocol *p);
/* Limits as asyncio computes them: high/low may be None; `kb` is the
 * default high-water mark in KiB.  0, or -1 with ValueError. */
int sslx_aio_flow_limits(PyObject *high, PyObject *low, Py_ssize_t kb, Py_ssize_t *hi,
                         Py_ssize_t *lo);
/* The socket transport's BufferedProtocol side. */
PyObject *sslx_aio_get_buffer(sslx_aio_protocol *p, PyObject *arg);
PyObject *sslx_aio_buffer_updated(sslx_aio_protocol *p, PyObject *arg);
PyObject *sslx_aio_data_received(sslx_aio_protocol *p, PyObject *data);
PyObject *sslx_aio_pause_writing(sslx_aio_protocol *p, PyObject *unused);
PyObject *sslx_aio_resume_writing(sslx_aio_protocol *p, PyObject *unused);
/* The app's pause_reading/resume_reading. */
void sslx_aio_pause_reading(sslx_aio_protocol *p);
int sslx_aio_resume_reading(sslx_aio_protocol *p);

/* ---- asyncio_transport.c ---- */
PyObject *sslx_aio_transport_new(sslx_state *st, sslx_aio_protocol *p);
/* The type, a subtype of asyncio.Transport `base` (made on registration). */
int sslx_aio_transport_make_type(PyObject *module, sslx_state *st, PyObject *base);
void sslx_aio_transport_mark_closed(PyObject *transport);

#endif
