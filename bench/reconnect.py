"""The "reconnect" benchmark: connections per second from one client to the
same loopback server, with SSLContext.client_session_cache off and on.

Both measurements are sslx (the stdlib has no automatic resumption); the
result is their ratio.  Each connection is what a client of an HTTP API
does: TCP connect (with TCP_NODELAY, as HTTP libraries set it: without it
the first write after an abbreviated TLS 1.2 handshake waits for a delayed
ACK), a TLS handshake with a verified certificate, a 4-byte request, a
4-byte reply, close.  With the cache on, every connection after the first
resumes the previous session (TLS 1.3: the ticket that came with the
previous reply), skipping the certificate chain's transfer and
verification and the server's signature.

The server serves one connection at a time on 127.0.0.1.  By default it is
a thread of this process and the clock is the CPU time of the process
(both ends), as in `sslx bench`: on a shared, busy machine that measures
the work per connection far more steadily than elapsed time, which is
reported too.  With --server-process the server is a separate Python
process (its CPU time, read from /proc, is added); every round trip then
also pays a wake-up of the other process, in both modes alike.  Rounds
alternate off/on, and each ratio is the median of the ratios of adjacent
rounds: the machine's speed drifts between rounds, much less within one.
Nothing is asserted about time.

    python bench/reconnect.py [--connections N] [--rounds R] [--tls 1.2|1.3]
                              [--key rsa|ecdsa] [--server-process] [--json FILE]

prints each round and then, per clock, the median rates and the ratio.

For `sslx bench` (src/sslx/bench.py): case_reconnect_cache_off and
case_reconnect_cache_on take (mod, certs, n) like the other cases there
(`mod` must be sslx; `certs` needs .certfile and .cafile) and return
connections per second by the CPU clock; measure() runs the alternating
rounds and returns the ratios.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SERVER_LOOP = r"""
def serve(sslx, socket, listener, certfile, version, stop):
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile)
    v = sslx.TLSVersion.TLSv1_3 if version == "1.3" else sslx.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    while not stop():
        raw, _ = listener.accept()
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            with ctx.wrap_socket(raw, server_side=True) as tls:
                data = b""
                while len(data) < 4:
                    piece = tls.recv(4 - len(data))
                    if not piece:
                        break
                    data += piece
                tls.sendall(data.upper())
        except (OSError, sslx.SSLError):
            pass
"""

SERVER_PROCESS = SERVER_LOOP + r"""
import socket, sys
import sslx
listener = socket.create_server(("127.0.0.1", 0), backlog=128)
with open(sys.argv[3], "w") as f:
    f.write(str(listener.getsockname()[1]))
