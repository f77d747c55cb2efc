"""Benchmarks: sslx beside the stdlib ssl, in the same run, on this machine.

    sslx bench [--quick] [--rounds N] [--clock cpu|wall]
               [--json FILE] [--png FILE] [--only CASE ...]
    python bench/run.py ...   (the same, from a checkout)

Every case runs for both modules, alternating which goes first, several
rounds; the table shows medians, and the ratio to the stdlib (the median of
the per-round ratios, which cancels drift in the machine's speed) as a
speed-up (higher is better for sslx) or sslx/stdlib for memory (lower is
better).  From a source checkout with a C compiler and libssl-dev, a third
column compares sslx with bench/ref_openssl.c (raw OpenSSL doing the same
work in C; for memory, sslx's RSS per connection as a share of raw
OpenSSL's).  Both modules run the same Python driver code, and the
in-memory cases use sslx._memorypair.MemoryPair, the pump sslx's tests use.
Nothing here asserts a time: the numbers are a report.  Servers are on
127.0.0.1 only.  Certificates are made by sslx's own C generator in a
private temporary directory, removed at exit; files are written only where
--json and --png say.
"""
import argparse
import json
import os
import platform
import socket
import ssl as stdlib_ssl
import statistics
import subprocess
import sys
import threading
import time

from sslx import bench_asyncio
from sslx._memorypair import MemoryPair

HERE = os.path.dirname(os.path.abspath(__file__))

# The clock the rates are computed with.  "cpu" (the default) is the CPU
# time of this process, all threads, user and system: on a shared, busy
# machine it measures the work done far more steadily than elapsed time,
# which also counts the time other programs held the CPU.  "wall" is
# elapsed time.  The raw-OpenSSL program is told the same choice.
CLOCK = {"name": "cpu"}


def clock():
    return time.process_time() if CLOCK["name"] == "cpu" else time.perf_counter()


# ---------------------------------------------------------------- certificates

class Certs:
    """A throwaway CA and a server certificate for localhost, made in C by
    sslx (cli.make_throwaway_pki) in `directory`: `cafile`, and `certfile`
    holding the certificate and its key (mode 0600), the form both
    load_cert_chain(certfile) and bench/ref_openssl.c take."""

    def __init__(self, directory):
        from sslx.cli import make_throwaway_pki, write_file
        self.cafile, cert, key = make_throwaway_pki(directory)
        self.certfile = os.path.join(directory, "server-and-key.pem")
        with open(cert) as c, open(key) as k:
            write_file(self.certfile, c.read() + k.read(), mode=0o600, exclusive=True)


def ca_bundle():
    try:
        import certifi
        return certifi.where()
    except ImportError:
        return stdlib_ssl.get_default_verify_paths().cafile


def contexts(mod, certs, tls13=True):
    server = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.certfile)
    client = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    if tls13:
        client.minimum_version = mod.TLSVersion.TLSv1_3
    return server, client


# ---------------------------------------------------------------- in-memory

def case_handshake_memory(mod, certs, n):
    server_ctx, client_ctx = contexts(mod, certs)
    t0 = clock()
    for _ in range(n):
        MemoryPair(mod, client_ctx, server_ctx).handshake()
    return n / (clock() - t0)


def case_bulk_memory(mod, certs, megabytes):
    server_ctx, client_ctx = contexts(mod, certs)
    pair = MemoryPair(mod, client_ctx, server_ctx).handshake()
    client, server, c_out, s_in = pair.client, pair.server, pair.c_out, pair.s_in
    # 64 KiB per write and per read, as the socket case and asyncio move
    # bulk data (asyncio reads up to 256 KiB at a time).
    chunk = b"x" * 65536
    total = megabytes * 1024 * 1024
    sent = 0
    t0 = clock()
    while sent < total:
        client.write(chunk)
        s_in.write(c_out.read())
        got = 0
        while got < len(chunk):
            got += len(server.read(len(chunk)))
        sent += len(chunk)
    return total / (clock() - t0) / 1e6


# ---------------------------------------------------------------- sockets

