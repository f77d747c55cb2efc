# Type stubs for sslx, the C implementation of Python's ssl module.
#
# Where sslx's objects are the stdlib's (the exceptions), the stubs import
# the stdlib's names.  SSLContext, SSLSocket and SSLObject are subclasses of
# the stdlib's classes at runtime, so they are declared as such and inherit
# the stdlib's signatures (from the ssl stubs the type checker ships); only
# what sslx changes or adds is declared here.  The enums, MemoryBIO,
# SSLSession and DefaultVerifyPaths are sslx's own classes.
#
# sslx has the API of the newest supported Python on every Python: names
# the stdlib gained in 3.13-3.15 (PSK callbacks, certificate chains,
# groups, signature algorithms, HAS_PSK, HAS_PHA...) are declared here
# without version conditions, as are the functions 3.12 removed from the
# stdlib (wrap_socket, match_hostname, RAND_pseudo_bytes), which sslx
# keeps (deprecated) because its specification is the 3.10 API.
import datetime
import enum
import socket
import ssl as _stdlib
from _typeshed import ReadableBuffer, StrOrBytesPath
from collections.abc import Callable
from typing import Final, NamedTuple, TypeAlias, final, type_check_only
from typing_extensions import Self, deprecated, disjoint_base

# The exceptions are the stdlib's own classes.
from ssl import (
    CertificateError as CertificateError,
    SSLCertVerificationError as SSLCertVerificationError,
    SSLEOFError as SSLEOFError,
    SSLError as SSLError,
    SSLSyscallError as SSLSyscallError,
    SSLWantReadError as SSLWantReadError,
    SSLWantWriteError as SSLWantWriteError,
    SSLZeroReturnError as SSLZeroReturnError,
)

__version__: str

socket_error = OSError

# Constants the stdlib's ssl module has from `socket`.
from socket import SOCK_STREAM as SOCK_STREAM, SOL_SOCKET as SOL_SOCKET, SO_TYPE as SO_TYPE

# What getpeercert() and get_ca_certs() return as a dict: each value is a
# string, or a tuple of RDNs (each a tuple of (name, value) pairs), or a
# tuple of such pairs.  (The union is in the order the stdlib's stubs use,
# so that mypy's messages read the same for both modules.)
_NamePairs: TypeAlias = tuple[tuple[str, str], ...]
_CertDict: TypeAlias = dict[str, str | tuple[_NamePairs, ...] | _NamePairs]

# ---------------------------------------------------------------- enums

class VerifyMode(enum.IntEnum):
    CERT_NONE = 0
    CERT_OPTIONAL = 1
    CERT_REQUIRED = 2

class VerifyFlags(enum.IntFlag):
    VERIFY_DEFAULT = 0
    VERIFY_CRL_CHECK_LEAF = 0x4
    VERIFY_CRL_CHECK_CHAIN = 0xC
    VERIFY_X509_STRICT = 0x20
    VERIFY_ALLOW_PROXY_CERTS = 0x40
    VERIFY_X509_TRUSTED_FIRST = 0x8000
    VERIFY_X509_PARTIAL_CHAIN = 0x80000

class Options(enum.IntFlag):
    OP_ALL = ...  # depends on the OpenSSL version
    OP_NO_SSLv2 = 0
    OP_LEGACY_SERVER_CONNECT = 0x4
    OP_ENABLE_KTLS = 0x8
    OP_IGNORE_UNEXPECTED_EOF = 0x80
    OP_NO_TICKET = 0x4000
    OP_NO_COMPRESSION = 0x20000
    OP_ENABLE_MIDDLEBOX_COMPAT = 0x100000
    OP_CIPHER_SERVER_PREFERENCE = 0x400000
    OP_NO_SSLv3 = 0x2000000
    OP_NO_TLSv1 = 0x4000000
    OP_NO_TLSv1_2 = 0x8000000
    OP_NO_TLSv1_1 = 0x10000000
    OP_NO_TLSv1_3 = 0x20000000
    OP_NO_RENEGOTIATION = 0x40000000
    OP_SINGLE_DH_USE = 0
    OP_SINGLE_ECDH_USE = 0

