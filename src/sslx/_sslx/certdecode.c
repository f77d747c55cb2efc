/* certdecode.c - X509 certificates as the Python values the ssl module
 * hands out: the getpeercert() dict and DER bytes.
 *
 * The dict follows what the stdlib returns for the same certificate:
 * names are tuples of RDNs, each RDN a tuple of (attribute, value) pairs;
 * subjectAltName is a tuple of (type, value); OCSP, caIssuers and
 * crlDistributionPoints are tuples of URIs; optional keys appear only when
 * the certificate has something to put there.  Malformed optional
 * extensions are left out rather than failing the whole certificate. */
#include <openssl/pem.h>
#include "certdecode.h"
#include "errors.h"

/* ---- small helpers ---------------------------------------------------- */

/* The text OpenSSL wrote into a memory BIO, as str.  Text from OpenSSL's
 * printers is ASCII except for data it copies from the certificate, so
 * decode it as UTF-8 and let invalid bytes raise, like any other field. */
static PyObject *
bio_to_str(BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len < 0)
        len = 0;
    return PyUnicode_DecodeUTF8(data ? data : "", len, "strict");
}

/* Run `print` on a fresh memory BIO and return what it wrote.  A failed
 * print is an error unless `what` is NULL: then the text OpenSSL wrote for
 * the failure is the result (for times it writes "Bad time value", which
 * is what the stdlib reports for an unparseable notBefore/notAfter). */
static PyObject *
print_to_str(sslx_state *st, int (*print)(BIO *, const void *), const void *arg,
             const char *what)
{
    PyObject *result = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return sslx_raise_from_queue(st, NULL, "cannot allocate BIO", SSLX_HERE);
    if (print(bio, arg) <= 0 && what != NULL)
        sslx_raise_from_queue(st, NULL, what, SSLX_HERE);
    else
        result = bio_to_str(bio);
    BIO_free(bio);
    return result;
}

static int
print_serial(BIO *bio, const void *serial)
{
    return i2a_ASN1_INTEGER(bio, (const ASN1_INTEGER *)serial);
}

/* The serial number as the stdlib reports it: OpenSSL's hex text, which
 * breaks lines (with a backslash) every 35 bytes, up to the end of its
 * first line, newline included.  Only serials far longer than RFC 5280
 * allows (20 bytes) are cut; sslx reports them as the stdlib does. */
static PyObject *
serial_to_str(sslx_state *st, const ASN1_INTEGER *serial)
{
    PyObject *text = print_to_str(st, print_serial, serial, "cannot print serial number");
    if (text == NULL)
        return NULL;
    Py_ssize_t nl = PyUnicode_FindChar(text, '\n', 0, PyUnicode_GET_LENGTH(text), 1);
    if (nl < 0 || nl == PyUnicode_GET_LENGTH(text) - 1)
        return text;
    PyObject *line = nl == -2 ? NULL : PyUnicode_Substring(text, 0, nl + 1);
    Py_DECREF(text);
    return line;
}

static int
print_time(BIO *bio, const void *time)
{
    return ASN1_TIME_print(bio, (const ASN1_TIME *)time);
}

static int
print_general_name(BIO *bio, const void *name)
{
    return GENERAL_NAME_print(bio, (GENERAL_NAME *)name);
}

/* Raw bytes of an ASN.1 string as str.  Used for IA5String fields (DNS,
 * email, URI), whose embedded NUL bytes must survive: a certificate that
 * hides "\0" in a name must not look like the shorter name. */
static PyObject *
asn1_raw_to_str(const ASN1_STRING *s)
{
    return PyUnicode_DecodeUTF8((const char *)ASN1_STRING_get0_data(s),
                                ASN1_STRING_length(s), "strict");
}

/* An OID as the stdlib names it: the long name when OpenSSL knows the
 * object, otherwise dotted text. */
