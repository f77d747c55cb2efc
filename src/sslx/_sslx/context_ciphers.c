/* context_ciphers.c - what an SSLContext negotiates: cipher suites,
 * ECDH curves, application protocols (ALPN; NPN is gone), and the
 * session cache statistics. */
#include <string.h>
#include "context_internal.h"
#include "constants.h"
#include "errors.h"

/* ---- ciphers ---- */

/* OpenSSL's long name for a nid, or None for NID_undef. */
static PyObject *
nid_long_name(int nid)
{
    const char *name = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    return name ? PyUnicode_FromString(name) : Py_NewRef(Py_None);
}

/* The description line without OpenSSL's trailing newline. */
static PyObject *
cipher_description(const SSL_CIPHER *cipher)
{
    char buf[256];
    if (SSL_CIPHER_description(cipher, buf, sizeof(buf)) == NULL)
        return Py_NewRef(Py_None);
    size_t len = strlen(buf);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        len--;
    return PyUnicode_FromStringAndSize(buf, (Py_ssize_t)len);
}

/* One get_ciphers() entry, with the stdlib's keys. */
static PyObject *
cipher_to_dict(const SSL_CIPHER *cipher)
{
    int alg_bits;
    int strength = SSL_CIPHER_get_bits(cipher, &alg_bits);
    PyObject *description = cipher_description(cipher);
    PyObject *symmetric = nid_long_name(SSL_CIPHER_get_cipher_nid(cipher));
    PyObject *digest = nid_long_name(SSL_CIPHER_get_digest_nid(cipher));
    PyObject *kea = nid_long_name(SSL_CIPHER_get_kx_nid(cipher));
    PyObject *auth = nid_long_name(SSL_CIPHER_get_auth_nid(cipher));
    PyObject *dict = NULL;
    if (description && symmetric && digest && kea && auth)
        dict = Py_BuildValue("{sksssssOsisisOsOsOsOsO}",
                             "id", (unsigned long)SSL_CIPHER_get_id(cipher),
                             "name", SSL_CIPHER_get_name(cipher),
                             "protocol", SSL_CIPHER_get_version(cipher),
                             "description", description,
                             "strength_bits", strength,
                             "alg_bits", alg_bits,
                             "aead", SSL_CIPHER_is_aead(cipher) ? Py_True : Py_False,
                             "symmetric", symmetric, "digest", digest,
                             "kea", kea, "auth", auth);
    Py_XDECREF(description);
    Py_XDECREF(symmetric);
    Py_XDECREF(digest);
    Py_XDECREF(kea);
    Py_XDECREF(auth);
    return dict;
}

/* ---- cipher lists, per connection ----
 *
 * Each connection of a context with set_ciphers() or set_ciphersuites()
 * gets its own lists.  The SSL_CTX's lists are never replaced after
 * construction: an SSL without lists of its own reads the SSL_CTX's
 * during its handshake, without the GIL, and OpenSSL frees the old lists
 * when new ones are set, so replacing them under running handshakes would
 * crash (as it does the stdlib). */

void
sslx_context_apply_ciphers(sslx_context *self, sslx_context *from, SSL *ssl)
{
    /* Both specs were checked when set; 0 can only mean an empty
     * selection, which OpenSSL still installs, as the setters did. */
    if (self->ciphersuites_spec != NULL)
        (void)SSL_set_ciphersuites(ssl, self->ciphersuites_spec);
    else if (from != NULL && from->ciphersuites_spec != NULL)
        (void)SSL_set_ciphersuites(ssl, OSSL_default_ciphersuites());
    if (self->cipher_spec != NULL)
        (void)SSL_set_cipher_list(ssl, self->cipher_spec);
    else if (from != NULL && from->cipher_spec != NULL)
        (void)SSL_set_cipher_list(ssl, SSLX_DEFAULT_CIPHERS);   /* `self`'s own list */
    ERR_clear_error();
}

/* The cipher list connections of this context get, in a throwaway SSL
 * when set_ciphers() or set_ciphersuites() chose one. */
PyObject *
sslx_context_get_ciphers(sslx_context *self, PyObject *unused)
{
    (void)unused;
    SSL *probe = NULL;
    STACK_OF(SSL_CIPHER) *ciphers = SSL_CTX_get_ciphers(self->ctx);
    if (self->cipher_spec != NULL || self->ciphersuites_spec != NULL) {
        probe = SSL_new(self->ctx);
        if (probe == NULL)
            return sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "cannot list ciphers",
                                         SSLX_HERE);
        sslx_context_apply_ciphers(self, NULL, probe);
        ciphers = SSL_get_ciphers(probe);
    }
    PyObject *list = PyList_New(0);
    for (int i = 0; list && i < sk_SSL_CIPHER_num(ciphers); i++) {
        PyObject *item = cipher_to_dict(sk_SSL_CIPHER_value(ciphers, i));
        if (item == NULL || PyList_Append(list, item) < 0)
            Py_CLEAR(list);
        Py_XDECREF(item);
    }
    SSL_free(probe);
    return list;
}

