/* functions.c - module-level functions (RAND_*, certificate helpers,
 * match_hostname, get_default_verify_paths, nid2obj/txt2obj).
 *
 * Each function behaves like its stdlib counterpart on the same input,
 * error cases included: same exception types, and the same messages where
 * callers are known to look at them. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include "module.h"
#include "errors.h"
#include "certdecode.h"

#define PEM_HEADER "-----BEGIN CERTIFICATE-----"
#define PEM_FOOTER "-----END CERTIFICATE-----"

/* ---- argument helpers ------------------------------------------------- */

/* An integer argument that must fit a C int, with the messages of the
 * stdlib's argument parser. */
static int
int_from_index(PyObject *arg, int *out)
{
    long value = PyLong_AsLong(arg);
    if (value == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError))
            PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C int");
        return -1;
    }
    if (value > INT_MAX || value < INT_MIN) {
        PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C int");
        return -1;
    }
    *out = (int)value;
    return 0;
}

/* How Python's argument errors name the type of `obj` ("None" for None). */
static const char *
arg_type_name(PyObject *obj)
{
    return obj == Py_None ? "None" : Py_TYPE(obj)->tp_name;
}

/* Python's message for a positional-only function called with the wrong
 * number of arguments. */
static int
check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t expected)
{
    if (nargs == expected)
        return 0;
    PyErr_Format(PyExc_TypeError, "%s expected %zd argument%s, got %zd", name, expected,
                 expected == 1 ? "" : "s", nargs);
    return -1;
}

/* ---- RAND_* ------------------------------------------------------------ */

/* n random bytes from OpenSSL's CSPRNG. */
static PyObject *
random_bytes(sslx_state *st, PyObject *arg)
{
    int n;
    if (int_from_index(arg, &n) < 0)
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "num must be positive");
        return NULL;
    }
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, n);
    if (bytes == NULL)
        return NULL;
    int ok;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    ok = RAND_bytes((unsigned char *)PyBytes_AS_STRING(bytes), n);
    Py_END_ALLOW_THREADS
    if (ok != 1) {
        Py_DECREF(bytes);
        return sslx_raise_from_queue(st, NULL, "RAND_bytes failed", SSLX_HERE);
    }
    return bytes;
}

static PyObject *
fn_RAND_bytes(PyObject *module, PyObject *arg)
{
    return random_bytes(sslx_state_from_module(module), arg);
}

/* The stdlib keeps RAND_pseudo_bytes() for old code; OpenSSL 3's
 * generator is always cryptographically strong, so this is RAND_bytes
 * with the old (bytes, is_cryptographic) result. */
static PyObject *
fn_RAND_pseudo_bytes(PyObject *module, PyObject *arg)
{
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "ssl.RAND_pseudo_bytes() is deprecated", 1) < 0)
        return NULL;
    PyObject *bytes = random_bytes(sslx_state_from_module(module), arg);
    if (bytes == NULL)
        return NULL;
    return Py_BuildValue("(NO)", bytes, Py_True);
}

static PyObject *
fn_RAND_status(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyBool_FromLong(RAND_status() == 1);
}

/* RAND_add(string, entropy): mix str (as UTF-8) or any contiguous buffer
 * into the generator's state. */
