"""SSLSocket: the spec's "SSL Sockets", "Socket creation", "Notes on
non-blocking sockets", "Client-side" and "Server-side operation".

Tests that take the fixture `mod` run on sslx and on the stdlib with the
same expectations; the peer is always the stdlib (a reference TLS stack)
unless a test says otherwise.  Servers run on 127.0.0.1 in threads
(sockhelpers), with timeouts, joined at the end of each test."""
import errno
import gc
import io
import os
import select
import socket
import ssl as stdlib_ssl
import sys
import threading
import time
import warnings

import pytest

import sslx
from memhelpers import make_contexts
from sockhelpers import (ConcurrentServer, ThreadedServer, echo_lines, recv_exactly,
                         stdlib_tls_server)


@pytest.fixture
def ref(certs):
    """The stdlib's client and server contexts: the reference peer."""
    return make_contexts(stdlib_ssl, certs)


def tls_echo_server(ref, connections=1):
    return ThreadedServer(stdlib_tls_server(ref[1], echo_lines), connections)


def client_for(mod, certs, addr, timeout=10, **kw):
    client_ctx, _ = make_contexts(mod, certs)
    sock = socket.create_connection(addr, timeout=timeout)
    return client_ctx.wrap_socket(sock, server_hostname="localhost", **kw)


def outcome(func, *args, **kwargs):
    try:
        return ("ok", func(*args, **kwargs))
    except Exception as exc:
        return (type(exc).__name__, str(exc).replace("sslx.", "ssl."))


# ---- the type ----

def test_is_a_socket_subclass():
    assert issubclass(sslx.SSLSocket, socket.socket)
    assert sslx.SSLSocket.__mro__[1:3] == (stdlib_ssl.SSLSocket, socket.socket)


def test_no_public_constructor():
    with pytest.raises(TypeError) as ours:
        sslx.SSLSocket()
    with pytest.raises(TypeError) as theirs:
        stdlib_ssl.SSLSocket()
    assert str(ours.value) == str(theirs.value)
    # The stdlib's __new__ hands out a half-made object whose methods fail
    # later; sslx refuses it at once, with the same message.
    with pytest.raises(TypeError, match="does not have a public constructor"):
        sslx.SSLSocket.__new__(sslx.SSLSocket)


def test_wrap_unconnected_takes_over_fd_and_timeout(mod, certs):
    ctx, _ = make_contexts(mod, certs)
    sock = socket.socket()
    sock.settimeout(2.5)
    fd = sock.fileno()
    with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
        assert isinstance(tls, mod.SSLSocket)
        assert isinstance(tls, socket.socket)
        assert tls.fileno() == fd
        assert sock.fileno() == -1          # detached, like the stdlib
        assert tls.gettimeout() == 2.5
        assert (tls.family, tls.type, tls.proto) == (socket.AF_INET, socket.SOCK_STREAM, 0)
        assert tls.server_hostname == "localhost"
        assert tls.server_side is False
        assert tls.do_handshake_on_connect is True
        assert tls.suppress_ragged_eofs is True
        assert tls.context is ctx
        # No TLS yet: the documented None answers.
        for name in ("cipher", "version", "selected_alpn_protocol", "shared_ciphers",
                     "compression"):
            assert getattr(tls, name)() is None, name
        assert tls.get_channel_binding() is None
        assert tls.pending() == 0
        assert tls.session is None
        assert tls.session_reused is None
        with pytest.raises(OSError) as cm:
            tls.getpeercert()
        assert cm.value.errno == errno.ENOTCONN
        tls.foo = 1                           # instances have a __dict__
        assert tls.__dict__["foo"] == 1
    assert tls.fileno() == -1


def test_repr_is_the_socket_repr(certs):
    outs = []
    for m in (sslx, stdlib_ssl):
        ctx, _ = make_contexts(m, certs)
        with ctx.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
            outs.append(repr(tls).replace(str(tls.fileno()), "FD"))
        outs.append(repr(tls))
    assert outs[0].replace("sslx.", "ssl.") == outs[2]
    assert outs[1].replace("sslx.", "ssl.") == outs[3]


def test_wrap_argument_errors_match_stdlib(certs):
    cases = [
        dict(server_side=True, server_hostname="localhost"),
        dict(server_hostname=None),
    ]
    for kw in cases:
        results = []
        for m in (sslx, stdlib_ssl):
            ctx, _ = make_contexts(m, certs)
            sock = socket.socket()
            results.append(outcome(ctx.wrap_socket, sock, **kw))
            results.append(sock.fileno() != -1)     # not detached on error
            sock.close()
        assert results[0] == results[2] and results[1] == results[3], (kw, results)
        assert results[0][0] == "ValueError"


def test_datagram_socket_refused(certs):
    results = []
    for m in (sslx, stdlib_ssl):
        ctx, _ = make_contexts(m, certs)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            results.append(outcome(ctx.wrap_socket, s, server_hostname="localhost"))
    assert results[0] == results[1] == ("NotImplementedError",
                                        "only stream sockets are supported")


