"""sslx.Certificate, the public certificate object (bpo-18233): made from
PEM or DER, with subject, issuer, serial number, validity, subject
alternative names, fingerprints, the public key and is_ca, equal and
hashed by DER; and the stdlib's private _ssl.Certificate API it extends
(the items of _sslobj.get_verified_chain()).

Fields are checked against `cryptography`'s parse of the same bytes and
against getpeercert() of a real handshake."""
import copy
import datetime
import pickle
import socket

import pytest

import sslx
from tlstools import OPENSSL, MemoryPair, needs_openssl, run

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def leaf(ca):
    return ca.issue_cert("localhost", "127.0.0.1", "xn--bcher-kva.example")


def pem_of(blob):
    return blob.bytes().decode()


def der_of(blob):
    return sslx.PEM_cert_to_DER_cert(pem_of(blob))


def built_cert(serial=12345, before=None, after=None, ca=False, sign_hash=None):
    """A self-signed certificate with the fields chosen here."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "built.example"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sslx tests")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(before or datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC))
               .not_valid_after(after or datetime.datetime(2090, 6, 7, 8, 9, 10, tzinfo=UTC))
               .add_extension(x509.SubjectAlternativeName(
                   [x509.DNSName("built.example"), x509.DNSName("*.built.example")]), False))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    cert = builder.sign(key, sign_hash or hashes.SHA256())
    return cert


# ---------------------------------------------------------------- construction

def test_from_pem_and_from_der(leaf):
    from_pem = sslx.Certificate.from_pem(pem_of(leaf.cert_chain_pems[0]))
    from_pem_bytes = sslx.Certificate.from_pem(leaf.cert_chain_pems[0].bytes())
    from_der = sslx.Certificate.from_der(der_of(leaf.cert_chain_pems[0]))
    assert from_pem == from_pem_bytes == from_der
    assert type(from_der) is sslx.Certificate
    assert from_der.public_bytes(sslx.ENCODING_DER) == der_of(leaf.cert_chain_pems[0])
    assert sslx.Certificate.from_der(bytearray(der_of(leaf.cert_chain_pems[0]))) == from_der
    assert sslx.Certificate.from_der(memoryview(der_of(leaf.cert_chain_pems[0]))) == from_der


def test_from_pem_takes_the_first_certificate(leaf):
    chain = "".join(pem_of(b) for b in leaf.cert_chain_pems)
    both = "some text first\n" + pem_of(leaf.private_key_pem) + chain
    assert sslx.Certificate.from_pem(both) == sslx.Certificate.from_pem(
        pem_of(leaf.cert_chain_pems[0]))


def test_no_public_constructor():
    with pytest.raises(TypeError):
        sslx.Certificate()


@pytest.mark.parametrize("factory, data, exc, words", [
    ("from_pem", "no certificate here", ValueError, "no PEM certificate found"),
    ("from_pem", b"", ValueError, "no PEM certificate found"),
    ("from_pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
     ValueError, "no PEM certificate found"),
    ("from_pem", "é", UnicodeEncodeError, ""),
    ("from_pem", 42, TypeError, ""),
    ("from_der", b"garbage", ValueError, "not a DER certificate"),
    ("from_der", b"", ValueError, "not a DER certificate"),
    ("from_der", b"\x30\x03\x02\x01\x01", ValueError, "not a DER certificate"),
    ("from_der", "text", TypeError, "bytes-like"),
    ("from_der", None, TypeError, ""),
])
def test_bad_input(factory, data, exc, words):
    with pytest.raises(exc, match=words or None):
        getattr(sslx.Certificate, factory)(data)


def test_trailing_bytes_after_der(leaf):
    with pytest.raises(ValueError, match="bytes after the DER certificate"):
        sslx.Certificate.from_der(der_of(leaf.cert_chain_pems[0]) + b"\0")


# --------------------------------------------------------------------- fields

def test_fields_match_cryptography():
    built = built_cert(serial=0x1234567890ABCDEF1234567890ABCDEF12345678)
    cert = sslx.Certificate.from_der(built.public_bytes(serialization.Encoding.DER))
    assert cert.serial_number == built.serial_number
    assert cert.not_valid_before == datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert cert.not_valid_after == datetime.datetime(2090, 6, 7, 8, 9, 10, tzinfo=UTC)
    assert cert.not_valid_before.tzinfo is not None
    assert cert.not_valid_after.utcoffset() == datetime.timedelta(0)
    assert cert.public_key_der == built.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    for name, alg in (("sha256", hashes.SHA256()), ("sha1", hashes.SHA1()),
                      ("sha384", hashes.SHA384()), ("sha512", hashes.SHA512()),
                      ("SHA3-256", hashes.SHA3_256())):
        assert cert.fingerprint(name) == built.fingerprint(alg), name
    assert cert.fingerprint() == built.fingerprint(hashes.SHA256())
    assert cert.subject == ((("commonName", "built.example"),),
                            (("organizationName", "sslx tests"),))
    assert cert.issuer == cert.subject
    assert cert.subject_alt_names == (("DNS", "built.example"), ("DNS", "*.built.example"))


def test_times_beyond_2049_and_before_1970():
    """UTCTime ends in 2049; later dates are GeneralizedTime."""
    built = built_cert(before=datetime.datetime(1965, 3, 4, 0, 0, 0, tzinfo=UTC),
                       after=datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    cert = sslx.Certificate.from_der(built.public_bytes(serialization.Encoding.DER))
    assert cert.not_valid_before == datetime.datetime(1965, 3, 4, tzinfo=UTC)
    assert cert.not_valid_after == datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_is_ca(ca, leaf):
    assert sslx.Certificate.from_pem(pem_of(ca.cert_pem)).is_ca is True
    assert sslx.Certificate.from_pem(pem_of(leaf.cert_chain_pems[0])).is_ca is False
    assert sslx.Certificate.from_der(
        built_cert(ca=True).public_bytes(serialization.Encoding.DER)).is_ca is True
    # no basicConstraints at all
    assert sslx.Certificate.from_der(
        built_cert().public_bytes(serialization.Encoding.DER)).is_ca is False


def test_unsupported_fingerprint_algorithm(leaf):
    cert = sslx.Certificate.from_pem(pem_of(leaf.cert_chain_pems[0]))
    for name in ("no-such-hash", "SHAKE256", ""):
        with pytest.raises(ValueError, match="unsupported hash type"):
            cert.fingerprint(name)
    with pytest.raises(TypeError):
        cert.fingerprint(5)


def test_no_subject_alt_names():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "plain")])
    now = datetime.datetime.now(UTC)
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
             .public_key(key.public_key()).serial_number(7).not_valid_before(now)
             .not_valid_after(now + datetime.timedelta(days=3650)).sign(key, hashes.SHA256()))
    cert = sslx.Certificate.from_der(built.public_bytes(serialization.Encoding.DER))
    assert cert.subject_alt_names == ()
    assert cert.serial_number == 7


def test_fields_are_read_only(leaf):
    cert = sslx.Certificate.from_pem(pem_of(leaf.cert_chain_pems[0]))
    for attr in ("subject", "issuer", "serial_number", "not_valid_before", "not_valid_after",
                 "subject_alt_names", "public_key_der", "is_ca"):
        with pytest.raises(AttributeError):
            setattr(cert, attr, None)


# ------------------------------------------------------- identity and encoding

def test_equality_and_hash_by_der(ca, leaf):
    a = sslx.Certificate.from_pem(pem_of(leaf.cert_chain_pems[0]))
    b = sslx.Certificate.from_der(der_of(leaf.cert_chain_pems[0]))
    other = sslx.Certificate.from_pem(pem_of(ca.cert_pem))
    assert a == b and hash(a) == hash(b) and not (a != b)
    assert a != other and not (a == other)
    assert len({a, b, other}) == 2
    assert a != der_of(leaf.cert_chain_pems[0])      # not equal to its bytes
    with pytest.raises(TypeError):
        a < b


def test_same_subject_different_certificates_differ():
    """Two certificates with one subject (a re-issue) are not equal."""
    a, b = built_cert(serial=1), built_cert(serial=1)
    ca_, cb = (sslx.Certificate.from_der(c.public_bytes(serialization.Encoding.DER))
               for c in (a, b))
    assert ca_.subject == cb.subject
    assert ca_ != cb


def test_public_bytes(leaf):
    cert = sslx.Certificate.from_pem(pem_of(leaf.cert_chain_pems[0]))
    der = der_of(leaf.cert_chain_pems[0])
    pem = cert.public_bytes()
    assert isinstance(pem, str)
    assert pem == sslx.DER_cert_to_PEM_cert(der) == pem_of(leaf.cert_chain_pems[0])
    assert cert.public_bytes(sslx.ENCODING_PEM) == pem
    assert cert.public_bytes(encoding=sslx.ENCODING_DER) == der
    assert cert.public_bytes(format=sslx.ENCODING_DER) == der       # the stdlib's name
    with pytest.raises(ValueError, match="Unsupported format"):
        cert.public_bytes(99)
    with pytest.raises(TypeError):
        cert.public_bytes(encoding=sslx.ENCODING_DER, format=sslx.ENCODING_DER)


def test_pickle_and_copy(leaf):
    cert = sslx.Certificate.from_pem(pem_of(leaf.cert_chain_pems[0]))
    assert pickle.loads(pickle.dumps(cert)) == cert
    assert copy.copy(cert) == cert and copy.deepcopy(cert) == cert


def test_repr(leaf):
    cert = sslx.Certificate.from_pem(pem_of(leaf.cert_chain_pems[0]))
    assert repr(cert).startswith("<sslx.Certificate '") and "trustme" in repr(cert)


# ------------------------------------------- from connections and contexts

def _pair(certs):
    client = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    return client, MemoryPair(sslx, client, server).handshake()


def test_getpeercert_binary_form_and_get_info(certs):
    _, p = _pair(certs)
    cert = sslx.Certificate.from_der(p.client.getpeercert(binary_form=True))
    info = p.client.getpeercert()
    assert cert.get_info() == info
    assert cert.subject == info["subject"]
    assert cert.issuer == info["issuer"]
    assert cert.subject_alt_names == info["subjectAltName"]
    assert cert.serial_number == int(info["serialNumber"], 16)
    assert cert.not_valid_after.timestamp() == sslx.cert_time_to_seconds(info["notAfter"])
    assert cert.not_valid_before.timestamp() == sslx.cert_time_to_seconds(info["notBefore"])


def test_chains_turn_into_certificates(certs, ca):
    client, p = _pair(certs)
    verified = [sslx.Certificate.from_der(d) for d in p.client.get_verified_chain()]
    unverified = [sslx.Certificate.from_der(d) for d in p.client.get_unverified_chain()]
    assert verified[0] == unverified[0]
    assert verified[-1] == sslx.Certificate.from_pem(pem_of(ca.cert_pem))
    assert verified[-1].is_ca and not verified[0].is_ca
    # the private API gives Certificate objects directly: the same class
    private = p.client._sslobj.get_verified_chain()
    assert all(type(c) is sslx.Certificate for c in private)
    assert private == verified
    assert private[0].get_info() == p.client.getpeercert()
    assert private[0].public_bytes(format=sslx.ENCODING_DER) == p.client.getpeercert(True)
    cas = [sslx.Certificate.from_der(d) for d in client.get_ca_certs(binary_form=True)]
    assert cas == [verified[-1]]
    assert cas[0].get_info() == client.get_ca_certs()[0]


def test_socket_chain(certs):
    import threading
    server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    client = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    lsock = socket.create_server(("127.0.0.1", 0))
    done = []

    def serve():
        conn, _ = lsock.accept()
        with server.wrap_socket(conn, server_side=True) as tls:
            done.append(tls.recv(1))

    t = threading.Thread(target=serve)
    t.start()
    try:
        with client.wrap_socket(socket.create_connection(lsock.getsockname(), timeout=10),
                                server_hostname="localhost") as tls:
            chain = [sslx.Certificate.from_der(d) for d in tls.get_verified_chain()]
            assert chain[0].subject_alt_names[0] == ("DNS", "localhost")
            tls.sendall(b"x")
    finally:
        t.join(10)
        lsock.close()
    assert done == [b"x"]


@needs_openssl
def test_matches_the_openssl_command(tmp_path, leaf):
    """Serial, dates and fingerprint as `openssl x509` prints them."""
    path = tmp_path / "c.pem"
    leaf.cert_chain_pems[0].write_to_path(str(path))
    out = run([OPENSSL, "x509", "-in", str(path), "-noout", "-serial", "-fingerprint",
               "-sha256", "-startdate", "-enddate"]).decode()
    fields = dict(line.split("=", 1) for line in out.splitlines())
    cert = sslx.Certificate.from_pem(path.read_text())
    assert cert.serial_number == int(fields["serial"], 16)
    fp = [v for k, v in fields.items() if "Fingerprint" in k][0]
    assert cert.fingerprint("sha256") == bytes.fromhex(fp.replace(":", ""))
    assert cert.not_valid_after.timestamp() == sslx.cert_time_to_seconds(fields["notAfter"])
    assert cert.not_valid_before.timestamp() == sslx.cert_time_to_seconds(fields["notBefore"])
