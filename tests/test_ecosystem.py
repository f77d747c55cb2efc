"""Third-party libraries with sslx's objects passed explicitly (issue 13):
aiohttp, uvloop, asyncio's start_tls, trustme, websockets (sync and
asyncio), httpx/httpcore (sync and async), urllib3, requests and trio, each
as client and, where the library has one, as server.

Every test runs the library over loopback and checks that the bytes went
through sslx: the peer got the expected data, and the TLS object the
library reports (a transport's ssl_object, a connection's socket) is of
sslx's class where sslx's context made it and of the stdlib's where the
stdlib's did.  Pairs are (client, server): both sslx, or sslx against the
stdlib in each direction.  The stdlib's own clients (http.client, urllib,
smtplib, ftplib, asyncio streams) are covered in test_stdlib_clients.py.
"""
import asyncio
import importlib.metadata
import socket
import ssl as stdlib_ssl
import sys
import threading
from functools import partial

import pytest

import sslx
from ecohelpers import (LIBRARIES, TIMEOUT, HTTPSServer, contexts, expected_body, module_of,
                        need, run_async, tls_type)

PAIRS = [("sslx", "sslx"), ("sslx", "stdlib"), ("stdlib", "sslx")]
PAIR_IDS = ["sslx-client-sslx-server", "sslx-client-stdlib-server", "stdlib-client-sslx-server"]
LOOPS = ["asyncio", "uvloop"]

# An sslx bug these tests found, fixed since: SSLObject.read() consumed a
# close_notify queued behind data and reported the end of stream only on
# the next read(); uvloop reads only while incoming.pending or
# SSLObject.pending() is non-zero, so it never saw the peer's close.
# SSLObject.pending() now counts an end of stream a read has still to report.


@pytest.fixture(params=PAIRS, ids=PAIR_IDS)
def pair(request, certs):
    """(client impl, server impl, client ctx, server ctx)."""
    client_impl, server_impl = request.param
    return (client_impl, server_impl, contexts(client_impl, certs)[0],
            contexts(server_impl, certs)[1])


def test_the_test_extra_installed_every_library():
    """Where sslx was installed with its `test` extra (the README's test
    command), every library these tests need whose environment marker
    holds on this interpreter is importable: the ecosystem tests skip only
    where pyproject.toml says a library cannot be installed."""
    try:
        dist = importlib.metadata.distribution("sslx")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    # an installed sslx has a .dist-info; a src/sslx.egg-info is a build
    # leftover that may be older than pyproject.toml
    if dist is None or not str(getattr(dist, "_path", "")).endswith(".dist-info"):
        pytest.skip("sslx is not installed as a distribution here (run from the source tree)")
    requires = dist.requires or []
    from packaging.requirements import Requirement
    in_extra = {}
    for line in requires:
        req = Requirement(line)
        if req.marker is not None and "extra" in str(req.marker):
            in_extra[req.name.lower()] = req
    assert "pytest" in in_extra, "no test extra in sslx's metadata"
    for module, dist in LIBRARIES.items():
        assert dist in in_extra, f"{dist} is missing from the test extra"
        if in_extra[dist].marker.evaluate({"extra": "test"}):
            importlib.import_module(module)   # raises if the extra did not install it


# ---- trustme -------------------------------------------------------------

def test_trustme_configures_sslx_contexts(ca):
    """trustme checks isinstance(ctx, ssl.SSLContext) before loading; with
    an sslx context it loads the CA and the certificate chain, and the
    handshake that follows verifies the name trustme issued."""
    cert = ca.issue_cert("trustme.example")
    client = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    assert client.get_ca_certs() == []
    ca.configure_trust(client)
    cert.configure_cert(server)
    [loaded] = client.get_ca_certs()
    assert loaded["subject"] == loaded["issuer"]      # the trustme root
    a, b = socket.socketpair()
    a.settimeout(TIMEOUT)
    b.settimeout(TIMEOUT)
    result = {}

    def serve():
        with server.wrap_socket(b, server_side=True) as tls:
            result["server_type"] = type(tls)
            tls.sendall(tls.recv(100).upper())

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    with client.wrap_socket(a, server_hostname="trustme.example") as tls:
        tls.sendall(b"ping")
        assert tls.recv(100) == b"PING"
        assert ("DNS", "trustme.example") in tls.getpeercert()["subjectAltName"]
        assert type(tls) is sslx.SSLSocket
    t.join(TIMEOUT)
    assert result["server_type"] is sslx.SSLSocket


