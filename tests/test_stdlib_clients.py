"""The stdlib's own TLS clients, unchanged, with an sslx context: the
drop-in promise.  Every server runs on 127.0.0.1 in a thread started by
the test (stdlib-TLS or sslx-TLS, to check both directions), bounded in
time and joined at the end."""
import asyncio
import ftplib
import http.client
import smtplib
import socket
import ssl as stdlib_ssl
import urllib.request

import pytest

import sslx
from ecohelpers import HTTPSServer, expected_body
from memhelpers import make_contexts
from sockhelpers import ThreadedServer

@pytest.fixture(params=["stdlib-server", "sslx-server"])
def server_ctx(request, certs):
    mod = stdlib_ssl if request.param == "stdlib-server" else sslx
    return make_contexts(mod, certs)[1]


@pytest.fixture
def client_ctx(certs):
    return make_contexts(sslx, certs)[0]


def test_http_client(server_ctx, client_ctx):
    with HTTPSServer(server_ctx) as srv:
        conn = http.client.HTTPSConnection("127.0.0.1", srv.port, context=client_ctx,
                                           timeout=10)
        try:
            conn.request("GET", "/x")
            resp = conn.getresponse()
            assert resp.status == 200
            assert resp.read() == expected_body("/x")
            assert isinstance(conn.sock, sslx.SSLSocket)
            assert conn.sock.getpeercert()["subjectAltName"]
            # keep-alive: a second request on the same TLS connection
            conn.request("GET", "/y")
            assert conn.getresponse().read() == expected_body("/y")
        finally:
            conn.close()


def test_http_client_rejects_wrong_name(ca, client_ctx, tmp_path):
    """A certificate for another name: http.client's connection fails
    with the stdlib's verification error class and wording."""
    path = str(tmp_path / "other-name.pem")
    ca.issue_cert("example.org").private_key_and_cert_chain_pem.write_to_path(path)
    server_ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(path)
    with HTTPSServer(server_ctx) as srv:
        conn = http.client.HTTPSConnection("127.0.0.1", srv.port, context=client_ctx,
                                           timeout=10)
        try:
            with pytest.raises(stdlib_ssl.SSLCertVerificationError) as cm:
                conn.request("GET", "/")
            assert "IP address mismatch" in cm.value.verify_message
        finally:
            conn.close()


def test_urlopen(server_ctx, client_ctx):
    with HTTPSServer(server_ctx) as srv:
        with urllib.request.urlopen(f"https://127.0.0.1:{srv.port}/u", context=client_ctx,
                                    timeout=10) as resp:
            assert resp.status == 200
            assert resp.read() == expected_body("/u")


# ---- SMTP with STARTTLS ----

def smtp_server(server_ctx):
    """A tiny SMTP server: EHLO, STARTTLS, MAIL, RCPT, DATA, QUIT."""
    def handler(conn):
        sock = conn
        rfile = sock.makefile("rb")
        sock.sendall(b"220 localhost ESMTP test\r\n")
        received = {"tls": False, "message": b""}
        while True:
            line = rfile.readline()
            if not line:
                return received
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO"):
                ext = b"250 SIZE 100000" if received["tls"] else b"250 STARTTLS"
                sock.sendall(b"250-localhost\r\n" + ext + b"\r\n")
            elif cmd == b"STARTTLS":
                sock.sendall(b"220 go ahead\r\n")
                rfile.close()
                sock = server_ctx.wrap_socket(sock, server_side=True)
                rfile = sock.makefile("rb")
                received["tls"] = True
            elif cmd.startswith(b"MAIL") or cmd.startswith(b"RCPT") or cmd == b"NOOP":
                sock.sendall(b"250 OK\r\n")
            elif cmd == b"DATA":
                sock.sendall(b"354 end with .\r\n")
                while True:
                    data = rfile.readline()
                    if data in (b".\r\n", b""):
                        break
                    received["message"] += data
                sock.sendall(b"250 queued\r\n")
            elif cmd == b"QUIT":
                sock.sendall(b"221 bye\r\n")
                rfile.close()
                return received
            else:
                sock.sendall(b"502 unknown\r\n")
    return handler


def test_smtp_starttls(server_ctx, client_ctx):
    with ThreadedServer(smtp_server(server_ctx)) as srv:
        with smtplib.SMTP("127.0.0.1", srv.addr[1], timeout=10) as smtp:
            smtp.ehlo()
            assert smtp.has_extn("starttls")
            code, _ = smtp.starttls(context=client_ctx)
            assert code == 220
            assert isinstance(smtp.sock, sslx.SSLSocket)
            assert smtp.sock.version() is not None
            smtp.ehlo()
            assert smtp.has_extn("size")
            smtp.sendmail("a@example.org", ["b@example.org"], "Subject: hi\r\n\r\nbody\r\n")
    assert srv.results[0]["tls"] is True
    assert b"body" in srv.results[0]["message"]


