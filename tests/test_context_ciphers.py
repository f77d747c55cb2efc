"""What an SSLContext negotiates (context_ciphers.c): cipher suites, ECDH
curves, ALPN protocol lists (NPN is gone), and the session statistics.
What the server selects in a handshake is test_context_callbacks.py's.
Where the spec leaves a detail open, the outcome is compared with the
stdlib's.
"""
import sys

import pytest

import sslx
from contexthelpers import both, outcome, quiet


# ---- cipher suites ----

@pytest.mark.parametrize("spec", ["ALL", "DEFAULT", "AESGCM", "ECDHE+AESGCM:!ECDSA",
                                  "ALL:@SECLEVEL=0", "HIGH:!aNULL", "XXX", "",
                                  "TLS_AES_256_GCM_SHA384", "^$:,;?*'dorothyx"])
def test_ciphers_match_stdlib(stdlib_ssl, spec):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    a = outcome(std.set_ciphers, spec)[0]
    b = outcome(ours.set_ciphers, spec)[0]
    assert b == a
    assert ours.get_ciphers() == std.get_ciphers()


def test_set_ciphers_errors(client):
    with pytest.raises(sslx.SSLError, match="No cipher can be selected"):
        client.set_ciphers("RC4")
    with pytest.raises(TypeError):
        client.set_ciphers(1)
    with pytest.raises(ValueError):
        client.set_ciphers("A\0B")


# ---- curves ----

def test_ecdh_curves(stdlib_ssl, server):
    std = quiet(stdlib_ssl.SSLContext, stdlib_ssl.PROTOCOL_TLS_SERVER)
    for name in ("prime256v1", b"secp384r1", "X25519", "foo", b"foo", 1, None):
        if name == "X25519" and sys.version_info < (3, 11):
            continue   # the 3.10 stdlib only knows EC_KEY curves; sslx sets groups
        assert outcome(server.set_ecdh_curve, name)[0] == \
            outcome(std.set_ecdh_curve, name)[0], name
    server.set_ecdh_curve("X25519")
    with pytest.raises(ValueError, match="unknown elliptic curve name 'foo'"):
        server.set_ecdh_curve("foo")


# ---- ALPN, NPN ----

def test_alpn_validation_matches_stdlib(stdlib_ssl, client):
    std = quiet(stdlib_ssl.SSLContext, stdlib_ssl.PROTOCOL_TLS_CLIENT)
    for protocols in (["http/1.1", "h2"], [], ("a", "b"), iter(["a"]), "ab", ["x" * 255],
                      [""], ["x" * 256], [b"h2"], [1], ["\xe9"], None):
        a = outcome(std.set_alpn_protocols, protocols)[0]
        b = outcome(client.set_alpn_protocols, protocols)[0]
        assert b == a, protocols


def test_npn_is_not_implemented(client):
    with pytest.warns(DeprecationWarning, match="NPN"):
        with pytest.raises(NotImplementedError):
            client.set_npn_protocols(["http/1.1"])
    assert sslx.HAS_NPN is False


# ---- session statistics ----

def test_session_stats(stdlib_ssl, server):
    std = quiet(stdlib_ssl.SSLContext, stdlib_ssl.PROTOCOL_TLS_SERVER)
    assert server.session_stats() == std.session_stats()
    assert server.session_stats()["hits"] == 0
