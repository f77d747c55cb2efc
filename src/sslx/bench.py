"""Benchmarks: sslx beside the stdlib ssl, in the same run, on this machine.

    python -m sslx bench [--quick] [--rounds N] [--clock cpu|wall]
                         [--json FILE] [--png FILE] [--only CASE ...]
    python bench/run.py ...   (the same, from a checkout)

Every case runs for both modules, alternating which goes first, several
rounds; the table shows medians, and the ratio to the stdlib (the median of
the per-round ratios, which cancels drift in the machine's speed) as a
speed-up (higher is better for sslx) or sslx/stdlib for memory (lower is
better), and, where bench/ref_openssl.c (raw OpenSSL doing the same work in
C) can be built, sslx's result as a share of the C program's (for memory:
sslx's RSS per connection as a share of what raw OpenSSL needs).  Both
modules run the same Python driver code.  Nothing here asserts a time: the numbers are a
report.  Servers are on 127.0.0.1 only.
"""
import argparse
import asyncio
import json
import os
import platform
import socket
import ssl as stdlib_ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

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
    """A throwaway CA and a server certificate for localhost, made with
    trustme (the test dependency)."""

    def __init__(self):
        import trustme
        self.dir = tempfile.mkdtemp(prefix="sslx-bench-")
        ca = trustme.CA()
        server = ca.issue_cert("localhost", "127.0.0.1")
        self.cafile = os.path.join(self.dir, "ca.pem")
        self.certfile = os.path.join(self.dir, "server.pem")
        ca.cert_pem.write_to_path(self.cafile)
        server.private_key_and_cert_chain_pem.write_to_path(self.certfile)


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

def memory_pair(mod, server_ctx, client_ctx):
    s_in, s_out, c_in, c_out = (mod.MemoryBIO() for _ in range(4))
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost")
    return server, client, (s_in, s_out, c_in, c_out)


def pump(mod, a, b, bios, step):
    """Move bytes between the ends until `step()` returns True."""
    s_in, s_out, c_in, c_out = bios
    for _ in range(1000):
        if step():
            return
        data = c_out.read()
        if data:
            s_in.write(data)
        data = s_out.read()
        if data:
            c_in.write(data)
    raise RuntimeError("in-memory exchange did not finish")


def handshake_in_memory(mod, server, client, bios):
    done = {"c": False, "s": False}

    def step():
        for key, end in (("c", client), ("s", server)):
            if not done[key]:
                try:
                    end.do_handshake()
                    done[key] = True
                except mod.SSLWantReadError:
                    pass
        return done["c"] and done["s"]

    pump(mod, server, client, bios, step)


def case_handshake_memory(mod, certs, n):
    server_ctx, client_ctx = contexts(mod, certs)
    t0 = clock()
    for _ in range(n):
        server, client, bios = memory_pair(mod, server_ctx, client_ctx)
        handshake_in_memory(mod, server, client, bios)
    return n / (clock() - t0)


def case_bulk_memory(mod, certs, megabytes):
    server_ctx, client_ctx = contexts(mod, certs)
    server, client, bios = memory_pair(mod, server_ctx, client_ctx)
    handshake_in_memory(mod, server, client, bios)
    s_in, s_out, c_in, c_out = bios
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


def case_asyncio_streams(mod, certs, megabytes):
    server_ctx, client_ctx = contexts(mod, certs)
    total = megabytes * 1024 * 1024

    async def handle(reader, writer):
        got = 0
        while got < total:
            data = await reader.read(65536)
            if not data:
                break
            got += len(data)
        writer.write(b"k")
        await writer.drain()
        writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx,
                                                       server_hostname="localhost")
        chunk = b"z" * 65536
        t0 = clock()
        sent = 0
        while sent < total:
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
        await reader.readexactly(1)
        elapsed = clock() - t0
        writer.close()
        server.close()
        await server.wait_closed()
        return total / elapsed / 1e6

    return asyncio.run(asyncio.wait_for(main(), 120))


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

