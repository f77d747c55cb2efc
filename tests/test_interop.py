"""Interoperability with other TLS stacks: OpenSSL's command-line tools
(`openssl s_server` / `openssl s_client`, Debian package `openssl`) and
GnuTLS's (`gnutls-serv` / `gnutls-cli`, Debian package `gnutls-bin`).

Both directions, TLS 1.2 and 1.3: client certificates, ALPN, session
resumption, close_notify and abrupt EOF.  Each scenario is run with sslx
and with the stdlib `ssl` on the same interpreter, and the two outcomes
must be equal (besides the sslx outcome meeting the expectation itself).

Every external process listens or connects on 127.0.0.1 only, on a port
that was free a moment before, is waited for with a bounded poll and is
killed when the test ends.
"""
import socket
import ssl as stdlib_ssl
import subprocess
import threading
import time

import pytest

import sslx
from implementations import MODULES
from tlstools import (GNUTLS_CLI, GNUTLS_SERV, OPENSSL, RUN_TIMEOUT, External, free_port,
                      gnutls_priority, needs_gnutls, needs_openssl, openssl_version_flag,
                      pin_version)

VERSIONS = ["1.2", "1.3"]


# ---------------------------------------------------------------- processes

def openssl_server(certs, port, version, *extra):
    return External([OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port,
                     "-cert", certs.server_certfile, "-CAfile", certs.cafile,
                     openssl_version_flag(version), *extra])


def gnutls_server(certs, port, version, *extra):
    return External([GNUTLS_SERV, "--echo", "-q", "-p", str(port),
                     "--x509certfile", certs.server_certfile,
                     "--x509keyfile", certs.server_certfile,
                     "--x509cafile", certs.cafile,
                     "--priority", gnutls_priority(version), *extra])


# ------------------------------------------------------- the module's side

def client_context(mod, certs, version, client_cert=True, alpn=("h2",)):
    ctx = mod.create_default_context(cafile=certs.cafile)
    pin_version(ctx, mod, version)
    if client_cert:
        ctx.load_cert_chain(certs.client_certfile)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def server_context(mod, certs, version, require_client_cert=True, alpn=("h2",)):
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    pin_version(ctx, mod, version)
    ctx.load_cert_chain(certs.server_certfile)
    if require_client_cert:
        ctx.load_verify_locations(certs.cafile)
        ctx.verify_mode = mod.CERT_REQUIRED
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def connect(ctx, port, **kw):
    raw = socket.create_connection(("127.0.0.1", port), timeout=RUN_TIMEOUT)
    try:
        return ctx.wrap_socket(raw, server_hostname="localhost", **kw)
    except BaseException:
        raw.close()
        raise


def recv_line(tls):
    data = b""
    while not data.endswith(b"\n"):
        piece = tls.recv(4096)
        if not piece:
            break
        data += piece
    return data


def over_socket(mod, raw, incoming, outgoing):
    """A runner for an SSLObject's operations whose MemoryBIOs travel over
    the socket `raw` (which has a timeout): run(op, *args) retries op while
    it wants to read, sending what it wrote and feeding what arrives (the
    socket's EOF as the BIO's), then sends what the last call wrote."""
    def run(op, *args):
        while True:
            try:
                result = op(*args)
            except mod.SSLWantReadError:
                raw.sendall(outgoing.read())
                data = raw.recv(65536)
                if data:
                    incoming.write(data)
                else:
                    incoming.write_eof()
                continue
            raw.sendall(outgoing.read())
            return result
    return run


def outcome(fn, *args):
    """What a scenario did: its return value or the exception's type name."""
    try:
        return ("ok", fn(*args))
    except (OSError, ValueError) as exc:
        return ("raised", type(exc).__name__)


def same_in_both(fn, *args):
    """Run fn(module, *args) with sslx and with the stdlib; they must agree.
    Returns sslx's outcome."""
    mine = outcome(fn, sslx, *args)
    theirs = outcome(fn, stdlib_ssl, *args)
    assert mine == theirs, "sslx %r, stdlib %r" % (mine, theirs)
    return mine


# ========================== sslx as the client, their server ==============