static PyObject *
fn_RAND_add(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (check_nargs("RAND_add", nargs, 2) < 0)
        return NULL;
    Py_buffer view = {NULL, NULL};
    const char *data;
    Py_ssize_t len;
    if (PyUnicode_Check(args[0])) {
        if ((data = PyUnicode_AsUTF8AndSize(args[0], &len)) == NULL)
            return NULL;
    }
    else {
        if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
            return NULL;
        data = view.buf;
        len = view.len;
    }
    double entropy = PyFloat_AsDouble(args[1]);
    if (entropy == -1.0 && PyErr_Occurred()) {
        PyBuffer_Release(&view);
        return NULL;
    }
    /* RAND_add takes an int length; feed huge buffers in pieces. */
    Py_BEGIN_ALLOW_THREADS
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        RAND_add(data, chunk, entropy);
        data += chunk;
        len -= chunk;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

/* ---- cert_time_to_seconds ---------------------------------------------- */

/* The stdlib parses the text after the month with strptime(" %d %H:%M:%S
 * %Y GMT"), which accepts: runs of any Unicode whitespace where the format
 * has a space, fields whose digits form one of the regex alternatives
 * below (some positions accept any Unicode decimal digit, others only
 * ASCII), "GMT" in any case.  The parser below accepts exactly that. */
typedef struct {
    PyObject *text;
    Py_ssize_t pos, len;
} cursor;

static Py_UCS4
peek(const cursor *c)
{
    return c->pos < c->len ? PyUnicode_READ_CHAR(c->text, c->pos) : 0;
}

static int
is_digit_at(const cursor *c, Py_ssize_t pos)
{
    return pos < c->len && Py_UNICODE_ISDECIMAL(PyUnicode_READ_CHAR(c->text, pos));
}

/* One or more whitespace characters. */
static int
skip_space(cursor *c)
{
    Py_ssize_t start = c->pos;
    while (c->pos < c->len && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(c->text, c->pos)))
        c->pos++;
    return c->pos > start ? 0 : -1;
}

/* The run of decimal digits at the cursor, each as (value, is_ascii);
 * runs longer than 5 are never valid and stop the parse early. */
typedef struct {
    int n;
    int value[5];
    int ascii[5];
} digit_run;

static int
read_digits(cursor *c, digit_run *run)
{
    run->n = 0;
    while (is_digit_at(c, c->pos)) {
        if (run->n == 5)
            return -1;
        Py_UCS4 ch = PyUnicode_READ_CHAR(c->text, c->pos);
        run->value[run->n] = Py_UNICODE_TODECIMAL(ch);
        run->ascii[run->n] = ch < 128;
        run->n++;
        c->pos++;
    }
    return run->n ? 0 : -1;
}

/* The digits a numeric field accepts.  Two-digit forms start with an
 * ASCII digit in first_lo..first_hi; after limit_first (e.g. '2' in an
 * hour) the second must be ASCII 0..limit_second_hi, after '0' (when
 * zero_second_lo is set) ASCII zero_second_lo..9, otherwise any decimal
 * digit.  A lone digit must be >= lone_lo, and ASCII unless lone_unicode. */
typedef struct {
    int first_lo, first_hi;   /* allowed ASCII first digits of two-digit forms */
    int limit_first, limit_second_hi;
    int zero_second_lo;       /* "0x" forms: minimum ASCII second digit */
    int lone_lo, lone_unicode;
} field_rule;

static int
field_value(const digit_run *r, const field_rule *rule, int *out)
{
    if (r->n == 1) {
        if ((!r->ascii[0] && !rule->lone_unicode) || r->value[0] < rule->lone_lo)
            return -1;
        *out = r->value[0];
        return 0;
    }
    if (r->n != 2 || !r->ascii[0] || r->value[0] < rule->first_lo || r->value[0] > rule->first_hi)
        return -1;
    int first = r->value[0], second = r->value[1];
    if (first == rule->limit_first) {
        if (!r->ascii[1] || second > rule->limit_second_hi)
            return -1;
    }
    else if (first == 0 && rule->zero_second_lo) {
        if (!r->ascii[1] || second < rule->zero_second_lo)
            return -1;
    }
    *out = first * 10 + second;
    return 0;
}

/* %d: 3[01] | [12]\d | 0[1-9] | [1-9] */
static const field_rule DAY = {0, 3, 3, 1, 1, 1, 0};
/* %H: 2[0-3] | [01]\d | \d */
static const field_rule HOUR = {0, 2, 2, 3, 0, 0, 1};
/* %M: [0-5]\d | \d */
static const field_rule MINUTE = {0, 5, -1, 9, 0, 0, 1};
/* %S: 6[01] | [0-5]\d | \d */
static const field_rule SECOND = {0, 6, 6, 1, 0, 0, 1};