def case_bulk_socket(mod, certs, megabytes):
    server_ctx, client_ctx = contexts(mod, certs)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    total = megabytes * 1024 * 1024
    errors = []

    def serve():
        try:
            listener.settimeout(30)
            raw, _ = listener.accept()
            raw.settimeout(30)
            with server_ctx.wrap_socket(raw, server_side=True) as conn:
                got = 0
                buf = bytearray(65536)
                while got < total:
                    n = conn.recv_into(buf)
                    if not n:
                        break
                    got += n
                conn.sendall(b"k")
        except Exception as exc:  # reported by the main thread
            errors.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    chunk = b"y" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as conn:
            t0 = clock()
            sent = 0
            while sent < total:
                conn.sendall(chunk)
                sent += len(chunk)
            conn.recv(1)
            elapsed = clock() - t0
    thread.join(30)
    listener.close()
    if errors:
        raise errors[0]
    return total / elapsed / 1e6


# ---------------------------------------------------------------- contexts

def case_create_default_context(mod, certs, n):
    t0 = clock()
    for _ in range(n):
        mod.create_default_context()
    return n / (clock() - t0)


def case_load_bundle(mod, certs, n):
    bundle = ca_bundle()
    t0 = clock()
    for _ in range(n):
        ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cafile=bundle)
    return n / (clock() - t0)


# ---------------------------------------------------------------- memory

RSS_CHILD = r"""
import gc, resource, socket, sys
sys.path[:0] = {path!r}
mod = __import__({module!r})
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()
server_ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain({certfile!r})
client_ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
client_ctx.load_verify_locations({cafile!r})
def pair():
    a, b = socket.socketpair()
    s = server_ctx.wrap_socket(a, server_side=True, do_handshake_on_connect=False)
    c = client_ctx.wrap_socket(b, server_hostname="localhost", do_handshake_on_connect=False)
    s.setblocking(False); c.setblocking(False)
    done = [False, False]
    for _ in range(200):
        for i, end in enumerate((c, s)):
            if not done[i]:
                try:
                    end.do_handshake(); done[i] = True
                except (mod.SSLWantReadError, mod.SSLWantWriteError):
                    pass
        if all(done):
            # one round trip of application data, as a real connection has
            c.write(b"ping")
            for _ in range(50):
                try:
                    s.read(4); break
                except mod.SSLWantReadError:
                    pass
            return s, c
    raise RuntimeError("handshake did not finish")
keep = [pair() for _ in range(20)]
gc.collect()
before = rss()
keep += [pair() for _ in range({n})]
gc.collect()
after = rss()
print((after - before) / {n})
"""


def case_rss_per_connection(mod, certs, n):
    path = [os.path.dirname(HERE)] if mod.__name__ == "sslx" else []
    code = RSS_CHILD.format(path=path, module=mod.__name__, certfile=certs.certfile,
                            cafile=certs.cafile, n=n)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr else "failed")
    return float(out.stdout.strip()) / 1024.0


# ---------------------------------------------------------------- reference C

REFERENCE_SOURCE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench", "ref_openssl.c")


