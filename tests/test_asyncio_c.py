"""asyncio over sslx contexts: sslx's C protocol on the default loop
(sslx/_asyncio.py, _sslx/asyncio_*.c), sslx's wrap_bio() under uvloop.
Each behaviour test runs for sslx and for the stdlib (`mod`) with the same
expectations, on each loop (`loop_name`: the default one and uvloop when
installed)."""
import asyncio
import gc
import os
import socket
import ssl as stdlib_ssl
import subprocess
import sys
import weakref

import pytest

import sslx
from asynciohelpers import LOOPS, Recorder, ThreadTLSPeer, contexts, echo_server, run

PY311 = sys.version_info >= (3, 11)


@pytest.fixture(params=LOOPS)
def loop_name(request):
    return request.param


# ---------------------------------------------------------------- which path

def test_sslx_context_gets_the_c_protocol_and_transport(certs):
    server_ctx, client_ctx = contexts(sslx, certs)

    async def main():
        server, port = await echo_server(server_ctx)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        transport = writer.transport
        kinds = (type(transport), type(transport._ssl_protocol),
                 isinstance(transport, asyncio.Transport),
                 isinstance(transport._ssl_protocol, asyncio.BufferedProtocol))
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return kinds

    assert sslx._asyncio.installed()
    assert run("default", main) == (sslx._sslx.AsyncioSSLTransport,
                                    sslx._sslx.AsyncioSSLProtocol, True, True)


def _transport_type_with(server_ctx, client_ctx):
    async def main():
        server, port = await echo_server(server_ctx)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        kind = type(writer.transport).__name__
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return kind

    return run("default", main)


def test_other_contexts_keep_the_stdlib_protocol(certs):
    # The stdlib's own context, and an sslx context whose class replaces
    # wrap_bio() in Python: asyncio's own SSLProtocol serves them.
    server_ctx, client_ctx = contexts(stdlib_ssl, certs)
    assert _transport_type_with(server_ctx, client_ctx) == "_SSLProtocolTransport"

    class Wrapping(sslx.SSLContext):
        def wrap_bio(self, *args, **kwargs):
            return super().wrap_bio(*args, **kwargs)

    client = Wrapping(sslx.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    assert not sslx._asyncio.serves(client)
    assert _transport_type_with(contexts(sslx, certs)[0], client) == "_SSLProtocolTransport"


def test_uninstall_and_install_again(certs):
    server_ctx, client_ctx = contexts(sslx, certs)
    sslx._asyncio.uninstall()
    try:
        assert not sslx._asyncio.installed()
        assert _transport_type_with(server_ctx, client_ctx) == "_SSLProtocolTransport"
    finally:
        sslx._asyncio.install()
    assert sslx._asyncio.installed()
    assert _transport_type_with(server_ctx, client_ctx) == "AsyncioSSLTransport"


CHILD = r"""
import asyncio.sslproto, sys
sys.path[:0] = {path!r}
import sslx
print(sslx._asyncio.installed(), asyncio.sslproto.SSLProtocol.__qualname__)
"""


def _child(code, **env):
    path = [os.path.dirname(os.path.dirname(sslx.__file__))]
    out = subprocess.run([sys.executable, "-c", code.format(path=path)], capture_output=True,
                         text=True, timeout=120, env=dict(os.environ, **env))
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_environment_switch_and_post_import_hook():
    # asyncio imported first: installed at sslx's import.
    assert _child(CHILD) == ["True", "SSLProtocol"]
    # sslx first: installed once asyncio.sslproto is imported.
    late = ("import sys\nsys.path[:0] = {path!r}\nimport sslx\n"
            "print(sslx._asyncio.installed())\nimport asyncio\n"
            "print(sslx._asyncio.installed())")
    assert _child(late) == ["False", "True"]
    # SSLX_ASYNCIO=0: asyncio is left alone.
    assert _child(CHILD, SSLX_ASYNCIO="0") == ["False", "SSLProtocol"]


# ---------------------------------------------------------------- behaviour

def test_echo_and_extra_info(mod, certs, loop_name):
    server_ctx, client_ctx = contexts(mod, certs, alpn=["h2", "http/1.1"])

    async def main():
        server, port = await echo_server(server_ctx)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        writer.write(b"hello ")
        writer.writelines([b"wor", b"ld"])
        got = await reader.readexactly(11)
        info = {k: writer.get_extra_info(k) for k in
                ("peercert", "cipher", "compression", "sslcontext", "ssl_object", "socket",
                 "peername", "sockname")}
        obj = info["ssl_object"]
        about = (obj.version(), obj.selected_alpn_protocol(), obj.getpeercert() == info["peercert"],
                 obj.server_side, obj.server_hostname)
        missing = writer.get_extra_info("no such key", "dflt")
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return got, info, about, missing

    got, info, about, missing = run(loop_name, main)
    assert got == b"hello world"
    assert ("DNS", "localhost") in info["peercert"]["subjectAltName"]
    assert len(info["cipher"]) == 3 and info["cipher"][1] == "TLSv1.3"
    assert info["compression"] is None
    assert info["sslcontext"] is client_ctx
    assert info["socket"] is not None and info["peername"][0] == "127.0.0.1"
    assert isinstance(info["ssl_object"], stdlib_ssl.SSLObject)
    assert about == ("TLSv1.3", "h2", True, False, "localhost")
    assert missing == "dflt"


def test_certificate_verify_failure(mod, certs, other_ca, tmp_path, loop_name):
    server_ctx, _ = contexts(mod, certs)
    client_ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    other = tmp_path / "other.pem"
    other_ca.cert_pem.write_to_path(str(other))
    client_ctx.load_verify_locations(str(other))

    async def main():
        server, port = await echo_server(server_ctx)
        try:
            await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                          server_hostname="localhost")
        except Exception as exc:
            return exc
        finally:
            server.close()
            await server.wait_closed()

    exc = run(loop_name, main)
    assert isinstance(exc, stdlib_ssl.SSLCertVerificationError)
    assert "certificate verify failed" in str(exc)


