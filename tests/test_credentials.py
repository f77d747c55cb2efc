"""Credentials from memory (sslx beyond the stdlib, gh-60691):
SSLContext.load_cert_chain(..., certdata=, keydata=) and
SSLContext.load_pkcs12(data, password=None).

What loads from memory must behave exactly as the same bytes loaded from a
file (the stdlib's path): same handshakes, same password rules, same
errors."""
import socket
import ssl as stdlib

import pytest

import sslx
from sockhelpers import ThreadedServer
from tlstools import (GNUTLS_CLI, OPENSSL, MemoryPair, needs_gnutls, needs_openssl, run)

serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
pkcs12 = pytest.importorskip("cryptography.hazmat.primitives.serialization.pkcs12")

PASSWORD = "s3cret pässword"


@pytest.fixture(scope="module")
def leaf(ca):
    return ca.issue_cert("localhost", "127.0.0.1")


@pytest.fixture(scope="module")
def chained(ca):
    """A leaf issued by an intermediate CA: its chain must reach clients."""
    intermediate = ca.create_child_ca()
    return intermediate.issue_cert("localhost")


def key_object(cert):
    return serialization.load_pem_private_key(cert.private_key_pem.bytes(), None)


def cert_der(blob):
    return sslx.PEM_cert_to_DER_cert(blob.bytes().decode())


def encrypted_pem(cert, password=PASSWORD):
    return key_object(cert).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()))


def client_context(ca):
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=ca.cert_pem.bytes().decode())
    return ctx


def handshake(server_ctx, ca):
    """A verified handshake with `server_ctx`; the client's view."""
    p = MemoryPair(sslx, client_context(ca), server_ctx).handshake()
    return p.client


def server_context():
    return sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)


# ------------------------------------------------------------ certdata/keydata

def test_pem_bytes(ca, leaf):
    ctx = server_context()
    ctx.load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(),
                        keydata=leaf.private_key_pem.bytes())
    conn = handshake(ctx, ca)
    assert conn.getpeercert(True) == cert_der(leaf.cert_chain_pems[0])


def test_pem_str_and_key_in_certdata(ca, leaf):
    ctx = server_context()
    ctx.load_cert_chain(certdata=leaf.private_key_and_cert_chain_pem.bytes().decode())
    assert handshake(ctx, ca).getpeercert()["subjectAltName"][0] == ("DNS", "localhost")


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_bytes_like(ca, leaf, kind):
    ctx = server_context()
    ctx.load_cert_chain(certdata=kind(leaf.cert_chain_pems[0].bytes()),
                        keydata=kind(leaf.private_key_pem.bytes()))
    assert handshake(ctx, ca).version() is not None


@pytest.mark.parametrize("key_format", ["PKCS8", "TraditionalOpenSSL"])
def test_der_certificate_and_key(ca, leaf, key_format):
    key_der = key_object(leaf).private_bytes(serialization.Encoding.DER,
                                             getattr(serialization.PrivateFormat, key_format),
                                             serialization.NoEncryption())
    ctx = server_context()
    ctx.load_cert_chain(certdata=cert_der(leaf.cert_chain_pems[0]), keydata=key_der)
    assert handshake(ctx, ca).getpeercert(True) == cert_der(leaf.cert_chain_pems[0])


def test_der_chain_reaches_the_client(ca, chained):
    """Concatenated DER certificates: the leaf, then its chain, sent to
    clients that trust only the root."""
    certdata = b"".join(cert_der(blob) for blob in chained.cert_chain_pems)
    ctx = server_context()
    ctx.load_cert_chain(certdata=certdata, keydata=chained.private_key_pem.bytes())
    conn = handshake(ctx, ca)
    chain = conn.get_unverified_chain()
    assert chain == [cert_der(blob) for blob in chained.cert_chain_pems]
    assert len(conn.get_verified_chain()) == 3


def test_pem_chain_reaches_the_client(ca, chained):
    ctx = server_context()
    ctx.load_cert_chain(certdata=b"".join(b.bytes() for b in chained.cert_chain_pems),
                        keydata=chained.private_key_pem.bytes())
    assert len(handshake(ctx, ca).get_verified_chain()) == 3


