/* context.c - SSLContext: the type, its construction, life cycle and
 * method table.  The rest lives in the other context_*.c files
 * (context_internal.h lists them). */
#include "context_internal.h"
#include "context_features.h"
#include "constants.h"
#include "distrust.h"
#include "pybase.h"
#include "errors.h"
#include "sslobject.h"
#include "sslsocket.h"
#include "truststore.h"

/* ---- construction ---- */

typedef struct {
    int protocol;
    const char *deprecated;     /* name in the DeprecationWarning, or NULL */
    int fixed_version;          /* the one TLS version it speaks, or 0 */
} protocol_info;

static const protocol_info known_protocols[] = {
    {SSLX_PROTOCOL_TLS, "ssl.PROTOCOL_TLS", 0},
    {SSLX_PROTOCOL_TLS_CLIENT, NULL, 0},
    {SSLX_PROTOCOL_TLS_SERVER, NULL, 0},
#ifndef OPENSSL_NO_TLS1_METHOD
    {SSLX_PROTOCOL_TLSv1, "ssl.PROTOCOL_TLSv1", TLS1_VERSION},
#endif
#ifndef OPENSSL_NO_TLS1_1_METHOD
    {SSLX_PROTOCOL_TLSv1_1, "ssl.PROTOCOL_TLSv1_1", TLS1_1_VERSION},
#endif
#ifndef OPENSSL_NO_TLS1_2_METHOD
    {SSLX_PROTOCOL_TLSv1_2, "ssl.PROTOCOL_TLSv1_2", TLS1_2_VERSION},
#endif
    {0, NULL, 0},
};

/* Options of a new context, as the stdlib sets them: OP_ALL without
 * DONT_INSERT_EMPTY_FRAGMENTS (empty fragments protect CBC suites), no
 * SSL 2/3, no compression (CRIME), server cipher preference. */
#define SSLX_DEFAULT_OPTIONS                                                          \
    ((SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) | SSL_OP_NO_SSLv2              \
     | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE       \
     | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE)

/* Session IDs of server contexts are bound to this context name, so
 * resumption works when client certificates are requested. */
static const unsigned char session_id_context[] = "sslx";

static const protocol_info *
find_protocol(int protocol)
{
    for (const protocol_info *p = known_protocols; p->protocol; p++)
        if (p->protocol == protocol)
            return p;
    return NULL;
}

/* The protocol argument of SSLContext(protocol=None, *args, **kwargs):
 * extra arguments are left to a subclass's __init__, as with the stdlib. */
static int
parse_protocol(PyObject *args, PyObject *kwds, int *protocol)
{
    PyObject *value = NULL;
    PyObject *by_name = kwds != NULL ? PyDict_GetItemString(kwds, "protocol") : NULL;
    if (PyTuple_GET_SIZE(args) > 0) {
        value = PyTuple_GET_ITEM(args, 0);
        if (by_name != NULL) {
            PyErr_SetString(PyExc_TypeError,
                            "SSLContext() got multiple values for argument 'protocol'");
            return -1;
        }
    } else {
        value = by_name;
    }
    if (value == NULL || value == Py_None) {
        *protocol = SSLX_PROTOCOL_TLS;
        return PyErr_WarnEx(PyExc_DeprecationWarning,
                            "ssl.SSLContext() without protocol argument is deprecated.", 1);
    }
    PyObject *index = PyNumber_Index(value);
    if (index == NULL)
        return -1;
    int overflow;
    long n = PyLong_AsLongAndOverflow(index, &overflow);
    Py_DECREF(index);
    if (n == -1 && PyErr_Occurred())
        return -1;
    /* Out of range is just another unknown protocol (ValueError); the
     * stdlib overflows first (test_context.test_bad_protocol). */
    *protocol = (overflow || n < INT_MIN || n > INT_MAX) ? -1 : (int)n;
    return 0;
}

