"""certificate.c: the Certificate objects of a connection's chains (what
`_sslobj.get_verified_chain()` / `get_unverified_chain()` return), compared
with the stdlib's _ssl.Certificate of the same interpreter (it exists on
every supported version): public_bytes(), get_info(), equality and hash,
repr, immutability, and a lifetime of their own.
"""
import copy
import gc
import pickle
import ssl as stdlib_ssl
import weakref

import pytest

import sslx
from implementations import MODULES
from memhelpers import MemoryPair, chains, make_contexts

DER = stdlib_ssl._ssl.ENCODING_DER
PEM = stdlib_ssl._ssl.ENCODING_PEM


def server_chain(mod, certs):
    """A client's view of the server's chain after a handshake:
    (pair, [leaf, CA] verified, [leaf] as sent)."""
    pair = MemoryPair(mod, *make_contexts(mod, certs)).handshake()
    return (pair, pair.client._sslobj.get_verified_chain(),
            pair.client._sslobj.get_unverified_chain())


def outcome(func):
    try:
        return ("returned", func())
    except Exception as exc:   # compared below
        return (type(exc).__name__, str(exc).replace("sslx.", "_ssl."))


# ---- the type ----

def test_type_is_like_the_stdlibs(mod, certs):
    leaf = server_chain(mod, certs)[1][0]
    cls = type(leaf)
    assert cls.__name__ == "Certificate"
    assert cls.__module__ == ("sslx" if mod is sslx else "_ssl")
    public = sorted(n for n in dir(cls) if not n.startswith("_"))
    # sslx's Certificate is public and does more (docs/features/certificate.md).
    extra = [] if mod is not sslx else [
        "fingerprint", "from_der", "from_pem", "is_ca", "issuer", "not_valid_after",
        "not_valid_before", "public_key_der", "serial_number", "subject", "subject_alt_names"]
    assert public == sorted(["get_info", "public_bytes"] + extra)
    with pytest.raises(TypeError):
        cls()
    with pytest.raises(TypeError, match="immutable type"):
        cls.extra = 1
    with pytest.raises(AttributeError):
        leaf.extra = 1


def test_what_cannot_be_done_is_refused_like_stdlib(certs):
    """Neither weakly referenced nor ordered, with the stdlib's exceptions
    and messages (up to the module name)."""
    results = []
    for m in MODULES.values():
        _, (leaf, ca), _ = server_chain(m, certs)
        results.append([outcome(f) for f in (
            lambda: weakref.ref(leaf), lambda: leaf < ca, lambda: len(leaf),
            lambda: leaf.public_bytes(DER, PEM), lambda: leaf.public_bytes("x"),
            lambda: leaf.get_info(1))])
    assert results[0] == results[1]
    assert all(kind == "TypeError" for kind, _ in results[0])


def test_pickle_and_copy_where_the_stdlib_refuses(certs):
    """sslx's Certificate pickles and copies (by its DER); the stdlib's
    raises TypeError for both."""
    _, (leaf, _), _ = server_chain(stdlib_ssl, certs)
    for f in (pickle.dumps, copy.copy):
        with pytest.raises(TypeError):
            f(leaf)
    _, (leaf, _), _ = server_chain(sslx, certs)
    for again in (pickle.loads(pickle.dumps(leaf)), copy.copy(leaf)):
        assert type(again) is type(leaf) and again == leaf
        assert again.public_bytes(DER) == leaf.public_bytes(DER)


# ---- public_bytes, get_info ----

def test_certificate_objects_like_stdlib(certs):
    results = []
    for m in (sslx, stdlib_ssl):
        leaf, ca = chains(m, certs, "client")[0]
        again = chains(m, certs, "client")[1][0]
        pem = leaf.public_bytes()
        der = leaf.public_bytes(stdlib_ssl._ssl.ENCODING_DER)
        with pytest.raises(ValueError, match="Unsupported format"):
            leaf.public_bytes(7)
        with pytest.raises(TypeError):
            type(leaf)()
        results.append({
            "pem": pem, "der_from_pem": stdlib_ssl.PEM_cert_to_DER_cert(pem), "der": der,
            "eq": (leaf == again, leaf != again, leaf == ca, leaf == 1),
            "hash": (hash(leaf) == hash(again), hash(leaf) == hash(ca)),
            "repr": repr(leaf).split(" ", 1)[1],
        })
    assert results[0] == results[1]
    assert results[0]["der"] == results[0]["der_from_pem"]


