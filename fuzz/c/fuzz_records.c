/* fuzz_records: sslx's connection engine (conn.c, conn_py.c, sslobject.c,
 * the MemoryBIO queue as OpenSSL's BIO, the foreign-BIO copying, the error
 * mapping in errors.c, the SNI/ALPN/PSK/message callbacks) fed TLS records
 * that are partly genuine and partly the fuzzer's.
 *
 * Each input gets a new pair of sslx SSLObjects over MemoryBIOs, client
 * and server, one of them the "victim", the other its "peer".  Unless the
 * input asks for a fresh pair, the two are handshaken in memory first.
 * Then the input's operations run: the peer writes application data,
 * (un)wraps, steps its handshake; its records gather in a staging buffer
 * from which they reach the victim's incoming BIO in pieces, possibly with
 * bytes flipped; the fuzzer's own bytes can be injected as well; the
 * victim reads, writes, handshakes, unwraps, is queried.  At the end the
 * victim reads until it wants more data or fails.
 *
 * Checked: no crash or sanitizer report; every exception is a documented
 * one (the SSLError family; never SSLWantWriteError over memory BIOs;
 * SSLSyscallError only once the end has already failed, see io();
 * ValueError besides SSLError only from the state queries); the plaintext
 * the victim returns is exactly the next bytes the peer sent (TLS lets
 * nothing altered or reordered through), and what the peer reads is what
 * the victim wrote; once a read failed or reported the end of the stream,
 * no later read returns data or asks for more; the callbacks sslx calls
 * get arguments of the documented types, and nothing unexpected is
 * reported through sys.unraisablehook.
 *
 * Why no pool of handshaken pairs: every input consumes its pair (most
 * inputs damage the victim), and a pair reused across inputs would make an
 * input's behaviour depend on the inputs before it, which libFuzzer cannot
 * reproduce or minimise.  The handshakes are made cheap instead: TLS-PSK
 * for most variants, session resumption for the certificate ones unless
 * the pair is fresh (see fuzz_setup).
 *
 * Input (byte 0 is the configuration):
 *   bits 0-2  variant: 0-3 TLS 1.2 PSK (PSK-AES128-GCM-SHA256, no public
 *             key crypto at all), 4-5 TLS 1.3 PSK (ECDHE), 6 TLS 1.3 and
 *             7 TLS 1.2 with a certificate (ECDSA P-256, verified, host
 *             name checked)
 *   bit 3     victim: 0 client, 1 server
 *   bit 4     fresh: no handshake before the operations
 *   bit 5     the victim's incoming BIO is the stdlib's ssl.MemoryBIO
 *   bit 6     the victim's outgoing BIO is the stdlib's ssl.MemoryBIO
 * then operations, one byte each, the high nibble the kind, the low nibble
 * `a` an argument, some followed by argument bytes:
 *   0  n=byte|(a&3)<<8, n bytes   the fuzzer's bytes to the victim
 *   1  byte                       the peer writes ((byte|a<<8)*8+1) bytes
 *   2  k=u16                      k staged bytes to the victim (0: all)
 *   3  pos=u16, x=byte            staged byte pos%len ^= x|1
 *   4  n=u16                      victim.read(n >> (a&7))
 *   5  n=u16                      victim.read(n >> (a&7), bytearray)
 *   6                             victim.do_handshake()
 *   7                             peer.do_handshake()
 *   8  byte                       victim.write(byte*64+a bytes)
 *   9                             peer.read(65536)
 *   10                            victim.unwrap()
 *   11                            peer.unwrap()
 *   12                            victim's incoming BIO: write_eof()
 *   13 n=byte, n bytes            a record of type 20+(a&7), TLS 1.2
 *                                 version, around those bytes, to the victim
 *   14                            a state query (a picks: pending, cipher,
 *                                 version, ALPN, getpeercert(), DER form,
 *                                 channel binding, shared_ciphers,
 *                                 compression, verified/unverified chain,
 *                                 session, session_reused, server_hostname)
 *   15                            read (a<<10 or 16384 bytes) until the
 *                                 victim wants more data, fails or ends
 * The peer's records are staged; the victim's go straight to the peer.
 * After the last operation: everything staged is delivered, then 15. */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SENT_LIMIT (1u << 20)
#define STAGE_LIMIT (1u << 21)

typedef struct {
    PyObject *client_ctx, *server_ctx;
    PyObject *session;      /* certificate variants: resumed unless fresh */
} variant;

