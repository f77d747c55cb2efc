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
from sslx._sslx import _inet_paton  # noqa: F401
from sslx._sslx import (_create_default_https_context, _create_stdlib_context,  # noqa: F401
                        _create_unverified_context)

__version__ = "0.1.0"


def _constants_enum(base, name, prefix, doc, exclude=()):
    """Build enum `name` from the extension's constants named PREFIX*, with
    Enum's own converter (the one the stdlib modules use), which also turns
    the module-level constants into the enum's members."""
    cls = base._convert_(name, __name__,
                         lambda key: key.startswith(prefix) and key not in exclude,
                         source=_sslx)
    cls.__doc__ = doc
    return cls


_SSLMethod = _constants_enum(
    _IntEnum, "_SSLMethod", "PROTOCOL_",
    "The protocols an SSLContext can be created for (the PROTOCOL_* constants).",
    exclude=("PROTOCOL_SSLv23",))
Options = _constants_enum(
    _IntFlag, "Options", "OP_",
    "OpenSSL options of a context (the OP_* constants), for SSLContext.options.")
AlertDescription = _constants_enum(
    _IntEnum, "AlertDescription", "ALERT_DESCRIPTION_",
    "TLS alert descriptions (the ALERT_DESCRIPTION_* constants); an sni_callback\n"
    "returns one to abort the handshake with that alert.")
SSLErrorNumber = _constants_enum(
    _IntEnum, "SSLErrorNumber", "SSL_ERROR_",
    "The kinds of failure of a TLS operation (the SSL_ERROR_* constants), as\n"
    "found in SSLError.errno.")
VerifyFlags = _constants_enum(
    _IntFlag, "VerifyFlags", "VERIFY_",
    "Certificate verification flags (the VERIFY_* constants), for\n"
    "SSLContext.verify_flags.")
VerifyMode = _constants_enum(
    _IntEnum, "VerifyMode", "CERT_",
    "Whether peers' certificates are verified (the CERT_* constants), for\n"
    "SSLContext.verify_mode.")


class TLSVersion(_IntEnum):
    """TLS protocol versions, for SSLContext.minimum_version and
    maximum_version.  MINIMUM_SUPPORTED and MAXIMUM_SUPPORTED stand for the
    lowest and highest versions OpenSSL supports."""
    MINIMUM_SUPPORTED = _sslx.PROTO_MINIMUM_SUPPORTED
    SSLv3 = _sslx.PROTO_SSLv3
    TLSv1 = _sslx.PROTO_TLSv1
    TLSv1_1 = _sslx.PROTO_TLSv1_1
    TLSv1_2 = _sslx.PROTO_TLSv1_2
    TLSv1_3 = _sslx.PROTO_TLSv1_3
    MAXIMUM_SUPPORTED = _sslx.PROTO_MAXIMUM_SUPPORTED


class _TLSContentType(_IntEnum):
    """TLS record content types (RFC 8446, B.1), for msg_callback."""
    CHANGE_CIPHER_SPEC = 20
    ALERT = 21
    HANDSHAKE = 22
    APPLICATION_DATA = 23
    # pseudo content types
    HEADER = 0x100
    INNER_CONTENT_TYPE = 0x101


class _TLSAlertType(_IntEnum):
    """TLS alert descriptions (RFC 8446, B.2), for msg_callback."""
    CLOSE_NOTIFY = 0
    UNEXPECTED_MESSAGE = 10
    BAD_RECORD_MAC = 20
    DECRYPTION_FAILED = 21
    RECORD_OVERFLOW = 22
    DECOMPRESSION_FAILURE = 30
    HANDSHAKE_FAILURE = 40
    NO_CERTIFICATE = 41
    BAD_CERTIFICATE = 42
    UNSUPPORTED_CERTIFICATE = 43
    CERTIFICATE_REVOKED = 44
    CERTIFICATE_EXPIRED = 45
    CERTIFICATE_UNKNOWN = 46
    ILLEGAL_PARAMETER = 47
    UNKNOWN_CA = 48
    ACCESS_DENIED = 49
    DECODE_ERROR = 50
    DECRYPT_ERROR = 51
    EXPORT_RESTRICTION = 60
    PROTOCOL_VERSION = 70
    INSUFFICIENT_SECURITY = 71
    INTERNAL_ERROR = 80
    INAPPROPRIATE_FALLBACK = 86
    USER_CANCELED = 90
    NO_RENEGOTIATION = 100
    MISSING_EXTENSION = 109
    UNSUPPORTED_EXTENSION = 110
    CERTIFICATE_UNOBTAINABLE = 111
    UNRECOGNIZED_NAME = 112
    BAD_CERTIFICATE_STATUS_RESPONSE = 113
    BAD_CERTIFICATE_HASH_VALUE = 114
    UNKNOWN_PSK_IDENTITY = 115
    CERTIFICATE_REQUIRED = 116
    NO_APPLICATION_PROTOCOL = 120