def test_trustme_refuses_what_is_not_a_context():
    """The check trustme makes is real: an object that is not an
    ssl.SSLContext is refused, so the test above passes because sslx's
    context is one."""
    trustme = need("trustme")

    class NotAContext:
        pass

    with pytest.raises(TypeError):
        trustme.CA().configure_trust(NotAContext())


# ---- aiohttp ---------------------------------------------------------------

async def aiohttp_roundtrip(client_ctx, server_ctx):
    """POST through aiohttp's client to aiohttp's server.  The server sends
    its headers, then waits until the client has looked at its connection
    (a response still being received keeps it), then sends the body."""
    aiohttp = need("aiohttp")
    from aiohttp import web
    seen = []
    looked = asyncio.Event()

    async def echo(request):
        seen.append(type(request.transport.get_extra_info("ssl_object")))
        body = await request.read()
        resp = web.StreamResponse()
        await resp.prepare(request)
        await resp.write(b"got ")
        await looked.wait()
        await resp.write(body)
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/echo", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
        await site.start()
        port = runner.addresses[0][1]
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(f"https://127.0.0.1:{port}/echo", data=b"payload",
                                    ssl=client_ctx) as resp:
                client_obj = resp.connection.transport.get_extra_info("ssl_object")
                looked.set()
                status, body = resp.status, await resp.read()
    finally:
        await runner.cleanup()
    return status, body, type(client_obj), seen


def test_aiohttp_client_and_server(pair):
    client_impl, server_impl, client_ctx, server_ctx = pair
    status, body, client_type, seen = run_async(lambda: aiohttp_roundtrip(client_ctx, server_ctx))
    assert (status, body) == (200, b"got payload")
    assert client_type is tls_type(client_impl, "SSLObject")
    assert seen == [tls_type(server_impl, "SSLObject")]


def test_aiohttp_refuses_a_stdlib_lookalike():
    """aiohttp's type check is real (a non-context is refused before any
    connection is made): sslx passes it by being an ssl.SSLContext."""
    aiohttp = need("aiohttp")

    async def main():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(TypeError, match="ssl should be SSLContext"):
                await session.get("https://127.0.0.1:9/", ssl=object())
    run_async(main)


# ---- asyncio and uvloop: servers, clients, start_tls ------------------------

async def stream_roundtrip(client_ctx, server_ctx):
    """asyncio.start_server + open_connection over TLS on the running loop:
    (reply, client ssl_object type, server ssl_object type)."""
    server_seen = []

    async def handle(reader, writer):
        server_seen.append(type(writer.get_extra_info("ssl_object")))
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx)
        writer.write(b"line one\n")
        reply = await reader.readline()
        client_type = type(writer.get_extra_info("ssl_object"))
        writer.close()
        await writer.wait_closed()
    finally:
        server.close()
        await server.wait_closed()
    return reply, client_type, server_seen


@pytest.mark.parametrize("loop", LOOPS)
def test_asyncio_start_server_and_open_connection(pair, loop):
    """asyncio.start_server/open_connection, on asyncio's loop and under
    uvloop (whose Cython checks isinstance(ctx, ssl.SSLContext))."""
    client_impl, server_impl, client_ctx, server_ctx = pair
    reply, client_type, server_seen = run_async(
        lambda: stream_roundtrip(client_ctx, server_ctx), loop)
    assert reply == b"LINE ONE\n"
    assert client_type is tls_type(client_impl, "SSLObject")
    assert server_seen == [tls_type(server_impl, "SSLObject")]


class EchoProtocol(asyncio.Protocol):
    """Server side of a protocol-level test: echoes upper-cased, records
    the ssl_object of its transport and when the connection is lost."""
    seen = None
    lost = None

    def connection_made(self, transport):
        self.transport = transport
        EchoProtocol.seen.append(type(transport.get_extra_info("ssl_object")))

    def data_received(self, data):
        self.transport.write(data.upper())

    def connection_lost(self, exc):
        # Python 3.10's SSL transport warns "unclosed transport" at
        # collection unless closed, even after the connection is lost.
        self.transport.close()
        if not EchoProtocol.lost.done():
            EchoProtocol.lost.set_result(exc)