static int
parse_field(cursor *c, const field_rule *rule, int *out)
{
    digit_run run;
    return read_digits(c, &run) < 0 ? -1 : field_value(&run, rule, out);
}

static int
expect_char(cursor *c, Py_UCS4 ch)
{
    if (peek(c) != ch)
        return -1;
    c->pos++;
    return 0;
}

/* %Y: exactly four decimal digits, any script. */
static int
parse_year(cursor *c, int *year)
{
    digit_run run;
    if (read_digits(c, &run) < 0 || run.n != 4)
        return -1;
    *year = ((run.value[0] * 10 + run.value[1]) * 10 + run.value[2]) * 10 + run.value[3];
    return 0;
}

static int
expect_gmt(cursor *c)
{
    static const char gmt[] = "gmt";
    for (int i = 0; i < 3; i++) {
        Py_UCS4 ch = peek(c);
        if (ch >= 128 || Py_TOLOWER((int)ch) != gmt[i])
            return -1;
        c->pos++;
    }
    return 0;
}

typedef struct {
    int day, hour, minute, second, year;
} cert_time;

/* Parse " %d %H:%M:%S %Y GMT" from the start of c; the cursor ends after
 * "GMT" (anything after it is the caller's business). */
static int
parse_after_month(cursor *c, cert_time *t)
{
    if (skip_space(c) < 0 || parse_field(c, &DAY, &t->day) < 0 || skip_space(c) < 0
        || parse_field(c, &HOUR, &t->hour) < 0 || expect_char(c, ':') < 0
        || parse_field(c, &MINUTE, &t->minute) < 0 || expect_char(c, ':') < 0
        || parse_field(c, &SECOND, &t->second) < 0 || skip_space(c) < 0
        || parse_year(c, &t->year) < 0 || skip_space(c) < 0 || expect_gmt(c) < 0)
        return -1;
    return 0;
}

/* Days from 1970-01-01 to year-month-01 in the proleptic Gregorian
 * calendar (Howard Hinnant's days_from_civil). */
static long long
days_from_civil(long long y, int m)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The month of "Jan".."Dec" as the stdlib matches it: the first three
 * characters title-cased.  0 when it is not a month. */
static int
month_number(PyObject *prefix)
{
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    PyObject *titled = PyObject_CallMethod(prefix, "title", NULL);
    if (titled == NULL)
        return -1;
    int found = 0;
    for (int i = 0; i < 12 && !found; i++)
        if (PyUnicode_CompareWithASCIIString(titled, months[i]) == 0)
            found = i + 1;
    Py_DECREF(titled);
    return found;
}

static PyObject *
time_mismatch(PyObject *text)
{
    PyErr_Format(PyExc_ValueError,
                 "time data %R does not match format ' %%d %%H:%%M:%%S %%Y GMT'", text);
    return NULL;
}

/* Seconds since the epoch of a notBefore/notAfter text, UTC, whatever the
 * locale.  Like the stdlib, a day past the month's end rolls over. */
static PyObject *
seconds_from_cert_time(PyObject *text)
{
    PyObject *result = NULL;
    PyObject *prefix = PyUnicode_Substring(text, 0, 3);
    PyObject *rest = PyUnicode_Substring(text, 3, PY_SSIZE_T_MAX);
    if (prefix == NULL || rest == NULL)
        goto done;
    int month = month_number(prefix);
    if (month < 0)
        goto done;
    if (month == 0) {
        PyErr_Format(PyExc_ValueError,
                     "time data %R does not match format \"%%b %%d %%H:%%M:%%S %%Y GMT\"", text);
        goto done;
    }
    cursor c = {rest, 0, PyUnicode_GET_LENGTH(rest)};
    cert_time t;
    if (parse_after_month(&c, &t) < 0) {
        time_mismatch(rest);
        goto done;
    }
    if (c.pos < c.len) {
        PyObject *left = PyUnicode_Substring(rest, c.pos, c.len);
        if (left)
            PyErr_Format(PyExc_ValueError, "unconverted data remains: %U", left);
        Py_XDECREF(left);
        goto done;
    }
    if (t.year == 0) {
        PyErr_SetString(PyExc_ValueError, "year 0 is out of range");
        goto done;
    }
    long long days = days_from_civil(t.year, month) + t.day - 1;
    result = PyLong_FromLongLong(((days * 24 + t.hour) * 60 + t.minute) * 60 + t.second);
done:
    Py_XDECREF(prefix);
    Py_XDECREF(rest);
    return result;
}

