"""SSLObject.read() over MemoryBIOs fills the buffer from as many records
as are already waiting (one Python call instead of one per 16 KiB record),
while delivering exactly the bytes, end of stream and errors the stdlib
delivers one record at a time.  Each scenario runs on sslx (with its own
MemoryBIO and with the stdlib's, which asyncio passes) and on the stdlib,
and the outcomes are compared."""
import ssl as stdlib_ssl

import pytest

import sslx
from memhelpers import MemoryPair, make_contexts

RECORD = 16384

VARIANTS = {
    "sslx": (sslx, None),
    "sslx+stdlib-bio": (sslx, stdlib_ssl.MemoryBIO),
    "stdlib": (stdlib_ssl, None),
}


def connected(variant, certs):
    mod, bio = VARIANTS[variant]
    client_ctx, server_ctx = make_contexts(mod, certs)
    pair = MemoryPair(mod, client_ctx, server_ctx, bio=bio)
    pair.handshake()
    return mod, pair


def read_all(mod, obj, size, buffer=False):
    """Read until the incoming bytes run out: (chunks, final outcome)."""
    chunks = []
    for _ in range(100):
        try:
            if buffer:
                buf = bytearray(size)
                n = obj.read(size, buf)
                data = bytes(buf[:n])
            else:
                data = obj.read(size)
        except mod.SSLWantReadError:
            return chunks, "want-read"
        except mod.SSLError as exc:
            return chunks, (type(exc).__name__, exc.reason)
        if not data:
            return chunks, "eof"
        chunks.append(data)
    raise AssertionError("read() never ran out")


def send(pair, payloads):
    for payload in payloads:
        pair.client.write(payload)
    pair.transfer()


PAYLOADS = [bytes([65 + i % 26]) * n for i, n in enumerate((40000, 10, RECORD, 3, 70001))]


@pytest.mark.parametrize("buffer", [False, True], ids=["bytes", "buffer"])
def test_same_bytes_as_stdlib_in_fewer_calls(certs, buffer):
    results = {}
    for variant in VARIANTS:
        mod, pair = connected(variant, certs)
        send(pair, PAYLOADS)
        results[variant] = read_all(mod, pair.server, 1 << 20, buffer)
    expected = b"".join(PAYLOADS)
    std_chunks, std_end = results["stdlib"]
    assert b"".join(std_chunks) == expected and std_end == "want-read"
    # The stdlib returns a record per call; it is the baseline to beat.
    assert max(len(c) for c in std_chunks) <= RECORD
    for variant in ("sslx", "sslx+stdlib-bio"):
        chunks, end = results[variant]
        assert b"".join(chunks) == expected, variant
        assert end == "want-read", variant
        assert len(chunks) == 1, (variant, [len(c) for c in chunks])


@pytest.mark.parametrize("variant", ["sslx", "sslx+stdlib-bio"])
def test_len_is_respected(certs, variant):
    mod, pair = connected(variant, certs)
    send(pair, PAYLOADS)
    expected = b"".join(PAYLOADS)
    got = []
    for size in (1, 20000, RECORD + 1, 50000, 1 << 20):
        data = pair.server.read(size)
        assert len(data) == min(size, len(expected) - len(b"".join(got)))
        got.append(data)
    assert b"".join(got) == expected
    with pytest.raises(mod.SSLWantReadError):
        pair.server.read(10)


def test_pending_is_not_consumed_by_a_short_buffer(certs):
    mod, pair = connected("sslx", certs)
    send(pair, [b"x" * 100])
    buf = bytearray(30)
    assert pair.server.read(30, buf) == 30
    assert pair.server.pending() == 70
    assert pair.server.read(1000) == b"x" * 70


def close_after_data(pair, mod):
    pair.client.write(b"a" * 30000)
    pair.client.write(b"tail")
    try:
        pair.client.unwrap()
    except mod.SSLWantReadError:
        pass
    pair.transfer()


def test_close_notify_after_data(certs):
    outcomes = {}
    for variant in VARIANTS:
        mod, pair = connected(variant, certs)
        close_after_data(pair, mod)
        chunks, end = read_all(mod, pair.server, 1 << 20)
        again = pair.server.read(10)
        outcomes[variant] = (b"".join(chunks), end, again)
    assert outcomes["stdlib"] == (b"a" * 30000 + b"tail", "eof", b"")
    assert outcomes["sslx"] == outcomes["stdlib"]
    assert outcomes["sslx+stdlib-bio"] == outcomes["stdlib"]


# The reason OpenSSL gives for a damaged record: from 3.2 its new record
# layer reports the failure as its own (last on the error queue).
BAD_RECORD_REASON = ("DECRYPTION_FAILED_OR_BAD_RECORD_MAC" if sslx.OPENSSL_VERSION_INFO < (3, 2)
                     else "RECORD_LAYER_FAILURE")