class CollectProtocol(asyncio.Protocol):
    def __init__(self, want):
        self.want = want
        self.data = b""
        self.done = asyncio.get_running_loop().create_future()

    def data_received(self, data):
        self.data += data
        if len(self.data) >= self.want and not self.done.done():
            self.done.set_result(self.data)


@pytest.mark.parametrize("loop", LOOPS)
def test_loop_create_server_and_create_connection(pair, loop):
    """loop.create_server(..., ssl=ctx) and loop.create_connection(...,
    ssl=ctx) with protocols: uvloop's own server and client paths.  The
    client closes first; the server sees its connection end cleanly."""
    client_impl, server_impl, client_ctx, server_ctx = pair

    async def main():
        ev = asyncio.get_running_loop()
        EchoProtocol.seen = []
        EchoProtocol.lost = ev.create_future()
        server = await ev.create_server(EchoProtocol, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        try:
            message = b"x" * 100_000
            transport, proto = await ev.create_connection(
                lambda: CollectProtocol(len(message)), "127.0.0.1", port, ssl=client_ctx,
                server_hostname="localhost")
            transport.write(message)
            data = await proto.done
            client_type = type(transport.get_extra_info("ssl_object"))
            transport.close()
            server_exc = await EchoProtocol.lost
        finally:
            server.close()
            await server.wait_closed()
        return data, client_type, server_exc

    data, client_type, server_exc = run_async(main, loop)
    assert data == b"X" * 100_000
    assert client_type is tls_type(client_impl, "SSLObject")
    assert EchoProtocol.seen == [tls_type(server_impl, "SSLObject")]
    assert server_exc is None


async def starttls_roundtrip(client_ctx, server_ctx, use_writer_api):
    """A plain TCP line protocol that upgrades to TLS on 'STARTTLS':
    the server with loop.start_tls(server_side=True), the client with
    StreamWriter.start_tls (3.11+) or loop.start_tls."""
    ev = asyncio.get_running_loop()
    server_seen = []

    async def handle(reader, writer):
        assert await reader.readline() == b"STARTTLS\n"
        writer.write(b"GO\n")
        await writer.drain()
        if use_writer_api:
            await writer.start_tls(server_ctx)
        else:
            transport = await ev.start_tls(writer.transport, writer.transport.get_protocol(),
                                           server_ctx, server_side=True)
            writer._transport = transport       # what StreamWriter.start_tls does
        server_seen.append(type(writer.get_extra_info("ssl_object")))
        writer.write(b"secret: " + await reader.readline())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"STARTTLS\n")
        assert await reader.readline() == b"GO\n"
        assert writer.get_extra_info("ssl_object") is None
        if use_writer_api:
            await writer.start_tls(client_ctx, server_hostname="localhost")
        else:
            transport = await ev.start_tls(writer.transport, writer.transport.get_protocol(),
                                           client_ctx, server_hostname="localhost")
            writer._transport = transport
        client_type = type(writer.get_extra_info("ssl_object"))
        writer.write(b"tls now\n")
        reply = await reader.readline()
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    return reply, client_type, server_seen


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("api", ["loop.start_tls", "StreamWriter.start_tls"])
def test_start_tls(pair, loop, api):
    """asyncio's start_tls checks isinstance(ctx, ssl.SSLContext) (and
    uvloop's does in Cython); both ends upgrade a plain connection."""
    if api == "StreamWriter.start_tls" and sys.version_info < (3, 11):
        pytest.skip("StreamWriter.start_tls() is new in Python 3.11")
    client_impl, server_impl, client_ctx, server_ctx = pair
    reply, client_type, server_seen = run_async(
        lambda: starttls_roundtrip(client_ctx, server_ctx, api == "StreamWriter.start_tls"), loop)
    assert reply == b"secret: tls now\n"
    assert client_type is tls_type(client_impl, "SSLObject")
    assert server_seen == [tls_type(server_impl, "SSLObject")]


@pytest.mark.parametrize("loop", LOOPS)
def test_start_tls_refuses_a_non_context(loop):
    """The start_tls type check is real: a non-context is a TypeError."""
    async def main():
        ev = asyncio.get_running_loop()
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            with pytest.raises(TypeError):
                await ev.start_tls(writer.transport, writer.transport.get_protocol(),
                                   object(), server_hostname="localhost")
            writer.close()
        finally:
            server.close()
            await server.wait_closed()
    run_async(main, loop)


