# typing-sample: compare
"""Ordinary SSLObject/MemoryBIO code: TLS over memory, as asyncio does it."""
import ssl

from typing_extensions import assert_type


class Pump:
    def __init__(self, client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> None:
        self.c_in, self.c_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.s_in, self.s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.client = client_ctx.wrap_bio(self.c_in, self.c_out, server_hostname="localhost")
        self.server = server_ctx.wrap_bio(self.s_in, self.s_out, server_side=True)
        assert_type(self.client, ssl.SSLObject)

    def transfer(self) -> int:
        moved = 0
        if self.c_out.pending:
            data = self.c_out.read()
            moved += len(data)
            self.s_in.write(data)
        if self.s_out.pending:
            data = self.s_out.read(self.s_out.pending)
            moved += self.c_in.write(data)
        return moved

    def handshake(self) -> None:
        done = {"client": False, "server": False}
        for _ in range(20):
            for name, obj in (("client", self.client), ("server", self.server)):
                if done[name]:
                    continue
                try:
                    obj.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
            if not self.transfer() and all(done.values()):
                break

    def echo(self, payload: bytes) -> bytes:
        self.client.write(payload)
        self.transfer()
        got = self.server.read(len(payload))
        buf = bytearray(16)
        count = self.server.read(16, buf)
        print(count)
        return got

    def close(self) -> None:
        self.c_in.write_eof()
        assert_type(self.c_in.eof, bool)
        try:
            self.client.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
            pass


def state(obj: ssl.SSLObject) -> dict[str, object]:
    return {
        "version": obj.version(),
        "cipher": obj.cipher(),
        "alpn": obj.selected_alpn_protocol(),
        "peer": obj.getpeercert(),
        "der": obj.getpeercert(True),
        "pending": obj.pending(),
        "server_side": obj.server_side,
        "hostname": obj.server_hostname,
        "reused": obj.session_reused,
        "session": obj.session,
        "context": obj.context,
        "binding": obj.get_channel_binding(),
        "shared": obj.shared_ciphers(),
        "compression": obj.compression(),
    }


def resume(ctx: ssl.SSLContext, old: ssl.SSLObject) -> ssl.SSLObject:
    return ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost",
                        session=old.session)


class TracingObject(ssl.SSLObject):
    pass


def custom_class(ctx: ssl.SSLContext) -> None:
    ctx.sslobject_class = TracingObject