class _SSLMethod(enum.IntEnum):
    PROTOCOL_TLS = 2
    PROTOCOL_SSLv23 = 2
    PROTOCOL_TLSv1 = 3
    PROTOCOL_TLSv1_1 = 4
    PROTOCOL_TLSv1_2 = 5
    PROTOCOL_TLS_CLIENT = 16
    PROTOCOL_TLS_SERVER = 17

class TLSVersion(enum.IntEnum):
    MINIMUM_SUPPORTED = -2
    MAXIMUM_SUPPORTED = -1
    SSLv3 = 0x300
    TLSv1 = 0x301
    TLSv1_1 = 0x302
    TLSv1_2 = 0x303
    TLSv1_3 = 0x304

class AlertDescription(enum.IntEnum):
    ALERT_DESCRIPTION_CLOSE_NOTIFY = 0
    ALERT_DESCRIPTION_UNEXPECTED_MESSAGE = 10
    ALERT_DESCRIPTION_BAD_RECORD_MAC = 20
    ALERT_DESCRIPTION_RECORD_OVERFLOW = 22
    ALERT_DESCRIPTION_DECOMPRESSION_FAILURE = 30
    ALERT_DESCRIPTION_HANDSHAKE_FAILURE = 40
    ALERT_DESCRIPTION_BAD_CERTIFICATE = 42
    ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE = 43
    ALERT_DESCRIPTION_CERTIFICATE_REVOKED = 44
    ALERT_DESCRIPTION_CERTIFICATE_EXPIRED = 45
    ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN = 46
    ALERT_DESCRIPTION_ILLEGAL_PARAMETER = 47
    ALERT_DESCRIPTION_UNKNOWN_CA = 48
    ALERT_DESCRIPTION_ACCESS_DENIED = 49
    ALERT_DESCRIPTION_DECODE_ERROR = 50
    ALERT_DESCRIPTION_DECRYPT_ERROR = 51
    ALERT_DESCRIPTION_PROTOCOL_VERSION = 70
    ALERT_DESCRIPTION_INSUFFICIENT_SECURITY = 71
    ALERT_DESCRIPTION_INTERNAL_ERROR = 80
    ALERT_DESCRIPTION_USER_CANCELLED = 90
    ALERT_DESCRIPTION_NO_RENEGOTIATION = 100
    ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION = 110
    ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE = 111
    ALERT_DESCRIPTION_UNRECOGNIZED_NAME = 112
    ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE = 113
    ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE = 114
    ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY = 115

class SSLErrorNumber(enum.IntEnum):
    SSL_ERROR_SSL = 1
    SSL_ERROR_WANT_READ = 2
    SSL_ERROR_WANT_WRITE = 3
    SSL_ERROR_WANT_X509_LOOKUP = 4
    SSL_ERROR_SYSCALL = 5
    SSL_ERROR_ZERO_RETURN = 6
    SSL_ERROR_WANT_CONNECT = 7
    SSL_ERROR_EOF = 8
    SSL_ERROR_INVALID_ERROR_CODE = 10

# The enum members are also module constants.
CERT_NONE: Final = VerifyMode.CERT_NONE
CERT_OPTIONAL: Final = VerifyMode.CERT_OPTIONAL
CERT_REQUIRED: Final = VerifyMode.CERT_REQUIRED

VERIFY_DEFAULT: Final = VerifyFlags.VERIFY_DEFAULT
VERIFY_CRL_CHECK_LEAF: Final = VerifyFlags.VERIFY_CRL_CHECK_LEAF
VERIFY_CRL_CHECK_CHAIN: Final = VerifyFlags.VERIFY_CRL_CHECK_CHAIN
VERIFY_X509_STRICT: Final = VerifyFlags.VERIFY_X509_STRICT
VERIFY_ALLOW_PROXY_CERTS: Final = VerifyFlags.VERIFY_ALLOW_PROXY_CERTS
VERIFY_X509_TRUSTED_FIRST: Final = VerifyFlags.VERIFY_X509_TRUSTED_FIRST
VERIFY_X509_PARTIAL_CHAIN: Final = VerifyFlags.VERIFY_X509_PARTIAL_CHAIN

