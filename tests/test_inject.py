"""sslx.inject_into_ssl() and sslx.extract_from_ssl() (issue 13).

First the swap itself: ssl.SSLContext(...) builds sslx's contexts, which
functions of the stdlib's `ssl` module become sslx's, that
extract_from_ssl() puts back the very objects that were there (every
attribute of the module and of the SSLContext class, identity-equal),
idempotence, values put there by others, threads, stdlib contexts made
before (they keep working), and the contexts known libraries make at
import.  Then each library, unchanged, making its own contexts while sslx
is injected: the TLS object that carried the bytes is sslx's.  Last, in
fresh interpreters, what depends on import order (libraries imported
after the injection, uvloop's compiled module).

Every test that injects undoes it in a fixture, and checks that the `ssl`
module is the stdlib's again, so a failure cannot leak into other tests.
"""
import asyncio
import http.client
import smtplib
import socket
import ssl
import sys
import threading
import urllib.request

import pytest

import sslx
from childhelpers import CHILD_CONTEXTS, run_child
from ecohelpers import (TIMEOUT, HTTPSServer, contexts, expected_body, need, run_async,
                        smtp_starttls_handler)
from memhelpers import MemoryPair
from sockhelpers import ThreadedServer
from sslx import _inject

STDLIB_HAS_WRAP_SOCKET = "wrap_socket" in vars(ssl)      # removed in 3.12
STDLIB_CONTEXT = ssl.SSLContext


def snapshot():
    """Every attribute of the `ssl` module and of its SSLContext class."""
    return {"module": dict(vars(ssl)), "class": dict(vars(STDLIB_CONTEXT))}


def assert_same(before, after=None):
    after = after or snapshot()
    for part in ("module", "class"):
        assert sorted(after[part]) == sorted(before[part])
        changed = [name for name in before[part] if after[part][name] is not before[part][name]]
        assert changed == [], part


@pytest.fixture
def pristine():
    """The `ssl` module as it is before the test; checked at the end,
    after the test's own extract_from_ssl() (which always runs)."""
    before = snapshot()
    yield before["module"]
    sslx.extract_from_ssl()
    assert_same(before)


@pytest.fixture
def injected(pristine):
    sslx.inject_into_ssl()
    yield
    sslx.extract_from_ssl()


@pytest.fixture
def trusted_ca(certs, monkeypatch):
    """Default contexts (load_default_certs) trust the test CA: OpenSSL
    reads SSL_CERT_FILE each time, for sslx and the stdlib alike."""
    monkeypatch.setenv("SSL_CERT_FILE", certs.cafile)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return certs.cafile


