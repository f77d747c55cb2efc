"""Shared by the SSLContext tests (test_context*.py): comparing an operation's
outcome on the stdlib and on sslx, contexts of both for one protocol.  (Their
fixtures `client`, `server` and `no_keylog_env` are in conftest.py.)"""
import ssl as stdlib_ssl
import warnings

import sslx

STDLIB_PROTOCOL_NAMES = ["PROTOCOL_TLS", "PROTOCOL_TLS_CLIENT", "PROTOCOL_TLS_SERVER",
                         "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1", "PROTOCOL_TLSv1_2"]
PROTOCOL_NAMES = [n for n in STDLIB_PROTOCOL_NAMES if hasattr(sslx, n)]
SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1"


def outcome(func, *args, **kwargs):
    """(result or exception type, warnings as (category, message))."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - compared, not swallowed
            result = type(exc)
    return result, [(w.category, str(w.message)) for w in caught]


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return func(*args, **kwargs)


# Some distributions (Debian among them) build CPython with
# --with-ssl-default-suites=openssl: the stdlib's contexts then keep
# OpenSSL's cipher list and set no minimum version.  sslx keeps upstream
# CPython's defaults on every interpreter (docs/differences.md), so on such a
# build the stdlib's contexts are given upstream's defaults before they are
# compared with sslx's.
UPSTREAM_CIPHERS = sslx._DEFAULT_CIPHERS
STDLIB_HAS_UPSTREAM_DEFAULTS = stdlib_ssl._DEFAULT_CIPHERS == UPSTREAM_CIPHERS
FLEXIBLE_PROTOCOLS = {stdlib_ssl.PROTOCOL_TLS, stdlib_ssl.PROTOCOL_TLS_CLIENT,
                      stdlib_ssl.PROTOCOL_TLS_SERVER}


def with_upstream_defaults(ctx):
    """`ctx`, a fresh stdlib context, as upstream CPython would have made it
    (unchanged on an upstream build)."""
    if not STDLIB_HAS_UPSTREAM_DEFAULTS:
        ctx.set_ciphers(UPSTREAM_CIPHERS)
        if ctx.protocol in FLEXIBLE_PROTOCOLS:
            ctx.minimum_version = stdlib_ssl.TLSVersion.TLSv1_2
    return ctx


def both(stdlib_ssl, protocol_name):
    """A context of each module for the same protocol (the stdlib's with
    upstream's defaults, see above)."""
    return (with_upstream_defaults(quiet(stdlib_ssl.SSLContext,
                                         getattr(stdlib_ssl, protocol_name))),
            quiet(sslx.SSLContext, getattr(sslx, protocol_name)))


def first_cert_der(path):
    """The DER bytes of the first certificate in a PEM file."""
    with open(path) as f:
        text = f.read()
    begin = text.index("-----BEGIN CERTIFICATE-----")
    end = text.index("-----END CERTIFICATE-----", begin) + len("-----END CERTIFICATE-----")
    return stdlib_ssl.PEM_cert_to_DER_cert(text[begin:end])
