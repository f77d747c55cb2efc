"""The shared trust-store cache: contexts that load the same CA file (or
the default paths) share one parsed store.  Nothing about it may be
visible: every outcome here is compared with the stdlib `ssl` doing the
same steps, and contexts that add CAs or CRLs after sharing must not change
what other contexts trust."""
import datetime
import os
import threading
import time

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

import sslx

from memhelpers import MemoryPair


def server_ctx(mod, certfile):
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile)
    return ctx


def outcome(mod, client_ctx, certfile):
    """'ok', or the client's error as (class name, verify_code)."""
    errors = MemoryPair(mod, client_ctx, server_ctx(mod, certfile)).handshake_outcome()
    exc = errors["client"]
    if exc is None:
        return "ok"
    return type(exc).__name__, getattr(exc, "verify_code", None)


def client(mod, **load):
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    if load:
        ctx.load_verify_locations(**load)
    return ctx


def view(ctx):
    return ctx.cert_store_stats(), ctx.get_ca_certs(), ctx.get_ca_certs(True)


@pytest.fixture
def pki(tmp_path):
    """Two CAs with a server each, a CRL of the first revoking its server,
    and CA files combining them."""
    ca, other = trustme.CA(), trustme.CA()
    good = ca.issue_cert("localhost")
    foreign = other.issue_cert("localhost")

    class P:
        pass

    p = P()
    p.dir = tmp_path
    p.ca, p.other = ca, other
    p.server = str(tmp_path / "server.pem")
    good.private_key_and_cert_chain_pem.write_to_path(p.server)
    p.foreign_server = str(tmp_path / "foreign.pem")
    foreign.private_key_and_cert_chain_pem.write_to_path(p.foreign_server)
    p.cafile = str(tmp_path / "ca.pem")
    ca.cert_pem.write_to_path(p.cafile)
    p.other_pem = other.cert_pem.bytes().decode("ascii")
    p.crlfile = str(tmp_path / "ca-crl.pem")
    with open(p.crlfile, "wb") as f:
        f.write(ca.cert_pem.bytes() + crl_pem(ca, good))
    return p