def server_context_through_ssl(certs):
    """A server context made the way ordinary code does it, with the names
    of the `ssl` module (sslx's while injected)."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(certs.server_certfile)
    return ctx


# ---- the swap ------------------------------------------------------------------

def test_arguments_are_refused_and_nothing_changes(pristine):
    """Both take no arguments: any is a TypeError before anything is
    swapped (test_arg_shapes leaves these two out: a valid call there
    would swap the stdlib it compares with)."""
    before = snapshot()
    for func in (sslx.inject_into_ssl, sslx.extract_from_ssl):
        for args, kwargs in (((True,), {}), ((), {"force": True}), ((None, None), {})):
            with pytest.raises(TypeError):
                func(*args, **kwargs)
        assert_same(before)


def test_inject_replaces_the_factories_and_the_class_constructor(pristine):
    stdlib_new = vars(STDLIB_CONTEXT)["__new__"]
    sslx.inject_into_ssl()
    for name in ("create_default_context", "_create_unverified_context",
                 "_create_stdlib_context", "get_server_certificate"):
        assert getattr(ssl, name) is getattr(sslx, name) is not pristine[name], name
    assert ssl._create_default_https_context is sslx.create_default_context
    if STDLIB_HAS_WRAP_SOCKET:
        assert ssl.wrap_socket is sslx.wrap_socket is not pristine["wrap_socket"]
    else:
        assert "wrap_socket" not in vars(ssl)      # not added where the stdlib dropped it
    # the classes keep their names (the stdlib's own methods look them
    # up); the stdlib's SSLContext class builds sslx's contexts
    for name in ("SSLContext", "SSLSocket", "SSLObject", "MemoryBIO", "SSLSession"):
        assert getattr(ssl, name) is pristine[name], name
    assert vars(STDLIB_CONTEXT)["__new__"] is not stdlib_new
    # everything else is untouched: constants, enums, exceptions, helpers
    swapped = set(_inject.SSL_NAMES + _inject.FOLLOWING_NAMES)
    untouched = [name for name in pristine if name not in swapped]
    assert "CERT_REQUIRED" in untouched and "TLSVersion" in untouched
    assert [n for n in untouched if vars(ssl)[n] is not pristine[n]] == []


def test_objects_made_through_ssl_are_sslx(injected, certs):
    ctx = ssl.create_default_context()
    assert type(ctx) is sslx.SSLContext
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    for protocol in (ssl.PROTOCOL_TLS_CLIENT, ssl.PROTOCOL_TLS_SERVER):
        made = ssl.SSLContext(protocol)
        assert type(made) is sslx.SSLContext and made.protocol == protocol
    assert type(ssl.SSLContext(protocol=ssl.PROTOCOL_TLS_CLIENT)) is sslx.SSLContext
    with pytest.warns(DeprecationWarning):
        assert type(ssl.SSLContext()) is sslx.SSLContext      # as the stdlib: no protocol
    unverified = ssl._create_unverified_context()
    assert type(unverified) is sslx.SSLContext
    assert unverified.verify_mode == ssl.CERT_NONE and not unverified.check_hostname
    assert type(ssl._create_stdlib_context()) is sslx.SSLContext
    assert type(ssl._create_default_https_context()) is sslx.SSLContext
    # what asyncio, trio and anyio do: the stdlib's MemoryBIOs, the
    # context's wrap_bio -> sslx's SSLObject
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    pair = MemoryPair(ssl, client, server).handshake()
    assert type(pair.c_in) is ssl.MemoryBIO
    assert type(pair.client) is sslx.SSLObject and isinstance(pair.client, ssl.SSLObject)
    assert pair.send(pair.client, pair.server, b"through sslx") == b"through sslx"
    # and sockets
    a, b = socket.socketpair()
    with a, b, client.wrap_socket(a, server_hostname="localhost",
                                  do_handshake_on_connect=False) as tls:
        assert type(tls) is sslx.SSLSocket and isinstance(tls, ssl.SSLSocket)
    # enums stay the stdlib's: equal to sslx's values, not identical
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2


def test_subclasses_of_the_stdlib_class_are_left_alone(injected):
    """A subclass of ssl.SSLContext (a library's, defined before or while
    injected) builds its own kind, not sslx's; sslx's subclasses build
    theirs."""
    class Mine(ssl.SSLContext):
        pass

    class MineX(sslx.SSLContext):
        pass

    mine = Mine(ssl.PROTOCOL_TLS_CLIENT)
    assert type(mine) is Mine and not isinstance(mine, sslx.SSLContext)
    mine.check_hostname = False
    mine.verify_mode = ssl.CERT_NONE
    assert type(MineX(ssl.PROTOCOL_TLS_CLIENT)) is MineX


@pytest.mark.skipif(not STDLIB_HAS_WRAP_SOCKET, reason="ssl.wrap_socket is gone from 3.12")
def test_module_wrap_socket_is_sslx(injected):
    a, b = socket.socketpair()
    with a, b:
        with pytest.warns(DeprecationWarning):
            tls = ssl.wrap_socket(a, do_handshake_on_connect=False)
        with tls:
            assert type(tls) is sslx.SSLSocket


def test_extract_restores_every_attribute_identically(pristine):
    before = snapshot()
    sslx.inject_into_ssl()
    assert type(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)) is sslx.SSLContext
    sslx.extract_from_ssl()
    assert_same(before)
    assert type(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)) is STDLIB_CONTEXT
    assert type(ssl.create_default_context()) is STDLIB_CONTEXT


def test_inject_and_extract_are_idempotent(pristine):
    before = snapshot()
    sslx.extract_from_ssl()                  # not injected: nothing to do
    assert_same(before)
    sslx.inject_into_ssl()
    once = snapshot()
    sslx.inject_into_ssl()
    assert_same(once)
    sslx.extract_from_ssl()
    assert_same(before)
    sslx.extract_from_ssl()
    assert_same(before)
    # and again from the start: a second injection is a full one
    sslx.inject_into_ssl()
    assert_same(once)
    sslx.extract_from_ssl()
    assert_same(before)


def test_the_unverified_https_hack_is_followed_both_ways(pristine, monkeypatch):
    """`ssl._create_default_https_context = ssl._create_unverified_context`
    (a common way to switch verification off) stays unverified through
    the swap, in both directions, whenever it is assigned."""
    monkeypatch.setattr(ssl, "_create_default_https_context", ssl._create_unverified_context)
    sslx.inject_into_ssl()
    assert ssl._create_default_https_context is sslx._create_unverified_context
    sslx.extract_from_ssl()
    assert ssl._create_default_https_context is pristine["_create_unverified_context"]
    # assigned while injected: sslx's unverified factory becomes the stdlib's
    monkeypatch.setattr(ssl, "_create_default_https_context", pristine["create_default_context"])
    sslx.inject_into_ssl()
    ssl._create_default_https_context = ssl._create_unverified_context
    sslx.extract_from_ssl()
    assert ssl._create_default_https_context is pristine["_create_unverified_context"]


def test_values_put_there_by_others_are_left_alone(pristine, monkeypatch):
    def my_https_context():
        return pristine["create_default_context"]()

    monkeypatch.setattr(ssl, "_create_default_https_context", my_https_context)
    sslx.inject_into_ssl()
    assert ssl._create_default_https_context is my_https_context
    assert ssl.create_default_context is sslx.create_default_context

    def later():
        return None

    ssl.get_server_certificate = later          # assigned while injected
    try:
        sslx.extract_from_ssl()
        assert ssl._create_default_https_context is my_https_context
        assert ssl.get_server_certificate is later
        assert ssl.create_default_context is pristine["create_default_context"]
    finally:
        ssl.get_server_certificate = pristine["get_server_certificate"]


def test_nothing_to_do_when_ssl_is_sslx(pristine, monkeypatch):
    """With sys.modules["ssl"] set to sslx itself (as tests/conformance
    does), there is nothing to swap."""
    before = dict(vars(sslx))
    monkeypatch.setitem(sys.modules, "ssl", sslx)
    sslx.inject_into_ssl()
    assert not _inject.is_injected()
    assert type(STDLIB_CONTEXT(ssl.PROTOCOL_TLS_CLIENT)) is STDLIB_CONTEXT
    sslx.extract_from_ssl()
    assert dict(vars(sslx)) == before


async def asyncio_handshake(client_ctx, server_ctx):
    """The class of the client's ssl_object after an asyncio handshake."""
    async def handle(reader, writer):
        writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        kind = type(writer.get_extra_info("ssl_object"))
        writer.close()
        return kind
    finally:
        server.close()
        await server.wait_closed()