def test_memory_matches_file_loading(ca, chained, tmp_path):
    """The same PEM from a file (the stdlib's way) and from memory: the
    client sees the same chain."""
    path = tmp_path / "chain.pem"
    chained.private_key_and_cert_chain_pem.write_to_path(str(path))
    from_file, from_memory = server_context(), server_context()
    from_file.load_cert_chain(str(path))
    from_memory.load_cert_chain(certdata=path.read_bytes())
    assert (handshake(from_file, ca).get_unverified_chain()
            == handshake(from_memory, ca).get_unverified_chain())


def test_mixed_file_and_memory(ca, leaf, tmp_path):
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(certfile))
    leaf.private_key_pem.write_to_path(str(keyfile))
    a = server_context()
    a.load_cert_chain(str(certfile), keydata=leaf.private_key_pem.bytes())
    b = server_context()
    b.load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(), keyfile=keyfile)
    for ctx in (a, b):
        assert handshake(ctx, ca).getpeercert(True) == cert_der(leaf.cert_chain_pems[0])


def test_missing_file_in_mixed_mode(leaf, tmp_path):
    missing = tmp_path / "nope.pem"
    with pytest.raises(FileNotFoundError) as info:
        server_context().load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(),
                                         keyfile=str(missing))
    assert info.value.filename == str(missing)
    with pytest.raises(IsADirectoryError):
        server_context().load_cert_chain(str(tmp_path), keydata=leaf.private_key_pem.bytes())


def test_replacing_credentials(ca, leaf):
    other = ca.issue_cert("other.example")
    ctx = server_context()
    ctx.load_cert_chain(certdata=other.private_key_and_cert_chain_pem.bytes())
    ctx.load_cert_chain(certdata=leaf.private_key_and_cert_chain_pem.bytes())
    assert handshake(ctx, ca).getpeercert(True) == cert_der(leaf.cert_chain_pems[0])


# ------------------------------------------------------------------ passwords

@pytest.mark.parametrize("password", [PASSWORD, PASSWORD.encode(), bytearray(PASSWORD.encode()),
                                      lambda: PASSWORD, lambda: PASSWORD.encode()])
def test_encrypted_pem_key(ca, leaf, password):
    ctx = server_context()
    ctx.load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(), keydata=encrypted_pem(leaf),
                        password=password)
    assert handshake(ctx, ca).version() is not None


def test_encrypted_der_key(ca, leaf):
    key_der = key_object(leaf).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSWORD.encode()))
    ctx = server_context()
    ctx.load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(), keydata=key_der,
                        password=PASSWORD)
    assert handshake(ctx, ca).version() is not None
    with pytest.raises(sslx.SSLError):
        server_context().load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(),
                                         keydata=key_der, password="wrong")


def test_password_callable_only_called_for_encrypted_keys(leaf):
    calls = []

    def password():
        calls.append(1)
        return PASSWORD

    server_context().load_cert_chain(certdata=leaf.private_key_and_cert_chain_pem.bytes(),
                                     password=password)
    assert calls == []
    server_context().load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(),
                                     keydata=encrypted_pem(leaf), password=password)
    assert calls == [1]


def _file_error(tmp_path, leaf, password):
    """What the stdlib raises for the same key and password from files."""
    certfile, keyfile = tmp_path / "c.pem", tmp_path / "k.pem"
    leaf.cert_chain_pems[0].write_to_path(str(certfile))
    keyfile.write_bytes(encrypted_pem(leaf))
    ctx = stdlib.SSLContext(stdlib.PROTOCOL_TLS_SERVER)
    with pytest.raises(Exception) as info:
        ctx.load_cert_chain(str(certfile), str(keyfile), password=password)
    return info.value


def _memory_error(leaf, password):
    with pytest.raises(Exception) as info:
        server_context().load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(),
                                         keydata=encrypted_pem(leaf), password=password)
    return info.value


class Boom(Exception):
    pass


def _raise_boom():
    raise Boom("from the password callable")


@pytest.mark.parametrize("password", [
    "wrong", b"wrong", lambda: "wrong", lambda: 42, lambda: "x" * 2000, "x" * 2000, 42,
    _raise_boom,
], ids=["str", "bytes", "callable", "callable-int", "callable-long", "long", "int", "raises"])
def test_password_errors_match_the_stdlib_file_path(tmp_path, leaf, password):
    theirs = _file_error(tmp_path, leaf, password)
    mine = _memory_error(leaf, password)
    assert type(mine) is type(theirs)
    if isinstance(theirs, stdlib.SSLError):
        assert (mine.library, mine.reason) == (theirs.library, theirs.reason)
    else:
        assert str(mine) == str(theirs)


