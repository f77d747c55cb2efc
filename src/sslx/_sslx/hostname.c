/* hostname.c - match_hostname() (the 3.10 API, kept on every Python) and
 * _inet_paton(): whether a getpeercert() dictionary covers a host name or
 * address, with the stdlib's rules (RFC 6125 wildcards in the leftmost
 * label only, IP addresses only against IP subjectAltNames) and messages. */
#include <arpa/inet.h>
#include <string.h>
#include "module.h"
#include "errors.h"

/* The packed address of an IPv4 (dotted quad, as inet_ntoa writes it) or
 * IPv6 text, as bytes.  ValueError otherwise. */
static PyObject *
inet_paton(PyObject *name)
{
    if (!PyUnicode_Check(name)) {
        /* Worded like socket.inet_aton's own complaint on this Python. */
#if PY_VERSION_HEX >= 0x030D0000
        PyErr_Format(PyExc_TypeError, "inet_aton() argument must be str, not %.100s",
                     sslx_arg_type_name(name));
#else
        PyErr_Format(PyExc_TypeError, "inet_aton() argument 1 must be str, not %.100s",
                     sslx_arg_type_name(name));
#endif
        return NULL;
    }
    Py_ssize_t len;
    const char *text = PyUnicode_AsUTF8AndSize(name, &len);
    if (text == NULL)
        return NULL;
    if ((size_t)len != strlen(text)) {
        PyErr_SetString(PyExc_ValueError, "embedded null character");
        return NULL;
    }
    struct in_addr v4;
    if (inet_aton(text, &v4)) {
        /* inet_aton also takes "127.1", octal and trailing junk; only the
         * canonical form counts. */
        const unsigned char *b = (const unsigned char *)&v4.s_addr;
        char canonical[16];
        snprintf(canonical, sizeof(canonical), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        if (strcmp(canonical, text) == 0)
            return PyBytes_FromStringAndSize((const char *)b, 4);
        PyErr_Format(PyExc_ValueError, "%R is not a quad-dotted IPv4 address.", name);
        return NULL;
    }
    struct in6_addr v6;
    if (inet_pton(AF_INET6, text, &v6) == 1)
        return PyBytes_FromStringAndSize((const char *)&v6, 16);
    PyErr_Format(PyExc_ValueError, "%R is neither an IPv4 nor an IP6 address.", name);
    return NULL;
}

static PyObject *
fn_inet_paton(PyObject *module, PyObject *arg)
{
    (void)module;
    return inet_paton(arg);
}

/* Raise CertificateError (SSLCertVerificationError) with `message`. */
static int
certificate_error(sslx_state *st, PyObject *message)
{
    if (message) {
        PyErr_SetObject(st->SSLCertVerificationError, message);
        Py_DECREF(message);
    }
    return -1;
}

/* a.lower() == b.lower(), for str a and b. */
static int
equal_ignoring_case(PyObject *a, PyObject *b)
{
    int rc = -1;
    PyObject *la = NULL, *lb = NULL;
    la = PyObject_CallMethod(a, "lower", NULL);
    if (la == NULL)
        goto done;
    lb = PyObject_CallMethod(b, "lower", NULL);
    if (lb == NULL)
        goto done;
    rc = PyObject_RichCompareBool(la, lb, Py_EQ);
done:
    Py_XDECREF(la);
    Py_XDECREF(lb);
    return rc;
}

/* a[a_from:] equals b[b_from:] ignoring case. */
static int
tails_equal_ignoring_case(PyObject *a, Py_ssize_t a_from, PyObject *b, Py_ssize_t b_from)
{
    int rc = -1;
    PyObject *ta = NULL, *tb = NULL;
    ta = PyUnicode_Substring(a, a_from, PY_SSIZE_T_MAX);
    if (ta == NULL)
        goto done;
    tb = PyUnicode_Substring(b, b_from, PY_SSIZE_T_MAX);
    if (tb == NULL)
        goto done;
    rc = equal_ignoring_case(ta, tb);
done:
    Py_XDECREF(ta);
    Py_XDECREF(tb);
    return rc;
}

static Py_ssize_t
find_char(PyObject *s, Py_UCS4 ch)
{
    return PyUnicode_FindChar(s, ch, 0, PyUnicode_GET_LENGTH(s), 1);
}

/* Does the certificate DNS name `pattern` cover `hostname`?  RFC 6125
 * 6.4.3 as the stdlib applies it: at most one wildcard, only as the whole
 * left-most label, which then stands for exactly one non-empty label.
 * Anything else with a '*' is rejected outright (CertificateError), so
 * "x*.example" can never reach into an IDN A-label "xn--...".
 * 1 match, 0 no match, -1 error. */
static int
dns_name_matches(sslx_state *st, PyObject *pattern, PyObject *hostname)
{
    if (!PyUnicode_Check(pattern)) {
        PyErr_Format(PyExc_TypeError, "certificate name must be str, not %.100s",
                     Py_TYPE(pattern)->tp_name);
        return -1;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(pattern);
    if (len == 0)
        return 0;
    Py_ssize_t star = find_char(pattern, '*');
    if (star == -1)
        return equal_ignoring_case(pattern, hostname);
    if (PyUnicode_FindChar(pattern, '*', star + 1, len, 1) != -1)
        return certificate_error(st, PyUnicode_FromFormat(
            "too many wildcards in certificate DNS name: %R.", pattern));
    Py_ssize_t dot = find_char(pattern, '.');
    if (dot >= 0 && star > dot)
        return certificate_error(st, PyUnicode_FromFormat(
            "wildcard can only be present in the leftmost label: %R.", pattern));
    if (dot < 0)
        return certificate_error(st, PyUnicode_FromFormat(
            "sole wildcard without additional labels are not support: %R.", pattern));
    if (star != 0 || dot != 1)
        return certificate_error(st, PyUnicode_FromFormat(
            "partial wildcards in leftmost label are not supported: %R.", pattern));
    Py_ssize_t host_dot = find_char(hostname, '.');
    if (host_dot <= 0)   /* no dot, or an empty first label */
        return 0;
    return tails_equal_ignoring_case(pattern, dot + 1, hostname, host_dot + 1);
}

/* Does the certificate's 'IP Address' text (trailing whitespace allowed)
 * name the packed address `host_ip`?  A text that is no IP address is a
 * ValueError. */
static int
ip_address_matches(PyObject *value, PyObject *host_ip)
{
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "certificate IP address must be str, not %.100s",
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    Py_ssize_t end = PyUnicode_GET_LENGTH(value);
    while (end > 0 && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(value, end - 1)))
        end--;
    PyObject *trimmed = PyUnicode_Substring(value, 0, end);
    if (trimmed == NULL)
        return -1;
    PyObject *packed = inet_paton(trimmed);
    Py_DECREF(trimmed);
    if (packed == NULL)
        return -1;
    int rc = PyObject_RichCompareBool(packed, host_ip, Py_EQ);
    Py_DECREF(packed);
    return rc;
}

static int
is_str_equal(PyObject *obj, const char *text)
{
    return PyUnicode_Check(obj) && PyUnicode_CompareWithASCIIString(obj, text) == 0;
}

/* cert.get(key, ()) */
static PyObject *
cert_get(PyObject *cert, const char *key)
{
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL)
        return NULL;
    PyObject *value = PyObject_CallMethod(cert, "get", "sO", key, empty);
    Py_DECREF(empty);
    return value;
}

