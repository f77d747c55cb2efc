"""SSLContext, the type (context.c): construction, protocols, subclassing,
life cycle and garbage collection, the method table (keywords), and
configuration from many threads at once.

The other parts of SSLContext have their own files, as in the C sources:
test_context_attrs.py, test_context_wrap.py, test_context_load.py,
test_context_ciphers.py, test_context_callbacks.py, test_context_create.py
(and test_psk.py for context_psk.c).  Where the spec leaves a detail open,
each test runs the same operation on the stdlib's ssl and on sslx and
compares the outcomes.
"""
import gc
import sysconfig
import threading
import weakref

import pytest

import sslx
from contexthelpers import (PROTOCOL_NAMES, STDLIB_HAS_UPSTREAM_DEFAULTS, UPSTREAM_CIPHERS, both,
                            outcome)
from memhelpers import MemoryPair, make_contexts


def settings(ctx):
    """Everything observable on a fresh context, as plain values."""
    return {
        "options": int(ctx.options), "verify_mode": int(ctx.verify_mode),
        "verify_flags": int(ctx.verify_flags), "minimum_version": int(ctx.minimum_version),
        "maximum_version": int(ctx.maximum_version), "security_level": ctx.security_level,
        "check_hostname": ctx.check_hostname, "protocol": int(ctx.protocol),
        "post_handshake_auth": ctx.post_handshake_auth,
        "hostname_checks_common_name": ctx.hostname_checks_common_name,
        "num_tickets": ctx.num_tickets, "session_stats": ctx.session_stats(),
        "cert_store_stats": ctx.cert_store_stats(), "ciphers": ctx.get_ciphers(),
        "keylog_filename": ctx.keylog_filename,
    }


# ---- construction ----

@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_fresh_context_matches_stdlib(stdlib_ssl, name):
    std, ours = both(stdlib_ssl, name)
    assert settings(ours) == settings(std)


def test_defaults_are_upstream_cpythons():
    """sslx's default cipher string is upstream CPython's; an interpreter
    built without --with-ssl-default-suites carries the same one."""
    assert UPSTREAM_CIPHERS.startswith("@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:")
    if "--with-ssl-default-suites" not in (sysconfig.get_config_var("CONFIG_ARGS") or ""):
        assert STDLIB_HAS_UPSTREAM_DEFAULTS
    assert sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT).minimum_version == sslx.TLSVersion.TLSv1_2


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_constructor_warnings_match_stdlib(stdlib_ssl, name):
    std = outcome(stdlib_ssl.SSLContext, getattr(stdlib_ssl, name))[1]
    ours = outcome(sslx.SSLContext, getattr(sslx, name))[1]
    assert ours == std


def test_no_protocol_means_tls_with_deprecation(stdlib_ssl):
    ctx, caught = outcome(sslx.SSLContext)
    assert ctx.protocol == sslx.PROTOCOL_TLS
    assert isinstance(ctx.protocol, sslx._SSLMethod)
    assert caught == outcome(stdlib_ssl.SSLContext)[1]
    assert [c for c, _ in caught] == [DeprecationWarning, DeprecationWarning]


def test_protocol_keyword_and_enum(server):
    ctx = sslx.SSLContext(protocol=sslx.PROTOCOL_TLS_SERVER)
    assert ctx.protocol is sslx._SSLMethod.PROTOCOL_TLS_SERVER
    with pytest.raises(AttributeError):
        ctx.protocol = sslx.PROTOCOL_TLS_CLIENT


@pytest.mark.parametrize("bad, exc", [(42, ValueError), (-1, ValueError), (2**70, ValueError),
                                      ("x", TypeError), (1.5, TypeError)])
def test_bad_protocol(stdlib_ssl, bad, exc):
    assert outcome(sslx.SSLContext, bad)[0] is exc
    if bad != 2**70:  # the stdlib overflows there; sslx names it invalid
        assert outcome(stdlib_ssl.SSLContext, bad)[0] is exc