static variant VARIANTS[4];   /* TLS 1.2 PSK, TLS 1.3 PSK, TLS 1.3 cert, TLS 1.2 cert */
static const int VARIANT_OF_CONFIG[8] = {0, 0, 0, 0, 1, 1, 2, 3};

static PyObject *sslx_bio_type, *std_bio_type;
static PyObject *io_allowed, *query_allowed, *unraisable_ok, *want_read, *want_write, *syscall_error;
static PyObject *s_read, *s_write, *s_write_eof, *s_do_handshake, *s_unwrap, *s_wrap_bio;
static PyObject *s_pending, *s_cipher, *s_version, *s_alpn, *s_getpeercert, *s_binding;
static PyObject *s_shared, *s_compression, *s_verified, *s_unverified, *s_session,
    *s_session_reused, *s_server_hostname;
static PyObject *hostname, *alpn_h2, *alpn_http11;

/* ---- the state of one input ---- */

typedef struct {
    int failed;             /* an I/O call raised something else than "want read" */
    int read_had_data;      /* its last read returned bytes */
    int deferred_expected;  /* ... and a failure is owed to the next read */
} end_state;

typedef struct {
    PyObject *victim, *peer;
    PyObject *v_in, *v_out, *p_in, *p_out;    /* the four BIOs */
    int v_in_eof;                             /* write_eof() called on v_in */
    uint8_t *stage;                           /* peer records not yet delivered */
    size_t stage_len;
    uint8_t *sent;                            /* application data the peer sent */
    size_t sent_len;
    size_t got_len;                           /* ... and the victim returned */
    const char *ended;                        /* why the victim's stream ended */
    int victim_is_server;
    end_state vs, ps;                         /* the victim's and the peer's */
} run;

static uint8_t stage_buf[STAGE_LIMIT], sent_buf[SENT_LIMIT];

/* ---- callbacks given to the contexts ---- */

static PyObject *psk_key;

static PyObject *
psk_client(PyObject *self, PyObject *hint)
{
    (void)self;
    FZ_CHECK(hint == Py_None || PyUnicode_Check(hint), "PSK hint is not str or None");
    return Py_BuildValue("(sO)", "fuzz-client", psk_key);
}

static PyObject *
psk_server(PyObject *self, PyObject *identity)
{
    (void)self;
    FZ_CHECK(identity == Py_None || PyUnicode_Check(identity), "PSK identity is not str/None");
    return Py_NewRef(psk_key);
}

/* sni_callback(conn, name, ctx) / set_servername_callback: the name is
 * None or str; continue the handshake. */
static PyObject *
sni(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    FZ_CHECK(nargs == 3, "SNI callback got %zd arguments", nargs);
    FZ_CHECK(args[1] == Py_None || PyUnicode_Check(args[1]), "SNI name is not str or None");
    Py_RETURN_NONE;
}

/* _msg_callback(conn, direction, version, content_type, msg_type, data) */
static PyObject *
msg(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    FZ_CHECK(nargs == 6, "message callback got %zd arguments", nargs);
    FZ_CHECK(PyUnicode_Check(args[1]) && PyLong_Check(args[2]) && PyLong_Check(args[3])
                 && PyLong_Check(args[4]) && PyBytes_Check(args[5]),
             "message callback arguments of the wrong types");
    Py_RETURN_NONE;
}

static PyMethodDef callback_defs[] = {
    {"psk_client", psk_client, METH_O, NULL},
    {"psk_server", psk_server, METH_O, NULL},
    {"sni", (PyCFunction)(void (*)(void))sni, METH_FASTCALL, NULL},
    {"msg", (PyCFunction)(void (*)(void))msg, METH_FASTCALL, NULL},
};

static PyObject *
callback(int i)
{
    return fz_ok(PyCFunction_New(&callback_defs[i], NULL));
}

/* ---- setup ---- */

static void
set(PyObject *obj, const char *name, PyObject *value)
{
    FZ_CHECK(PyObject_SetAttrString(obj, name, value) == 0, "cannot set %s", name);
    Py_DECREF(value);
}

static void
call_method(PyObject *obj, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *fn = fz_attr(obj, name);
    PyObject *args = fz_ok(Py_VaBuildValue(fmt, ap));
    va_end(ap);
    if (!PyTuple_Check(args)) {
        PyObject *t = fz_ok(PyTuple_Pack(1, args));
        Py_DECREF(args);
        args = t;
    }
    Py_DECREF(fz_ok(PyObject_Call(fn, args, NULL)));
    Py_DECREF(args);
    Py_DECREF(fn);
}

