"""Automatic session resumption for clients (sslx beyond the stdlib):
SSLContext.client_session_cache.

The context keeps the newest session of each server, keyed by
(server_hostname, peer address, port) over sockets and by server_hostname
over MemoryBIOs; TLS 1.3 tickets are used once.  Off by default, so
drop-in behaviour is the stdlib's."""
import socket
import threading

import pytest

import sslx
from sockhelpers import ConcurrentServer, ThreadedServer, recv_exactly
from tlstools import (GNUTLS_SERV, OPENSSL, External, MemoryPair, connect, free_port,
                      gnutls_priority, needs_gnutls, needs_openssl, openssl_version_flag,
                      pin_version, recv_until)

VERSIONS = ["1.2", "1.3"]


def client_context(certs, version=None, cache=True):
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(certs.cafile)
    if version:
        pin_version(ctx, sslx, version)
    ctx.client_session_cache = cache
    return ctx


def server_context(certs, num_tickets=None):
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.server_certfile)
    if num_tickets is not None:
        ctx.num_tickets = num_tickets
    return ctx


def memory_connection(client, server, hostname="localhost", read_ticket=True, session=None):
    p = MemoryPair(sslx, client, server, server_hostname=hostname, session=session).handshake()
    if read_ticket:
        p.client_reads_ticket()
    return p


def reuse_pattern(client, server, n=4, **kw):
    return [memory_connection(client, server, **kw).client.session_reused for _ in range(n)]


# ------------------------------------------------------------------ the basics

def test_off_by_default(certs):
    client = client_context(certs, cache=False)
    assert client.client_session_cache is False
    assert reuse_pattern(client, server_context(certs)) == [False] * 4


@pytest.mark.parametrize("version", VERSIONS)
def test_memory_bio_resumes(certs, version):
    client = client_context(certs, version)
    assert client.client_session_cache is True
    server = server_context(certs)
    results = [memory_connection(client, server) for _ in range(4)]
    assert [r.client.session_reused for r in results] == [False, True, True, True]
    assert [r.server.session_reused for r in results] == [False, True, True, True]
    assert all(r.client.version() == "TLSv" + version for r in results)
    # a resumed connection still knows its peer's certificate
    assert results[-1].client.getpeercert()["subjectAltName"][0] == ("DNS", "localhost")


def test_attribute():
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    ctx.client_session_cache = 1
    assert ctx.client_session_cache is True
    ctx.client_session_cache = []
    assert ctx.client_session_cache is False
    with pytest.raises(AttributeError):
        del ctx.client_session_cache


def test_tls13_tickets_are_used_once(certs):
    client = client_context(certs, "1.3")
    server = server_context(certs, num_tickets=1)
    first = memory_connection(client, server)             # caches ticket T1
    assert not first.client.session_reused
    second = memory_connection(client, server, read_ticket=False)   # takes T1
    assert second.client.session_reused
    third = memory_connection(client, server, read_ticket=False)    # T1 is gone
    assert not third.client.session_reused
    second.client_reads_ticket()                           # caches T2
    assert memory_connection(client, server).client.session_reused


def test_tls12_sessions_are_reused(certs):
    client = client_context(certs, "1.2")
    server = server_context(certs)
    memory_connection(client, server)
    both = [memory_connection(client, server, read_ticket=False) for _ in range(3)]
    assert [p.client.session_reused for p in both] == [True, True, True]


def test_explicit_session_wins(certs):
    client = client_context(certs, "1.3")
    server = server_context(certs, num_tickets=1)
    plain = client_context(certs, "1.3", cache=False)
    donor = memory_connection(client, server)              # caches T1 (and has a session)
    explicit = donor.client.session
    # Another connection of the same context, given a session explicitly:
    # it uses that one and leaves T1 in the cache.
    p = memory_connection(client, server, session=explicit, read_ticket=False)
    assert p.client.session_reused
    assert memory_connection(client, server, read_ticket=False).client.session_reused  # T1
    assert plain.client_session_cache is False


