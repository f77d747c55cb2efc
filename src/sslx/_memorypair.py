"""In-memory TLS: a client and a server SSLObject joined by four
MemoryBIOs, driven from one thread with no sockets.  Works with any
ssl-like module (sslx or the stdlib `ssl`), so the same scenario can run
on both and their outcomes be compared.

Private: the one in-memory pump shared by sslx's tests, fuzz targets and
`sslx bench`.
"""


class MemoryPair:
    """A client and a server SSLObject joined by four MemoryBIOs.

    mod         the ssl-like module (sslx or ssl)
    bio         factory for the BIOs (default mod.MemoryBIO; pass the
                stdlib's ssl.MemoryBIO to test foreign BIOs)
    bios        or the four BIO objects themselves: (client incoming,
                client outgoing, server incoming, server outgoing)
    """

    def __init__(self, mod, client_ctx, server_ctx, server_hostname="localhost",
                 session=None, bio=None, bios=None):
        self.mod = mod
        make = bio or mod.MemoryBIO
        if bios is None:
            bios = (make(), make(), make(), make())
        self.c_in, self.c_out, self.s_in, self.s_out = bios
        self.client = client_ctx.wrap_bio(self.c_in, self.c_out,
                                          server_hostname=server_hostname, session=session)
        self.server = server_ctx.wrap_bio(self.s_in, self.s_out, server_side=True)

    def transfer(self):
        """Move pending bytes both ways; returns how many moved."""
        moved = 0
        if self.c_out.pending:
            data = self.c_out.read()
            moved += len(data)
            self.s_in.write(data)
        if self.s_out.pending:
            data = self.s_out.read()
            moved += len(data)
            self.c_in.write(data)
        return moved

    def handshake_outcome(self, rounds=20):
        """Drive both handshakes until each side is done or failed.
        Returns {"client": exc or None, "server": exc or None}."""
        want = self.mod.SSLWantReadError
        done = {"client": False, "server": False}
        errors = {"client": None, "server": None}
        for _ in range(rounds):
            for name, obj in (("client", self.client), ("server", self.server)):
                if done[name] or errors[name] is not None:
                    continue
                try:
                    obj.do_handshake()
                    done[name] = True
                except want:
                    pass
                except Exception as exc:  # recorded for the caller to judge
                    errors[name] = exc
            moved = self.transfer()
            finished = all(done[n] or errors[n] is not None for n in done)
            if finished and not moved:
                break
        return errors

    def handshake(self, rounds=20):
        """Complete the handshake or raise the first side's exception."""
        errors = self.handshake_outcome(rounds)
        for name in ("client", "server"):
            if errors[name] is not None:
                raise errors[name]
        # Both done: calling again is a no-op.
        self.client.do_handshake()
        self.server.do_handshake()
        return self

    def send(self, sender, receiver, data, chunk=65536):
        """Write data on one side, read it all on the other."""
        sender.write(data)
        got = bytearray()
        for _ in range(1000):
            self.transfer()
            try:
                piece = receiver.read(chunk)
            except self.mod.SSLWantReadError:
                if len(got) >= len(data):
                    break
                continue
            if not piece:
                break
            got += piece
            if len(got) >= len(data):
                break
        return bytes(got)

    def client_reads_ticket(self):
        """TLS 1.3: the client gets the server's NewSessionTicket only when
        it reads; do that so client.session becomes resumable."""
        self.transfer()
        try:
            self.client.read(1)
        except self.mod.SSLWantReadError:
            pass