OP_ALL: Final = Options.OP_ALL
OP_NO_SSLv2: Final = Options.OP_NO_SSLv2
OP_NO_SSLv3: Final = Options.OP_NO_SSLv3
OP_NO_TLSv1: Final = Options.OP_NO_TLSv1
OP_NO_TLSv1_1: Final = Options.OP_NO_TLSv1_1
OP_NO_TLSv1_2: Final = Options.OP_NO_TLSv1_2
OP_NO_TLSv1_3: Final = Options.OP_NO_TLSv1_3
OP_CIPHER_SERVER_PREFERENCE: Final = Options.OP_CIPHER_SERVER_PREFERENCE
OP_SINGLE_DH_USE: Final = Options.OP_SINGLE_DH_USE
OP_SINGLE_ECDH_USE: Final = Options.OP_SINGLE_ECDH_USE
OP_NO_COMPRESSION: Final = Options.OP_NO_COMPRESSION
OP_NO_TICKET: Final = Options.OP_NO_TICKET
OP_NO_RENEGOTIATION: Final = Options.OP_NO_RENEGOTIATION
OP_ENABLE_MIDDLEBOX_COMPAT: Final = Options.OP_ENABLE_MIDDLEBOX_COMPAT
OP_IGNORE_UNEXPECTED_EOF: Final = Options.OP_IGNORE_UNEXPECTED_EOF
OP_LEGACY_SERVER_CONNECT: Final = Options.OP_LEGACY_SERVER_CONNECT
OP_ENABLE_KTLS: Final = Options.OP_ENABLE_KTLS

PROTOCOL_TLS: Final = _SSLMethod.PROTOCOL_TLS
PROTOCOL_SSLv23: Final = _SSLMethod.PROTOCOL_SSLv23
PROTOCOL_TLSv1: Final = _SSLMethod.PROTOCOL_TLSv1
PROTOCOL_TLSv1_1: Final = _SSLMethod.PROTOCOL_TLSv1_1
PROTOCOL_TLSv1_2: Final = _SSLMethod.PROTOCOL_TLSv1_2
PROTOCOL_TLS_CLIENT: Final = _SSLMethod.PROTOCOL_TLS_CLIENT
PROTOCOL_TLS_SERVER: Final = _SSLMethod.PROTOCOL_TLS_SERVER