@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_client_vs_openssl_server_client_cert_and_alpn(certs, version):
    port = free_port()

    def scenario(mod):
        with connect(client_context(mod, certs, version), port) as tls:
            tls.sendall(b"hello interop\n")
            reply = recv_line(tls)
            return tls.version(), tls.selected_alpn_protocol(), reply

    # -rev: a server that sends each line back reversed; -Verify 1 demands a client certificate
    with openssl_server(certs, port, version, "-rev", "-Verify", "1", "-alpn", "h2") as srv:
        srv.wait_listening(port)
        result = same_in_both(scenario)
    assert result == ("ok", ("TLSv" + version, "h2", b"poretni olleh\n"))


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_client_vs_gnutls_server_client_cert_and_alpn(certs, version):
    port = free_port()

    def scenario(mod):
        with connect(client_context(mod, certs, version), port) as tls:
            tls.sendall(b"hello interop\n")
            reply = recv_line(tls)
            cert = tls.getpeercert()
            return tls.version(), tls.selected_alpn_protocol(), reply, cert["subjectAltName"]

    with gnutls_server(certs, port, version, "--require-client-cert", "--alpn", "h2") as srv:
        srv.wait_listening(port)
        result = same_in_both(scenario)
    assert result[0] == "ok"
    version_seen, alpn, reply, san = result[1]
    assert (version_seen, alpn, reply) == ("TLSv" + version, "h2", b"hello interop\n")
    assert ("DNS", "localhost") in san


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_client_without_certificate_refused_by_openssl_server(certs, version):
    port = free_port()

    def scenario(mod):
        with connect(client_context(mod, certs, version, client_cert=False), port) as tls:
            # TLS 1.3: the client's handshake ends before the server checks
            # its (missing) certificate; the alert comes with the first read.
            tls.sendall(b"x\n")
            return recv_line(tls)

    refused = {"SSLError", "SSLEOFError", "ConnectionResetError", "BrokenPipeError"}   # a race, see below
    with openssl_server(certs, port, version, "-rev", "-Verify", "1") as srv:
        srv.wait_listening(port)
        for mod in MODULES.values():
            result = outcome(scenario, mod)
            assert result[0] == "raised" and result[1] in refused, (mod.__name__, result)


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_client_without_certificate_refused_by_gnutls_server(certs, version):
    port = free_port()

    def scenario(mod):
        with connect(client_context(mod, certs, version, client_cert=False), port) as tls:
            tls.sendall(b"x\n")
            return recv_line(tls)

    # Which comes first, the server's alert or its TCP close, is a race in
    # TLS 1.3 (the client's handshake is over before the server decides):
    # the stdlib too raises SSLError or SSLEOFError from run to run.
    refused = {"SSLError", "SSLEOFError", "ConnectionResetError", "BrokenPipeError"}
    with gnutls_server(certs, port, version, "--require-client-cert") as srv:
        srv.wait_listening(port)
        for mod in MODULES.values():
            result = outcome(scenario, mod)
            assert result[0] == "raised" and result[1] in refused, (mod.__name__, result)


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_client_rejects_openssl_server_from_unknown_ca(certs, other_ca, tmp_path, version):
    other_file = str(tmp_path / "other.pem")
    other_ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(other_file)
    port = free_port()

    def scenario(mod):
        with connect(client_context(mod, certs, version), port) as tls:
            return tls.version()

    with External([OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", other_file,
                   openssl_version_flag(version), "-rev"]) as srv:
        srv.wait_listening(port)
        result = same_in_both(scenario)
    assert result == ("raised", "SSLCertVerificationError")


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_client_rejects_gnutls_server_from_unknown_ca(certs, other_ca, tmp_path, version):
    other_file = str(tmp_path / "other.pem")
    other_ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(other_file)
    port = free_port()

    def scenario(mod):
        with connect(client_context(mod, certs, version), port) as tls:
            return tls.version()

    with External([GNUTLS_SERV, "--echo", "-q", "-p", str(port), "--x509certfile", other_file,
                   "--x509keyfile", other_file, "--priority", gnutls_priority(version)]) as srv:
        srv.wait_listening(port)
        result = same_in_both(scenario)
    assert result == ("raised", "SSLCertVerificationError")


def _resume_scenario(certs, version, port):
    def scenario(mod):
        ctx = client_context(mod, certs, version)
        with connect(ctx, port) as tls:
            tls.sendall(b"first\n")
            recv_line(tls)          # TLS 1.3 tickets arrive after the handshake
            session = tls.session
            first_reused = tls.session_reused
        with connect(ctx, port, session=session) as tls:
            tls.sendall(b"second\n")
            reply = recv_line(tls)
            return first_reused, tls.session_reused, session.has_ticket or version == "1.2", reply
    return scenario


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_client_resumes_with_openssl_server(certs, version):
    port = free_port()
    with openssl_server(certs, port, version, "-rev", "-Verify", "1") as srv:
        srv.wait_listening(port)
        result = same_in_both(_resume_scenario(certs, version, port))
    assert result == ("ok", (False, True, True, b"dnoces\n"))


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_client_resumes_with_gnutls_server(certs, version):
    port = free_port()
    with gnutls_server(certs, port, version, "--require-client-cert") as srv:
        srv.wait_listening(port)
        result = same_in_both(_resume_scenario(certs, version, port))
    assert result == ("ok", (False, True, True, b"second\n"))