def test_client_protocol_verifies_and_checks_hostname(client, server):
    assert client.verify_mode is sslx.VerifyMode.CERT_REQUIRED
    assert client.check_hostname is True
    assert server.verify_mode is sslx.VerifyMode.CERT_NONE
    assert server.check_hostname is False


def test_subclass_with_own_init():
    class WithDict(sslx.SSLContext):
        def __init__(self, protocol, label, *, extra=None):
            self.label = label
            self.extra = extra

    ctx = WithDict(sslx.PROTOCOL_TLS_SERVER, "mine", extra=3)
    assert (ctx.label, ctx.extra) == ("mine", 3)
    assert isinstance(ctx, sslx.SSLContext)
    assert ctx.protocol == sslx.PROTOCOL_TLS_SERVER
    ctx.verify_mode = sslx.CERT_OPTIONAL
    assert ctx.verify_mode == sslx.CERT_OPTIONAL


# ---- life cycle ----

def test_context_is_weakly_referenceable_and_collected():
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    ref = weakref.ref(ctx)
    del ctx
    gc.collect()
    assert ref() is None


def test_sni_callback_cycle_is_collected():
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    ctx.sni_callback = lambda *args, _ctx=ctx: None   # ctx -> callback -> ctx
    ref = weakref.ref(ctx)
    del ctx
    gc.collect()
    assert ref() is None


# ---- the method table ----

def test_python_level_methods_take_keywords(mod, certs):
    """The methods the stdlib writes in Python take their arguments by
    keyword too, and what is set that way is what a handshake uses."""
    client_ctx, server_ctx = make_contexts(mod, certs)
    names = []
    server_ctx.set_alpn_protocols(alpn_protocols=["h2"])
    client_ctx.set_alpn_protocols(alpn_protocols=["http/1.1", "h2"])
    server_ctx.set_servername_callback(
        server_name_callback=lambda conn, name, ctx: names.append(name))
    pair = MemoryPair(mod, client_ctx, server_ctx).handshake()
    assert pair.client.selected_alpn_protocol() == pair.server.selected_alpn_protocol() == "h2"
    assert names == ["localhost"]
    server_ctx.set_servername_callback(server_name_callback=None)
    assert server_ctx.sni_callback is None
    if mod is sslx:     # the stdlib built without NPN trips over its own missing method
        with pytest.warns(DeprecationWarning):
            with pytest.raises(NotImplementedError):
                server_ctx.set_npn_protocols(npn_protocols=["h2"])


# ---- threads ----

def test_concurrent_configuration_does_not_crash(certs, tmp_path):
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.server_certfile)
    stop = threading.Event()
    errors = []

    def worker(step):
        try:
            while not stop.is_set():
                step()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    steps = [
        lambda: ctx.set_ciphers("HIGH:!aNULL"),
        lambda: ctx.get_ciphers(),
        lambda: ctx.set_alpn_protocols(["h2", "http/1.1"]),
        lambda: setattr(ctx, "verify_flags", sslx.VERIFY_CRL_CHECK_LEAF),
        lambda: setattr(ctx, "keylog_filename", str(tmp_path / "k")),
        lambda: setattr(ctx, "keylog_filename", None),
        lambda: ctx.load_verify_locations(cadata=certs.ca_pem),
        lambda: ctx.cert_store_stats(),
        lambda: ctx.load_cert_chain(certs.server_certfile),
        lambda: ctx.load_default_certs(),
    ]
    threads = [threading.Thread(target=worker, args=(s,)) for s in steps]
    for t in threads:
        t.start()
    stop.wait(0.5)
    stop.set()
    for t in threads:
        t.join(10)
    assert errors == []
    # Neither the CA loaded from cadata nor the defaults were lost.
    import ssl
    reference = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    reference.load_default_certs()
    reference.load_verify_locations(cadata=certs.ca_pem)
    assert ctx.cert_store_stats() == reference.cert_store_stats()