def test_non_blocking_handshake_on_connect_refused(mod, certs, ref):
    with tls_echo_server(ref) as srv:
        ctx, _ = make_contexts(mod, certs)
        sock = socket.create_connection(srv.addr, timeout=5)
        sock.setblocking(False)
        with pytest.raises(ValueError, match="non-blocking sockets"):
            ctx.wrap_socket(sock, server_hostname="localhost")
        assert sock.fileno() == -1    # taken over, then closed with the error


# ---- blocking mode ----

def test_blocking_echo(mod, certs, ref):
    with tls_echo_server(ref) as srv:
        ctx, _ = make_contexts(mod, certs)
        with ctx.wrap_socket(socket.create_connection(srv.addr), server_hostname="localhost") as tls:
            assert tls.gettimeout() is None
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
            assert tls.cipher()[1] == tls.version()
            assert tls.getpeercert()["subjectAltName"][0] == ("DNS", "localhost")
            assert tls.send(b"hello") == 5
            assert tls.recv(100) == b"HELLO"
            tls.write(b"abc")
            assert tls.read(3) == b"ABC"
            buf = bytearray(10)
            tls.sendall(b"xyz")
            assert recv_exactly_into(tls, buf, 3) == 3
            assert bytes(buf[:3]) == b"XYZ"
            big = os.urandom(1 << 20)
            tls.sendall(big)
            assert recv_exactly(tls, len(big)) == big.upper()


def recv_exactly_into(tls, buf, n):
    got = 0
    view = memoryview(buf)
    while got < n:
        k = tls.recv_into(view[got:], n - got)
        assert k > 0
        got += k
    return got


def test_recv_into_default_size_and_flags(mod, certs, ref):
    with tls_echo_server(ref) as srv:
        with client_for(mod, certs, srv.addr) as tls:
            tls.sendall(b"q" * 5)
            buf = bytearray(5)
            assert recv_exactly_into(tls, buf, 5) == 5
            for call in (lambda: tls.recv(1, 1), lambda: tls.recv_into(buf, 1, 1),
                         lambda: tls.send(b"x", 1), lambda: tls.sendall(b"x", 1)):
                with pytest.raises(ValueError, match="non-zero flags not allowed"):
                    call()


def test_refused_methods_match_stdlib(certs, ref):
    results = {}
    for m in (sslx, stdlib_ssl):
        with tls_echo_server(ref) as srv:
            with client_for(m, certs, srv.addr) as tls:
                results[m] = [
                    outcome(tls.recvfrom, 1),
                    outcome(tls.recvfrom_into, bytearray(1)),
                    outcome(tls.sendto, b"x", srv.addr),
                    outcome(tls.recvmsg, 1),
                    outcome(tls.recvmsg_into, [bytearray(1)]),
                    outcome(tls.sendmsg, [b"x"]),
                    outcome(tls.dup),
                ]
    assert results[sslx] == results[stdlib_ssl]
    assert all(r[0] in ("ValueError", "NotImplementedError") for r in results[sslx])


def test_connect_errors_match_stdlib(certs, ref):
    results = {}
    for m in (sslx, stdlib_ssl):
        with tls_echo_server(ref) as srv:
            ctx, sctx = make_contexts(m, certs)
            with client_for(m, certs, srv.addr) as tls:
                again = outcome(tls.connect, srv.addr)
            with sctx.wrap_socket(socket.socket(), server_side=True) as server_sock:
                server_connect = outcome(server_sock.connect, srv.addr)
            results[m] = [again, server_connect]
    assert results[sslx] == results[stdlib_ssl]
    assert results[sslx][0][0] == results[sslx][1][0] == "ValueError"


def test_connect_and_connect_ex_handshake(mod, certs, ref):
    with tls_echo_server(ref, connections=2) as srv:
        ctx, _ = make_contexts(mod, certs)
        with ctx.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
            assert tls.cipher() is None
            tls.connect(srv.addr)
            assert tls.cipher() is not None     # handshake ran on connect
            tls.sendall(b"a")
            assert tls.recv(1) == b"A"
        with ctx.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
            assert tls.connect_ex(srv.addr) == 0
            assert tls.version() is not None
            tls.sendall(b"b")
            assert tls.recv(1) == b"B"


# ---- server_hostname and server_side: plain attributes in the stdlib ----

def test_server_hostname_assigned_before_connect_is_the_name_verified(mod, certs, ref):
    with tls_echo_server(ref, connections=2) as srv:
        ctx, _ = make_contexts(mod, certs)
        with ctx.wrap_socket(socket.socket(), server_hostname="wrong.example") as tls:
            tls.server_hostname = "localhost"
            tls.connect(srv.addr)
            assert tls.server_hostname == "localhost"
            tls.sendall(b"a")
            assert tls.recv(1) == b"A"
        with ctx.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
            tls.server_hostname = "wrong.example"
            with pytest.raises(mod.SSLCertVerificationError, match="Hostname mismatch"):
                tls.connect(srv.addr)


def test_server_hostname_assigned_after_connect_changes_only_the_attribute(mod, certs, ref):
    with tls_echo_server(ref) as srv:
        ctx, _ = make_contexts(mod, certs)
        with ctx.wrap_socket(socket.create_connection(srv.addr),
                             server_hostname="localhost") as tls:
            tls.server_hostname = b"other"
            tls.server_side = "yes"
            assert (tls.server_hostname, tls.server_side) == (b"other", "yes")
            tls.sendall(b"b")
            assert tls.recv(1) == b"B"
            assert tls.getpeercert()["subjectAltName"]


