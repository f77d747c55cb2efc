"""wrap_bio() with MemoryBIO objects that are not sslx's (asyncio passes
the stdlib's): bytes are taken from / handed to the Python objects as
OpenSSL needs them.  Outcomes are compared with the stdlib."""
import ssl as stdlib_ssl

import pytest

import sslx

from memhelpers import MemoryPair, make_contexts


@pytest.fixture
def ctxs(certs):
    """mod -> (client context, server context)."""
    return lambda mod: make_contexts(mod, certs)


def exchange(mod, ctxs):
    """Handshake over stdlib BIOs, then a few reads and writes; returns
    what each step observed."""
    client_ctx, server_ctx = ctxs(mod)
    pair = MemoryPair(mod, client_ctx, server_ctx, bio=stdlib_ssl.MemoryBIO)
    pair.handshake()
    seen = [pair.client.version(), pair.server.version()]
    pair.client.write(b"hello world" * 1000)
    pair.client.write(b"second")
    pair.transfer()
    seen.append(pair.s_in.pending)
    got = pair.server.read(5)
    seen += [got, pair.s_in.pending > 0, pair.server.pending() > 0]
    rest = b""
    while len(rest) < 11000 - 5 + 6:
        rest += pair.server.read(65536)
    seen.append(rest[-6:])
    with pytest.raises(mod.SSLWantReadError):
        pair.server.read(10)
    # A clean close: close_notify one way, then EOF on the reader.
    with pytest.raises(mod.SSLWantReadError):
        pair.client.unwrap()
    pair.transfer()
    seen.append(pair.server.read(10))
    return seen


def test_exchange_matches_stdlib(ctxs):
    assert exchange(sslx, ctxs) == exchange(stdlib_ssl, ctxs)


def test_ragged_eof_matches_stdlib(ctxs):
    seen = {}
    for mod in (stdlib_ssl, sslx):
        client_ctx, server_ctx = ctxs(mod)
        pair = MemoryPair(mod, client_ctx, server_ctx, bio=stdlib_ssl.MemoryBIO)
        pair.handshake()
        pair.s_in.write_eof()
        with pytest.raises(Exception) as info:
            pair.server.read(10)
        seen[mod.__name__] = type(info.value).__name__
    assert seen["sslx"] == seen["ssl"] == "SSLEOFError"


class Exploding:
    """A MemoryBIO look-alike whose read or write raises."""

    def __init__(self, fail_on):
        self.inner = stdlib_ssl.MemoryBIO()
        self.fail_on = fail_on

    def read(self, *args):
        if self.fail_on == "read":
            raise KeyError("read failed")
        return self.inner.read(*args)

    def write(self, data):
        if self.fail_on == "write":
            raise KeyError("write failed")
        return self.inner.write(data)

    def write_eof(self):
        self.inner.write_eof()

    @property
    def pending(self):
        return self.inner.pending

    @property
    def eof(self):
        return self.inner.eof


@pytest.mark.parametrize("side", ["read", "write"])
def test_exceptions_of_the_object_propagate(ctxs, side):
    client_ctx, _ = ctxs(sslx)
    incoming = Exploding("read" if side == "read" else None)
    outgoing = Exploding("write" if side == "write" else None)
    client = client_ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(KeyError, match=side + " failed"):
        client.do_handshake()


@pytest.mark.parametrize("pending", [-1, -(2 ** 62)])
def test_negative_pending_counts_as_nothing_known(ctxs, pending):
    # Red-team finding 11: an incoming object whose `pending` was -1 made
    # read() raise SystemError.  A negative count says nothing is known:
    # reads still work, allocating one record at a time.
    class OddPending:
        def __init__(self):
            self.inner = stdlib_ssl.MemoryBIO()

        def read(self, n=-1):
            return self.inner.read(n)

        def write(self, data):
            return self.inner.write(data)

        def write_eof(self):
            self.inner.write_eof()

        pending = property(lambda self: pending)
        eof = property(lambda self: self.inner.eof)

    client_ctx, server_ctx = ctxs(sslx)
    bios = (OddPending(), sslx.MemoryBIO(), sslx.MemoryBIO(), sslx.MemoryBIO())
    pair = MemoryPair(sslx, client_ctx, server_ctx, bios=bios).handshake()
    assert pair.send(pair.server, pair.client, b"x" * 40000) == b"x" * 40000