static PyObject *
asn1_object_to_str(sslx_state *st, const ASN1_OBJECT *obj)
{
    char small[128];
    int len = OBJ_obj2txt(small, sizeof(small), obj, 0);
    if (len < 0)
        return sslx_raise_from_queue(st, NULL, "cannot convert object to text", SSLX_HERE);
    if ((size_t)len < sizeof(small))
        return PyUnicode_DecodeUTF8(small, len, "strict");
    /* Longer than the stack buffer: ask again with room for all of it. */
    char *big = PyMem_Malloc((size_t)len + 1);
    if (big == NULL)
        return PyErr_NoMemory();
    PyObject *result = NULL;
    int len2 = OBJ_obj2txt(big, len + 1, obj, 0);
    if (len2 < 0)
        sslx_raise_from_queue(st, NULL, "cannot convert object to text", SSLX_HERE);
    else
        result = PyUnicode_DecodeUTF8(big, len2 < len ? len2 : len, "strict");
    PyMem_Free(big);
    return result;
}

/* Append `item` (a new reference, NULL meaning an error is set) to list. */
static int
append_new(PyObject *list, PyObject *item)
{
    if (item == NULL)
        return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

/* Set dict[key] = tuple(list) when the list is non-empty. */
static int
set_tuple_if_any(PyObject *dict, const char *key, PyObject *list)
{
    if (PyList_GET_SIZE(list) == 0)
        return 0;
    PyObject *tuple = PyList_AsTuple(list);
    if (tuple == NULL)
        return -1;
    int rc = PyDict_SetItemString(dict, key, tuple);
    Py_DECREF(tuple);
    return rc;
}

/* ---- distinguished names ---------------------------------------------- */

/* One attribute of a name as (attribute name, value). */
static PyObject *
name_entry_to_pair(sslx_state *st, const X509_NAME_ENTRY *entry)
{
    PyObject *key = asn1_object_to_str(st, X509_NAME_ENTRY_get_object(entry));
    if (key == NULL)
        return NULL;
    const ASN1_STRING *data = X509_NAME_ENTRY_get_data(entry);
    if (ASN1_STRING_type(data) == V_ASN1_BIT_STRING) {
        /* No text to convert (x500UniqueIdentifier is one): the stdlib
         * gives the string's bytes; ASN1_STRING_to_UTF8 would refuse it. */
        PyObject *raw = PyBytes_FromStringAndSize((const char *)ASN1_STRING_get0_data(data),
                                                  ASN1_STRING_length(data));
        PyObject *pair = raw ? PyTuple_Pack(2, key, raw) : NULL;
        Py_DECREF(key);
        Py_XDECREF(raw);
        return pair;
    }
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) {
        Py_DECREF(key);
        return sslx_raise_from_queue(st, NULL, "cannot decode name attribute", SSLX_HERE);
    }
    PyObject *value = PyUnicode_DecodeUTF8((const char *)utf8, len, "strict");
    OPENSSL_free(utf8);
    if (value == NULL) {
        Py_DECREF(key);
        return NULL;
    }
    PyObject *pair = PyTuple_Pack(2, key, value);
    Py_DECREF(key);
    Py_DECREF(value);
    return pair;
}

/* Move the pairs collected for one RDN into `rdns` as a tuple. */
static int
flush_rdn(PyObject *rdns, PyObject *rdn)
{
    if (PyList_GET_SIZE(rdn) == 0)
        return 0;
    if (append_new(rdns, PyList_AsTuple(rdn)) < 0)
        return -1;
    return PyList_SetSlice(rdn, 0, PyList_GET_SIZE(rdn), NULL);
}

/* A name as a tuple of RDNs.  Entries of a multi-valued RDN share a "set"
 * number in OpenSSL; a change of set number starts the next RDN. */
static PyObject *
x509_name_to_tuple(sslx_state *st, const X509_NAME *name)
{
    PyObject *result = NULL;
    PyObject *rdns = PyList_New(0), *rdn = PyList_New(0);
    if (rdns == NULL || rdn == NULL)
        goto done;
    int count = X509_NAME_entry_count(name), current_set = -1;
    for (int i = 0; i < count; i++) {
        const X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
        int set = X509_NAME_ENTRY_set(entry);
        if (set != current_set && flush_rdn(rdns, rdn) < 0)
            goto done;
        current_set = set;
        if (append_new(rdn, name_entry_to_pair(st, entry)) < 0)
            goto done;
    }
    if (flush_rdn(rdns, rdn) < 0)
        goto done;
    result = PyList_AsTuple(rdns);
done:
    Py_XDECREF(rdns);
    Py_XDECREF(rdn);
    return result;
}