/* Everything a new SSL_CTX needs; -1 with an exception set on failure. */
static int
init_ssl_ctx(sslx_context *self, sslx_state *st, const protocol_info *info)
{
    SSL_CTX *ctx = self->ctx;
    SSL_CTX_set_app_data(ctx, self);
    SSL_CTX_set_options(ctx, SSLX_DEFAULT_OPTIONS);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    /* Version-specific protocols are TLS_method() pinned to one version;
     * the others start at TLS 1.2 like the stdlib's. */
    int min = info->fixed_version ? info->fixed_version : TLS1_2_VERSION;
    int max = info->fixed_version;
    if (SSL_CTX_set_min_proto_version(ctx, min) != 1
        || SSL_CTX_set_max_proto_version(ctx, max) != 1
        || SSL_CTX_set_cipher_list(ctx, SSLX_DEFAULT_CIPHERS) != 1
        || SSL_CTX_set_session_id_context(ctx, session_id_context,
                                          sizeof(session_id_context) - 1) != 1) {
        sslx_raise_from_queue(st, NULL, "failed to configure SSL context", SSLX_HERE);
        return -1;
    }
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    self->hostflags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    X509_VERIFY_PARAM_set_hostflags(param, self->hostflags);
    if (X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_TRUSTED_FIRST) != 1) {
        sslx_raise_from_queue(st, NULL, "failed to set verify flags", SSLX_HERE);
        return -1;
    }
    if (info->protocol == SSLX_PROTOCOL_TLS_CLIENT) {
        self->check_hostname = 1;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                           sslx_distrust_verify_cb);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, sslx_distrust_verify_cb);
    }
    return 0;
}

