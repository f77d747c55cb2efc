"""SSLContext: construction, attributes, loading, factories, callbacks.

Where the spec leaves a detail open, each test runs the same operation on
the stdlib's ssl and on sslx and compares the outcomes.
"""
import errno
import gc
import os
import pathlib
import socket
import sys
import threading
import warnings
import weakref

import pytest
from cryptography.hazmat.primitives import serialization

import sslx
from memhelpers import MemoryPair, handshake_errors

STDLIB_PROTOCOL_NAMES = ["PROTOCOL_TLS", "PROTOCOL_TLS_CLIENT", "PROTOCOL_TLS_SERVER",
                         "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1", "PROTOCOL_TLSv1_2"]
PROTOCOL_NAMES = [n for n in STDLIB_PROTOCOL_NAMES if hasattr(sslx, n)]
SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1"


def outcome(func, *args, **kwargs):
    """(result or exception type, warnings as (category, message))."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - compared, not swallowed
            result = type(exc)
    return result, [(w.category, str(w.message)) for w in caught]


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return func(*args, **kwargs)


def both(stdlib_ssl, protocol_name):
    """A context of each module for the same protocol."""
    return (quiet(stdlib_ssl.SSLContext, getattr(stdlib_ssl, protocol_name)),
            quiet(sslx.SSLContext, getattr(sslx, protocol_name)))


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


@pytest.fixture
def client():
    return sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)


@pytest.fixture
def server():
    return sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)


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


# ---- construction ----

@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_fresh_context_matches_stdlib(stdlib_ssl, name):
    std, ours = both(stdlib_ssl, name)
    assert settings(ours) == settings(std)


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


# ---- verify_mode / check_hostname ----

def test_verify_mode_values(stdlib_ssl, server):
    for mode in (sslx.CERT_OPTIONAL, sslx.CERT_REQUIRED, sslx.CERT_NONE, True):
        server.verify_mode = mode
        assert server.verify_mode == mode
        assert isinstance(server.verify_mode, sslx.VerifyMode)
    for bad in (None, 42, 1.0):
        std = quiet(stdlib_ssl.SSLContext, stdlib_ssl.PROTOCOL_TLS_SERVER)
        assert outcome(setattr, server, "verify_mode", bad)[0] is \
            outcome(setattr, std, "verify_mode", bad)[0]
    with pytest.raises(AttributeError):
        del server.verify_mode


def test_check_hostname_moves_verify_mode(server):
    server.check_hostname = True
    assert server.verify_mode == sslx.CERT_REQUIRED
    with pytest.raises(ValueError, match="check_hostname is enabled"):
        server.verify_mode = sslx.CERT_NONE
    server.verify_mode = sslx.CERT_OPTIONAL
    server.check_hostname = False
    server.check_hostname = True
    assert server.verify_mode == sslx.CERT_OPTIONAL   # only CERT_NONE is moved
    server.check_hostname = False
    server.verify_mode = sslx.CERT_NONE
    assert server.verify_mode == sslx.CERT_NONE


def test_check_hostname_truthiness(client):
    client.check_hostname = None
    assert client.check_hostname is False
    client.check_hostname = "yes"
    assert client.check_hostname is True

    class Bad:
        def __bool__(self):
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        client.check_hostname = Bad()
    with pytest.raises(AttributeError):
        del client.check_hostname


# ---- options ----

def test_options_default_and_deprecation(stdlib_ssl):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    assert isinstance(ours.options, sslx.Options)
    for value in (ours.options | sslx.OP_NO_TLSv1, ours.options, ours.options | sslx.OP_NO_TICKET,
                  ours.options & ~sslx.OP_NO_SSLv3, 0, -1, 2**63):
        a = outcome(setattr, std, "options", int(value))
        b = outcome(setattr, ours, "options", int(value))
        assert b == a, value    # -1: accepted before 3.12, OverflowError after
        assert int(ours.options) == int(std.options)


def test_options_warning_only_for_newly_set_version_bits(client):
    with pytest.warns(DeprecationWarning, match="OP_NO_SSL"):
        client.options |= sslx.OP_NO_TLSv1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.options = client.options            # nothing new
        client.options &= ~sslx.OP_NO_TLSv1         # clearing
    assert not client.options & sslx.OP_NO_TLSv1


@pytest.mark.parametrize("bad, exc", [("x", TypeError), (1.0, TypeError),
                                      (2**64, OverflowError), (2**70, OverflowError)])
def test_options_bad_values(stdlib_ssl, bad, exc):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    assert outcome(setattr, ours, "options", bad)[0] is exc
    assert outcome(setattr, std, "options", bad)[0] is exc


# ---- verify_flags ----

def test_verify_flags(stdlib_ssl):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    assert ours.verify_flags == sslx.VERIFY_X509_TRUSTED_FIRST == std.verify_flags
    for flags in (sslx.VERIFY_CRL_CHECK_LEAF, sslx.VERIFY_CRL_CHECK_CHAIN,
                  sslx.VERIFY_X509_STRICT | sslx.VERIFY_X509_PARTIAL_CHAIN,
                  sslx.VERIFY_DEFAULT):
        ours.verify_flags = flags
        std.verify_flags = int(flags)
        assert int(ours.verify_flags) == int(std.verify_flags) == int(flags)
        assert isinstance(ours.verify_flags, sslx.VerifyFlags)
    for bad in ("x", None, 1.0):
        assert outcome(setattr, ours, "verify_flags", bad)[0] is TypeError
        assert outcome(setattr, std, "verify_flags", bad)[0] is TypeError


def test_verify_flags_are_per_context_not_per_store(certs, client):
    client.load_verify_locations(cadata=certs.ca_pem)
    other = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    client.verify_flags = sslx.VERIFY_CRL_CHECK_CHAIN
    assert other.verify_flags == sslx.VERIFY_X509_TRUSTED_FIRST


# ---- minimum_version / maximum_version ----

VERSION_VALUES = [-2, -1, 0x300, 0x301, 0x302, 0x303, 0x304]


@pytest.mark.parametrize("attr", ["minimum_version", "maximum_version"])
@pytest.mark.parametrize("value", VERSION_VALUES + [42, 0x305, 0xFEFF, None, "x"])
def test_version_bounds_match_stdlib(stdlib_ssl, attr, value):
    std, ours = both(stdlib_ssl, "PROTOCOL_TLS_CLIENT")
    a = outcome(setattr, std, attr, value)
    b = outcome(setattr, ours, attr, value)
    assert (b[0], b[1]) == (a[0], a[1])
    assert int(getattr(ours, attr)) == int(getattr(std, attr))
    assert int(ours.options) == int(std.options)   # SSLv3 minimum lifts OP_NO_SSLv3
    assert isinstance(getattr(ours, attr), sslx.TLSVersion)


@pytest.mark.parametrize("name", [n for n in PROTOCOL_NAMES if n.startswith("PROTOCOL_TLSv")])
def test_fixed_version_protocols_refuse_bounds(stdlib_ssl, name):
    std, ours = both(stdlib_ssl, name)
    for attr in ("minimum_version", "maximum_version"):
        assert getattr(ours, attr) == getattr(std, attr)
        with pytest.raises(ValueError, match="doesn't support modification"):
            setattr(ours, attr, sslx.TLSVersion.TLSv1_2)


# ---- read-only and simple attributes ----

def test_security_level_read_only(stdlib_ssl, client):
    assert client.security_level == quiet(stdlib_ssl.SSLContext,
                                          stdlib_ssl.PROTOCOL_TLS_CLIENT).security_level
    with pytest.raises(AttributeError):
        client.security_level = 1
    client.set_ciphers("DEFAULT:@SECLEVEL=1")
    assert client.security_level == 1


def test_num_tickets(stdlib_ssl, server, client):
    assert server.num_tickets == 2
    server.num_tickets = 0
    assert server.num_tickets == 0
    server.num_tickets = True
    assert server.num_tickets == 1
    with pytest.raises(ValueError, match="non-negative"):
        server.num_tickets = -1
    with pytest.raises(TypeError):
        server.num_tickets = None
    with pytest.raises(ValueError, match="not a server context"):
        client.num_tickets = 1
    assert client.num_tickets == quiet(stdlib_ssl.SSLContext,
                                       stdlib_ssl.PROTOCOL_TLS_CLIENT).num_tickets


def test_post_handshake_auth(client):
    assert client.post_handshake_auth is False
    client.post_handshake_auth = 1
    assert client.post_handshake_auth is True
    client.post_handshake_auth = None
    assert client.post_handshake_auth is False
    with pytest.raises(AttributeError):
        del client.post_handshake_auth


def test_hostname_checks_common_name(client):
    assert client.hostname_checks_common_name is True
    client.hostname_checks_common_name = False
    assert client.hostname_checks_common_name is False
    client.hostname_checks_common_name = True
    assert client.hostname_checks_common_name is True


def test_connection_classes_default_and_settable(client):
    st_socket = client.sslsocket_class
    st_object = client.sslobject_class
    assert st_socket is getattr(sslx, "SSLSocket", None)
    assert st_object is getattr(sslx, "SSLObject", None)

    class Custom:
        pass

    client.sslsocket_class = Custom
    client.sslobject_class = Custom
    assert client.sslsocket_class is Custom and client.sslobject_class is Custom
    assert sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT).sslsocket_class is st_socket
    with pytest.raises(AttributeError):
        del client.sslsocket_class


# ---- SNI callback registration ----

def test_sni_callback_registration(server, client):
    def cb(conn, name, ctx):
        return None

    assert server.sni_callback is None
    server.sni_callback = cb
    assert server.sni_callback is cb
    server.sni_callback = None
    assert server.sni_callback is None
    with pytest.raises(TypeError, match="not a callable"):
        server.sni_callback = 42
    with pytest.raises(ValueError, match="TLS_CLIENT"):
        client.sni_callback = cb
    with pytest.raises(ValueError, match="TLS_CLIENT"):
        client.sni_callback = None
    server.set_servername_callback(cb)
    assert server.sni_callback is cb
    server.set_servername_callback(None)
    assert server.sni_callback is None
    with pytest.raises(TypeError, match="not a callable"):
        client.set_servername_callback(1)
    with pytest.raises(ValueError, match="TLS_CLIENT"):
        client.set_servername_callback(cb)


# ---- keylog_filename ----

def test_keylog_filename(tmp_path, client):
    path = tmp_path / "keys.txt"
    client.keylog_filename = str(path)
    assert client.keylog_filename == str(path)
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("#")
    # Re-opening appends (no second header on a non-empty file).
    client.keylog_filename = path
    assert client.keylog_filename == path
    assert len(path.read_text().splitlines()) == 1
    client.keylog_filename = None
    assert client.keylog_filename is None


def test_keylog_appends_to_existing_file(tmp_path, client):
    path = tmp_path / "existing.txt"
    path.write_text("earlier line\n")
    client.keylog_filename = os.fsencode(path)
    assert client.keylog_filename == os.fsencode(path)
    assert path.read_text() == "earlier line\n"


def test_keylog_errors(stdlib_ssl, tmp_path, client):
    with pytest.raises(TypeError):
        client.keylog_filename = 1
    with pytest.raises(FileNotFoundError) as info:
        client.keylog_filename = str(tmp_path / "missing" / "keys")
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == str(tmp_path / "missing" / "keys")
    assert client.keylog_filename is None
    with pytest.raises(AttributeError):
        del client.keylog_filename   # the stdlib crashes here; sslx refuses


def test_keylog_file_not_inherited(tmp_path, client):
    client.keylog_filename = str(tmp_path / "k")
    fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    for fd in fds:
        try:
            target = os.readlink("/proc/self/fd/%d" % fd)
        except OSError:
            continue
        if target == str(tmp_path / "k"):
            assert not os.get_inheritable(fd)
            break
    else:
        pytest.fail("keylog file not open")


# ---- load_cert_chain ----

def test_load_cert_chain(certs, client, server):
    server.load_cert_chain(certs.server_certfile)
    server.load_cert_chain(certs.server_chainfile, certs.server_keyfile)
    server.load_cert_chain(certfile=pathlib.Path(certs.server_chainfile),
                           keyfile=os.fsencode(certs.server_keyfile))
    client.load_cert_chain(certs.client_certfile)


@pytest.mark.parametrize("password", ["secret", b"secret", bytearray(b"secret"),
                                      lambda: "secret", lambda: b"secret",
                                      lambda: bytearray(b"secret")])
def test_load_cert_chain_passwords(encrypted_key, server, password):
    certfile, keyfile = encrypted_key
    server.load_cert_chain(certfile, keyfile, password=password)


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
    for bad in (1, "x", None):
        assert outcome(ours.load_default_certs, bad)[0] is TypeError
        assert outcome(std.load_default_certs, bad)[0] is TypeError


def test_load_default_certs_accepts_any_oid_object(client):
    class P:
        oid = SERVER_AUTH_OID

    client.load_default_certs(P())
    client.load_default_certs(purpose=P())


# ---- ciphers, curves, DH, ALPN, NPN, stats ----

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


def test_session_stats(stdlib_ssl, server):
    std = quiet(stdlib_ssl.SSLContext, stdlib_ssl.PROTOCOL_TLS_SERVER)
    assert server.session_stats() == std.session_stats()
    assert server.session_stats()["hits"] == 0


# ---- wrap_socket / wrap_bio validation ----

def memory_bio():
    """sslx's MemoryBIO, or the stdlib's (which wrap_bio accepts too)."""
    import ssl
    return getattr(sslx, "MemoryBIO", ssl.MemoryBIO)()


def test_wrap_validation(client, server):
    bio_in, bio_out = memory_bio(), memory_bio()
    with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
        client.wrap_bio(bio_in, bio_out)
    with pytest.raises(ValueError, match="only be specified in client mode"):
        server.wrap_bio(bio_in, bio_out, server_side=True, server_hostname="x")
    with pytest.raises(sslx.SSLError, match="PROTOCOL_TLS_CLIENT"):
        client.wrap_bio(bio_in, bio_out, server_side=True)
    with socket.socket() as sock:
        with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
            client.wrap_socket(sock)
        with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
            client.wrap_socket(sock, server_hostname="")
        with pytest.raises(ValueError, match="only be specified in client mode"):
            server.wrap_socket(sock, server_side=True, server_hostname="x")


def test_wrap_session_type(client):
    with pytest.raises(TypeError, match="SSLSession"):
        client.wrap_bio(memory_bio(), memory_bio(), server_hostname="x", session=1)


# ---- create_default_context and friends ----

def factory_settings(ctx):
    return (int(ctx.options), int(ctx.verify_mode), int(ctx.verify_flags),
            int(ctx.minimum_version), int(ctx.maximum_version), ctx.check_hostname,
            int(ctx.protocol), ctx.cert_store_stats(), ctx.keylog_filename,
            ctx.get_ciphers())


@pytest.fixture
def no_keylog_env(monkeypatch):
    monkeypatch.delenv("SSLKEYLOGFILE", raising=False)


def test_create_default_context_matches_stdlib(stdlib_ssl, certs, no_keylog_env):
    P = stdlib_ssl.Purpose
    calls = [((), {}), ((P.SERVER_AUTH,), {}), ((P.CLIENT_AUTH,), {}),
             ((), {"cafile": certs.cafile}), ((), {"cadata": certs.ca_pem}),
             ((P.CLIENT_AUTH,), {"cafile": certs.cafile}),
             ((), {"capath": certs.dir}), ((), {"cafile": ""})]
    for args, kwargs in calls:
        std = stdlib_ssl.create_default_context(*args, **kwargs)
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
        b = outcome(sslx._create_unverified_context, *args, **kwargs)
        if isinstance(a[0], type):
            assert b[0] is a[0], (args, kwargs)
        else:
            assert factory_settings(b[0]) == factory_settings(a[0]), (args, kwargs)
        assert b[1] == a[1]
    assert sslx._create_stdlib_context is sslx._create_unverified_context


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


# ---- callbacks in a handshake (need the connection engine) ----



def pump(client_ctx, server_ctx, server_hostname="localhost"):
    """Drive both ends over MemoryBIOs until both finished or failed.
    Returns (client, server, client_error, server_error)."""
    pair, client_error, server_error = handshake_errors(sslx, client_ctx, server_ctx,
                                                        server_hostname=server_hostname)
    return pair.client, pair.server, client_error, server_error


def handshake(client_ctx, server_ctx, server_hostname="localhost"):
    pair = MemoryPair(sslx, client_ctx, server_ctx, server_hostname=server_hostname).handshake()
    return pair.client, pair.server


def contexts(certs):
    client_ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(certs.cafile)
    server_ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certs.server_certfile)
    return client_ctx, server_ctx


def test_sni_callback_in_handshake(certs):
    client_ctx, server_ctx = contexts(certs)
    seen = []
    server_ctx.sni_callback = lambda conn, name, ctx: seen.append((conn, name, ctx))
    cli, srv = handshake(client_ctx, server_ctx, "xn--bcher-kva.example")
    assert seen == [(srv, "xn--bcher-kva.example", server_ctx)]
    seen.clear()
    server_ctx.set_servername_callback(lambda conn, name, ctx: seen.append(name))
    handshake(client_ctx, server_ctx, "xn--bcher-kva.example")
    assert seen == ["b\xfccher.example"]


def test_sni_callback_alert_and_exception(certs):
    client_ctx, server_ctx = contexts(certs)
    server_ctx.sni_callback = lambda *a: sslx.ALERT_DESCRIPTION_ACCESS_DENIED
    cerr = pump(client_ctx, server_ctx)[2]
    assert cerr is not None and cerr.reason == "TLSV1_ALERT_ACCESS_DENIED"
    hooked = []
    old, sys.unraisablehook = sys.unraisablehook, hooked.append
    try:
        server_ctx.sni_callback = lambda *a: 1 / 0
        cerr = pump(client_ctx, server_ctx)[2]
        assert cerr is not None and cerr.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE"
        assert [h.exc_type for h in hooked] == [ZeroDivisionError]
        hooked.clear()
        server_ctx.sni_callback = lambda *a: "not an alert"
        cerr = pump(client_ctx, server_ctx)[2]
        assert cerr is not None and cerr.reason == "TLSV1_ALERT_INTERNAL_ERROR"
        assert [h.exc_type for h in hooked] == [TypeError]
    finally:
        sys.unraisablehook = old


def test_sni_callback_switches_context(certs, other_ca, tmp_path):
    client_ctx, server_ctx = contexts(certs)
    # The context the callback installs answers with its own certificate.
    other_ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    other_cert = tmp_path / "other.pem"
    other_ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(
        str(other_cert))
    other_ctx.load_cert_chain(str(other_cert))

    def switch(conn, name, ctx):
        conn.context = other_ctx

    server_ctx.sni_callback = switch
    cerr = pump(client_ctx, server_ctx)[2]
    assert isinstance(cerr, sslx.SSLCertVerificationError)   # other_ca is not trusted


def test_alpn_selection(certs):
    client_ctx, server_ctx = contexts(certs)
    client_ctx.set_alpn_protocols(["foo", "http/1.1", "h2"])
    server_ctx.set_alpn_protocols(["h2", "http/1.1"])
    cli, srv = handshake(client_ctx, server_ctx)
    assert cli.selected_alpn_protocol() == srv.selected_alpn_protocol() == "h2"
    server_ctx.set_alpn_protocols(["spdy"])
    cli, srv = handshake(client_ctx, server_ctx)
    assert cli.selected_alpn_protocol() is None


def test_keylog_lines_written(certs, tmp_path):
    client_ctx, server_ctx = contexts(certs)
    path = tmp_path / "keys"
    client_ctx.keylog_filename = str(path)
    handshake(client_ctx, server_ctx)
    lines = path.read_text().splitlines()
    assert len(lines) > 1
    assert any(line.startswith("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") for line in lines)


# ---- _msg_callback ----

def test_msg_callback_registration(client):
    def cb(conn, direction, version, content_type, msg_type, data):
        pass

    assert client._msg_callback is None
    client._msg_callback = cb
    assert client._msg_callback is cb
    with pytest.raises(TypeError, match="not callable"):
        client._msg_callback = object()
    client._msg_callback = None
    assert client._msg_callback is None


def stdlib_pump(stdlib_ssl, client_ctx, server_ctx):
    pair = MemoryPair(stdlib_ssl, client_ctx, server_ctx).handshake()
    return pair.client, pair.server


def test_msg_callback_messages_match_stdlib(stdlib_ssl, certs):
    def trace(module, pumper):
        seen = []

        def cb(conn, direction, version, content_type, msg_type, data):
            assert isinstance(data, bytes)
            seen.append((direction, int(version), int(content_type), int(msg_type)))

        client_ctx = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
        client_ctx.load_verify_locations(certs.cafile)
        client_ctx.maximum_version = module.TLSVersion.TLSv1_2
        client_ctx._msg_callback = cb
        server_ctx = module.SSLContext(module.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(certs.server_certfile)
        pumper(client_ctx, server_ctx)
        return seen

    ours = trace(sslx, handshake)
    std = trace(stdlib_ssl, lambda c, s: stdlib_pump(stdlib_ssl, c, s))
    assert set(ours) == set(std)
    assert ("read", 0x303, 22, 12) in ours          # ServerKeyExchange
    assert ("write", 0x303, 20, 0x0101) in ours     # ChangeCipherSpec


def test_post_handshake_auth_defers_certificate_request(certs):
    client_ctx, server_ctx = contexts(certs)
    server_ctx.verify_mode = sslx.CERT_REQUIRED
    server_ctx.load_verify_locations(certs.cafile)
    # The client has no certificate: asked during the handshake, it fails.
    cli, srv, cerr, serr = pump(client_ctx, server_ctx)
    assert serr is not None
    # With post-handshake auth on both sides the request is deferred.
    client_ctx.post_handshake_auth = True
    server_ctx.post_handshake_auth = True
    cli, srv, cerr, serr = pump(client_ctx, server_ctx)
    assert (cerr, serr) == (None, None)
    assert srv.getpeercert() is None


def test_python_level_methods_take_keywords(server):
    server.set_alpn_protocols(alpn_protocols=["h2"])
    server.set_servername_callback(server_name_callback=None)
    with pytest.warns(DeprecationWarning):
        with pytest.raises(NotImplementedError):
            server.set_npn_protocols(npn_protocols=["h2"])


def test_connection_class_from_subclass_attribute(certs):
    base = getattr(sslx, "SSLObject", object)

    class MyObject(base):
        pass

    class MyContext(sslx.SSLContext):
        sslobject_class = MyObject

    ctx = MyContext(sslx.PROTOCOL_TLS_SERVER)
    obj = ctx.wrap_bio(memory_bio(), memory_bio(), server_side=True)
    assert isinstance(obj, MyObject)


# ---- shared default trust store (copy on write) ----

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
    handshake(client_ctx, server_ctx)
    client_ctx.load_verify_locations(cadata=certs.ca_pem)     # now a private copy
    handshake(client_ctx, server_ctx)
    fresh = sslx.create_default_context()
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "empty.pem"))
    (tmp_path / "empty.pem").write_text("")
    untrusting = sslx.create_default_context()
    handshake(fresh, server_ctx)
    assert isinstance(pump(untrusting, server_ctx)[2], sslx.SSLCertVerificationError)


def test_sni_switch_uses_new_context_ciphers(stdlib_ssl, certs):
    def negotiated(module, pumper, switch):
        client_ctx = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
        client_ctx.load_verify_locations(certs.cafile)
        client_ctx.maximum_version = module.TLSVersion.TLSv1_2
        server_ctx = module.SSLContext(module.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(certs.server_certfile)
        other = module.SSLContext(module.PROTOCOL_TLS_SERVER)
        other.load_cert_chain(certs.server_certfile)
        other.set_ciphers("ECDHE+AESGCM:!AES256")
        if switch == "to_custom":
            server_ctx.sni_callback = lambda conn, name, ctx: setattr(conn, "context", other)
        else:
            server_ctx, other = other, server_ctx
            server_ctx.sni_callback = lambda conn, name, ctx: setattr(conn, "context", other)
        cli, srv = pumper(client_ctx, server_ctx)
        return cli.cipher()[0]

    for switch in ("to_custom", "from_custom"):
        std = negotiated(stdlib_ssl, lambda c, s: stdlib_pump(stdlib_ssl, c, s), switch)
        ours = negotiated(sslx, handshake, switch)
        assert ours == std, switch