static PyObject *
fn_cert_time_to_seconds(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"cert_time", NULL};
    PyObject *text;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:cert_time_to_seconds", kwlist, &text))
        return NULL;
    if (PyUnicode_Check(text))
        return seconds_from_cert_time(text);
    if (PyBytes_Check(text) || PyByteArray_Check(text)) {
        /* The stdlib finds no month name in bytes. */
        PyErr_Format(PyExc_ValueError,
                     "time data %R does not match format \"%%b %%d %%H:%%M:%%S %%Y GMT\"", text);
        return NULL;
    }
    PyErr_Format(PyExc_TypeError, "cert_time must be str, not %.100s", Py_TYPE(text)->tp_name);
    return NULL;
}

/* ---- PEM <-> DER --------------------------------------------------------- */

static PyObject *
fn_DER_cert_to_PEM_cert(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"der_cert_bytes", NULL};
    Py_buffer der;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*:DER_cert_to_PEM_cert", kwlist, &der))
        return NULL;
    PyObject *result = NULL;
    if (der.len > (PY_SSIZE_T_MAX / 4 - 64) / 2 || der.len > INT_MAX / 2) {
        PyErr_NoMemory();
        goto done;
    }
    /* Base64 of the whole input, then 64-character lines. */
    Py_ssize_t b64_len = 4 * ((der.len + 2) / 3);
    Py_ssize_t lines = (b64_len + 63) / 64;
    Py_ssize_t total = sizeof(PEM_HEADER) + b64_len + lines + sizeof(PEM_FOOTER);
    unsigned char *b64 = PyMem_Malloc(b64_len + 1);
    char *pem = PyMem_Malloc(total + 1);
    if (b64 == NULL || pem == NULL) {
        PyErr_NoMemory();
        goto free_buffers;
    }
    EVP_EncodeBlock(b64, der.buf, (int)der.len);
    char *out = pem;
    out += sprintf(out, "%s\n", PEM_HEADER);
    for (Py_ssize_t pos = 0; pos < b64_len; pos += 64) {
        Py_ssize_t n = b64_len - pos < 64 ? b64_len - pos : 64;
        memcpy(out, b64 + pos, n);
        out += n;
        *out++ = '\n';
    }
    out += sprintf(out, "%s\n", PEM_FOOTER);
    result = PyUnicode_FromStringAndSize(pem, out - pem);
free_buffers:
    PyMem_Free(b64);
    PyMem_Free(pem);
done:
    PyBuffer_Release(&der);
    return result;
}

static int
base64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* binascii.Error, which the stdlib's lenient base64 decoding raises. */
static void
raise_binascii_error(const char *format, Py_ssize_t count)
{
    PyObject *binascii = PyImport_ImportModule("binascii");
    PyObject *error = binascii ? PyObject_GetAttrString(binascii, "Error") : NULL;
    if (error)
        PyErr_Format(error, format, count);
    Py_XDECREF(binascii);
    Py_XDECREF(error);
}

/* Lenient base64 decoding as the stdlib does it for PEM bodies: bytes
 * outside the alphabet are skipped, '=' ends the data once it completes
 * a quantum (and is ignored where it cannot), an unfinished quantum is
 * an error. */