def test_close_notify_both_ways(mod, certs, loop_name):
    server_ctx, client_ctx = contexts(mod, certs)

    async def main():
        seen = {}

        async def handle(reader, writer):
            seen["data"] = await reader.read(100)
            seen["eof"] = await reader.read(100)       # the client's close_notify
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        writer.write(b"ping")
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()

        async def closer(reader, writer):
            writer.write(b"bye")
            await writer.drain()
            writer.close()                              # the server's close_notify

        server = await asyncio.start_server(closer, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        seen["client"] = await reader.read()
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return seen

    assert run(loop_name, main) == {"data": b"ping", "eof": b"", "client": b"bye"}


def test_handshake_timeout(mod, certs, loop_name):
    _, client_ctx = contexts(mod, certs)

    async def main():
        async def silent(reader, writer):
            await asyncio.sleep(5)
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                          server_hostname="localhost", ssl_handshake_timeout=0.3)
        except Exception as exc:
            return exc
        finally:
            server.close()

    exc = run(loop_name, main)
    assert isinstance(exc, (ConnectionAbortedError, asyncio.TimeoutError, TimeoutError)), exc
    if loop_name == "default":
        assert isinstance(exc, ConnectionAbortedError)
        assert "SSL handshake is taking longer than 0.3 seconds" in str(exc)


@pytest.mark.skipif(not PY311, reason="ssl_shutdown_timeout is asyncio's from 3.11")
def test_shutdown_timeout(mod, certs, loop_name):
    _, client_ctx = contexts(mod, certs)
    # The peer completes the handshake, then never answers close_notify.
    peer = ThreadTLSPeer(certs.server_certfile, after=lambda tls: peer_done.wait(30))
    import threading
    peer_done = threading.Event()

    async def main():
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_connection(
            Recorder, "127.0.0.1", peer.port, ssl=client_ctx, server_hostname="localhost",
            ssl_shutdown_timeout=0.3)
        transport.close()
        return await proto.lost

    try:
        exc = run(loop_name, main)
    finally:
        peer_done.set()
        peer.close()
    assert isinstance(exc, TimeoutError), repr(exc)
    assert "SSL shutdown timed out" in str(exc)