ALERT_DESCRIPTION_CLOSE_NOTIFY: Final = AlertDescription.ALERT_DESCRIPTION_CLOSE_NOTIFY
ALERT_DESCRIPTION_UNEXPECTED_MESSAGE: Final = AlertDescription.ALERT_DESCRIPTION_UNEXPECTED_MESSAGE
ALERT_DESCRIPTION_BAD_RECORD_MAC: Final = AlertDescription.ALERT_DESCRIPTION_BAD_RECORD_MAC
ALERT_DESCRIPTION_RECORD_OVERFLOW: Final = AlertDescription.ALERT_DESCRIPTION_RECORD_OVERFLOW
ALERT_DESCRIPTION_DECOMPRESSION_FAILURE: Final = AlertDescription.ALERT_DESCRIPTION_DECOMPRESSION_FAILURE
ALERT_DESCRIPTION_HANDSHAKE_FAILURE: Final = AlertDescription.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
ALERT_DESCRIPTION_BAD_CERTIFICATE: Final = AlertDescription.ALERT_DESCRIPTION_BAD_CERTIFICATE
ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE: Final = AlertDescription.ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE
ALERT_DESCRIPTION_CERTIFICATE_REVOKED: Final = AlertDescription.ALERT_DESCRIPTION_CERTIFICATE_REVOKED
ALERT_DESCRIPTION_CERTIFICATE_EXPIRED: Final = AlertDescription.ALERT_DESCRIPTION_CERTIFICATE_EXPIRED
ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN: Final = AlertDescription.ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN
ALERT_DESCRIPTION_ILLEGAL_PARAMETER: Final = AlertDescription.ALERT_DESCRIPTION_ILLEGAL_PARAMETER
ALERT_DESCRIPTION_UNKNOWN_CA: Final = AlertDescription.ALERT_DESCRIPTION_UNKNOWN_CA
ALERT_DESCRIPTION_ACCESS_DENIED: Final = AlertDescription.ALERT_DESCRIPTION_ACCESS_DENIED
ALERT_DESCRIPTION_DECODE_ERROR: Final = AlertDescription.ALERT_DESCRIPTION_DECODE_ERROR
ALERT_DESCRIPTION_DECRYPT_ERROR: Final = AlertDescription.ALERT_DESCRIPTION_DECRYPT_ERROR
ALERT_DESCRIPTION_PROTOCOL_VERSION: Final = AlertDescription.ALERT_DESCRIPTION_PROTOCOL_VERSION
ALERT_DESCRIPTION_INSUFFICIENT_SECURITY: Final = AlertDescription.ALERT_DESCRIPTION_INSUFFICIENT_SECURITY
ALERT_DESCRIPTION_INTERNAL_ERROR: Final = AlertDescription.ALERT_DESCRIPTION_INTERNAL_ERROR
ALERT_DESCRIPTION_USER_CANCELLED: Final = AlertDescription.ALERT_DESCRIPTION_USER_CANCELLED
ALERT_DESCRIPTION_NO_RENEGOTIATION: Final = AlertDescription.ALERT_DESCRIPTION_NO_RENEGOTIATION
ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION: Final = AlertDescription.ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION
ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE: Final = AlertDescription.ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE
ALERT_DESCRIPTION_UNRECOGNIZED_NAME: Final = AlertDescription.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE: Final = (
    AlertDescription.ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE
)
ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE: Final = AlertDescription.ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE
ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY: Final = AlertDescription.ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY

SSL_ERROR_SSL: Final = SSLErrorNumber.SSL_ERROR_SSL
SSL_ERROR_WANT_READ: Final = SSLErrorNumber.SSL_ERROR_WANT_READ
SSL_ERROR_WANT_WRITE: Final = SSLErrorNumber.SSL_ERROR_WANT_WRITE
SSL_ERROR_WANT_X509_LOOKUP: Final = SSLErrorNumber.SSL_ERROR_WANT_X509_LOOKUP
SSL_ERROR_SYSCALL: Final = SSLErrorNumber.SSL_ERROR_SYSCALL
SSL_ERROR_ZERO_RETURN: Final = SSLErrorNumber.SSL_ERROR_ZERO_RETURN
SSL_ERROR_WANT_CONNECT: Final = SSLErrorNumber.SSL_ERROR_WANT_CONNECT
SSL_ERROR_EOF: Final = SSLErrorNumber.SSL_ERROR_EOF
SSL_ERROR_INVALID_ERROR_CODE: Final = SSLErrorNumber.SSL_ERROR_INVALID_ERROR_CODE

# ---------------------------------------------------------------- other constants

# Features of the OpenSSL sslx runs on.
HAS_SNI: Final[bool]
HAS_ALPN: Final[bool]
HAS_NPN: Final[bool]
HAS_ECDH: Final[bool]
HAS_NEVER_CHECK_COMMON_NAME: Final[bool]
HAS_SSLv2: Final[bool]
HAS_SSLv3: Final[bool]
HAS_TLSv1: Final[bool]
HAS_TLSv1_1: Final[bool]
HAS_TLSv1_2: Final[bool]
HAS_TLSv1_3: Final[bool]
HAS_TLS_UNIQUE: Final[bool]
HAS_PSK: Final[bool]
HAS_PSK_TLS13: Final[bool]
HAS_PHA: Final[bool]

OPENSSL_VERSION: Final[str]
OPENSSL_VERSION_INFO: Final[tuple[int, int, int, int, int]]
OPENSSL_VERSION_NUMBER: Final[int]
_OPENSSL_API_VERSION: Final[tuple[int, int, int, int, int]]
_DEFAULT_CIPHERS: Final[str]

CHANNEL_BINDING_TYPES: Final[list[str]]
PEM_HEADER: Final[str]
PEM_FOOTER: Final[str]

