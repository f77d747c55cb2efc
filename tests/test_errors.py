"""errors.c: the one place where OpenSSL and system failures become Python
exceptions.  The classes are the stdlib's own (so `except ssl.SSLError` in
code written for the stdlib catches sslx's); each exception carries the
stdlib's errno, library, reason, verify_code and verify_message, and its
message reads "[LIB: REASON] text (file.c:line)" (or "[LIB] text", or the
text alone); the library and reason names come from the module's
lib_codes_to_names / err_codes_to_names tables.

Each failure below is provoked on sslx and on the stdlib of the same
interpreter, and the exceptions are compared.
"""
import re
import socket
import ssl as stdlib_ssl
import sys
import threading

import pytest

import sslx
from implementations import MODULES
from memhelpers import MemoryPair, make_contexts

LOCATION = re.compile(r" \(\w+\.c:\d+\)$")


# ---- the classes ----

class TestExceptions:
    NAMES = ["SSLError", "SSLZeroReturnError", "SSLWantReadError", "SSLWantWriteError",
             "SSLSyscallError", "SSLEOFError", "SSLCertVerificationError"]

    @pytest.mark.parametrize("name", NAMES)
    def test_is_the_stdlib_class_so_stdlib_code_catches_it(self, name):
        assert issubclass(getattr(sslx, name), getattr(stdlib_ssl, name))

    def test_hierarchy(self):
        assert issubclass(sslx.SSLError, OSError)
        for name in self.NAMES[1:]:
            assert issubclass(getattr(sslx, name), sslx.SSLError)
        assert issubclass(sslx.SSLCertVerificationError, ValueError)
        assert sslx.CertificateError is sslx.SSLCertVerificationError

    def test_str_and_errno_shape(self):
        e = sslx.SSLError(1, "some message")
        assert str(e) == "some message"
        assert e.errno == 1 and e.strerror == "some message"

    @pytest.mark.parametrize("content", ["not a certificate\n", ""])
    def test_library_reason_errno_like_stdlib(self, tmp_path, content):
        bad = tmp_path / "bad.pem"
        bad.write_text(content)
        errors = []
        for mod in (sslx, stdlib_ssl):
            ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
            with pytest.raises(mod.SSLError) as info:
                ctx.load_cert_chain(str(bad))
            errors.append(info.value)
        ours, theirs = errors
        assert (ours.library, ours.reason, ours.errno) == (theirs.library, theirs.reason,
                                                           theirs.errno)
        assert str(ours).split(" (")[0] == str(theirs).split(" (")[0]


# ---- failures, one function each: (module, certs) -> the exception ----

def raised(func):
    try:
        func()
    except Exception as exc:   # the exception is what the tests examine
        return exc
    raise AssertionError("%r raised nothing" % func)


def unknown_ca(mod, certs):
    _, server_ctx = make_contexts(mod, certs)
    trusts_nobody = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    return MemoryPair(mod, trusts_nobody, server_ctx).handshake_outcome()


def hostname_mismatch(mod, certs, hostname):
    client_ctx, server_ctx = make_contexts(mod, certs)
    return MemoryPair(mod, client_ctx, server_ctx,
                      server_hostname=hostname).handshake_outcome()["client"]


def want_read(mod, certs):
    return raised(MemoryPair(mod, *make_contexts(mod, certs)).client.do_handshake)


def zero_return(mod, certs):
    """Both close_notify sent and received: reading on is a zero return."""
    pair = MemoryPair(mod, *make_contexts(mod, certs)).handshake()
    raised(pair.server.unwrap)                     # wants the peer's close_notify
    pair.transfer()
    assert pair.client.read() == b""
    pair.client.unwrap()
    pair.transfer()
    pair.server.unwrap()
    return raised(pair.client.read)


def ragged_eof(mod, certs):
    pair = MemoryPair(mod, *make_contexts(mod, certs)).handshake()
    pair.c_in.write_eof()
    return raised(pair.client.read)


