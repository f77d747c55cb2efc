"""SSLSession: the spec's "SSL session" section - attributes, equality,
resumption over TLS 1.2 and 1.3, the rules for setting a session.  Every
test runs on sslx and on the stdlib (fixture `mod`)."""
import gc

import pytest

import sslx
from memhelpers import MemoryPair, make_contexts, set_max_version

VERSIONS = ["TLSv1_2", "TLSv1_3"]


@pytest.mark.parametrize("version", VERSIONS)
def test_session_resumption(mod, certs, version):
    client, server = make_contexts(mod, certs)
    if version != "TLSv1_3":
        set_max_version(mod, client, version)
    first = MemoryPair(mod, client, server).handshake()
    first.client_reads_ticket()
    session = first.client.session
    assert isinstance(session, mod.SSLSession)
    assert first.client.session_reused is False
    assert session.has_ticket is True and session.ticket_lifetime_hint > 0
    assert session.timeout > 0 and session.time > 1_600_000_000
    assert isinstance(session.id, bytes) and len(session.id) == 32

    second = MemoryPair(mod, client, server, session=session).handshake()
    assert second.client.session_reused is True
    assert second.server.session_reused is True
    assert second.client.session == session
    assert not (second.client.session != session)
    assert second.send(second.client, second.server, b"resumed") == b"resumed"


def test_session_equality_and_hash(mod, certs):
    client, server = make_contexts(mod, certs)
    p1 = MemoryPair(mod, client, server).handshake()
    p2 = MemoryPair(mod, client, server).handshake()
    p1.client_reads_ticket()
    p2.client_reads_ticket()
    s1, s2 = p1.client.session, p2.client.session
    assert s1 == p1.client.session and s1 != s2
    assert (s1 == 1) is False
    with pytest.raises(TypeError):       # the stdlib's SSLSession is unhashable
        hash(s1)


def test_session_set_rules(mod, certs):
    client, server = make_contexts(mod, certs)
    p = MemoryPair(mod, client, server).handshake()
    p.client_reads_ticket()
    session = p.client.session
    with pytest.raises(ValueError, match="Cannot set session after handshake."):
        p.client.session = session
    with pytest.raises(TypeError, match="Value is not a SSLSession."):
        p.client.session = 1
    fresh = client.wrap_bio(mod.MemoryBIO(), mod.MemoryBIO(), server_hostname="localhost")
    fresh.session = session
    assert fresh.session == session
    other_client, _ = make_contexts(mod, certs)
    with pytest.raises(ValueError, match="different SSLContext"):
        other_client.wrap_bio(mod.MemoryBIO(), mod.MemoryBIO(), server_hostname="localhost",
                              session=session)
    with pytest.raises(TypeError, match="Value is not a SSLSession."):
        client.wrap_bio(mod.MemoryBIO(), mod.MemoryBIO(), server_hostname="localhost",
                        session=object())


def test_unconnected_socket_takes_none_and_a_session_until_it_connects(mod, certs):
    """A socket not connected yet keeps whatever session it is given for
    its connection, None too, and reports None until it connects; an
    SSLObject (always connected to its BIOs) refuses None."""
    import socket
    client, server = make_contexts(mod, certs)
    p = MemoryPair(mod, client, server).handshake()
    p.client_reads_ticket()
    session = p.client.session
    with client.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
        tls.session = session
        assert tls.session is None
        tls.session = None
        assert tls.session is None
    fresh = client.wrap_bio(mod.MemoryBIO(), mod.MemoryBIO(), server_hostname="localhost")
    with pytest.raises(TypeError, match="Value is not a SSLSession."):
        fresh.session = None


def test_session_cannot_be_instantiated(mod):
    with pytest.raises(TypeError):
        mod.SSLSession()


def test_tls13_session_before_ticket_does_not_resume(mod, certs):
    """TLS 1.3 sends the ticket after the handshake: a session taken before
    the client read it resumes nothing (stdlib behaviour)."""
    client, server = make_contexts(mod, certs)
    first = MemoryPair(mod, client, server).handshake()
    early = first.client.session
    assert early is not None
    second = MemoryPair(mod, client, server, session=early).handshake()
    assert second.client.session_reused is False


def test_server_side_session_rules(mod, certs):
    client, server = make_contexts(mod, certs)
    p = MemoryPair(mod, client, server).handshake()
    server_session = p.server.session
    assert isinstance(server_session, mod.SSLSession)
    with pytest.raises(ValueError, match="Cannot set session for server-side SSLSocket."):
        p.server.session = server_session
    with pytest.raises(ValueError, match="different SSLContext"):
        p.server.session = p.client.session


def test_session_outlives_its_connection(mod, certs):
    client, server = make_contexts(mod, certs)
    p = MemoryPair(mod, client, server).handshake()
    p.client_reads_ticket()
    session = p.client.session
    session_id = session.id
    del p
    gc.collect()
    assert session.id == session_id
    again = MemoryPair(mod, client, server, session=session).handshake()
    assert again.client.session_reused is True


def test_attribute_types_match_stdlib(certs):
    import ssl as stdlib_ssl
    kinds = []
    for m in (sslx, stdlib_ssl):
        client, server = make_contexts(m, certs)
        p = MemoryPair(m, client, server).handshake()
        p.client_reads_ticket()
        s = p.client.session
        kinds.append({name: type(getattr(s, name)) for name in
                      ("id", "time", "timeout", "ticket_lifetime_hint", "has_ticket")})
        kinds.append(sorted(n for n in dir(s) if not n.startswith("_")))
    assert kinds[0] == kinds[2] and kinds[1] == kinds[3]


def test_attributes_read_only(mod, certs):
    client, server = make_contexts(mod, certs)
    p = MemoryPair(mod, client, server).handshake()
    s = p.client.session
    for name in ("id", "time", "timeout", "ticket_lifetime_hint", "has_ticket"):
        with pytest.raises(AttributeError):
            setattr(s, name, 1)


@pytest.mark.parametrize("version", VERSIONS)
def test_session_resumes_again_after_dropped_connection(mod, certs, version):
    """A connection that resumed a session and was then dropped without a
    clean shutdown must not make the SSLSession unusable (OpenSSL marks
    that connection's SSL_SESSION not resumable)."""
    client, server = make_contexts(mod, certs)
    if version != "TLSv1_3":
        set_max_version(mod, client, version)
    first = MemoryPair(mod, client, server).handshake()
    first.client_reads_ticket()
    session = first.client.session
    for _ in range(3):
        again = MemoryPair(mod, client, server, session=session).handshake()
        assert again.client.session_reused is True
        del again                        # dropped, no close_notify
        gc.collect()
    fresh = MemoryPair(mod, client, server).handshake()
    assert fresh.client.session_reused is False
    last = MemoryPair(mod, client, server, session=session).handshake()
    assert last.client.session_reused is True
