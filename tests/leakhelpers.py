"""The leak tests' common check: a workload measured in a fresh
interpreter (other tests' threads and arenas make this process's RSS move
by hundreds of KiB on their own), its samples judged the same way."""
import json
import os
import statistics
import subprocess
import sys

# Samples taken while the allocator's arenas still grow, left out.
WARM_UP = 3
# After the warm-up: Python objects may grow by fewer than this ...
OBJECT_GROWTH = 20
# ... and the RSS trend across the samples by less than this many KiB.
RSS_GROWTH_KIB = 300


def rss_trend_kib(rss):
    """The growth across `rss` that its trend shows: the median of the
    slopes between every two samples (Theil-Sen), times the samples' span.
    A leak grows every batch, so it moves every slope; the allocator
    trimming its arenas dips one sample, which moves only a few slopes and
    not the median (a plain last-minus-first read a dip at the start as
    400 KiB of growth)."""
    slopes = [(rss[j] - rss[i]) / (j - i)
              for i in range(len(rss)) for j in range(i + 1, len(rss))]
    return statistics.median(slopes) * (len(rss) - 1)


def assert_flat_in_child(module, args, timeout):
    """Run `module.measure_standalone(*args)` (a list of (RSS KiB, object
    count) samples) in a fresh interpreter and require both to stay flat.
    Under AddressSanitizer, whose allocator makes RSS meaningless, its
    LeakSanitizer judges instead: no leaked block may have been allocated
    through sslx (other extensions, cffi via trustme, keep one-time
    allocations at exit)."""
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
    objects = [s[1] for s in samples[WARM_UP:]]
    assert objects[-1] - objects[0] < OBJECT_GROWTH, [s[1] for s in samples]
    if under_asan:
        assert "LeakSanitizer" in out.stderr or out.returncode == 0, out.stderr[-3000:]
        leaks = [block for block in out.stderr.split("\n\n") if "leak of" in block]
        assert not [b for b in leaks if "_sslx" in b], out.stderr[-5000:]
        return
    assert out.returncode == 0, out.stderr
    rss = [s[0] for s in samples[WARM_UP:]]
    assert rss_trend_kib(rss) < RSS_GROWTH_KIB, [s[0] for s in samples]