def eof_in_handshake(mod, certs):
    pair = MemoryPair(mod, *make_contexts(mod, certs))
    pair.c_in.write(b"\x16\x03\x03\x00\x40" + b"\x02" * 10)   # a record cut short
    pair.c_in.write_eof()
    return raised(pair.client.do_handshake)


def want_write(mod, certs):
    """A non-blocking SSLSocket whose peer stops reading: the socket's
    buffers fill, then send() wants to write."""
    ours, theirs = socket.socketpair()
    for s in (ours, theirs):
        s.settimeout(10)
    handshaken, release = threading.Event(), threading.Event()
    server_ctx = make_contexts(stdlib_ssl, certs)[1]

    def serve():
        with server_ctx.wrap_socket(theirs, server_side=True):
            handshaken.set()
            release.wait(10)           # never reads

    peer = threading.Thread(target=serve, daemon=True)
    peer.start()
    try:
        with make_contexts(mod, certs)[0].wrap_socket(ours, server_hostname="localhost") as tls:
            assert handshaken.wait(10)
            tls.setblocking(False)
            for _ in range(10000):
                try:
                    tls.send(b"x" * 65536)
                except mod.SSLWantWriteError as exc:
                    return exc
            raise AssertionError("the socket's buffers never filled")
    finally:
        release.set()
        peer.join(10)
        theirs.close()


def failed_handshake_then_again(mod, certs):
    """do_handshake() once more after a failed handshake: nothing to read,
    no system error: a syscall error with no errno."""
    client_ctx, server_ctx = make_contexts(mod, certs)
    pair = MemoryPair(mod, client_ctx, server_ctx, server_hostname="wrong.example")
    assert pair.handshake_outcome()["client"] is not None
    return raised(pair.client.do_handshake)


FAILURES = {
    "unknown-ca": lambda m, c: unknown_ca(m, c)["client"],
    "peer-alert-unknown-ca": lambda m, c: unknown_ca(m, c)["server"],
    "hostname-mismatch": lambda m, c: hostname_mismatch(m, c, "wrong.example"),
    "ip-address-mismatch": lambda m, c: hostname_mismatch(m, c, "127.0.0.2"),
    "want-read": want_read,
    "want-write": want_write,
    "zero-return": zero_return,
    "ragged-eof": ragged_eof,
    "eof-in-handshake": eof_in_handshake,
    # library and reason known: "[PEM: NO_START_LINE] no start line"
    "library-and-reason": lambda m, c: raised(
        lambda: m.SSLContext(m.PROTOCOL_TLS_SERVER).load_dh_params(c.cafile)),
    # a reason common to all libraries, which has no name: "[SSL] PEM lib"
    "library-only": lambda m, c: raised(
        lambda: m.SSLContext(m.PROTOCOL_TLS_SERVER).load_cert_chain(c.cafile)),
    # no library: the text, a detail, and errno 0
    "text-only": lambda m, c: raised(
        lambda: m.SSLContext(m.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata="garbage")),
    # a message alone, no errno
    "message-only": lambda m, c: raised(
        lambda: m.SSLContext(m.PROTOCOL_TLS_CLIENT).set_ciphers("XXX")),
}

# The exception class each errno belongs to (the module's SSL_ERROR_* names).
ERRNO_OF_CLASS = {"SSLWantReadError": "SSL_ERROR_WANT_READ",
                  "SSLWantWriteError": "SSL_ERROR_WANT_WRITE",
                  "SSLZeroReturnError": "SSL_ERROR_ZERO_RETURN",
                  "SSLEOFError": "SSL_ERROR_EOF",
                  "SSLSyscallError": "SSL_ERROR_SYSCALL",
                  "SSLCertVerificationError": "SSL_ERROR_SSL"}


def facts(exc):
    """What an exception says, without the source location."""
    return {
        "class": type(exc),
        "errno": exc.errno,
        "library": getattr(exc, "library", "(unset)"),
        "reason": getattr(exc, "reason", "(unset)"),
        "verify_code": getattr(exc, "verify_code", "(unset)"),
        "verify_message": getattr(exc, "verify_message", "(unset)"),
        "message": LOCATION.sub("", str(exc)),
        "args": len(exc.args),
    }