def test_stdlib_contexts_made_before_keep_working(pristine, certs):
    """A stdlib context made before the injection stays the stdlib's, is
    still an ssl.SSLContext (so asyncio's start_tls and aiohttp take it),
    can be configured, wraps sockets and serves asyncio, beside sslx's."""
    old_client, old_server = contexts("stdlib", certs)
    sslx.inject_into_ssl()
    assert type(old_client) is STDLIB_CONTEXT and isinstance(old_client, ssl.SSLContext)
    old_client.minimum_version = ssl.TLSVersion.TLSv1_2
    old_client.options |= ssl.OP_NO_COMPRESSION
    old_client.verify_flags |= ssl.VERIFY_X509_STRICT
    old_client.verify_mode = ssl.CERT_REQUIRED
    a, b = socket.socketpair()
    with a, b, old_client.wrap_socket(a, server_hostname="localhost",
                                      do_handshake_on_connect=False) as tls:
        assert type(tls) is ssl.SSLSocket
    assert run_async(lambda: asyncio_handshake(old_client, old_server)) is ssl.SSLObject
    new_client, new_server = (ssl.create_default_context(cafile=certs.cafile),
                              server_context_through_ssl(certs))
    assert run_async(lambda: asyncio_handshake(new_client, old_server)) is sslx.SSLObject
    assert run_async(lambda: asyncio_handshake(old_client, new_server)) is ssl.SSLObject