static PyObject *
context(const char *protocol, const char *version)
{
    PyObject *cls = fz_attr(fz_sslx, "SSLContext");
    PyObject *proto = fz_attr(fz_sslx, protocol);
    PyObject *ctx = fz_ok(PyObject_CallOneArg(cls, proto));
    PyObject *v = fz_attr(fz_sslx, version);
    FZ_CHECK(PyObject_SetAttrString(ctx, "minimum_version", v) == 0
                 && PyObject_SetAttrString(ctx, "maximum_version", v) == 0,
             "cannot pin the version");
    Py_DECREF(v);
    Py_DECREF(proto);
    Py_DECREF(cls);
    call_method(ctx, "set_alpn_protocols", "([ss])", "h2", "http/1.1");
    set(ctx, "_msg_callback", callback(3));
    return ctx;
}

static void
psk_variant(variant *v, const char *version, const char *ciphers)
{
    v->client_ctx = context("PROTOCOL_TLS_CLIENT", version);
    v->server_ctx = context("PROTOCOL_TLS_SERVER", version);
    set(v->client_ctx, "check_hostname", Py_NewRef(Py_False));
    set(v->client_ctx, "verify_mode", fz_attr(fz_sslx, "CERT_NONE"));
    if (ciphers) {
        call_method(v->client_ctx, "set_ciphers", "(s)", ciphers);
        call_method(v->server_ctx, "set_ciphers", "(s)", ciphers);
    }
    call_method(v->client_ctx, "set_psk_client_callback", "(N)", callback(0));
    call_method(v->server_ctx, "set_psk_server_callback", "(N)", callback(1));
    set(v->server_ctx, "sni_callback", callback(2));
}

static void
cert_variant(variant *v, const char *version, const char *certfile, PyObject *cert_pem)
{
    v->client_ctx = context("PROTOCOL_TLS_CLIENT", version);
    v->server_ctx = context("PROTOCOL_TLS_SERVER", version);
    PyObject *kw = fz_ok(Py_BuildValue("{sO}", "cadata", cert_pem));
    PyObject *fn = fz_attr(v->client_ctx, "load_verify_locations");
    PyObject *empty = fz_ok(PyTuple_New(0));
    Py_DECREF(fz_ok(PyObject_Call(fn, empty, kw)));
    Py_DECREF(empty);
    Py_DECREF(fn);
    Py_DECREF(kw);
    call_method(v->server_ctx, "load_cert_chain", "(s)", certfile);
    call_method(v->server_ctx, "set_servername_callback", "(N)", callback(2));
}

static PyObject *
intern(const char *s)
{
    return fz_ok(PyUnicode_InternFromString(s));
}

/* ---- one input ---- */

static run R;

/* The outcome of an I/O call on `end` (the victim or the peer), a read or
 * not: an SSLError, never SSLWantWriteError (memory BIOs take every
 * write).  SSLSyscallError ("Some I/O error occurred": OpenSSL's
 * SSL_ERROR_SYSCALL with an empty error queue) is what OpenSSL, and so the
 * stdlib and sslx, answer once a connection has failed; as an end's first
 * failure there is no system call to blame, with one exception: a read
 * that returned data may have met a damaged or truncated record after it
 * (sslx reads every record already received; an empty incoming BIO ends
 * that, so a plain EOF waits for the next read as in the stdlib), which
 * sslx keeps for the next read while the connection is already failed
 * for other calls.  Then the next read must raise.  `is_read`: 0 not a read, 1 a read, 2 a read of 0 bytes (which
 * does nothing). */
static PyObject *
io(PyObject *end, PyObject *result, int is_read)
{
    end_state *es = end == R.victim ? &R.vs : &R.ps;
    if (is_read == 1 && es->deferred_expected) {
        FZ_CHECK(result == NULL && !PyErr_ExceptionMatches(want_read),
                 "a read after SSLSyscallError did not raise the failure it kept");
        es->deferred_expected = 0;
    }
    if (result != NULL)
        return fz_expect(result, NULL, NULL);
    if (PyErr_ExceptionMatches(want_read)) {
        if (is_read == 1)
            es->read_had_data = 0;
        return fz_expect(NULL, io_allowed, NULL);
    }
    int first = !es->failed;
    es->failed = 1;
    if (first && PyErr_ExceptionMatches(syscall_error)) {
        FZ_CHECK(!is_read && es->read_had_data, "SSLSyscallError as the first failure");
        es->deferred_expected = 1;
    }
    if (is_read == 1)
        es->read_had_data = 0;
    return fz_expect(NULL, io_allowed, want_write);
}

/* A read on `end` returned n bytes. */
static void
read_returned(PyObject *end, Py_ssize_t n)
{
    (end == R.victim ? &R.vs : &R.ps)->read_had_data = n > 0;
}

