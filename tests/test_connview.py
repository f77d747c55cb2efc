"""connview.c: the private `_sslobj` of SSLSocket and SSLObject.

In the stdlib `_sslobj` is the _ssl._SSLSocket under the Python class, and
code written for 3.10-3.12 reaches into it (for get_verified_chain() and
get_unverified_chain(), which give Certificate objects there; `context`,
`owner`...).  sslx answers with a thin view of the connection: the two
chain methods in their private form, every other attribute read from or
written to the connection.  Compared with the stdlib wherever the stdlib's
object does the same.
"""
import gc
import socket
import ssl as stdlib_ssl
import sys
import weakref

import pytest

import sslx
from memhelpers import MemoryPair, as_der, chains, make_contexts
from sockhelpers import ThreadedServer, echo_lines, stdlib_tls_server


def tls_server(certs, body=echo_lines):
    """A stdlib TLS server in a thread, running body(tls) for one client."""
    return ThreadedServer(stdlib_tls_server(make_contexts(stdlib_ssl, certs)[1], body))


def echo_once_then_close_notify(tls):
    tls.sendall(tls.recv(100).upper())
    tls.unwrap()


# ---- SSLObject._sslobj ----

def test_private_sslobj_alias(certs):
    """Code written for the stdlib peeks at SSLObject._sslobj (and its
    .owner, the SSLObject); sslx's view of the connection answers for both."""
    client, server = make_contexts(sslx, certs)
    p = MemoryPair(sslx, client, server)
    assert p.client._sslobj is not None and p.client._sslobj.owner is p.client
    p.handshake()
    assert p.client._sslobj.context is client


def test_sslobj_view_reads_and_writes_the_connection(certs):
    client, server = make_contexts(sslx, certs)
    p = MemoryPair(sslx, client, server).handshake()
    view = p.client._sslobj
    assert view.version() == p.client.version()
    assert view.cipher() == p.client.cipher()
    assert view.getpeercert() == p.client.getpeercert()
    assert view.server_side is False and view.server_hostname == "localhost"
    assert view.context is client
    other = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    view.context = other            # what the stdlib's SSLSocket.context setter does
    assert p.client.context is other
    with pytest.raises(AttributeError):
        view.no_such_attribute
    with pytest.raises(TypeError):
        type(view)()


# What the stdlib's _SSLSocket offers and sslx's view answers alike.
QUERIES = ["version", "cipher", "shared_ciphers", "compression", "selected_alpn_protocol",
           "pending", "getpeercert", "session_reused", "server_side", "server_hostname"]


@pytest.mark.parametrize("side", ["client", "server"])
def test_view_answers_like_the_connection(mod, certs, side):
    client_ctx, server_ctx = make_contexts(mod, certs, client_cert=True,
                                           require_client_cert=True)
    for ctx in (client_ctx, server_ctx):
        ctx.set_alpn_protocols(["h2"])
    pair = MemoryPair(mod, client_ctx, server_ctx).handshake()
    obj = getattr(pair, side)
    view = obj._sslobj
    for name in QUERIES:
        value = getattr(view, name)
        expected = getattr(obj, name)
        if callable(expected):
            value, expected = value(), expected()
        assert value == expected, name
    assert view.getpeercert(True) == obj.getpeercert(True)
    assert view.get_channel_binding("tls-unique") == obj.get_channel_binding("tls-unique")
    assert view.owner is obj
    assert view.context is obj.context
    assert view.selected_alpn_protocol() == "h2"
    assert view.server_side is (side == "server")


def test_reads_and_writes_through_the_view(mod, certs):
    pair = MemoryPair(mod, *make_contexts(mod, certs)).handshake()
    assert pair.client._sslobj.write(b"through the view") == 16
    pair.transfer()
    buf = bytearray(7)
    assert pair.server._sslobj.read(7, buf) == 7 and buf == b"through"
    assert pair.server._sslobj.read(100) == b" the view"
    with pytest.raises(mod.SSLWantReadError):
        pair.server._sslobj.read(100)


def test_unknown_attributes_are_refused_both_ways(mod, certs):
    pair = MemoryPair(mod, *make_contexts(mod, certs))
    view = pair.client._sslobj
    with pytest.raises(AttributeError):
        view.no_such_attribute
    with pytest.raises(AttributeError):
        view.no_such_attribute = 1
    assert not hasattr(pair.client, "no_such_attribute")