def test_bad_record_after_handshake_loses_the_connection_with_the_error(mod, certs, loop_name):
    _, client_ctx = contexts(mod, certs)

    def garbage(tls):
        raw = __import__("socket").socket(fileno=os.dup(tls.fileno()))
        raw.sendall(b"\x17\x03\x03\x00\x20" + b"\x00" * 32)   # not a record of this session
        raw.close()
        tls.recv(1)

    peer = ThreadTLSPeer(certs.server_certfile, after=garbage)

    async def main():
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_connection(
            Recorder, "127.0.0.1", peer.port, ssl=client_ctx, server_hostname="localhost")
        exc = await proto.lost
        transport.close()
        return exc

    try:
        exc = run(loop_name, main)
    finally:
        peer.close()
    assert isinstance(exc, stdlib_ssl.SSLError), repr(exc)


def test_start_tls_upgrade(mod, certs, loop_name):
    server_ctx, client_ctx = contexts(mod, certs)

    async def main():
        loop = asyncio.get_running_loop()
        result = {}

        async def handle(reader, writer):
            line = await reader.readline()
            writer.write(b"GO\n")
            await writer.drain()
            transport = writer.transport
            proto = transport.get_protocol()
            tls = await loop.start_tls(transport, proto, server_ctx, server_side=True)
            result["server_type"] = type(tls).__name__
            tls.write(line.upper())

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport, proto = await loop.create_connection(Recorder, "127.0.0.1", port)
        transport.write(b"starttls\n")
        while b"GO\n" not in proto.data:
            await asyncio.sleep(0.01)
        proto.data.clear()
        tls = await loop.start_tls(transport, proto, client_ctx, server_hostname="localhost")
        while len(proto.data) < 9:
            await asyncio.sleep(0.01)
        result["data"] = bytes(proto.data)
        result["cipher"] = tls.get_extra_info("cipher")[1]
        tls.close()
        await proto.lost
        server.close()
        await server.wait_closed()
        return result

    result = run(loop_name, main)
    assert result["data"] == b"STARTTLS\n"
    assert result["cipher"] == "TLSv1.3"


