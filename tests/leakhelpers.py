"""The leak tests' common check: a workload measured in a fresh
interpreter (other tests' threads and caches would move the numbers on
their own), its samples judged the same way.

What is measured is exact, not the RSS: the bytes malloc has handed out
and not had back (OpenSSL's allocations and Python's larger buffers), the
blocks Python's small-object allocator has handed out (every small
object, bytes and strings included, which the garbage collector does not
list) and the objects the garbage collector lists.  The RSS moved by up
to 600 KiB between identical batches as glibc grew and trimmed its arenas,
which made a flat workload look like a leak in CI.

The exact measures still step now and then without a leak: one of the
interpreter's tables doubles (the interned strings' dict, 288 KiB at
once), a free list keeps a few more tuples.  A leak grows every batch; a step
grows one.  So growth is judged batch by batch (growth_per_batch)."""
import ctypes
import functools
import gc
import json
import os
import statistics
import subprocess
import sys

# Samples taken while caches and free lists still fill, left out.
WARM_UP = 3
# After the warm-up, from the first sample to the last: the garbage
# collector's objects may grow by fewer than this ...
OBJECT_GROWTH = 20
# ... and by growth_per_batch() over all batches, small-object blocks by
# fewer than this (a leaked bytes or str per iteration is one block per
# iteration: hundreds per batch; the samples kept add four or five per
# batch, free lists a few) ...
BLOCK_GROWTH = 200
# ... and malloc's bytes in use by less than this many KiB.
MALLOC_GROWTH_KIB = 64


def growth_per_batch(values):
    """The growth `values` show batch after batch, over all batches: the
    median of the increments between consecutive samples, times their
    number.  A leak adds to every increment; a one-off step moves one and
    not the median."""
    increments = sorted(b - a for a, b in zip(values, values[1:]))
    return statistics.median(increments) * len(increments)


def _mallinfo_struct(field_type):
    class MallInfo(ctypes.Structure):
        _fields_ = [(name, field_type) for name in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                     "fsmblks", "uordblks", "fordblks", "keepcost")]
    return MallInfo


@functools.lru_cache(maxsize=None)
def _mallinfo_function():
    """glibc's mallinfo2(), or before glibc 2.33 mallinfo(), whose int
    fields are enough for the few MiB these workloads hold (looked up
    once, not at every sample)."""
    libc = ctypes.CDLL(None)
    try:
        function, field_type = libc.mallinfo2, ctypes.c_size_t
    except AttributeError:
        function, field_type = libc.mallinfo, ctypes.c_int
    function.restype = _mallinfo_struct(field_type)
    return function


def malloc_in_use_kib():
    """glibc's bytes in use: allocated heap chunks plus mmapped ones."""
    info = _mallinfo_function()()
    return (info.uordblks + info.hblkhd) // 1024


def sample():
    """One measurement, after a full collection: (malloc KiB in use,
    small-object blocks, objects the garbage collector lists)."""
    gc.collect()
    return malloc_in_use_kib(), sys.getallocatedblocks(), len(gc.get_objects())


def assert_flat_in_child(module, args, timeout):
    """Run `module.measure_standalone(*args)` (a list of sample()s) in a
    fresh interpreter and require all three measures to stay flat.
    Under AddressSanitizer, whose allocator replaces malloc's accounting,
    its LeakSanitizer judges the malloc side instead: no leaked block may
    have been allocated through sslx (other extensions, cffi via trustme,
    keep one-time allocations at exit)."""
    code = ("import json, sys; sys.path[:0] = %r; import %s as t; "
            "print(json.dumps(t.measure_standalone(*%r)))"
            % ([os.path.dirname(os.path.abspath(__file__))] + sys.path, module, tuple(args)))
    env = dict(os.environ)
    under_asan = "libasan" in env.get("LD_PRELOAD", "")
    if under_asan:
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "")
                               + ":detect_leaks=1:quarantine_size_mb=0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=timeout, env=env)
    samples = json.loads(out.stdout.strip().splitlines()[0]) if out.stdout.strip() else None
    assert samples is not None, out.stderr[-3000:]
    measured = samples[WARM_UP:]
    assert measured[-1][2] - measured[0][2] < OBJECT_GROWTH, samples
    assert growth_per_batch([m[1] for m in measured]) < BLOCK_GROWTH, samples
    if under_asan:
        assert "LeakSanitizer" in out.stderr or out.returncode == 0, out.stderr[-3000:]
        leaks = [block for block in out.stderr.split("\n\n") if "leak of" in block]
        assert not [b for b in leaks if "_sslx" in b], out.stderr[-5000:]
        return
    assert out.returncode == 0, out.stderr
    assert growth_per_batch([m[0] for m in measured]) < MALLOC_GROWTH_KIB, samples
