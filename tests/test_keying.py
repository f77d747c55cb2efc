"""Keying material exporters and channel bindings (sslx beyond the stdlib):
SSLSocket/SSLObject.export_keying_material(label, length, context=None)
(RFC 5705, RFC 8446 section 7.5), get_channel_binding("tls-exporter")
(RFC 9266) and get_channel_binding("tls-server-end-point") (RFC 5929).

Both ends of a connection must derive the same bytes, and so must the
`openssl` and GnuTLS tools at the other end (interop tests below)."""
import datetime
import errno
import hashlib
import socket
import ssl as stdlib

import pytest

import sslx
from sockhelpers import ThreadedServer, recv_exactly
from tlstools import (External, MemoryPair, OPENSSL, GNUTLS_CLI, GNUTLS_SERV, connect,
                      free_port, gnutls_priority, hex_after, needs_gnutls, needs_openssl,
                      openssl_version_flag, pin_version, recv_until, run)

VERSIONS = ["1.2", "1.3"]
LABEL = "EXPORTER-sslx-test"


def contexts(certs, version=None):
    client = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    if version:
        pin_version(client, sslx, version)
    return client, server


def pair(certs, version=None):
    client, server = contexts(certs, version)
    return MemoryPair(sslx, client, server).handshake()


# ------------------------------------------------------ export_keying_material

@pytest.mark.parametrize("version", VERSIONS)
def test_both_ends_export_the_same_material(certs, version):
    p = pair(certs, version)
    assert p.client.version() == "TLSv" + version
    for length in (1, 16, 32, 100, 1000):
        mine = p.client.export_keying_material(LABEL, length)
        assert isinstance(mine, bytes) and len(mine) == length
        assert p.server.export_keying_material(LABEL, length) == mine
    ctx_value = b"some context"
    assert (p.client.export_keying_material(LABEL, 32, ctx_value)
            == p.server.export_keying_material(LABEL, 32, context=ctx_value))


@pytest.mark.parametrize("version", VERSIONS)
def test_material_depends_on_label_context_and_connection(certs, version):
    p = pair(certs, version)
    base = p.client.export_keying_material(LABEL, 32)
    assert p.client.export_keying_material(LABEL + "2", 32) != base
    assert p.client.export_keying_material(LABEL, 32, b"x") != base
    assert p.client.export_keying_material(LABEL.encode(), 32) == base   # bytes label
    assert p.client.export_keying_material(bytearray(LABEL.encode()), 32) == base
    assert pair(certs, version).client.export_keying_material(LABEL, 32) != base
    # a shorter export is not a prefix of a longer one in TLS 1.3 (the
    # length is an input of HKDF-Expand-Label); in TLS 1.2 it is (the PRF
    # stream).
    short = p.client.export_keying_material(LABEL, 16)
    assert (short == base[:16]) == (version == "1.2")


@pytest.mark.parametrize("version", VERSIONS)
def test_no_context_and_empty_context(certs, version):
    """RFC 8446: in TLS 1.3 no context and an empty one are the same; in
    TLS 1.2 (RFC 5705) they differ."""
    p = pair(certs, version)
    none = p.client.export_keying_material(LABEL, 32)
    empty = p.client.export_keying_material(LABEL, 32, b"")
    assert (none == empty) == (version == "1.3")
    assert p.server.export_keying_material(LABEL, 32, memoryview(b"")) == empty


def test_before_the_handshake_is_done(certs):
    client, server = contexts(certs)
    p = MemoryPair(sslx, client, server)
    with pytest.raises(ValueError, match="handshake not done yet"):
        p.client.export_keying_material(LABEL, 32)
    assert p.client.get_channel_binding("tls-exporter") is None
    assert p.client.get_channel_binding("tls-server-end-point") is None


def test_unconnected_socket(certs):
    client, _ = contexts(certs)
    with client.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
        with pytest.raises(OSError) as info:
            tls.export_keying_material(LABEL, 32)
        assert info.value.errno == errno.ENOTCONN
        assert tls.get_channel_binding("tls-exporter") is None