def reads_while_pending(obj, incoming):
    """uvloop's read loop (sslproto.pyx, _do_read__copied): read while the
    incoming BIO or the SSLObject has bytes; an empty read is the end of
    stream.  Returns the chunks read."""
    chunks = []
    while incoming.pending > 0 or obj.pending() > 0:
        try:
            chunk = obj.read(65536)
        except (stdlib_ssl.SSLWantReadError, stdlib_ssl.SSLSyscallError):
            break
        chunks.append(chunk)
        if not chunk:
            break
    return chunks


@pytest.mark.parametrize("impl", ["sslx", "stdlib"])
def test_close_notify_after_data_is_seen_by_a_reader_that_reads_while_pending(impl, certs):
    """Minimal reproduction of the uvloop bug (fixed), without uvloop: the peer's
    last data and its close_notify wait in the incoming MemoryBIO; a reader
    that stops when nothing is pending must still see the end of stream."""
    from memhelpers import MemoryPair
    mod = module_of(impl)
    client_ctx, server_ctx = contexts(impl, certs)
    pair = MemoryPair(mod, client_ctx, server_ctx).handshake()
    pair.server.write(b"last words")
    with pytest.raises(mod.SSLWantReadError):
        pair.server.unwrap()             # sends close_notify, waits for the client's
    pair.transfer()
    assert pair.c_in.pending > 0
    assert reads_while_pending(pair.client, pair.c_in) == [b"last words", b""]