def test_server_side_assigned_before_connect(mod, certs):
    ctx, _ = make_contexts(mod, certs)
    with ctx.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
        tls.server_side = 1
        assert tls.server_side == 1
        with pytest.raises(ValueError, match="can't connect in server-side mode"):
            tls.connect(("127.0.0.1", 9))


@pytest.mark.parametrize("name", [".leading-dot", b"localhost", "h\xf6st", "a\x00b"])
def test_server_hostname_assigned_before_connect_is_checked_there(certs, name):
    # connect() takes an assigned name as the stdlib's does: a str of
    # ASCII characters, not converted through 'idna' as wrap_socket() does.
    outcomes = []
    for module in (sslx, stdlib_ssl):
        ctx, _ = make_contexts(module, certs)
        with ctx.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
            tls.server_hostname = name
            try:
                tls.connect(("127.0.0.1", 9))
            except Exception as exc:  # noqa: BLE001 - compared below
                outcomes.append((type(exc), str(exc)))
    assert outcomes[0] == outcomes[1]
    assert issubclass(outcomes[0][0], (TypeError, ValueError))


def test_server_hostname_none_before_connect_with_check_hostname():
    # The stdlib would connect and check no name at all; sslx refuses, as
    # wrap_socket() itself does (docs/differences.md).
    ctx = sslx.create_default_context()
    with ctx.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
        tls.server_hostname = None
        with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
            tls.connect(("127.0.0.1", 9))


def test_sslobject_identity_is_read_only(mod):
    obj = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT).wrap_bio(
        mod.MemoryBIO(), mod.MemoryBIO(), server_hostname="localhost")
    for name in ("server_hostname", "server_side"):
        with pytest.raises(AttributeError):
            setattr(obj, name, None)


def test_do_handshake_on_connect_false(mod, certs, ref):
    with tls_echo_server(ref) as srv:
        ctx, _ = make_contexts(mod, certs)
        with ctx.wrap_socket(socket.create_connection(srv.addr, timeout=5),
                             server_hostname="localhost",
                             do_handshake_on_connect=False) as tls:
            assert tls.version() is None
            tls.do_handshake()
            assert tls.version() is not None
            tls.sendall(b"z")
            assert tls.recv(1) == b"Z"


def test_verification_failure_closes_socket(mod, certs, ref, other_ca, tmp_path):
    other = tmp_path / "other.pem"
    other_ca.cert_pem.write_to_path(str(other))
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(other))

    def server(conn):
        try:
            with ref[1].wrap_socket(conn, server_side=True):
                pass
        except (stdlib_ssl.SSLError, OSError):
            return "failed"
    with ThreadedServer(server) as srv:
        sock = socket.create_connection(srv.addr, timeout=5)
        with pytest.raises(mod.SSLCertVerificationError) as cm:
            ctx.wrap_socket(sock, server_hostname="localhost")
        assert "certificate verify failed" in str(cm.value)
        assert cm.value.verify_code == 20
    assert srv.results == ["failed"]


# ---- server side ----

def test_server_side_accept(mod, certs):
    client_ref, _ = make_contexts(stdlib_ssl, certs)
    _, server_ctx = make_contexts(mod, certs)
    listener = server_ctx.wrap_socket(socket.socket(), server_side=True)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    addr = listener.getsockname()
    result = {}

    def client():
        with client_ref.wrap_socket(socket.create_connection(addr, timeout=10),
                                    server_hostname="localhost") as c:
            c.sendall(b"ping")
            result["reply"] = recv_exactly(c, 4)

    t = threading.Thread(target=client)
    t.start()
    try:
        conn, peer = listener.accept()
        with conn:
            assert isinstance(conn, mod.SSLSocket)
            assert conn.server_side is True
            assert conn.version() is not None       # handshake done by accept()
            assert peer[0] == "127.0.0.1"
            assert recv_exactly(conn, 4) == b"ping"
            conn.sendall(b"pong")
            assert conn.getpeercert() is None       # no client certificate asked
    finally:
        t.join(10)
        listener.close()
    assert result["reply"] == b"pong"


def test_sslsocket_class_is_honoured(certs, ref):
    ctx, sctx = make_contexts(sslx, certs)

    class MySSLSocket(sslx.SSLSocket):
        def hello(self):
            return "hi"

    ctx.sslsocket_class = MySSLSocket
    sctx.sslsocket_class = MySSLSocket
    with tls_echo_server(ref) as srv:
        with ctx.wrap_socket(socket.create_connection(srv.addr, timeout=5),
                             server_hostname="localhost") as tls:
            assert type(tls) is MySSLSocket and tls.hello() == "hi"
            tls.sendall(b"k")
            assert tls.recv(1) == b"K"
    # accept() wraps through the listening socket's context, same class.
    listener = sctx.wrap_socket(socket.socket(), server_side=True)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    t = threading.Thread(target=lambda: ref[0].wrap_socket(
        socket.create_connection(listener.getsockname(), timeout=10),
        server_hostname="localhost").close())
    t.start()
    try:
        conn, _ = listener.accept()
        assert type(conn) is MySSLSocket
        conn.close()
    finally:
        t.join(10)
        listener.close()
    with pytest.raises(TypeError):
        MySSLSocket()