def test_public_bytes_formats(mod, certs):
    """PEM text by default (and with format=ENCODING_PEM, by keyword too),
    DER bytes: the very certificate getpeercert(True) gives, and the CA's
    own certificate for the chain's last element."""
    pair, (leaf, ca), _ = server_chain(mod, certs)
    pem = leaf.public_bytes()
    assert isinstance(pem, str) and pem.startswith("-----BEGIN CERTIFICATE-----\n")
    assert pem.endswith("-----END CERTIFICATE-----\n")
    assert leaf.public_bytes(PEM) == leaf.public_bytes(format=PEM) == pem
    der = leaf.public_bytes(format=DER)
    assert isinstance(der, bytes)
    assert der == pair.client.getpeercert(binary_form=True) == stdlib_ssl.PEM_cert_to_DER_cert(pem)
    assert ca.public_bytes(DER) == stdlib_ssl.PEM_cert_to_DER_cert(certs.ca_pem)
    assert ca.public_bytes() == stdlib_ssl.DER_cert_to_PEM_cert(ca.public_bytes(DER))


def test_certificate_get_info_like_stdlib(certs):
    infos = [chains(m, certs, "client")[0][0].get_info() for m in (sslx, stdlib_ssl)]
    assert infos[0] == infos[1]


def test_get_info_is_getpeercert(mod, certs):
    """A leaf's get_info() is the dict getpeercert() gives for it; the CA's
    describes the CA (issuer and subject the same)."""
    pair, (leaf, ca), (sent,) = server_chain(mod, certs)
    assert leaf.get_info() == sent.get_info() == pair.client.getpeercert()
    info = ca.get_info()
    assert info["subject"] == info["issuer"] == leaf.get_info()["issuer"]
    assert info == stdlib_ssl._ssl._test_decode_cert(certs.cafile)


# ---- equality, hash, repr ----

def test_equality_and_hash(mod, certs):
    """Equal when they are the same certificate (from another connection
    too), usable as dict keys and set members; another type is never equal."""
    _, (leaf, ca), (sent,) = server_chain(mod, certs)
    _, (leaf2, ca2), _ = server_chain(mod, certs)
    assert leaf == sent == leaf2 and ca == ca2
    assert not (leaf != leaf2) and leaf != ca
    assert hash(leaf) == hash(sent) == hash(leaf2)
    assert len({leaf, sent, leaf2, ca, ca2}) == 2
    assert {leaf: "leaf"}[leaf2] == "leaf"
    assert leaf.__eq__(leaf.public_bytes(DER)) is NotImplemented
    assert leaf != leaf.public_bytes(DER) and leaf != leaf.get_info()


def test_never_equal_to_the_other_modules_certificate(certs):
    ours = server_chain(sslx, certs)[1][0]
    theirs = server_chain(stdlib_ssl, certs)[1][0]
    assert ours.public_bytes(DER) == theirs.public_bytes(DER)
    assert ours != theirs and theirs != ours


def test_repr_names_the_subject(mod, certs):
    _, (leaf, ca), _ = server_chain(mod, certs)
    name = "sslx.Certificate" if mod is sslx else "_ssl.Certificate"
    for cert in (leaf, ca):
        text = repr(cert)
        assert text.startswith("<%s '" % name) and text.endswith("'>")
        subject = dict(rdn[0] for rdn in cert.get_info()["subject"])
        assert "O=%s" % subject["organizationName"] in text


# ---- lifetime ----

def test_certificates_outlive_their_connection(mod, certs):
    pair, verified, unverified = server_chain(mod, certs)
    expected = [c.public_bytes(DER) for c in verified]
    info = verified[0].get_info()
    ref = weakref.ref(pair.client)
    del pair
    gc.collect()
    assert ref() is None
    assert [c.public_bytes(DER) for c in verified] == expected
    assert verified[0].get_info() == info and unverified[0] == verified[0]


def test_client_certificate_in_the_servers_chain(mod, certs):
    client_ctx, server_ctx = make_contexts(mod, certs, client_cert=True,
                                           require_client_cert=True)
    pair = MemoryPair(mod, client_ctx, server_ctx).handshake()
    leaf, ca = pair.server._sslobj.get_verified_chain()
    assert leaf.public_bytes(DER) == pair.server.getpeercert(binary_form=True)
    assert dict(rdn[0] for rdn in leaf.get_info()["subject"])["commonName"] == "client"
    assert ca.public_bytes(DER) == stdlib_ssl.PEM_cert_to_DER_cert(certs.ca_pem)