/* ---- subjectAltName ---------------------------------------------------- */

/* An iPAddress as text: dotted quad for 4 bytes, eight uppercase hex groups
 * without "::" shortening for 16 bytes (the stdlib's long-standing form),
 * "<invalid>" for any other length (e.g. a name-constraint style
 * address/mask pair). */
static PyObject *
ip_address_to_str(const ASN1_OCTET_STRING *ip)
{
    const unsigned char *b = ASN1_STRING_get0_data(ip);
    int len = ASN1_STRING_length(ip);
    if (len == 4)
        return PyUnicode_FromFormat("%d.%d.%d.%d", b[0], b[1], b[2], b[3]);
    if (len == 16) {
        char text[8 * 5];
        int pos = 0;
        for (int group = 0; group < 8; group++)
            pos += snprintf(text + pos, sizeof(text) - pos, group ? ":%X" : "%X",
                            (unsigned)(b[2 * group] << 8 | b[2 * group + 1]));
        return PyUnicode_FromStringAndSize(text, pos);
    }
    return PyUnicode_FromString("<invalid>");
}

/* (type, value) from OpenSSL's printed form "type:value", for name kinds
 * the stdlib also leaves to OpenSSL's printer (othername, x400Address,
 * ediPartyName). */
static PyObject *
printed_name_to_pair(sslx_state *st, GENERAL_NAME *gn)
{
    PyObject *text = print_to_str(st, print_general_name, gn, "cannot print name");
    if (text == NULL)
        return NULL;
    PyObject *pair = NULL;
    Py_ssize_t colon = PyUnicode_FindChar(text, ':', 0, PyUnicode_GET_LENGTH(text), 1);
    if (colon == -1)
        PyErr_Format(PyExc_ValueError, "Invalid value %.200U", text);
    else if (colon >= 0) {
        PyObject *kind = PyUnicode_Substring(text, 0, colon);
        PyObject *value = PyUnicode_Substring(text, colon + 1, PyUnicode_GET_LENGTH(text));
        if (kind && value)
            pair = PyTuple_Pack(2, kind, value);
        Py_XDECREF(kind);
        Py_XDECREF(value);
    }
    Py_DECREF(text);
    return pair;
}

/* Build ("kind", value) and release value (a new reference or NULL). */
static PyObject *
pair_with(const char *kind, PyObject *value)
{
    if (value == NULL)
        return NULL;
    PyObject *pair = Py_BuildValue("(sN)", kind, value);
    return pair;
}

static PyObject *
general_name_to_pair(sslx_state *st, GENERAL_NAME *gn)
{
    switch (gn->type) {
    case GEN_DNS:
        return pair_with("DNS", asn1_raw_to_str(gn->d.dNSName));
    case GEN_EMAIL:
        return pair_with("email", asn1_raw_to_str(gn->d.rfc822Name));
    case GEN_URI:
        return pair_with("URI", asn1_raw_to_str(gn->d.uniformResourceIdentifier));
    case GEN_IPADD:
        return pair_with("IP Address", ip_address_to_str(gn->d.iPAddress));
    case GEN_DIRNAME:
        return pair_with("DirName", x509_name_to_tuple(st, gn->d.directoryName));
    case GEN_RID:
        return pair_with("Registered ID", asn1_object_to_str(st, gn->d.registeredID));
    default:
        return printed_name_to_pair(st, gn);
    }
}

/* dict['subjectAltName'].  OpenSSL decodes the extension only when the
 * certificate has exactly one well-formed subjectAltName; otherwise the
 * key is absent, as in the stdlib.  A present but empty one gives (). */