static int
count_pre_tls13(STACK_OF(SSL_CIPHER) *ciphers)
{
    int n = 0;
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); i++)
        if (strcmp(SSL_CIPHER_get_version(sk_SSL_CIPHER_value(ciphers, i)), "TLSv1.3") != 0)
            n++;
    return n;
}

/* Parse `spec` as OpenSSL would for this context, on a scratch SSL_CTX
 * at the context's security level.  Returns 1 when usable, 0 when it
 * selects no TLS 1.2 cipher (OpenSSL still installs such a list), -1
 * when rejected outright.  *level is the security level it sets. */
static int
trial_cipher_spec(sslx_context *self, const char *spec, int *level)
{
    SSL_CTX *scratch = SSL_CTX_new(TLS_method());
    int rc = -1;
    if (scratch == NULL)
        return -1;
    SSL_CTX_set_security_level(scratch, SSL_CTX_get_security_level(self->ctx));
    /* A one-cipher list to tell "rejected" from "replaced, but empty". */
    if (SSL_CTX_set_cipher_list(scratch, "AES128-SHA") == 1) {
        if (SSL_CTX_set_cipher_list(scratch, spec) == 1)
            rc = 1;
        else if (count_pre_tls13(SSL_CTX_get_ciphers(scratch)) == 0)
            rc = 0;
        *level = SSL_CTX_get_security_level(scratch);
    }
    SSL_CTX_free(scratch);
    return rc;
}

/* *slot = a PyMem copy of `spec` (the old one freed).  0 or -1. */
static int
keep_spec(char **slot, const char *spec)
{
    size_t len = strlen(spec) + 1;
    char *copy = PyMem_Malloc(len);
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, spec, len);
    PyMem_Free(*slot);
    *slot = copy;
    return 0;
}

PyObject *
sslx_context_set_ciphers(sslx_context *self, PyObject *args)
{
    const char *spec;
    int level = 0;
    if (!PyArg_ParseTuple(args, "s:set_ciphers", &spec))
        return NULL;
    int rc = trial_cipher_spec(self, spec, &level);
    ERR_clear_error();
    if (rc >= 0) {
        if (keep_spec(&self->cipher_spec, spec) < 0)
            return NULL;
        SSL_CTX_set_security_level(self->ctx, level);
    }
    if (rc <= 0) {
        /* Like the stdlib; OpenSSL's queue says nothing more useful. */
        PyErr_SetString(SSLX_CONTEXT_STATE(self)->SSLError, "No cipher can be selected.");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* A str argument as UTF-8 (NULL with the stdlib's TypeError otherwise). */
static const char *
str_argument(PyObject *arg, const char *method)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s() argument must be str, not %.100s", method,
                     sslx_arg_type_name(arg));
        return NULL;
    }
    Py_ssize_t len;
    const char *text = PyUnicode_AsUTF8AndSize(arg, &len);
    if (text != NULL && (size_t)len != strlen(text)) {
        PyErr_SetString(PyExc_ValueError, "embedded null character");
        return NULL;
    }
    return text;
}

/* set_ciphersuites(ciphersuites, /): the TLS 1.3 suites, checked on a
 * scratch SSL_CTX and then applied to each new connection. */
