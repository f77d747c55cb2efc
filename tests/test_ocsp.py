"""OCSP stapling (sslx beyond the stdlib, gh-88946).

Server: SSLContext.set_ocsp_response(DER bytes | callable | None).
Client: SSLContext.request_ocsp_stapling, SSLSocket/SSLObject.ocsp_response(),
and SSLContext.verify_ocsp_stapling, which fails the handshake with
SSLCertVerificationError unless the staple is present, signed by the
issuer (or its delegated responder), fresh, and "good".

The PKI is made with the openssl command: a CA, its index.txt, a server
certificate, a delegated responder, another CA; responses come from
`openssl ocsp` (good, revoked, unknown, wrong signer, delegated) and, for
an expired one (openssl ocsp cannot date a response in the past), from
`cryptography`."""
import datetime
import socket
import subprocess
import sys

import pytest

import sslx
from sockhelpers import ThreadedServer, recv_exactly
from tlstools import (GNUTLS_CLI, GNUTLS_SERV, OPENSSL, External, MemoryPair, connect,
                      free_port, gnutls_priority, needs_gnutls, openssl_version_flag,
                      pin_version, recv_until, run)

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl CLI not installed")

VERSIONS = ["1.2", "1.3"]
X509_V_ERR_CERT_REVOKED = 23
X509_V_ERR_OCSP_VERIFY_NEEDED = 73
X509_V_ERR_OCSP_VERIFY_FAILED = 74
X509_V_ERR_OCSP_CERT_UNKNOWN = 75


class PKI:
    pass


def _ca(d, name, subject):
    run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-subj", subject,
         "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"], cwd=d)


def _issue(d, name, subject, serial, extensions):
    run([OPENSSL, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject], cwd=d)
    (d / (name + ".ext")).write_text(extensions)
    run([OPENSSL, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-set_serial", serial, "-days", "3650", "-extfile", name + ".ext",
         "-out", name + ".pem"], cwd=d)


def _index_line(d, status, serial, subject):
    end = run([OPENSSL, "x509", "-in", "server.pem", "-noout", "-enddate"], cwd=d).decode()
    end = datetime.datetime.strptime(end.split("=", 1)[1].strip(), "%b %d %H:%M:%S %Y %Z")
    stamp = end.strftime("%y%m%d%H%M%SZ")
    revoked = datetime.datetime.now(datetime.timezone.utc).strftime("%y%m%d%H%M%SZ")
    return "%s\t%s\t%s\t%s\tunknown\t%s\n" % (status, stamp, revoked if status == "R" else "",
                                             serial, subject)


def _respond(d, out, index, signer, cert="server.pem"):
    run([OPENSSL, "ocsp", "-index", index, "-rsigner", signer + ".pem", "-rkey", signer + ".key",
         "-CA", "ca.pem", "-issuer", "ca.pem", "-cert", cert, "-respout", out, "-ndays", "30",
         "-no_nonce"], cwd=d)
    return (d / out).read_bytes()