static PyObject *
base64_decode_lenient(const unsigned char *in, Py_ssize_t len)
{
    PyObject *out = PyBytes_FromStringAndSize(NULL, len / 4 * 3 + 3);
    if (out == NULL)
        return NULL;
    unsigned char *o = (unsigned char *)PyBytes_AS_STRING(out), *start = o;
    int quad = 0, pads = 0;
    unsigned acc = 0;
    Py_ssize_t data_chars = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        if (in[i] == '=') {
            if (quad >= 2 && quad + ++pads >= 4) {
                quad = 0;   /* padding completed the last quantum */
                break;
            }
            continue;
        }
        int v = base64_value(in[i]);
        if (v < 0)
            continue;
        pads = 0;
        data_chars++;
        acc = acc << 6 | (unsigned)v;
        if (quad > 0)
            *o++ = (unsigned char)(acc >> (6 - 2 * quad));
        acc &= (1u << (6 - 2 * quad + 0)) - 1;
        quad = (quad + 1) & 3;
    }
    if (quad == 1) {
        raise_binascii_error("Invalid base64-encoded string: number of data characters "
                             "(%zd) cannot be 1 more than a multiple of 4", data_chars);
        Py_DECREF(out);
        return NULL;
    }
    if (quad != 0) {
        raise_binascii_error("Incorrect padding", 0);
        Py_DECREF(out);
        return NULL;
    }
    if (_PyBytes_Resize(&out, o - start) < 0)
        return NULL;
    return out;
}

/* Strip Unicode whitespace from both ends, like str.strip(). */
static PyObject *
strip_whitespace(PyObject *s)
{
    Py_ssize_t start = 0, end = PyUnicode_GET_LENGTH(s);
    while (start < end && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(s, start)))
        start++;
    while (end > start && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(s, end - 1)))
        end--;
    return PyUnicode_Substring(s, start, end);
}

static int
has_affix(PyObject *s, const char *affix, int at_end)
{
    PyObject *a = PyUnicode_FromString(affix);
    if (a == NULL)
        return -1;
    Py_ssize_t r = PyUnicode_Tailmatch(s, a, 0, PY_SSIZE_T_MAX, at_end ? 1 : -1);
    Py_DECREF(a);
    return (int)r;
}

static PyObject *
pem_body_to_der(PyObject *pem)
{
    PyObject *result = NULL, *body = NULL, *ascii = NULL;
    PyObject *stripped = strip_whitespace(pem);
    if (stripped == NULL)
        return NULL;
    /* The header must open the text itself; only trailing whitespace is
     * forgiven (a file read whole ends with a newline). */
    int starts = has_affix(pem, PEM_HEADER, 0);
    int ends = starts > 0 ? has_affix(stripped, PEM_FOOTER, 1) : 0;
    if (starts < 0 || ends < 0)
        goto done;
    if (!starts || !ends) {
        PyErr_Format(PyExc_ValueError, "Invalid PEM encoding; must %s with %s",
                     starts ? "end" : "start", starts ? PEM_FOOTER : PEM_HEADER);
        goto done;
    }
    /* Header and footer may overlap in a degenerate input; the body is
     * then empty. */
    Py_ssize_t from = strlen(PEM_HEADER);
    Py_ssize_t to = PyUnicode_GET_LENGTH(stripped) - (Py_ssize_t)strlen(PEM_FOOTER);
    body = PyUnicode_Substring(stripped, from, to > from ? to : from);
    if (body == NULL || (ascii = PyUnicode_AsASCIIString(body)) == NULL)
        goto done;
    result = base64_decode_lenient((const unsigned char *)PyBytes_AS_STRING(ascii),
                                   PyBytes_GET_SIZE(ascii));
done:
    Py_DECREF(stripped);
    Py_XDECREF(body);
    Py_XDECREF(ascii);
    return result;
}

static PyObject *
fn_PEM_cert_to_DER_cert(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"pem_cert_string", NULL};
    PyObject *pem;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:PEM_cert_to_DER_cert", kwlist, &pem))
        return NULL;
    if (!PyUnicode_Check(pem)) {
        PyErr_Format(PyExc_TypeError, "PEM_cert_to_DER_cert() argument must be str, not %.100s",
                     Py_TYPE(pem)->tp_name);
        return NULL;
    }
    return pem_body_to_der(pem);
}