def reference_program():
    """Build bench/ref_openssl.c (raw OpenSSL doing the same work) when run
    from a checkout; None when unavailable."""
    src = os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench", "ref_openssl.c")
    if not os.path.exists(src):
        return None
    exe = os.path.join(tempfile.gettempdir(), "sslx-ref-openssl")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        proc = subprocess.run(["cc", "-O2", "-o", exe, src, "-lssl", "-lcrypto"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            return None
    return exe


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
    "asyncio streams": (case_asyncio_streams, 256, 32, "MB/s", True, None),
    "RSS per idle connection pair": (case_rss_per_connection, 2000, 500, "KiB", False, "rss"),
}


START = time.perf_counter()


def progress(msg):
    msg = "[%5.1fs] %s" % (time.perf_counter() - START, msg)
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K" + msg)
    else:
        sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def measure(cases, rounds, quick):
    import sslx
    certs = Certs()
    modules = {"stdlib": stdlib_ssl, "sslx": sslx}
    ref = reference_program()
    results = {}
    for name in cases:
        func, amount, quick_amount, unit, higher, ref_kind = CASES[name]
        amount = quick_amount if quick else amount
        entry = {"unit": unit, "higher_is_better": higher, "samples": {}, "errors": {}}
        # A memory sample is steadier and slower to take than a timing.
        n_rounds = min(rounds, 3) if func is case_rss_per_connection else rounds
        if func is not case_rss_per_connection:
            # An untimed first run per module: lazy initialisation inside
            # OpenSSL and the interpreter is not part of the work measured.
            for label, mod in modules.items():
                progress("%s: %s warm-up" % (name, label))
                try:
                    func(mod, certs, max(1, quick_amount // 10))
                except Exception as exc:
                    entry["errors"][label] = "%s: %s" % (type(exc).__name__, exc)
        for r in range(n_rounds):
            # Alternate who goes first, so drift in the machine's load
            # does not always favour the same module.
            order = list(modules.items())
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


def table(results):
    fmt = "%-32s %10s %10s %10s %7s  %-18s %s"
    lines = [fmt % ("case", "sslx", "stdlib", "raw C", "unit", "sslx vs stdlib",
                    "sslx/raw C")]
    for name, e in results.items():
        m = e["median"]

        def cell(k):
            if k in m:
                return "%.1f" % m[k]
            return "error" if k in e["errors"] else "-"

        lines.append(fmt % (name, cell("sslx"), cell("stdlib"), cell("openssl"), e["unit"],
                            verdict(e), versus_c(e)))
        for label, err in e["errors"].items():
            lines.append("    %s failed: %s" % (label, err))
    return "\n".join(lines)


def chart(results, path):
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
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(prog="sslx bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="small amounts and 3 rounds: a run of about a minute")
    ap.add_argument("--rounds", type=int, help="repetitions of each case (default 5, quick 3)")
    ap.add_argument("--only", nargs="*", help="case names (substring match)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="rates per second of process CPU time (default; steady on a busy "
                         "machine) or of elapsed time")
    ap.add_argument("--json", default="sslx-bench.json",
                    help="write the results as JSON here (default %(default)s; '' for none)")
    ap.add_argument("--png", default="sslx-bench.png",
                    help="draw a chart here when matplotlib is installed "
                         "(default %(default)s; '' for none)")
    args = ap.parse_args(argv)
    CLOCK["name"] = args.clock
    rounds = args.rounds or (3 if args.quick else 5)
    cases = [c for c in CASES if not args.only or any(o.lower() in c.lower() for o in args.only)]
    results = measure(cases, rounds, args.quick)
    print("sslx benchmarks on %s, Python %s, %s; %d rounds, medians; %s clock" % (
        platform.machine(), platform.python_version(), stdlib_ssl.OPENSSL_VERSION, rounds,
        args.clock))
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"python": platform.python_version(), "openssl": stdlib_ssl.OPENSSL_VERSION,
                       "machine": platform.machine(), "clock": args.clock, "rounds": rounds,
                       "quick": args.quick, "results": results}, f, indent=1)
        print("JSON: %s" % args.json)
    if args.png:
        print("chart: %s" % args.png if chart(results, args.png)
              else "(no chart: matplotlib is not installed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