static PyObject *
context_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    int protocol;
    sslx_state *st = sslx_state_from_type(type);
    if (st == NULL || parse_protocol(args, kwds, &protocol) < 0)
        return NULL;
    const protocol_info *info = find_protocol(protocol);
    if (info == NULL) {
        PyErr_Format(PyExc_ValueError, "invalid or unsupported protocol version %i", protocol);
        return NULL;
    }
    if (info->deprecated
        && PyErr_WarnFormat(PyExc_DeprecationWarning, 1, "%s is deprecated", info->deprecated) < 0)
        return NULL;
    sslx_context *self = (sslx_context *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->protocol = protocol;
    self->fixed_version = info->fixed_version;
    self->keylog_lock = PyThread_allocate_lock();
    if (self->keylog_lock == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    ERR_clear_error();
    self->ctx = SSL_CTX_new(TLS_method());
    if (self->ctx == NULL) {
        Py_DECREF(self);
        return sslx_raise_from_queue(st, NULL, "failed to allocate SSL context", SSLX_HERE);
    }
    if (init_ssl_ctx(self, st, info) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* The Python objects a context holds. */
#define CONTEXT_OBJECT_FIELDS(X) \
    X(sni_callback) X(sslobject_class) X(sslsocket_class) X(msg_callback) \
    X(psk_client_callback) X(psk_server_callback) X(keylog_filename) X(ocsp_response)

static int
context_traverse(sslx_context *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
#define VISIT(field) Py_VISIT(self->field);
    CONTEXT_OBJECT_FIELDS(VISIT)
#undef VISIT
    return sslx_pybase_traverse((PyObject *)self, visit, arg);
}

static int
context_clear(sslx_context *self)
{
#define CLEAR(field) Py_CLEAR(self->field);
    CONTEXT_OBJECT_FIELDS(CLEAR)
#undef CLEAR
    sslx_pybase_clear((PyObject *)self);
    return 0;
}

/* Detach the SSL_CTX from this object: connections may keep the SSL_CTX
 * alive (OpenSSL reference counts it), and their callbacks must then
 * find no context rather than a freed one.  The callbacks stay installed
 * (each does nothing without a context): OpenSSL reads a callback
 * pointer of the SSL_CTX once to test it and again to call it, so
 * clearing one while another thread handshakes can make it call NULL. */
static void
detach_ssl_ctx(sslx_context *self)
{
    if (self->ctx == NULL)
        return;
    SSL_CTX_set_app_data(self->ctx, NULL);
    SSL_CTX_free(self->ctx);
    self->ctx = NULL;
}

static void
context_dealloc(sslx_context *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    PyObject_ClearWeakRefs((PyObject *)self);
    context_clear(self);
    sslx_context_close_keylog(self);
    Py_CLEAR(self->keylog_filename);
    if (self->keylog_lock)
        PyThread_free_lock(self->keylog_lock);
    detach_ssl_ctx(self);
    X509_STORE_free(self->shared_store);
    X509_STORE_free(self->initial_store);
    PyMem_Free(self->alpn_protocols);
    PyMem_Free(self->cipher_spec);
    PyMem_Free(self->ciphersuites_spec);
    tp->tp_free(self);
    Py_DECREF(tp);
}

sslx_context *
sslx_context_from_ctx(SSL_CTX *ctx)
{
    return ctx ? (sslx_context *)SSL_CTX_get_app_data(ctx) : NULL;
}

int
sslx_context_check(sslx_state *st, PyObject *obj)
{
    return PyObject_TypeCheck(obj, st->SSLContext_Type);
}

/* ---- the stdlib's private methods, each sslx's own ---- */

/* _encode_hostname(hostname): the A-label text the stdlib would send. */
static PyObject *
context_encode_hostname(sslx_context *self, PyObject *hostname)
{
    (void)self;
    if (hostname == Py_None)
        Py_RETURN_NONE;
    PyObject *ascii;
    if (PyUnicode_Check(hostname)) {
        PyObject *encoded = PyUnicode_AsEncodedString(hostname, "idna", NULL);
        if (encoded == NULL)
            return NULL;
        ascii = PyUnicode_FromEncodedObject(encoded, "ascii", NULL);
        Py_DECREF(encoded);
        return ascii;
    }
    return PyObject_CallMethod(hostname, "decode", "s", "ascii");
}

/* _set_alpn_protocols(protos): ALPN in its wire format (length-prefixed
 * names), as the stdlib's C layer takes it. */
static PyObject *
context_set_alpn_wire(sslx_context *self, PyObject *arg)
{
    Py_buffer wire;
    if (PyObject_GetBuffer(arg, &wire, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *names = PyList_New(0), *result = NULL;
    const unsigned char *p = wire.buf, *end = p + wire.len;
    while (names != NULL && p < end) {
        size_t len = *p++;
        if (len == 0 || (size_t)(end - p) < len) {
            PyErr_SetString(PyExc_ValueError, "malformed ALPN protocol list");
            goto done;
        }
        PyObject *name = PyUnicode_DecodeASCII((const char *)p, (Py_ssize_t)len, "strict");
        if (name == NULL || PyList_Append(names, name) < 0) {
            Py_XDECREF(name);
            goto done;
        }
        Py_DECREF(name);
        p += len;
    }
    PyObject *args = names ? PyTuple_Pack(1, names) : NULL;
    if (args != NULL) {
        result = sslx_context_set_alpn_protocols(self, args, NULL);
        Py_DECREF(args);
    }
done:
    Py_XDECREF(names);
    PyBuffer_Release(&wire);
    return result;
}

/* What the stdlib's Python layer calls on its C base: sslx contexts make
 * connections with wrap_socket()/wrap_bio() themselves. */
static PyObject *
context_refuse_private_wrap(sslx_context *self, PyObject *args, PyObject *kwds)
{
    (void)self;
    (void)args;
    (void)kwds;
    PyErr_SetString(PyExc_NotImplementedError,
                    "sslx contexts make connections with wrap_socket() and wrap_bio()");
    return NULL;
}

static PyObject *
context_load_windows_store_certs(sslx_context *self, PyObject *args)
{
    (void)self;
    (void)args;
    PyErr_SetString(PyExc_NotImplementedError,
                    "Windows certificate stores exist only on Windows");
    return NULL;
}

/* ---- docstrings (the methods live in the other context_*.c files) ---- */

PyDoc_STRVAR(load_cert_chain_doc,
"load_cert_chain($self, /, certfile=None, keyfile=None, password=None, *,\n"
"                certdata=None, keydata=None)\n--\n\n"
"Load the certificate chain this end presents, and its private key.\n\n"
"certfile is the path of a PEM file holding the certificate, then any\n"
"intermediate CA certificates, and the key unless keyfile names another\n"
"file.  sslx also takes them from memory: certdata instead of certfile,\n"
"keydata instead of keyfile (PEM text or bytes, or DER bytes).  password\n"
"decrypts an encrypted key: a str, bytes or bytearray, or a callable\n"
"returning one (called only if needed).  Raises OSError when a file\n"
"cannot be read, SSLError when the contents are not usable or the key\n"
"does not match, ValueError or TypeError for a bad password.");

PyDoc_STRVAR(load_verify_locations_doc,
"load_verify_locations($self, /, cafile=None, capath=None, cadata=None)\n--\n\n"
"Load CA certificates (and CRLs) to verify peers with.\n\n"
"cafile is a PEM file of certificates, capath a directory of PEM files\n"
"named by subject hash (c_rehash), cadata a str of PEM certificates or a\n"
"bytes-like object of DER ones.  At least one is required (TypeError).\n"
"Raises OSError when a file cannot be read, SSLError when the data holds\n"
"no certificate or a bad one.");

/* No text signature: see create_default_context's docstring. */
PyDoc_STRVAR(load_default_certs_doc,
"load_default_certs(purpose=Purpose.SERVER_AUTH)\n\n"
"Load the system's CA certificates (OpenSSL's default locations).\n\n"
"purpose, Purpose.SERVER_AUTH (the default) or\n"
"Purpose.CLIENT_AUTH, says what the certificates will verify.  Raises\n"
"TypeError when purpose is not a Purpose.");

PyDoc_STRVAR(set_default_verify_paths_doc,
"set_default_verify_paths($self, /)\n--\n\n"
"Trust the CA certificates in OpenSSL's default file and directory\n"
"(which SSL_CERT_FILE and SSL_CERT_DIR override).");

PyDoc_STRVAR(load_dh_params_doc,
"load_dh_params($self, path, /)\n--\n\n"
"Load Diffie-Hellman parameters for DHE key exchange from a PEM file.\n\n"
"Raises OSError when the file cannot be read, SSLError when it holds no\n"
"usable parameters.");

PyDoc_STRVAR(get_ca_certs_doc,
"get_ca_certs($self, /, binary_form=False)\n--\n\n"
"Return the CA certificates loaded with cafile or cadata, as a list.\n\n"
"Each is a dict like getpeercert()'s, or DER bytes when binary_form is\n"
"true.  Certificates of a capath directory are not listed until a\n"
"handshake has used them.");

PyDoc_STRVAR(cert_store_stats_doc,
"cert_store_stats($self, /)\n--\n\n"
"Return the counts of loaded certificates as a dict with the keys\n"
"'x509' (all certificates), 'x509_ca' (CA certificates) and 'crl'.");

PyDoc_STRVAR(get_ciphers_doc,
"get_ciphers($self, /)\n--\n\n"
"Return the enabled cipher suites, in order of preference.\n\n"
"Each is a dict with the keys 'id', 'name', 'protocol', 'description',\n"
"'strength_bits', 'alg_bits', 'aead', 'symmetric', 'digest', 'kea' and\n"
"'auth'.");

PyDoc_STRVAR(set_ciphers_doc,
"set_ciphers($self, cipherlist, /)\n--\n\n"
"Choose the cipher suites of TLS 1.2 and older.\n\n"
"cipherlist is a str in OpenSSL's cipher list format, e.g.\n"
"'ECDHE+AESGCM:!aNULL'; '@SECLEVEL=n' sets security_level.  TLS 1.3\n"
"suites are set with set_ciphersuites().  Raises SSLError when no cipher\n"
"can be selected.");

PyDoc_STRVAR(set_ciphersuites_doc,
"set_ciphersuites($self, ciphersuites, /)\n--\n\n"
"Choose the TLS 1.3 cipher suites.\n\n"
"ciphersuites is a str of colon-separated names, e.g.\n"
"'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'; unknown names are\n"
"skipped.  Raises SSLError when no suite is left.");

PyDoc_STRVAR(set_groups_doc,
"set_groups($self, grouplist, /)\n--\n\n"
"Choose the key exchange groups (curves and finite fields) to offer or\n"
"accept, in order of preference.\n\n"
"grouplist is a str of colon-separated names, e.g. 'X25519:secp256r1'.\n"
"Raises SSLError for an unknown group.");

PyDoc_STRVAR(get_groups_doc,
"get_groups($self, /, *, include_aliases=False)\n--\n\n"
"Return the names (list of str) of the key exchange groups usable with\n"
"the context's TLS versions.\n\n"
"With include_aliases true, other names of the same groups are listed\n"
"too.  Raises NotImplementedError with OpenSSL older than 3.5, which\n"
"cannot list them.");

PyDoc_STRVAR(set_client_sigalgs_doc,
"set_client_sigalgs($self, sigalgslist, /)\n--\n\n"
"Choose the signature algorithms usable for client authentication.\n\n"
"sigalgslist is a str of colon-separated names (see get_sigalgs()), e.g.\n"
"'ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256'.  Raises SSLError for an\n"
"unknown algorithm.");

PyDoc_STRVAR(set_server_sigalgs_doc,
"set_server_sigalgs($self, sigalgslist, /)\n--\n\n"
"Choose the signature algorithms usable for the server's handshake\n"
"signature.\n\n"
"sigalgslist is a str of colon-separated names (see get_sigalgs()).\n"
"Raises SSLError for an unknown algorithm.");

PyDoc_STRVAR(set_ecdh_curve_doc,
"set_ecdh_curve($self, name, /)\n--\n\n"
"Use only the named elliptic curve (a str or bytes, e.g. 'prime256v1')\n"
"for ECDH key exchange.\n\n"
"Raises ValueError for an unknown curve name.");

PyDoc_STRVAR(set_alpn_protocols_doc,
"set_alpn_protocols($self, /, alpn_protocols)\n--\n\n"
"Set the application protocols to negotiate with ALPN.\n\n"
"alpn_protocols is an iterable of str, e.g. ['h2', 'http/1.1'], in order\n"
"of preference: a client offers them, a server picks the first of its\n"
"own that the client offered.  Raises SSLError when a name is empty or\n"
"longer than 255 bytes.");

PyDoc_STRVAR(set_npn_protocols_doc,
"set_npn_protocols($self, /, npn_protocols)\n--\n\n"
"Set the protocols for Next Protocol Negotiation, the predecessor of\n"
"ALPN; deprecated.\n\n"
"sslx has no NPN (HAS_NPN is False): warns DeprecationWarning, then\n"
"raises NotImplementedError.");

PyDoc_STRVAR(session_stats_doc,
"session_stats($self, /)\n--\n\n"
"Return the session cache counters as a dict: 'number', 'connect',\n"
"'connect_good', 'connect_renegotiate', 'accept', 'accept_good',\n"
"'accept_renegotiate', 'hits', 'misses', 'timeouts' and 'cache_full'.");

PyDoc_STRVAR(set_servername_callback_doc,
"set_servername_callback($self, /, server_name_callback)\n--\n\n"
"Set sni_callback, with the server name passed as a U-label.\n\n"
"Like setting sni_callback, except that the callback receives the name\n"
"decoded from IDNA (e.g. 'b\\u00fccher.example' for\n"
"'xn--bcher-kva.example').  None removes it.  Raises TypeError when it\n"
"is neither None nor callable, ValueError on a PROTOCOL_TLS_CLIENT\n"
"context.");

PyDoc_STRVAR(set_psk_client_callback_doc,
"set_psk_client_callback($self, /, callback)\n--\n\n"
"Use a TLS pre-shared key on client connections.\n\n"
"callback(hint) is called during the handshake with the server's\n"
"identity hint (str or None) and returns (identity, psk): identity a str\n"
"or None, psk a bytes-like key (b'' fails the handshake).  None removes\n"
"it.  Raises TypeError when callback is not callable, SSLError on a\n"
"server context.");

PyDoc_STRVAR(set_psk_server_callback_doc,
"set_psk_server_callback($self, /, callback, identity_hint=None)\n--\n\n"
"Accept TLS pre-shared keys on server connections.\n\n"
"callback(identity) is called during the handshake with the client's\n"
"identity (str or None) and returns the key as a bytes-like object, b''\n"
"to refuse.  identity_hint (str) is sent to clients (TLS 1.2).  None\n"
"removes the callback.  Raises TypeError when callback is not callable,\n"
"SSLError on a client context.");

PyDoc_STRVAR(wrap_bio_doc,
"wrap_bio($self, /, incoming, outgoing, server_side=False,\n"
"         server_hostname=None, session=None)\n"
"--\n\n"
"Return a TLS connection (sslobject_class) that reads the peer's bytes\n"
"from the MemoryBIO incoming and writes its own to outgoing.\n\n"
"server_side makes it the server end.  server_hostname (client only) is\n"
"sent as SNI and checked against the certificate when check_hostname is\n"
"on.  session (client only) is an SSLSession of this context to resume.\n"
"No I/O happens yet: call do_handshake().  Raises ValueError when the\n"
"side does not suit the context or a required server_hostname is\n"
"missing, TypeError for a wrong type.");

PyDoc_STRVAR(wrap_socket_doc,
"wrap_socket($self, /, sock, server_side=False,\n"
"            do_handshake_on_connect=True, suppress_ragged_eofs=True,\n"
"            server_hostname=None, session=None)\n"
"--\n\n"
"Return a TLS socket (sslsocket_class) taking over sock, a SOCK_STREAM\n"
"socket.socket, which is detached.\n\n"
"server_side makes it the server end.  With do_handshake_on_connect the\n"
"handshake runs on connect() or, for a connected socket, now.  With\n"
"suppress_ragged_eofs a peer closing without a TLS shutdown reads as end\n"
"of file instead of raising SSLEOFError.  server_hostname and session are\n"
"as in wrap_bio().  Raises ValueError or TypeError for bad arguments,\n"
"NotImplementedError for other socket types, and what do_handshake()\n"
"raises.");

PyDoc_STRVAR(context_doc,
"SSLContext(protocol=None, *args, **kwargs)\n--\n\n"
"Settings and data shared by TLS connections: protocol versions,\n"
"certificates and keys, trusted CAs, verification, ciphers, callbacks.\n\n"
"protocol is PROTOCOL_TLS_CLIENT (verifies servers and their names by\n"
"default) or PROTOCOL_TLS_SERVER; None, PROTOCOL_TLS and the fixed-version\n"
"protocols work but are deprecated (DeprecationWarning).  Further\n"
"arguments are left to a subclass's __init__.  create_default_context()\n"
"makes a context with secure settings.  Raises ValueError for an unknown\n"
"protocol.");

static PyMethodDef context_methods[] = {
    {"_encode_hostname", (PyCFunction)context_encode_hostname, METH_O, NULL},
    {"_set_alpn_protocols", (PyCFunction)context_set_alpn_wire, METH_O, NULL},
    {"_wrap_socket", SSLX_KW_METHOD(context_refuse_private_wrap), METH_VARARGS | METH_KEYWORDS,
     NULL},
    {"_wrap_bio", SSLX_KW_METHOD(context_refuse_private_wrap), METH_VARARGS | METH_KEYWORDS,
     NULL},
    {"_load_windows_store_certs", (PyCFunction)context_load_windows_store_certs, METH_VARARGS,
     NULL},
    {"load_cert_chain", SSLX_KW_METHOD(sslx_context_load_cert_chain_any), METH_VARARGS | METH_KEYWORDS,
     load_cert_chain_doc},
    {"load_verify_locations", SSLX_KW_METHOD(sslx_context_load_verify_locations),
     METH_VARARGS | METH_KEYWORDS, load_verify_locations_doc},
    {"load_default_certs", SSLX_KW_METHOD(sslx_context_load_default_certs),
     METH_VARARGS | METH_KEYWORDS, load_default_certs_doc},
    {"set_default_verify_paths", (PyCFunction)sslx_context_set_default_verify_paths, METH_NOARGS,
     set_default_verify_paths_doc},
    {"load_dh_params", (PyCFunction)sslx_context_load_dh_params, METH_O, load_dh_params_doc},
    {"get_ca_certs", SSLX_KW_METHOD(sslx_context_get_ca_certs), METH_VARARGS | METH_KEYWORDS,
     get_ca_certs_doc},
    {"cert_store_stats", (PyCFunction)sslx_context_cert_store_stats, METH_NOARGS,
     cert_store_stats_doc},
    {"get_ciphers", (PyCFunction)sslx_context_get_ciphers, METH_NOARGS, get_ciphers_doc},
    {"set_ciphers", (PyCFunction)sslx_context_set_ciphers, METH_VARARGS, set_ciphers_doc},
    {"set_ciphersuites", (PyCFunction)sslx_context_set_ciphersuites, METH_O,
     set_ciphersuites_doc},
    {"set_groups", (PyCFunction)sslx_context_set_groups, METH_O, set_groups_doc},
    {"get_groups", SSLX_KW_METHOD(sslx_context_get_groups), METH_VARARGS | METH_KEYWORDS,
     get_groups_doc},
    {"set_client_sigalgs", (PyCFunction)sslx_context_set_client_sigalgs, METH_O,
     set_client_sigalgs_doc},
    {"set_server_sigalgs", (PyCFunction)sslx_context_set_server_sigalgs, METH_O,
     set_server_sigalgs_doc},
    {"set_ecdh_curve", (PyCFunction)sslx_context_set_ecdh_curve, METH_O, set_ecdh_curve_doc},
    {"set_alpn_protocols", SSLX_KW_METHOD(sslx_context_set_alpn_protocols),
     METH_VARARGS | METH_KEYWORDS, set_alpn_protocols_doc},
    {"set_npn_protocols", SSLX_KW_METHOD(sslx_context_set_npn_protocols),
     METH_VARARGS | METH_KEYWORDS, set_npn_protocols_doc},
    {"session_stats", (PyCFunction)sslx_context_session_stats, METH_NOARGS, session_stats_doc},
    {"set_servername_callback", SSLX_KW_METHOD(sslx_context_set_servername_callback),
     METH_VARARGS | METH_KEYWORDS, set_servername_callback_doc},
    {"set_psk_client_callback", SSLX_KW_METHOD(sslx_context_set_psk_client_callback),
     METH_VARARGS | METH_KEYWORDS, set_psk_client_callback_doc},
    {"set_psk_server_callback", SSLX_KW_METHOD(sslx_context_set_psk_server_callback),
     METH_VARARGS | METH_KEYWORDS, set_psk_server_callback_doc},
    {"wrap_bio", SSLX_KW_METHOD(sslx_context_wrap_bio), METH_VARARGS | METH_KEYWORDS,
     wrap_bio_doc},
    {"wrap_socket", SSLX_KW_METHOD(sslx_context_wrap_socket), METH_VARARGS | METH_KEYWORDS,
     wrap_socket_doc},
    SSLX_CONTEXT_FEATURE_METHODS,   /* sslx: beyond the stdlib (context_features.h) */
    {NULL, NULL, 0, NULL},
};

static PyType_Slot context_slots[] = {
    {Py_tp_new, context_new},
    {Py_tp_doc, (void *)context_doc},
    {Py_tp_dealloc, context_dealloc},
    {Py_tp_traverse, context_traverse},
    {Py_tp_clear, context_clear},
    {Py_tp_getset, sslx_context_getset},
    {Py_tp_methods, context_methods},
    {0, NULL},
};

static PyType_Spec context_spec = {
    .name = "sslx.SSLContext",
    .basicsize = sizeof(sslx_context),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = context_slots,
};

/* Class attributes of the stdlib's SSLContext that are data, with the
 * stdlib's values. */
static int
add_class_data(PyTypeObject *type)
{
    PyObject *stores = Py_BuildValue("(ss)", "CA", "ROOT");
    if (stores == NULL)
        return -1;
    int rc = PyObject_SetAttrString((PyObject *)type, "_windows_cert_stores", stores);
    Py_DECREF(stores);
    return rc;
}

int
sslx_context_setup(PyObject *module, sslx_state *st)
{
    /* A C subtype of the stdlib's class (or its stand-in, pybase.c),
     * whose part of the object must fit the room set aside for it. */
    PyTypeObject *base = (PyTypeObject *)st->stdlib_SSLContext;
    if (base->tp_basicsize > (Py_ssize_t)offsetof(sslx_context, ctx)) {
        PyErr_Format(PyExc_ImportError,
                     "sslx: the stdlib's SSLContext needs %zd bytes, sslx leaves %zd",
                     base->tp_basicsize, (Py_ssize_t)offsetof(sslx_context, ctx));
        return -1;
    }
    PyObject *bases = PyTuple_Pack(1, (PyObject *)base);
    if (bases == NULL)
        return -1;
    st->SSLContext_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &context_spec, bases);
    Py_DECREF(bases);
    if (st->SSLContext_Type == NULL || add_class_data(st->SSLContext_Type) < 0
        || sslx_pybase_check_shadowed(st->SSLContext_Type, base, &PyBaseObject_Type) < 0
        || PyModule_AddType(module, st->SSLContext_Type) < 0)
        return -1;
    /* The stdlib's C type under its private name (code and tests that
     * look at _ssl._SSLContext find sslx's, which is both). */
    if (PyModule_AddObjectRef(module, "_SSLContext", (PyObject *)st->SSLContext_Type) < 0)
        return -1;
    return sslx_context_create_setup(module, st);
}