def test_hostname_is_part_of_the_key(certs):
    client = client_context(certs, "1.3")
    server = server_context(certs)       # the certificate covers both names
    memory_connection(client, server, hostname="localhost")
    assert not memory_connection(client, server,
                                 hostname="xn--bcher-kva.example").client.session_reused
    assert memory_connection(client, server, hostname="localhost").client.session_reused
    assert memory_connection(client, server,
                             hostname="xn--bcher-kva.example").client.session_reused


def test_memory_bio_without_hostname_is_not_cached(certs):
    client = client_context(certs, "1.3")
    client.check_hostname = False
    server = server_context(certs)
    assert reuse_pattern(client, server, n=3, hostname=None) == [False] * 3


def test_turning_it_off_forgets(certs):
    client = client_context(certs, "1.2")
    server = server_context(certs)
    assert reuse_pattern(client, server, n=2) == [False, True]
    client.client_session_cache = False
    assert reuse_pattern(client, server, n=2) == [False, False]
    client.client_session_cache = True
    assert reuse_pattern(client, server, n=2) == [False, True]


def test_server_side_is_untouched(certs):
    """A PROTOCOL_TLS context serving and connecting with the cache on."""
    with pytest.warns(DeprecationWarning):
        both = sslx.SSLContext(sslx.PROTOCOL_TLS)
    both.load_cert_chain(certs.server_certfile)
    both.load_verify_locations(certs.cafile)
    both.verify_mode = sslx.CERT_OPTIONAL      # clients verify; servers do not insist
    both.client_session_cache = True
    server = server_context(certs)
    assert reuse_pattern(both, server, n=3) == [False, True, True]
    client = client_context(certs, cache=False)
    first = MemoryPair(sslx, client, both).handshake()
    first.client_reads_ticket()
    again = MemoryPair(sslx, client, both, session=first.client.session).handshake()
    assert again.client.session_reused


# -------------------------------------------------------------------- sockets

def _serve(server_ctx, connections, listener=None):
    def handler(raw):
        with server_ctx.wrap_socket(raw, server_side=True) as tls:
            data = recv_exactly(tls, 4)
            tls.sendall(data.upper())
            return tls.session_reused
    return ThreadedServer(handler, connections=connections)


def _exchange(tls):
    tls.sendall(b"ping")
    assert recv_exactly(tls, 4) == b"PING"     # TLS 1.3: the ticket comes with this
    return tls.session_reused


@pytest.mark.parametrize("version", VERSIONS)
def test_sockets_resume(certs, version):
    client = client_context(certs, version)
    with _serve(server_context(certs), 3) as srv:
        seen = []
        for _ in range(3):
            with client.wrap_socket(socket.create_connection(srv.addr, timeout=10),
                                    server_hostname="localhost") as tls:
                seen.append(_exchange(tls))
    assert seen == [False, True, True]
    assert srv.results == [False, True, True]


@pytest.mark.parametrize("version", VERSIONS)
def test_socket_wrapped_before_connect(certs, version):
    """wrap_socket() of an unconnected socket, then connect(): the peer is
    known only when the handshake starts."""
    client = client_context(certs, version)
    with _serve(server_context(certs), 3) as srv:
        seen = []
        for _ in range(3):
            with client.wrap_socket(socket.socket(), server_hostname="localhost") as tls:
                tls.settimeout(10)
                tls.connect(srv.addr)
                seen.append(_exchange(tls))
    assert seen == [False, True, True]


def test_port_is_part_of_the_key(certs):
    """Two ports served by one server context (which would resume each
    other's sessions): the client keeps them apart."""
    client = client_context(certs, "1.2")
    server = server_context(certs)
    with _serve(server, 2) as a, _serve(server, 2) as b:
        seen = []
        for addr in (a.addr, b.addr, a.addr, b.addr):
            with client.wrap_socket(socket.create_connection(addr, timeout=10),
                                    server_hostname="localhost") as tls:
                seen.append(_exchange(tls))
    assert seen == [False, False, True, True]


