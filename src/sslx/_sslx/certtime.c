/* certtime.c - cert_time_to_seconds(): a certificate time string such as
 * "May  9 00:00:00 2007 GMT" to seconds since the epoch, parsed by hand
 * with the stdlib's rules and error messages. */
#include <string.h>
#include "module.h"

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
        /* The words of the interpreter's own datetime, which the stdlib
         * goes through. */
#if PY_VERSION_HEX >= 0x030E0000
        PyErr_SetString(PyExc_ValueError, "year must be in 1..9999, not 0");
#else
        PyErr_SetString(PyExc_ValueError, "year 0 is out of range");
#endif
        goto done;
    }
    long long days = days_from_civil(t.year, month) + t.day - 1;
    result = PyLong_FromLongLong(((days * 24 + t.hour) * 60 + t.minute) * 60 + t.second);
done:
    Py_XDECREF(prefix);
    Py_XDECREF(rest);
    return result;
}

PyDoc_STRVAR(cert_time_to_seconds_doc,
"cert_time_to_seconds($module, /, cert_time)\n--\n\n"
"Return the seconds since the epoch (int) of a certificate time.\n\n"
"cert_time is a str such as 'May  9 00:00:00 2007 GMT', the form of the\n"
"notBefore and notAfter fields of getpeercert(); the time is UTC.\n"
"Raises ValueError for text in another form, TypeError for a non-str.");

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

static PyMethodDef certtime_functions[] = {
    {"cert_time_to_seconds", SSLX_KW_METHOD(fn_cert_time_to_seconds),
     METH_VARARGS | METH_KEYWORDS, cert_time_to_seconds_doc},
    {NULL, NULL, 0, NULL},
};

int
sslx_certtime_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, certtime_functions);
}