def test_sslx_objects_made_while_injected_keep_working_after(pristine, certs):
    sslx.inject_into_ssl()
    client = ssl.create_default_context(cafile=certs.cafile)
    server = server_context_through_ssl(certs)
    sslx.extract_from_ssl()
    assert type(client) is sslx.SSLContext and type(server) is sslx.SSLContext

    async def main():
        async def handle(reader, writer):
            writer.write(await reader.readline())
            await writer.drain()
            writer.close()
        srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server)
        port = srv.sockets[0].getsockname()[1]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client,
                                                           server_hostname="localhost")
            writer.write(b"after\n")
            line = await reader.readline()
            kind = type(writer.get_extra_info("ssl_object"))
            writer.close()
            return line, kind
        finally:
            srv.close()
            await srv.wait_closed()

    assert run_async(main) == (b"after\n", sslx.SSLObject)


def test_concurrent_inject_and_extract(pristine):
    """Threads injecting and extracting at once while others make contexts
    through `ssl`: no error, every context is one of the two classes, and
    the last call (an extract) leaves the stdlib exactly as it was."""
    before_class = dict(vars(STDLIB_CONTEXT))
    errors = []
    stop = threading.Event()
    stdlib_cls = STDLIB_CONTEXT

    def swapper():
        try:
            for _ in range(200):
                sslx.inject_into_ssl()
                sslx.extract_from_ssl()
        except BaseException as exc:
            errors.append(exc)

    def user():
        try:
            while not stop.is_set():
                for ctx in (ssl.create_default_context(), ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)):
                    assert type(ctx) in (stdlib_cls, sslx.SSLContext)
        except BaseException as exc:
            errors.append(exc)

    swappers = [threading.Thread(target=swapper) for _ in range(4)]
    users = [threading.Thread(target=user) for _ in range(2)]
    for t in users + swappers:
        t.start()
    for t in swappers:
        t.join(TIMEOUT)
    stop.set()
    for t in users:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in swappers + users)
    assert errors == []
    assert not _inject.is_injected()
    assert_same({"module": pristine, "class": before_class})


# ---- copies known libraries take at import ----------------------------------------

def test_copies_of_the_class_build_sslx_contexts(pristine):
    """urllib3 copied ssl.SSLContext at import (into urllib3.util.ssl_):
    the copy is the stdlib's class, which now builds sslx's contexts, and
    is left in place."""
    need("urllib3")
    import urllib3.util.ssl_
    assert urllib3.util.ssl_.SSLContext is STDLIB_CONTEXT
    sslx.inject_into_ssl()
    assert urllib3.util.ssl_.SSLContext is STDLIB_CONTEXT
    assert type(urllib3.util.ssl_.create_urllib3_context()) is sslx.SSLContext
    sslx.extract_from_ssl()
    assert type(urllib3.util.ssl_.create_urllib3_context()) is STDLIB_CONTEXT


