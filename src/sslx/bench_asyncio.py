"""The benchmark suite's asyncio cases (bench.py runs them) and the
one-core ceilings they are compared with.

With both ends in one event loop everything runs on one core, so what a TLS
layer can reach is bounded by the sum of the costs it cannot avoid, each
measured in the same run:

  bulk        <= 1 / (1/plain stream + 2/AES-256-GCM)   every byte is sealed
                                                         once and opened once
  connections <= 1 / (1/plain connections + 1/MemoryBIO handshakes)

The plain parts are the same asyncio code without TLS on the same loop;
AES-256-GCM is bench/ref_openssl.c's `aesgcm` mode (raw EVP, 16 KiB
records), the handshakes are the suite's "handshake TLS1.3 (MemoryBIO)"
case with sslx.  Each case runs on the default event loop and, when it is
installed, on uvloop."""
import asyncio
import sys

# Connections are opened this many at a time.
CONCURRENCY = 20


def loop_factories():
    """{"default": factory, "uvloop": factory} (uvloop when importable)."""
    loops = {"default": asyncio.new_event_loop}
    try:
        import uvloop
    except ImportError:
        pass
    else:
        loops["uvloop"] = uvloop.new_event_loop
    return loops


def run_on(loop_name, coro_fn, clock):
    """Run coro_fn() on a new loop of that kind; returns its result.  The
    clock is the suite's, read inside the coroutine."""
    loop = loop_factories()[loop_name]()
    try:
        return loop.run_until_complete(asyncio.wait_for(coro_fn(), 300))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _contexts(mod, certs):
    from sslx.bench import contexts
    if mod is None:
        return None, None
    return contexts(mod, certs)


def _client_kwargs(client_ctx):
    return {} if client_ctx is None else {"ssl": client_ctx, "server_hostname": "localhost"}


def bulk(loop_name, clock):
    """64 KiB writes through StreamWriter, read by a server in 64 KiB reads;
    MB/s.  mod None: no TLS (the ceiling's plain part)."""

    def case(mod, certs, megabytes):
        server_ctx, client_ctx = _contexts(mod, certs)
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
            reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                           **_client_kwargs(client_ctx))
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

        return run_on(loop_name, main, clock)

    return case


def connections(loop_name, clock):
    """Connections opened, handshaken, echoing one byte and closed, 20 at a
    time; connections/s.  mod None: no TLS."""

    def case(mod, certs, n):
        server_ctx, client_ctx = _contexts(mod, certs)

        async def handle(reader, writer):
            data = await reader.readexactly(1)
            writer.write(data)
            await writer.drain()
            writer.close()
            await writer.wait_closed()

        async def one(port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                           **_client_kwargs(client_ctx))
            writer.write(b"e")
            await reader.readexactly(1)
            writer.close()
            await writer.wait_closed()

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx,
                                                backlog=256)
            port = server.sockets[0].getsockname()[1]
            done = 0
            t0 = clock()
            while done < n:
                batch = min(CONCURRENCY, n - done)
                await asyncio.gather(*(one(port) for _ in range(batch)))
                done += batch
            elapsed = clock() - t0
            server.close()
            await server.wait_closed()
            return n / elapsed

        return run_on(loop_name, main, clock)

    return case


def cases(clock):
    """The suite's entries: name -> (function, amount, quick amount, unit,
    higher_is_better, reference, plain) where `plain` marks a ceiling part
    measured without TLS (run once per round, not per module)."""
    out = {}
    for loop_name in loop_factories():
        label = "" if loop_name == "default" else " [%s]" % loop_name
        out["asyncio bulk%s" % label] = (bulk(loop_name, clock), 256, 32, "MB/s")
        out["asyncio connections%s" % label] = (connections(loop_name, clock), 2000, 300,
                                                "conn/s")
    return out


def plain_parts(clock):
    """The same cases without TLS: name -> (function, amount, quick, unit)."""
    out = {}
    for loop_name in loop_factories():
        label = "" if loop_name == "default" else " [%s]" % loop_name
        out["asyncio bulk, no TLS%s" % label] = (bulk(loop_name, clock), 1024, 128, "MB/s")
        out["asyncio connections, no TLS%s" % label] = (connections(loop_name, clock), 4000,
                                                        600, "conn/s")
    return out


def _samples(results, case, label):
    return results.get(case, {}).get("samples", {}).get(label)


def ceiling_rows(results):
    """[(case, ceiling samples per round, parts description)] for every
    asyncio case whose parts were measured: the ceiling of round r from
    the parts measured in round r.  Besides the issue's bulk ceiling (the
    cipher alone), a second one puts OpenSSL's whole TLS record layer in
    the place of the cipher: raw C sealing, moving and opening records over
    memory BIOs (the "bulk (MemoryBIO)" case's C column), which no program
    using OpenSSL's TLS can beat."""
    rows = []
    aes = _samples(results, "AES-256-GCM (raw EVP)", "openssl")
    records = _samples(results, "bulk (MemoryBIO)", "openssl")
    handshakes = _samples(results, "handshake TLS1.3 (MemoryBIO)", "sslx")
    for loop_name in loop_factories():
        label = "" if loop_name == "default" else " [%s]" % loop_name
        plain = _samples(results, "asyncio bulk, no TLS%s" % label, "plain")
        if plain and aes and "asyncio bulk%s" % label in results:
            rows.append(("asyncio bulk%s" % label,
                         [1 / (1 / p + 2 / a) for p, a in zip(plain, aes)],
                         "1/(1/plain + 2/AES-GCM)"))
        if plain and records and "asyncio bulk%s" % label in results:
            rows.append(("asyncio bulk%s, TLS in C" % label,
                         [1 / (1 / p + 1 / r) for p, r in zip(plain, records)],
                         "1/(1/plain + 1/raw OpenSSL TLS bulk)"))
        plain = results.get("asyncio connections, no TLS%s" % label, {}).get(
            "samples", {}).get("plain")
        if plain and handshakes and "asyncio connections%s" % label in results:
            rows.append(("asyncio connections%s" % label,
                         [1 / (1 / p + 1 / h) for p, h in zip(plain, handshakes)],
                         "1/(1/plain + 1/handshakes)"))
    return rows


def ceiling_table(results):
    """Each asyncio case as a share of its ceiling: the median of the
    per-round shares (a round's sample over that round's ceiling) and
    their spread (lowest-highest)."""
    import statistics
    rows = ceiling_rows(results)
    if not rows:
        return None
    fmt = "%-38s %9s %7s %-22s %-22s"
    lines = [fmt % ("case", "ceiling", "unit", "sslx/ceiling", "stdlib/ceiling")]
    for name, ceilings, _ in rows:
        entry = results[name.split(", TLS in C")[0]]

        def share(label):
            samples = entry["samples"].get(label, [])
            pairs = [s / c for s, c in zip(samples, ceilings)]
            if not pairs:
                return "n/a"
            return "%.3f (%.3f-%.3f)" % (statistics.median(pairs), min(pairs), max(pairs))

        lines.append(fmt % (name, "%.1f" % statistics.median(ceilings), entry["unit"],
                            share("sslx"), share("stdlib")))
    lines.append("ceilings: bulk = 1/(1/plain stream + 2/AES-256-GCM); bulk, TLS in C = "
                 "1/(1/plain stream + 1/raw C OpenSSL TLS over memory BIOs); connections = "
                 "1/(1/plain connections + 1/MemoryBIO handshakes with sslx); "
                 "median of per-round shares (lowest-highest)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit("run through `sslx bench` or bench/run.py")
