"""Conformance: the interpreter's own test_ssl, run with sslx as `ssl`,
beside the same run with the stdlib, per test class.

    python tests/conformance/run_test_ssl.py            # both, this interpreter
    python tests/conformance/run_test_ssl.py -k Context # only matching tests
    python tests/conformance/run_test_ssl.py --failures # list sslx's failures

Exits 0 whatever the counts: it reports, it does not gate.  Tests that
cannot apply to any re-implementation (they inspect the stdlib's private
_ssl internals) are listed in NOT_APPLICABLE with the reason.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# test id -> why it cannot pass for a module that is not the stdlib's _ssl.
NOT_APPLICABLE = {
    "BasicSocketTests.test_ssl_types":
        "checks that the stdlib's private C types _ssl._SSLContext and _ssl._SSLSocket "
        "are immutable; sslx has no such private types: its public SSLContext and "
        "SSLSocket are the C types and stay mutable like the stdlib's public Python "
        "classes (MemoryBIO, SSLSession, Certificate are immutable, as in the stdlib)",
}

OUTCOMES = ("passed", "failed", "error", "skipped")


def run(impl, patterns, timeout, module=None):
    fd, path = tempfile.mkstemp(suffix=".jsonl")
    os.close(fd)
    cmd = [sys.executable, os.path.join(HERE, "child.py"), impl, path]
    if module:
        cmd += ["--module", module]
    for p in patterns:
        cmd += [p if "*" in p else "*%s*" % p]
    status = "finished"
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=timeout)
        if proc.returncode not in (0, 1):
            status = "crashed (exit %d)" % proc.returncode
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-5:]
            status += ": " + " | ".join(tail)
    except subprocess.TimeoutExpired:
        status = "timed out after %ds" % timeout
    with open(path) as f:
        results = [json.loads(line) for line in f if line.strip()]
    os.unlink(path)
    return results, status


def tally(results):
    counts = collections.defaultdict(collections.Counter)
    for r in results:
        counts[r["class"]][r["outcome"]] += 1
    return counts


def fmt(counter):
    if not counter:
        return "-"
    return "%d/%d/%d/%d" % tuple(counter[o] for o in OUTCOMES)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="run only tests whose id contains this (repeatable)")
    ap.add_argument("--only", choices=("sslx", "stdlib"))
    ap.add_argument("--timeout", type=int, default=1200)
    ap.add_argument("--failures", action="store_true", help="print sslx's failures")
    ap.add_argument("--json", help="write all results here")
    args = ap.parse_args()

    impls = [args.only] if args.only else ["sslx", "stdlib"]
    runs = {impl: run(impl, args.patterns, args.timeout) for impl in impls}
    tallies = {impl: tally(res) for impl, (res, _) in runs.items()}
    classes = sorted(set().union(*[set(t) for t in tallies.values()]))
    v = sys.version_info
    print("test_ssl conformance on CPython %d.%d.%d (passed/failed/errors/skipped)"
          % (v.major, v.minor, v.micro))
    print("%-28s %18s %18s" % ("class", "sslx", "stdlib"))
    total = {impl: collections.Counter() for impl in impls}
    for cls in classes:
        row = []
        for impl in ("sslx", "stdlib"):
            c = tallies.get(impl, {}).get(cls, collections.Counter())
            if impl in total:
                total[impl].update(c)
            row.append(fmt(c) if impl in tallies else "")
        print("%-28s %18s %18s" % (cls, row[0], row[1]))
    print("%-28s %18s %18s" % ("TOTAL", fmt(total.get("sslx")), fmt(total.get("stdlib"))))
    for impl, (_, status) in runs.items():
        if status != "finished":
            print("%s run %s" % (impl, status))
    if "sslx" in runs:
        res = runs["sslx"][0]
        na = [r for r in res if r["outcome"] in ("failed", "error")
              and "%s.%s" % (r["class"], r["test"]) in NOT_APPLICABLE]
        for r in na:
            key = "%s.%s" % (r["class"], r["test"])
            print("not applicable: %s: %s" % (key, NOT_APPLICABLE[key]))
        if args.failures:
            for r in res:
                if r["outcome"] in ("failed", "error"):
                    last = r["detail"].strip().splitlines()[-1:] or [""]
                    print("FAIL %s.%s: %s" % (r["class"], r["test"], last[0][:200]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({impl: res for impl, (res, _) in runs.items()}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