def test_encrypted_key_without_password_never_prompts(leaf):
    """OpenSSL's terminal prompt is never used for data from memory."""
    with pytest.raises(sslx.SSLError) as info:
        server_context().load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(),
                                         keydata=encrypted_pem(leaf))
    assert info.value.library == "SSL" and "PEM lib" in str(info.value)


# ------------------------------------------------------------------ bad input

def test_mismatched_key_keeps_the_context_unchanged(ca, leaf):
    other = ca.issue_cert("other.example")
    ctx = server_context()
    ctx.load_cert_chain(certdata=leaf.private_key_and_cert_chain_pem.bytes())
    with pytest.raises(sslx.SSLError) as info:
        ctx.load_cert_chain(certdata=other.cert_chain_pems[0].bytes(),
                            keydata=leaf.private_key_pem.bytes())
    assert info.value.reason == "KEY_VALUES_MISMATCH"
    assert handshake(ctx, ca).getpeercert(True) == cert_der(leaf.cert_chain_pems[0])


def test_mismatched_key_error_matches_the_stdlib(tmp_path, ca, leaf):
    other = ca.issue_cert("other.example")
    certfile, keyfile = tmp_path / "c.pem", tmp_path / "k.pem"
    other.cert_chain_pems[0].write_to_path(str(certfile))
    leaf.private_key_pem.write_to_path(str(keyfile))
    with pytest.raises(stdlib.SSLError) as theirs:
        stdlib.SSLContext(stdlib.PROTOCOL_TLS_SERVER).load_cert_chain(str(certfile), str(keyfile))
    with pytest.raises(sslx.SSLError) as mine:
        server_context().load_cert_chain(certdata=certfile.read_bytes(),
                                         keydata=keyfile.read_bytes())
    assert (mine.value.library, mine.value.reason) == (theirs.value.library, theirs.value.reason)


def test_no_certificate_in_data_matches_the_stdlib(tmp_path, leaf):
    keyfile = tmp_path / "k.pem"
    leaf.private_key_pem.write_to_path(str(keyfile))
    with pytest.raises(stdlib.SSLError) as theirs:
        stdlib.SSLContext(stdlib.PROTOCOL_TLS_SERVER).load_cert_chain(str(keyfile))
    with pytest.raises(sslx.SSLError) as mine:
        server_context().load_cert_chain(certdata=keyfile.read_bytes())
    assert (mine.value.library, mine.value.reason) == (theirs.value.library, theirs.value.reason)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(certdata=42), TypeError, "certdata should be an ASCII string or a bytes-like object"),
    (dict(certdata="é-----BEGIN"), TypeError, "certdata should be an ASCII string"),
    (dict(certdata=b""), ValueError, "Empty certificate data"),
    (dict(certdata=""), ValueError, "Empty certificate data"),
    (dict(certdata=b"x", keydata=b""), ValueError, "Empty key data"),
    (dict(certdata=b"x", keydata=3.5), TypeError, "keydata should be"),
    (dict(certfile="c.pem", certdata=b"x"), TypeError, "certfile or certdata, not both"),
    (dict(certdata=b"x", keyfile="k.pem", keydata=b"y"), TypeError,
     "keyfile or keydata, not both"),
    (dict(keydata=b"y"), TypeError, "missing required argument 'certfile'"),
    (dict(certfile=None, keydata=b"y"), TypeError, "certfile should be a valid filesystem path"),
    (dict(certdata=b"x", password=42), TypeError, "password should be a string or callable"),
])
def test_bad_arguments(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        server_context().load_cert_chain(**kwargs)


def test_der_certdata_needs_a_key_source(leaf):
    with pytest.raises(ValueError, match="DER certdata holds no private key"):
        server_context().load_cert_chain(certdata=cert_der(leaf.cert_chain_pems[0]))


@pytest.mark.parametrize("certdata", [b"garbage that is no PEM", "-----BEGIN CERTIFICATE-----\n",
                                      b"\x30\x03\x02\x01\x01", b"\x30\x82\xff\xff"])
def test_garbage_is_an_sslerror(leaf, certdata):
    with pytest.raises(sslx.SSLError):
        server_context().load_cert_chain(certdata=certdata, keydata=leaf.private_key_pem.bytes())


def test_garbage_key_is_an_sslerror(leaf):
    for keydata in (b"not a key", b"\x30\x03\x02\x01\x01"):
        with pytest.raises(sslx.SSLError):
            server_context().load_cert_chain(certdata=leaf.cert_chain_pems[0].bytes(),
                                             keydata=keydata)


def test_stdlib_calls_are_unchanged(certs, stdlib_ssl):
    """Without certdata/keydata it is the stdlib's method, messages and all
    (certdata=None and keydata=None change nothing)."""
    for args in [(), (None,)]:
        with pytest.raises(TypeError) as theirs:
            stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER).load_cert_chain(*args)
        for extra in ({}, {"certdata": None, "keydata": None}):
            with pytest.raises(TypeError) as mine:
                server_context().load_cert_chain(*args, **extra)
            assert str(mine.value) == str(theirs.value)
    with pytest.raises(FileNotFoundError):
        server_context().load_cert_chain("/nonexistent/cert.pem", certdata=None, keydata=None)
    server_context().load_cert_chain(certs.server_certfile, certdata=None)
    server_context().load_cert_chain(certfile=certs.server_chainfile,
                                     keyfile=certs.server_keyfile, password=None)