# Formats of certificate encodings (as in the stdlib's _ssl module).
ENCODING_PEM: Final = 1
ENCODING_DER: Final = 2

# Host name checking flags of OpenSSL (as in the stdlib's _ssl module).
HOSTFLAG_ALWAYS_CHECK_SUBJECT: Final = 0x1
HOSTFLAG_NO_WILDCARDS: Final = 0x2
HOSTFLAG_NO_PARTIAL_WILDCARDS: Final = 0x4
HOSTFLAG_MULTI_LABEL_WILDCARDS: Final = 0x8
HOSTFLAG_SINGLE_LABEL_SUBDOMAINS: Final = 0x10
HOSTFLAG_NEVER_CHECK_SUBJECT: Final = 0x20

# OpenSSL's error library and reason codes, by number.
err_codes_to_names: dict[tuple[int, int], str]
lib_codes_to_names: dict[int, str]

# ---------------------------------------------------------------- object identifiers

@type_check_only
class _ASN1Fields(NamedTuple):
    nid: int
    shortname: str
    longname: str
    oid: str

class _ASN1Object(_ASN1Fields):
    def __new__(cls, oid: str) -> Self: ...
    @classmethod
    def fromnid(cls, nid: int) -> Self: ...
    @classmethod
    def fromname(cls, name: str) -> Self: ...

class Purpose(_ASN1Object, enum.Enum):
    # An enum's members are made with Enum's own __new__, not _ASN1Object's.
    def __new__(cls, value: object) -> Self: ...
    SERVER_AUTH = (129, "serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1")
    CLIENT_AUTH = (130, "clientAuth", "TLS Web Client Authentication", "1.3.6.1.5.5.7.3.2")

# Where sslx wants a Purpose it takes the stdlib's as well.
_AnyPurpose: TypeAlias = Purpose | _stdlib.Purpose

def txt2obj(txt: str, name: bool = False) -> tuple[int, str, str, str]: ...
def nid2obj(nid: int, /) -> tuple[int, str, str, str]: ...

# ---------------------------------------------------------------- small classes

class DefaultVerifyPaths(NamedTuple):
    cafile: str
    capath: str
    openssl_cafile_env: str
    openssl_cafile: str
    openssl_capath_env: str
    openssl_capath: str

@final
class MemoryBIO:
    @property
    def pending(self) -> int: ...
    @property
    def eof(self) -> bool: ...
    def __new__(cls) -> Self: ...
    def read(self, size: int = -1, /) -> bytes: ...
    def write(self, b: ReadableBuffer, /) -> int: ...
    def write_eof(self) -> None: ...

# A MemoryBIO of sslx or of the stdlib: SSLContext.wrap_bio() takes both.
_AnyMemoryBIO: TypeAlias = MemoryBIO | _stdlib.MemoryBIO

@final
class SSLSession:
    __hash__: None  # type: ignore[assignment]
    @property
    def id(self) -> bytes: ...
    @property
    def time(self) -> int: ...
    @property
    def timeout(self) -> int: ...
    @property
    def ticket_lifetime_hint(self) -> int: ...
    @property
    def has_ticket(self) -> bool: ...

# ---------------------------------------------------------------- callbacks

# The shapes the stdlib's stubs give these callbacks, with sslx's classes,
# so that a callback typed for either module fits.  (At runtime the third
# argument of a servername callback is the SSLContext; the stdlib's stubs
# say SSLSocket, and sslx's follow them rather than reject what they accept.)
_SNICallback: TypeAlias = Callable[[SSLObject, str, SSLContext], int | None]
_ServernameCallback: TypeAlias = Callable[[SSLSocket | SSLObject, str | None, SSLSocket], int | None]
_PSKClientCallback: TypeAlias = Callable[[str | None], tuple[str | None, bytes]]
_PasswordType: TypeAlias = Callable[[], str | bytes | bytearray] | str | bytes | bytearray
_PSKServerCallback: TypeAlias = Callable[[str | None], bytes]

# ---------------------------------------------------------------- SSLContext