typedef struct {
    sslx_state *st;
    PyObject *hostname;
    PyObject *host_ip;   /* packed address, or NULL for a DNS name */
    PyObject *tried;     /* list of the names that did not match */
} host_check;

/* Check one subjectAltName entry: 1 match, 0 not, -1 error. */
static int
check_alt_name(host_check *hc, PyObject *entry)
{
    PyObject *kind, *value;
    if (sslx_unpack_pair(entry, &kind, &value) < 0)
        return -1;
    int rc = 0, relevant = 1;
    if (is_str_equal(kind, "DNS"))
        rc = hc->host_ip ? 0 : dns_name_matches(hc->st, value, hc->hostname);
    else if (is_str_equal(kind, "IP Address"))
        rc = hc->host_ip ? ip_address_matches(value, hc->host_ip) : 0;
    else
        relevant = 0;
    if (rc == 0 && relevant && PyList_Append(hc->tried, value) < 0)
        rc = -1;
    Py_DECREF(kind);
    Py_DECREF(value);
    return rc;
}

/* Check the commonName attributes of one RDN: 1 match, 0 not, -1 error. */
static int
check_rdn(host_check *hc, PyObject *rdn)
{
    PyObject *it = PyObject_GetIter(rdn), *attr;
    if (it == NULL)
        return -1;
    int rc = 0;
    while (rc == 0 && (attr = PyIter_Next(it)) != NULL) {
        PyObject *key, *value;
        rc = sslx_unpack_pair(attr, &key, &value);
        Py_DECREF(attr);
        if (rc < 0)
            break;
        if (is_str_equal(key, "commonName")) {
            rc = dns_name_matches(hc->st, value, hc->hostname);
            if (rc == 0 && PyList_Append(hc->tried, value) < 0)
                rc = -1;
        }
        Py_DECREF(key);
        Py_DECREF(value);
    }
    Py_DECREF(it);
    return rc == 0 && PyErr_Occurred() ? -1 : rc;
}

