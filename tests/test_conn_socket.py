"""The engine's socket mode (conn.c): waits with deadlines, timeouts,
non-blocking sockets and signals, seen through SSLSocket.  Every test runs
on sslx and on the stdlib (fixture `mod`) with the same expectations; the
spec's "Notes on non-blocking sockets" and socket timeouts.

Servers are the stdlib's, on 127.0.0.1, in a thread that ends by itself."""
import signal
import socket
import ssl as stdlib_ssl
import threading
import time

import pytest


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def wrap(mod, ctx, sock, **kw):
    return ctx.wrap_socket(sock, **kw)


class Server:
    """A stdlib TLS server for one connection.  behaviour: "echo" (TLS,
    echo one message), "silent" (accept, never speak TLS), "quiet" (TLS
    handshake, then wait)."""

    def __init__(self, certs, behaviour, hold=1.5):
        self.ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certs.server_certfile)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.behaviour, self.hold = behaviour, hold
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return self.listener.getsockname()

    def run(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        conn.settimeout(10)
        with conn:
            if self.behaviour == "silent":
                time.sleep(self.hold)
                return
            try:
                tls = self.ctx.wrap_socket(conn, server_side=True)
                if self.behaviour == "echo":
                    tls.sendall(tls.recv(1024).upper())
                time.sleep(self.hold if self.behaviour == "quiet" else 0.2)
                tls.close()
            except OSError:
                pass

    def close(self):
        self.thread.join(10)
        self.listener.close()


@pytest.fixture
def client_ctx(mod, certs):
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(certs.cafile)
    return ctx


def test_blocking_round_trip(mod, certs, client_ctx):
    server = Server(certs, "echo")
    try:
        with socket.create_connection(server.address, timeout=None) as raw:
            tls = wrap(mod, client_ctx, raw, server_hostname="localhost")
            tls.sendall(b"hello")
            assert tls.recv(100) == b"HELLO"
            tls.close()
    finally:
        server.close()


def test_handshake_timeout(mod, certs, client_ctx):
    server = Server(certs, "silent")
    try:
        with socket.create_connection(server.address) as raw:
            raw.settimeout(0.3)
            start = time.monotonic()
            with pytest.raises(TimeoutError, match="The handshake operation timed out"):
                wrap(mod, client_ctx, raw, server_hostname="localhost")
            assert 0.25 <= time.monotonic() - start < 1.0
    finally:
        server.close()


def test_read_timeout(mod, certs, client_ctx):
    server = Server(certs, "quiet")
    try:
        with socket.create_connection(server.address) as raw:
            raw.settimeout(5)
            tls = wrap(mod, client_ctx, raw, server_hostname="localhost")
            tls.settimeout(0.3)
            start = time.monotonic()
            with pytest.raises(TimeoutError, match="The read operation timed out"):
                tls.recv(10)
            assert 0.25 <= time.monotonic() - start < 1.0
            tls.close()
    finally:
        server.close()


def test_non_blocking_handshake_wants_read(mod, certs, client_ctx):
    server = Server(certs, "silent", hold=0.5)
    try:
        with socket.create_connection(server.address) as raw:
            raw.setblocking(False)
            tls = wrap(mod, client_ctx, raw, server_hostname="localhost",
                       do_handshake_on_connect=False)
            with pytest.raises(mod.SSLWantReadError):
                tls.do_handshake()
            tls.close()
    finally:
        server.close()


@pytest.mark.parametrize("timeout", [None, 5.0])
def test_signal_interrupts_blocking_read(mod, certs, client_ctx, timeout):
    """A signal handler that raises ends a read waiting for data (PEP 475:
    handlers run; a handler that returns lets the wait go on)."""
    server = Server(certs, "quiet", hold=2.0)

    class Interrupted(Exception):
        pass

    calls = []

    def handler(signum, frame):
        calls.append(signum)
        if len(calls) == 2:
            raise Interrupted

    old = signal.signal(signal.SIGALRM, handler)
    try:
        with socket.create_connection(server.address) as raw:
            raw.settimeout(timeout)
            tls = wrap(mod, client_ctx, raw, server_hostname="localhost")
            signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)
            start = time.monotonic()
            with pytest.raises(Interrupted):
                tls.recv(10)
            assert 0.3 <= time.monotonic() - start < 1.5
            tls.close()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        server.close()