@disjoint_base
class SSLContext(_stdlib.SSLContext):
    # sslx's context reports and takes its settings as sslx's enums (the
    # stdlib's are other classes with the same members).
    options: Options  # type: ignore[assignment]
    verify_flags: VerifyFlags  # type: ignore[assignment]
    verify_mode: VerifyMode  # type: ignore[assignment]
    minimum_version: TLSVersion  # type: ignore[assignment]
    maximum_version: TLSVersion  # type: ignore[assignment]
    @property
    def protocol(self) -> _SSLMethod: ...  # type: ignore[override]
    sslobject_class: type[SSLObject]
    sslsocket_class: type[SSLSocket]
    sni_callback: _SNICallback | None  # type: ignore[assignment]

    def load_default_certs(self, purpose: _AnyPurpose = ...) -> None: ...
    def set_servername_callback(self, server_name_callback: _ServernameCallback | None) -> None: ...
    def wrap_socket(  # type: ignore[override]
        self,
        sock: socket.socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: SSLSession | None = None,
    ) -> SSLSocket: ...
    def wrap_bio(  # type: ignore[override]
        self,
        incoming: _AnyMemoryBIO,
        outgoing: _AnyMemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: SSLSession | None = None,
    ) -> SSLObject: ...

    # Python 3.13's API, on every Python.
    def set_psk_client_callback(self, callback: _PSKClientCallback | None) -> None: ...
    def set_psk_server_callback(
        self, callback: _PSKServerCallback | None, identity_hint: str | None = None
    ) -> None: ...

    # Python 3.15's API, on every Python.
    def set_ciphersuites(self, ciphersuites: str, /) -> None: ...
    def get_groups(self, /, *, include_aliases: bool = False) -> list[str]: ...
    def set_groups(self, grouplist: str, /) -> None: ...
    def set_client_sigalgs(self, sigalgslist: str, /) -> None: ...
    def set_server_sigalgs(self, sigalgslist: str, /) -> None: ...

    # Beyond the stdlib (docs/features/).
    def load_cert_chain(  # type: ignore[override]
        self,
        certfile: StrOrBytesPath | None = None,
        keyfile: StrOrBytesPath | None = None,
        password: _PasswordType | None = None,
        *,
        certdata: str | ReadableBuffer | None = None,
        keydata: str | ReadableBuffer | None = None,
    ) -> None: ...
    def load_pkcs12(self, data: ReadableBuffer, password: _PasswordType | None = None) -> None: ...
    def set_ocsp_response(
        self, response: ReadableBuffer | Callable[[SSLSocket | SSLObject], bytes | None] | None, /
    ) -> None: ...
    request_ocsp_stapling: bool
    verify_ocsp_stapling: bool
    client_session_cache: bool

# ---------------------------------------------------------------- connections

@disjoint_base
class SSLSocket(_stdlib.SSLSocket):
    context: SSLContext
    session: SSLSession | None  # type: ignore[assignment]
    do_handshake_on_connect: bool
    suppress_ragged_eofs: bool
    def accept(self) -> tuple[SSLSocket, socket._RetAddress]: ...

    # Python 3.13's API, on every Python.
    def get_verified_chain(self) -> list[bytes]: ...
    def get_unverified_chain(self) -> list[bytes]: ...

    # Python 3.15's API, on every Python.
    def group(self) -> str | None: ...
    def client_sigalg(self) -> str | None: ...
    def server_sigalg(self) -> str | None: ...

    # Beyond the stdlib (docs/features/).
    def export_keying_material(
        self, label: str | ReadableBuffer, length: int, context: ReadableBuffer | None = None
    ) -> bytes: ...
    def ocsp_response(self) -> bytes | None: ...

@disjoint_base
class SSLObject(_stdlib.SSLObject):
    context: SSLContext
    session: SSLSession | None  # type: ignore[assignment]

    # Python 3.13's API, on every Python.
    def get_verified_chain(self) -> list[bytes]: ...
    def get_unverified_chain(self) -> list[bytes]: ...

    # Python 3.15's API, on every Python.
    def group(self) -> str | None: ...
    def client_sigalg(self) -> str | None: ...
    def server_sigalg(self) -> str | None: ...

    # Beyond the stdlib (docs/features/).
    def export_keying_material(
        self, label: str | ReadableBuffer, length: int, context: ReadableBuffer | None = None
    ) -> bytes: ...
    def ocsp_response(self) -> bytes | None: ...