serve(sslx, socket, listener, sys.argv[1], sys.argv[2], lambda: False)
"""


class Certs:
    """A CA and a server certificate for localhost (trustme), with an RSA
    2048 key (what most of the web PKI still serves) or ECDSA P-256."""

    def __init__(self, key="rsa"):
        import trustme
        key_type = trustme.KeyType.RSA if key == "rsa" else trustme.KeyType.ECDSA
        self.dir = tempfile.mkdtemp(prefix="sslx-reconnect-")
        ca = trustme.CA(key_type=key_type)
        server = ca.issue_cert("localhost", "127.0.0.1", key_type=key_type)
        self.cafile = os.path.join(self.dir, "ca.pem")
        self.certfile = os.path.join(self.dir, "server.pem")
        ca.cert_pem.write_to_path(self.cafile)
        server.private_key_and_cert_chain_pem.write_to_path(self.certfile)


class Server:
    """The loopback server: a thread of this process, or (process=True) a
    separate Python process.  Stopped when the block ends."""

    def __init__(self, certs, version="1.3", process=False):
        self.proc = self.thread = None
        if process:
            self._start_process(certs, version)
        else:
            self._start_thread(certs, version)

    def _start_thread(self, certs, version):
        import sslx
        namespace = {}
        exec(SERVER_LOOP, namespace)
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.addr = self.listener.getsockname()
        self.stopping = False
        self.thread = threading.Thread(
            target=namespace["serve"], daemon=True,
            args=(sslx, socket, self.listener, certs.certfile, version, lambda: self.stopping))
        self.thread.start()

    def _start_process(self, certs, version):
        ready = os.path.join(certs.dir, "port-%d" % time.monotonic_ns())
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER_PROCESS, certs.certfile,
                                      version, ready], env=env)
        deadline = time.monotonic() + 15
        while not (os.path.exists(ready) and os.path.getsize(ready)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.02)
        with open(ready) as f:
            self.addr = ("127.0.0.1", int(f.read()))

    def cpu_seconds(self):
        """CPU time (user + system) a server process has used: 0 for a
        thread (the process clock counts it already), None where /proc is
        not there."""
        if self.proc is None:
            return 0.0
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(15)
        if self.thread is not None:
            self.stopping = True
            try:                              # wake the accept() up
                socket.create_connection(self.addr, timeout=5).close()
            except OSError:
                pass
            self.thread.join(15)
            self.listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def client_context(certs, cache, version="1.3"):
    import sslx
    ctx = sslx.create_default_context(cafile=certs.cafile)
    v = sslx.TLSVersion.TLSv1_3 if version == "1.3" else sslx.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    ctx.client_session_cache = cache
    return ctx


def one_connection(ctx, addr):
    """Connect, exchange 4 bytes each way, close; whether it resumed."""
    with socket.create_connection(addr, timeout=15) as raw:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"ping")
            data = b""
            while len(data) < 4:
                piece = tls.recv(4 - len(data))
                if not piece:
                    raise ConnectionError("the server closed early")
                data += piece
            return tls.session_reused


def timed_run(certs, n, cache, version, server):
    """n sequential connections after one untimed one (always a full
    handshake).  Returns connections per second by elapsed time and by
    CPU time (None when the server's is unknown), and how many resumed."""
    ctx = client_context(certs, cache, version)
    one_connection(ctx, server.addr)
    resumed = 0
    wall0, cpu0, srv0 = time.perf_counter(), time.process_time(), server.cpu_seconds()
    for _ in range(n):
        resumed += one_connection(ctx, server.addr)
    wall, cpu, srv1 = time.perf_counter() - wall0, time.process_time() - cpu0, \
        server.cpu_seconds()
    cpu_rate = n / (cpu + srv1 - srv0) if srv0 is not None and srv1 is not None else None
    return n / wall, cpu_rate, resumed


def _case(certs, n, cache):
    with Server(certs) as srv:
        return timed_run(certs, n, cache, "1.3", srv)[1]


def case_reconnect_cache_off(mod, certs, n):
    """For src/sslx/bench.py's CASES: connections/s (CPU clock), no cache."""
    assert mod.__name__ == "sslx", "the client session cache is sslx's"
    return _case(certs, n, False)


def case_reconnect_cache_on(mod, certs, n):
    """For src/sslx/bench.py's CASES: connections/s (CPU clock), cache on."""
    assert mod.__name__ == "sslx", "the client session cache is sslx's"
    return _case(certs, n, True)


def measure(certs, n=200, rounds=9, version="1.3", process=False, report=print):
    """Alternating rounds (off, on / on, off ...) against one server, each
    timed by both clocks.  Returns {"wall": {"off": [...], "on": [...],
    "ratios": [...], "ratio": median}, "cpu": {...}, "resumed": {...}}."""
    out = {c: {"off": [], "on": [], "ratios": []} for c in ("wall", "cpu")}
    out["resumed"] = {"off": [], "on": []}
    with Server(certs, version, process) as srv:
        timed_run(certs, max(10, n // 10), True, version, srv)      # warm-up
        for r in range(rounds):
            order = (False, True) if r % 2 == 0 else (True, False)
            rates = {"wall": {}, "cpu": {}}
            for cache in order:
                key = "on" if cache else "off"
                rates["wall"][key], rates["cpu"][key], resumed = timed_run(
                    certs, n, cache, version, srv)
                out["resumed"][key].append(resumed)
            for c in ("wall", "cpu"):
                if rates[c]["off"] and rates[c]["on"]:
                    out[c]["off"].append(rates[c]["off"])
                    out[c]["on"].append(rates[c]["on"])
                    out[c]["ratios"].append(rates[c]["on"] / rates[c]["off"])
            report("round %d: CPU off %6.1f / on %6.1f conn/s (x%.2f); elapsed off %6.1f / "
                   "on %6.1f conn/s (x%.2f); %d/%d resumed" % (
                       r + 1, rates["cpu"]["off"] or 0, rates["cpu"]["on"] or 0,
                       (rates["cpu"]["on"] or 0) / (rates["cpu"]["off"] or 1),
                       rates["wall"]["off"], rates["wall"]["on"],
                       rates["wall"]["on"] / rates["wall"]["off"], out["resumed"]["on"][-1], n))
    for c in ("wall", "cpu"):
        out[c]["ratio"] = statistics.median(out[c]["ratios"]) if out[c]["ratios"] else None
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--tls", choices=["1.2", "1.3"], default="1.3")
    parser.add_argument("--key", choices=["rsa", "ecdsa"], default="rsa")
    parser.add_argument("--server-process", action="store_true",
                        help="run the server as a separate process")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    import sslx
    certs = Certs(args.key)
    print("reconnect: sslx %s, %s, Python %s, TLS %s, %s key, server %s, %d connections x "
          "%d rounds" % (sslx.__version__, sslx.OPENSSL_VERSION, sys.version.split()[0],
                         args.tls, args.key.upper(),
                         "process" if args.server_process else "thread", args.connections,
                         args.rounds))
    result = measure(certs, args.connections, args.rounds, args.tls, args.server_process)
    for clock, label in (("cpu", "CPU time"), ("wall", "elapsed time")):
        r = result[clock]
        if r["ratio"] is None:
            continue
        print("%-12s cache off %6.1f conn/s, on %6.1f conn/s: ratio %.2fx "
              "(median of %d paired rounds)" % (label, statistics.median(r["off"]),
                                                statistics.median(r["on"]), r["ratio"],
                                                len(r["ratios"])))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(result, tls=args.tls, key=args.key,
                           server="process" if args.server_process else "thread"), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
