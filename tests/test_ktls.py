"""Kernel TLS: OP_ENABLE_KTLS, SSLSocket.sendfile() and the private
_sslobj.uses_ktls_for_send()/uses_ktls_for_recv() (3.14's API).

With OP_ENABLE_KTLS an SSLSocket goes through OpenSSL's own socket BIO
(kernel TLS needs it), which sslx keeps non-blocking: everything the other
socket tests check for sslx's BIO (blocking reads beside writes in another
thread, timeouts, unwrap) must hold here too.  Whether the kernel takes the
keys depends on the machine: where /proc says the "tls" ULP is available
the tests expect kernel TLS to be used, elsewhere (this project's CI
machines) they expect the fallback, and sendfile() must deliver the same
bytes either way."""
import fcntl
import os
import socket
import threading
import time

import pytest

import sslx
from memhelpers import make_contexts
from sockhelpers import ThreadedServer, recv_exactly


def kernel_has_tls():
    try:
        with open("/proc/sys/net/ipv4/tcp_available_ulp") as f:
            return "tls" in f.read().split()
    except OSError:
        return False


def ktls_contexts(certs):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    for ctx in (client_ctx, server_ctx):
        ctx.options |= sslx.OP_ENABLE_KTLS
    return client_ctx, server_ctx


def serve_tls(server_ctx, body):
    """A loopback server running body(tls) on one connection."""
    def handler(conn):
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            return body(tls)
    return ThreadedServer(handler)


def test_echo_and_full_duplex_over_openssls_socket_bio(certs):
    client_ctx, server_ctx = ktls_contexts(certs)
    chunk = bytes(range(256)) * 256

    def body(tls):
        got = recv_exactly(tls, 4 * len(chunk))
        tls.sendall(got[::-1])
        return len(got)

    with serve_tls(server_ctx, body) as srv:
        raw = socket.create_connection(srv.addr, timeout=10)
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.settimeout(None)            # blocking: reads wait in poll(), not in OpenSSL
            received = bytearray()

            def reader():
                while len(received) < 4 * len(chunk):
                    received.extend(tls.recv(65536))

            t = threading.Thread(target=reader)
            t.start()
            time.sleep(0.1)                 # the reader now waits, holding no lock
            for _ in range(4):
                tls.sendall(chunk)          # must not wait for the reader
            t.join(20)
            assert not t.is_alive()
            assert bytes(received) == (chunk * 4)[::-1]
    assert srv.results == [4 * len(chunk)]


def test_timeout_and_unwrap_restore_the_socket_mode(certs):
    client_ctx, server_ctx = ktls_contexts(certs)
    release = threading.Event()

    def body(tls):
        release.wait(10)
        tls.unwrap()

    with serve_tls(server_ctx, body) as srv:
        raw = socket.create_connection(srv.addr, timeout=10)
        tls = client_ctx.wrap_socket(raw, server_hostname="localhost")
        try:
            tls.settimeout(0.3)
            start = time.monotonic()
            with pytest.raises(TimeoutError):
                tls.recv(10)
            assert time.monotonic() - start < 3
            tls.settimeout(None)
            release.set()
            plain = tls.unwrap()
            # Blocking again, as its timeout (None) says.
            assert not fcntl.fcntl(plain.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
            assert plain.gettimeout() is None
        finally:
            release.set()
            tls.close()


@pytest.mark.parametrize("use_ktls_option", [False, True])
def test_sendfile_sends_the_file(certs, tmp_path, use_ktls_option):
    client_ctx, server_ctx = ktls_contexts(certs) if use_ktls_option else make_contexts(
        sslx, certs)
    data = os.urandom(300_000)
    path = tmp_path / "payload"
    path.write_bytes(data)

    def body(tls):
        got = recv_exactly(tls, len(data) - 1000)
        tls.sendall(b"ok")
        return got

    with serve_tls(server_ctx, body) as srv:
        raw = socket.create_connection(srv.addr, timeout=10)
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            uses = tls._sslobj.uses_ktls_for_send()
            assert uses is (use_ktls_option and kernel_has_tls())
            assert tls._sslobj.uses_ktls_for_recv() in (False, True)
            with open(path, "rb") as f:
                sent = tls.sendfile(f, offset=1000)
                assert sent == len(data) - 1000
                assert f.tell() == len(data)
            # Wait for the server's answer before closing: closing with its
            # session tickets unread would reset the connection.
            assert recv_exactly(tls, 2) == b"ok"
    assert srv.results == [data[1000:]]


def test_private_sendfile_needs_kernel_tls(certs, tmp_path):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    path = tmp_path / "payload"
    path.write_bytes(b"x" * 100)
    with serve_tls(server_ctx, lambda tls: None) as srv:
        raw = socket.create_connection(srv.addr, timeout=10)
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            with open(path, "rb") as f, pytest.raises(sslx.SSLError, match="kernel TLS"):
                tls._sslobj.sendfile(f.fileno(), 0, 100)