def _expired_response(d):
    """A response whose nextUpdate has passed, signed by the CA."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp
    load = lambda n: x509.load_pem_x509_certificate((d / n).read_bytes())  # noqa: E731
    ca_key = serialization.load_pem_private_key((d / "ca.key").read_bytes(), None)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=load("server.pem"), issuer=load("ca.pem"), algorithm=hashes.SHA1(),
        cert_status=ocsp.OCSPCertStatus.GOOD, this_update=now - datetime.timedelta(days=10),
        next_update=now - datetime.timedelta(days=3), revocation_time=None,
        revocation_reason=None).responder_id(ocsp.OCSPResponderEncoding.HASH, load("ca.pem"))
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _try_later_response():
    pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509 import ocsp
    return ocsp.OCSPResponseBuilder.build_unsuccessful(
        ocsp.OCSPResponseStatus.TRY_LATER).public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("ocsp")
    _ca(d, "ca", "/CN=sslx test OCSP CA")
    _ca(d, "ca2", "/CN=sslx other CA")
    _issue(d, "server", "/CN=localhost", "0x1001",
           "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
           "extendedKeyUsage=serverAuth\n")
    _issue(d, "other", "/CN=other.example", "0x1002",
           "subjectAltName=DNS:other.example\nbasicConstraints=CA:FALSE\n")
    _issue(d, "responder", "/CN=sslx OCSP responder", "0x2001",
           "extendedKeyUsage=OCSPSigning\nbasicConstraints=CA:FALSE\n")
    (d / "index.txt").write_text(_index_line(d, "V", "1001", "/CN=localhost")
                                 + _index_line(d, "V", "1002", "/CN=other.example"))
    (d / "revoked.txt").write_text(_index_line(d, "R", "1001", "/CN=localhost"))
    (d / "empty.txt").write_text(_index_line(d, "V", "1002", "/CN=other.example"))
    p = PKI()
    p.dir = d
    p.ca = str(d / "ca.pem")
    p.ca2 = str(d / "ca2.pem")
    p.cert, p.key = str(d / "server.pem"), str(d / "server.key")
    p.good = _respond(d, "good.der", "index.txt", "ca")
    p.revoked = _respond(d, "revoked.der", "revoked.txt", "ca")
    p.unknown = _respond(d, "unknown.der", "empty.txt", "ca")
    p.other_cert = _respond(d, "othercert.der", "index.txt", "ca", cert="other.pem")
    p.wrong_signer = _respond(d, "wrong.der", "index.txt", "ca2")
    p.delegated = _respond(d, "delegated.der", "index.txt", "responder")
    p.expired = _expired_response(d)
    p.try_later = _try_later_response()
    return p


def server_context(pki, response=None, version=None):
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.cert, pki.key)
    if response is not None:
        ctx.set_ocsp_response(response)
    if version:
        pin_version(ctx, sslx, version)
    return ctx


def client_context(pki, request=False, verify=False, version=None, cafiles=None):
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    for cafile in cafiles or [pki.ca]:
        ctx.load_verify_locations(cafile)
    ctx.request_ocsp_stapling = request
    ctx.verify_ocsp_stapling = verify
    if version:
        pin_version(ctx, sslx, version)
    return ctx


def handshake(client, server):
    return MemoryPair(sslx, client, server).handshake()


# -------------------------------------------------------------------- stapling

@pytest.mark.parametrize("version", VERSIONS)
def test_static_staple_reaches_a_requesting_client(pki, version):
    p = handshake(client_context(pki, request=True, version=version),
                  server_context(pki, pki.good))
    assert p.client.version() == "TLSv" + version
    assert p.client.ocsp_response() == pki.good
    assert p.server.ocsp_response() == pki.good     # what the server sent


@pytest.mark.parametrize("version", VERSIONS)
def test_no_staple_without_a_request(pki, version):
    calls = []
    server = server_context(pki, lambda conn: calls.append(conn) or pki.good)
    p = handshake(client_context(pki, version=version), server)
    assert p.client.ocsp_response() is None
    assert calls == []


def test_no_staple_when_the_server_has_none(pki):
    p = handshake(client_context(pki, request=True), server_context(pki))
    assert p.client.ocsp_response() is None


@pytest.mark.parametrize("version", VERSIONS)
def test_callable_runs_per_handshake_with_the_connection(pki, version):
    seen = []

    def responder(conn):
        seen.append((type(conn), conn.server_side))
        return bytearray(pki.good)

    server = server_context(pki, responder)
    client = client_context(pki, verify=True, version=version)
    for _ in range(3):
        p = handshake(client, server)
        assert p.client.ocsp_response() == pki.good
    assert seen == [(sslx.SSLObject, True)] * 3


def test_callable_may_decline(pki):
    server = server_context(pki, lambda conn: None)
    p = handshake(client_context(pki, request=True), server)
    assert p.client.ocsp_response() is None
    with pytest.raises(sslx.SSLCertVerificationError):
        handshake(client_context(pki, verify=True), server)


class Boom(Exception):
    pass


def _failing_responder(conn):
    raise Boom("no response today")


@pytest.mark.parametrize("responder, exc_type", [
    (_failing_responder, Boom),
    (lambda conn: "text, not bytes", TypeError),
    (lambda conn: 42, TypeError),
])
def test_callable_failure_fails_the_handshake(pki, responder, exc_type, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: reported.append(unraisable))
    errors = MemoryPair(sslx, client_context(pki, request=True),
                        server_context(pki, responder)).handshake_outcome()
    assert isinstance(errors["server"], sslx.SSLError)
    assert errors["client"] is not None
    assert [type(r.exc_value) for r in reported] == [exc_type]
    assert reported[0].object is responder


def test_sockets(pki):
    server = server_context(pki, pki.good)
    client = client_context(pki, verify=True)

    def handler(raw):
        with server.wrap_socket(raw, server_side=True) as tls:
            tls.sendall(tls.ocsp_response()[:4])

    with ThreadedServer(handler) as srv:
        with client.wrap_socket(socket.create_connection(srv.addr, timeout=10),
                                server_hostname="localhost") as tls:
            assert tls.ocsp_response() == pki.good
            assert recv_exactly(tls, 4) == pki.good[:4]
    with client.wrap_socket(socket.socket(), server_hostname="localhost") as unconnected:
        assert unconnected.ocsp_response() is None


# ---------------------------------------------------------------- verification

@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ["good", "delegated"])
def test_valid_staples_pass(pki, version, name):
    response = getattr(pki, name)
    p = handshake(client_context(pki, verify=True, version=version),
                  server_context(pki, response))
    assert p.client.ocsp_response() == response
    assert p.client.getpeercert()["subject"] == ((("commonName", "localhost"),),)


REFUSALS = [
    ("revoked", X509_V_ERR_CERT_REVOKED, "certificate revoked"),
    ("expired", X509_V_ERR_OCSP_VERIFY_FAILED, "expired"),
    ("wrong_signer", X509_V_ERR_OCSP_VERIFY_FAILED, "not signed by the certificate's issuer"),
    ("unknown", X509_V_ERR_OCSP_CERT_UNKNOWN, "unknown"),
    ("other_cert", X509_V_ERR_OCSP_CERT_UNKNOWN, "says nothing about the server's certificate"),
    ("try_later", X509_V_ERR_OCSP_VERIFY_FAILED, "responder error"),
    ("garbage", X509_V_ERR_OCSP_VERIFY_FAILED, "cannot be decoded"),
    (None, X509_V_ERR_OCSP_VERIFY_NEEDED, "did not staple an OCSP response"),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name, code, words", REFUSALS)
def test_bad_staples_fail_the_handshake(pki, version, name, code, words):
    if name == "garbage":
        server = server_context(pki, lambda conn: b"\x30\x03junk")   # the callable is not checked
    else:
        server = server_context(pki, getattr(pki, name) if name else None)
    if name is not None and handshake(client_context(pki, request=True, version=version),
                                      server).client.ocsp_response() is None:
        # OpenSSL 3.6's servers drop a response that does not decode or
        # does not cover their certificate: then the client rightly sees
        # no staple at all.
        code, words = X509_V_ERR_OCSP_VERIFY_NEEDED, "did not staple an OCSP response"
    client = client_context(pki, verify=True, version=version)
    with pytest.raises(sslx.SSLCertVerificationError) as info:
        handshake(client, server)
    exc = info.value
    assert exc.verify_code == code
    assert words in exc.verify_message
    assert "certificate verify failed" in str(exc)
    assert exc.reason == "CERTIFICATE_VERIFY_FAILED" and exc.library == "SSL"
    assert isinstance(exc, ValueError)          # like every CertificateError


def test_wrong_signer_is_refused_even_when_trusted(pki):
    """A CA the client trusts, but not the certificate's issuer."""
    client = client_context(pki, verify=True, cafiles=[pki.ca, pki.ca2])
    with pytest.raises(sslx.SSLCertVerificationError) as info:
        handshake(client, server_context(pki, pki.wrong_signer))
    assert "not signed by the certificate's issuer" in info.value.verify_message