# ---- timeout mode: the timeout bounds each whole operation ----

def stalled_server(conn):
    """Accepts TCP, then says nothing until the client gives up."""
    conn.settimeout(5)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def test_handshake_timeout(mod, certs):
    with ThreadedServer(stalled_server) as srv:
        sock = socket.create_connection(srv.addr)
        sock.settimeout(0.5)
        ctx, _ = make_contexts(mod, certs)
        start = time.monotonic()
        with pytest.raises(TimeoutError) as cm:
            ctx.wrap_socket(sock, server_hostname="localhost")
        elapsed = time.monotonic() - start
        assert "handshake operation timed out" in str(cm.value)
        assert 0.4 <= elapsed < 3


def test_read_timeout(mod, certs, ref):
    def body(tls):
        tls.settimeout(5)
        try:
            tls.recv(1)         # waits for the client to close
        except OSError:
            pass
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        with client_for(mod, certs, srv.addr, timeout=0.5) as tls:
            start = time.monotonic()
            with pytest.raises(TimeoutError) as cm:
                tls.recv(10)
            assert "read operation timed out" in str(cm.value)
            assert 0.4 <= time.monotonic() - start < 3


def test_write_timeout(mod, certs, ref):
    release = threading.Event()

    def body(tls):
        release.wait(10)        # never reads until the client is done
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        try:
            with client_for(mod, certs, srv.addr, timeout=0.5) as tls:
                big = b"x" * (64 << 20)
                start = time.monotonic()
                with pytest.raises(TimeoutError) as cm:
                    for _ in range(10):
                        tls.send(big)
                assert "write operation timed out" in str(cm.value)
                assert time.monotonic() - start < 5
        finally:
            release.set()


def test_retry_after_write_timeout(certs, ref):
    """Red-team finding 9: after send() timed out with a record half sent,
    OpenSSL needs the retry to pass the same data; a shorter send() made it
    fail the connection for good (BAD_LENGTH; the stdlib too, once the peer
    reads again).  sslx refuses the shorter send with ValueError, keeps the
    connection, and the proper retry delivers every byte once."""
    resume = threading.Event()
    received = []

    def body(tls):
        resume.wait(10)
        tls.settimeout(5)
        data = bytearray()
        while True:
            piece = tls.recv(65536)
            if not piece:
                break
            data += piece
        received.append(bytes(data))
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        try:
            with client_for(sslx, certs, srv.addr, timeout=0.5) as tls:
                chunk, sent = bytes(range(256)) * 400, []
                with pytest.raises(TimeoutError):
                    for _ in range(1000):
                        tls.send(chunk)
                        sent.append(chunk)
                with pytest.raises(ValueError, match="retried with the same data"):
                    tls.send(b"short")
                resume.set()
                tls.settimeout(10)
                assert tls.send(chunk) == len(chunk)    # the owed retry completes
                sent.append(chunk)
                tls.sendall(b"after")
                # Half-close and wait for the server: closing with its
                # session ticket unread would reset the connection.
                tls.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + 10
                while not received and time.monotonic() < deadline:
                    time.sleep(0.05)
        finally:
            resume.set()
    assert len(received) == 1
    expected = b"".join(sent) + b"after"
    assert (len(received[0]), received[0][-10:]) == (len(expected), expected[-10:])
    assert received[0] == expected


def test_sendall_deadline_covers_the_whole_buffer(certs, ref):
    """sslx bounds sendall() as a whole (one TLS write of the buffer); the
    stdlib restarts the timeout per send().  Against a peer that drains
    slowly, sslx gives up near the timeout."""
    stop = threading.Event()

    def body(tls):
        raw = tls
        while not stop.is_set():
            try:
                raw.recv(4096)
            except OSError:
                return
            time.sleep(0.01)
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        try:
            with client_for(sslx, certs, srv.addr, timeout=1.0) as tls:
                start = time.monotonic()
                with pytest.raises(TimeoutError):
                    tls.sendall(b"y" * (64 << 20))
                assert time.monotonic() - start < 4
        finally:
            stop.set()


def test_unwrap_timeout(mod, certs, ref):
    release = threading.Event()

    def body(tls):
        release.wait(10)        # never answers close_notify
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        try:
            with client_for(mod, certs, srv.addr, timeout=0.5) as tls:
                start = time.monotonic()
                with pytest.raises(TimeoutError) as cm:
                    tls.unwrap()
                assert "operation timed out" in str(cm.value)
                assert 0.4 <= time.monotonic() - start < 3
        finally:
            release.set()


def trickling_tls_server(ref_server_ctx, payload, delay, trickle_handshake):
    """A TLS server (stdlib SSLObject over MemoryBIOs) that sends its bytes
    one at a time with `delay` between them: bytes keep arriving, so only a
    deadline for the whole operation stops a reader."""
    def handler(conn):
        incoming, outgoing = stdlib_ssl.MemoryBIO(), stdlib_ssl.MemoryBIO()
        obj = ref_server_ctx.wrap_bio(incoming, outgoing, server_side=True)

        def flush(slow):
            data = outgoing.read()
            if not slow:
                conn.sendall(data)
                return
            for i in range(len(data)):
                conn.sendall(data[i:i + 1])
                time.sleep(delay)

        try:
            while True:
                try:
                    obj.do_handshake()
                    break
                except stdlib_ssl.SSLWantReadError:
                    flush(trickle_handshake)
                    data = conn.recv(65536)
                    if not data:
                        return "eof"
                    incoming.write(data)
            flush(trickle_handshake)
            obj.write(payload)
            flush(True)
        except OSError:
            return "client gone"
    return handler