def test_sslobject_view_stays_after_unwrap(mod, certs):
    """An SSLObject keeps its _sslobj after a clean close (as the stdlib's
    does), and it still describes the connection."""
    pair = MemoryPair(mod, *make_contexts(mod, certs)).handshake()
    with pytest.raises(mod.SSLWantReadError):
        pair.client.unwrap()
    pair.transfer()
    assert pair.server.read() == b""
    pair.server.unwrap()
    pair.transfer()
    pair.client.unwrap()
    view = pair.client._sslobj
    assert view is not None
    assert view.version() == "TLSv1.3"
    assert len(view.get_verified_chain()) == 2


# ---- the chain methods: Certificate objects or None ----

@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("client_cert", [True, False])
def test_chains_same_as_stdlib(certs, side, client_cert):
    ours = [as_der(c) for c in chains(sslx, certs, side, client_cert)]
    theirs = [as_der(c) for c in chains(stdlib_ssl, certs, side, client_cert)]
    assert ours == theirs
    if side == "client":
        verified, unverified = ours
        assert len(verified) == 2                 # the server's leaf, then the CA
        assert verified[0] == unverified[0]


def test_chains_before_handshake_same_as_stdlib(certs):
    ours = chains(sslx, certs, "client", handshake=False)
    theirs = chains(stdlib_ssl, certs, "client", handshake=False)
    assert ours == theirs


def test_chain_elements_are_certificate_objects(mod, certs):
    verified, unverified = chains(mod, certs, "client")
    certificate = type(verified[0])
    assert certificate.__name__ == "Certificate"
    assert all(type(c) is certificate for c in verified + unverified)
    assert type(verified) is type(unverified) is list


# ---- SSLSocket._sslobj ----

def test_private_sslobj_like_stdlib(mod, certs):
    """SSLSocket._sslobj: None until connected, then the internal object
    whose chain methods give Certificate objects (the private API code for
    3.10-3.12 uses) while the public ones give DER bytes (3.13's API)."""
    ctx, _ = make_contexts(mod, certs)
    unconnected = ctx.wrap_socket(socket.socket(), server_hostname="localhost")
    assert unconnected._sslobj is None
    unconnected.close()
    with tls_server(certs) as srv:
        with ctx.wrap_socket(socket.create_connection(srv.addr), server_hostname="localhost") as tls:
            verified = tls._sslobj.get_verified_chain()
            unverified = tls._sslobj.get_unverified_chain()
            assert len(verified) == 2 and len(unverified) == 1
            der = [c.public_bytes(stdlib_ssl._ssl.ENCODING_DER) for c in verified]
            assert der[0] == tls.getpeercert(binary_form=True)
            assert verified[0] == unverified[0] and verified[0] != verified[1]
            if mod is sslx or sys.version_info >= (3, 13):
                assert tls.get_verified_chain() == der
        assert tls._sslobj is None


def test_sslsocket_view_reads_writes_and_goes_at_unwrap(mod, certs):
    """Through a connected socket's _sslobj: its context and name, bytes
    both ways; after unwrap() the socket has no _sslobj any more."""
    ctx, _ = make_contexts(mod, certs)
    with tls_server(certs, echo_once_then_close_notify) as srv:
        raw = socket.create_connection(srv.addr, timeout=10)
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            view = tls._sslobj
            assert view.context is ctx and view.server_hostname == "localhost"
            assert view.server_side is False
            assert view.version() == tls.version() == "TLSv1.3"
            assert view.write(b"ping\n") == 5
            assert view.read(10) == b"PING\n"
            plain = tls.unwrap()
            assert tls._sslobj is None
            plain.close()


# ---- sslx's view itself ----

def test_view_type(certs):
    view_type = type(MemoryPair(sslx, *make_contexts(sslx, certs)).client._sslobj)
    assert view_type.__name__ == "_ConnectionInternals"
    with pytest.raises(TypeError):
        view_type()
    with pytest.raises(TypeError, match="immutable type"):
        view_type.extra = 1


def test_view_repr_names_its_connection(certs):
    pair = MemoryPair(sslx, *make_contexts(sslx, certs))
    assert repr(pair.client._sslobj) == "<sslx connection internals of %r>" % pair.client