def _http_get_until_end(certs, version, port):
    def scenario(mod):
        with connect(client_context(mod, certs, version, client_cert=False, alpn=()), port,
                     suppress_ragged_eofs=False) as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
            body = b""
            while True:
                piece = tls.recv(65536)
                if not piece:
                    return body.split(b"\r\n", 1)[0], "eof"
                body += piece
    return scenario


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_client_sees_openssl_servers_close_notify(certs, version):
    """s_server -www answers one request and closes with close_notify: a
    clean end of stream even with suppress_ragged_eofs=False."""
    port = free_port()
    with openssl_server(certs, port, version, "-www") as srv:
        srv.wait_listening(port)
        result = same_in_both(_http_get_until_end(certs, version, port))
    assert result == ("ok", (b"HTTP/1.0 200 ok", "eof"))


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_client_sees_gnutls_servers_close_notify(certs, version):
    """gnutls-serv without --echo is an HTTP server: it answers one request
    and ends with close_notify (clean even with suppress_ragged_eofs=False)."""
    port = free_port()
    with External([GNUTLS_SERV, "-q", "-p", str(port), "--x509certfile", certs.server_certfile,
                   "--x509keyfile", certs.server_certfile,
                   "--priority", gnutls_priority(version)]) as srv:
        srv.wait_listening(port)
        result = same_in_both(_http_get_until_end(certs, version, port))
    assert result == ("ok", (b"HTTP/1.0 200 OK", "eof"))


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_sslobject_client_sees_zero_return_from_openssl_server(certs, version):
    """The same close_notify through an SSLObject: read() returns b'' once
    the close_notify is in (the stdlib does the same; SSLZeroReturnError is
    only for reads after that)."""
    port = free_port()

    def scenario(mod):
        ctx = client_context(mod, certs, version, client_cert=False, alpn=())
        incoming, outgoing = mod.MemoryBIO(), mod.MemoryBIO()
        obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
        with socket.create_connection(("127.0.0.1", port), timeout=RUN_TIMEOUT) as raw:
            pump = over_socket(mod, raw, incoming, outgoing)
            pump(obj.do_handshake)
            pump(obj.write, b"GET / HTTP/1.0\r\n\r\n")
            total = 0
            while True:
                piece = pump(obj.read, 65536)
                if not piece:
                    return "end of stream", total > 0, obj.version()
                total += len(piece)

    with openssl_server(certs, port, version, "-www") as srv:
        srv.wait_listening(port)
        result = same_in_both(scenario)
    assert result == ("ok", ("end of stream", True, "TLSv" + version))


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_openssl_server_sees_client_close_notify(certs, version):
    port = free_port()
    with openssl_server(certs, port, version, "-Verify", "1") as srv:
        srv.wait_listening(port)
        tls = connect(client_context(sslx, certs, version), port)
        tls.sendall(b"before close\n")
        plain = tls.unwrap()
        plain.close()
        deadline = time.monotonic() + RUN_TIMEOUT
        while "DONE" not in srv.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        out = srv.output()
    # s_server prints DONE when SSL_read reports the peer's close_notify
    assert "before close" in out
    assert "DONE" in out and "unexpected eof" not in out


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("suppress", [True, False])
def test_client_sees_gnutls_server_killed(certs, version, suppress):
    _client_sees_server_killed(certs, version, suppress, gnutls_server, b"ping\n", b"ping\n")


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("suppress", [True, False])
def test_client_sees_openssl_server_killed(certs, version, suppress):
    _client_sees_server_killed(certs, version, suppress,
                               lambda *a: openssl_server(*a, "-rev"), b"ping\n", b"gnip\n")


def _client_sees_server_killed(certs, version, suppress, make_server, line, expected):
    results = {}
    for name, mod in MODULES.items():
        port = free_port()
        with make_server(certs, port, version) as srv:
            srv.wait_listening(port)
            tls = connect(client_context(mod, certs, version), port, suppress_ragged_eofs=suppress)
            with tls:
                tls.sendall(line)
                assert recv_line(tls) == expected
                srv.kill()
                try:
                    results[name] = ("ok", tls.recv(100))
                except OSError as exc:
                    results[name] = ("raised", type(exc).__name__)
    assert results["sslx"] == results["stdlib"]
    if suppress:
        assert results["sslx"] == ("ok", b"")
    else:
        assert results["sslx"] == ("raised", "SSLEOFError")