static PyObject *
method0(PyObject *obj, PyObject *name)
{
    return PyObject_CallMethodNoArgs(obj, name);
}

static PyObject *
method1(PyObject *obj, PyObject *name, PyObject *arg)
{
    return PyObject_CallMethodOneArg(obj, name, arg);
}

/* Everything waiting in BIO `from`, or NULL when it is empty. */
static PyObject *
take(PyObject *from)
{
    PyObject *data = fz_ok(method0(from, s_read));
    FZ_CHECK(PyBytes_Check(data), "MemoryBIO.read() did not return bytes");
    if (PyBytes_GET_SIZE(data) == 0)
        Py_CLEAR(data);
    return data;
}

static void
put(PyObject *to, PyObject *data)
{
    PyObject *n = fz_ok(method1(to, s_write, data));
    FZ_CHECK(PyLong_AsSsize_t(n) == PyBytes_GET_SIZE(data), "MemoryBIO.write() count");
    Py_DECREF(n);
}

/* The victim's records go straight to the peer. */
static void
victim_to_peer(void)
{
    PyObject *data = take(R.v_out);
    if (data) {
        put(R.p_in, data);
        Py_DECREF(data);
    }
}

/* The peer's records wait in the staging buffer. */
static void
peer_to_stage(void)
{
    PyObject *data = take(R.p_out);
    if (data == NULL)
        return;
    size_t n = (size_t)PyBytes_GET_SIZE(data);
    if (R.stage_len + n <= STAGE_LIMIT) {
        memcpy(R.stage + R.stage_len, PyBytes_AS_STRING(data), n);
        R.stage_len += n;
    }
    Py_DECREF(data);
}

static void
to_victim(const uint8_t *bytes, size_t n)
{
    if (R.v_in_eof || n == 0)
        return;
    PyObject *data = fz_ok(PyBytes_FromStringAndSize((const char *)bytes, (Py_ssize_t)n));
    put(R.v_in, data);
    Py_DECREF(data);
}

/* Up to k staged bytes (all when k is 0) to the victim. */
static void
deliver(size_t k)
{
    size_t n = k == 0 || k > R.stage_len ? R.stage_len : k;
    to_victim(R.stage, n);
    memmove(R.stage, R.stage + n, R.stage_len - n);
    R.stage_len -= n;
}

/* Bytes that depend on their position in the stream, so that a byte
 * returned out of place shows (fz_position_table). */
#define PATTERN_LIMIT (2 * SENT_LIMIT)      /* > any offset + n asked for */
static const uint8_t *pattern_table;

static PyObject *
pattern(size_t offset, size_t n)
{
    FZ_CHECK(offset + n <= PATTERN_LIMIT, "pattern beyond its table");
    return fz_ok(PyBytes_FromStringAndSize((const char *)pattern_table + offset, (Py_ssize_t)n));
}

static void
peer_write(size_t n)
{
    if (R.sent_len + n > SENT_LIMIT)
        return;
    PyObject *data = pattern(R.sent_len, n);
    PyObject *count = io(R.peer, method1(R.peer, s_write, data), 0);
    if (count) {
        FZ_CHECK(PyLong_AsSsize_t(count) == (Py_ssize_t)n, "peer write() was partial");
        memcpy(R.sent + R.sent_len, PyBytes_AS_STRING(data), n);
        R.sent_len += n;
        Py_DECREF(count);
    }
    Py_DECREF(data);
    peer_to_stage();
}

/* What the victim's read of `size` returned: `r` (the bytes, or the count
 * read into `buf`), or NULL with an exception.  Checked against what the
 * peer sent. */
static void
victim_got(PyObject *r, PyObject *buf, Py_ssize_t size)
{
    int wants = r == NULL && PyErr_ExceptionMatches(want_read);
    if (wants)
        FZ_CHECK(R.ended == NULL, "a read wants more data after the stream %s", R.ended);
    if (io(R.victim, r, size > 0 ? 1 : 2) == NULL) {
        if (!wants && R.ended == NULL)
            R.ended = "failed";
        return;
    }
    const char *p;
    Py_ssize_t n;
    if (buf != NULL) {
        n = PyLong_AsSsize_t(r);
        FZ_CHECK(n >= 0 && n <= size, "read(n, buffer) returned %zd", n);
        p = PyByteArray_AS_STRING(buf);
    } else {
        FZ_CHECK(PyBytes_CheckExact(r) && PyBytes_GET_SIZE(r) <= size,
                 "read(%zd) returned the wrong thing", size);
        n = PyBytes_GET_SIZE(r);
        p = PyBytes_AS_STRING(r);
    }
    if (size > 0)
        read_returned(R.victim, n);
    if (n == 0) {
        if (size > 0 && R.ended == NULL)
            R.ended = "ended";
    } else {
        FZ_CHECK(R.ended == NULL, "a read returned %zd bytes after the stream %s", n, R.ended);
        FZ_CHECK(R.got_len + (size_t)n <= R.sent_len
                     && memcmp(R.sent + R.got_len, p, (size_t)n) == 0,
                 "the victim read %zd bytes that are not the next ones the peer sent", n);
        R.got_len += (size_t)n;
    }
    Py_DECREF(r);
}

