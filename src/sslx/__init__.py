"""sslx - Python's ssl module, implemented in C on OpenSSL 3.

`import sslx as ssl` is meant as a drop-in for the standard library module.
This file only re-exports the C extension and builds the documented enum
classes from its constants; all behaviour lives in sslx._sslx.
"""
from collections import namedtuple as _namedtuple
from enum import Enum as _Enum, IntEnum as _IntEnum, IntFlag as _IntFlag

from sslx import _sslx
from sslx._sslx import *  # noqa: F401,F403
from sslx._sslx import _DEFAULT_CIPHERS, _OPENSSL_API_VERSION  # noqa: F401
from sslx._sslx import (_create_default_https_context, _create_stdlib_context,  # noqa: F401
                        _create_unverified_context)

__version__ = "0.1.0"


def _enum_from_constants(base, name, prefix, strip_prefix=False):
    """An enum class whose members are the extension's constants named
    PREFIX*; the module-level constants become its members."""
    items = [(key, value) for key, value in vars(_sslx).items()
             if key.startswith(prefix) and isinstance(value, int)]
    items.sort(key=lambda kv: (kv[1], kv[0]))
    if strip_prefix:
        items = [(key[len(prefix):], value) for key, value in items]
    cls = base(name, items, module=__name__)
    if not strip_prefix:
        globals().update(cls.__members__)
    return cls


_SSLMethod = _enum_from_constants(_IntEnum, "_SSLMethod", "PROTOCOL_")
Options = _enum_from_constants(_IntFlag, "Options", "OP_")
AlertDescription = _enum_from_constants(_IntEnum, "AlertDescription", "ALERT_DESCRIPTION_")
SSLErrorNumber = _enum_from_constants(_IntEnum, "SSLErrorNumber", "SSL_ERROR_")
VerifyFlags = _enum_from_constants(_IntFlag, "VerifyFlags", "VERIFY_")
VerifyMode = _enum_from_constants(_IntEnum, "VerifyMode", "CERT_")
TLSVersion = _enum_from_constants(_IntEnum, "TLSVersion", "PROTO_", strip_prefix=True)

_sslx._register_enums(VerifyMode=VerifyMode, VerifyFlags=VerifyFlags, Options=Options,
                      TLSVersion=TLSVersion, SSLMethod=_SSLMethod)

PROTOCOL_SSLv23 = PROTOCOL_TLS  # noqa: F405  (the stdlib's alias)
_PROTOCOL_NAMES = {value: name for name, value in _SSLMethod.__members__.items()
                   if name != "PROTOCOL_SSLv23"}


def get_protocol_name(protocol_code):
    return _PROTOCOL_NAMES.get(protocol_code, "<unknown>")


CHANNEL_BINDING_TYPES = ["tls-unique"]
PEM_HEADER = "-----BEGIN CERTIFICATE-----"
PEM_FOOTER = "-----END CERTIFICATE-----"
socket_error = OSError  # the stdlib keeps this alias for old code

DefaultVerifyPaths = _namedtuple(
    "DefaultVerifyPaths",
    "cafile capath openssl_cafile_env openssl_cafile openssl_capath_env openssl_capath")

# PROTO_* are the C names behind TLSVersion; the stdlib does not export them.
for _name in [n for n in globals() if n.startswith("PROTO_")]:
    del globals()[_name]
del _name