def corrupt_last_record(pair):
    """Two records from the client; the second one's tag is damaged."""
    pair.client.write(b"good" * 1000)
    pair.client.write(b"x" * 100)
    wire = bytearray(pair.c_out.read())
    wire[-3] ^= 1
    pair.s_in.write(bytes(wire))


def test_error_after_data_is_raised_by_the_next_read(certs):
    outcomes = {}
    for variant in VARIANTS:
        mod, pair = connected(variant, certs)
        corrupt_last_record(pair)
        chunks, end = read_all(mod, pair.server, 1 << 20)
        outcomes[variant] = (b"".join(chunks), end)
    assert outcomes["stdlib"] == (b"good" * 1000, ("SSLError", BAD_RECORD_REASON))
    assert outcomes["sslx"] == outcomes["stdlib"]
    assert outcomes["sslx+stdlib-bio"] == outcomes["stdlib"]


def test_error_after_data_into_a_buffer(certs):
    mod, pair = connected("sslx", certs)
    corrupt_last_record(pair)
    buf = bytearray(1 << 16)
    assert pair.server.read(len(buf), buf) == 4000
    with pytest.raises(mod.SSLError) as info:
        pair.server.read(len(buf), buf)
    assert info.value.reason == BAD_RECORD_REASON
    assert info.value.__traceback__ is not None


def handshaken_over(certs, s_in):
    """An sslx client and server, handshaken, the server reading from the
    given incoming object (the other BIOs are the stdlib's).  Returns
    (client, server, the client's outgoing BIO)."""
    client_ctx, server_ctx = make_contexts(sslx, certs)
    c_in, c_out, s_out = (stdlib_ssl.MemoryBIO() for _ in range(3))
    pair = MemoryPair(sslx, client_ctx, server_ctx, bios=(c_in, c_out, s_in, s_out))
    pair.handshake()
    return pair.client, pair.server, c_out


class RaisingBIO:
    """A MemoryBIO look-alike whose read() raises, once armed, when it has
    nothing left to give (a broken transport)."""

    def __init__(self):
        self.inner = stdlib_ssl.MemoryBIO()
        self.armed = False

    @property
    def pending(self):
        return self.inner.pending

    @property
    def eof(self):
        return self.inner.eof

    def write(self, data):
        return self.inner.write(data)

    def write_eof(self):
        self.inner.write_eof()

    def read(self, n=-1):
        if self.armed and not self.inner.pending:
            raise RuntimeError("incoming broke")
        return self.inner.read(n)


def test_foreign_bio_exception_after_data_is_kept_for_the_next_read(certs):
    s_in = RaisingBIO()
    client, server, c_out = handshaken_over(certs, s_in)
    client.write(b"q" * 100)
    s_in.write(c_out.read())
    s_in.armed = True
    # The first record is delivered; looking for a second one breaks the
    # transport, and that is reported by the next read, not lost.
    assert server.read(1000) == b"q" * 100
    with pytest.raises(RuntimeError, match="incoming broke"):
        server.read(1000)


class MinimalBIO:
    """Only what sslx needs of a foreign incoming BIO: read(), write(),
    eof.  No `pending`: reads then allocate one record at a time."""

    def __init__(self):
        self.inner = stdlib_ssl.MemoryBIO()

    def read(self, n=-1):
        return self.inner.read(n)

    def write(self, data):
        return self.inner.write(data)

    @property
    def eof(self):
        return self.inner.eof


def test_foreign_bio_without_pending(certs):
    s_in = MinimalBIO()
    client, server, c_out = handshaken_over(certs, s_in)
    client.write(b"m" * 50000)
    s_in.write(c_out.read())
    got = b""
    while len(got) < 50000:
        chunk = server.read(1 << 20)
        assert 0 < len(chunk) <= RECORD
        got += chunk
    assert got == b"m" * 50000


def eof_after_data(pair):
    """The client sends data, then its transport ends without a
    close_notify (a peer that closes its socket after sending)."""
    pair.client.write(b"hello")
    pair.s_in.write(pair.c_out.read())
    pair.s_in.write_eof()


@pytest.mark.parametrize("call", ["write", "do_handshake"])
def test_eof_after_data_is_met_by_the_next_read_only(certs, call):
    # Until the next read meets the EOF, the connection works as the
    # stdlib's does; sslx used to meet it while reading ahead, and a
    # write() raised SSLEOFError, a do_handshake() SSLSyscallError.
    outcomes = {}
    for variant in VARIANTS:
        mod, pair = connected(variant, certs)
        eof_after_data(pair)
        first = pair.server.read(4096)
        between = pair.server.write(b"x") if call == "write" else pair.server.do_handshake()
        with pytest.raises(mod.SSLEOFError):
            pair.server.read(4096)
        outcomes[variant] = (first, between, pair.server.pending())
    assert outcomes["stdlib"] == (b"hello", 1 if call == "write" else None, 0)
    assert outcomes["sslx"] == outcomes["stdlib"]
    assert outcomes["sslx+stdlib-bio"] == outcomes["stdlib"]
