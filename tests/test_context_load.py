"""What an SSLContext loads (context_load.c): its certificate chain and
private key (and their passwords), trusted CAs and CRLs from files,
directories and memory, the default CA store (shared, copied on write), DH
parameters; and what it reports about its store.  Where the spec leaves a
detail open, the outcome is compared with the stdlib's.
"""
import errno
import os
import pathlib

import pytest
from cryptography.hazmat.primitives import serialization

import sslx
from contexthelpers import SERVER_AUTH_OID, both, first_cert_der, outcome, quiet
from memhelpers import MemoryPair, handshake_errors, make_contexts


@pytest.fixture(scope="session")
def encrypted_key(tmp_path_factory, ca):
    """(certfile, keyfile) with the key encrypted under b'secret'."""
    d = tmp_path_factory.mktemp("enc")
    leaf = ca.issue_cert("localhost")
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"secret"))
    certfile, keyfile = d / "cert.pem", d / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(certfile))
    keyfile.write_bytes(pem)
    return str(certfile), str(keyfile)


# ---- load_cert_chain ----

@pytest.mark.parametrize("form", ["combined file", "chain and key files",
                                  "path-like and bytes names"])
def test_load_cert_chain_presents_the_chain(mod, certs, form):
    """However the files are named, the server presents the certificate it
    loaded and a client trusting its CA verifies it (getpeercert() has a
    subject only for a verified peer)."""
    client_ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(certs.cafile)
    server_ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    if form == "combined file":
        assert server_ctx.load_cert_chain(certs.server_certfile) is None
    elif form == "chain and key files":
        server_ctx.load_cert_chain(certs.server_chainfile, certs.server_keyfile)
    else:
        server_ctx.load_cert_chain(certfile=pathlib.Path(certs.server_chainfile),
                                   keyfile=os.fsencode(certs.server_keyfile))
    pair = MemoryPair(mod, client_ctx, server_ctx).handshake()
    assert pair.client.getpeercert(binary_form=True) == first_cert_der(certs.server_chainfile)
    assert ("DNS", "localhost") in pair.client.getpeercert()["subjectAltName"]


def test_load_cert_chain_on_a_client_presents_it(mod, certs):
    """A client's chain is what a server that requires one receives; without
    it that server refuses the client."""
    bare_client, server_ctx = make_contexts(mod, certs, require_client_cert=True)
    assert handshake_errors(mod, bare_client, server_ctx)[2] is not None
    client_ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(certs.cafile)
    client_ctx.load_cert_chain(certs.client_certfile)
    pair = MemoryPair(mod, client_ctx, server_ctx).handshake()
    assert pair.server.getpeercert(binary_form=True) == first_cert_der(certs.client_certfile)
    subject = dict(rdn[0] for rdn in pair.server.getpeercert()["subject"])
    assert subject["commonName"] == "client"


# Each accepted form of password: (the right one, a wrong one).
PASSWORDS = {
    "str": ("secret", "wrong"),
    "bytes": (b"secret", b"wrong"),
    "bytearray": (bytearray(b"secret"), bytearray(b"wrong")),
    "callable-str": (lambda: "secret", lambda: "wrong"),
    "callable-bytes": (lambda: b"secret", lambda: b"wrong"),
    "callable-bytearray": (lambda: bytearray(b"secret"), lambda: bytearray(b"wrong")),
}


@pytest.mark.parametrize("kind", list(PASSWORDS))
def test_load_cert_chain_passwords(mod, stdlib_ssl, certs, encrypted_key, kind):
    """The right password, in each accepted form, decrypts the key: the
    server then presents its certificate and a client verifies it.  A wrong
    one in the same form fails with the stdlib's SSLError, as in the stdlib."""
    right, wrong = PASSWORDS[kind]
    certfile, keyfile = encrypted_key
    failures = []
    for module in (mod, stdlib_ssl):
        with pytest.raises(stdlib_ssl.SSLError) as info:
            module.SSLContext(module.PROTOCOL_TLS_SERVER).load_cert_chain(
                certfile, keyfile, password=wrong)
        failures.append((type(info.value), info.value.library, info.value.reason,
                         info.value.errno, str(info.value).split(" (")[0]))
    assert failures[0] == failures[1]
    assert failures[0][0] is stdlib_ssl.SSLError
    server_ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certfile, keyfile, password=right)
    client_ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(certs.cafile)
    pair = MemoryPair(mod, client_ctx, server_ctx).handshake()
    assert pair.client.getpeercert(binary_form=True) == first_cert_der(certfile)
    assert ("DNS", "localhost") in pair.client.getpeercert()["subjectAltName"]