def test_without_hostname_sockets_use_the_address(certs):
    client = client_context(certs, "1.3")
    client.check_hostname = False
    with _serve(server_context(certs), 2) as srv:
        seen = []
        for _ in range(2):
            with client.wrap_socket(socket.create_connection(srv.addr, timeout=10)) as tls:
                seen.append(_exchange(tls))
    assert seen == [False, True]


def test_abrupt_close_keeps_the_cached_session(certs):
    """OpenSSL marks the session of a connection closed without
    close_notify not resumable; the cache holds its own copy."""
    client = client_context(certs, "1.2")
    with _serve(server_context(certs), 3) as srv:
        seen = []
        for _ in range(3):
            tls = client.wrap_socket(socket.create_connection(srv.addr, timeout=10),
                                     server_hostname="localhost")
            seen.append(_exchange(tls))
            tls.close()                        # no unwrap, no close_notify
    assert seen == [False, True, True]


def test_threads_share_the_cache(certs):
    client = client_context(certs)
    server = server_context(certs)
    n_threads, per_thread = 4, 8

    def handler(raw):
        with server.wrap_socket(raw, server_side=True) as tls:
            tls.sendall(recv_exactly(tls, 4).upper())

    results, errors = [], []

    def connect(addr):
        with client.wrap_socket(socket.create_connection(addr, timeout=10),
                                server_hostname="localhost") as tls:
            results.append(_exchange(tls))

    def worker(addr, count):
        try:
            for _ in range(count):
                connect(addr)
        except Exception as exc:     # reported below
            errors.append(exc)

    def run_threads(addr, count_per_thread, threads):
        started = [threading.Thread(target=worker, args=(addr, count_per_thread))
                   for _ in range(threads)]
        for t in started:
            t.start()
        for t in started:
            t.join(60)

    with ConcurrentServer(handler, connections=2 + n_threads * per_thread) as srv:
        # One thread's session is resumed by the next thread's connection.
        run_threads(srv.addr, 1, 1)
        run_threads(srv.addr, 1, 1)
        assert errors == [] and results == [False, True]
        # Then threads race for the one cached TLS 1.3 ticket (single use:
        # the losers make full handshakes, so how many resume depends on
        # the scheduling); what must hold is that every connection works
        # and the cache keeps serving them.
        del results[:]
        run_threads(srv.addr, per_thread, n_threads)
    assert errors == []
    assert len(results) == n_threads * per_thread
    assert sum(results) >= 1


# ------------------------------------------------------------------- interop

def _three_connections(client, port, line=b"olleh\n"):
    seen = []
    for _ in range(3):
        with connect(client, port) as tls:
            tls.sendall(line)
            reply = recv_until(tls, b"\n")
            seen.append((tls.session_reused, reply))
    return seen


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_against_openssl_s_server(certs, version):
    port = free_port()
    argv = [OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port, "-cert",
            certs.server_certfile, openssl_version_flag(version), "-rev"]
    with External(argv) as srv:
        srv.wait_listening(port)
        seen = _three_connections(client_context(certs, version), port)
    assert seen == [(False, b"hello\n"), (True, b"hello\n"), (True, b"hello\n")]


@needs_gnutls
@pytest.mark.parametrize("version", VERSIONS)
def test_against_gnutls_serv(certs, version):
    port = free_port()
    argv = [GNUTLS_SERV, "--echo", "-p", str(port), "--x509certfile", certs.server_certfile,
            "--x509keyfile", certs.server_certfile, "--priority", gnutls_priority(version)]
    with External(argv) as srv:
        srv.wait_listening(port)
        seen = _three_connections(client_context(certs, version), port, b"echo\n")
    assert seen == [(False, b"echo\n"), (True, b"echo\n"), (True, b"echo\n")]
