"""SSLContext's attributes (context_attrs.c): verify_mode and check_hostname,
options, verify_flags, the version bounds, security_level, num_tickets,
post_handshake_auth, hostname_checks_common_name, the connection classes,
and the registration of sni_callback, keylog_filename and _msg_callback
(what they do in a handshake is test_context_callbacks.py's).  Where the
spec leaves a detail open, the outcome is compared with the stdlib's.
"""
import errno
import os
import warnings

import pytest

import sslx
from contexthelpers import PROTOCOL_NAMES, both, outcome, quiet


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


# ---- sni_callback ----

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