def test_handshake_deadline_not_reset_by_trickling_bytes(mod, certs, ref):
    handler = trickling_tls_server(ref[1], b"", 0.02, trickle_handshake=True)
    with ThreadedServer(handler) as srv:
        sock = socket.create_connection(srv.addr)
        sock.settimeout(0.6)
        ctx, _ = make_contexts(mod, certs)
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            ctx.wrap_socket(sock, server_hostname="localhost")
        assert time.monotonic() - start < 2.5


def test_read_deadline_not_reset_by_trickling_bytes(mod, certs, ref):
    handler = trickling_tls_server(ref[1], b"r" * 2000, 0.02, trickle_handshake=False)
    with ThreadedServer(handler) as srv:
        with client_for(mod, certs, srv.addr, timeout=0.6) as tls:
            start = time.monotonic()
            with pytest.raises(TimeoutError):
                tls.recv(2000)      # one 2 KB record arriving over ~40 s
            assert time.monotonic() - start < 2.5


# ---- non-blocking mode ----

def test_non_blocking_mode(mod, certs, ref):
    release = threading.Event()

    def body(tls):
        data = recv_exactly(tls, 4)
        tls.sendall(data.upper())
        release.wait(10)
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        try:
            ctx, _ = make_contexts(mod, certs)
            sock = socket.create_connection(srv.addr, timeout=5)
            sock.setblocking(False)
            tls = ctx.wrap_socket(sock, server_hostname="localhost",
                                  do_handshake_on_connect=False)
            with tls:
                wants = set()
                deadline = time.monotonic() + 10
                while True:
                    try:
                        tls.do_handshake()
                        break
                    except mod.SSLWantReadError:
                        wants.add("read")
                        select.select([tls], [], [], 1)
                    except mod.SSLWantWriteError:
                        wants.add("write")
                        select.select([], [tls], [], 1)
                    assert time.monotonic() < deadline
                assert wants <= {"read", "write"}
                # Exceptions are (subclasses of) the stdlib's, and never
                # BlockingIOError.
                assert issubclass(mod.SSLWantReadError, stdlib_ssl.SSLWantReadError)
                tls.send(b"ping")
                while True:
                    try:
                        assert tls.recv(4) == b"PING"
                        break
                    except mod.SSLWantReadError:
                        select.select([tls], [], [], 1)
                        assert time.monotonic() < deadline
                with pytest.raises(mod.SSLWantReadError):
                    tls.recv(1)
                # A peer that does not read: send() raises, never returns 0.
                chunk = b"w" * 65536
                with pytest.raises(mod.SSLWantWriteError):
                    for _ in range(10000):
                        assert tls.send(chunk) > 0
        finally:
            release.set()


# ---- end of stream ----

def test_ragged_eof(mod, certs):
    def abrupt(conn):
        with make_contexts(stdlib_ssl, certs)[1].wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"bye")
            # close the TCP connection without close_notify
            raw = socket.socket(fileno=os.dup(tls.fileno()))
            raw.shutdown(socket.SHUT_RDWR)
            raw.close()
    for suppress in (True, False):
        with ThreadedServer(abrupt) as srv:
            with client_for(mod, certs, srv.addr, suppress_ragged_eofs=suppress) as tls:
                assert recv_exactly(tls, 3) == b"bye"
                if suppress:
                    assert tls.recv(10) == b""
                else:
                    with pytest.raises(mod.SSLEOFError):
                        tls.recv(10)


def test_clean_close_notify_reads_empty(mod, certs, ref):
    def body(tls):
        tls.sendall(b"end")
        try:
            tls.unwrap()        # the client may close without answering
        except OSError:
            pass
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        with client_for(mod, certs, srv.addr, suppress_ragged_eofs=False) as tls:
            assert recv_exactly(tls, 3) == b"end"
            assert tls.recv(10) == b""


# ---- STARTTLS / unwrap ----

def starttls_server(ref_server_ctx):
    """Cleartext line protocol: STARTTLS upgrades, ENDTLS goes back to
    cleartext, anything else is echoed upper-cased."""
    def handler(conn):
        sock = conn
        f_log = []
        while True:
            line = sock.recv(1024)
            if not line:
                return f_log
            encrypted = getattr(sock, "cipher", lambda: None)() is not None
            f_log.append((line, encrypted))
            if line == b"STARTTLS\n":
                sock.sendall(b"OK\n")
                sock = ref_server_ctx.wrap_socket(sock, server_side=True)
            elif line == b"ENDTLS\n":
                sock.sendall(b"OK\n")
                sock = sock.unwrap()
            else:
                sock.sendall(line.upper())
    return handler