/* Run `check` on each item of cert[key]: 1 at the first match, 0 when none
 * matches, -1 on error. */
static int
check_each(host_check *hc, PyObject *cert, const char *key,
           int (*check)(host_check *, PyObject *))
{
    PyObject *items = cert_get(cert, key);
    if (items == NULL)
        return -1;
    PyObject *it = PyObject_GetIter(items), *item;
    Py_DECREF(items);
    if (it == NULL)
        return -1;
    int rc = 0;
    while (rc == 0 && (item = PyIter_Next(it)) != NULL) {
        rc = check(hc, item);
        Py_DECREF(item);
    }
    Py_DECREF(it);
    return rc == 0 && PyErr_Occurred() ? -1 : rc;
}

/* The CertificateError for a hostname no name matched. */
static PyObject *
mismatch_message(PyObject *hostname, PyObject *tried)
{
    Py_ssize_t n = PyList_GET_SIZE(tried);
    if (n == 0)
        return PyUnicode_FromString(
            "no appropriate commonName or subjectAltName fields were found");
    if (n == 1)
        return PyUnicode_FromFormat("hostname %R doesn't match %R", hostname,
                                    PyList_GET_ITEM(tried, 0));
    PyObject *reprs = PyList_New(n), *sep = NULL, *joined = NULL, *message = NULL;
    if (reprs == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *r = PyObject_Repr(PyList_GET_ITEM(tried, i));
        if (r == NULL)
            goto done;
        PyList_SET_ITEM(reprs, i, r);
    }
    if ((sep = PyUnicode_FromString(", ")) && (joined = PyUnicode_Join(sep, reprs)))
        message = PyUnicode_FromFormat("hostname %R doesn't match either of %U", hostname, joined);
done:
    Py_DECREF(reprs);
    Py_XDECREF(sep);
    Py_XDECREF(joined);
    return message;
}

/* The packed IP address `hostname` names, or NULL with no exception when
 * it is not an address (any ValueError), NULL with an exception for
 * other errors. */
static PyObject *
host_address(PyObject *hostname)
{
    PyObject *packed = inet_paton(hostname);
    if (packed == NULL && PyErr_ExceptionMatches(PyExc_ValueError))
        PyErr_Clear();
    return packed;
}

PyDoc_STRVAR(match_hostname_doc,
"match_hostname($module, /, cert, hostname)\n--\n\n"
"Check that a certificate is valid for hostname; deprecated.\n\n"
"cert is a dict as returned by getpeercert().  The subjectAltName DNS\n"
"names (with the usual single-label wildcard rules) and IP addresses are\n"
"compared; the subject's commonName only when there are no such names.\n"
"Returns None on a match, raises CertificateError otherwise and\n"
"ValueError when cert is empty.  Warns DeprecationWarning: a context\n"
"with check_hostname set checks the name during the handshake.");

static PyObject *
fn_match_hostname(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"cert", "hostname", NULL};
    PyObject *cert, *hostname;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:match_hostname", kwlist, &cert, &hostname))
        return NULL;
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "ssl.match_hostname() is deprecated", 1) < 0)
        return NULL;
    int has_cert = PyObject_IsTrue(cert);
    if (has_cert < 0)
        return NULL;
    if (!has_cert) {
        PyErr_SetString(PyExc_ValueError,
                        "empty or no certificate, match_hostname needs a SSL socket or SSL "
                        "context with either CERT_OPTIONAL or CERT_REQUIRED");
        return NULL;
    }
    host_check hc = {sslx_state_from_module(module), hostname, NULL, NULL};
    hc.host_ip = host_address(hostname);
    if (hc.host_ip == NULL && PyErr_Occurred())
        return NULL;
    int rc = -1;
    if ((hc.tried = PyList_New(0)) == NULL)
        goto done;
    /* The subject's commonName counts only without usable altnames. */
    rc = check_each(&hc, cert, "subjectAltName", check_alt_name);
    if (rc == 0 && PyList_GET_SIZE(hc.tried) == 0)
        rc = check_each(&hc, cert, "subject", check_rdn);
    if (rc == 0)
        rc = certificate_error(hc.st, mismatch_message(hostname, hc.tried));
done:
    Py_XDECREF(hc.host_ip);
    Py_XDECREF(hc.tried);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef hostname_functions[] = {
    {"_inet_paton", fn_inet_paton, METH_O,
     "_inet_paton(ipname) -> packed IPv4 or IPv6 address; ValueError otherwise."},
    {"match_hostname", SSLX_KW_METHOD(fn_match_hostname), METH_VARARGS | METH_KEYWORDS,
     match_hostname_doc},
    {NULL, NULL, 0, NULL},
};

int
sslx_hostname_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, hostname_functions);
}