static void
victim_read(Py_ssize_t size, int into_buffer)
{
    PyObject *n_obj = fz_ok(PyLong_FromSsize_t(size));
    if (into_buffer && size > 0) {
        PyObject *buf = fz_ok(PyByteArray_FromStringAndSize(NULL, size));
        PyObject *args[] = {R.victim, n_obj, buf};
        victim_got(PyObject_VectorcallMethod(s_read, args, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                             NULL),
                   buf, size);
        Py_DECREF(buf);
    } else {
        victim_got(method1(R.victim, s_read, n_obj), NULL, size);
    }
    Py_DECREF(n_obj);
    victim_to_peer();   /* a read may answer (alerts, key updates) */
}

/* Read until the victim wants more, fails or ends (at most 64 reads). */
static void
drain(Py_ssize_t size)
{
    for (int i = 0; i < 64; i++) {
        size_t before = R.got_len;
        const char *ended = R.ended;
        victim_read(size, 0);
        if (R.ended != ended || R.ended != NULL)
            return;
        if (R.got_len == before)   /* it wanted more data */
            return;
    }
}

/* What the peer reads is what the victim wrote (the victim's writes are
 * recorded in vsent). */
static uint8_t vsent_buf[SENT_LIMIT];
static size_t vsent_len, peer_got_len;

static void
peer_read(void)
{
    PyObject *n_obj = fz_ok(PyLong_FromLong(65536));
    PyObject *r = io(R.peer, method1(R.peer, s_read, n_obj), 1);
    Py_DECREF(n_obj);
    if (r != NULL) {
        Py_ssize_t n = PyBytes_GET_SIZE(r);
        FZ_CHECK(peer_got_len + (size_t)n <= vsent_len
                     && memcmp(vsent_buf + peer_got_len, PyBytes_AS_STRING(r), (size_t)n) == 0,
                 "the peer read bytes the victim did not write");
        peer_got_len += (size_t)n;
        read_returned(R.peer, n);
        Py_DECREF(r);
    }
    peer_to_stage();
}

static void
victim_write(size_t n)
{
    if (vsent_len + n > SENT_LIMIT)
        return;
    PyObject *data = pattern(vsent_len + 0x1234, n);
    PyObject *count = io(R.victim, method1(R.victim, s_write, data), 0);
    if (count) {
        FZ_CHECK(PyLong_AsSsize_t(count) == (Py_ssize_t)n, "write() was partial");
        memcpy(vsent_buf + vsent_len, PyBytes_AS_STRING(data), n);
        vsent_len += n;
        Py_DECREF(count);
    }
    Py_DECREF(data);
    victim_to_peer();
}

static void
check_none_or(PyObject *v, int ok, const char *what)
{
    FZ_CHECK(v == Py_None || ok, "%s returned the wrong type", what);
}