def test_starttls_and_unwrap(mod, certs, ref):
    with ThreadedServer(starttls_server(ref[1])) as srv:
        ctx, _ = make_contexts(mod, certs)
        plain = socket.create_connection(srv.addr, timeout=5)
        plain.sendall(b"hello\n")
        assert plain.recv(100) == b"HELLO\n"
        plain.sendall(b"STARTTLS\n")
        assert plain.recv(100) == b"OK\n"
        tls = ctx.wrap_socket(plain, server_hostname="localhost")
        assert plain.fileno() == -1
        tls.sendall(b"secret\n")
        assert tls.recv(100) == b"SECRET\n"
        tls.sendall(b"ENDTLS\n")
        assert tls.recv(100) == b"OK\n"
        back = tls.unwrap()
        assert back is tls                   # the same object, like the stdlib
        assert back.cipher() is None and back.version() is None
        with pytest.raises(ValueError, match="No SSL wrapper around"):
            back.unwrap()
        back.sendall(b"clear\n")
        assert back.recv(100) == b"CLEAR\n"
        back.close()
    log = srv.results[0]
    assert log == [(b"hello\n", False), (b"STARTTLS\n", False), (b"secret\n", True),
                   (b"ENDTLS\n", True), (b"clear\n", False)]


# ---- makefile / sendfile ----

def test_makefile(mod, certs, ref):
    def body(tls):
        f = tls.makefile("rwb")
        out = []
        for line in f:
            out.append(line)
            f.write(b"> " + line)
            f.flush()
        f.close()
        return out
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        with client_for(mod, certs, srv.addr) as tls:
            w = tls.makefile("w", encoding="ascii")
            r = tls.makefile("r", encoding="ascii")
            w.write("one\ntwo\n")
            w.flush()
            assert r.readline() == "> one\n"
            assert r.readline() == "> two\n"
            w.close()
            r.close()
            tls.sendall(b"three\n")
            assert tls.makefile("rb").read(8) == b"> three\n"
    assert srv.results[0] == [b"one\n", b"two\n", b"three\n"]


def test_sendfile(mod, certs, ref, tmp_path):
    data = os.urandom(300_000)
    path = tmp_path / "blob"
    path.write_bytes(data)

    def body(tls):
        got = recv_exactly(tls, 100_000 + len(data))
        tls.sendall(b"done")
        return got
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        with client_for(mod, certs, srv.addr) as tls:
            with open(path, "rb") as f:
                assert tls.sendfile(f, offset=200_000, count=100_000) == 100_000
                assert f.tell() == 300_000
                f.seek(0)
                assert tls.sendfile(f) == len(data)
            assert recv_exactly(tls, 4) == b"done"
    assert srv.results[0] == data[200_000:] + data


# ---- threads ----

def test_many_threads_progress_at_once(certs):
    """Eight clients in eight threads: the server answers none of them
    until all eight have sent their request, so they all get a reply only
    if nobody holds the GIL (or a lock) while waiting for the network (a
    stuck client breaks the server's barrier, bounded at 10 s)."""
    n = 8
    _, server_ctx = make_contexts(sslx, certs)
    all_sent = threading.Barrier(n, timeout=10)

    def handler(conn):
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            data = recv_exactly(tls, 5)
            all_sent.wait()
            tls.sendall(data.upper())
            return data
    results = [None] * n

    def client(i):
        with client_for(sslx, certs, srv.addr, timeout=10) as tls:
            tls.sendall(b"ab%03d" % i)
            results[i] = recv_exactly(tls, 5)

    with ConcurrentServer(handler, connections=n) as srv:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
    assert results == [b"AB%03d" % i for i in range(n)]
    assert sorted(srv.results) == [b"ab%03d" % i for i in range(n)]
    assert not all_sent.broken


def test_close_from_another_thread(mod, certs, ref):
    release = threading.Event()

    def body(tls):
        release.wait(10)
    with ThreadedServer(stdlib_tls_server(ref[1], body)) as srv:
        try:
            tls = client_for(mod, certs, srv.addr, timeout=1.5)
            outcome_box = []

            def reader():
                try:
                    outcome_box.append(tls.recv(10))
                except Exception as exc:   # the outcome is what the test checks
                    outcome_box.append(exc)

            t = threading.Thread(target=reader)
            t.start()
            time.sleep(0.2)
            tls.close()
            t.join(10)
            assert not t.is_alive()
            assert len(outcome_box) == 1
            got = outcome_box[0]
            assert got == b"" or isinstance(got, (OSError, ValueError)), got
            assert tls.fileno() == -1
            assert tls.cipher() is None
        finally:
            release.set()


def test_close_with_makefile_open_keeps_tls(mod, certs, ref):
    with tls_echo_server(ref) as srv:
        with client_for(mod, certs, srv.addr) as tls:
            f = tls.makefile("rwb")
            tls.close()                      # deferred: the file still uses it
            f.write(b"still\n")
            f.flush()
            assert f.read(6) == b"STILL\n"
            f.close()                        # now the socket really closes
            assert tls.fileno() == -1