/* ---- _test_decode_cert ------------------------------------------------ */

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

/* ---- _inet_paton and match_hostname ----------------------------------- */

/* The packed address of an IPv4 (dotted quad, as inet_ntoa writes it) or
 * IPv6 text, as bytes.  ValueError otherwise. */
static PyObject *
inet_paton(PyObject *name)
{
    if (!PyUnicode_Check(name)) {
        /* Worded like socket.inet_aton's own complaint on this Python. */
#if PY_VERSION_HEX >= 0x030D0000
        PyErr_Format(PyExc_TypeError, "inet_aton() argument must be str, not %.100s",
                     arg_type_name(name));
#else
        PyErr_Format(PyExc_TypeError, "inet_aton() argument 1 must be str, not %.100s",
                     arg_type_name(name));
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
    PyObject *la = PyObject_CallMethod(a, "lower", NULL);
    PyObject *lb = la ? PyObject_CallMethod(b, "lower", NULL) : NULL;
    int rc = lb ? PyObject_RichCompareBool(la, lb, Py_EQ) : -1;
    Py_XDECREF(la);
    Py_XDECREF(lb);
    return rc;
}

/* a[a_from:] equals b[b_from:] ignoring case. */
static int
tails_equal_ignoring_case(PyObject *a, Py_ssize_t a_from, PyObject *b, Py_ssize_t b_from)
{
    PyObject *ta = PyUnicode_Substring(a, a_from, PY_SSIZE_T_MAX);
    PyObject *tb = ta ? PyUnicode_Substring(b, b_from, PY_SSIZE_T_MAX) : NULL;
    int rc = tb ? equal_ignoring_case(ta, tb) : -1;
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
    PyObject *packed = trimmed ? inet_paton(trimmed) : NULL;
    int rc = packed ? PyObject_RichCompareBool(packed, host_ip, Py_EQ) : -1;
    Py_XDECREF(trimmed);
    Py_XDECREF(packed);
    return rc;
}

/* Unpack a 2-item iterable with Python's own messages. */
static int
unpack_pair(PyObject *obj, PyObject **first, PyObject **second)
{
    *first = *second = NULL;
    PyObject *it = PyObject_GetIter(obj);
    if (it == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.100s object",
                         Py_TYPE(obj)->tp_name);
        }
        return -1;
    }
    int got = 0;
    PyObject *items[3] = {NULL, NULL, NULL};
    while (got < 3 && (items[got] = PyIter_Next(it)) != NULL)
        got++;
    Py_DECREF(it);
    if (PyErr_Occurred() || got != 2) {
        if (!PyErr_Occurred() && got < 2)
            PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected 2, got %d)",
                         got);
        else if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "too many values to unpack (expected 2)");
        for (int i = 0; i < got; i++)
            Py_DECREF(items[i]);
        return -1;
    }
    *first = items[0];
    *second = items[1];
    return 0;
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
    if (unpack_pair(entry, &kind, &value) < 0)
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
        rc = unpack_pair(attr, &key, &value);
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
        return PyUnicode_FromString("no appropriate commonName or subjectAltName fields were found");
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

/* ---- get_default_verify_paths ----------------------------------------- */

static PyObject *
path_or_none(const char *path, int want_dir)
{
    struct stat sb;
    if (path && stat(path, &sb) == 0 && (want_dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode)))
        return PyUnicode_DecodeFSDefault(path);
    Py_RETURN_NONE;
}

/* Where OpenSSL looks for trust anchors by default: the environment
 * variables named by OpenSSL override the compiled-in locations; cafile
 * and capath are None when there is no such file or directory. */
