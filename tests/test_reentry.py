"""Re-entry: Python code that runs inside an OpenSSL call of a connection
(SNI and message callbacks, a Python MemoryBIO's methods) calling back
into the same connection.  OpenSSL cannot be re-entered: sslx refuses
with RuntimeError (findings 3, 5 and 14 of the red team, which crashed
sslx, and for 5 the stdlib too).  Queries stay allowed there, and the SNI
callback may still switch the context, which is what it is for."""
import socket
import sys
import threading

import pytest

import sslx
from memhelpers import MemoryPair, make_contexts

REENTRY = "callback of the same TLS connection"


class CallingBackBIO:
    """A MemoryBIO-like object whose write() first runs `hook`."""

    def __init__(self):
        self.inner = sslx.MemoryBIO()
        self.hook = None

    def read(self, n=-1):
        return self.inner.read(n)

    def write(self, data):
        if self.hook is not None:
            self.hook()
        return self.inner.write(data)

    def write_eof(self):
        self.inner.write_eof()

    @property
    def pending(self):
        return self.inner.pending

    @property
    def eof(self):
        return self.inner.eof


def test_bio_write_calling_do_handshake(certs):
    # Finding 3: SEGV in SSL_do_handshake called from inside itself.
    client_ctx, _ = make_contexts(sslx, certs)
    outgoing = CallingBackBIO()
    obj = client_ctx.wrap_bio(sslx.MemoryBIO(), outgoing, server_hostname="localhost")
    outgoing.hook = obj.do_handshake
    with pytest.raises(RuntimeError, match=REENTRY):
        obj.do_handshake()


def test_bio_write_may_query_its_connection(certs):
    # Queries do not call OpenSSL's state machine: they stay allowed.
    client_ctx, _ = make_contexts(sslx, certs)
    outgoing = CallingBackBIO()
    obj = client_ctx.wrap_bio(sslx.MemoryBIO(), outgoing, server_hostname="localhost")
    seen = []
    outgoing.hook = lambda: seen.append((obj.version(), obj.cipher(), obj.pending()))
    with pytest.raises(sslx.SSLWantReadError):
        obj.do_handshake()
    assert seen and seen[0] == (None, None, 0)


@pytest.fixture
def unraisable(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    return seen


def test_sni_callback_calling_do_handshake(certs, unraisable):
    client_ctx, server_ctx = make_contexts(sslx, certs)

    def sni(conn, name, ctx):
        conn.do_handshake()

    server_ctx.sni_callback = sni
    errors = MemoryPair(sslx, client_ctx, server_ctx).handshake_outcome()
    assert isinstance(errors["server"], sslx.SSLError)
    assert isinstance(errors["client"], sslx.SSLError)
    assert [type(u.exc_value) for u in unraisable] == [RuntimeError]
    assert REENTRY in str(unraisable[0].exc_value)


def test_sni_callback_may_still_switch_the_context(certs, unraisable):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    other = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    other.load_cert_chain(certs.server_certfile)
    switched = []

    def sni(conn, name, ctx):
        conn.context = other
        switched.append(conn.context is other)

    server_ctx.sni_callback = sni
    pair = MemoryPair(sslx, client_ctx, server_ctx).handshake()
    assert switched == [True] and pair.server.context is other
    assert not unraisable


@pytest.mark.parametrize("side, action", [
    ("client", "do_handshake"), ("server", "do_handshake"), ("server", "write"),
])
def test_msg_callback_calling_into_its_connection(certs, side, action):
    # Finding 5: do_handshake() or write() from the message callback
    # (double free in the stdlib and in sslx).  The callback's exception
    # becomes the exception of the operation it interrupted.
    client_ctx, server_ctx = make_contexts(sslx, certs)
    ctx = client_ctx if side == "client" else server_ctx
    calls = []

    def trace(conn, direction, version, content_type, msg_type, data):
        if not calls:
            calls.append(msg_type)
            if action == "write":
                conn.write(b"x")
            else:
                conn.do_handshake()

    ctx._msg_callback = trace
    pair = MemoryPair(sslx, client_ctx, server_ctx)
    errors = pair.handshake_outcome()
    assert calls
    assert isinstance(errors[side], RuntimeError)
    assert REENTRY in str(errors[side])


def test_sni_callback_detaching_its_socket(certs, unraisable):
    # Finding 14: detach() from the SNI callback left the server with an
    # SSLSocket already closed (fd -1) while the client held a working
    # connection.  Now detach() is refused there and the handshake fails
    # on both sides.
    client_ctx, server_ctx = make_contexts(sslx, certs)

    def sni(conn, name, ctx):
        conn.detach()

    server_ctx.sni_callback = sni
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    outcome = {}

    def serve():
        conn, _ = listener.accept()
        try:
            tls = server_ctx.wrap_socket(conn, server_side=True)
            outcome["server"] = ("returned", tls.fileno())
            tls.close()
        except Exception as exc:  # judged below
            outcome["server"] = exc
            conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        raw = socket.create_connection(listener.getsockname(), timeout=10)
        with pytest.raises(sslx.SSLError):
            client_ctx.wrap_socket(raw, server_hostname="localhost")
        raw.close()
    finally:
        thread.join(10)
        listener.close()
    assert isinstance(outcome["server"], sslx.SSLError), outcome
    assert [type(u.exc_value) for u in unraisable] == [RuntimeError]
