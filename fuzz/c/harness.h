/* harness.h - what every libFuzzer target of sslx shares.
 *
 * Each fuzzer executable embeds CPython with sslx's C extension compiled
 * into it (instrumented for coverage, ASan and UBSan) and registered as the
 * builtin module "sslx._sslx"; the pure-Python package around it comes from
 * the repository's src/ directory.  A target calls sslx only through
 * Python-level names (sslx.cert_time_to_seconds, SSLContext.wrap_bio, ...),
 * never through the extension's internal C functions, so renaming or moving
 * C code does not break the fuzzers.
 *
 * A target (fuzz_<name>.c) defines two functions:
 *
 *   int  fuzz_setup(void);     once, after `import sslx`: build what every
 *                              input reuses.  0, or -1 with a Python error.
 *   void fuzz_one(const uint8_t *data, size_t size);
 *                              one input.  Every call's outcome goes through
 *                              fz_expect() (a documented exception is
 *                              cleared, anything else aborts), and every
 *                              invariant through FZ_CHECK().
 *
 * An abort() is what libFuzzer reports as a crash, with the input saved.
 */
#ifndef SSLX_FUZZ_HARNESS_H
#define SSLX_FUZZ_HARNESS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>

int fuzz_setup(void);
void fuzz_one(const uint8_t *data, size_t size);

/* The sslx package and the standard library's ssl module (the reference
 * sslx is compared with where it promises the stdlib's behaviour). */
extern PyObject *fz_sslx;
extern PyObject *fz_ssl;

/* ---- failing ---- */

/* Print the message (and the pending Python exception, if any) and abort. */
_Noreturn void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define FZ_CHECK(cond, ...) \
    do { \
        if (!(cond)) \
            fz_fail(__VA_ARGS__); \
    } while (0)

/* ---- Python objects for setup (any failure aborts) ---- */

/* obj.name, or an attribute path "a.b.c" (a new reference). */
PyObject *fz_attr(PyObject *obj, const char *path);
/* A tuple of exception classes named by space-separated names: each is
 * looked up in sslx first (SSLError, CertificateError, ...), then in
 * builtins (ValueError, ...). */
PyObject *fz_classes(const char *names);
/* `result` itself; aborts when it is NULL (setup calls that must work). */
PyObject *fz_ok(PyObject *result);

/* ---- outcomes ---- */

/* The outcome of one call: `result` when it succeeded (returned as is).
 * When it is NULL, the pending exception must be an instance of one of
 * `allowed` (a tuple from fz_classes, or NULL for none) and of none of
 * `forbidden` (NULL for none): it is then cleared and NULL returned.
 * Any other exception aborts. */
PyObject *fz_expect(PyObject *result, PyObject *allowed, PyObject *forbidden);

/* The outcome of a call, kept for comparing two implementations: either
 * the value or the exception (its type is what gets compared). */
typedef struct {
    PyObject *value;        /* a new reference, or NULL */
    PyObject *exc_type;     /* a new reference, or NULL */
    PyObject *exc;          /* the exception instance, or NULL */
} fz_result;

/* Take `result` or the pending exception (cleared) into an fz_result. */
fz_result fz_capture(PyObject *result);
/* Calls into the reference implementation (the stdlib) go between these:
 * what they allocate is invisible to LeakSanitizer, since the stdlib's own
 * leaks (CPython 3.11's _ssl leaks on some certificates) are not sslx's
 * findings. */
void fz_reference_begin(void);
void fz_reference_end(void);
/* fn(arg) of the reference implementation, captured. */
fz_result fz_reference(PyObject *fn, PyObject *arg);
void fz_result_clear(fz_result *r);
/* Abort unless `a` (sslx) and `b` (the stdlib) agree: equal values, or
 * exceptions of the same type.  `what` names the call in the report;
 * `input` is the argument both were given. */
void fz_same(const char *what, PyObject *input, const fz_result *a, const fz_result *b);

/* ---- unraisable exceptions ---- */

/* OpenSSL callbacks (SNI, PSK, ...) cannot propagate Python exceptions and
 * report them through sys.unraisablehook.  The harness installs a hook
 * that aborts on every report whose exception is not an instance of the
 * classes set here (default: none allowed). */
void fz_allow_unraisable(PyObject *classes);

/* ---- reading structured inputs ---- */

typedef struct {
    const uint8_t *p;
    size_t n;
} fz_input;

/* The next byte, or 0 once the input is used up. */
unsigned fz_u8(fz_input *in);
/* The next two bytes as a big-endian number (missing bytes count 0). */
unsigned fz_u16(fz_input *in);
/* Up to `want` next bytes; *len gets how many there were. */
const uint8_t *fz_bytes(fz_input *in, size_t want, size_t *len);

/* ---- conversions ---- */

/* The bytes as str: UTF-8 with undecodable bytes as lone surrogates
 * (surrogateescape), so every input is some str. */
PyObject *fz_text(const uint8_t *data, size_t size);

/* A table of `size` bytes whose byte i is i ^ i >> 8 ^ i >> 16 ^ salt:
 * payloads that depend on their position in a stream, so that a byte
 * delivered out of place shows.  Made once here, where nothing is traced
 * for libFuzzer (filled per write in a target, the comparison per byte was
 * over half of memorybio's time).  Exits when out of memory. */
const uint8_t *fz_position_table(size_t size, uint8_t salt);

#endif