class _TLSMessageType(_IntEnum):
    """TLS handshake message types (RFC 8446, B.3), for msg_callback."""
    HELLO_REQUEST = 0
    CLIENT_HELLO = 1
    SERVER_HELLO = 2
    HELLO_VERIFY_REQUEST = 3
    NEWSESSION_TICKET = 4
    END_OF_EARLY_DATA = 5
    HELLO_RETRY_REQUEST = 6
    ENCRYPTED_EXTENSIONS = 8
    CERTIFICATE = 11
    SERVER_KEY_EXCHANGE = 12
    CERTIFICATE_REQUEST = 13
    SERVER_DONE = 14
    CERTIFICATE_VERIFY = 15
    CLIENT_KEY_EXCHANGE = 16
    FINISHED = 20
    CERTIFICATE_URL = 21
    CERTIFICATE_STATUS = 22
    SUPPLEMENTAL_DATA = 23
    KEY_UPDATE = 24
    NEXT_PROTO = 67
    MESSAGE_HASH = 254
    CHANGE_CIPHER_SPEC = 0x0101


_sslx._register_enums(VerifyMode=VerifyMode, VerifyFlags=VerifyFlags, Options=Options,
                      TLSVersion=TLSVersion, SSLMethod=_SSLMethod)

# The stdlib keeps PROTOCOL_SSLv23 as an alias outside the enum's members.
_SSLMethod.PROTOCOL_SSLv23 = _SSLMethod.PROTOCOL_TLS
PROTOCOL_SSLv23 = PROTOCOL_TLS  # noqa: F405
_PROTOCOL_NAMES = {value: name for name, value in _SSLMethod.__members__.items()}


def get_protocol_name(protocol_code):
    """Return the name of a PROTOCOL_* value, e.g. 'PROTOCOL_TLS_CLIENT' for
    PROTOCOL_TLS_CLIENT, or '<unknown>' for any other value."""
    return _PROTOCOL_NAMES.get(protocol_code, "<unknown>")


CHANNEL_BINDING_TYPES = ["tls-unique"]
PEM_HEADER = "-----BEGIN CERTIFICATE-----"
PEM_FOOTER = "-----END CERTIFICATE-----"
socket_error = OSError  # the stdlib keeps this alias for old code

_ssl = _sslx  # the stdlib's name for its C module (test_ssl uses ssl._ssl)
_SSLContext = _sslx._SSLContext  # the stdlib's name for its C context type

# Constants the stdlib's ssl module has from `socket` (typeshed declares them).
from socket import SOCK_STREAM, SOL_SOCKET, SO_TYPE  # noqa: E402,F401


class _ASN1Object(_namedtuple("_ASN1Object", "nid shortname longname oid")):
    """An OpenSSL object identifier: (nid, shortname, longname, oid)."""
    __slots__ = ()

    def __new__(cls, oid):
        return tuple.__new__(cls, _sslx.txt2obj(oid, name=False))

    @classmethod
    def fromnid(cls, nid):
        """The object with OpenSSL's numeric identifier nid; ValueError for
        an unknown one."""
        return tuple.__new__(cls, _sslx.nid2obj(nid))

    @classmethod
    def fromname(cls, name):
        """The object with the short or long name (or dotted OID) name, e.g.
        'serverAuth'; ValueError for an unknown one."""
        return tuple.__new__(cls, _sslx.txt2obj(name, name=True))


for _field, _doc in (("nid", "OpenSSL's numeric identifier of the object (int)."),
                     ("shortname", "The object's short name, e.g. 'serverAuth'."),
                     ("longname", "The object's long name, e.g. "
                                  "'TLS Web Server Authentication'."),
                     ("oid", "The object identifier in dotted form, e.g. "
                             "'1.3.6.1.5.5.7.3.1'.")):
    getattr(_ASN1Object, _field).__doc__ = _doc

DefaultVerifyPaths.__doc__ = (  # noqa: F405
    "Where OpenSSL looks for CA certificates, as get_default_verify_paths()\n"
    "reports it.")
for _field, _doc in (
        ("cafile", "The CA file used by default (str), None when it does not exist."),
        ("capath", "The CA directory used by default (str), None when it does not exist."),
        ("openssl_cafile_env", "The environment variable that overrides the CA file."),
        ("openssl_cafile", "The CA file built into OpenSSL."),
        ("openssl_capath_env", "The environment variable that overrides the CA directory."),
        ("openssl_capath", "The CA directory built into OpenSSL.")):
    getattr(DefaultVerifyPaths, _field).__doc__ = _doc  # noqa: F405
del _field, _doc


class Purpose(_ASN1Object, _Enum):
    """Extended key usages for create_default_context()/load_default_certs()."""
    SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
    CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"

# PROTO_* are the C names behind TLSVersion; the stdlib does not export them.
for _name in [n for n in globals() if n.startswith("PROTO_")]:
    del globals()[_name]
del _name

# Swap sslx's objects into the stdlib's `ssl` module and back (a thin
# attribute-swapping layer, see _inject.py).
from sslx._inject import extract_from_ssl, inject_into_ssl  # noqa: E402,F401

# asyncio builds TLS connections over sslx contexts with sslx's C protocol
# (sslx/_asyncio.py says how; SSLX_ASYNCIO=0 turns it off).
from sslx import _asyncio  # noqa: E402,F401
