"""Conformance: the interpreter's own asyncio TLS tests (test_asyncio.test_ssl
and test_asyncio.test_sslproto), run with sslx as `ssl` beside the same run
with the stdlib, per test class.  With sslx as `ssl`, asyncio's TLS
connections over the tests' contexts are served by sslx's C protocol
(sslx/_asyncio.py), and uvloop, when the tests use it, by sslx's wrap_bio().

    python tests/conformance/run_test_asyncio.py            # both modules, both impls
    python tests/conformance/run_test_asyncio.py --failures # list sslx's failures

Exits 0 whatever the counts: it reports, it does not gate.  Tests whose
outcome differs for a documented reason are listed in DIFFERENCES.
"""
import argparse
import collections
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run_test_ssl import OUTCOMES, fmt, run, tally  # noqa: E402

MODULES = ("test.test_asyncio.test_ssl", "test.test_asyncio.test_sslproto")

# "Class.test" -> why sslx's outcome differs from the stdlib's.
DIFFERENCES = {
    "SelectorStartTLSTests.test_create_connection_ssl_failed_certificate_no_cycles":
        "collects the transports by patching asyncio's SSLProtocol.connection_made, "
        "which sslx's C protocol does not call; the property (no cycle keeps the "
        "socket transports after a failed verification) is checked without the patch "
        "by tests/test_asyncio_c.py::test_failed_verification_leaves_no_cycles",
    "SslProtoHandshakeTests.test_connection_lost_when_busy":
        "drives the handshake with a mocked SSLObject; sslx's C protocol runs its own "
        "connection (a mock cannot stand in for it), whose handshake fails at the "
        "mocked socket's first send, before the app is connected; the behaviour "
        "(gh-118950: a failed send loses the connection, the next drain() raises "
        "ConnectionResetError) is checked with a real connection by "
        "tests/test_asyncio_c.py::test_send_failure_loses_the_connection",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="run only tests whose id contains this (repeatable)")
    ap.add_argument("--only", choices=("sslx", "stdlib"))
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--failures", action="store_true", help="print sslx's failures")
    args = ap.parse_args()
    impls = [args.only] if args.only else ["sslx", "stdlib"]
    v = sys.version_info
    print("asyncio TLS conformance on CPython %d.%d.%d (passed/failed/errors/skipped)"
          % (v.major, v.minor, v.micro))
    print("%-44s %18s %18s" % ("module.class", "sslx", "stdlib"))
    grand = {impl: collections.Counter() for impl in impls}
    failures = []
    for module in MODULES:
        if importlib.util.find_spec(module) is None:
            print("%-44s %37s" % (module.rsplit(".", 1)[1], "not in this Python's test suite"))
            continue
        runs = {impl: run(impl, args.patterns, args.timeout, module) for impl in impls}
        tallies = {impl: tally(res) for impl, (res, _) in runs.items()}
        classes = sorted(set().union(*[set(t) for t in tallies.values()]))
        short = module.rsplit(".", 1)[1]
        for cls in classes:
            row = []
            for impl in ("sslx", "stdlib"):
                c = tallies.get(impl, {}).get(cls, collections.Counter())
                if impl in grand:
                    grand[impl].update(c)
                row.append(fmt(c) if impl in tallies else "")
            print("%-44s %18s %18s" % ("%s.%s" % (short, cls), row[0], row[1]))
        for impl, (_, status) in runs.items():
            if status != "finished":
                print("%s run of %s %s" % (impl, module, status))
        if "sslx" in runs:
            failures += [(short, r) for r in runs["sslx"][0]
                         if r["outcome"] in ("failed", "error")]
    print("%-44s %18s %18s" % ("TOTAL", fmt(grand.get("sslx")), fmt(grand.get("stdlib"))))
    for short, r in failures:
        key = "%s.%s" % (r["class"], r["test"])
        if key in DIFFERENCES:
            print("differs: %s: %s" % (key, DIFFERENCES[key]))
        elif args.failures:
            last = r["detail"].strip().splitlines()[-1:] or [""]
            print("FAIL %s.%s: %s" % (short, key, last[0][:300]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
