"""What an SSLContext gives each connection (context_wrap.c): the argument
rules of wrap_socket() and wrap_bio(), the class each makes, and the
per-connection setup (post-handshake authentication).
"""
import socket
import sys

import pytest

import sslx
from contexthelpers import outcome
from memhelpers import handshake_errors, make_contexts


# ---- argument rules ----

def test_wrap_validation(client, server):
    bio_in, bio_out = sslx.MemoryBIO(), sslx.MemoryBIO()
    with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
        client.wrap_bio(bio_in, bio_out)
    with pytest.raises(ValueError, match="only be specified in client mode"):
        server.wrap_bio(bio_in, bio_out, server_side=True, server_hostname="x")
    # Before 3.14 the side comes first in wrap_bio(); from 3.14 the
    # stdlib's argument checks do (check_hostname wants a name).
    if sys.version_info >= (3, 14):
        with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
            client.wrap_bio(bio_in, bio_out, server_side=True)
    else:
        with pytest.raises(sslx.SSLError, match="PROTOCOL_TLS_CLIENT"):
            client.wrap_bio(bio_in, bio_out, server_side=True)
    with socket.socket() as sock:
        with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
            client.wrap_socket(sock)
        with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
            client.wrap_socket(sock, server_hostname="")
        with pytest.raises(ValueError, match="only be specified in client mode"):
            server.wrap_socket(sock, server_side=True, server_hostname="x")


@pytest.mark.parametrize("check_hostname", [True, False])
@pytest.mark.parametrize("kind", ["socket", "bio"])
def test_server_side_on_a_client_context_like_stdlib(stdlib_ssl, kind, check_hostname):
    """Which check speaks first for a server side on a client context
    (check_hostname's ValueError or the side's SSLError) is the stdlib's."""
    results = []
    for mod in (stdlib_ssl, sslx):
        ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = check_hostname
        with socket.socket() as sock:
            if kind == "socket":
                result = outcome(ctx.wrap_socket, sock, server_side=True)[0]
            else:
                result = outcome(ctx.wrap_bio, mod.MemoryBIO(), mod.MemoryBIO(),
                                 server_side=True)[0]
        results.append(result if isinstance(result, type) else "returned")
    assert results[1] == results[0]


def test_server_side_on_a_client_context_refused_at_accept(stdlib_ssl):
    """A listening socket wrapped on the wrong side learns it when a
    connection arrives: accept() raises SSLError, as the stdlib's does."""
    for mod in (stdlib_ssl, sslx):
        ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        with ctx.wrap_socket(socket.socket(), server_side=True) as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            listener.settimeout(10)
            with socket.create_connection(listener.getsockname(), timeout=10):
                with pytest.raises(mod.SSLError, match="Cannot create a server socket"):
                    listener.accept()


def test_wrap_session_type(client):
    with pytest.raises(TypeError, match="SSLSession"):
        client.wrap_bio(sslx.MemoryBIO(), sslx.MemoryBIO(), server_hostname="x", session=1)


# ---- the connection's class ----

def test_connection_class_from_subclass_attribute(certs):
    class MyObject(sslx.SSLObject):
        pass

    class MyContext(sslx.SSLContext):
        sslobject_class = MyObject

    ctx = MyContext(sslx.PROTOCOL_TLS_SERVER)
    obj = ctx.wrap_bio(sslx.MemoryBIO(), sslx.MemoryBIO(), server_side=True)
    assert isinstance(obj, MyObject)


# ---- per-connection setup ----

def test_post_handshake_auth_defers_certificate_request(certs):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    server_ctx.verify_mode = sslx.CERT_REQUIRED
    server_ctx.load_verify_locations(certs.cafile)
    # The client has no certificate: asked during the handshake, it fails.
    _, cerr, serr = handshake_errors(sslx, client_ctx, server_ctx)
    assert serr is not None
    # With post-handshake auth on both sides the request is deferred.
    client_ctx.post_handshake_auth = True
    server_ctx.post_handshake_auth = True
    pair, cerr, serr = handshake_errors(sslx, client_ctx, server_ctx)
    assert (cerr, serr) == (None, None)
    assert pair.server.getpeercert() is None

@pytest.mark.parametrize("name", [b".\x00", b"\x00", b"\x00."])
def test_nul_in_server_hostname_is_a_type_error_before_the_dot_check(name):
    """The stdlib refuses a NUL (TypeError) before it looks for an empty
    name or a leading dot (ValueError); sslx checks in the same order
    (found by fuzz/c hostname)."""
    import ssl as stdlib_ssl
    import sslx
    outcomes = []
    for m in (stdlib_ssl, sslx):
        ctx = m.create_default_context()
        with pytest.raises(Exception) as info:
            ctx.wrap_bio(m.MemoryBIO(), m.MemoryBIO(), server_hostname=name)
        outcomes.append((type(info.value), str(info.value)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][0] is TypeError
