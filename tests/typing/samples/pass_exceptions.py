# typing-sample: compare
"""Ordinary error handling around TLS."""
import socket
import ssl

from typing_extensions import assert_type


def connect(ctx: ssl.SSLContext, host: str) -> str:
    try:
        with socket.create_connection((host, 443)) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as tls:
                return tls.version() or "?"
    except ssl.SSLCertVerificationError as exc:
        code: int = exc.verify_code
        message: str = exc.verify_message
        return f"verify failed: {code} {message} {exc.reason} {exc.library}"
    except ssl.CertificateError as exc:
        assert_type(exc, ssl.SSLCertVerificationError)
        return str(exc)
    except ssl.SSLZeroReturnError:
        return "closed"
    except ssl.SSLEOFError:
        return "eof"
    except ssl.SSLSyscallError as exc:
        return f"syscall {exc.errno}"
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError) as exc:
        return f"want {exc.args}"
    except ssl.SSLError as exc:
        assert_type(exc.library, str)
        assert_type(exc.reason, str)
        return f"{exc.errno} {exc.strerror} {exc.library} {exc.reason}"
    except ssl.socket_error as exc:
        assert_type(exc, OSError)
        return str(exc)


def is_tls_error(exc: BaseException) -> bool:
    if isinstance(exc, ssl.SSLError) and exc.errno == ssl.SSL_ERROR_EOF:
        return True
    return isinstance(exc, (ssl.SSLError, ssl.CertificateError)) and isinstance(exc, OSError)


def reraise(exc: ssl.SSLError) -> None:
    raise ssl.SSLError(exc.errno, "wrapped") from exc


def value_error_too(exc: ssl.SSLCertVerificationError) -> ValueError:
    return exc


def numbers() -> list[int]:
    return [ssl.SSL_ERROR_WANT_READ, ssl.SSL_ERROR_WANT_WRITE, ssl.SSL_ERROR_ZERO_RETURN,
            ssl.SSL_ERROR_SYSCALL, ssl.SSL_ERROR_SSL, ssl.SSLErrorNumber.SSL_ERROR_EOF]