# ========================== their client, sslx as the server ==============

class SslxServer:
    """A server in a thread: accepts `connections` connections on
    127.0.0.1 with `ctx`, runs body(tls) for each, keeps the results."""

    def __init__(self, ctx, body, connections=1, suppress_ragged_eofs=True):
        self.ctx, self.body, self.connections = ctx, body, connections
        self.suppress = suppress_ragged_eofs
        self.results = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(RUN_TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        for _ in range(self.connections):
            try:
                raw, _ = self.listener.accept()
            except OSError as exc:
                self.results.append(("raised", type(exc).__name__))
                return
            raw.settimeout(RUN_TIMEOUT)
            try:
                with self.ctx.wrap_socket(raw, server_side=True,
                                          suppress_ragged_eofs=self.suppress) as tls:
                    self.results.append(("ok", self.body(tls)))
            except (OSError, ValueError) as exc:
                self.results.append(("raised", type(exc).__name__))
            finally:
                raw.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.thread.join(RUN_TIMEOUT + 5)
        self.listener.close()
        assert not self.thread.is_alive(), "server thread hung"
        return False


def echo_upper_then_close_notify(tls):
    line = recv_line(tls)
    tls.sendall(line.upper())
    info = (tls.version(), tls.selected_alpn_protocol(),
            dict(x[0] for x in tls.getpeercert()["subject"]).get("commonName"))
    try:
        tls.unwrap()
        return info + ("peer answered close_notify",)
    except sslx.SSLEOFError if isinstance(tls, sslx.SSLSocket) else stdlib_ssl.SSLEOFError:
        # gnutls-cli closes TCP on our close_notify without answering it
        return info + ("peer closed TCP",)


def openssl_client(certs, port, version, *extra, client_cert=True):
    argv = [OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost",
            "-CAfile", certs.cafile, "-verify_return_error", openssl_version_flag(version),
            "-ign_eof", *extra]
    if client_cert:
        argv += ["-cert", certs.client_certfile]
    return External(argv)


def gnutls_client(certs, port, version, *extra, client_cert=True):
    argv = [GNUTLS_CLI, "-p", str(port), "127.0.0.1", "--x509cafile", certs.cafile,
            "--priority", gnutls_priority(version), *extra]
    if client_cert:
        argv += ["--x509certfile", certs.client_certfile, "--x509keyfile", certs.client_certfile]
    return External(argv)


def run_their_client(mod, certs, version, make_client, *client_args, body=echo_upper_then_close_notify,
                     connections=1, stdin=b"hello from the peer\n", **server_kw):
    ctx = server_context(mod, certs, version)
    with SslxServer(ctx, body, connections, **server_kw) as server:
        with make_client(certs, server.port, version, *client_args) as client:
            client.proc.stdin.write(stdin)
            client.proc.stdin.flush()
            try:
                rc = client.wait()
            except subprocess.TimeoutExpired:
                rc = "timeout"
            out = client.output()
    return server.results, rc, out


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_openssl_client_vs_server(certs, version):
    outs = {}
    for name, mod in MODULES.items():
        results, rc, out = run_their_client(mod, certs, version, openssl_client, "-alpn", "h2")
        outs[name] = results
        assert "HELLO FROM THE PEER" in out, out
        assert "Verify return code: 0 (ok)" in out
        assert "ALPN protocol: h2" in out
        # the client exits on our close_notify (it ignores its own stdin's EOF)
        assert "closed" in out and rc == 0
    assert outs["sslx"] == outs["stdlib"]
    assert outs["sslx"] == [("ok", ("TLSv" + version, "h2", "client", "peer answered close_notify"))]


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_gnutls_client_vs_server(certs, version):
    outs = {}
    for name, mod in MODULES.items():
        results, rc, out = run_their_client(mod, certs, version, gnutls_client, "--alpn", "h2")
        outs[name] = results
        assert "HELLO FROM THE PEER" in out, out
        assert "- Application protocol: h2" in out
        assert "Peer has closed the GnuTLS connection" in out, out
        assert rc == 0
    assert outs["sslx"] == outs["stdlib"]
    assert outs["sslx"] == [("ok", ("TLSv" + version, "h2", "client", "peer closed TCP"))]


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_openssl_client_without_certificate_refused(certs, version):
    outs = {}
    for name, mod in MODULES.items():
        results, rc, out = run_their_client(mod, certs, version,
                                            lambda *a: openssl_client(*a, client_cert=False))
        outs[name] = results
        assert rc != 0 or "HELLO" not in out
    assert outs["sslx"] == outs["stdlib"]
    assert outs["sslx"][0][0] == "raised"


def _resume_body(tls):
    line = recv_line(tls)
    tls.sendall(line.upper())
    return tls.session_reused


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_openssl_client_resumes_with_server(certs, version, tmp_path):
    sess = str(tmp_path / "session.pem")
    outs = {}
    for name, mod in MODULES.items():
        ctx = server_context(mod, certs, version)
        with SslxServer(ctx, _resume_body, connections=2) as server:
            outputs = []
            for flag in ("-sess_out", "-sess_in"):
                with openssl_client(certs, server.port, version, flag, sess) as client:
                    client.send(b"hi\n")
                    # the server closes after one line; -ign_eof keeps the
                    # client reading until then, so the ticket is saved
                    client.wait()
                    outputs.append(client.output())
        outs[name] = server.results
        assert "Reused," in outputs[1] and "New," in outputs[0]
    assert outs["sslx"] == outs["stdlib"] == [("ok", False), ("ok", True)]


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_gnutls_client_resumes_with_server(certs, version):
    outs = {}
    for name, mod in MODULES.items():
        results, rc, out = run_their_client(mod, certs, version, gnutls_client, "--resume",
                                            "--waitresumption", body=_resume_body, connections=2)
        outs[name] = results
        assert "This is a resumed session" in out, out
    assert outs["sslx"] == outs["stdlib"] == [("ok", False), ("ok", True)]


def _read_until_end(tls):
    data = recv_line(tls)
    tls.sendall(data.upper())
    try:
        return "data then", tls.recv(100)
    except OSError as exc:
        return "data then", type(exc).__name__


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_server_sees_gnutls_client_close_notify(certs, version):
    """gnutls-cli sends close_notify when its input ends."""
    outs = {}
    for name, mod in MODULES.items():
        ctx = server_context(mod, certs, version)
        with SslxServer(ctx, _read_until_end, suppress_ragged_eofs=False) as server:
            with gnutls_client(certs, server.port, version) as client:
                client.send(b"bye soon\n")
                client.close_stdin()
                client.wait()
        outs[name] = server.results
    assert outs["sslx"] == outs["stdlib"] == [("ok", ("data then", b""))]


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("suppress", [True, False])
def test_server_sees_openssl_client_killed(certs, version, suppress):
    outs = {}
    for name, mod in MODULES.items():
        ctx = server_context(mod, certs, version)
        answered = threading.Event()

        def body(tls):
            tls.sendall(recv_line(tls).upper())
            answered.set()
            try:
                return tls.recv(100)
            except OSError as exc:
                return type(exc).__name__

        with SslxServer(ctx, body, suppress_ragged_eofs=suppress) as server:
            with openssl_client(certs, server.port, version) as client:
                client.send(b"hello\n")
                assert answered.wait(RUN_TIMEOUT)
                # Kill only once the client has read the echo: a process
                # killed with unread data makes its kernel send a reset.
                deadline = time.monotonic() + RUN_TIMEOUT
                while "HELLO" not in client.output() and time.monotonic() < deadline:
                    time.sleep(0.02)
                client.kill()
        outs[name] = server.results
    assert outs["sslx"] == outs["stdlib"]
    assert outs["sslx"] == [("ok", b"" if suppress else "SSLEOFError")]


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_sslobject_server_sees_close_notify_from_gnutls_client(certs, version):
    """An SSLObject server over a socket: after gnutls-cli's close_notify
    read() returns b''; compare with the stdlib."""
    outs = {}
    for name, mod in MODULES.items():
        ctx = server_context(mod, certs, version)

        def serve(raw, mod=mod, ctx=ctx):
            incoming, outgoing = mod.MemoryBIO(), mod.MemoryBIO()
            obj = ctx.wrap_bio(incoming, outgoing, server_side=True)
            pump = over_socket(mod, raw, incoming, outgoing)
            pump(obj.do_handshake)
            line = b""
            while not line.endswith(b"\n"):
                line += pump(obj.read, 100)
            pump(obj.write, line.upper())
            try:
                return pump(obj.read, 100)
            except mod.SSLError as exc:
                return type(exc).__name__

        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(RUN_TIMEOUT)
        with listener, gnutls_client(certs, listener.getsockname()[1], version) as client:
            client.send(b"line\n")
            client.close_stdin()
            raw, _ = listener.accept()
            raw.settimeout(RUN_TIMEOUT)
            with raw:
                outs[name] = serve(raw)
            client.wait()
            assert "LINE" in client.output()
    assert outs["sslx"] == outs["stdlib"] == b""