@pytest.mark.parametrize("client_impl", ["sslx", "stdlib"])
def test_uvloop_client_sees_the_server_close(certs, client_impl):
    """Under uvloop, a client protocol gets data_received then eof_received
    when the server writes and closes at once."""
    client_ctx = contexts(client_impl, certs)[0]
    server_ctx = contexts("stdlib", certs)[1]

    class WriteAndClose(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport

        def data_received(self, data):
            self.transport.write(data.upper())
            self.transport.close()

    class Client(asyncio.Protocol):
        def __init__(self):
            self.events = []
            self.eof = asyncio.get_running_loop().create_future()

        def data_received(self, data):
            self.events.append(data)

        def eof_received(self):
            self.events.append("eof")
            self.eof.set_result(None)

    async def main():
        ev = asyncio.get_running_loop()
        server = await ev.create_server(WriteAndClose, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        transport, proto = await ev.create_connection(Client, "127.0.0.1", port, ssl=client_ctx,
                                                      server_hostname="localhost")
        try:
            transport.write(b"bye")
            await asyncio.wait_for(asyncio.shield(proto.eof), 2)
        except asyncio.TimeoutError:
            pass
        finally:
            transport.abort()
            server.close()
            await server.wait_closed()
        return proto.events, type(transport.get_extra_info("ssl_object"))

    events, client_type = run_async(main, "uvloop")
    assert client_type is tls_type(client_impl, "SSLObject")
    assert events == [b"BYE", "eof"]


SOCKET_TAKERS = {
    "create_connection": lambda ev, s: ev.create_connection(asyncio.Protocol, sock=s),
    "create_server": lambda ev, s: ev.create_server(asyncio.Protocol, sock=s),
    "connect_accepted_socket": lambda ev, s: ev.connect_accepted_socket(asyncio.Protocol, s),
    "sock_recv": lambda ev, s: ev.sock_recv(s, 1),
    "open_connection": lambda ev, s: asyncio.open_connection(sock=s),
}


@pytest.mark.parametrize("method", sorted(SOCKET_TAKERS))
def test_asyncio_refuses_an_sslx_socket_like_a_stdlib_one(certs, method):
    """asyncio refuses an SSLSocket where it wants a plain socket; it
    refuses sslx's with the same TypeError as the stdlib's."""
    outcomes = {}
    for impl in ("stdlib", "sslx"):
        ctx = contexts(impl, certs)[0]
        raw = socket.socket()
        tls = ctx.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)

        async def main():
            try:
                await SOCKET_TAKERS[method](asyncio.get_running_loop(), tls)
            except TypeError as exc:
                return type(exc), str(exc)
            return "accepted"
        try:
            outcomes[impl] = run_async(main)
        finally:
            tls.close()
    assert outcomes["stdlib"][0] is TypeError
    assert outcomes["sslx"] == outcomes["stdlib"]


# ---- websockets --------------------------------------------------------------

# websockets' sync client reads in one thread while another writes on the
# same socket.  The stdlib's SSLSocket does not serialise those OpenSSL
# calls, and its client then sometimes never sees the server's reply: with
# the stdlib on both ends, 3,000 connections in a row (a plain loop,
# CPython 3.11, OpenSSL 3.0) hang within the first 100; with sslx's
# client (which holds its connection lock around every OpenSSL call) and
# either server, none of 3,000 does.  So this test pairs the sslx server
# only with sslx's client; the stdlib client's side is the stdlib's bug.
SYNC_PAIRS = [(c, s) for c, s in PAIRS if c == "sslx"]


@pytest.fixture(params=SYNC_PAIRS, ids=[i for i, (c, _) in zip(PAIR_IDS, PAIRS) if c == "sslx"])
def sync_pair(request, certs):
    client_impl, server_impl = request.param
    return (client_impl, server_impl, contexts(client_impl, certs)[0],
            contexts(server_impl, certs)[1])


def test_websockets_sync(sync_pair):
    """websockets' threaded server asserts isinstance(sock, ssl.SSLSocket)
    after the handshake; its client wraps the socket with the context."""
    need("websockets")
    from websockets.sync.client import connect
    from websockets.sync.server import serve
    client_impl, server_impl, client_ctx, server_ctx = sync_pair
    seen = []

    def handler(ws):
        seen.append(type(ws.socket))
        for message in ws:
            ws.send(message.upper())

    with serve(handler, "127.0.0.1", 0, ssl=server_ctx, open_timeout=TIMEOUT) as server:
        port = server.socket.getsockname()[1]
        t = threading.Thread(target=server.serve_forever, daemon=True)
        t.start()
        try:
            with connect(f"wss://127.0.0.1:{port}/", ssl=client_ctx, open_timeout=TIMEOUT,
                         close_timeout=TIMEOUT) as ws:
                ws.send("hello")
                reply = ws.recv(timeout=TIMEOUT)
                client_type = type(ws.socket)
        finally:
            server.shutdown()
            t.join(TIMEOUT)
    assert not t.is_alive()
    assert reply == "HELLO"
    assert client_type is tls_type(client_impl, "SSLSocket")
    assert seen == [tls_type(server_impl, "SSLSocket")]


@pytest.mark.parametrize("loop", LOOPS)
def test_websockets_asyncio(request, pair, loop):
    """websockets' asyncio client and server; the client then waits for the
    server to close the TCP connection (its closing handshake), which must
    be prompt, not the close_timeout."""
    need("websockets")
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve
    client_impl, server_impl, client_ctx, server_ctx = pair
    seen = []
    close_timeout = 2

    async def handler(ws):
        seen.append(type(ws.transport.get_extra_info("ssl_object")))
        async for message in ws:
            await ws.send(message[::-1])

    async def main():
        ev = asyncio.get_running_loop()
        async with serve(handler, "127.0.0.1", 0, ssl=server_ctx) as server:
            port = server.sockets[0].getsockname()[1]
            async with connect(f"wss://127.0.0.1:{port}/", ssl=client_ctx,
                               close_timeout=close_timeout) as ws:
                await ws.send("abcdef")
                reply = await ws.recv()
                client_type = type(ws.transport.get_extra_info("ssl_object"))
                started = ev.time()
            closing = ev.time() - started
        return reply, client_type, closing

    reply, client_type, closing = run_async(main, loop)
    assert reply == "fedcba"
    assert client_type is tls_type(client_impl, "SSLObject")
    assert seen == [tls_type(server_impl, "SSLObject")]
    assert closing < close_timeout / 2     # the stdlib's: milliseconds


# ---- HTTP clients: httpx/httpcore, urllib3, requests -------------------------

@pytest.fixture(params=["sslx", "stdlib"])
def https_server(request, certs):
    """An HTTPS server (http.server in a thread) with a server context of
    each implementation; yields (impl, server)."""
    with HTTPSServer(contexts(request.param, certs)[1]) as srv:
        yield request.param, srv


def test_httpx_sync(https_server, certs):
    """httpcore's sync backend answers get_extra_info("ssl_object") only
    if its socket is an ssl.SSLSocket (None before issue 13): with sslx it
    is sslx's connection."""
    httpx = need("httpx")
    impl, srv = https_server
    client_ctx = contexts("sslx", certs)[0]
    with httpx.Client(verify=client_ctx, timeout=TIMEOUT) as client:
        resp = client.get(srv.url + "/sync")
        stream = resp.extensions["network_stream"]
        ssl_object = stream.get_extra_info("ssl_object")
        assert (resp.status_code, resp.content) == (200, expected_body("/sync"))
        # what httpcore returns is the socket's _sslobj (the stdlib gives its
        # _ssl._SSLSocket there): sslx's connection object of an sslx socket
        assert type(ssl_object).__module__ == "sslx"
        assert type(ssl_object.owner) is sslx.SSLSocket
        assert ssl_object.context is client_ctx
        assert ssl_object.version() in ("TLSv1.2", "TLSv1.3")
    assert srv.seen == [("/sync", tls_type(impl, "SSLSocket"))]


def test_httpx_async(https_server, certs):
    """httpx's async client (anyio's TLS stream over the stdlib's
    MemoryBIOs and the context's wrap_bio)."""
    httpx = need("httpx")
    impl, srv = https_server
    client_ctx = contexts("sslx", certs)[0]

    async def main():
        async with httpx.AsyncClient(verify=client_ctx, timeout=TIMEOUT) as client:
            resp = await client.get(srv.url + "/async")
            ssl_object = resp.extensions["network_stream"].get_extra_info("ssl_object")
            return resp.status_code, resp.content, type(ssl_object)

    assert run_async(main) == (200, expected_body("/async"), sslx.SSLObject)
    assert srv.seen == [("/async", tls_type(impl, "SSLSocket"))]


def test_urllib3(https_server, certs):
    urllib3 = need("urllib3")
    impl, srv = https_server
    client_ctx = contexts("sslx", certs)[0]
    with urllib3.PoolManager(ssl_context=client_ctx, timeout=TIMEOUT, retries=False) as pool:
        resp = pool.request("GET", srv.url + "/u3", preload_content=False)
        sock = resp.connection.sock
        assert type(sock) is sslx.SSLSocket and sock.context is client_ctx
        assert resp.read() == expected_body("/u3")
        resp.release_conn()
        # the pooled connection carries a second request
        assert pool.request("GET", srv.url + "/again").data == expected_body("/again")
    assert srv.seen == [("/u3", tls_type(impl, "SSLSocket")),
                        ("/again", tls_type(impl, "SSLSocket"))]


def test_requests_with_an_adapter_context(https_server, certs):
    """requests takes a context through its transport adapter (the
    documented way to pass one)."""
    requests = need("requests")
    impl, srv = https_server
    client_ctx = contexts("sslx", certs)[0]

    class ContextAdapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["ssl_context"] = client_ctx
            return super().init_poolmanager(*args, **kwargs)

    with requests.Session() as session:
        session.mount("https://", ContextAdapter())
        resp = session.get(srv.url + "/rq", timeout=TIMEOUT, stream=True, verify=certs.cafile)
        sock = resp.raw.connection.sock
        assert type(sock) is sslx.SSLSocket and sock.context is client_ctx
        assert resp.content == expected_body("/rq")
    assert srv.seen == [("/rq", tls_type(impl, "SSLSocket"))]


# ---- trio --------------------------------------------------------------------

def test_trio(pair):
    """trio's SSLStream (its own TLS layer over the stdlib's MemoryBIOs and
    the context's wrap_bio), as client and server."""
    trio = need("trio")
    client_impl, server_impl, client_ctx, server_ctx = pair
    seen = []

    async def handler(stream):
        seen.append(type(stream._ssl_object))
        data = await stream.receive_some(100)
        await stream.send_all(data[::-1])
        await stream.aclose()

    async def main():
        with trio.fail_after(TIMEOUT):
            async with trio.open_nursery() as nursery:
                listeners = await nursery.start(
                    partial(trio.serve_ssl_over_tcp, handler, 0, server_ctx, host="127.0.0.1"))
                port = listeners[0].transport_listener.socket.getsockname()[1]
                stream = await trio.open_ssl_over_tcp_stream("127.0.0.1", port,
                                                             ssl_context=client_ctx)
                await stream.send_all(b"trio data")
                reply = await stream.receive_some(100)
                client_type = type(stream._ssl_object)
                version = stream.version()
                await stream.aclose()
                nursery.cancel_scope.cancel()
        return reply, client_type, version

    reply, client_type, version = trio.run(main)
    assert reply == b"atad oirt"
    assert version in ("TLSv1.2", "TLSv1.3")
    assert client_type is tls_type(client_impl, "SSLObject")
    assert seen == [tls_type(server_impl, "SSLObject")]