def test_buffered_protocol_app(mod, certs, loop_name):
    server_ctx, client_ctx = contexts(mod, certs)
    payload = os.urandom(1 << 20)

    class Buffered(asyncio.BufferedProtocol):
        def __init__(self):
            self.buf = bytearray(70000)
            self.got = bytearray()
            self.done = asyncio.get_event_loop().create_future()

        def get_buffer(self, sizehint):
            # A memoryview: the stdlib (3.11-3.13) reads into buf[offset:],
            # which for a bytearray is a copy, and loses those bytes.
            return memoryview(self.buf)

        def buffer_updated(self, nbytes):
            self.got += self.buf[:nbytes]

        def eof_received(self):
            self.done.set_result(bytes(self.got))

        def connection_lost(self, exc):
            if not self.done.done():
                self.done.set_result(bytes(self.got))

    async def main():
        async def sender(reader, writer):
            writer.write(payload)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(sender, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_connection(
            Buffered, "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost")
        got = await proto.done
        transport.close()
        server.close()
        await server.wait_closed()
        return got

    assert run(loop_name, main) == payload


def test_flow_control_with_a_big_transfer(mod, certs, loop_name):
    server_ctx, client_ctx = contexts(mod, certs)
    payload = os.urandom(8 << 20)

    async def main():
        loop = asyncio.get_running_loop()
        server_side = {}

        class Sender(Recorder):
            """Writes 64 KiB at a time while not paused."""

            def connection_made(self, transport):
                super().connection_made(transport)
                server_side["proto"] = self
                self.offset = 0
                self.paused = False
                self.pump()

            def pump(self):
                while self.offset < len(payload) and not self.paused:
                    self.transport.write(payload[self.offset:self.offset + 65536])
                    self.offset += 65536

            def pause_writing(self):
                super().pause_writing()
                self.paused = True
                server_side.setdefault("buffered", self.transport.get_write_buffer_size())

            def resume_writing(self):
                super().resume_writing()
                self.paused = False
                self.pump()

        server = await loop.create_server(Sender, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        transport, proto = await loop.create_connection(
            Recorder, "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost")
        while "proto" not in server_side:
            await asyncio.sleep(0.001)
        transport.pause_reading()
        reading_paused = not transport.is_reading()
        await asyncio.sleep(0.3)           # the sender's buffers fill meanwhile
        sender = server_side["proto"]
        paused_while_not_read = "pause_writing" in sender.events
        transport.resume_reading()
        while len(proto.data) < len(payload):
            await asyncio.sleep(0.01)
        transport.close()
        sender.transport.close()
        await proto.lost
        server.close()
        await server.wait_closed()
        return (reading_paused, paused_while_not_read, server_side.get("buffered", 0),
                "resume_writing" in sender.events, bytes(proto.data) == payload)

    reading_paused, paused, buffered, resumed, intact = run(loop_name, main)
    assert reading_paused and intact
    # The app was paused while its peer did not read, with at least the
    # high-water mark buffered, and resumed once the peer read again.
    assert paused and resumed
    assert buffered >= 64 * 1024


@pytest.mark.skipif(not PY311, reason="3.10's SSL transport delegates limits to the socket's")
def test_transport_methods(mod, certs):
    server_ctx, client_ctx = contexts(mod, certs)

    async def main():
        server, port = await echo_server(server_ctx)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        t = writer.transport
        out = {"limits": t.get_write_buffer_limits(), "read_limits": t.get_read_buffer_limits(),
               "can_write_eof": t.can_write_eof(), "closing": t.is_closing(),
               "size": t.get_write_buffer_size(), "read_size": t.get_read_buffer_size(),
               "start_tls": t._start_tls_compatible}
        t.set_write_buffer_limits(high=1000)
        out["limits2"] = t.get_write_buffer_limits()
        for call in (lambda: t.set_write_buffer_limits(high=1, low=2), lambda: t.write("str"),
                     t.write_eof):
            try:
                call()
            except Exception as exc:
                out.setdefault("errors", []).append((type(exc), str(exc)))
        t.pause_reading()
        out["reading"] = t.is_reading()
        t.resume_reading()
        out["reading2"] = t.is_reading()
        t.write(b"")        # nothing
        t.close()
        out["closing2"] = t.is_closing()
        t.close()           # twice is fine
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return out

    out = run("default", main)
    assert out["limits"] == (128 * 1024, 512 * 1024)
    assert out["read_limits"] == (64 * 1024, 256 * 1024)
    assert out["limits2"] == (250, 1000)
    assert out["can_write_eof"] is False and out["closing"] is False and out["closing2"]
    assert out["size"] == 0 and out["read_size"] == 0 and out["start_tls"] is True
    assert out["errors"] == [
        (ValueError, "high (1) must be >= low (2) must be >= 0"),
        (TypeError, "data: expecting a bytes-like instance, got str"),
        (NotImplementedError, "")]
    assert out["reading"] is False and out["reading2"] is True


def test_abort_during_handshake(mod, certs, loop_name):
    _, client_ctx = contexts(mod, certs)

    async def main():
        loop = asyncio.get_running_loop()

        async def silent(reader, writer):
            await reader.read()
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport, proto = await loop.create_connection(Recorder, "127.0.0.1", port)
        upgrade = asyncio.ensure_future(
            loop.start_tls(transport, proto, client_ctx, server_hostname="localhost"))
        await asyncio.sleep(0.1)
        transport.abort()
        result = await upgrade
        server.close()
        return result, list(proto.events)

    upgraded, events = run(loop_name, main)
    # As with the stdlib: start_tls() ends without a usable TLS transport
    # (asyncio's gives None, uvloop's a closed one) and the app protocol
    # hears of no TLS connection.
    assert upgraded is None if loop_name == "default" else upgraded.is_closing()
    assert events == ["made"]


def test_connection_lost_clean(mod, certs, loop_name):
    server_ctx, client_ctx = contexts(mod, certs)

    async def main():
        loop = asyncio.get_running_loop()
        made = loop.create_future()

        class Server(Recorder):
            def connection_made(self, transport):
                super().connection_made(transport)
                made.set_result(self)

        server = await loop.create_server(Server, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        transport, proto = await loop.create_connection(
            Recorder, "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost")
        server_proto = await made
        transport.close()
        client_exc = await proto.lost
        server_exc = await server_proto.lost
        server.close()
        await server.wait_closed()
        return client_exc, server_exc, proto.events, server_proto.events

    client_exc, server_exc, client_events, server_events = run(loop_name, main)
    assert client_exc is None and server_exc is None
    assert client_events[0] == "made" and client_events[-1] == "lost"
    if mod is stdlib_ssl and loop_name == "default" and not PY311:
        # asyncio 3.10's TLS layer does not pass close_notify on as EOF;
        # sslx's gives 3.11+'s behaviour on 3.10 too (docs/features/asyncio.md).
        assert server_events == ["made", "lost"]
    else:
        assert server_events == ["made", "eof", "lost"]


def test_many_concurrent_connections(mod, certs, loop_name):
    server_ctx, client_ctx = contexts(mod, certs)

    async def main():
        server, port = await echo_server(server_ctx, backlog=200)

        async def one(i):
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                           server_hostname="localhost")
            msg = b"%d\n" % i
            writer.write(msg)
            got = await reader.readexactly(len(msg))
            writer.close()
            await writer.wait_closed()
            return got == msg

        results = await asyncio.gather(*(one(i) for i in range(100)))
        server.close()
        await server.wait_closed()
        return results

    assert all(run(loop_name, main))


def test_protocol_and_transport_are_collected(certs):
    server_ctx, client_ctx = contexts(sslx, certs)
    refs = []

    async def main():
        server, port = await echo_server(server_ctx)
        for _ in range(20):
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                           server_hostname="localhost")
            refs.append(weakref.ref(writer.transport))
            refs.append(weakref.ref(writer.transport._ssl_protocol))
            writer.write(b"x")
            await reader.readexactly(1)
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()

    run("default", main)
    gc.collect()
    assert refs and all(r() is None for r in refs)
    alive = [o for o in gc.get_objects()
             if type(o) in (sslx._sslx.AsyncioSSLProtocol, sslx._sslx.AsyncioSSLTransport)]
    assert alive == []


def test_ssl_object_outlives_its_protocol(certs):
    """The SSLObject an app keeps stays safe to use once the protocol and
    its buffers are gone."""
    server_ctx, client_ctx = contexts(sslx, certs)

    async def main():
        server, port = await echo_server(server_ctx)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        obj = writer.get_extra_info("ssl_object")
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return obj

    obj = run("default", main)
    gc.collect()
    assert obj.version() == "TLSv1.3"
    with pytest.raises(stdlib_ssl.SSLError):
        obj.read(10)        # the connection is shut down: no bytes, no crash
    with pytest.raises(stdlib_ssl.SSLError):
        obj.write(b"x")


# ---------------------------------------------------------------- the GIL

GIL_CHILD = r"""
import asyncio, sys, threading, time, os
sys.path[:0] = {path!r}
import ssl as stdlib_ssl
import sslx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
import datetime
key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "localhost")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
        .sign(key, hashes.SHA256()))
path = {certfile!r}
with open(path, "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
server_ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain(path)
client_ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
client_ctx.load_verify_locations(path)
client_ctx.minimum_version = sslx.TLSVersion.TLSv1_3

# Ticks of a second thread, and the windows in which the server's handshake
# does its private-key work: from the SNI callback (before it) to the
# message callback that sees the server's CertificateVerify go out (after
# it); both run inside one OpenSSL call of the server's handshake.
ticks, windows = [], []
stop = False
def ticker():
    while not stop:
        ticks.append(time.perf_counter())
        time.sleep(0.0002)
def sni(obj, name, ctx):
    windows.append([time.perf_counter(), None])
def msg(conn, direction, version, content_type, msg_type, data):
    if direction == "write" and content_type == 22 and msg_type == 15 and windows and windows[-1][1] is None:
        windows[-1][1] = time.perf_counter()
server_ctx.sni_callback = sni
server_ctx._msg_callback = msg

async def main():
    async def handle(reader, writer):
        writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    for _ in range(5):
        r, w = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                             server_hostname="localhost")
        w.close()
        await w.wait_closed()
    server.close()
    await server.wait_closed()
t = threading.Thread(target=ticker)
t.start()
asyncio.run(main())
stop = True
t.join()
inside = [sum(1 for x in ticks if a < x < b) for a, b in windows if b is not None]
print(sslx._asyncio.installed(), " ".join(map(str, inside)))
"""


def _gil_ticks(tmp_path, **env):
    code = GIL_CHILD.replace("{path!r}", repr([os.path.dirname(os.path.dirname(sslx.__file__))]))
    code = code.replace("{certfile!r}", repr(str(tmp_path / ("rsa4096-%d.pem" % len(env)))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, **env))
    assert out.returncode == 0, out.stderr
    installed, *inside = out.stdout.split()
    return installed == "True", [int(n) for n in inside]


def test_gil_is_released_during_an_asyncio_handshake(tmp_path):
    pytest.importorskip("cryptography")
    installed, inside = _gil_ticks(tmp_path)
    assert installed and len(inside) == 5
    # RSA-4096 signing takes milliseconds; another thread ticking every
    # 0.2 ms gets many ticks in while it runs, in most handshakes.
    assert sorted(inside)[2] >= 3, inside
    # The control: asyncio's own protocol over sslx's Python-method BIO path
    # keeps the GIL through the handshake, and the test sees it.
    installed, inside = _gil_ticks(tmp_path, SSLX_ASYNCIO="0", SSLX_NO_STDLIB_BIO="1")
    assert not installed and len(inside) == 5
    assert sorted(inside)[2] <= 1, inside


def test_second_close_lets_go_of_the_protocol(mod, certs):
    """An app protocol that keeps its transport makes a cycle; as with the
    stdlib, closing the transport once more after the connection ended
    breaks it, so the context goes without the cycle collector."""
    server_ctx, client_ctx = contexts(mod, certs)

    async def main():
        async def closer(reader, writer):
            writer.write(b"O")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(closer, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        tr, proto = await loop.create_connection(Recorder, "127.0.0.1", port, ssl=client_ctx,
                                                 server_hostname="localhost")
        await proto.lost
        tr.close()
        server.close()
        await server.wait_closed()

    gc.collect()
    gc.disable()
    try:
        run("default", main)
        ref = weakref.ref(client_ctx)
        del client_ctx
        assert ref() is None
    finally:
        gc.enable()


def test_data_received_feeds_the_protocol_too(certs):
    """Transports that do not lend buffers call data_received(); the C
    protocol takes the records that way too."""
    server_ctx, client_ctx = contexts(sslx, certs)

    async def main():
        server, port = await echo_server(server_ctx)
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        app = Recorder()
        proto = sslx._sslx.AsyncioSSLProtocol(loop, app, client_ctx, waiter,
                                              server_hostname="localhost")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)

        class Relay:
            """Stands for a socket transport, over a plain stream."""

            def write(self, data):
                writer.write(data)

            def __getattr__(self, name):
                return getattr(writer.transport, name)

        proto.connection_made(Relay())

        async def pump():
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                proto.data_received(data)

        task = asyncio.ensure_future(pump())
        await waiter
        app.transport.write(b"through data_received")
        while len(app.data) < 21:
            await asyncio.sleep(0.01)
        got = bytes(app.data)
        task.cancel()
        writer.close()
        server.close()
        await server.wait_closed()
        return got

    assert run("default", main) == b"through data_received"


class _CountingSocket(socket.socket):
    """Counts the sends asyncio's socket transport makes through it."""

    def send(self, data, *flags):
        self.sends = getattr(self, "sends", 0) + 1
        return super().send(data, *flags)


def test_first_write_goes_out_with_the_last_handshake_flight(mod, certs):
    """sslx's C protocol holds the client's Finished until the end of the
    loop iteration that completed the handshake, so a write made as soon
    as open_connection() returns leaves in the same send: two sends in all
    (ClientHello; Finished and the data), where asyncio's layer makes
    three.  The held bytes are not in get_write_buffer_size()."""
    server_ctx, client_ctx = contexts(mod, certs)

    async def main():
        server, port = await echo_server(server_ctx)
        loop = asyncio.get_running_loop()
        sock = _CountingSocket()
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock, ssl=client_ctx,
                                                       server_hostname="localhost")
        size = writer.transport.get_write_buffer_size()
        writer.write(b"e")
        echoed = await reader.readexactly(1)
        sends = sock.sends
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return size, echoed, sends

    size, echoed, sends = run("default", main)
    assert size == 0 and echoed == b"e"
    assert sends == (2 if mod is sslx else 3)