def test_requesting_alone_accepts_any_staple(pki):
    p = handshake(client_context(pki, request=True), server_context(pki, pki.revoked))
    assert p.client.ocsp_response() == pki.revoked


def test_verification_is_decided_when_the_connection_is_made(pki):
    """Settings take effect for connections created after the change."""
    client = client_context(pki)
    server = server_context(pki)
    before = MemoryPair(sslx, client, server)
    client.verify_ocsp_stapling = True
    after = MemoryPair(sslx, client, server)
    before.handshake()
    with pytest.raises(sslx.SSLCertVerificationError):
        after.handshake()
    client.verify_ocsp_stapling = False
    MemoryPair(sslx, client, server).handshake()


def test_cert_none_client_without_chain(pki):
    """verify_ocsp_stapling with CERT_NONE and a CA it does not know: no
    verified chain to check against."""
    client = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = sslx.CERT_NONE
    client.verify_ocsp_stapling = True
    with pytest.raises(sslx.SSLCertVerificationError) as info:
        handshake(client, server_context(pki, pki.good))
    assert info.value.verify_code in (X509_V_ERR_OCSP_VERIFY_NEEDED, X509_V_ERR_OCSP_VERIFY_FAILED)


# ----------------------------------------------------------------- the API

def test_attributes():
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    assert ctx.request_ocsp_stapling is False and ctx.verify_ocsp_stapling is False
    ctx.request_ocsp_stapling = 1
    ctx.verify_ocsp_stapling = "yes"
    assert ctx.request_ocsp_stapling is True and ctx.verify_ocsp_stapling is True
    for name in ("request_ocsp_stapling", "verify_ocsp_stapling"):
        with pytest.raises(AttributeError):
            delattr(ctx, name)


@pytest.mark.parametrize("value, exc, words", [
    ("a str", TypeError, "response must be bytes, a callable or None"),
    (42, TypeError, "response must be bytes, a callable or None"),
    (b"", ValueError, "cannot be empty"),
    (b"not DER at all", ValueError, "not a DER-encoded OCSP response"),
])
def test_set_ocsp_response_bad_input(value, exc, words):
    with pytest.raises(exc, match=words):
        sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER).set_ocsp_response(value)


