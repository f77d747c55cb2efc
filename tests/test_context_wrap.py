"""What an SSLContext gives each connection (context_wrap.c): the argument
rules of wrap_socket() and wrap_bio(), the class each makes, and the
per-connection setup (post-handshake authentication).
"""
import socket

import pytest

import sslx
from memhelpers import handshake_errors, make_contexts


# ---- argument rules ----

def test_wrap_validation(client, server):
    bio_in, bio_out = sslx.MemoryBIO(), sslx.MemoryBIO()
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