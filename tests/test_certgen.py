"""sslx._sslx._generate_certificate: keys and certificates made in C for the
command line's throwaway CA.  Checked with the stdlib ssl as the verifier."""
import ssl as stdlib

import pytest

import sslx
from memhelpers import MemoryPair

gen = sslx._sslx._generate_certificate


def stdlib_handshake(server_pem, ca_pem, hostname, tmp_path):
    """A full in-memory handshake with the stdlib: raises on failure."""
    (tmp_path / "server.pem").write_text(server_pem)
    server_ctx = stdlib.SSLContext(stdlib.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(str(tmp_path / "server.pem"))
    client_ctx = stdlib.create_default_context(cadata=ca_pem)
    pair = MemoryPair(stdlib, client_ctx, server_ctx, server_hostname=hostname).handshake()
    return pair.client.getpeercert()


@pytest.fixture(scope="module")
def ca():
    return gen("sslx test CA", ca=True)


def test_issued_certificate_verifies_for_each_name(ca, tmp_path):
    cert, key = gen("localhost", san=["DNS:localhost", "IP:127.0.0.1", "IP:::1"],
                    issuer_cert=ca[0], issuer_key=ca[1])
    for hostname in ("localhost", "127.0.0.1", "::1"):
        peer = stdlib_handshake(cert + key, ca[0], hostname, tmp_path)
        assert peer["subject"] == ((("commonName", "localhost"),),)
        assert peer["issuer"] == ((("commonName", "sslx test CA"),),)
    assert ("IP Address", "127.0.0.1") in peer["subjectAltName"]


def test_wrong_hostname_is_refused(ca, tmp_path):
    cert, key = gen("localhost", san=["DNS:localhost"], issuer_cert=ca[0], issuer_key=ca[1])
    with pytest.raises(stdlib.SSLCertVerificationError, match="Hostname mismatch"):
        stdlib_handshake(cert + key, ca[0], "example.org", tmp_path)


def test_expired_certificate_is_refused(ca, tmp_path):
    cert, key = gen("localhost", san=["DNS:localhost"], issuer_cert=ca[0], issuer_key=ca[1],
                    days=-1, not_before_offset=-10 * 86400)
    with pytest.raises(stdlib.SSLCertVerificationError, match="certificate has expired"):
        stdlib_handshake(cert + key, ca[0], "localhost", tmp_path)


def test_self_signed_without_issuer(tmp_path):
    cert, key = gen("localhost", san=["DNS:localhost"])
    assert cert.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" in key
    with pytest.raises(stdlib.SSLCertVerificationError, match="self.signed"):
        stdlib_handshake(cert + key, gen("other CA", ca=True)[0], "localhost", tmp_path)


def test_each_certificate_has_its_own_key_and_serial(ca):
    a = gen("a", issuer_cert=ca[0], issuer_key=ca[1])
    b = gen("a", issuer_cert=ca[0], issuer_key=ca[1])
    assert a[0] != b[0] and a[1] != b[1]


def test_issuer_arguments_go_together(ca):
    with pytest.raises(ValueError, match="go together"):
        gen("x", issuer_cert=ca[0])


def test_garbage_issuer_is_an_ssl_error():
    with pytest.raises(sslx.SSLError):
        gen("x", issuer_cert="not a cert", issuer_key="not a key")


def test_bad_san_syntax_is_an_ssl_error():
    with pytest.raises(sslx.SSLError):
        gen("x", san=["NOPE:foo"])


def test_wrong_types():
    with pytest.raises(TypeError):
        gen(b"bytes name")
    with pytest.raises(TypeError):
        gen("x", san=[1, 2])


def test_decode_der_certificate_adds_public_key(ca):
    cert, _ = gen("localhost", san=["DNS:localhost"], issuer_cert=ca[0], issuer_key=ca[1])
    der = sslx.PEM_cert_to_DER_cert(cert)
    info = sslx._sslx._decode_der_certificate(der)
    assert info["publicKey"] == "EC prime256v1 (256 bits)"
    assert info["subjectAltName"] == (("DNS", "localhost"),)
    assert info["issuer"] == ((("commonName", "sslx test CA"),),)


def test_decode_der_certificate_refuses_garbage():
    with pytest.raises(sslx.SSLError, match="ASN1"):
        sslx._sslx._decode_der_certificate(b"\x30\x03junk")
    with pytest.raises(TypeError):
        sslx._sslx._decode_der_certificate("text")
