"""Helpers for the asyncio tests: event loops to run on (the default one
and uvloop when installed), contexts, small servers."""
import asyncio
import socket
import ssl as stdlib_ssl
import threading

try:
    import uvloop
except ImportError:
    uvloop = None

LOOPS = ["default"] + (["uvloop"] if uvloop is not None else [])
TIMEOUT = 60


def new_loop(name):
    return uvloop.new_event_loop() if name == "uvloop" else asyncio.new_event_loop()


def run(loop_name, coro_fn, *args):
    """Run coro_fn(*args) to completion on a fresh loop of that kind."""
    loop = new_loop(loop_name)
    try:
        return loop.run_until_complete(asyncio.wait_for(coro_fn(*args), TIMEOUT))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def contexts(mod, certs, alpn=None):
    server = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    client = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    if alpn:
        server.set_alpn_protocols(alpn)
        client.set_alpn_protocols(alpn)
    return server, client


async def echo_server(server_ctx, **kwargs):
    """A TLS echo server (line by line until EOF); returns (server, port)."""

    async def handle(reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, stdlib_ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx, **kwargs)
    return server, server.sockets[0].getsockname()[1]


class ThreadTLSPeer:
    """A TLS server in a thread over blocking stdlib sockets, for peers that
    misbehave: after the handshake it runs `after(tls_socket)`."""

    def __init__(self, certfile, after):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile)
        self.after = after
        self.done = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            self.listener.settimeout(TIMEOUT)
            raw, _ = self.listener.accept()
            raw.settimeout(TIMEOUT)
            with self.ctx.wrap_socket(raw, server_side=True) as tls:
                self.after(tls)
        except Exception as exc:  # reported by close()
            self.error = exc
        finally:
            self.done.set()

    def close(self):
        self.done.wait(TIMEOUT)
        self.listener.close()
        self.thread.join(TIMEOUT)


class Recorder(asyncio.Protocol):
    """An app protocol that records what happens to it."""

    def __init__(self):
        self.data = bytearray()
        self.events = []
        self.lost = asyncio.get_event_loop().create_future()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.events.append("made")

    def data_received(self, data):
        self.data += data

    def eof_received(self):
        self.events.append("eof")

    def pause_writing(self):
        self.events.append("pause_writing")

    def resume_writing(self):
        self.events.append("resume_writing")

    def connection_lost(self, exc):
        self.events.append("lost")
        if not self.lost.done():
            self.lost.set_result(exc)