@pytest.mark.skipif(sys.version_info < (3, 14),
                    reason="before 3.14 asyncio's socket transport keeps itself in a cycle "
                           "through its read callback, whichever TLS layer is over it")
def test_failed_verification_leaves_no_cycles(mod, certs, other_ca, tmp_path, monkeypatch):
    """What CPython's test_create_connection_ssl_failed_certificate_no_cycles
    (gh-159049) checks, without patching asyncio's SSLProtocol (which sslx's
    C protocol does not call into): once the client's verification fails,
    its socket transport (and the server's) goes without the cycle
    collector."""
    server_ctx, _ = contexts(mod, certs)
    client_ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    other = tmp_path / "other.pem"
    other_ca.cert_pem.write_to_path(str(other))
    client_ctx.load_verify_locations(str(other))
    made = []

    class Remembered(asyncio.selector_events._SelectorSocketTransport):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    async def main():
        server, port = await echo_server(server_ctx)
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(asyncio.selector_events, "_SelectorSocketTransport", Remembered)
        try:
            await loop.create_connection(asyncio.Protocol, "127.0.0.1", port,
                                         ssl=client_ctx, server_hostname="localhost")
        except stdlib_ssl.SSLCertVerificationError as exc:
            failed = type(exc)
        finally:
            monkeypatch.undo()
            server.close()
            await server.wait_closed()
        return failed

    gc.collect()
    gc.disable()
    try:
        assert run("default", main) is stdlib_ssl.SSLCertVerificationError
        # The client's socket transport and the server's one.
        assert len(made) == 2
        assert [r() for r in made] == [None, None]
    finally:
        gc.enable()