static PyObject *
fn_get_default_verify_paths(PyObject *module, PyObject *unused)
{
    (void)unused;
    sslx_state *st = sslx_state_from_module(module);
    const char *file_env = X509_get_default_cert_file_env();
    const char *dir_env = X509_get_default_cert_dir_env();
    const char *file = getenv(file_env), *dir = getenv(dir_env);
    if (file == NULL)
        file = X509_get_default_cert_file();
    if (dir == NULL)
        dir = X509_get_default_cert_dir();
    return PyObject_CallFunction(st->DefaultVerifyPaths, "NNNNNN", path_or_none(file, 0),
                                 path_or_none(dir, 1), PyUnicode_DecodeFSDefault(file_env),
                                 PyUnicode_DecodeFSDefault(X509_get_default_cert_file()),
                                 PyUnicode_DecodeFSDefault(dir_env),
                                 PyUnicode_DecodeFSDefault(X509_get_default_cert_dir()));
}

/* ---- nid2obj / txt2obj -------------------------------------------------- */

/* (nid, shortname, longname, dotted oid) of an ASN.1 object. */
static PyObject *
asn1_object_tuple(sslx_state *st, const ASN1_OBJECT *obj)
{
    int nid = OBJ_obj2nid(obj);
    if (nid == NID_undef) {
        PyErr_SetString(PyExc_ValueError, "Unknown object");
        return NULL;
    }
    char small[128];
    int len = OBJ_obj2txt(small, sizeof(small), obj, 1);
    if (len < 0)
        return sslx_raise_from_queue(st, NULL, "cannot convert object to text", SSLX_HERE);
    PyObject *oid;
    if (len == 0)
        oid = Py_NewRef(Py_None);
    else if ((size_t)len < sizeof(small))
        oid = PyUnicode_DecodeUTF8(small, len, "strict");
    else {
        char *big = PyMem_Malloc((size_t)len + 1);
        if (big == NULL)
            return PyErr_NoMemory();
        OBJ_obj2txt(big, len + 1, obj, 1);
        oid = PyUnicode_DecodeUTF8(big, len, "strict");
        PyMem_Free(big);
    }
    if (oid == NULL)
        return NULL;
    return Py_BuildValue("(izzN)", nid, OBJ_nid2sn(nid), OBJ_nid2ln(nid), oid);
}

static PyObject *
fn_nid2obj(PyObject *module, PyObject *arg)
{
    int nid;
    if (int_from_index(arg, &nid) < 0)
        return NULL;
    if (nid < NID_undef) {
        PyErr_SetString(PyExc_ValueError, "NID must be positive.");
        return NULL;
    }
    ERR_clear_error();
    const ASN1_OBJECT *obj = OBJ_nid2obj(nid);
    if (obj == NULL) {
        ERR_clear_error();
        PyErr_Format(PyExc_ValueError, "unknown NID %i", nid);
        return NULL;
    }
    return asn1_object_tuple(sslx_state_from_module(module), obj);
}

static PyObject *
fn_txt2obj(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"txt", "name", NULL};
    PyObject *txt;
    int by_name = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|p:txt2obj", kwlist, &txt, &by_name))
        return NULL;
    if (!PyUnicode_Check(txt)) {
        PyErr_Format(PyExc_TypeError, "txt2obj() argument 'txt' must be str, not %.50s",
                     arg_type_name(txt));
        return NULL;
    }
    Py_ssize_t len;
    const char *text = PyUnicode_AsUTF8AndSize(txt, &len);
    if (text == NULL)
        return NULL;
    if ((size_t)len != strlen(text)) {
        PyErr_SetString(PyExc_ValueError, "embedded null character");
        return NULL;
    }
    /* Without `name`, only dotted OIDs are accepted. */
    ERR_clear_error();
    ASN1_OBJECT *obj = OBJ_txt2obj(text, by_name ? 0 : 1);
    if (obj == NULL) {
        ERR_clear_error();
        PyErr_Format(PyExc_ValueError, "unknown object '%.100s'", text);
        return NULL;
    }
    PyObject *result = asn1_object_tuple(sslx_state_from_module(module), obj);
    ASN1_OBJECT_free(obj);
    return result;
}

/* ---- module setup ------------------------------------------------------- */