/* One of the state queries, its result's type checked. */
static void
query(unsigned which)
{
    PyObject *v;
    switch (which % 14) {
    case 0:
        v = fz_expect(method0(R.victim, s_pending), query_allowed, NULL);
        if (v) {
            FZ_CHECK(PyLong_Check(v) && PyLong_AsLong(v) >= 0, "pending() < 0");
            Py_DECREF(v);
        }
        return;
    case 1:
        v = fz_expect(method0(R.victim, s_cipher), query_allowed, NULL);
        if (v)
            check_none_or(v, PyTuple_Check(v) && PyTuple_GET_SIZE(v) == 3, "cipher()");
        break;
    case 2:
        v = fz_expect(method0(R.victim, s_version), query_allowed, NULL);
        if (v)
            check_none_or(v, PyUnicode_Check(v), "version()");
        break;
    case 3:
        v = fz_expect(method0(R.victim, s_alpn), query_allowed, NULL);
        if (v)
            check_none_or(v,
                          PyUnicode_Check(v)
                              && (PyUnicode_Compare(v, alpn_h2) == 0
                                  || PyUnicode_Compare(v, alpn_http11) == 0),
                          "selected_alpn_protocol()");
        break;
    case 4:
        v = fz_expect(method0(R.victim, s_getpeercert), query_allowed, NULL);
        if (v)
            check_none_or(v, PyDict_Check(v), "getpeercert()");
        break;
    case 5:
        v = fz_expect(method1(R.victim, s_getpeercert, Py_True), query_allowed, NULL);
        if (v)
            check_none_or(v, PyBytes_Check(v), "getpeercert(True)");
        break;
    case 6:
        v = fz_expect(method0(R.victim, s_binding), query_allowed, NULL);
        if (v)
            check_none_or(v, PyBytes_Check(v), "get_channel_binding()");
        break;
    case 7:
        v = fz_expect(method0(R.victim, s_shared), query_allowed, NULL);
        if (v)
            check_none_or(v, PyList_Check(v), "shared_ciphers()");
        break;
    case 8:
        v = fz_expect(method0(R.victim, s_compression), query_allowed, NULL);
        if (v)
            check_none_or(v, PyUnicode_Check(v), "compression()");
        break;
    case 9:
    case 10:
        v = fz_expect(method0(R.victim, which % 14 == 9 ? s_verified : s_unverified),
                      query_allowed, NULL);
        if (v) {
            check_none_or(v, PyList_Check(v), "get_*_chain()");
            for (Py_ssize_t i = 0; PyList_Check(v) && i < PyList_GET_SIZE(v); i++)
                FZ_CHECK(PyBytes_Check(PyList_GET_ITEM(v, i)), "a chain entry is not bytes");
        }
        break;
    case 11:
        v = fz_expect(PyObject_GetAttr(R.victim, s_session), query_allowed, NULL);
        break;
    case 12:
        v = fz_expect(PyObject_GetAttr(R.victim, s_session_reused), query_allowed, NULL);
        if (v)
            FZ_CHECK(PyBool_Check(v), "session_reused is not a bool");
        break;
    default:
        v = fz_expect(PyObject_GetAttr(R.victim, s_server_hostname), query_allowed, NULL);
        if (v)
            check_none_or(v, PyUnicode_Check(v), "server_hostname");
        break;
    }
    Py_XDECREF(v);
}

/* do_handshake() on one end: 1 when it completed. */
static int
handshake(PyObject *end)
{
    PyObject *r = io(end, method0(end, s_do_handshake), 0);
    Py_XDECREF(r);
    return r != NULL;
}

static void
make_pair(const variant *v, unsigned config)
{
    int victim_is_server = (config >> 3) & 1;
    PyObject *c_in, *c_out, *s_in, *s_out;
    PyObject **v_in = victim_is_server ? &s_in : &c_in;
    PyObject **v_out = victim_is_server ? &s_out : &c_out;
    c_in = c_out = s_in = s_out = NULL;
    *v_in = fz_ok(PyObject_CallNoArgs((config & 0x20) ? std_bio_type : sslx_bio_type));
    *v_out = fz_ok(PyObject_CallNoArgs((config & 0x40) ? std_bio_type : sslx_bio_type));
    if (!c_in)
        c_in = fz_ok(PyObject_CallNoArgs(sslx_bio_type));
    if (!c_out)
        c_out = fz_ok(PyObject_CallNoArgs(sslx_bio_type));
    if (!s_in)
        s_in = fz_ok(PyObject_CallNoArgs(sslx_bio_type));
    if (!s_out)
        s_out = fz_ok(PyObject_CallNoArgs(sslx_bio_type));

    PyObject *args = fz_ok(PyTuple_Pack(2, c_in, c_out));
    PyObject *kw = fz_ok(Py_BuildValue("{sO}", "server_hostname", hostname));
    if (v->session != NULL && !(config & 0x10))
        FZ_CHECK(PyDict_SetItemString(kw, "session", v->session) == 0, "set");
    PyObject *fn = fz_ok(PyObject_GetAttr(v->client_ctx, s_wrap_bio));
    PyObject *client = fz_ok(PyObject_Call(fn, args, kw));
    Py_DECREF(fn);
    Py_DECREF(kw);
    Py_DECREF(args);
    args = fz_ok(PyTuple_Pack(2, s_in, s_out));
    kw = fz_ok(Py_BuildValue("{sO}", "server_side", Py_True));
    fn = fz_ok(PyObject_GetAttr(v->server_ctx, s_wrap_bio));
    PyObject *server = fz_ok(PyObject_Call(fn, args, kw));
    Py_DECREF(fn);
    Py_DECREF(kw);
    Py_DECREF(args);

    R.victim_is_server = victim_is_server;
    R.victim = victim_is_server ? server : client;
    R.peer = victim_is_server ? client : server;
    R.v_in = *v_in;
    R.v_out = *v_out;
    R.p_in = victim_is_server ? c_in : s_in;
    R.p_out = victim_is_server ? c_out : s_out;
}