# ------------------------------------------------------------------- PKCS#12

def p12_bytes(cert, password=None, cas=None, name=b"server"):
    key = key_object(cert)
    certificate = cert.cert_chain_pems[0]
    from cryptography import x509
    leaf_obj = x509.load_pem_x509_certificate(certificate.bytes())
    ca_objs = [x509.load_pem_x509_certificate(b.bytes()) for b in (cas or [])]
    enc = (serialization.BestAvailableEncryption(password.encode()) if password
           else serialization.NoEncryption())
    return pkcs12.serialize_key_and_certificates(name, key, leaf_obj, ca_objs or None, enc)


def test_pkcs12_without_password(ca, leaf):
    ctx = server_context()
    ctx.load_pkcs12(p12_bytes(leaf))
    assert handshake(ctx, ca).getpeercert(True) == cert_der(leaf.cert_chain_pems[0])


@pytest.mark.parametrize("password", [PASSWORD, PASSWORD.encode(), lambda: PASSWORD])
def test_pkcs12_with_password_and_chain(ca, chained, password):
    ctx = server_context()
    ctx.load_pkcs12(p12_bytes(chained, PASSWORD, cas=chained.cert_chain_pems[1:]),
                    password=password)
    conn = handshake(ctx, ca)
    assert len(conn.get_verified_chain()) == 3
    assert conn.get_unverified_chain()[0] == cert_der(chained.cert_chain_pems[0])


def test_pkcs12_bytes_like(ca, leaf):
    data = p12_bytes(leaf, PASSWORD)
    for kind in (bytearray, memoryview):
        ctx = server_context()
        ctx.load_pkcs12(kind(data), PASSWORD)
        assert handshake(ctx, ca).version() is not None


def test_pkcs12_password_callable_not_called_without_encryption(leaf):
    calls = []
    server_context().load_pkcs12(p12_bytes(leaf), password=lambda: calls.append(1) or "x")
    assert calls == []


@pytest.mark.parametrize("password", [None, "wrong", lambda: "wrong"])
def test_pkcs12_wrong_or_missing_password(leaf, password):
    with pytest.raises(sslx.SSLError) as info:
        server_context().load_pkcs12(p12_bytes(leaf, PASSWORD), password=password)
    assert "mac verify failure" in str(info.value)


def test_pkcs12_password_callable_errors(leaf):
    data = p12_bytes(leaf, PASSWORD)
    with pytest.raises(Boom):
        server_context().load_pkcs12(data, password=_raise_boom)
    with pytest.raises(TypeError, match="password callback must return a string"):
        server_context().load_pkcs12(data, password=lambda: 42)
    with pytest.raises(ValueError, match="password cannot be longer than"):
        server_context().load_pkcs12(data, password=lambda: "x" * 2000)


def test_pkcs12_without_key(leaf):
    from cryptography import x509
    only_cert = pkcs12.serialize_key_and_certificates(
        None, None, None, [x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())],
        serialization.NoEncryption())
    with pytest.raises(sslx.SSLError, match="no private key"):
        server_context().load_pkcs12(only_cert)


