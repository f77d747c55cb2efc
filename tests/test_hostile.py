"""Hostile and wrong input across the API.

Every case is a function of the module (sslx or the stdlib `ssl`) and a
few shared test files.  Each runs against both modules; the outcome (the
exception's type, or the value returned) must be the same, and must be the
one the table expects (taken from the spec, checked against the stdlib).
No case may crash, hang past its socket timeouts, or leak (the last test
runs the whole battery many times and watches the process size).
"""
import gc
import json
import os
import socket
import ssl as stdlib_ssl
import sys
import threading

import pytest

import sslx
from implementations import MODULES
from memhelpers import MemoryPair

TIMEOUT = 5


# ----------------------------------------------------------------- fixtures

class Files:
    """Paths of test files shared by the cases."""


@pytest.fixture(scope="module")
def files(certs, cpython_certdata, tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    f = Files()
    f.certs = certs
    f.cafile = certs.cafile
    f.server = certs.server_certfile
    f.client = certs.client_certfile
    f.passwd_keycert = os.path.join(cpython_certdata, "keycert.passwd.pem")
    f.keycert = os.path.join(cpython_certdata, "keycert.pem")
    f.missing = str(d / "does-not-exist.pem")
    f.garbage = str(d / "garbage.pem")
    with open(f.garbage, "wb") as out:
        out.write(b"\x00\xffthis is not a certificate\n" * 20)
    with open(f.server) as src:
        text = src.read()
    f.truncated = str(d / "truncated.pem")
    with open(f.truncated, "w") as out:
        out.write(text[: len(text) // 2])
    begin = text.index("-----BEGIN CERTIFICATE-----")
    end = text.index("-----END CERTIFICATE-----", begin) + len("-----END CERTIFICATE-----")
    f.server_cert_pem = text[begin:end] + "\n"
    f.cert_only = str(d / "cert-only.pem")
    with open(f.cert_only, "w") as out:
        out.write(f.server_cert_pem)
    f.ca_pem = certs.ca_pem
    f.ca_der = stdlib_ssl.PEM_cert_to_DER_cert(certs.ca_pem)
    f.empty = str(d / "empty.pem")
    open(f.empty, "w").close()
    f.directory = str(d)
    return f


def client_ctx(mod, f):
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(f.cafile)
    return ctx


def server_ctx(mod, f):
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f.server)
    return ctx


def handshaken_pair(mod, f):
    pair = MemoryPair(mod, client_ctx(mod, f), server_ctx(mod, f))
    errors = pair.handshake_outcome()
    assert errors == {"client": None, "server": None}, errors
    return pair


def client_object(mod, f, **kw):
    return client_ctx(mod, f).wrap_bio(mod.MemoryBIO(), mod.MemoryBIO(),
                                       server_hostname="localhost", **kw)


def server_object(mod, f):
    return server_ctx(mod, f).wrap_bio(mod.MemoryBIO(), mod.MemoryBIO(), server_side=True)


def client_hello(mod, f):
    """The bytes of a ClientHello from `mod`'s client."""
    obj = client_ctx(mod, f).wrap_bio(mod.MemoryBIO(), out := mod.MemoryBIO(),
                                      server_hostname="localhost")
    with pytest.raises(mod.SSLWantReadError):
        obj.do_handshake()
    return out.read()


def feed_server(mod, f, data, eof=False):
    """A fresh server SSLObject fed `data` (then EOF): do_handshake()."""
    inc, out = mod.MemoryBIO(), mod.MemoryBIO()
    obj = server_ctx(mod, f).wrap_bio(inc, out, server_side=True)
    inc.write(data)
    if eof:
        inc.write_eof()
    obj.do_handshake()


def feed_client_after_hello(mod, f, data, eof=False):
    inc, out = mod.MemoryBIO(), mod.MemoryBIO()
    obj = client_ctx(mod, f).wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except mod.SSLWantReadError:
        pass
    inc.write(data)
    if eof:
        inc.write_eof()
    obj.do_handshake()


def record_from_server(mod, f, mutate):
    """Handshake, then the server writes one application record; the
    client gets mutate(record) and reads."""
    pair = handshaken_pair(mod, f)
    pair.client_reads_ticket()      # TLS 1.3 tickets still in flight: consumed first
    pair.server.write(b"application data " * 4)
    record = pair.s_out.read()
    pair.c_in.write(mutate(record))
    return pair.client.read(100)


def sni_handshake(mod, f, callback):
    sctx = server_ctx(mod, f)
    sctx.sni_callback = callback
    pair = MemoryPair(mod, client_ctx(mod, f), sctx)
    errors = pair.handshake_outcome()
    if errors["client"] is not None:
        raise errors["client"]
    return "handshake done"


def password_load(mod, f, password):
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f.passwd_keycert, password=password)
    return "loaded"


def socket_pair_tls(mod, f, greeting=b""):
    """A connected client SSLSocket over a socketpair with a server thread
    (stdlib peer, which first sends `greeting`); returns (client, thread)."""
    a, b = socket.socketpair()
    a.settimeout(TIMEOUT)
    b.settimeout(TIMEOUT)
    peer_ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
    peer_ctx.load_cert_chain(f.server)

    def serve():
        try:
            with peer_ctx.wrap_socket(b, server_side=True) as tls:
                tls.sendall(greeting)
                while tls.recv(1024):
                    pass
        except OSError:
            pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    ctx = client_ctx(mod, f)
    return ctx.wrap_socket(a, server_hostname="localhost"), t


def recv_into_short_buffer(mod, f):
    """recv_into(buffer, nbytes) with nbytes > len(buffer): reads at most
    len(buffer) bytes."""
    tls, t = socket_pair_tls(mod, f, greeting=b"abcdefgh")
    try:
        buf = bytearray(4)
        return tls.recv_into(buf, 10), bytes(buf)
    finally:
        tls.close()
        t.join(TIMEOUT)


def on_closed_socket(mod, f, op):
    tls, t = socket_pair_tls(mod, f)
    tls.close()
    t.join(TIMEOUT)
    return op(tls)


def on_open_socket(mod, f, op):
    tls, t = socket_pair_tls(mod, f)
    try:
        return op(tls)
    finally:
        tls.close()
        t.join(TIMEOUT)


def on_unwrapped_socket(mod, f, op):
    tls, t = socket_pair_tls(mod, f)
    try:
        plain = tls.unwrap()
    except OSError:
        plain = None
    try:
        return op(tls)
    finally:
        tls.close()
        if plain is not None:
            plain.close()
        t.join(TIMEOUT)


def on_detached_socket(mod, f, op):
    tls, t = socket_pair_tls(mod, f)
    raw = socket.socket(fileno=tls.detach())
    try:
        return op(tls)
    finally:
        raw.close()
        t.join(TIMEOUT)


def stalled_peer_handshake(mod, f):
    """A peer that accepts TCP but never speaks: the timeout is honoured."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    with listener, socket.create_connection(listener.getsockname(), timeout=0.3) as raw:
        conn, _ = listener.accept()
        with conn:
            ctx = client_ctx(mod, f)
            tls = ctx.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
            tls.do_handshake()


def peer_closes_mid_handshake(mod, f):
    """The peer reads the ClientHello and closes the TCP connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    with listener, socket.create_connection(listener.getsockname(), timeout=TIMEOUT) as raw:
        conn, _ = listener.accept()

        def close_after_hello():
            conn.recv(1)
            conn.shutdown(socket.SHUT_WR)

        t = threading.Thread(target=close_after_hello, daemon=True)
        t.start()
        ctx = client_ctx(mod, f)
        try:
            ctx.wrap_socket(raw, server_hostname="localhost")
        finally:
            t.join(TIMEOUT)
            conn.close()


def peer_sends_http(mod, f):
    """The peer answers the ClientHello with plain HTTP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    with listener, socket.create_connection(listener.getsockname(), timeout=TIMEOUT) as raw:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            client_ctx(mod, f).wrap_socket(raw, server_hostname="localhost")


def bio_after_eof(mod):
    bio = mod.MemoryBIO()
    bio.write_eof()
    bio.write(b"x")


def tls12_record(mod, f, mutate):
    """As record_from_server but pinned to TLS 1.2 (no tickets after)."""
    cctx = client_ctx(mod, f)
    cctx.maximum_version = mod.TLSVersion.TLSv1_2
    pair = MemoryPair(mod, cctx, server_ctx(mod, f))
    assert pair.handshake_outcome() == {"client": None, "server": None}
    pair.server.write(b"application data " * 4)
    pair.c_in.write(mutate(pair.s_out.read()))
    return pair.client.read(100)


def flip(offset):
    def mutate(record):
        b = bytearray(record)
        b[offset] ^= 0x40
        return bytes(b)
    return mutate


def unraisable_quiet(fn):
    """Callbacks that fail report through sys.unraisablehook; keep the
    report out of the test output but let the handshake outcome through."""
    def wrapper(mod, f):
        saved = sys.unraisablehook
        sys.unraisablehook = lambda *a: None
        try:
            return fn(mod, f)
        finally:
            sys.unraisablehook = saved
    return wrapper


def raising_sni(obj, name, ctx):
    raise ZeroDivisionError("sni callback raised")


def raising_password():
    raise ZeroDivisionError("password callback raised")


# ---------------------------------------------------------------- the table
# (id, expected, function(mod, files)); expected is an exception type name
# or ("returned", value).

R = "returned"


def since(version, newer, older):
    """An expectation that changed with the stdlib of `version`."""
    return newer if sys.version_info >= version else older

CASES = [
    # --- SSLContext construction and attributes
    ("ctx-protocol-str", "TypeError", lambda m, f: m.SSLContext("x")),
    ("ctx-protocol-999", "ValueError", lambda m, f: m.SSLContext(999)),
    ("ctx-protocol-negative", "ValueError", lambda m, f: m.SSLContext(-1)),
    ("verify_mode-5", "ValueError", lambda m, f: setattr(client_ctx(m, f), "verify_mode", 5)),
    ("verify_mode-str", "TypeError", lambda m, f: setattr(client_ctx(m, f), "verify_mode", "x")),
    ("verify_mode-none-with-check_hostname", "ValueError",
     lambda m, f: setattr(client_ctx(m, f), "verify_mode", m.CERT_NONE)),
    ("options-str", "TypeError", lambda m, f: setattr(client_ctx(m, f), "options", "x")),
    ("options-negative", since((3, 14), "ValueError", since((3, 12), "OverflowError", (R, None))), lambda m, f: setattr(client_ctx(m, f), "options", -1)),
    ("verify_flags-str", "TypeError", lambda m, f: setattr(client_ctx(m, f), "verify_flags", "x")),
    ("verify_flags-negative", (R, None),
     lambda m, f: setattr(client_ctx(m, f), "verify_flags", -1)),
    ("minimum_version-str", "TypeError", lambda m, f: setattr(client_ctx(m, f), "minimum_version", "x")),
    ("minimum_version-12345", "ValueError",
     lambda m, f: setattr(client_ctx(m, f), "minimum_version", 12345)),
    ("maximum_version-float", "TypeError",
     lambda m, f: setattr(client_ctx(m, f), "maximum_version", 1.5)),
    ("num_tickets-negative", "ValueError", lambda m, f: setattr(server_ctx(m, f), "num_tickets", -1)),
    ("num_tickets-client", "ValueError", lambda m, f: setattr(client_ctx(m, f), "num_tickets", 1)),
    ("num_tickets-str", "TypeError", lambda m, f: setattr(server_ctx(m, f), "num_tickets", "2")),
    ("security_level-readonly", "AttributeError",
     lambda m, f: setattr(client_ctx(m, f), "security_level", 0)),
    ("keylog-int", "TypeError", lambda m, f: setattr(client_ctx(m, f), "keylog_filename", 1)),
    ("keylog-nul", "ValueError", lambda m, f: setattr(client_ctx(m, f), "keylog_filename", "a\0b")),
    ("keylog-missing-dir", "FileNotFoundError",
     lambda m, f: setattr(client_ctx(m, f), "keylog_filename", f.missing + "/dir/log")),
    ("sni_callback-str", "TypeError", lambda m, f: setattr(server_ctx(m, f), "sni_callback", "x")),
    ("set_servername_callback-int", "TypeError",
     lambda m, f: server_ctx(m, f).set_servername_callback(1)),
    # --- ciphers, ALPN, curves
    ("ciphers-nonsense", "SSLError", lambda m, f: client_ctx(m, f).set_ciphers("NONSENSE")),
    ("ciphers-bytes", "TypeError", lambda m, f: client_ctx(m, f).set_ciphers(b"ALL")),
    ("ciphers-nul", "ValueError", lambda m, f: client_ctx(m, f).set_ciphers("AL\0L")),
    ("ciphers-none", "TypeError", lambda m, f: client_ctx(m, f).set_ciphers(None)),
    ("ciphers-empty", "SSLError", lambda m, f: client_ctx(m, f).set_ciphers("")),
    ("alpn-too-long", "SSLError", lambda m, f: client_ctx(m, f).set_alpn_protocols(["x" * 256])),
    ("alpn-non-ascii", "UnicodeEncodeError", lambda m, f: client_ctx(m, f).set_alpn_protocols(["é"])),
    ("alpn-not-iterable", "TypeError", lambda m, f: client_ctx(m, f).set_alpn_protocols(5)),
    ("ecdh-unknown", "ValueError", lambda m, f: server_ctx(m, f).set_ecdh_curve("nope")),
    ("ecdh-int", "TypeError", lambda m, f: server_ctx(m, f).set_ecdh_curve(1)),
    ("ecdh-nul", "ValueError", lambda m, f: server_ctx(m, f).set_ecdh_curve("prime256v1\0")),
    # --- load_cert_chain
    ("certchain-missing", "FileNotFoundError", lambda m, f: client_ctx(m, f).load_cert_chain(f.missing)),
    ("certchain-nul", "ValueError", lambda m, f: client_ctx(m, f).load_cert_chain("a\0b")),
    ("certchain-keyfile-nul", "ValueError",
     lambda m, f: client_ctx(m, f).load_cert_chain(f.server, "k\0")),
    ("certchain-int", "TypeError", lambda m, f: client_ctx(m, f).load_cert_chain(123)),
    ("certchain-garbage", "SSLError", lambda m, f: client_ctx(m, f).load_cert_chain(f.garbage)),
    ("certchain-truncated", "SSLError", lambda m, f: client_ctx(m, f).load_cert_chain(f.truncated)),
    ("certchain-empty-file", "SSLError", lambda m, f: client_ctx(m, f).load_cert_chain(f.empty)),
    ("certchain-directory", "IsADirectoryError",
     lambda m, f: client_ctx(m, f).load_cert_chain(f.directory)),
    ("certchain-cert-without-key", "SSLError", lambda m, f: client_ctx(m, f).load_cert_chain(f.cert_only)),
    ("certchain-key-mismatch", "SSLError",
     lambda m, f: client_ctx(m, f).load_cert_chain(f.cert_only, f.keycert)),
    ("certchain-keyfile-garbage", "SSLError",
     lambda m, f: client_ctx(m, f).load_cert_chain(f.cert_only, f.garbage)),
    # --- passwords
    ("password-right", (R, "loaded"), lambda m, f: password_load(m, f, "somepass")),
    ("password-callable-right", (R, "loaded"), lambda m, f: password_load(m, f, lambda: b"somepass")),
    ("password-wrong", "SSLError", lambda m, f: password_load(m, f, "wrong")),
    ("password-empty", "SSLError", lambda m, f: password_load(m, f, "")),
    ("password-int", "TypeError", lambda m, f: password_load(m, f, 123)),
    ("password-too-long", "ValueError", lambda m, f: password_load(m, f, "x" * 1025)),
    ("password-callable-raises", "ZeroDivisionError", lambda m, f: password_load(m, f, raising_password)),
    ("password-callable-int", "TypeError", lambda m, f: password_load(m, f, lambda: 5)),
    ("password-callable-none", "TypeError", lambda m, f: password_load(m, f, lambda: None)),
    ("password-callable-too-long", "ValueError", lambda m, f: password_load(m, f, lambda: "x" * 2000)),
    ("password-callable-wrong", "SSLError", lambda m, f: password_load(m, f, lambda: "nope")),
    ("password-bytearray", (R, "loaded"), lambda m, f: password_load(m, f, bytearray(b"somepass"))),
    # --- load_verify_locations
    ("verify-no-args", "TypeError", lambda m, f: client_ctx(m, f).load_verify_locations()),
    ("verify-cadata-int", "TypeError", lambda m, f: client_ctx(m, f).load_verify_locations(cadata=123)),
    ("verify-cadata-garbage-text", "SSLError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cadata="garbage")),
    ("verify-cadata-garbage-der", "SSLError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cadata=b"\x30\x03garbage")),
    ("verify-cadata-empty-text", "ValueError", lambda m, f: client_ctx(m, f).load_verify_locations(cadata="")),
    ("verify-cadata-empty-bytes", "ValueError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cadata=b"")),
    ("verify-cadata-truncated-pem", "SSLError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cadata=f.ca_pem[:len(f.ca_pem) // 2])),
    ("verify-cadata-truncated-der", "SSLError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cadata=f.ca_der[:len(f.ca_der) // 2])),
    ("verify-cadata-der-trailing-garbage", "SSLError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cadata=f.ca_der + b"\x01\x02")),
    ("verify-cadata-pem-nul", "SSLError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cadata="abc\0def")),
    ("verify-cadata-good-pem", (R, None), lambda m, f: client_ctx(m, f).load_verify_locations(cadata=f.ca_pem)),
    ("verify-cadata-good-der", (R, None), lambda m, f: client_ctx(m, f).load_verify_locations(cadata=f.ca_der)),
    ("verify-cafile-missing", "FileNotFoundError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cafile=f.missing)),
    ("verify-cafile-nul", "ValueError", lambda m, f: client_ctx(m, f).load_verify_locations(cafile="a\0b")),
    ("verify-cafile-garbage", "SSLError", lambda m, f: client_ctx(m, f).load_verify_locations(cafile=f.garbage)),
    ("verify-capath-int", "TypeError", lambda m, f: client_ctx(m, f).load_verify_locations(capath=123)),
    ("verify-capath-nul", "ValueError", lambda m, f: client_ctx(m, f).load_verify_locations(capath="a\0")),
    ("verify-cafile-directory", "IsADirectoryError",
     lambda m, f: client_ctx(m, f).load_verify_locations(cafile=f.directory)),
    ("verify-capath-missing", (R, None), lambda m, f: client_ctx(m, f).load_verify_locations(capath=f.missing)),
    ("dh-directory", "IsADirectoryError", lambda m, f: server_ctx(m, f).load_dh_params(f.directory)),
    ("certchain-keyfile-directory", "IsADirectoryError",
     lambda m, f: client_ctx(m, f).load_cert_chain(f.cert_only, f.directory)),
    ("dh-missing", "FileNotFoundError", lambda m, f: server_ctx(m, f).load_dh_params(f.missing)),
    ("dh-garbage", "SSLError", lambda m, f: server_ctx(m, f).load_dh_params(f.garbage)),
    ("dh-nul", "ValueError", lambda m, f: server_ctx(m, f).load_dh_params("x\0")),
    ("dh-int", "TypeError", lambda m, f: server_ctx(m, f).load_dh_params(3)),
    # --- wrap_bio / wrap_socket arguments
    ("wrap_bio-str-bio", "TypeError",
     lambda m, f: client_ctx(m, f).wrap_bio("in", "out", server_hostname="localhost")),
    ("wrap_bio-hostname-nul", "TypeError",
     lambda m, f: client_ctx(m, f).wrap_bio(m.MemoryBIO(), m.MemoryBIO(), server_hostname="a\0b")),
    ("wrap_bio-hostname-empty", "ValueError",
     lambda m, f: client_ctx(m, f).wrap_bio(m.MemoryBIO(), m.MemoryBIO(), server_hostname="")),
    ("wrap_bio-hostname-dot", since((3, 13), "UnicodeEncodeError", "UnicodeError"),
     lambda m, f: client_ctx(m, f).wrap_bio(m.MemoryBIO(), m.MemoryBIO(), server_hostname=".example")),
    ("wrap_bio-hostname-int", "AttributeError",
     lambda m, f: client_ctx(m, f).wrap_bio(m.MemoryBIO(), m.MemoryBIO(), server_hostname=123)),

    ("wrap_bio-session-str", "TypeError", lambda m, f: client_object(m, f, session="x")),
    ("wrap_socket-udp", "NotImplementedError",
     lambda m, f: client_ctx(m, f).wrap_socket(socket.socket(type=socket.SOCK_DGRAM),
                                               server_hostname="localhost")),
    ("sslobject-direct", "TypeError", lambda m, f: m.SSLObject()),
    # --- module functions
    ("rand-negative", "ValueError", lambda m, f: m.RAND_bytes(-1)),
    ("rand-str", "TypeError", lambda m, f: m.RAND_bytes("x")),
    ("rand-huge", "OverflowError", lambda m, f: m.RAND_bytes(2**62)),
    ("rand-overflow", "OverflowError", lambda m, f: m.RAND_bytes(2**70)),
    ("rand-zero", (R, b""), lambda m, f: m.RAND_bytes(0)),
    ("rand_add-int", "TypeError", lambda m, f: m.RAND_add(1, 1.0)),
    ("rand_add-entropy-str", "TypeError", lambda m, f: m.RAND_add(b"x", "y")),
    ("der_to_pem-str", "TypeError", lambda m, f: m.DER_cert_to_PEM_cert("str")),
    ("pem_to_der-garbage", "ValueError", lambda m, f: m.PEM_cert_to_DER_cert("garbage")),
    ("pem_to_der-no-footer", "ValueError",
     lambda m, f: m.PEM_cert_to_DER_cert("-----BEGIN CERTIFICATE-----\nAAAA\n")),
    ("pem_to_der-bad-base64", "Error",
     lambda m, f: m.PEM_cert_to_DER_cert("-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n")),
    ("cert_time-garbage", "ValueError", lambda m, f: m.cert_time_to_seconds("garbage")),
    ("cert_time-int", "TypeError", lambda m, f: m.cert_time_to_seconds(123)),
    ("default_context-purpose-str", "TypeError", lambda m, f: m.create_default_context(purpose="x")),
    ("default_context-cafile-missing", "FileNotFoundError",
     lambda m, f: m.create_default_context(cafile=f.missing)),
    # --- MemoryBIO
    ("bio-ctor-arg", "TypeError", lambda m, f: m.MemoryBIO(1)),
    ("bio-read-negative", (R, b""), lambda m, f: m.MemoryBIO().read(-5)),
    ("bio-read-huge", "OverflowError", lambda m, f: m.MemoryBIO().read(2**62)),
    ("bio-read-overflow", "OverflowError", lambda m, f: m.MemoryBIO().read(2**70)),
    ("bio-read-str", "TypeError", lambda m, f: m.MemoryBIO().read("x")),
    ("bio-write-str", "TypeError", lambda m, f: m.MemoryBIO().write("str")),
    ("bio-write-int", "TypeError", lambda m, f: m.MemoryBIO().write(5)),
    ("bio-write-after-eof", "SSLError", lambda m, f: bio_after_eof(m)),
    ("bio-write-noncontiguous", "BufferError",
     lambda m, f: m.MemoryBIO().write(memoryview(b"abcdef")[::2])),
    ("bio-eof-set-readonly", "AttributeError", lambda m, f: setattr(m.MemoryBIO(), "eof", True)),
    # --- SSLObject before / during the handshake
    ("obj-read-negative", "ValueError", lambda m, f: client_object(m, f).read(-1)),
    ("obj-read-str", "TypeError", lambda m, f: client_object(m, f).read("x")),
    ("obj-write-str", "TypeError", lambda m, f: client_object(m, f).write("str")),
    ("obj-write-before-handshake", "SSLWantReadError", lambda m, f: client_object(m, f).write(b"x")),
    ("obj-getpeercert-before-handshake", "ValueError", lambda m, f: client_object(m, f).getpeercert()),
    ("obj-channel-binding-bogus", "ValueError",
     lambda m, f: client_object(m, f).get_channel_binding("bogus")),
    ("obj-session-str", "TypeError", lambda m, f: setattr(client_object(m, f), "session", "x")),
    ("obj-server-session-set", "TypeError",
     lambda m, f: setattr(server_object(m, f), "session", None)),
    ("obj-handshake-eof", "SSLEOFError",
     lambda m, f: feed_client_after_hello(m, f, b"", eof=True)),
    ("obj-handshake-garbage", "SSLError",
     lambda m, f: feed_client_after_hello(m, f, b"\x00" * 64)),
    ("obj-handshake-http-reply", "SSLError",
     lambda m, f: feed_client_after_hello(m, f, b"HTTP/1.1 400 Bad Request\r\n\r\n")),
    ("obj-handshake-alert-record", "SSLError",
     lambda m, f: feed_client_after_hello(m, f, b"\x15\x03\x03\x00\x02\x02\x28")),
    ("obj-handshake-oversized-length", "SSLError",
     lambda m, f: feed_client_after_hello(m, f, b"\x16\x03\x03\xff\xff" + b"\x00" * 32)),
    ("obj-handshake-truncated-record-eof", "SSLEOFError",
     lambda m, f: feed_client_after_hello(m, f, b"\x16\x03\x03\x00\x40" + b"\x02" * 10, eof=True)),
    ("server-garbage", "SSLError", lambda m, f: feed_server(m, f, b"GET / HTTP/1.1\r\n\r\n")),
    ("server-empty-eof", "SSLEOFError", lambda m, f: feed_server(m, f, b"", eof=True)),
    ("server-truncated-hello-eof", "SSLEOFError",
     lambda m, f: feed_server(m, f, client_hello(m, f)[:40], eof=True)),
    ("server-truncated-hello-wants-more", "SSLWantReadError",
     lambda m, f: feed_server(m, f, client_hello(m, f)[:40])),
    ("server-hello-corrupted-length", "SSLError",
     lambda m, f: feed_server(m, f, client_hello(m, f)[:5] + b"\xff\xff\xff" + client_hello(m, f)[8:])),
    ("server-sslv2-hello", "SSLError",
     lambda m, f: feed_server(m, f, b"\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10" + b"\x00" * 37)),
    ("obj-read-zero", (R, b""), lambda m, f: handshaken_pair(m, f).client.read(0)),
    ("obj-write-empty", (R, 0), lambda m, f: handshaken_pair(m, f).client.write(b"")),
    ("obj-unwrap-peer-silent", "SSLWantReadError", lambda m, f: handshaken_pair(m, f).client.unwrap()),
    ("bio-read-after-eof", (R, (2, None, b"ab", b"", True)),
     lambda m, f: (lambda b: (b.write(b"ab"), b.write_eof(), b.read(), b.read(), b.eof))(m.MemoryBIO())),
    # --- application records after the handshake
    ("record-intact", (R, b"application data " * 4), lambda m, f: tls12_record(m, f, lambda r: r)),
    ("record-mac-flipped", "SSLError", lambda m, f: tls12_record(m, f, lambda r: r[:-1] + bytes([r[-1] ^ 1]))),
    ("record-body-flipped", "SSLError", lambda m, f: tls12_record(m, f, flip(20))),
    ("record-type-changed", "SSLError", lambda m, f: tls12_record(m, f, lambda r: b"\x63" + r[1:])),
    ("record-truncated-wants-more", "SSLWantReadError", lambda m, f: tls12_record(m, f, lambda r: r[:-10])),
    ("tls13-record-flipped", "SSLError", lambda m, f: record_from_server(m, f, flip(-3))),
    ("tls13-record-truncated", "SSLWantReadError", lambda m, f: record_from_server(m, f, lambda r: r[:-1])),
    # --- callbacks that misbehave (the failure reaches the peer as an alert)
    ("sni-raises", "SSLError", unraisable_quiet(lambda m, f: sni_handshake(m, f, raising_sni))),
    ("sni-returns-str", "SSLError", unraisable_quiet(lambda m, f: sni_handshake(m, f, lambda o, n, c: "x"))),
    ("sni-returns-alert", "SSLError",
     lambda m, f: sni_handshake(m, f, lambda o, n, c: m.ALERT_DESCRIPTION_ACCESS_DENIED)),
    ("sni-returns-none", (R, "handshake done"), lambda m, f: sni_handshake(m, f, lambda o, n, c: None)),
    # --- SSLSocket in the wrong state
    ("sock-recv-closed", "OSError", lambda m, f: on_closed_socket(m, f, lambda s: s.recv(1))),
    ("sock-send-closed", "OSError", lambda m, f: on_closed_socket(m, f, lambda s: s.send(b"x"))),
    ("sock-read-closed", "ValueError", lambda m, f: on_closed_socket(m, f, lambda s: s.read(1))),

    ("sock-recv-negative", "ValueError", lambda m, f: on_open_socket(m, f, lambda s: s.recv(-1))),
    ("sock-read-negative", "ValueError", lambda m, f: on_open_socket(m, f, lambda s: s.read(-1))),
    ("sock-recv-huge", "MemoryError", lambda m, f: on_open_socket(m, f, lambda s: s.recv(2**62))),

    ("sock-recv_into-readonly", "TypeError",
     lambda m, f: on_open_socket(m, f, lambda s: s.recv_into(b"immutable"))),
    ("sock-send-str", "TypeError", lambda m, f: on_open_socket(m, f, lambda s: s.send("text"))),
    ("sock-sendall-int", "TypeError", lambda m, f: on_open_socket(m, f, lambda s: s.sendall(5))),
    ("sock-recv-flags", "ValueError", lambda m, f: on_open_socket(m, f, lambda s: s.recv(1, socket.MSG_PEEK))),
    ("sock-recvfrom", "ValueError", lambda m, f: on_open_socket(m, f, lambda s: s.recvfrom(1))),
    ("sock-sendto", "ValueError", lambda m, f: on_open_socket(m, f, lambda s: s.sendto(b"x", ("127.0.0.1", 9)))),
    ("sock-dup", "NotImplementedError", lambda m, f: on_open_socket(m, f, lambda s: s.dup())),
    ("sock-channel-binding-bogus", "ValueError",
     lambda m, f: on_open_socket(m, f, lambda s: s.get_channel_binding("bogus"))),
    ("sock-session-after-handshake", "ValueError",
     lambda m, f: on_open_socket(m, f, lambda s: setattr(s, "session", s.session))),
    ("sock-recv-after-unwrap", (R, b""), lambda m, f: on_unwrapped_socket(m, f, lambda s: s.recv(1))),
    ("sock-version-after-unwrap", (R, None), lambda m, f: on_unwrapped_socket(m, f, lambda s: s.version())),
    ("sock-fileno-after-detach", (R, -1), lambda m, f: on_detached_socket(m, f, lambda s: s.fileno())),
    ("sock-recv_into-nbytes-over-buffer", (R, (4, b"abcd")), recv_into_short_buffer),
    ("sock-stalled-peer", "TimeoutError", stalled_peer_handshake),
    ("sock-peer-closes-mid-handshake", "SSLEOFError", peer_closes_mid_handshake),
    ("sock-peer-speaks-http", "SSLError", peer_sends_http),
]

# Where sslx departs from the stdlib on purpose (or the stdlib's outcome
# is an accident): (id, sslx's expected outcome, stdlib's outcome, fn, why).
DEVIATIONS = [
    ("ctx-protocol-huge", "ValueError", "OverflowError", lambda m, f: m.SSLContext(2**70),
     "sslx calls any out-of-range protocol invalid (test_context.test_bad_protocol)"),
    ("wrap_bio-hostname-missing", "ValueError", since((3, 14), "ValueError", "returned"),
     lambda m, f: client_ctx(m, f).wrap_bio(m.MemoryBIO(), m.MemoryBIO()),
     "sslx checks check_hostname/server_hostname in wrap_bio() as wrap_socket() does; "
     "the stdlib deferred to the handshake before 3.14"),
    ("wrap_bio-server-with-hostname", "ValueError", since((3, 14), "ValueError", "returned"),
     lambda m, f: server_ctx(m, f).wrap_bio(m.MemoryBIO(), m.MemoryBIO(), server_side=True,
                                            server_hostname="x"),
     "as wrap_socket(): a server-side object with a server_hostname is refused (the "
     "stdlib too from 3.14)"),
    ("sock-getpeercert-closed", "OSError", "AttributeError",
     lambda m, f: on_closed_socket(m, f, lambda s: s.getpeercert()),
     "the stdlib trips over its own None (AttributeError); sslx reports ENOTCONN"),
    ("sock-recv-after-detach", "OSError", None,
     lambda m, f: on_detached_socket(m, f, lambda s: s.recv(1)),
     "the stdlib keeps reading TLS through the descriptor it handed away (its outcome "
     "then depends on timing, so it is not checked); sslx's detached socket is closed "
     "(EBADF)"),
    ("obj-read-huge", "SSLWantReadError", "MemoryError",
     lambda m, f: handshaken_pair(m, f).client.read(2**62),
     "sslx allocates for a read only what is waiting (at least one record's worth), so "
     "a huge len is not a MemoryError: with nothing received it wants to read, like any "
     "read"),
]

IDS = [c[0] for c in CASES]
assert len(set(IDS)) == len(IDS)


def observe(fn, mod, f):
    try:
        value = fn(mod, f)
    except Exception as exc:    # the type is what the test compares
        return type(exc).__name__
    return (R, value)


def _is_socket_case(name):
    """Cases run in the child process: SSLSocket cases (peer threads) and
    huge allocations (AddressSanitizer aborts on those unless told to
    return NULL, which the child's environment tells it)."""
    return name.startswith("sock-") or "-huge" in name


def _socket_outcomes_here(cafile, server):
    f = Files()
    f.cafile, f.server = cafile, server
    out = {}
    for name, _, fn in CASES + [(d[0], None, d[3]) for d in DEVIATIONS]:
        if _is_socket_case(name):
            out[name] = {mod_name: repr(observe(fn, mod, f)) for mod_name, mod in MODULES.items()}
    return out


@pytest.fixture(scope="module")
def socket_outcomes(files):
    """The SSLSocket cases need peer threads; they run in a child process,
    so the threads' malloc arenas do not disturb the memory-growth checks
    of later tests (test_leaks) in this process.  Huge allocations run
    there too (see _is_socket_case)."""
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([here] + sys.path)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                 "allocator_may_return_null=1"]))
    proc = subprocess.run([sys.executable, os.path.join(here, "test_hostile.py"), files.cafile, files.server],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def outcomes_for(name, fn, files, socket_outcomes):
    """(sslx's, the stdlib's) outcomes, as repr() strings."""
    if _is_socket_case(name):
        got = socket_outcomes[name]
        return got["sslx"], got["stdlib"]
    return repr(observe(fn, sslx, files)), repr(observe(fn, stdlib_ssl, files))


def kind(outcome_repr):
    """'returned' or the exception's type name."""
    return R if outcome_repr.startswith("(") else outcome_repr.strip("'")


@pytest.mark.parametrize("name, expected, fn", CASES, ids=IDS)
def test_hostile(files, socket_outcomes, name, expected, fn):
    mine, theirs = outcomes_for(name, fn, files, socket_outcomes)
    assert mine == theirs, "sslx %s, stdlib %s" % (mine, theirs)
    assert mine == repr(expected)


@pytest.mark.parametrize("name, mine, theirs, fn, why", DEVIATIONS, ids=[d[0] for d in DEVIATIONS])
def test_known_deviation(files, socket_outcomes, name, mine, theirs, fn, why):
    got_mine, got_theirs = outcomes_for(name, fn, files, socket_outcomes)
    assert kind(got_mine) == mine
    if theirs is not None:
        assert kind(got_theirs) == theirs


def _battery_growth_here(f):
    """KiB the RSS of this process grows by over 15 rounds of every quick
    case, after 3 rounds of warm-up: the smaller growth of two such windows
    in a row (a leak grows both; a one-time cache or arena filled in the
    first, as seen with CPython 3.15 on OpenSSL 3.6, does not)."""
    def rss_kib():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    def rounds(n):
        for _ in range(n):
            for fn in quick:
                observe(fn, sslx, f)
        gc.collect()

    quick = [fn for name, _, fn in CASES if not _is_socket_case(name)]
    rounds(3)                           # warm up caches and arenas
    growth = []
    for _ in range(2):
        before = rss_kib()
        rounds(15)
        growth.append(rss_kib() - before)
    return min(growth)


def test_battery_does_not_leak(files):
    """Run every case many times: the process must not keep growing."""
    import subprocess
    env = dict(os.environ)
    if "libasan" not in env.get("LD_PRELOAD", ""):
        grown = _battery_growth_here(files)
        assert grown < 8 * 1024, "RSS grew by %d KiB over 15 rounds" % grown
        return
    # Under AddressSanitizer, freed blocks wait in its quarantine (256 MB)
    # instead of being reused, so RSS grows with the volume freed, not with
    # leaks.  Measure in a child without the quarantine, and let
    # LeakSanitizer judge leaked blocks exactly.
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = os.pathsep.join([here] + sys.path)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                 "quarantine_size_mb=0", "detect_leaks=1"]))
    attrs = {k: v for k, v in vars(files).items() if isinstance(v, str)}
    proc = subprocess.run([sys.executable, os.path.join(here, "test_hostile.py"), "--battery",
                           json.dumps(attrs)], capture_output=True, text=True, timeout=600,
                          env=env)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    grown = int(proc.stdout.split()[-1])
    assert grown < 8 * 1024, "RSS grew by %d KiB over 15 rounds" % grown
    # Other extensions (cffi, via trustme) keep one-time allocations at
    # exit; no leaked block may have been allocated through sslx.
    leaks = [block for block in proc.stderr.split("\n\n") if "leak of" in block]
    assert not [b for b in leaks if "_sslx" in b], proc.stderr[-5000:]


if __name__ == "__main__":
    # The child process of the socket_outcomes fixture (CAFILE SERVERFILE)
    # or of test_battery_does_not_leak under ASan (--battery FILES-JSON).
    import warnings
    warnings.simplefilter("ignore")
    if sys.argv[1] == "--battery":
        child_files = Files()
        vars(child_files).update(json.loads(sys.argv[2]))
        child_files.ca_der = stdlib_ssl.PEM_cert_to_DER_cert(child_files.ca_pem)
        print(_battery_growth_here(child_files))
    else:
        print(json.dumps(_socket_outcomes_here(sys.argv[1], sys.argv[2])))