def test_password_callable_only_called_when_needed(certs, server):
    calls = []
    server.load_cert_chain(certs.server_certfile, password=lambda: calls.append(1))
    assert calls == []


def test_cpython_encrypted_keycert(cpython_certdata, server):
    path = os.path.join(cpython_certdata, "keycert.passwd.pem")
    server.load_cert_chain(path, password="somepass")
    with pytest.raises(sslx.SSLError):
        server.load_cert_chain(path, password="wrong")


def _chain_errors(module, encrypted_key, certs):
    certfile, keyfile = encrypted_key

    def boom():
        raise KeyError("from callback")

    ctx = quiet(module.SSLContext, module.PROTOCOL_TLS_SERVER)
    calls = {
        "wrong": lambda: ctx.load_cert_chain(certfile, keyfile, password="wrong"),
        "wrong_cb": lambda: ctx.load_cert_chain(certfile, keyfile, password=lambda: "nope"),
        "raising_cb": lambda: ctx.load_cert_chain(certfile, keyfile, password=boom),
        "int_cb": lambda: ctx.load_cert_chain(certfile, keyfile, password=lambda: 1),
        "int": lambda: ctx.load_cert_chain(certfile, keyfile, password=1),
        "too_long": lambda: ctx.load_cert_chain(certfile, keyfile, password="a" * 1025),
        "too_long_cb": lambda: ctx.load_cert_chain(certfile, keyfile,
                                                   password=lambda: b"a" * 1025),
        "max_len": lambda: ctx.load_cert_chain(certfile, keyfile, password="a" * 1024),
        "mismatch": lambda: ctx.load_cert_chain(certs.server_chainfile,
                                                certs.client_certfile),
        "missing_cert": lambda: ctx.load_cert_chain("/nonexistent/cert.pem"),
        "missing_key": lambda: ctx.load_cert_chain(certs.server_chainfile, "/nonexistent"),
        "not_pem": lambda: ctx.load_cert_chain(__file__),
        "cert_only": lambda: ctx.load_cert_chain(certs.server_chainfile),
        "none": lambda: ctx.load_cert_chain(None),
        "keyfile_int": lambda: ctx.load_cert_chain(certs.server_chainfile, 1),
    }
    result = {}
    for name, call in calls.items():
        try:
            call()
            result[name] = None
        except Exception as exc:  # noqa: BLE001 - compared below
            result[name] = (type(exc), getattr(exc, "errno", None),
                            getattr(exc, "library", None), getattr(exc, "reason", None),
                            str(exc).split(" (")[0] if not isinstance(exc, sslx.SSLError)
                            else None)
    return result


def test_load_cert_chain_errors_match_stdlib(stdlib_ssl, encrypted_key, certs):
    ours = _chain_errors(sslx, encrypted_key, certs)
    assert ours == _chain_errors(stdlib_ssl, encrypted_key, certs)
    assert ours["raising_cb"][0] is KeyError
    assert ours["missing_cert"][0] is FileNotFoundError
    assert ours["missing_cert"][1] == errno.ENOENT
    assert ours["mismatch"][3] == "KEY_VALUES_MISMATCH"


# ---- load_verify_locations, CA store ----

def test_load_verify_locations_cafile_and_store(stdlib_ssl, certs):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    for ctx in (std, ours):
        ctx.load_verify_locations(certs.cafile)
        ctx.load_verify_locations(cafile=pathlib.Path(certs.server_chainfile))
    assert ours.cert_store_stats() == std.cert_store_stats()
    assert ours.cert_store_stats() == {"x509": 2, "crl": 0, "x509_ca": 1}
    assert ours.get_ca_certs(True) == std.get_ca_certs(True)
    assert ours.get_ca_certs(binary_form=True)[0] == \
        stdlib_ssl.PEM_cert_to_DER_cert(certs.ca_pem)


def test_get_ca_certs_dicts(stdlib_ssl, certs):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    std.load_verify_locations(certs.cafile)
    ours.load_verify_locations(certs.cafile)
    assert ours.get_ca_certs() == std.get_ca_certs()