def test_detach_and_shutdown(mod, certs, ref):
    with tls_echo_server(ref, connections=2) as srv:
        tls = client_for(mod, certs, srv.addr)
        fd = tls.detach()
        assert fd >= 0 and tls.fileno() == -1
        if mod is sslx:
            # sslx drops the TLS state with the descriptor; the stdlib keeps
            # answering cipher() for a socket it no longer owns.
            assert tls.cipher() is None
        os.close(fd)
        tls = client_for(mod, certs, srv.addr)
        tls.shutdown(socket.SHUT_RDWR)
        assert tls.cipher() is None          # shutdown() drops the TLS layer
        tls.close()


def test_no_leak_of_wrapped_sockets(certs):
    ctx, _ = make_contexts(sslx, certs)
    ctx.wrap_socket(socket.socket(), server_hostname="localhost").close()  # warm caches
    gc.collect()
    before = sys.getrefcount(sslx.SSLSocket)
    for _ in range(200):
        s = ctx.wrap_socket(socket.socket(), server_hostname="localhost")
        s.close()
    del s
    gc.collect()
    after = sys.getrefcount(sslx.SSLSocket)
    assert after == before


def test_unclosed_socket_warns(certs):
    ctx, _ = make_contexts(sslx, certs)
    s = ctx.wrap_socket(socket.socket(), server_hostname="localhost")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        del s
        gc.collect()
    assert any(issubclass(x.category, ResourceWarning) and "unclosed" in str(x.message)
               for x in w)


# ---- session reuse across sockets (ftplib-style data connections) ----

@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_session_reuse_across_sockets(certs, version):
    ctx, server_ctx = make_contexts(sslx, certs)
    ctx.maximum_version = getattr(sslx.TLSVersion, version)

    def handler(conn):
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"hi")
            recv_exactly(tls, 1)
            return tls.session_reused
    with ConcurrentServer(handler, connections=2) as srv:
        first = ctx.wrap_socket(socket.create_connection(srv.addr, timeout=5),
                                server_hostname="localhost")
        assert recv_exactly(first, 2) == b"hi"   # TLS 1.3 tickets arrive with data
        session = first.session
        assert session is not None
        second = ctx.wrap_socket(socket.create_connection(srv.addr, timeout=5),
                                 server_hostname="localhost", session=session)
        assert recv_exactly(second, 2) == b"hi"
        assert second.session_reused is True
        first.sendall(b".")
        second.sendall(b".")
        first.close()
        second.close()
    assert sorted(srv.results) == [False, True]


# ---- module functions ----

def test_get_server_certificate(certs, ref, other_ca, tmp_path):
    def handler(conn):
        try:
            with ref[1].wrap_socket(conn, server_side=True):
                pass
        except (stdlib_ssl.SSLError, OSError):
            return "failed"
    with ThreadedServer(handler, connections=3) as srv:
        pem = sslx.get_server_certificate(srv.addr)
        theirs = stdlib_ssl.get_server_certificate(srv.addr)
        assert pem == theirs
        assert pem.startswith("-----BEGIN CERTIFICATE-----\n")
        assert pem == sslx.get_server_certificate(srv.addr, ca_certs=certs.cafile, timeout=5)
    other = tmp_path / "other.pem"
    other_ca.cert_pem.write_to_path(str(other))
    with ThreadedServer(handler) as srv:
        with pytest.raises(sslx.SSLCertVerificationError):
            sslx.get_server_certificate(srv.addr, ca_certs=str(other))


@pytest.mark.parametrize("addr", ["localhost", ("localhost",), ("a", "b", "c"), 5,
                                  iter(range(10)), ["127.0.0.1", 1]])
def test_get_server_certificate_address_shapes(addr):
    # Red-team finding 11 / issue 14: a string or list address raised
    # SystemError; the stdlib unpacks `host, port = addr` like Python does.
    got = {}
    for m in (stdlib_ssl, sslx):
        value = iter(range(10)) if not isinstance(addr, (str, tuple, list, int)) else addr
        got[m.__name__] = outcome(m.get_server_certificate, value, timeout=2)
    assert got["sslx"] == got["ssl"]
    assert got["sslx"][0] in ("ValueError", "TypeError", "ConnectionRefusedError")


def test_classes_with_their_own_new_are_honoured(mod, certs, ref):
    # Red-team finding 15: the stdlib creates sslobject_class and
    # sslsocket_class instances with cls.__new__ (the socket one with the
    # socket's family, type, proto and fileno); sslx skipped a subclass's own.
    calls = []

    class Obj(mod.SSLObject):
        def __new__(cls, *args, **kwargs):
            calls.append(("object", args, sorted(kwargs)))
            self = super().__new__(cls)
            self.tag = "made by Obj.__new__"
            return self

    class Sock(mod.SSLSocket):
        def __new__(cls, *args, **kwargs):
            calls.append(("socket", args, sorted(kwargs)))
            self = super().__new__(cls, *args, **kwargs)
            self.tag = "made by Sock.__new__"
            return self

    client_ctx, _ = make_contexts(mod, certs)
    client_ctx.sslobject_class, client_ctx.sslsocket_class = Obj, Sock
    obj = client_ctx.wrap_bio(mod.MemoryBIO(), mod.MemoryBIO(), server_hostname="localhost")
    with tls_echo_server(ref) as srv:
        raw = socket.create_connection(srv.addr, timeout=10)
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"ping\n")
            assert recv_exactly(tls, 5) == b"PING\n"
            assert type(tls) is Sock and tls.tag == "made by Sock.__new__"
    assert type(obj) is Obj and obj.tag == "made by Obj.__new__"
    assert calls == [("object", (), []),
                     ("socket", (), ["family", "fileno", "proto", "type"])]
    with pytest.raises(TypeError):
        Sock()                      # constructing one directly is still refused