def test_view_holds_its_sslobject_weakly(certs):
    """Like the stdlib's object, the view does not keep its SSLObject
    alive; once it is gone the view keeps describing the connection, with
    `owner` None."""
    pair = MemoryPair(sslx, *make_contexts(sslx, certs)).handshake()
    view = pair.client._sslobj
    context = pair.client.context
    ref = weakref.ref(pair.client)
    del pair
    gc.collect()
    assert ref() is None
    assert view.owner is None
    assert view.version() == "TLSv1.3" and view.context is context
    assert len(view.get_verified_chain()) == 2
    assert view.session is not None and view.session_reused is False


def test_orphaned_view_attributes_cannot_be_deleted(certs):
    """The stdlib's test_delete_sslobject_attributes (3.14+), on a view
    whose SSLObject was dropped at once (on 3.10-3.13 the stdlib itself
    crashes here)."""
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    view = ctx.wrap_bio(sslx.MemoryBIO(), sslx.MemoryBIO())._sslobj
    gc.collect()
    for name in "context", "owner", "session", "session_reused":
        value = getattr(view, name)
        with pytest.raises(AttributeError, match="cannot be deleted|not writable"):
            delattr(view, name)
        assert getattr(view, name) == value
    assert view.context is ctx and view.owner is None


def test_orphaned_view_handshakes_without_callbacks(certs):
    """An orphaned SSLObject connection still handshakes through its view;
    a callback that needs the dead SSLObject fails the handshake rather
    than running with it (gh-146080)."""
    client_ctx, server_ctx = make_contexts(sslx, certs)
    for with_callback in (False, True):
        if with_callback:
            server_ctx.sni_callback = lambda obj, name, ctx: None
        c_in, c_out, s_in, s_out = (sslx.MemoryBIO() for _ in range(4))
        view = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost")._sslobj
        server = server_ctx.wrap_bio(s_in, s_out, server_side=True)._sslobj
        gc.collect()
        assert view.owner is None and server.owner is None
        outcome = None
        for _ in range(10):
            for side in (view, server):
                try:
                    side.do_handshake()
                except (sslx.SSLWantReadError, sslx.SSLWantWriteError):
                    pass
                except sslx.SSLError as exc:
                    outcome = exc
            s_in.write(c_out.read())
            c_in.write(s_out.read())
            if outcome is not None or (view.version() and server.version()):
                break
        if with_callback:
            assert isinstance(outcome, sslx.SSLError)
        else:
            assert outcome is None and view.version() == server.version() == "TLSv1.3"


def test_view_setattr_reaches_only_connection_attributes(certs):
    pair = MemoryPair(sslx, *make_contexts(sslx, certs))
    view = pair.client._sslobj
    other, _ = make_contexts(sslx, certs)
    view.context = other
    assert pair.client.context is other
    for name in "owner", "version", "made_up":
        with pytest.raises(AttributeError):
            setattr(view, name, 1)
    assert view.owner is pair.client


def test_cycle_through_the_view_is_collected(certs):
    """A connection that keeps its own view (a subclass with a __dict__)
    is collected; under ASan this read a freed view once (the view's end
    could not clear the connection's pointer through the dead weak
    reference)."""
    class Keeping(sslx.SSLObject):
        pass

    client_ctx, server_ctx = make_contexts(sslx, certs)
    client_ctx.sslobject_class = Keeping
    pair = MemoryPair(sslx, client_ctx, server_ctx)
    pair.client.view = pair.client._sslobj
    ref = weakref.ref(pair.client)
    del pair
    gc.collect()
    assert ref() is None


def test_socket_keeping_its_view_is_collected(certs):
    """An SSLSocket subclass instance that keeps its own view in its
    __dict__: both are collected (the socket's weak references go before
    its __dict__, so the view cannot reach the socket as it dies)."""
    class Keeping(sslx.SSLSocket):
        pass

    ctx, _ = make_contexts(sslx, certs)
    ctx.sslsocket_class = Keeping
    a, b = socket.socketpair()
    with b:
        tls = ctx.wrap_socket(a, server_hostname="localhost", do_handshake_on_connect=False)
        tls.view = tls._sslobj
        assert tls.view is not None
        ref = weakref.ref(tls)
        tls.close()
        del tls
        gc.collect()
        assert ref() is None