@pytest.mark.parametrize("args, exc, words", [
    ((LABEL, 0), ValueError, "positive"),
    ((LABEL, -5), ValueError, "positive"),
    (("", 32), ValueError, "label cannot be empty"),
    ((b"", 32), ValueError, "label cannot be empty"),
    ((42, 32), TypeError, "label must be"),
    ((None, 32), TypeError, "label must be"),
    ((LABEL, "32"), TypeError, "integer"),
    ((LABEL, 32, "context"), TypeError, "context must be"),
    ((LABEL, 32, 7), TypeError, "context must be"),
    ((LABEL, 32, b"x" * 65536), ValueError, "65535"),
])
def test_bad_arguments(certs, args, exc, words):
    p = pair(certs)
    with pytest.raises(exc, match=words):
        p.client.export_keying_material(*args)


def test_long_contexts(certs):
    """TLS 1.3 hashes the context: any length up to RFC 5705's 65535
    bytes.  The TLS 1.2 PRF of OpenSSL before 3.6 takes about 1 KB of label
    and context together: a longer one is an SSLError there, not a crash;
    later versions take it."""
    p = pair(certs, "1.3")
    big = b"c" * 65535
    assert (p.client.export_keying_material(LABEL, 8, big)
            == p.server.export_keying_material(LABEL, 8, big))
    p = pair(certs, "1.2")
    fits = b"c" * 900
    assert (p.client.export_keying_material(LABEL, 8, fits)
            == p.server.export_keying_material(LABEL, 8, fits))
    try:
        mine = p.client.export_keying_material(LABEL, 8, big)
    except sslx.SSLError:
        assert sslx.OPENSSL_VERSION_INFO < (3, 6)
    else:
        assert mine == p.server.export_keying_material(LABEL, 8, big)


def test_reserved_tls12_label_is_refused(certs):
    """RFC 5705 forbids the PRF labels TLS itself uses; OpenSSL refuses."""
    p = pair(certs, "1.2")
    with pytest.raises(sslx.SSLError):
        p.client.export_keying_material("master secret", 32)


def test_keyword_arguments_and_socket(certs):
    client, server = contexts(certs)

    def handler(raw):
        with server.wrap_socket(raw, server_side=True) as tls:
            tls.recv(1)
            value = tls.export_keying_material(label=LABEL, length=24, context=b"ctx")
            tls.sendall(value)

    with ThreadedServer(handler) as srv:
        with client.wrap_socket(socket.create_connection(srv.addr, timeout=10),
                                server_hostname="localhost") as tls:
            tls.sendall(b"?")
            theirs = recv_exactly(tls, 24)
            assert tls.export_keying_material(LABEL, 24, b"ctx") == theirs


# ------------------------------------------------------------ channel bindings

def test_channel_binding_types_stay_the_stdlibs():
    assert sslx.CHANNEL_BINDING_TYPES == stdlib.CHANNEL_BINDING_TYPES == ["tls-unique"]


@pytest.mark.parametrize("version", VERSIONS)
def test_tls_exporter_is_the_rfc9266_exporter(certs, version):
    p = pair(certs, version)
    binding = p.client.get_channel_binding("tls-exporter")
    assert isinstance(binding, bytes) and len(binding) == 32
    assert p.server.get_channel_binding("tls-exporter") == binding
    # label "EXPORTER-Channel-Binding", an empty context, 32 bytes
    assert binding == p.client.export_keying_material("EXPORTER-Channel-Binding", 32, b"")
    assert pair(certs, version).client.get_channel_binding("tls-exporter") != binding


def test_tls_exporter_needs_extended_master_secret_on_tls12(certs):
    """RFC 9266: on TLS 1.2 the binding is defined only with the extended
    master secret (RFC 7627), which OpenSSL negotiates by default."""
    p = pair(certs, "1.2")
    assert p.client.get_channel_binding("tls-exporter") is not None
    client, server = contexts(certs, "1.2")
    no_ems = 0x1                         # SSL_OP_NO_EXTENDED_MASTER_SECRET
    server.options |= no_ems
    p = MemoryPair(sslx, client, server).handshake()
    assert p.client.get_channel_binding("tls-exporter") is None
    assert p.server.get_channel_binding("tls-exporter") is None
    # the exporter itself still works; only the binding is not unique
    assert p.client.export_keying_material(LABEL, 8) == p.server.export_keying_material(LABEL, 8)