def test_module_wrap_socket(certs):
    results = []
    # The stdlib removed its wrap_socket() in 3.12; sslx keeps the
    # documented function (the spec is 3.10's).
    for m in (sslx, stdlib_ssl) if hasattr(stdlib_ssl, "wrap_socket") else (sslx,):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with socket.socket() as s:
                results.append(outcome(m.wrap_socket, s, keyfile=certs.server_keyfile))
                results.append(outcome(m.wrap_socket, s, server_side=True))
                results.append(outcome(m.wrap_socket, s, server_side=True, certfile=""))
            results.append([str(x.message) for x in w if x.category is DeprecationWarning])
    if len(results) == 8:
        assert results[:4] == results[4:]
    assert results[0] == ("ValueError", "certfile must be specified")
    assert results[1][1] == "certfile must be specified for server-side operations"
    assert results[3][0] == "ssl.wrap_socket() is deprecated, use SSLContext.wrap_socket()"


def test_module_wrap_socket_client_works(certs, ref):
    with tls_echo_server(ref) as srv:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            tls = sslx.wrap_socket(socket.create_connection(srv.addr, timeout=5))
        with tls:
            assert tls.context.verify_mode == sslx.CERT_NONE
            tls.sendall(b"m")
            assert tls.recv(1) == b"M"
            assert tls.getpeercert() == {}       # not verified: no details


def test_io_buffer_types(mod, certs, ref):
    with tls_echo_server(ref) as srv:
        with client_for(mod, certs, srv.addr) as tls:
            for data in (bytearray(b"ba"), memoryview(b"mv"), io.BytesIO(b"bi").getbuffer()):
                tls.sendall(data)
                assert recv_exactly(tls, 2) == bytes(data).upper()


def test_peer_reset_reads_like_stdlib(certs):
    """A client that closes while TLS 1.3 tickets sit unread in its buffer
    makes the kernel send a reset.  What the server's recv() then does
    differs between interpreters (EOF before 3.13, ConnectionResetError
    from 3.13); sslx does what the stdlib on the same interpreter does."""
    outcomes = {}
    client_ref, _ = make_contexts(stdlib_ssl, certs)
    for m in (sslx, stdlib_ssl):
        _, server_ctx = make_contexts(m, certs)

        def handler(conn):
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                time.sleep(0.3)      # the client is gone by now
                return outcome(tls.recv, 100)
        with ThreadedServer(handler) as srv:
            with client_ref.wrap_socket(socket.create_connection(srv.addr, timeout=5),
                                        server_hostname="localhost"):
                time.sleep(0.1)      # let the tickets arrive, unread
        outcomes[m] = srv.results[0]
    assert outcomes[sslx][0] == outcomes[stdlib_ssl][0]


def test_non_blocking_connect_ex_then_handshake(mod, certs, ref):
    """The asynchronous client pattern: connect_ex() in progress, then
    do_handshake() until it stops asking for reads or writes."""
    with tls_echo_server(ref) as srv:
        ctx, _ = make_contexts(mod, certs)
        with ctx.wrap_socket(socket.socket(), server_hostname="localhost",
                             do_handshake_on_connect=False) as tls:
            tls.setblocking(False)
            assert tls.connect_ex(srv.addr) in (0, errno.EINPROGRESS)
            select.select([], [tls], [], 5)
            deadline = time.monotonic() + 10
            while True:
                try:
                    tls.do_handshake()
                    break
                except mod.SSLWantReadError:
                    select.select([tls], [], [], 1)
                except mod.SSLWantWriteError:
                    select.select([], [tls], [], 1)
                assert time.monotonic() < deadline
            assert tls.version() is not None
            tls.setblocking(True)
            tls.sendall(b"nb")
            assert recv_exactly(tls, 2) == b"NB"


@pytest.mark.parametrize("hostname", [".leading.dot", b"k\xf6nig.example"])
def test_bad_hostname_detaches_and_closes(certs, hostname):
    """As in the stdlib, the socket is taken over before the name is
    checked; sslx then closes its own object (as 3.13's stdlib does), so
    nothing is left to warn about."""
    kinds = []
    for m in (sslx, stdlib_ssl):
        ctx, _ = make_contexts(m, certs)
        sock = socket.socket()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)   # the stdlib's, before 3.13
            with pytest.raises((ValueError, UnicodeError)) as cm:
                ctx.wrap_socket(sock, server_hostname=hostname)
            kinds.append(type(cm.value))
            assert sock.fileno() == -1
            del cm
            gc.collect()
        sock.close()
    assert kinds[0] is kinds[1]
    ctx, _ = make_contexts(sslx, certs)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with pytest.raises((ValueError, UnicodeError)):
            ctx.wrap_socket(socket.socket(), server_hostname=hostname)
        gc.collect()
    assert not [x for x in w if issubclass(x.category, ResourceWarning)]