def test_aiohttp_default_contexts_are_rebuilt_and_restored(pristine):
    need("aiohttp")
    import aiohttp.connector as connector
    verified, unverified = connector._SSL_CONTEXT_VERIFIED, connector._SSL_CONTEXT_UNVERIFIED
    assert type(verified) is STDLIB_CONTEXT
    sslx.inject_into_ssl()
    try:
        new_verified, new_unverified = (connector._SSL_CONTEXT_VERIFIED,
                                        connector._SSL_CONTEXT_UNVERIFIED)
        assert type(new_verified) is type(new_unverified) is sslx.SSLContext
        # built by aiohttp's own code: the same settings as the originals
        for old, new in ((verified, new_verified), (unverified, new_unverified)):
            assert (new.verify_mode, new.check_hostname) == (old.verify_mode, old.check_hostname)
            assert new.options == old.options
        sslx.inject_into_ssl()              # again: nothing rebuilt twice
        assert connector._SSL_CONTEXT_VERIFIED is new_verified
    finally:
        sslx.extract_from_ssl()
    assert connector._SSL_CONTEXT_VERIFIED is verified
    assert connector._SSL_CONTEXT_UNVERIFIED is unverified


def test_aiohttp_39_cached_contexts_are_dropped(pristine, monkeypatch):
    """aiohttp 3.9 made its default contexts on first use and kept them in
    an lru_cache on TCPConnector._make_ssl_context; the aiohttp installed
    here does not, so that cache is set up the way 3.9 had it."""
    need("aiohttp")
    import functools
    import aiohttp.connector

    @functools.lru_cache(None)
    def make(verified):
        return ssl.create_default_context()

    monkeypatch.setattr(aiohttp.connector.TCPConnector, "_make_ssl_context",
                        staticmethod(make), raising=False)
    first = make(True)
    assert type(first) is STDLIB_CONTEXT and make(True) is first
    sslx.inject_into_ssl()
    try:
        assert type(make(True)) is sslx.SSLContext
    finally:
        sslx.extract_from_ssl()
    assert type(make(True)) is STDLIB_CONTEXT


def test_requests_preloaded_context_is_rebuilt_and_restored(pristine, monkeypatch):
    """requests 2.32.0-2.32.3 made one context at import
    (requests.adapters._preloaded_ssl_context, its CA bundle loaded); the
    requests installed here may not, so the attribute is set the way those
    versions set it."""
    need("requests")
    import requests.adapters as adapters
    import requests.utils
    from urllib3.util.ssl_ import create_urllib3_context
    # the names requests.adapters had in those versions
    for name, value in (("create_urllib3_context", create_urllib3_context),
                        ("extract_zipped_paths", requests.utils.extract_zipped_paths),
                        ("DEFAULT_CA_BUNDLE_PATH", requests.utils.DEFAULT_CA_BUNDLE_PATH)):
        monkeypatch.setattr(adapters, name, value, raising=False)
    preloaded = create_urllib3_context()
    preloaded.load_verify_locations(adapters.extract_zipped_paths(adapters.DEFAULT_CA_BUNDLE_PATH))
    monkeypatch.setattr(adapters, "_preloaded_ssl_context", preloaded, raising=False)
    sslx.inject_into_ssl()
    try:
        new = adapters._preloaded_ssl_context
        assert type(new) is sslx.SSLContext
        assert len(new.get_ca_certs()) == len(preloaded.get_ca_certs()) > 0
        assert new.verify_mode == preloaded.verify_mode
    finally:
        sslx.extract_from_ssl()
    assert adapters._preloaded_ssl_context is preloaded


# ---- libraries, unchanged, while injected -------------------------------------------

@pytest.fixture
def stdlib_https_server(certs):
    """An HTTPS server whose context the stdlib made before any injection
    (the client side is what these tests look at)."""
    with HTTPSServer(contexts("stdlib", certs)[1]) as srv:
        yield srv


def test_http_client_default_context(stdlib_https_server, trusted_ca, injected):
    conn = http.client.HTTPSConnection("127.0.0.1", stdlib_https_server.port, timeout=TIMEOUT)
    try:
        conn.request("GET", "/hc")
        assert conn.getresponse().read() == expected_body("/hc")
        assert type(conn.sock) is sslx.SSLSocket
    finally:
        conn.close()


def test_urlopen_default_context(stdlib_https_server, trusted_ca, injected):
    with urllib.request.urlopen(stdlib_https_server.url + "/ul", timeout=TIMEOUT) as resp:
        assert type(resp.fp.raw._sock) is sslx.SSLSocket
        assert resp.read() == expected_body("/ul")


