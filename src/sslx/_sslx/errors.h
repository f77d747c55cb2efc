/* errors.h - the one place that turns OpenSSL and system failures into
 * Python exceptions.
 *
 * Discipline for every OpenSSL call that can fail:
 *   ERR_clear_error();  ret = SSL_xxx(...);  err = SSL_get_error(ssl, ret);
 *   (errno saved right after the call, before the GIL is taken again)
 * then one of the functions below.  They always clear the error queue, so
 * no stale error leaks into the next call.  All return NULL, for
 * `return sslx_raise_...(...)` in functions that return PyObject *.
 */
#ifndef SSLX_ERRORS_H
#define SSLX_ERRORS_H

#include "module.h"

/* Values of SSLError.errno (the stdlib's SSLErrorNumber). */
enum {
    SSLX_ERR_NONE = 0,
    SSLX_ERR_SSL = 1,
    SSLX_ERR_WANT_READ = 2,
    SSLX_ERR_WANT_WRITE = 3,
    SSLX_ERR_WANT_X509_LOOKUP = 4,
    SSLX_ERR_SYSCALL = 5,
    SSLX_ERR_ZERO_RETURN = 6,
    SSLX_ERR_WANT_CONNECT = 7,
    SSLX_ERR_EOF = 8,
    SSLX_ERR_INVALID_ERROR_CODE = 10,
};

/* Where an error was raised, appended to messages like the stdlib's
 * "(_ssl.c:1006)" so reports point at our source. */
#define SSLX_HERE __FILE__, __LINE__

/* An SSLError (or `type`, a subclass) from the OpenSSL error queue: the
 * message is "[LIB: REASON] reason text (file:line)", `library` and
 * `reason` are OpenSSL's mnemonics.  With an empty queue, `fallback`
 * is the message.  `type` may be NULL for SSLError. */
PyObject *sslx_raise_from_queue(sslx_state *st, PyObject *type, const char *fallback,
                                const char *file, int line);

/* Same, with a fixed errno value (SSLX_ERR_*) and message, no queue. */
PyObject *sslx_raise_plain(sslx_state *st, PyObject *type, int code, const char *msg,
                           const char *file, int line);

/* Raise the exception for a failed I/O call on a connection:
 *   ssl_err    SSL_get_error(ssl, ret), taken right after the call
 *   ret        the call's return value
 *   sys_errno  errno saved right after the call
 *   hostname   the name or IP being verified (str or NULL), for the
 *              "Hostname mismatch" verify message
 *   transfer   the call was a read or write over a socket: before Python
 *              3.13, a peer that reset the connection or went away is an
 *              EOF in violation of the protocol there, as in the stdlib.
 * Maps want-read/want-write, clean close, EOF in violation of protocol,
 * certificate verification failures (verify_code, verify_message), system
 * errors (OSError from errno) and protocol errors. */
PyObject *sslx_raise_conn_error(sslx_state *st, SSL *ssl, int ssl_err, int ret,
                                int sys_errno, PyObject *hostname, int transfer,
                                const char *file, int line);

/* SSLCertVerificationError for a check sslx makes itself on top of
 * OpenSSL's chain verification (OCSP stapling, ocsp.c): worded like
 * OpenSSL's own failures ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate
 * verify failed: <verify_message>"), with `verify_code` (X509_V_ERR_*)
 * and `verify_message` set. */
PyObject *sslx_raise_verify_failure(sslx_state *st, long verify_code, const char *verify_message,
                                    const char *file, int line);

/* SSLEOFError "EOF occurred in violation of protocol". */
PyObject *sslx_raise_eof_violation(sslx_state *st, const char *file, int line);

/* The stdlib's SSLError for a socket closed before the TLS handshake with
 * bytes in its receive buffer (CVE-2023-40217): errno ENOTCONN, the
 * message as `reason`, no library. */
PyObject *sslx_raise_pre_handshake_data(sslx_state *st);

#endif
