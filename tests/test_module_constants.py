"""Module-level constants and enums, compared with the stdlib ssl module on
the same interpreter (which links the same OpenSSL).  The exception classes
are test_errors.py's."""
import enum
import ssl as stdlib

import pytest

import sslx
from contexthelpers import STDLIB_HAS_UPSTREAM_DEFAULTS, UPSTREAM_CIPHERS

CONSTANT_PREFIXES = ("CERT_", "VERIFY_", "PROTOCOL_", "OP_", "HAS_", "ALERT_DESCRIPTION_",
                     "SSL_ERROR_", "OPENSSL_VERSION", "HOSTFLAG_")


# Every constant of the running stdlib, newer than the 3.10 spec included,
# is offered with the stdlib's value (HAS_PSK too: tests/test_psk.py).
def stdlib_constant_names():
    return sorted(n for n in dir(stdlib) if n.startswith(CONSTANT_PREFIXES))


@pytest.mark.parametrize("name", stdlib_constant_names())
def test_constant_matches_stdlib(name):
    assert hasattr(sslx, name), name
    ours, theirs = getattr(sslx, name), getattr(stdlib, name)
    assert ours == theirs
    assert type(ours).__name__ == type(theirs).__name__


def test_channel_binding_and_pem_markers():
    assert sslx.CHANNEL_BINDING_TYPES == stdlib.CHANNEL_BINDING_TYPES
    assert sslx.PEM_HEADER == stdlib.PEM_HEADER
    assert sslx.PEM_FOOTER == stdlib.PEM_FOOTER
    # A distribution may build CPython with its own default cipher string
    # (Debian: --with-ssl-default-suites=openssl); sslx keeps upstream's.
    if STDLIB_HAS_UPSTREAM_DEFAULTS:
        assert sslx._DEFAULT_CIPHERS == stdlib._DEFAULT_CIPHERS
    assert sslx._DEFAULT_CIPHERS == UPSTREAM_CIPHERS
    assert sslx._DEFAULT_CIPHERS.startswith("@SECLEVEL=2:ECDH+AESGCM:")


def test_openssl_version_is_the_linked_library():
    assert sslx.OPENSSL_VERSION.startswith("OpenSSL 3.")
    assert sslx.OPENSSL_VERSION_INFO[0] == 3
    major, minor, fix, patch, status = sslx.OPENSSL_VERSION_INFO
    assert sslx.OPENSSL_VERSION_NUMBER >> 28 == major
    assert "%d.%d.%d" % (major, minor, patch) in sslx.OPENSSL_VERSION


ENUMS = [("VerifyMode", enum.IntEnum), ("VerifyFlags", enum.IntFlag), ("Options", enum.IntFlag),
         ("AlertDescription", enum.IntEnum), ("SSLErrorNumber", enum.IntEnum),
         ("TLSVersion", enum.IntEnum), ("_SSLMethod", enum.IntEnum)]


@pytest.mark.parametrize("name,base", ENUMS)
def test_enum_class_matches_stdlib(name, base):
    ours, theirs = getattr(sslx, name), getattr(stdlib, name)
    assert issubclass(ours, base)
    their_members = {k: int(v) for k, v in theirs.__members__.items()}
    our_members = {k: int(v) for k, v in ours.__members__.items()}
    # sslx may know members a newer stdlib has (OP_ENABLE_KTLS); never fewer.
    for key, value in their_members.items():
        assert our_members.get(key) == value, key


def test_module_constants_are_enum_members():
    assert sslx.CERT_REQUIRED is sslx.VerifyMode.CERT_REQUIRED
    assert isinstance(sslx.OP_NO_TLSv1, sslx.Options)
    assert isinstance(sslx.VERIFY_X509_STRICT, sslx.VerifyFlags)
    assert isinstance(sslx.PROTOCOL_TLS_CLIENT, sslx._SSLMethod)
    assert sslx.PROTOCOL_SSLv23 is sslx.PROTOCOL_TLS
    assert sslx.TLSVersion.TLSv1_3 == 0x304
    assert sslx.TLSVersion.MINIMUM_SUPPORTED == -2
    assert not hasattr(sslx, "PROTO_TLSv1_3")


def test_get_protocol_name():
    assert sslx.get_protocol_name(sslx.PROTOCOL_TLS_CLIENT) == "PROTOCOL_TLS_CLIENT"
    assert sslx.get_protocol_name(12345) == "<unknown>"


@pytest.mark.parametrize("name", ["MemoryBIO", "SSLSession"])
def test_c_types_are_immutable_like_the_stdlibs(name):
    with pytest.raises(TypeError, match="immutable type"):
        setattr(getattr(sslx, name), "value", None)


@pytest.mark.parametrize("name", ["SSLContext", "SSLSocket", "SSLObject"])
def test_public_classes_stay_mutable_like_the_stdlibs(name):
    cls = getattr(sslx, name)
    cls.sslx_test_marker = 1
    try:
        assert getattr(stdlib, name) is not cls
        setattr(getattr(stdlib, name), "sslx_test_marker", 1)  # the stdlib allows it too
        delattr(getattr(stdlib, name), "sslx_test_marker")
    finally:
        del cls.sslx_test_marker