class _BrokenSocket(socket.socket):
    """Sends until `broken` is set, then fails as a closed peer does."""

    def send(self, data, *flags):
        if getattr(self, "broken", False):
            raise BrokenPipeError(32, "Broken pipe")
        return super().send(data, *flags)


def test_send_failure_loses_the_connection(certs):
    """gh-118950, which CPython's test_connection_lost_when_busy checks with
    a mocked SSLObject (sslx's C protocol does not run a mock's handshake):
    when the socket transport's send fails, the app's connection is lost,
    so the next drain() raises ConnectionResetError (and later ones the
    send's error).  asyncio's own layer does the same only from that fix on
    (3.11-3.13's carries on as if nothing happened), so sslx alone here."""
    server_ctx, client_ctx = contexts(sslx, certs)

    async def main():
        server, port = await echo_server(server_ctx)
        loop = asyncio.get_running_loop()
        sock = _BrokenSocket()
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock, ssl=client_ctx,
                                                       server_hostname="localhost")
        writer.write(b"e")
        await reader.readexactly(1)
        sock.broken = True
        outcomes = []
        for _ in range(3):
            try:
                writer.write(b"x")
                await writer.drain()
                outcomes.append(None)
            except OSError as exc:
                outcomes.append(type(exc))
        closing = writer.transport.is_closing()
        writer.close()
        server.close()
        await server.wait_closed()
        return outcomes, closing

    outcomes, closing = run("default", main)
    assert outcomes == [None, ConnectionResetError, BrokenPipeError] and closing