@pytest.fixture
def stdlib_server_context(certs):
    """A server context the stdlib made before any injection."""
    return contexts("stdlib", certs)[1]


def test_smtplib_starttls_default_context(stdlib_server_context, injected):
    with ThreadedServer(smtp_starttls_handler(stdlib_server_context)) as srv:
        with smtplib.SMTP("127.0.0.1", srv.addr[1], timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            assert smtp.starttls()[0] == 220       # ssl._create_stdlib_context()
            assert type(smtp.sock) is sslx.SSLSocket
            smtp.sendmail("a@example.org", ["b@example.org"], "Subject: x\r\n\r\ninjected\r\n")
    assert srv.results[0]["tls_type"] is ssl.SSLSocket
    assert b"injected" in srv.results[0]["message"]


def test_urllib3_default_context(stdlib_https_server, certs, injected):
    urllib3 = need("urllib3")
    with urllib3.PoolManager(ca_certs=certs.cafile, timeout=TIMEOUT, retries=False) as pool:
        resp = pool.request("GET", stdlib_https_server.url + "/u3", preload_content=False)
        assert type(resp.connection.sock) is sslx.SSLSocket
        assert resp.read() == expected_body("/u3")


def test_requests_default_context(stdlib_https_server, certs, injected):
    requests = need("requests")
    with requests.Session() as session:
        resp = session.get(stdlib_https_server.url + "/rq", verify=certs.cafile,
                           timeout=TIMEOUT, stream=True)
        assert type(resp.raw.connection.sock) is sslx.SSLSocket
        assert resp.content == expected_body("/rq")


def test_httpx_sync_default_context(stdlib_https_server, trusted_ca, injected):
    httpx = need("httpx")
    with httpx.Client(timeout=TIMEOUT) as client:     # its own context, from SSL_CERT_FILE
        resp = client.get(stdlib_https_server.url + "/hx")
        ssl_object = resp.extensions["network_stream"].get_extra_info("ssl_object")
        assert resp.content == expected_body("/hx")
        assert type(ssl_object.owner) is sslx.SSLSocket


def test_httpx_async_default_context(stdlib_https_server, trusted_ca, injected):
    httpx = need("httpx")

    async def main():
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            resp = await client.get(stdlib_https_server.url + "/ha")
            return resp.content, type(resp.extensions["network_stream"]
                                      .get_extra_info("ssl_object"))

    assert run_async(main) == (expected_body("/ha"), sslx.SSLObject)


@pytest.fixture
def aiohttp_first():
    """aiohttp imported before the injection (its default contexts made by
    the stdlib at import, then rebuilt by inject_into_ssl)."""
    need("aiohttp")
    import aiohttp.connector  # noqa: F401
    import aiohttp.web  # noqa: F401


def test_aiohttp_client_and_server(aiohttp_first, certs, trusted_ca, injected):
    import aiohttp
    from aiohttp import web
    seen = []
    looked = asyncio.Event()

    async def hello(request):
        seen.append(type(request.transport.get_extra_info("ssl_object")))
        resp = web.StreamResponse()
        await resp.prepare(request)
        await looked.wait()               # the client looks at its connection first
        await resp.write(b"aiohttp injected")
        await resp.write_eof()
        return resp

    async def main():
        app = web.Application()
        app.router.add_get("/", hello)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0,
                               ssl_context=server_context_through_ssl(certs))
            await site.start()
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession() as session:   # aiohttp's default context
                async with session.get(f"https://127.0.0.1:{port}/") as resp:
                    kind = type(resp.connection.transport.get_extra_info("ssl_object"))
                    looked.set()
                    return await resp.read(), kind
        finally:
            await runner.cleanup()

    assert run_async(main) == (b"aiohttp injected", sslx.SSLObject)
    assert seen == [sslx.SSLObject]


async def asyncio_roundtrip(certs, client_ssl):
    seen = []

    async def handle(reader, writer):
        seen.append(type(writer.get_extra_info("ssl_object")))
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0,
                                        ssl=server_context_through_ssl(certs))
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ssl,
                                                       server_hostname="localhost")
        writer.write(b"default context\n")
        reply = await reader.readline()
        kind = type(writer.get_extra_info("ssl_object"))
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    return reply, kind, seen