def test_capath_and_crl(stdlib_ssl, cpython_certdata):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    for ctx in (std, ours):
        ctx.load_verify_locations(capath=os.path.join(cpython_certdata, "capath"))
        ctx.load_verify_locations(os.path.join(cpython_certdata, "revocation.crl"))
    assert ours.cert_store_stats() == std.cert_store_stats()
    assert ours.cert_store_stats()["crl"] == 1


def _cadata_outcomes(module, pem, der, crl):
    cases = {"pem": pem, "pem2": pem + pem, "pem_trailing": pem + "junk",
             "pem_leading": "junk\n" + pem, "pem_truncated": pem[:-40],
             "pem_then_truncated": pem + pem[:-40], "der": der, "der2": der + der,
             "memoryview": memoryview(der), "bytearray": bytearray(der),
             "der_trailing": der + b"xx", "der_truncated": der[:-10], "crl": crl,
             # Bytes OpenSSL reads as a bad header (HEADER_TOO_LONG): the
             # end of the data up to 3.11, an error from 3.12.
             "der_bad_header": der + b"\xff" * 8,
             "pem_crl": pem + crl, "empty": "", "empty_bytes": b"", "garbage": "garbage",
             "garbage_bytes": b"garbage", "int": 1, "non_ascii": "\xe9"}
    result = {}
    for name, data in cases.items():
        ctx = quiet(module.SSLContext, module.PROTOCOL_TLS_CLIENT)
        try:
            ctx.load_verify_locations(cadata=data)
            result[name] = ctx.cert_store_stats()
        except Exception as exc:  # noqa: BLE001 - compared below
            result[name] = (type(exc), getattr(exc, "library", None),
                            getattr(exc, "reason", None), str(exc).split(" (")[0])
    return result


def test_cadata_matches_stdlib(stdlib_ssl, certs, cpython_certdata):
    pem = certs.ca_pem
    der = stdlib_ssl.PEM_cert_to_DER_cert(pem)
    with open(os.path.join(cpython_certdata, "revocation.crl")) as f:
        crl = f.read()
    ours = _cadata_outcomes(sslx, pem, der, crl)
    assert ours == _cadata_outcomes(stdlib_ssl, pem, der, crl)
    assert ours["der2"] == {"x509": 1, "crl": 0, "x509_ca": 1}
    assert ours["empty"][0] is ValueError


def test_load_verify_locations_errors(stdlib_ssl, client):
    std = quiet(stdlib_ssl.SSLContext, stdlib_ssl.PROTOCOL_TLS_CLIENT)
    for kwargs in ({}, {"cafile": 1}, {"capath": 1}, {"cafile": "/nonexistent"},
                   {"cafile": __file__}, {"capath": "/nonexistent"}):
        a = outcome(std.load_verify_locations, **kwargs)[0]
        b = outcome(client.load_verify_locations, **kwargs)[0]
        assert b == a, kwargs
    with pytest.raises(TypeError, match="cannot be all omitted"):
        client.load_verify_locations()
    with pytest.raises(FileNotFoundError) as info:
        client.load_verify_locations("/nonexistent")
    assert info.value.errno == errno.ENOENT


# ---- default CAs ----

def test_default_certs_match_stdlib(stdlib_ssl):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    std.load_default_certs()
    ours.load_default_certs()
    assert ours.cert_store_stats() == std.cert_store_stats()
    std2, ours2 = both(stdlib_ssl, "PROTOCOL_TLS_SERVER")
    std2.set_default_verify_paths()
    ours2.set_default_verify_paths()
    assert ours2.cert_store_stats() == std2.cert_store_stats()
    ours.load_default_certs(stdlib_ssl.Purpose.CLIENT_AUTH)
    # None too is a TypeError in both (CPython's test_ssl checks it).
    for bad in (1, "x", None):
        assert outcome(ours.load_default_certs, bad)[0] is TypeError
        assert outcome(std.load_default_certs, bad)[0] is TypeError