#define KW_FUNC(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef functions_methods[] = {
    {"RAND_bytes", fn_RAND_bytes, METH_O, "RAND_bytes(n) -> n cryptographically strong bytes."},
    {"RAND_pseudo_bytes", fn_RAND_pseudo_bytes, METH_O,
     "RAND_pseudo_bytes(n) -> (bytes, is_cryptographic); deprecated."},
    {"RAND_status", fn_RAND_status, METH_NOARGS,
     "RAND_status() -> True if the generator has been seeded enough."},
    {"RAND_add", KW_FUNC(fn_RAND_add), METH_FASTCALL,
     "RAND_add(string, entropy) mixes bytes into the generator's state."},
    {"cert_time_to_seconds", KW_FUNC(fn_cert_time_to_seconds), METH_VARARGS | METH_KEYWORDS,
     "cert_time_to_seconds(cert_time) -> seconds since the epoch of a certificate time."},
    {"DER_cert_to_PEM_cert", KW_FUNC(fn_DER_cert_to_PEM_cert), METH_VARARGS | METH_KEYWORDS,
     "DER_cert_to_PEM_cert(der_cert_bytes) -> PEM text of a DER certificate."},
    {"PEM_cert_to_DER_cert", KW_FUNC(fn_PEM_cert_to_DER_cert), METH_VARARGS | METH_KEYWORDS,
     "PEM_cert_to_DER_cert(pem_cert_string) -> DER bytes of a PEM certificate."},
    {"_test_decode_cert", fn_test_decode_cert, METH_O,
     "_test_decode_cert(path) -> the getpeercert() dict of a PEM certificate file."},
    {"_inet_paton", fn_inet_paton, METH_O,
     "_inet_paton(ipname) -> packed IPv4 or IPv6 address; ValueError otherwise."},
    {"match_hostname", KW_FUNC(fn_match_hostname), METH_VARARGS | METH_KEYWORDS,
     "match_hostname(cert, hostname): raise CertificateError unless cert covers hostname."},
    {"get_default_verify_paths", fn_get_default_verify_paths, METH_NOARGS,
     "get_default_verify_paths() -> DefaultVerifyPaths of OpenSSL's default CA locations."},
    {"nid2obj", fn_nid2obj, METH_O, "nid2obj(nid) -> (nid, shortname, longname, oid)."},
    {"txt2obj", KW_FUNC(fn_txt2obj), METH_VARARGS | METH_KEYWORDS,
     "txt2obj(txt, name=False) -> (nid, shortname, longname, oid)."},
    {NULL, NULL, 0, NULL},
};

/* collections.namedtuple('DefaultVerifyPaths', ...), the result type of
 * get_default_verify_paths(). */
static PyObject *
make_default_verify_paths_type(void)
{
    PyObject *collections = PyImport_ImportModule("collections");
    if (collections == NULL)
        return NULL;
    PyObject *cls = NULL, *kwargs = Py_BuildValue("{ss}", "module", "sslx");
    if (kwargs) {
        PyObject *namedtuple = PyObject_GetAttrString(collections, "namedtuple");
        PyObject *posargs = Py_BuildValue(
            "(ss)", "DefaultVerifyPaths",
            "cafile capath openssl_cafile_env openssl_cafile openssl_capath_env openssl_capath");
        if (namedtuple && posargs)
            cls = PyObject_Call(namedtuple, posargs, kwargs);
        Py_XDECREF(namedtuple);
        Py_XDECREF(posargs);
        Py_DECREF(kwargs);
    }
    Py_DECREF(collections);
    return cls;
}

int
sslx_functions_setup(PyObject *module, sslx_state *st)
{
    Py_XSETREF(st->DefaultVerifyPaths, make_default_verify_paths_type());
    if (st->DefaultVerifyPaths == NULL
        || PyModule_AddObjectRef(module, "DefaultVerifyPaths", st->DefaultVerifyPaths) < 0)
        return -1;
    return PyModule_AddFunctions(module, functions_methods);
}