def test_asyncio_default_context(certs, trusted_ca, injected):
    """ssl=True: asyncio makes its own context (ssl.create_default_context)
    and its own MemoryBIOs (ssl.MemoryBIO)."""
    reply, kind, seen = run_async(lambda: asyncio_roundtrip(certs, True))
    assert reply == b"DEFAULT CONTEXT\n"
    assert kind is sslx.SSLObject and seen == [sslx.SSLObject]


def test_uvloop_with_contexts_made_through_ssl(certs, injected):
    """uvloop with contexts the calling code makes through `ssl`.  (Its
    ssl=True default depends on when uvloop was imported: see the tests in
    fresh interpreters below.)"""
    need("uvloop")
    client = ssl.create_default_context(cafile=certs.cafile)
    reply, kind, seen = run_async(lambda: asyncio_roundtrip(certs, client), "uvloop")
    assert reply == b"DEFAULT CONTEXT\n"
    assert kind is sslx.SSLObject and seen == [sslx.SSLObject]


def test_websockets_asyncio_default_context(certs, trusted_ca, injected):
    need("websockets")
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve
    seen = []

    async def handler(ws):
        seen.append(type(ws.transport.get_extra_info("ssl_object")))
        await ws.send(await ws.recv())

    async def main():
        async with serve(handler, "127.0.0.1", 0, ssl=server_context_through_ssl(certs)) as srv:
            port = srv.sockets[0].getsockname()[1]
            async with connect(f"wss://localhost:{port}/") as ws:    # websockets' own context
                await ws.send("echo me")
                return await ws.recv(), type(ws.transport.get_extra_info("ssl_object"))

    assert run_async(main) == ("echo me", sslx.SSLObject)
    assert seen == [sslx.SSLObject]


def test_websockets_sync_default_context(certs, trusted_ca, injected):
    need("websockets")
    from websockets.sync.client import connect
    from websockets.sync.server import serve
    seen = []

    def handler(ws):
        seen.append(type(ws.socket))
        ws.send(ws.recv(timeout=TIMEOUT))

    with serve(handler, "127.0.0.1", 0, ssl=server_context_through_ssl(certs),
               open_timeout=TIMEOUT) as server:
        port = server.socket.getsockname()[1]
        t = threading.Thread(target=server.serve_forever, daemon=True)
        t.start()
        try:
            with connect(f"wss://localhost:{port}/", open_timeout=TIMEOUT) as ws:
                ws.send("sync echo")
                reply = ws.recv(timeout=TIMEOUT)
                kind = type(ws.socket)
        finally:
            server.shutdown()
            t.join(TIMEOUT)
    assert (reply, kind) == ("sync echo", sslx.SSLSocket)
    assert seen == [sslx.SSLSocket]


def test_trio_default_context(certs, trusted_ca, injected):
    trio = need("trio")
    from functools import partial
    seen = []

    async def handler(stream):
        seen.append(type(stream._ssl_object))
        await stream.send_all(await stream.receive_some(100))
        await stream.aclose()

    async def main():
        with trio.fail_after(TIMEOUT):
            async with trio.open_nursery() as nursery:
                listeners = await nursery.start(partial(
                    trio.serve_ssl_over_tcp, handler, 0, server_context_through_ssl(certs),
                    host="127.0.0.1"))
                port = listeners[0].transport_listener.socket.getsockname()[1]
                stream = await trio.open_ssl_over_tcp_stream("localhost", port)
                await stream.send_all(b"trio")
                reply = await stream.receive_some(100)
                kind = type(stream._ssl_object)
                await stream.aclose()
                nursery.cancel_scope.cancel()
        return reply, kind

    assert trio.run(main) == (b"trio", sslx.SSLObject)
    assert seen == [sslx.SSLObject]


# ---- import order, in fresh interpreters ----------------------------------------