static void
free_pair(void)
{
    Py_CLEAR(R.victim);
    Py_CLEAR(R.peer);
    Py_CLEAR(R.v_in);
    Py_CLEAR(R.v_out);
    Py_CLEAR(R.p_in);
    Py_CLEAR(R.p_out);
}

/* The full handshake before the operations: it must succeed. */
static void
handshake_pair(void)
{
    PyObject *client = R.victim_is_server ? R.peer : R.victim;
    for (int round = 0; round < 8; round++) {
        int done = handshake(client);
        if (client == R.victim)
            victim_to_peer();
        else {
            peer_to_stage();
            deliver(0);
        }
        PyObject *server = client == R.victim ? R.peer : R.victim;
        done &= handshake(server);
        if (server == R.victim)
            victim_to_peer();
        else {
            peer_to_stage();
            deliver(0);
        }
        if (done)
            return;
    }
    fz_fail("the in-memory handshake did not complete");
}

static void
reset_run(void)
{
    memset(&R, 0, sizeof R);
    R.stage = stage_buf;
    R.sent = sent_buf;
    vsent_len = peer_got_len = 0;
}

int
fuzz_setup(void)
{
    pattern_table = fz_position_table(PATTERN_LIMIT, 0x5a);
    sslx_bio_type = fz_attr(fz_sslx, "MemoryBIO");
    std_bio_type = fz_attr(fz_ssl, "MemoryBIO");
    io_allowed = fz_classes("SSLError");
    want_read = fz_attr(fz_sslx, "SSLWantReadError");
    want_write = fz_attr(fz_sslx, "SSLWantWriteError");
    syscall_error = fz_attr(fz_sslx, "SSLSyscallError");
    query_allowed = fz_classes("SSLError ValueError");
    /* The SNI callbacks decode the name the client sent (ASCII, or idna
     * for set_servername_callback): a fuzzed name that does not decode is
     * reported as unraisable, and the handshake fails. */
    unraisable_ok = fz_classes("UnicodeError");
    fz_allow_unraisable(unraisable_ok);
    psk_key = fz_ok(PyBytes_FromString("0123456789abcdef0123456789abcdef"));
    s_read = intern("read");
    s_write = intern("write");
    s_write_eof = intern("write_eof");
    s_do_handshake = intern("do_handshake");
    s_unwrap = intern("unwrap");
    s_wrap_bio = intern("wrap_bio");
    s_pending = intern("pending");
    s_cipher = intern("cipher");
    s_version = intern("version");
    s_alpn = intern("selected_alpn_protocol");
    s_getpeercert = intern("getpeercert");
    s_binding = intern("get_channel_binding");
    s_shared = intern("shared_ciphers");
    s_compression = intern("compression");
    s_verified = intern("get_verified_chain");
    s_unverified = intern("get_unverified_chain");
    s_session = intern("session");
    s_session_reused = intern("session_reused");
    s_server_hostname = intern("server_hostname");
    hostname = intern("localhost");
    alpn_h2 = intern("h2");
    alpn_http11 = intern("http/1.1");

    /* One ECDSA P-256 certificate for "localhost", made once. */
    PyObject *gen = fz_attr(fz_sslx, "_sslx._generate_certificate");
    PyObject *args = fz_ok(Py_BuildValue("(s)", "localhost"));
    PyObject *kw = fz_ok(Py_BuildValue("{s[s]}", "san", "DNS:localhost"));
    PyObject *pair = fz_ok(PyObject_Call(gen, args, kw));
    Py_DECREF(kw);
    Py_DECREF(args);
    Py_DECREF(gen);
    PyObject *cert_pem = PyTuple_GET_ITEM(pair, 0), *key_pem = PyTuple_GET_ITEM(pair, 1);
    char certfile[] = "/tmp/sslx-fuzz-records-XXXXXX";
    int fd = mkstemp(certfile);
    FZ_CHECK(fd >= 0, "mkstemp failed");
    FILE *f = fdopen(fd, "w");
    FZ_CHECK(f != NULL && fputs(PyUnicode_AsUTF8(cert_pem), f) >= 0
                 && fputs(PyUnicode_AsUTF8(key_pem), f) >= 0 && fclose(f) == 0,
             "cannot write %s", certfile);

    psk_variant(&VARIANTS[0], "TLSVersion.TLSv1_2", "PSK-AES128-GCM-SHA256");
    psk_variant(&VARIANTS[1], "TLSVersion.TLSv1_3", NULL);
    cert_variant(&VARIANTS[2], "TLSVersion.TLSv1_3", certfile, cert_pem);
    cert_variant(&VARIANTS[3], "TLSVersion.TLSv1_2", certfile, cert_pem);
    unlink(certfile);     /* the key is loaded; nothing stays on disk */
    Py_DECREF(pair);

    /* A full handshake with a certificate costs about five TLS-PSK ones
     * under ASan: pairs of the certificate variants resume a session made
     * here (certificate checks and the Certificate message are fuzzed on
     * fresh pairs, which get full handshakes).  The session lives as long
     * as OpenSSL's default timeout, two hours; later inputs get full
     * handshakes, which is slower but otherwise the same. */
    for (int i = 2; i < 4; i++) {
        reset_run();
        make_pair(&VARIANTS[i], 0);
        handshake_pair();
        victim_read(1, 0);      /* the client takes in TLS 1.3 session tickets */
        VARIANTS[i].session = fz_ok(PyObject_GetAttr(R.victim, s_session));
        FZ_CHECK(VARIANTS[i].session != Py_None, "no session to resume");
        free_pair();
        reset_run();
        make_pair(&VARIANTS[i], 0);
        handshake_pair();
        PyObject *reused = fz_ok(PyObject_GetAttr(R.victim, s_session_reused));
        FZ_CHECK(reused == Py_True, "the session was not resumed");
        Py_DECREF(reused);
        free_pair();
    }
    return 0;
}