static int
add_subject_alt_names(sslx_state *st, X509 *cert, PyObject *dict)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) {
        ERR_clear_error();
        return 0;
    }
    int rc = -1;
    PyObject *list = PyList_New(0);
    if (list == NULL)
        goto done;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++)
        if (append_new(list, general_name_to_pair(st, sk_GENERAL_NAME_value(names, i))) < 0)
            goto done;
    PyObject *tuple = PyList_AsTuple(list);
    if (tuple == NULL)
        goto done;
    rc = PyDict_SetItemString(dict, "subjectAltName", tuple);
    Py_DECREF(tuple);
done:
    Py_XDECREF(list);
    GENERAL_NAMES_free(names);
    return rc;
}

/* ---- AIA and CRL distribution points ---------------------------------- */

/* Append the URI of `gn` to `list` if it is one. */
static int
append_if_uri(PyObject *list, const GENERAL_NAME *gn)
{
    if (gn->type != GEN_URI)
        return 0;
    return append_new(list, asn1_raw_to_str(gn->d.uniformResourceIdentifier));
}

/* dict['OCSP'] and dict['caIssuers'] from authorityInfoAccess. */
static int
add_info_access(X509 *cert, PyObject *dict)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
    if (aia == NULL) {
        ERR_clear_error();
        return 0;
    }
    int rc = -1;
    PyObject *ocsp = PyList_New(0), *issuers = PyList_New(0);
    if (ocsp == NULL || issuers == NULL)
        goto done;
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        int method = OBJ_obj2nid(ad->method);
        PyObject *target = method == NID_ad_OCSP ? ocsp
                           : method == NID_ad_ca_issuers ? issuers : NULL;
        if (target && append_if_uri(target, ad->location) < 0)
            goto done;
    }
    if (set_tuple_if_any(dict, "OCSP", ocsp) < 0
        || set_tuple_if_any(dict, "caIssuers", issuers) < 0)
        goto done;
    rc = 0;
done:
    Py_XDECREF(ocsp);
    Py_XDECREF(issuers);
    AUTHORITY_INFO_ACCESS_free(aia);
    return rc;
}

/* dict['crlDistributionPoints']: the URIs of full-name distribution
 * points.  Points without a name (CVE-2019-5010) or with a name relative
 * to the issuer have no URI to give. */
static int
add_crl_distribution_points(X509 *cert, PyObject *dict)
{
    STACK_OF(DIST_POINT) *points = X509_get_ext_d2i(cert, NID_crl_distribution_points,
                                                    NULL, NULL);
    if (points == NULL) {
        ERR_clear_error();
        return 0;
    }
    int rc = -1;
    PyObject *uris = PyList_New(0);
    if (uris == NULL)
        goto done;
    for (int i = 0; i < sk_DIST_POINT_num(points); i++) {
        const DIST_POINT *dp = sk_DIST_POINT_value(points, i);
        if (dp->distpoint == NULL || dp->distpoint->type != 0)
            continue;
        GENERAL_NAMES *names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); j++)
            if (append_if_uri(uris, sk_GENERAL_NAME_value(names, j)) < 0)
                goto done;
    }
    rc = set_tuple_if_any(dict, "crlDistributionPoints", uris);
done:
    Py_XDECREF(uris);
    sk_DIST_POINT_pop_free(points, DIST_POINT_free);
    return rc;
}

/* ---- the dict ----------------------------------------------------------- */

static int
set_new(PyObject *dict, const char *key, PyObject *value)
{
    if (value == NULL)
        return -1;
    int rc = PyDict_SetItemString(dict, key, value);
    Py_DECREF(value);
    return rc;
}

PyObject *
sslx_cert_to_dict(sslx_state *st, X509 *cert)
{
    PyObject *dict = PyDict_New();
    if (dict == NULL)
        return NULL;
    ERR_clear_error();
    if (set_new(dict, "subject", x509_name_to_tuple(st, X509_get_subject_name(cert))) < 0
        || set_new(dict, "issuer", x509_name_to_tuple(st, X509_get_issuer_name(cert))) < 0
        || set_new(dict, "version", PyLong_FromLong(X509_get_version(cert) + 1)) < 0
        || set_new(dict, "serialNumber", serial_to_str(st, X509_get0_serialNumber(cert))) < 0
        || set_new(dict, "notBefore",
                   print_to_str(st, print_time, X509_get0_notBefore(cert), NULL)) < 0
        || set_new(dict, "notAfter",
                   print_to_str(st, print_time, X509_get0_notAfter(cert), NULL)) < 0
        || add_subject_alt_names(st, cert, dict) < 0
        || add_info_access(cert, dict) < 0
        || add_crl_distribution_points(cert, dict) < 0) {
        Py_DECREF(dict);
        return NULL;
    }
    return dict;
}