@pytest.mark.parametrize("name", list(FAILURES))
def test_same_exception_as_stdlib(certs, name):
    """The very class the stdlib raises (the stdlib's own), and the same
    attributes and message."""
    ours = facts(FAILURES[name](sslx, certs))
    theirs = facts(FAILURES[name](stdlib_ssl, certs))
    assert ours == theirs
    assert ours["class"].__module__ == "ssl"


def test_verification_attributes(certs):
    """verify_code and verify_message are the X.509 result; for a name the
    certificate does not cover, the stdlib's own wording."""
    unknown = FAILURES["unknown-ca"](sslx, certs)
    assert (unknown.verify_code, unknown.verify_message) == (
        20, "unable to get local issuer certificate")
    host = FAILURES["hostname-mismatch"](sslx, certs)
    assert host.verify_code == 62
    assert host.verify_message == "Hostname mismatch, certificate is not valid for 'wrong.example'."
    address = FAILURES["ip-address-mismatch"](sslx, certs)
    assert address.verify_code == 64
    assert address.verify_message == \
        "IP address mismatch, certificate is not valid for '127.0.0.2'."
    for exc in (unknown, host, address):
        assert (exc.library, exc.reason) == ("SSL", "CERTIFICATE_VERIFY_FAILED")
        assert str(exc).startswith("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                                   "failed: " + exc.verify_message + " (")


@pytest.mark.parametrize("name", [n for n in FAILURES if n != "message-only"])
def test_message_format(mod, certs, name):
    """args is (errno, message); str() is the message; the message names
    the library and reason when they are known, and ends with the source
    location."""
    exc = FAILURES[name](mod, certs)
    message = str(exc)
    assert exc.args == (exc.errno, message)
    assert exc.strerror == message
    assert LOCATION.search(message), message
    if exc.library and exc.reason:
        assert message.startswith("[%s: %s] " % (exc.library, exc.reason))
    elif exc.library:
        assert message.startswith("[%s] " % exc.library)
    else:
        assert not message.startswith("[")
    expected_errno = ERRNO_OF_CLASS.get(type(exc).__name__)
    if expected_errno:
        assert exc.errno == getattr(mod, expected_errno)


def test_message_only_error(mod):
    """An SSLError made from a message alone (the stdlib does this for an
    unusable cipher list) has no errno and prints as its args."""
    exc = FAILURES["message-only"](mod, None)
    assert type(exc) is stdlib_ssl.SSLError
    assert exc.args == ("No cipher can be selected.",)
    assert exc.errno is None


def test_syscall_error_without_errno(certs):
    """An OpenSSL syscall failure with no errno and no error queued is
    SSLSyscallError "Some I/O error occurred".  CPython 3.13's stdlib maps
    this case to SSLEOFError instead (test_sslobject's edge cases report it);
    before 3.13 the two agree."""
    ours = failed_handshake_then_again(sslx, certs)
    assert type(ours) is stdlib_ssl.SSLSyscallError
    assert ours.errno == sslx.SSL_ERROR_SYSCALL
    assert LOCATION.sub("", str(ours)) == "Some I/O error occurred"
    assert (ours.library, ours.reason) == (None, None)
    if sys.version_info < (3, 13):
        assert facts(ours) == facts(failed_handshake_then_again(stdlib_ssl, certs))


# ---- the library and reason tables ----

def test_tables_are_module_attributes_of_the_right_shape():
    for table in (sslx.err_codes_to_names, sslx.lib_codes_to_names):
        assert isinstance(table, dict) and table
    assert sslx.err_codes_to_names is sslx._sslx.err_codes_to_names
    assert sslx.lib_codes_to_names is sslx._sslx.lib_codes_to_names
    assert all(isinstance(lib, int) and isinstance(reason, int) and isinstance(name, str)
               for (lib, reason), name in sslx.err_codes_to_names.items())
    assert all(isinstance(code, int) and isinstance(name, str)
               for code, name in sslx.lib_codes_to_names.items())
    assert sslx.lib_codes_to_names[20] == "SSL"
    libraries = set(sslx.lib_codes_to_names)
    assert {lib for lib, _ in sslx.err_codes_to_names} <= libraries


# Reasons the suite meets, by library: each must be in both tables, alike.
KNOWN_REASONS = {
    "SSL": ["CERTIFICATE_VERIFY_FAILED", "UNEXPECTED_EOF_WHILE_READING",
            "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_HANDSHAKE_FAILURE",
            "TLSV1_ALERT_ACCESS_DENIED", "TLSV1_ALERT_INTERNAL_ERROR",
            "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "WRONG_VERSION_NUMBER",
            "PSK_IDENTITY_NOT_FOUND", "NO_SHARED_CIPHER"],
    "PEM": ["NO_START_LINE", "BAD_BASE64_DECODE"],
    "X509": ["KEY_VALUES_MISMATCH"],
    "EVP": ["BAD_DECRYPT"],
    "RSA": ["DATA_TOO_LARGE"],
    "PKCS12": ["MAC_VERIFY_FAILURE"],
    "PROV": ["BAD_DECRYPT"],
}


def test_every_public_library_has_reason_names():
    """Each library whose reasons OpenSSL's public headers define has them
    in the table (not only those <openssl/ssl.h> happens to include)."""
    named = {sslx.lib_codes_to_names[lib] for lib, _ in sslx.err_codes_to_names}
    assert {"RSA", "DH", "DSA", "EVP", "PKCS12", "OCSP", "PROV", "RAND", "CMS", "OSSL_STORE",
            "OSSL_DECODER", "UI", "TS"} <= named


def test_known_reasons_are_in_the_tables():
    ours, libs = sslx.err_codes_to_names, sslx.lib_codes_to_names
    for library, reasons in KNOWN_REASONS.items():
        [code] = [c for c, name in libs.items() if name == library]
        for reason in reasons:
            assert [k for k, name in ours.items() if k[0] == code and name == reason], \
                (library, reason)


@pytest.mark.skipif(not hasattr(stdlib_ssl._ssl, "err_codes_to_names"),
                    reason="the stdlib's _ssl has no code tables from Python 3.12")
def test_tables_agree_with_stdlib():
    """Where both tables name a code they give it the same name (the
    stdlib's are from the OpenSSL CPython was built with, sslx's from the
    headers it was compiled against, so either may know a few more)."""
    ours, theirs = sslx.err_codes_to_names, stdlib_ssl._ssl.err_codes_to_names
    common = set(ours) & set(theirs)
    assert {k: ours[k] for k in common} == {k: theirs[k] for k in common}
    libs, their_libs = sslx.lib_codes_to_names, stdlib_ssl._ssl.lib_codes_to_names
    assert {k: libs[k] for k in set(libs) & set(their_libs)} == \
        {k: their_libs[k] for k in set(libs) & set(their_libs)}
    for library, reasons in KNOWN_REASONS.items():
        [code] = [c for c, name in libs.items() if name == library]
        for reason in reasons:
            assert [k for k, name in theirs.items() if k[0] == code and name == reason] == \
                [k for k, name in ours.items() if k[0] == code and name == reason]


@pytest.mark.parametrize("name", [n for n in FAILURES if n != "message-only"])
def test_exception_names_come_from_the_tables(certs, name):
    exc = FAILURES[name](sslx, certs)
    if exc.library is None:
        assert exc.reason is None
        return
    codes = [code for code, lib in sslx.lib_codes_to_names.items() if lib == exc.library]
    assert len(codes) == 1
    if exc.reason is not None:
        assert any(lib == codes[0] and reason == exc.reason
                   for (lib, _), reason in sslx.err_codes_to_names.items())


def test_modules_share_the_exception_classes():
    for name in TestExceptions.NAMES:
        assert getattr(MODULES["sslx"], name) is getattr(MODULES["stdlib"], name)
