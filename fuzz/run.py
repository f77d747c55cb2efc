"""Run sslx's fuzz targets under atheris (pip install atheris).

    python fuzz/run.py TARGET [libFuzzer options]   one target, as long as you like
    python fuzz/run.py --all --seconds N            every target for N seconds each
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def run_one(name, argv):
    import atheris
    with atheris.instrument_imports():
        import targets
    target = targets.TARGETS[name]
    corpus = os.path.join(HERE, "corpus", name)
    extra = [a for a in argv if not a.startswith("-")]
    opts = [a for a in argv if a.startswith("-")]
    if not extra and os.path.isdir(corpus):
        extra = [corpus]
    atheris.Setup([sys.argv[0]] + opts + extra, target)
    atheris.Fuzz()


def run_all(seconds):
    import targets
    failed = []
    for name in targets.TARGETS:
        print("== fuzzing %s for %ds" % (name, seconds), flush=True)
        proc = subprocess.run([sys.executable, __file__, name,
                               "-max_total_time=%d" % seconds, "-rss_limit_mb=4096"],
                              capture_output=True, text=True)
        tail = [l for l in proc.stderr.splitlines() if l.startswith(("#", "Done", "=="))][-1:]
        print("   exit %d %s" % (proc.returncode, tail[0] if tail else ""), flush=True)
        if proc.returncode != 0:
            print(proc.stderr[-3000:])
            failed.append(name)
    print("%d passed, %d failed" % (len(targets.TARGETS) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--all"]:
        seconds = int(sys.argv[3]) if sys.argv[2:3] == ["--seconds"] else 20
        sys.exit(run_all(seconds))
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    run_one(sys.argv[1], sys.argv[2:])