PyObject *
sslx_cert_to_der(sslx_state *st, X509 *cert)
{
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);
    if (len < 0)
        return sslx_raise_from_queue(st, NULL, "cannot encode certificate", SSLX_HERE);
    PyObject *result = PyBytes_FromStringAndSize((const char *)der, len);
    OPENSSL_free(der);
    return result;
}

/* ---- _decode_der_certificate: the CLI's certificate report ---- */

/* "EC P-256 (256 bits)", "RSA (2048 bits)", "ED25519 (256 bits)". */
static PyObject *
public_key_description(X509 *cert)
{
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (key == NULL)
        return PyUnicode_FromString("unknown");
    const char *type = EVP_PKEY_get0_type_name(key);
    char group[80] = "";
    size_t group_len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &group_len) != 1)
        group[0] = '\0';
    ERR_clear_error();
    return PyUnicode_FromFormat("%s%s%s (%d bits)", type ? type : "unknown",
                                group[0] ? " " : "", group, EVP_PKEY_get_bits(key));
}

/* _decode_der_certificate(der) -> the getpeercert() dict of a DER
 * certificate, plus 'publicKey' (a description of its key). */
static PyObject *
decode_der_certificate(PyObject *module, PyObject *arg)
{
    sslx_state *st = sslx_state_from_module(module);
    Py_buffer der;
    if (PyObject_GetBuffer(arg, &der, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *p = der.buf;
    X509 *cert = d2i_X509(NULL, &p, der.len);
    PyBuffer_Release(&der);
    if (cert == NULL)
        return sslx_raise_from_queue(st, NULL, "not a DER certificate", SSLX_HERE);
    PyObject *info = sslx_cert_to_dict(st, cert);
    PyObject *key = info ? public_key_description(cert) : NULL;
    X509_free(cert);
    if (key == NULL || PyDict_SetItemString(info, "publicKey", key) < 0) {
        Py_XDECREF(key);
        Py_XDECREF(info);
        return NULL;
    }
    Py_DECREF(key);
    return info;
}

/* _test_decode_cert(path): the getpeercert() dict of the first certificate
 * of a PEM file (the stdlib's private test helper, with its errors). */
static PyObject *
fn_test_decode_cert(PyObject *module, PyObject *arg)
{
    sslx_state *st = sslx_state_from_module(module);
    PyObject *path = NULL, *result = NULL;
    if (!PyUnicode_FSConverter(arg, &path))
        return NULL;
    BIO *bio;
    X509 *cert = NULL;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    bio = BIO_new_file(PyBytes_AS_STRING(path), "r");
    if (bio)
        cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    Py_END_ALLOW_THREADS
    /* The stdlib raises these as bare SSLError(message). */
    if (bio == NULL)
        PyErr_SetString(st->SSLError, "Can't open file");
    else if (cert == NULL)
        PyErr_SetString(st->SSLError, "Error decoding PEM-encoded file");
    else
        result = sslx_cert_to_dict(st, cert);
    ERR_clear_error();
    X509_free(cert);
    BIO_free(bio);
    Py_DECREF(path);
    return result;
}

static PyMethodDef certdecode_methods[] = {
    {"_decode_der_certificate", decode_der_certificate, METH_O,
     "_decode_der_certificate(der) -> getpeercert()-style dict plus 'publicKey'."},
    {"_test_decode_cert", fn_test_decode_cert, METH_O,
     "_test_decode_cert(path) -> the getpeercert() dict of a PEM certificate file."},
    {NULL, NULL, 0, NULL},
};

int
sslx_certdecode_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, certdecode_methods);
}