# A child's asyncio server (sslx, from CHILD_CONTEXTS) and a client with
# ssl=True (the loop's own default context) trusting the CA by
# SSL_CERT_FILE: prints the class of the client's ssl_object.
CHILD_DEFAULT_CLIENT = CHILD_CONTEXTS + """
import asyncio
os.environ["SSL_CERT_FILE"] = cafile

async def default_client_kind():
    async def handle(reader, writer):
        writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_context())
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(
            "127.0.0.1", port, ssl=True, server_hostname="localhost"), 20)
        kind = type(writer.get_extra_info("ssl_object"))
        writer.close()
        return kind.__module__ + "." + kind.__name__
    finally:
        server.close()
        await server.wait_closed()

def on_uvloop(coro_fn):
    import uvloop
    loop = uvloop.new_event_loop()
    try:
        return loop.run_until_complete(coro_fn())
    finally:
        loop.close()
"""


def test_libraries_imported_after_injection():
    """Imported while sslx is injected, urllib3 builds sslx's contexts and
    aiohttp makes its defaults with sslx; after extract_from_ssl() they are
    the stdlib's again (aiohttp's rebuilt by aiohttp's code)."""
    need("urllib3")
    need("aiohttp")
    out = run_child(CHILD_CONTEXTS + """
import ssl
sslx.inject_into_ssl()
import urllib3.util.ssl_, aiohttp.connector as c
print(type(urllib3.util.ssl_.create_urllib3_context()) is sslx.SSLContext,
      type(c._SSL_CONTEXT_VERIFIED) is sslx.SSLContext,
      type(c._SSL_CONTEXT_UNVERIFIED) is sslx.SSLContext)
sslx.extract_from_ssl()
print(type(urllib3.util.ssl_.create_urllib3_context()) is ssl.SSLContext,
      type(c._SSL_CONTEXT_VERIFIED) is ssl.SSLContext,
      type(c._SSL_CONTEXT_UNVERIFIED) is ssl.SSLContext,
      c._SSL_CONTEXT_UNVERIFIED.verify_mode == ssl.CERT_NONE)
""")
    assert out.split("\n")[:2] == ["True True True", "True True True True"]


def test_uvloop_imported_before_injection():
    """uvloop's compiled module copies ssl.SSLContext, ssl.MemoryBIO and
    ssl.create_default_context at import.  Imported before the injection,
    its ssl=True default is the stdlib's function, which builds its
    context with the stdlib's class: an sslx context."""
    need("uvloop")
    out = run_child(CHILD_DEFAULT_CLIENT + """
import uvloop, ssl
print("before", on_uvloop(default_client_kind))
sslx.inject_into_ssl()
print("injected", asyncio.run(default_client_kind()), on_uvloop(default_client_kind))
sslx.extract_from_ssl()
print("extracted", on_uvloop(default_client_kind))
""")
    assert out.split("\n")[:3] == ["before ssl.SSLObject",
                                   "injected sslx.SSLObject sslx.SSLObject",
                                   "extracted ssl.SSLObject"]


def test_uvloop_imported_while_injected():
    """Imported while injected, uvloop keeps sslx's create_default_context
    as its ssl=True default after extract_from_ssl() (the documented
    limit); its copy of ssl.SSLContext is the stdlib's class, so it still
    takes the stdlib's contexts."""
    need("uvloop")
    out = run_child(CHILD_DEFAULT_CLIENT + """
import ssl
sslx.inject_into_ssl()
import uvloop
print("injected", on_uvloop(default_client_kind))
sslx.extract_from_ssl()
print("extracted", on_uvloop(default_client_kind), asyncio.run(default_client_kind()))

async def stdlib_server_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile)
    server = await asyncio.get_running_loop().create_server(
        asyncio.Protocol, "127.0.0.1", 0, ssl=ctx)
    server.close()
    return type(ctx).__module__
print("stdlib context", on_uvloop(stdlib_server_context))
""")
    assert out.split("\n")[:3] == ["injected sslx.SSLObject",
                                   "extracted sslx.SSLObject ssl.SSLObject",
                                   "stdlib context ssl"]