def reference_program(directory):
    """Build bench/ref_openssl.c (raw OpenSSL doing the same work) into
    `directory`.  Returns (path, None), or (None, why not) when the source
    is not there (an installed sslx: it lives in the source checkout) or
    does not build here."""
    if not os.path.exists(REFERENCE_SOURCE):
        return None, ("bench/ref_openssl.c is not installed; it is in sslx's source "
                      "checkout, where `python bench/run.py` runs it")
    exe = os.path.join(directory, "ref_openssl")
    cc = os.environ.get("CC", "cc")
    try:
        proc = subprocess.run([cc, "-O2", "-o", exe, REFERENCE_SOURCE, "-lssl", "-lcrypto"],
                              capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, "cannot run the C compiler %r: %s" % (cc, exc)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return None, "bench/ref_openssl.c does not build here (%s)" % (
            lines[-1] if lines else "%s exited with %d" % (cc, proc.returncode))
    return exe, None


def run_reference(exe, certs, what, amount):
    out = subprocess.run([exe, what, certs.certfile, certs.cafile, str(amount), CLOCK["name"]],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return float(out.stdout.strip())


# ---------------------------------------------------------------- driver

# name: (function, amount, quick amount, unit, higher_is_better, reference)
CASES = {
    "create_default_context": (case_create_default_context, 300, 100, "ctx/s", True, None),
    "load_verify_locations(bundle)": (case_load_bundle, 100, 30, "loads/s", True, None),
    # Samples of a second or more: shorter ones varied by +-15% on a
    # shared 2-core VM, the raw C program's included.
    "handshake TLS1.3 (MemoryBIO)": (case_handshake_memory, 1000, 200, "hs/s", True, "handshake"),
    "bulk (MemoryBIO)": (case_bulk_memory, 1024, 64, "MB/s", True, "bulk"),
    "bulk (loopback socket)": (case_bulk_socket, 512, 64, "MB/s", True, None),
    "RSS per idle connection pair": (case_rss_per_connection, 2000, 500, "KiB", False, "rss"),
}

# The asyncio cases on each event loop, and the parts of their one-core
# ceilings (bench_asyncio.py): the same cases without TLS ("plain": run once
# per round, not per module) and AES-256-GCM in C (the reference program
# only).
CASES.update({name: (func, amount, quick, unit, True, None) for name, (func, amount, quick, unit)
              in bench_asyncio.cases(clock).items()})
PLAIN_CASES = bench_asyncio.plain_parts(clock)
CASES.update({name: (func, amount, quick, unit, True, None) for name, (func, amount, quick, unit)
              in PLAIN_CASES.items()})
REFERENCE_ONLY = {"AES-256-GCM (raw EVP)"}
CASES["AES-256-GCM (raw EVP)"] = (None, 4096, 1024, "MB/s", True, "aesgcm")


START = time.perf_counter()


def progress(msg):
    msg = "[%5.1fs] %s" % (time.perf_counter() - START, msg)
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K" + msg)
    else:
        sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def measure(cases, rounds, quick, certs, ref):
    """Run the cases; `ref` is the raw-OpenSSL program or None."""
    import sslx
    modules = {"stdlib": stdlib_ssl, "sslx": sslx}
    results = {}
    for name in cases:
        func, amount, quick_amount, unit, higher, ref_kind = CASES[name]
        amount = quick_amount if quick else amount
        entry = {"unit": unit, "higher_is_better": higher, "samples": {}, "errors": {}}
        case_modules = modules
        if name in PLAIN_CASES:
            case_modules = {"plain": None}
        elif name in REFERENCE_ONLY:
            case_modules = {}
        # A memory sample is steadier and slower to take than a timing.
        n_rounds = min(rounds, 3) if func is case_rss_per_connection else rounds
        if func is not case_rss_per_connection:
            # An untimed first run per module: lazy initialisation inside
            # OpenSSL and the interpreter is not part of the work measured.
            for label, mod in case_modules.items():
                progress("%s: %s warm-up" % (name, label))
                try:
                    func(mod, certs, max(1, quick_amount // 10))
                except Exception as exc:
                    entry["errors"][label] = "%s: %s" % (type(exc).__name__, exc)
        for r in range(n_rounds):
            # Alternate who goes first, so drift in the machine's load
            # does not always favour the same module.
            order = list(case_modules.items())
            if r % 2:
                order.reverse()
            for label, mod in order:
                progress("%s: %s round %d/%d" % (name, label, r + 1, n_rounds))
                try:
                    value = func(mod, certs, amount)
                    entry["samples"].setdefault(label, []).append(value)
                except Exception as exc:
                    entry["errors"][label] = "%s: %s" % (type(exc).__name__, exc)
            if ref and ref_kind:
                progress("%s: raw OpenSSL round %d/%d" % (name, r + 1, n_rounds))
                try:
                    value = run_reference(ref, certs, ref_kind, amount)
                    entry["samples"].setdefault("openssl", []).append(value)
                except Exception as exc:
                    entry["errors"]["openssl"] = str(exc)
        entry["median"] = {k: statistics.median(v) for k, v in entry["samples"].items()}
        entry["paired"] = paired_ratios(entry["samples"])
        results[name] = entry
    progress("done\n")
    return results


def paired_ratios(samples):
    """sslx's result over each other's, taken round by round (the samples
    of one round run back to back) and then the median of those ratios.
    The machine's speed drifts between rounds (by 30% on a shared VM);
    within a round it mostly does not, so pairing cancels the drift that a
    ratio of two medians keeps.  Samples that failed are not paired."""
    ours = samples.get("sslx", [])
    out = {}
    for other in ("stdlib", "openssl"):
        theirs = samples.get(other, [])
        pairs = [a / b for a, b in zip(ours, theirs) if b]
        if pairs and len(ours) == len(theirs):
            out[other] = statistics.median(pairs)
    return out


def ratio(entry, a, b):
    if a == "sslx" and b in entry.get("paired", {}):
        return entry["paired"][b]
    m = entry["median"]
    if a not in m or b not in m or not m[b]:
        return None
    return m[a] / m[b]


def verdict(entry):
    if "plain" in entry["median"]:
        return "(no TLS: ceiling part)"
    r = ratio(entry, "sslx", "stdlib")
    if r is None:
        return "n/a"
    if entry["higher_is_better"]:
        if 0.995 <= r < 1.005:
            return "1.00x (parity)"
        return "%.2fx faster" % r if r >= 1 else "%.2fx slower" % (1 / r)
    return "%.2f of stdlib's" % r


def versus_c(entry):
    r = ratio(entry, "sslx", "openssl")
    return "-" if r is None else "%.1f%%" % (100 * r)


def table(results, with_c=True):
    """The results as text; without the raw-C columns when the reference
    program did not run (`with_c` False)."""
    if with_c:
        fmt = "%-32s %10s %10s %10s %7s  %-18s %s"
        header = ("case", "sslx", "stdlib", "raw C", "unit", "sslx vs stdlib", "sslx/raw C")
    else:
        fmt = "%-32s %10s %10s %7s  %s"
        header = ("case", "sslx", "stdlib", "unit", "sslx vs stdlib")
    lines = [fmt % header]
    for name, e in results.items():
        m = e["median"]

        def cell(k):
            if k == "sslx" and "plain" in m:
                return "%.1f" % m["plain"]     # a ceiling part without TLS
            if k in m:
                return "%.1f" % m[k]
            return "error" if k in e["errors"] else "-"

        if with_c:
            row = (name, cell("sslx"), cell("stdlib"), cell("openssl"), e["unit"], verdict(e),
                   versus_c(e) if e.get("reference") else "(no C case)")
        else:
            row = (name, cell("sslx"), cell("stdlib"), e["unit"], verdict(e))
        lines.append((fmt % row).rstrip())
        for label, err in e["errors"].items():
            lines.append("    %s failed: %s" % (label, err))
    return "\n".join(lines)


def chart(results, path):
    """Draw the speed-ups as a bar chart; False when matplotlib is absent."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names, values = [], []
    for name, e in results.items():
        r = ratio(e, "sslx", "stdlib")
        if r is not None:
            names.append(name)
            values.append(r if e["higher_is_better"] else 1 / r)
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.5 * len(names)))
    ax.barh(names, values, color=["tab:green" if v >= 1 else "tab:red" for v in values])
    ax.set_xscale("log")   # 150x and 1.1x on one chart
    ax.axvline(1.0, color="black", linewidth=0.8)
    for y, v in enumerate(values):
        ax.text(v, y, " %.2fx" % v, va="center")
    ax.set_xlim(min(values + [1.0]) / 1.5, max(values + [1.0]) * 3)
    ax.set_xlabel("sslx advantage over the stdlib (x, log scale, higher is better)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1, not %r" % text)
    return value


def check_output_path(path, option):
    """Fail before measuring, not after, when an output file cannot be
    written: its directory must exist and be writable."""
    from sslx.cli import CliError, EXIT_USAGE
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise CliError("%s %s is a directory" % (option, path), EXIT_USAGE)
    if not os.path.isdir(directory) or not os.access(directory, os.W_OK):
        raise CliError("cannot write %s %s: no writable directory %s" % (option, path, directory),
                       EXIT_USAGE)


# Elapsed time of whole runs on the shared, busy 2-core VM sslx is developed
# on (CPython 3.11, OpenSSL 3.0; load average 3-5 from other work), timed
# end to end: --quick took 18-33 s, the full run 109-174 s, the raw-C column
# included or not.  The help quotes them.
QUICK_TIME = "20-35 seconds"
FULL_TIME = "2-3 minutes"


def build_parser():
    from sslx.cli import Parser
    ap = Parser(prog="sslx bench", description=__doc__.splitlines()[0],
                epilog="From a checkout, `python bench/run.py` runs the same.  Files are "
                       "written only where --json and --png say.")
    ap.add_argument("--quick", action="store_true",
                    help="small amounts and 3 rounds; on a shared 2-core VM that took %s, "
                         "the full run %s (default: full amounts, 5 rounds)"
                         % (QUICK_TIME, FULL_TIME))
    ap.add_argument("--rounds", type=positive_int, metavar="N",
                    help="repetitions of each case (default: 5, or 3 with --quick)")
    ap.add_argument("--only", nargs="+", metavar="CASE",
                    help="run only the cases whose names contain one of these "
                         "(case-insensitive; default: all of %s)" % ", ".join(CASES))
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="rates per second of process CPU time (steady on a busy machine) "
                         "or of elapsed time (default: %(default)s)")
    ap.add_argument("--malloc", choices=("pinned", "default"), default="pinned",
                    help="pinned: glibc's malloc keeps large blocks (fixed thresholds), so "
                         "every case runs in the same allocator state; default: leave it "
                         "(default: %(default)s)")
    ap.add_argument("--json", metavar="FILE",
                    help="also write the results as JSON to FILE (default: not written)")
    ap.add_argument("--png", metavar="FILE",
                    help="also draw a chart to FILE; needs matplotlib (default: not drawn)")
    return ap


def pin_malloc():
    """Keep glibc's malloc from giving large blocks back to the system and
    mapping them anew (its thresholds otherwise move with what ran before:
    plain asyncio streams, whose receives allocate 256 KiB, ran at half the
    speed or twice it depending on which case came first).  Every case then
    runs in the same state.  False where this is not glibc."""
    import ctypes
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(mallopt(M_MMAP_THRESHOLD, 4 << 20) and mallopt(M_TRIM_THRESHOLD, 64 << 20))


def main(argv=None):
    """`sslx bench`: run through sslx.cli.main, which turns errors into
    one line and an exit code."""
    from sslx.cli import CliError, EXIT_USAGE, private_directory, stop_signals
    args = build_parser().parse_args(argv)
    CLOCK["name"] = args.clock
    pinned = args.malloc == "pinned" and pin_malloc()
    rounds = args.rounds or (3 if args.quick else 5)
    cases = [c for c in CASES if not args.only or any(o.lower() in c.lower() for o in args.only)]
    if not cases:
        raise CliError("no case matches --only %s (cases: %s)" % (" ".join(args.only),
                                                                 ", ".join(CASES)), EXIT_USAGE)
    for path, option in ((args.json, "--json"), (args.png, "--png")):
        if path:
            check_output_path(path, option)
    # SIGTERM/SIGHUP end the run like Ctrl-C: the private directory goes.
    with stop_signals(), private_directory("sslx-bench-") as directory:
        certs = Certs(directory)
        wants_c = any(CASES[c][5] for c in cases)
        ref, why_not = reference_program(directory) if wants_c else (None, None)
        results = measure(cases, rounds, args.quick, certs, ref)
    for name, entry in results.items():
        entry["reference"] = CASES[name][5]
    print("sslx benchmarks on %s, Python %s, %s; %d rounds, medians; %s clock; malloc %s" % (
        platform.machine(), platform.python_version(), stdlib_ssl.OPENSSL_VERSION, rounds,
        args.clock, "pinned" if pinned else "default"))
    print(table(results, with_c=ref is not None))
    ceilings = bench_asyncio.ceiling_table(results)
    if ceilings:
        print()
        print(ceilings)
    if why_not:
        print("(no raw-C column: %s)" % why_not)
    if args.json:
        try:
            with open(args.json, "w") as f:
                json.dump({"python": platform.python_version(),
                           "openssl": stdlib_ssl.OPENSSL_VERSION,
                           "machine": platform.machine(), "clock": args.clock, "rounds": rounds,
                           "quick": args.quick, "raw_c": why_not or "measured",
                           "results": results}, f, indent=1)
        except OSError as exc:
            raise CliError("cannot write --json %s: %s" % (args.json, exc.strerror), EXIT_USAGE)
        print("JSON: %s" % args.json)
    if args.png:
        print("chart: %s" % args.png if chart(results, args.png)
              else "(no chart: matplotlib is not installed)")
    return 0


if __name__ == "__main__":
    from sslx.cli import main as cli_main
    sys.exit(cli_main(["bench"] + sys.argv[1:]))
