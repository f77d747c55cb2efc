"""Helpers for the ecosystem tests (test_ecosystem.py, test_inject*.py):
third-party libraries driven over loopback with sslx's objects.

- need(name): import a library the `test` extra installs, or skip with
  the reason it is missing (test_ecosystem.py checks that every library
  the extra should have installed on this interpreter really is there,
  so a skip cannot hide a broken install).
- run_async(coro_fn, loop): run a coroutine on a fresh asyncio or uvloop
  event loop, bounded in time.
- HTTPSServer: http.server on 127.0.0.1 in a thread, recording the type of
  the TLS socket that carried each request.
"""
import asyncio
import gc
import http.server
import ssl as stdlib_ssl
import sys
import threading
import warnings

import pytest

import sslx

TIMEOUT = 20    # seconds: the bound on any one test's network activity
BODY = b"hello through sslx\n"

# The libraries the `test` extra installs for these tests (import name ->
# distribution name, as pyproject.toml spells it).
LIBRARIES = {
    "aiohttp": "aiohttp",
    "uvloop": "uvloop",
    "websockets": "websockets",
    "httpx": "httpx",
    "httpcore": "httpcore",
    "urllib3": "urllib3",
    "requests": "requests",
    "trio": "trio",
    "anyio": "anyio",
}


def need(name):
    """The module `name`, or a skip saying it is not installed here."""
    return pytest.importorskip(
        name, reason=f"{name} is not installed with this interpreter (pyproject.toml's "
        "test extra installs it wherever its markers allow)")


def module_of(impl):
    return sslx if impl == "sslx" else stdlib_ssl


def tls_type(impl, kind):
    """The exact class a TLS object of implementation `impl` has."""
    return getattr(module_of(impl), kind)


def contexts(impl, certs):
    """(client, server) contexts of `impl` ("sslx" or "stdlib") for the
    `certs` fixture: the client trusts the CA, the server is 'localhost',
    127.0.0.1 and ::1."""
    mod = module_of(impl)
    client = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    server = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    return client, server


def event_loop(kind):
    if kind == "uvloop":
        return need("uvloop").new_event_loop()
    return asyncio.new_event_loop()


def run_async(coro_fn, loop="asyncio", timeout=TIMEOUT):
    """Run coro_fn() on a new event loop of `loop` ("asyncio" or "uvloop"),
    failing after `timeout` seconds; the loop is closed afterwards."""
    ev = event_loop(loop)
    try:
        return ev.run_until_complete(asyncio.wait_for(coro_fn(), timeout))
    finally:
        try:
            ev.run_until_complete(ev.shutdown_asyncgens())
        finally:
            ev.close()
            if sys.version_info < (3, 11):
                collect_closed_ssl_transports()


def collect_closed_ssl_transports():
    """Python 3.10's asyncio SSL transport warns "unclosed transport" when
    collected after its connection was lost, unless its protocol closed it
    (websockets' server does not): with the stdlib's contexts alone too.
    Collect them here, where that known warning is ignored, rather than
    during a later test."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="unclosed transport <asyncio.sslproto",
                                category=ResourceWarning)
        gc.collect()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.seen.append((self.path, type(self.connection)))
        body = BODY + self.path.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HTTPSServer:
    """An HTTPS server on 127.0.0.1 whose listening socket `server_ctx`
    wraps; `seen` lists (path, type of the TLS socket) per request.  Each
    answer is BODY followed by the request's path."""

    def __init__(self, server_ctx):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.seen = self.seen = []
        self.httpd.socket = server_ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()


def expected_body(path):
    return BODY + path.encode()


def smtp_starttls_handler(server_ctx):
    """A ThreadedServer handler speaking just enough SMTP for smtplib:
    EHLO, STARTTLS (wrapping with `server_ctx`), MAIL, RCPT, DATA, QUIT.
    Returns {"tls_type": class of the TLS socket, "message": bytes}."""
    def handler(conn):
        sock, result = conn, {"tls_type": None, "message": b""}
        rfile = sock.makefile("rb")
        try:
            sock.sendall(b"220 localhost test\r\n")
            while True:
                line = rfile.readline()
                cmd = line.strip().upper()
                if not line or cmd == b"QUIT":
                    if line:
                        sock.sendall(b"221 bye\r\n")
                    return result
                if cmd.startswith(b"EHLO"):
                    sock.sendall(b"250-localhost\r\n250 STARTTLS\r\n")
                elif cmd == b"STARTTLS":
                    sock.sendall(b"220 ready\r\n")
                    rfile.close()
                    sock = server_ctx.wrap_socket(conn, server_side=True)
                    result["tls_type"] = type(sock)
                    rfile = sock.makefile("rb")
                elif cmd == b"DATA":
                    sock.sendall(b"354 go on\r\n")
                    for data in iter(rfile.readline, b""):
                        if data == b".\r\n":
                            break
                        result["message"] += data
                    sock.sendall(b"250 queued\r\n")
                else:
                    sock.sendall(b"250 ok\r\n")
        finally:
            rfile.close()
            if sock is not conn:
                sock.close()
    return handler