def crl_pem(ca, leaf):
    """A CRL signed by `ca` that revokes `leaf`'s certificate."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), None)
    leaf_cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    now = datetime.datetime.now(datetime.timezone.utc)
    revoked = (x509.RevokedCertificateBuilder().serial_number(leaf_cert.serial_number)
               .revocation_date(now - datetime.timedelta(hours=1)).build())
    crl = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
           .last_update(now - datetime.timedelta(hours=1))
           .next_update(now + datetime.timedelta(days=3650))
           .add_revoked_certificate(revoked).sign(ca_key, hashes.SHA256()))
    return crl.public_bytes(serialization.Encoding.PEM)


def both(stdlib_ssl):
    return (stdlib_ssl, sslx)


def test_shared_file_same_view_and_outcomes(pki, stdlib_ssl):
    for mod in both(stdlib_ssl):
        first, second = client(mod, cafile=pki.cafile), client(mod, cafile=pki.cafile)
        assert view(first) == view(second)
    std, ours = client(stdlib_ssl, cafile=pki.cafile), client(sslx, cafile=pki.cafile)
    assert view(ours) == view(std)
    for certfile in (pki.server, pki.foreign_server):
        assert outcome(sslx, client(sslx, cafile=pki.cafile), certfile) == \
            outcome(stdlib_ssl, client(stdlib_ssl, cafile=pki.cafile), certfile)
    assert outcome(sslx, client(sslx, cafile=pki.cafile), pki.server) == "ok"


def test_adding_cas_after_sharing_is_private(pki, stdlib_ssl):
    views = {}
    for mod in both(stdlib_ssl):
        adder, bystander = client(mod, cafile=pki.cafile), client(mod, cafile=pki.cafile)
        adder.load_verify_locations(cadata=pki.other_pem)
        views[mod.__name__] = (view(adder), view(bystander),
                               outcome(mod, adder, pki.foreign_server),
                               outcome(mod, bystander, pki.foreign_server),
                               view(client(mod, cafile=pki.cafile)))
    assert views["sslx"] == views["ssl"]
    adder_view, bystander_view, adder_out, bystander_out, later_view = views["sslx"]
    assert adder_out == "ok" and bystander_out != "ok"
    assert adder_view[0]["x509_ca"] == bystander_view[0]["x509_ca"] + 1
    assert later_view == bystander_view


def test_second_file_and_default_paths_merge_like_stdlib(pki, stdlib_ssl, tmp_path):
    other_file = str(tmp_path / "other.pem")
    pki.other.cert_pem.write_to_path(other_file)
    views = {}
    for mod in both(stdlib_ssl):
        two = client(mod, cafile=pki.cafile)
        two.load_verify_locations(cafile=other_file)
        defaults_then_file = mod.create_default_context()
        defaults_then_file.load_verify_locations(cafile=pki.cafile)
        file_then_defaults = client(mod, cafile=pki.cafile)
        file_then_defaults.load_default_certs()
        views[mod.__name__] = (view(two), outcome(mod, two, pki.foreign_server),
                               outcome(mod, two, pki.server),
                               view(defaults_then_file), view(file_then_defaults),
                               view(client(mod, cafile=other_file)),
                               view(mod.create_default_context()))
    assert views["sslx"] == views["ssl"]
    assert views["sslx"][1] == views["sslx"][2] == "ok"


def test_crl_checks_and_verify_flags_isolated(pki, stdlib_ssl):
    results = {}
    for mod in both(stdlib_ssl):
        checking, plain = client(mod, cafile=pki.crlfile), client(mod, cafile=pki.crlfile)
        checking.verify_flags |= mod.VERIFY_CRL_CHECK_LEAF
        results[mod.__name__] = (int(checking.verify_flags), int(plain.verify_flags),
                                 view(checking), outcome(mod, checking, pki.server),
                                 outcome(mod, plain, pki.server))
    assert results["sslx"] == results["ssl"]
    stats = results["sslx"][2][0]
    assert stats["crl"] == 1
    assert results["sslx"][3] == ("SSLCertVerificationError", 23)   # revoked
    assert results["sslx"][4] == "ok"


def test_crl_added_after_sharing_stays_private(pki, stdlib_ssl):
    results = {}
    for mod in both(stdlib_ssl):
        adder, bystander = client(mod, cafile=pki.cafile), client(mod, cafile=pki.cafile)
        adder.load_verify_locations(cafile=pki.crlfile)
        for ctx in (adder, bystander):
            ctx.verify_flags |= mod.VERIFY_CRL_CHECK_LEAF
        results[mod.__name__] = (view(adder), view(bystander),
                                 outcome(mod, adder, pki.server),
                                 outcome(mod, bystander, pki.server))
    assert results["sslx"] == results["ssl"]
    assert results["sslx"][0][0]["crl"] == 1 and results["sslx"][1][0]["crl"] == 0
    # The bystander has no CRL at all: with CRL checking on, that fails
    # differently (unable to get CRL, 3) from a revocation (23).
    assert results["sslx"][2] == ("SSLCertVerificationError", 23)
    assert results["sslx"][3] == ("SSLCertVerificationError", 3)


def rewrite(path, data):
    """Replace the file's contents; make sure its modification time moves
    even on coarse-grained file systems."""
    before = os.stat(path).st_mtime_ns
    with open(path, "wb") as f:
        f.write(data)
    if os.stat(path).st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_changed_file_is_parsed_again(pki, stdlib_ssl, tmp_path):
    path = str(tmp_path / "changing.pem")
    results = {}
    for mod in both(stdlib_ssl):
        with open(path, "wb") as f:
            f.write(pki.ca.cert_pem.bytes())
        old = client(mod, cafile=path)
        rewrite(path, pki.other.cert_pem.bytes())
        new = client(mod, cafile=path)
        results[mod.__name__] = (view(old), view(new), outcome(mod, old, pki.server),
                                 outcome(mod, new, pki.server),
                                 outcome(mod, new, pki.foreign_server))
    assert results["sslx"] == results["ssl"]
    assert results["sslx"][0] != results["sslx"][1]
    assert results["sslx"][2] == "ok" and results["sslx"][4] == "ok"


def test_same_size_rewrite_is_noticed(pki, tmp_path):
    # Same length, different bytes: only the modification time tells.
    path = str(tmp_path / "same-size.pem")
    a, b = pki.ca.cert_pem.bytes(), pki.other.cert_pem.bytes()
    if len(a) != len(b):
        pytest.skip("the two CA certificates differ in length")
    with open(path, "wb") as f:
        f.write(a)
    before = view(client(sslx, cafile=path))
    rewrite(path, b)
    assert view(client(sslx, cafile=path)) != before


def same_size_pems(pki):
    """The two CA certificates as PEM files' contents of equal length (text
    after the END line is ignored by PEM readers)."""
    a, b = pki.ca.cert_pem.bytes(), pki.other.cert_pem.bytes()
    n = max(len(a), len(b))
    return a + b"#" * (n - len(a)), b + b"#" * (n - len(b))


def rewrite_keeping_mtime(path, data):
    """What `cp -p`, `rsync -t` and `tar` do: new contents in place, the old
    modification time put back."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_mtime_ns == st.st_mtime_ns


