"""MemoryBIO: the spec's "Memory BIO Support" section.  Every test runs on
sslx and on the stdlib (fixture `mod`) with the same expectations."""
import pickle
import ssl as stdlib_ssl

import pytest

import sslx


def test_read_write_fifo(mod):
    bio = mod.MemoryBIO()
    assert bio.write(b"foo") == 3
    assert bio.write(b"bar") == 3
    assert bio.read() == b"foobar"
    assert bio.read() == b""
    bio.write(b"baz")
    assert bio.read(2) == b"ba"
    assert bio.read(1) == b"z"
    assert bio.read(1) == b""


def test_read_sizes(mod):
    bio = mod.MemoryBIO()
    bio.write(b"abcdef")
    assert bio.read(0) == b""
    assert bio.read(-5) == b"abcdef"      # negative: everything
    bio.write(b"xy")
    assert bio.read(100) == b"xy"         # more than pending: what there is


def test_pending_counts_bytes(mod):
    bio = mod.MemoryBIO()
    assert bio.pending == 0
    bio.write(b"foo")
    assert bio.pending == 3
    bio.read(1)
    assert bio.pending == 2
    bio.read()
    assert bio.pending == 0


def test_eof_only_after_write_eof_and_drained(mod):
    bio = mod.MemoryBIO()
    assert bio.eof is False
    bio.write(b"foo")
    bio.write_eof()
    assert bio.eof is False           # data still pending
    assert bio.read(2) == b"fo"
    assert bio.eof is False
    assert bio.read() == b"o"
    assert bio.eof is True
    assert bio.read() == b""
    assert bio.eof is True


def test_write_after_eof_is_ssl_error(mod):
    bio = mod.MemoryBIO()
    bio.write_eof()
    bio.write_eof()                   # idempotent
    with pytest.raises(mod.SSLError) as info:
        bio.write(b"x")
    assert info.value.args == ("cannot write() after write_eof()",)


@pytest.mark.parametrize("data", [b"bar", bytearray(b"bar"), memoryview(b"bar"),
                                  memoryview(b"xbarx")[1:4]])
def test_write_accepts_contiguous_buffers(mod, data):
    bio = mod.MemoryBIO()
    assert bio.write(data) == 3
    assert bio.read() == b"bar"


def test_write_rejects_non_contiguous(mod):
    noncontig = memoryview(bytearray(b"noncontig"))[::-2]
    with pytest.raises(BufferError):
        mod.MemoryBIO().write(noncontig)


@pytest.mark.parametrize("bad", ["foo", None, True, 1, 1.5, [1]])
def test_write_type_errors(mod, bad):
    with pytest.raises(TypeError):
        mod.MemoryBIO().write(bad)


def test_read_argument_errors(mod):
    bio = mod.MemoryBIO()
    with pytest.raises(TypeError):
        bio.read("x")
    with pytest.raises(OverflowError):
        bio.read(2 ** 70)


def test_attributes_read_only(mod):
    bio = mod.MemoryBIO()
    with pytest.raises(AttributeError):
        bio.eof = True
    with pytest.raises(AttributeError):
        bio.pending = 1


def test_constructor_takes_no_arguments(mod):
    with pytest.raises(TypeError):
        mod.MemoryBIO(1)
    with pytest.raises(TypeError):
        mod.MemoryBIO(x=1)


def test_not_picklable(mod):
    with pytest.raises(TypeError):
        pickle.dumps(mod.MemoryBIO())


def test_large_payload_round_trip(mod):
    bio = mod.MemoryBIO()
    blob = bytes(range(256)) * 8192   # 2 MiB
    assert bio.write(blob) == len(blob)
    assert bio.pending == len(blob)
    out = bio.read(1000) + bio.read()
    assert out == blob


def test_same_errors_as_stdlib():
    """Exception types and messages of bad calls match the stdlib's."""
    cases = [
        lambda m: m.MemoryBIO().write("str"),
        lambda m: m.MemoryBIO().write(None),
        lambda m: m.MemoryBIO(1),
        lambda m: m.MemoryBIO().read("x"),
    ]
    for case in cases:
        outcomes = []
        for m in (sslx, stdlib_ssl):
            with pytest.raises(Exception) as info:
                case(m)
            outcomes.append((type(info.value), str(info.value)))
        assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("seed", range(5))
def test_random_operations_match_stdlib(seed):
    """sslx's MemoryBIO keeps its own queue of chunks (not OpenSSL's memory
    BIO): random interleavings of writes and reads, small ones sharing a
    4 KiB chunk and large ones spanning many, give the stdlib's results
    step by step."""
    import random
    rng = random.Random(seed)
    ours, theirs = sslx.MemoryBIO(), stdlib_ssl.MemoryBIO()
    counter = 0
    for _ in range(400):
        op = rng.random()
        if op < 0.45:
            n = rng.choice([0, 1, 5, 4096, 17 * 1024, 70000, 300000])
            data = bytes((counter + i) % 251 for i in range(min(n, 1000))) * (n // 1000 + 1)
            data = data[:n]
            counter += 1
            assert ours.write(data) == theirs.write(data)
        elif op < 0.9:
            n = rng.choice([-1, 0, 1, 100, 16384, 65536, 1 << 20])
            assert ours.read(n) == theirs.read(n)
        else:
            assert ours.read() == theirs.read()
        assert ours.pending == theirs.pending
        assert ours.eof == theirs.eof
    theirs.write_eof()
    ours.write_eof()
    assert (ours.eof, ours.pending) == (theirs.eof, theirs.pending)
    assert ours.read() == theirs.read()
    assert ours.eof and theirs.eof