# ---------------------------------------------------------------- Certificate

@final
class Certificate:
    """A certificate (docs/features/certificate.md); equal and hashed by its DER."""
    @classmethod
    def from_pem(cls, data: str | ReadableBuffer, /) -> Certificate: ...
    @classmethod
    def from_der(cls, data: ReadableBuffer, /) -> Certificate: ...
    def public_bytes(self, encoding: int = ..., *, format: int | None = None) -> str | bytes: ...
    def get_info(self) -> _CertDict: ...
    def fingerprint(self, algorithm: str = "sha256") -> bytes: ...
    @property
    def subject(self) -> tuple[_NamePairs, ...]: ...
    @property
    def issuer(self) -> tuple[_NamePairs, ...]: ...
    @property
    def serial_number(self) -> int: ...
    @property
    def not_valid_before(self) -> datetime.datetime: ...
    @property
    def not_valid_after(self) -> datetime.datetime: ...
    @property
    def subject_alt_names(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def public_key_der(self) -> bytes: ...
    @property
    def is_ca(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

# ---------------------------------------------------------------- functions

def create_default_context(
    purpose: _AnyPurpose = ...,
    *,
    cafile: StrOrBytesPath | None = None,
    capath: StrOrBytesPath | None = None,
    cadata: str | ReadableBuffer | None = None,
) -> SSLContext: ...
def _create_unverified_context(
    protocol: int | None = None,
    *,
    cert_reqs: int = ...,
    check_hostname: bool = False,
    purpose: _AnyPurpose = ...,
    certfile: StrOrBytesPath | None = None,
    keyfile: StrOrBytesPath | None = None,
    cafile: StrOrBytesPath | None = None,
    capath: StrOrBytesPath | None = None,
    cadata: str | ReadableBuffer | None = None,
) -> SSLContext: ...

_create_stdlib_context = _create_unverified_context
_create_default_https_context = create_default_context

def get_server_certificate(
    addr: tuple[str, int], ssl_version: int = ..., ca_certs: str | None = None, timeout: float | None = ...
) -> str: ...
@deprecated("Deprecated since Python 3.7 (the stdlib removed it in 3.12). Use SSLContext.wrap_socket().")
def wrap_socket(
    sock: socket.socket,
    keyfile: StrOrBytesPath | None = None,
    certfile: StrOrBytesPath | None = None,
    server_side: bool = False,
    cert_reqs: int = ...,
    ssl_version: int = ...,
    ca_certs: str | None = None,
    do_handshake_on_connect: bool = True,
    suppress_ragged_eofs: bool = True,
    ciphers: str | None = None,
) -> SSLSocket: ...
@deprecated("Deprecated since Python 3.7 (the stdlib removed it in 3.12); SSLContext checks host names itself.")
def match_hostname(cert: _CertDict, hostname: str) -> None: ...
def cert_time_to_seconds(cert_time: str) -> int: ...
def DER_cert_to_PEM_cert(der_cert_bytes: ReadableBuffer) -> str: ...
def PEM_cert_to_DER_cert(pem_cert_string: str) -> bytes: ...
def get_default_verify_paths() -> DefaultVerifyPaths: ...
def get_protocol_name(protocol_code: int) -> str: ...
def get_sigalgs() -> list[str]: ...

def RAND_add(string: str | ReadableBuffer, entropy: float, /) -> None: ...
def RAND_bytes(n: int, /) -> bytes: ...
def RAND_status() -> bool: ...
@deprecated("Deprecated since Python 3.6 (the stdlib removed it in 3.12). Use RAND_bytes().")
def RAND_pseudo_bytes(n: int, /) -> tuple[bytes, bool]: ...

# Make the stdlib's ssl module use sslx, and undo it.
def inject_into_ssl() -> None: ...
def extract_from_ssl() -> None: ...