PyObject *
sslx_context_set_ciphersuites(sslx_context *self, PyObject *arg)
{
    const char *spec = str_argument(arg, "set_ciphersuites");
    if (spec == NULL)
        return NULL;
    SSL_CTX *scratch = SSL_CTX_new(TLS_method());
    int ok = scratch != NULL && SSL_CTX_set_ciphersuites(scratch, spec) == 1;
    SSL_CTX_free(scratch);
    ERR_clear_error();
    if (!ok) {
        PyErr_SetString(SSLX_CONTEXT_STATE(self)->SSLError, "No cipher suite can be selected.");
        return NULL;
    }
    if (keep_spec(&self->ciphersuites_spec, spec) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ---- key agreement groups, signature algorithms ----
 *
 * These settings live in the SSL_CTX; each new SSL takes its own copy,
 * so changing them never touches a handshake in progress. */

/* set_groups(grouplist, /) */
PyObject *
sslx_context_set_groups(sslx_context *self, PyObject *arg)
{
    const char *list = str_argument(arg, "set_groups");
    if (list == NULL)
        return NULL;
    int ok = SSL_CTX_set1_groups_list(self->ctx, list) == 1;
    ERR_clear_error();
    if (!ok) {
        PyErr_SetString(SSLX_CONTEXT_STATE(self)->SSLError, "unrecognized group");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* get_groups(*, include_aliases=False): OpenSSL 3.5 lists the groups it
 * implements for the context's protocol versions; older ones cannot. */
PyObject *
sslx_context_get_groups(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"include_aliases", NULL};
    int aliases = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$p:get_groups", kwlist, &aliases))
        return NULL;
#ifdef SSL_CTRL_GET0_IMPLEMENTED_GROUPS
    STACK_OF(OPENSSL_CSTRING) *names = sk_OPENSSL_CSTRING_new_null();
    if (names == NULL)
        return PyErr_NoMemory();
    PyObject *list = NULL;
    if (SSL_CTX_get0_implemented_groups(self->ctx, aliases, names) != 1) {
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "cannot list groups", SSLX_HERE);
        goto done;
    }
    list = PyList_New(0);
    for (int i = 0; list != NULL && i < sk_OPENSSL_CSTRING_num(names); i++) {
        PyObject *name = PyUnicode_FromString(sk_OPENSSL_CSTRING_value(names, i));
        if (name == NULL || PyList_Append(list, name) < 0)
            Py_CLEAR(list);
        Py_XDECREF(name);
    }
done:
    sk_OPENSSL_CSTRING_free(names);
    return list;
#else
    (void)self;
    (void)aliases;
    PyErr_SetString(PyExc_NotImplementedError,
                    "Getting implemented groups requires OpenSSL 3.5 or later.");
    return NULL;
#endif
}

static PyObject *
set_sigalgs(sslx_context *self, PyObject *arg, const char *method, int for_clients)
{
    const char *list = str_argument(arg, method);
    if (list == NULL)
        return NULL;
    int ok = for_clients ? SSL_CTX_set1_client_sigalgs_list(self->ctx, list) == 1
                         : SSL_CTX_set1_sigalgs_list(self->ctx, list) == 1;
    ERR_clear_error();
    if (!ok) {
        PyErr_SetString(SSLX_CONTEXT_STATE(self)->SSLError,
                        "unrecognized signature algorithm");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* set_client_sigalgs(sigalgslist, /): what client certificates may be
 * signed with. */
PyObject *
sslx_context_set_client_sigalgs(sslx_context *self, PyObject *arg)
{
    return set_sigalgs(self, arg, "set_client_sigalgs", 1);
}

/* set_server_sigalgs(sigalgslist, /): what the handshake signature may
 * use. */
PyObject *
sslx_context_set_server_sigalgs(sslx_context *self, PyObject *arg)
{
    return set_sigalgs(self, arg, "set_server_sigalgs", 0);
}

/* ---- ECDH ---- */

PyObject *
sslx_context_set_ecdh_curve(sslx_context *self, PyObject *name)
{
    PyObject *bname;
    if (!PyUnicode_FSConverter(name, &bname))
        return NULL;
    int nid = OBJ_sn2nid(PyBytes_AS_STRING(bname));
    Py_DECREF(bname);
    if (nid == NID_undef) {
        PyErr_Format(PyExc_ValueError, "unknown elliptic curve name %R", name);
        return NULL;
    }
    ERR_clear_error();
    if (SSL_CTX_set1_groups(self->ctx, &nid, 1) != 1)
        return sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "cannot set curve",
                                     SSLX_HERE);
    Py_RETURN_NONE;
}

/* ---- ALPN / NPN ---- */

/* One protocol name as ASCII bytes of 1..255 bytes; new reference.
 * `what`: "ALPN" or "NPN", for the messages. */
static PyObject *
encode_protocol(PyObject *item, sslx_state *st, const char *what)
{
    if (!PyUnicode_Check(item)) {
        PyErr_Format(PyExc_TypeError, "%s protocols must be str, not %.50s", what,
                     Py_TYPE(item)->tp_name);
        return NULL;
    }
    PyObject *encoded = PyUnicode_AsASCIIString(item);
    if (encoded == NULL)
        return NULL;
    Py_ssize_t len = PyBytes_GET_SIZE(encoded);
    if (len < 1 || len > 255) {
        /* The stdlib raises SSLError here; kept for drop-in code. */
        PyErr_Format(st->SSLError, "%s protocols must be 1 to 255 in length", what);
        Py_DECREF(encoded);
        return NULL;
    }
    return encoded;
}

/* The ALPN wire format of an iterable of str: each name prefixed by its
 * length byte, in a PyMem buffer (*len bytes), or NULL. */
static unsigned char *
alpn_wire_format(PyObject *protocols, sslx_state *st, unsigned int *len, const char *what)
{
    unsigned char *wire = NULL;
    PyObject *list = PySequence_List(protocols);
    if (list == NULL)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(list), i;
    size_t total = 0;
    for (i = 0; i < n; i++) {
        PyObject *encoded = encode_protocol(PyList_GET_ITEM(list, i), st, what);
        if (encoded == NULL)
            goto done;
        PyList_SetItem(list, i, encoded);   /* steals; drops the str */
        total += 1 + (size_t)PyBytes_GET_SIZE(encoded);
    }
    if (total > UINT_MAX) {
        PyErr_SetString(PyExc_ValueError, "ALPN protocol list is too long");
        goto done;
    }
    wire = PyMem_Malloc(total ? total : 1);
    if (wire == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    unsigned char *p = wire;
    for (i = 0; i < n; i++) {
        PyObject *encoded = PyList_GET_ITEM(list, i);
        size_t l = (size_t)PyBytes_GET_SIZE(encoded);
        *p++ = (unsigned char)l;
        memcpy(p, PyBytes_AS_STRING(encoded), l);
        p += l;
    }
    *len = (unsigned int)total;
done:
    Py_DECREF(list);
    return wire;
}

PyObject *
sslx_context_set_alpn_protocols(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"alpn_protocols", NULL};
    PyObject *protocols;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:set_alpn_protocols", kwlist, &protocols))
        return NULL;
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    unsigned int len;
    unsigned char *wire = alpn_wire_format(protocols, st, &len, "ALPN");
    if (wire == NULL)
        return NULL;
    /* Client side: offered in every ClientHello (0 means success here). */
    ERR_clear_error();
    if (SSL_CTX_set_alpn_protos(self->ctx, wire, len) != 0) {
        PyMem_Free(wire);
        return sslx_raise_from_queue(st, NULL, "cannot set ALPN protocols", SSLX_HERE);
    }
    /* Server side: the selection callback reads this copy with the GIL. */
    PyMem_Free(self->alpn_protocols);
    self->alpn_protocols = wire;
    self->alpn_protocols_len = len;
    sslx_context_enable_alpn_select(self);
    Py_RETURN_NONE;
}

/* NPN was removed from OpenSSL's TLS 1.3 world and from the stdlib
 * (HAS_NPN is False): warn like the stdlib and check the list as it does
 * (its TypeError and SSLError), then raise as the spec says for HAS_NPN
 * False. */
PyObject *
sslx_context_set_npn_protocols(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"npn_protocols", NULL};
    PyObject *protocols;
    unsigned int len;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:set_npn_protocols", kwlist, &protocols))
        return NULL;
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "ssl NPN is deprecated, use ALPN instead", 1)
        < 0)
        return NULL;
    unsigned char *wire = alpn_wire_format(protocols, SSLX_CONTEXT_STATE(self), &len, "NPN");
    if (wire == NULL)
        return NULL;
    PyMem_Free(wire);
    PyErr_SetString(PyExc_NotImplementedError, "The NPN extension requires OpenSSL 1.0.1 "
                                               "or later with NPN support; sslx has none.");
    return NULL;
}

/* ---- session cache statistics ---- */

PyObject *
sslx_context_session_stats(sslx_context *self, PyObject *unused)
{
    (void)unused;
    SSL_CTX *c = self->ctx;
    return Py_BuildValue(
        "{slslslslslslslslslslsl}", "number", SSL_CTX_sess_number(c), "connect",
        SSL_CTX_sess_connect(c), "connect_good", SSL_CTX_sess_connect_good(c),
        "connect_renegotiate", SSL_CTX_sess_connect_renegotiate(c), "accept",
        SSL_CTX_sess_accept(c), "accept_good", SSL_CTX_sess_accept_good(c),
        "accept_renegotiate", SSL_CTX_sess_accept_renegotiate(c), "hits", SSL_CTX_sess_hits(c),
        "misses", SSL_CTX_sess_misses(c), "timeouts", SSL_CTX_sess_timeouts(c), "cache_full",
        SSL_CTX_sess_cache_full(c));
}