@pytest.mark.parametrize("version", VERSIONS)
def test_tls_server_end_point_is_the_certificate_hash(certs, version):
    p = pair(certs, version)
    der = p.client.getpeercert(binary_form=True)
    expected = hashlib.sha256(der).digest()      # trustme signs with SHA-256
    assert p.client.get_channel_binding("tls-server-end-point") == expected
    assert p.server.get_channel_binding("tls-server-end-point") == expected


def test_tls_unique_unchanged(certs):
    p = pair(certs, "1.2")
    unique = p.client.get_channel_binding()
    assert unique == p.server.get_channel_binding("tls-unique") and len(unique) == 12
    assert p.client.get_channel_binding("tls-unique") == unique


def test_unknown_channel_binding_type(certs):
    p = pair(certs)
    with pytest.raises(ValueError, match="'tls-nothing' channel binding type not implemented"):
        p.client.get_channel_binding("tls-nothing")
    with pytest.raises(TypeError):
        p.client.get_channel_binding(5)


def _self_signed(hash_alg, key=None):
    """A self-signed server certificate for localhost signed with
    `hash_alg` (None for Ed25519), and its key, as PEM files' contents."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.x509.oid import NameOID
    if key is None:
        key = ed25519.Ed25519PrivateKey.generate() if hash_alg is None else \
            ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .sign(key, hash_alg))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, \
        cert.public_bytes(serialization.Encoding.DER)


def _end_point_pair(cert_pem, key_pem, seclevel0=False):
    server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    client = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    if seclevel0:
        for ctx in (server, client):
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    server.load_cert_chain(certdata=cert_pem, keydata=key_pem)
    client.load_verify_locations(cadata=cert_pem.decode())
    return MemoryPair(sslx, client, server).handshake()


@pytest.mark.parametrize("name", ["sha384", "sha512"])
def test_tls_server_end_point_uses_the_signature_hash(name):
    hashes = pytest.importorskip("cryptography.hazmat.primitives.hashes")
    cert_pem, key_pem, der = _self_signed(getattr(hashes, name.upper())())
    p = _end_point_pair(cert_pem, key_pem)
    expected = hashlib.new(name, der).digest()
    assert p.client.get_channel_binding("tls-server-end-point") == expected
    assert p.server.get_channel_binding("tls-server-end-point") == expected


@needs_openssl
def test_tls_server_end_point_upgrades_sha1_to_sha256(tmp_path):
    """A certificate signed with SHA-1 (made by the openssl command, which
    still signs with it) binds with SHA-256, as RFC 5929 says."""
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-sha1", "-keyout", str(key), "-out", str(crt), "-subj", "/CN=localhost",
         "-days", "3650", "-addext", "subjectAltName=DNS:localhost"])
    cert_pem, key_pem = crt.read_bytes(), key.read_bytes()
    der = sslx.PEM_cert_to_DER_cert(cert_pem.decode())
    assert sslx.Certificate.from_der(der).get_info()["version"] == 3
    try:
        p = _end_point_pair(cert_pem, key_pem, seclevel0=True)
    except sslx.SSLError as exc:  # an OpenSSL whose policy forbids SHA-1 entirely
        pytest.skip("this OpenSSL refuses SHA-1 certificates: %s" % exc)
    expected = hashlib.sha256(der).digest()
    assert p.client.get_channel_binding("tls-server-end-point") == expected
    assert p.server.get_channel_binding("tls-server-end-point") == expected
    assert hashlib.sha1(der).digest() != expected[:20]


def test_tls_server_end_point_ed25519_follows_openssl():
    """RFC 5929 defines no hash for Ed25519 signatures; sslx uses
    OpenSSL's choice (RFC 8419's SHA-512)."""
    cert_pem, key_pem, der = _self_signed(None)
    p = _end_point_pair(cert_pem, key_pem)
    expected = hashlib.sha512(der).digest()
    assert p.client.get_channel_binding("tls-server-end-point") == expected
    assert p.server.get_channel_binding("tls-server-end-point") == expected


# ------------------------------------------------------------------- interop

def _sslx_server_context(certs, version):
    server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    pin_version(server, sslx, version)
    return server


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_client_matches_openssl_s_server(certs, version):
    port = free_port()
    client, _ = contexts(certs, version)
    argv = [OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port, "-cert",
            certs.server_certfile, openssl_version_flag(version), "-keymatexport", LABEL,
            "-keymatexportlen", "40", "-naccept", "1"]
    with External(argv) as srv:
        srv.wait_listening(port)
        with connect(client, port) as tls:
            tls.sendall(b"hello\n")
            out = srv.wait_for_output("Keying material:")
            theirs = hex_after(out, "Keying material:")
            assert tls.export_keying_material(LABEL, 40) == theirs
    assert len(theirs) == 40


@needs_openssl
def test_tls_exporter_matches_openssl_on_tls13(certs):
    port = free_port()
    client, _ = contexts(certs, "1.3")
    argv = [OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port, "-cert",
            certs.server_certfile, "-tls1_3", "-keymatexport", "EXPORTER-Channel-Binding",
            "-keymatexportlen", "32", "-naccept", "1"]
    with External(argv) as srv:
        srv.wait_listening(port)
        with connect(client, port) as tls:
            tls.sendall(b"hello\n")
            theirs = hex_after(srv.wait_for_output("Keying material:"), "Keying material:")
            assert tls.get_channel_binding("tls-exporter") == theirs


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_server_matches_openssl_s_client(certs, version):
    server = _sslx_server_context(certs, version)
    results = {}

    def handler(raw):
        with server.wrap_socket(raw, server_side=True) as tls:
            results["ours"] = tls.export_keying_material(LABEL, 33)
            tls.recv(16)

    with ThreadedServer(handler) as srv:
        out = run([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % srv.addr[1],
                   "-CAfile", certs.cafile, "-servername", "localhost",
                   openssl_version_flag(version), "-keymatexport", LABEL,
                   "-keymatexportlen", "33"], stdin=b"bye\n", check=False).decode()
    assert "Verify return code: 0 (ok)" in out
    assert hex_after(out, "Keying material:") == results["ours"]


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_client_matches_gnutls_serv(certs, version):
    port = free_port()
    client, _ = contexts(certs, version)
    argv = [GNUTLS_SERV, "--echo", "-p", str(port), "--x509certfile", certs.server_certfile,
            "--x509keyfile", certs.server_certfile, "--priority", gnutls_priority(version),
            "--keymatexport", LABEL, "--keymatexportsize", "20"]
    with External(argv) as srv:
        srv.wait_listening(port)
        with connect(client, port) as tls:
            tls.sendall(b"hello\n")
            assert recv_until(tls, b"\n") == b"hello\n"
            theirs = hex_after(srv.wait_for_output("Key material:"), "- Key material:")
            assert tls.export_keying_material(LABEL, 20) == theirs


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_server_matches_gnutls_cli(certs, version):
    server = _sslx_server_context(certs, version)
    results = {}

    def handler(raw):
        with server.wrap_socket(raw, server_side=True) as tls:
            results["ours"] = tls.export_keying_material(LABEL, 20)
            tls.recv(16)

    with ThreadedServer(handler) as srv:
        out = run([GNUTLS_CLI, "-p", str(srv.addr[1]), "--x509cafile", certs.cafile,
                   "--priority", gnutls_priority(version), "--keymatexport", LABEL,
                   "--keymatexportsize", "20", "localhost"], stdin=b"bye\n", check=False).decode()
    assert hex_after(out, "- Key material:") == results["ours"]