def test_load_default_certs_accepts_any_oid_object(stdlib_ssl, certs, tmp_path, monkeypatch,
                                                   client):
    """Any object whose `oid` is Purpose.SERVER_AUTH's loads the same CAs as
    Purpose.SERVER_AUTH (sslx takes any object with an `oid`, as in
    create_default_context; the stdlib only its own _ASN1Object): here the
    one CA of SSL_CERT_FILE, which then verifies that CA's server."""
    class P:
        oid = SERVER_AUTH_OID

    monkeypatch.setenv("SSL_CERT_FILE", certs.cafile)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))
    reference = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    reference.load_default_certs(sslx.Purpose.SERVER_AUTH)
    by_keyword = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    client.load_default_certs(P())
    by_keyword.load_default_certs(purpose=P())
    expected = [stdlib_ssl.PEM_cert_to_DER_cert(certs.ca_pem)]
    for ctx in (reference, client, by_keyword):
        assert ctx.get_ca_certs(binary_form=True) == expected
        assert ctx.cert_store_stats() == {"x509": 1, "crl": 0, "x509_ca": 1}
    _, server_ctx = make_contexts(sslx, certs)
    for ctx in (client, by_keyword):
        MemoryPair(sslx, ctx, server_ctx).handshake()


# ---- the shared default trust store (copy on write) ----

def test_default_store_shared_then_copied_on_write(stdlib_ssl, certs, no_keylog_env):
    ours = [sslx.create_default_context() for _ in range(2)]
    std = [stdlib_ssl.create_default_context() for _ in range(2)]
    default_stats = std[0].cert_store_stats()
    assert [c.cert_store_stats() for c in ours] == [default_stats] * 2
    for ctx in (ours[0], std[0]):
        ctx.load_verify_locations(cadata=certs.ca_pem)
    assert ours[0].cert_store_stats() == std[0].cert_store_stats()
    assert ours[1].cert_store_stats() == default_stats          # the other one is untouched
    assert sorted(ours[0].get_ca_certs(True)) == sorted(std[0].get_ca_certs(True))
    # Loading the defaults again into a private store adds nothing new.
    ours[0].load_default_certs()
    std[0].load_default_certs()
    assert ours[0].cert_store_stats() == std[0].cert_store_stats()


def test_default_store_follows_environment(stdlib_ssl, certs, other_ca, tmp_path, monkeypatch,
                                           no_keylog_env):
    cafile = tmp_path / "bundle.pem"
    cafile.write_text(certs.ca_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(cafile))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))

    def stats(module):
        ctx = quiet(module.SSLContext, module.PROTOCOL_TLS_CLIENT)
        ctx.load_default_certs()
        return ctx.cert_store_stats()

    assert stats(sslx) == stats(stdlib_ssl) == {"x509": 1, "crl": 0, "x509_ca": 1}
    # A changed file is parsed again.
    cafile.write_text(certs.ca_pem + other_ca.cert_pem.bytes().decode())
    assert stats(sslx) == stats(stdlib_ssl) == {"x509": 2, "crl": 0, "x509_ca": 2}
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.delenv("SSL_CERT_DIR")
    assert stats(sslx) == stats(stdlib_ssl)


def test_shared_store_verifies_peers(certs, tmp_path, monkeypatch, no_keylog_env):
    monkeypatch.setenv("SSL_CERT_FILE", certs.cafile)
    client_ctx = sslx.create_default_context()
    server_ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certs.server_certfile)
    MemoryPair(sslx, client_ctx, server_ctx).handshake()
    client_ctx.load_verify_locations(cadata=certs.ca_pem)     # now a private copy
    MemoryPair(sslx, client_ctx, server_ctx).handshake()
    fresh = sslx.create_default_context()
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "empty.pem"))
    (tmp_path / "empty.pem").write_text("")
    untrusting = sslx.create_default_context()
    MemoryPair(sslx, fresh, server_ctx).handshake()
    assert isinstance(handshake_errors(sslx, untrusting, server_ctx)[1],
                      sslx.SSLCertVerificationError)


# ---- DH parameters ----

def test_dh_params(stdlib_ssl, cpython_certdata, server):
    std = quiet(stdlib_ssl.SSLContext, stdlib_ssl.PROTOCOL_TLS_SERVER)
    good = os.path.join(cpython_certdata, "ffdh3072.pem")
    cases = [good, pathlib.Path(good), "/nonexistent/dh.pem", __file__,
             os.path.join(cpython_certdata, "keycert.pem"), None]
    for path in cases:
        a, b = outcome(std.load_dh_params, path)[0], outcome(server.load_dh_params, path)[0]
        assert b == a, path
    with pytest.raises(FileNotFoundError) as info:
        server.load_dh_params("/nonexistent/dh.pem")
    assert info.value.filename == "/nonexistent/dh.pem"
    with pytest.raises(sslx.SSLError) as info:
        server.load_dh_params(__file__)
    assert info.value.reason == "NO_START_LINE"