def test_set_ocsp_response_refuses_trailing_bytes_and_clears(pki):
    ctx = server_context(pki, pki.good)
    with pytest.raises(ValueError):
        ctx.set_ocsp_response(pki.good + b"\0")
    ctx.set_ocsp_response(None)
    p = handshake(client_context(pki, request=True), ctx)
    assert p.client.ocsp_response() is None


def test_a_bytearray_response_is_copied(pki):
    data = bytearray(pki.good)
    ctx = server_context(pki, data)
    data[:] = b"\0" * len(data)
    p = handshake(client_context(pki, verify=True), ctx)
    assert p.client.ocsp_response() == pki.good


# ------------------------------------------------------------------- interop

def verifying_client_meets(pki, argv, port, version, name, ok, line, reply):
    """A verifying client against the server `argv` starts, stapling the
    response `name`: with `ok` the handshake passes, the staple is the
    client's ocsp_response() and `line` gets `reply`; else the handshake
    fails as revoked."""
    client = client_context(pki, verify=True, version=version)
    with External(argv) as srv:
        srv.wait_listening(port)
        if ok:
            with connect(client, port) as tls:
                assert tls.ocsp_response() == getattr(pki, name)
                tls.sendall(line)
                assert recv_until(tls, b"\n") == reply
        else:
            with pytest.raises(sslx.SSLCertVerificationError) as info:
                connect(client, port)
            assert info.value.verify_code == X509_V_ERR_CERT_REVOKED


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name, ok", [("good", True), ("revoked", False), ("delegated", True)])
def test_client_against_openssl_s_server(pki, version, name, ok):
    port = free_port()
    path = str(pki.dir / (name + ".der"))
    argv = [OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", pki.cert, "-key",
            pki.key, "-status_file", path, openssl_version_flag(version), "-rev"]
    verifying_client_meets(pki, argv, port, version, name, ok, b"olleh\n", b"hello\n")


def test_client_against_openssl_s_server_without_staple(pki):
    port = free_port()
    argv = [OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", pki.cert, "-key",
            pki.key, "-rev"]
    with External(argv) as srv:
        srv.wait_listening(port)
        with pytest.raises(sslx.SSLCertVerificationError) as info:
            connect(client_context(pki, verify=True), port)
        assert info.value.verify_code == X509_V_ERR_OCSP_VERIFY_NEEDED
        with connect(client_context(pki, request=True), port) as tls:
            assert tls.ocsp_response() is None


@pytest.mark.parametrize("version", VERSIONS)
def test_server_staples_for_openssl_s_client(pki, version):
    server = server_context(pki, pki.good, version)

    def handler(raw):
        with server.wrap_socket(raw, server_side=True) as tls:
            tls.sendall(b"stapled\n")
            try:
                tls.unwrap()
            except (OSError, sslx.SSLError):
                pass

    with ThreadedServer(handler) as srv:
        out = run([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % srv.addr[1], "-status",
                   "-CAfile", pki.ca, "-verify_return_error", "-ign_eof",
                   openssl_version_flag(version)], stdin=b"", check=False).decode()
    assert "OCSP Response Status: successful" in out
    assert "Cert Status: good" in out
    assert "Verify return code: 0 (ok)" in out


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name, ok", [("good", True), ("revoked", False)])
def test_client_against_gnutls_serv(pki, version, name, ok):
    port = free_port()
    argv = [GNUTLS_SERV, "--echo", "-p", str(port), "--x509certfile", pki.cert,
            "--x509keyfile", pki.key, "--ocsp-response", str(pki.dir / (name + ".der")),
            "--ignore-ocsp-response-errors", "--priority", gnutls_priority(version)]
    verifying_client_meets(pki, argv, port, version, name, ok, b"echo\n", b"echo\n")


@needs_gnutls
@pytest.mark.parametrize("name, verdict", [("good", "The certificate is trusted"),
                                           ("revoked", "revoked")])
def test_gnutls_cli_checks_the_servers_staple(pki, tmp_path, name, verdict):
    """gnutls-cli validates a stapled response itself: it must accept the
    good one sslx staples and find the certificate revoked with the other."""
    server = server_context(pki, getattr(pki, name))

    def handler(raw):
        try:
            with server.wrap_socket(raw, server_side=True) as tls:
                tls.recv(16)
        except (OSError, sslx.SSLError):
            pass    # gnutls-cli hangs up on a revoked certificate

    saved = tmp_path / "saved.der"
    with ThreadedServer(handler) as srv:
        try:
            out = run([GNUTLS_CLI, "-p", str(srv.addr[1]), "--x509cafile", pki.ca,
                       "--save-ocsp", str(saved), "localhost"], stdin=b"bye\n",
                      check=False).decode()
        except subprocess.TimeoutExpired:
            pytest.fail("gnutls-cli did not finish")
    assert verdict in out
    assert saved.read_bytes() == getattr(pki, name)