def trusts(ctx, pki):
    """Which of the two servers a client context accepts."""
    return (outcome(sslx, ctx, pki.server) == "ok",
            outcome(sslx, ctx, pki.foreign_server) == "ok")


def settle(path):
    """Wait until the file's status-change time lies more than the cache's
    settling time (2 s) in the past."""
    while time.time() - os.stat(path).st_ctime <= 2.5:
        time.sleep(0.1)


def test_settled_file_is_parsed_once(pki, tmp_path):
    path = str(tmp_path / "settled.pem")
    with open(path, "wb") as f:
        f.write(pki.ca.cert_pem.bytes())
    settle(path)
    client(sslx, cafile=path)
    before = sslx._sslx._truststore_parses()
    for _ in range(3):
        assert trusts(client(sslx, cafile=path), pki) == (True, False)
    assert sslx._sslx._truststore_parses() == before


def test_rewrite_with_restored_mtime_is_noticed(pki, tmp_path):
    # The red team's stale-trust case: a cached CA file rewritten in place
    # with the same size and its old mtime must not keep its old trust.
    path = str(tmp_path / "restored.pem")
    first, second = same_size_pems(pki)
    with open(path, "wb") as f:
        f.write(first)
    settle(path)
    assert trusts(client(sslx, cafile=path), pki) == (True, False)
    rewrite_keeping_mtime(path, second)
    assert trusts(client(sslx, cafile=path), pki) == (False, True)


def test_fresh_file_is_not_trusted_from_the_cache(pki, tmp_path):
    # Rewritten within the same clock tick as it was read, a file may keep
    # even its ctime: a file changed in the last seconds is parsed anew.
    path = str(tmp_path / "fresh.pem")
    first, second = same_size_pems(pki)
    with open(path, "wb") as f:
        f.write(first)
    for expected, data in (((True, False), second), ((False, True), first),
                           ((True, False), second)):
        assert trusts(client(sslx, cafile=path), pki) == expected
        rewrite_keeping_mtime(path, data)


def test_errors_match_stdlib(pki, stdlib_ssl, tmp_path):
    garbage = str(tmp_path / "garbage.pem")
    with open(garbage, "w") as f:
        f.write("not a certificate\n")
    missing = str(tmp_path / "missing.pem")
    became_bad = str(tmp_path / "became-bad.pem")
    for path in (garbage, missing, became_bad):
        got = {}
        for mod in both(stdlib_ssl):
            if path == became_bad:
                with open(path, "wb") as f:
                    f.write(pki.ca.cert_pem.bytes())
                client(mod, cafile=path)
                rewrite(path, b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            with pytest.raises(Exception) as info:
                client(mod, cafile=path)
            exc = info.value
            got[mod.__name__] = (type(exc).__name__, getattr(exc, "errno", None),
                                 getattr(exc, "reason", None))
        assert got["sslx"] == got["ssl"], path


def views_from_threads(make_context):
    """view() of make_context()'s contexts, 5 from each of 8 threads
    started together; any exception fails the test."""
    barrier = threading.Barrier(8)
    views, errors = [], []

    def worker():
        try:
            barrier.wait(10)
            for _ in range(5):
                views.append(view(make_context()))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(views) == 40
    return views


def test_many_threads_share_one_file(pki):
    views = views_from_threads(lambda: client(sslx, cafile=pki.crlfile))
    assert all(v == views[0] for v in views)


def test_system_bundle_is_parsed_once(stdlib_ssl):
    # The system bundle is an old file: once parsed, loading it again (by
    # path or as the default paths) is served from the cache.
    bundle = stdlib_ssl.get_default_verify_paths().cafile
    if not bundle or not os.path.exists(bundle):
        pytest.skip("no system CA bundle")
    client(sslx, cafile=bundle)
    sslx.create_default_context()
    before = sslx._sslx._truststore_parses()
    for _ in range(10):
        client(sslx, cafile=bundle)
        sslx.create_default_context()
    assert sslx._sslx._truststore_parses() == before


def test_many_threads_share_the_default_store(stdlib_ssl):
    expected = view(stdlib_ssl.create_default_context())
    views = views_from_threads(sslx.create_default_context)
    assert all(v == expected for v in views)