# ---- FTP over TLS ----

FILE_DATA = bytes(range(256)) * 64


def ftp_server(server_ctx):
    """A tiny FTPS server (explicit AUTH TLS, PROT P, PASV, RETR).  The
    data connection reports whether its TLS session resumed the control
    connection's."""
    def handler(conn):
        sock = conn
        rfile = sock.makefile("rb")
        log = []

        def reply(text):
            sock.sendall(text.encode() + b"\r\n")

        reply("220 test FTP")
        data_listener = None
        while True:
            line = rfile.readline()
            if not line:
                return log
            cmd = line.decode().strip()
            verb = cmd.split(" ")[0].upper()
            log.append(verb)
            if verb == "AUTH":
                reply("234 AUTH TLS ok")
                rfile.close()
                sock = server_ctx.wrap_socket(sock, server_side=True)
                rfile = sock.makefile("rb")
            elif verb == "USER":
                reply("331 password please")
            elif verb in ("PASS",):
                reply("230 logged in")
            elif verb in ("PBSZ", "PROT", "TYPE"):
                reply("200 ok")
            elif verb == "PASV":
                data_listener = socket.socket()
                data_listener.bind(("127.0.0.1", 0))
                data_listener.listen(1)
                data_listener.settimeout(10)
                port = data_listener.getsockname()[1]
                reply(f"227 Entering Passive Mode (127,0,0,1,{port >> 8},{port & 255})")
            elif verb == "RETR":
                reply("150 sending")
                raw, _ = data_listener.accept()
                data_listener.close()
                raw.settimeout(10)
                with server_ctx.wrap_socket(raw, server_side=True) as data:
                    data.sendall(FILE_DATA)
                    log.append(("reused", data.session_reused))
                    try:
                        data.unwrap()
                    except OSError:
                        pass
                reply("226 done")
            elif verb == "QUIT":
                reply("221 bye")
                rfile.close()
                return log
            else:
                reply("502 no")
    return handler


class SessionReusingFTP_TLS(ftplib.FTP_TLS):
    """The usual subclass for servers that require TLS session reuse on
    data connections (vsftpd's require_ssl_reuse)."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


@pytest.mark.parametrize("cls", [ftplib.FTP_TLS, SessionReusingFTP_TLS])
def test_ftp_tls(certs, cls):
    _, server_ctx = make_contexts(stdlib_ssl, certs)
    client_ctx = make_contexts(sslx, certs)[0]
    with ThreadedServer(ftp_server(server_ctx)) as srv:
        ftp = cls(context=client_ctx, timeout=10)
        ftp.connect("127.0.0.1", srv.addr[1])
        ftp.login("user", "secret")          # AUTH TLS first
        assert isinstance(ftp.sock, sslx.SSLSocket)
        ftp.prot_p()
        chunks = []
        ftp.retrbinary("RETR file", chunks.append)
        ftp.quit()
    assert b"".join(chunks) == FILE_DATA
    log = srv.results[0]
    assert log[0] == "AUTH"
    reused = [entry[1] for entry in log if isinstance(entry, tuple)]
    assert reused == [cls is SessionReusingFTP_TLS]


# ---- asyncio's own TLS layer (wrap_bio with the stdlib's MemoryBIOs) ----

async def echo_over_asyncio(server_ctx, client_ctx):
    async def handle(reader, writer):
        data = await reader.readline()
        writer.write(data.upper())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                    server_hostname="localhost"), 10)
        writer.write(b"async line\n")
        await writer.drain()
        reply = await asyncio.wait_for(reader.readline(), 10)
        peercert = writer.get_extra_info("peercert")
        cipher = writer.get_extra_info("cipher")
        writer.close()
        await writer.wait_closed()
    finally:
        server.close()
        await server.wait_closed()
    return reply, peercert, cipher


def test_asyncio_streams(server_ctx, client_ctx):
    reply, peercert, cipher = asyncio.run(echo_over_asyncio(server_ctx, client_ctx))
    assert reply == b"ASYNC LINE\n"
    assert ("DNS", "localhost") in peercert["subjectAltName"]
    assert cipher[1] in ("TLSv1.2", "TLSv1.3")
