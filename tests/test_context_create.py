"""The context factories (context_create.c): create_default_context(),
_create_unverified_context() and their stdlib aliases, compared setting by
setting with the stdlib's; SSLKEYLOGFILE.
"""
import pytest

import sslx
from contexthelpers import SERVER_AUTH_OID, outcome, with_upstream_defaults


def factory_settings(ctx):
    return (int(ctx.options), int(ctx.verify_mode), int(ctx.verify_flags),
            int(ctx.minimum_version), int(ctx.maximum_version), ctx.check_hostname,
            int(ctx.protocol), ctx.cert_store_stats(), ctx.keylog_filename,
            ctx.get_ciphers())


# ---- create_default_context ----

def test_create_default_context_matches_stdlib(stdlib_ssl, certs, no_keylog_env):
    P = stdlib_ssl.Purpose
    calls = [((), {}), ((P.SERVER_AUTH,), {}), ((P.CLIENT_AUTH,), {}),
             ((), {"cafile": certs.cafile}), ((), {"cadata": certs.ca_pem}),
             ((P.CLIENT_AUTH,), {"cafile": certs.cafile}),
             ((), {"capath": certs.dir}), ((), {"cafile": ""})]
    for args, kwargs in calls:
        std = with_upstream_defaults(stdlib_ssl.create_default_context(*args, **kwargs))
        ours = sslx.create_default_context(*args, **kwargs)
        assert factory_settings(ours) == factory_settings(std), (args, kwargs)
        assert isinstance(ours, sslx.SSLContext)
    assert sslx._create_default_https_context is sslx.create_default_context


def test_create_default_context_errors(stdlib_ssl, certs, no_keylog_env):
    code_signing = stdlib_ssl._ASN1Object("1.3.6.1.5.5.7.3.3")
    for args, kwargs, exc in [((1,), {}, TypeError), (("x",), {}, TypeError),
                              ((code_signing,), {}, ValueError),
                              ((stdlib_ssl.Purpose.SERVER_AUTH, certs.cafile), {}, TypeError),
                              ((), {"cafile": "/nonexistent"}, FileNotFoundError)]:
        assert outcome(sslx.create_default_context, *args, **kwargs)[0] is exc
        assert outcome(stdlib_ssl.create_default_context, *args, **kwargs)[0] is exc
    with pytest.raises(TypeError) as info:
        sslx.create_default_context(42)
    assert info.value.args == (42,)


def test_create_default_context_any_oid_object(no_keylog_env):
    class P:
        oid = SERVER_AUTH_OID

    ctx = sslx.create_default_context(P())
    assert ctx.protocol == sslx.PROTOCOL_TLS_CLIENT and ctx.check_hostname


def test_sslkeylogfile(stdlib_ssl, tmp_path, monkeypatch):
    path = str(tmp_path / "env-keys.txt")
    monkeypatch.setenv("SSLKEYLOGFILE", path)
    assert sslx.create_default_context().keylog_filename == \
        stdlib_ssl.create_default_context().keylog_filename == path
    assert sslx._create_unverified_context().keylog_filename == path
    monkeypatch.setenv("SSLKEYLOGFILE", "")
    assert sslx.create_default_context().keylog_filename is None


# ---- _create_unverified_context ----

def test_create_unverified_context_matches_stdlib(stdlib_ssl, certs, no_keylog_env):
    P = stdlib_ssl.Purpose
    code_signing = stdlib_ssl._ASN1Object("1.3.6.1.5.5.7.3.3")
    calls = [((), {}), ((stdlib_ssl.PROTOCOL_TLS_SERVER,), {}),
             ((), {"cert_reqs": stdlib_ssl.CERT_REQUIRED}),
             ((), {"check_hostname": True}),
             ((), {"check_hostname": True, "cert_reqs": stdlib_ssl.CERT_REQUIRED}),
             ((), {"purpose": P.CLIENT_AUTH}), ((), {"purpose": code_signing}),
             ((stdlib_ssl.PROTOCOL_TLS_CLIENT,), {"purpose": code_signing}),
             ((), {"keyfile": "x"}), ((), {"certfile": certs.client_certfile}),
             ((), {"cafile": certs.cafile}), ((), {"cert_reqs": None}),
             ((), {"purpose": 1})]
    for args, kwargs in calls:
        a = outcome(stdlib_ssl._create_unverified_context, *args, **kwargs)
        if not isinstance(a[0], type):
            with_upstream_defaults(a[0])
        b = outcome(sslx._create_unverified_context, *args, **kwargs)
        if isinstance(a[0], type):
            assert b[0] is a[0], (args, kwargs)
        else:
            assert factory_settings(b[0]) == factory_settings(a[0]), (args, kwargs)
        assert b[1] == a[1]
    assert sslx._create_stdlib_context is sslx._create_unverified_context