@pytest.mark.parametrize("data, exc, words", [
    ("a str", TypeError, "data should be a bytes-like object"),
    (None, TypeError, "data should be a bytes-like object"),
    (b"", ValueError, "Empty PKCS#12 data"),
    (b"not pkcs12 at all", sslx.SSLError, ""),
    (b"\x30\x03\x02\x01\x03", sslx.SSLError, ""),
])
def test_pkcs12_bad_data(data, exc, words):
    with pytest.raises(exc, match=words or None):
        server_context().load_pkcs12(data)


def test_pkcs12_trailing_bytes(leaf):
    with pytest.raises(ValueError, match="trailing bytes"):
        server_context().load_pkcs12(p12_bytes(leaf) + b"\0")


# ------------------------------------------------------------------- interop

@needs_openssl
def test_pkcs12_made_by_openssl(ca, chained, tmp_path):
    """A bundle from `openssl pkcs12 -export` (the tool's own defaults)."""
    keyfile, certfile, chainfile = (tmp_path / n for n in ("k.pem", "c.pem", "chain.pem"))
    chained.private_key_pem.write_to_path(str(keyfile))
    chained.cert_chain_pems[0].write_to_path(str(certfile))
    chainfile.write_bytes(b"".join(b.bytes() for b in chained.cert_chain_pems[1:]))
    out = tmp_path / "bundle.p12"
    run([OPENSSL, "pkcs12", "-export", "-inkey", str(keyfile), "-in", str(certfile),
         "-certfile", str(chainfile), "-out", str(out), "-passout", "pass:" + "hunter2"])
    ctx = server_context()
    ctx.load_pkcs12(out.read_bytes(), password="hunter2")
    assert len(handshake(ctx, ca).get_verified_chain()) == 3


def _serve_once(ctx):
    def handler(raw):
        with ctx.wrap_socket(raw, server_side=True) as tls:
            tls.sendall(b"hello from memory\n")
            try:
                tls.unwrap()
            except (OSError, sslx.SSLError):
                pass
    return ThreadedServer(handler)


@needs_openssl
@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_openssl_client_verifies_a_server_loaded_from_memory(certs, chained, ca, version):
    ctx = server_context()
    ctx.load_cert_chain(certdata=b"".join(b.bytes() for b in chained.cert_chain_pems),
                        keydata=chained.private_key_pem.bytes())
    with _serve_once(ctx) as srv:
        out = run([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % srv.addr[1],
                   "-CAfile", certs.cafile, "-verify_hostname", "localhost",
                   "-verify_return_error", "-ign_eof", version], stdin=b"", check=False).decode()
    assert "Verify return code: 0 (ok)" in out
    assert "hello from memory" in out


@needs_gnutls
def test_gnutls_client_verifies_a_server_loaded_from_pkcs12(certs, leaf):
    ctx = server_context()
    ctx.load_pkcs12(p12_bytes(leaf, PASSWORD), password=PASSWORD)
    with _serve_once(ctx) as srv:
        out = run([GNUTLS_CLI, "-p", str(srv.addr[1]), "--x509cafile", certs.cafile,
                   "localhost"], stdin=b"bye\n", check=False).decode()
    assert "The certificate is trusted" in out
    assert "Handshake was completed" in out


def test_client_certificate_from_memory(ca, certs):
    """A client authenticates with credentials from memory."""
    client_cert = ca.issue_cert("client@example.org", common_name="client")
    server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    server.verify_mode = sslx.CERT_REQUIRED
    server.load_verify_locations(certs.cafile)
    client = client_context(ca)
    client.load_cert_chain(certdata=client_cert.private_key_and_cert_chain_pem.bytes())
    p = MemoryPair(sslx, client, server).handshake()
    assert p.server.getpeercert()["subject"][-1] == (("commonName", "client"),)


def test_socket_server_with_memory_credentials(ca, leaf):
    ctx = server_context()
    ctx.load_cert_chain(certdata=leaf.private_key_and_cert_chain_pem.bytes())
    with _serve_once(ctx) as srv:
        with client_context(ca).wrap_socket(socket.create_connection(srv.addr, timeout=10),
                                            server_hostname="localhost") as tls:
            assert tls.recv(64) == b"hello from memory\n"
            tls.unwrap()