void
fuzz_one(const uint8_t *data, size_t size)
{
    fz_input in = {data, size};
    unsigned config = fz_u8(&in);
    reset_run();
    make_pair(&VARIANTS[VARIANT_OF_CONFIG[config & 7]], config);
    if (!(config & 0x10))
        handshake_pair();

    while (in.n > 0) {
        unsigned op = fz_u8(&in), arg = op & 15;
        switch (op >> 4) {
        case 0: {   /* the fuzzer's own bytes, up to 1023 */
            size_t n;
            const uint8_t *bytes = fz_bytes(&in, fz_u8(&in) | (arg & 3) << 8, &n);
            to_victim(bytes, n);
            break;
        }
        case 1:     /* the peer sends application data */
            peer_write(((size_t)fz_u8(&in) | (size_t)arg << 8) * 8 + 1);
            break;
        case 2:     /* staged records reach the victim */
            deliver(fz_u16(&in));
            break;
        case 3: {   /* flip bits of a staged byte */
            unsigned pos = fz_u16(&in), x = fz_u8(&in) | 1;
            if (R.stage_len > 0)
                R.stage[pos % R.stage_len] ^= (uint8_t)x;
            break;
        }
        case 4:
        case 5:     /* read(n) or read(n, buffer) */
            victim_read((Py_ssize_t)fz_u16(&in) >> (arg & 7), (op >> 4) == 5);
            break;
        case 6:
            handshake(R.victim);
            victim_to_peer();
            break;
        case 7:
            handshake(R.peer);
            peer_to_stage();
            break;
        case 8:
            victim_write((size_t)fz_u8(&in) * 64 + arg);
            break;
        case 9:
            peer_read();
            break;
        case 10:
            Py_XDECREF(io(R.victim, method0(R.victim, s_unwrap), 0));
            victim_to_peer();
            break;
        case 11:
            Py_XDECREF(io(R.peer, method0(R.peer, s_unwrap), 0));
            peer_to_stage();
            break;
        case 12:    /* end of the victim's incoming data */
            if (!R.v_in_eof)
                Py_DECREF(fz_ok(method0(R.v_in, s_write_eof)));
            R.v_in_eof = 1;
            break;
        case 13: {  /* a record of any content type around the fuzzer's bytes */
            size_t n;
            const uint8_t *bytes = fz_bytes(&in, fz_u8(&in), &n);
            uint8_t rec[5 + 255] = {(uint8_t)(20 + (arg & 7)), 3, 3, 0, (uint8_t)n};
            memcpy(rec + 5, bytes, n);
            to_victim(rec, 5 + n);
            break;
        }
        case 14:
            query(arg);
            break;
        default:
            drain(arg ? (Py_ssize_t)arg << 10 : 16384);
            break;
        }
    }
    deliver(0);
    drain(16384);
    free_pair();
}
