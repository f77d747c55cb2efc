# typing-sample: compare
"""Type errors in SSLObject/MemoryBIO code."""
import ssl


def pump(ctx: ssl.SSLContext) -> None:
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    incoming.write("text")  # E: arg-type
    print(outgoing.pending())  # E: operator
    data: str = outgoing.read()  # E: assignment
    outgoing.read(size=10)  # E: call-arg
    incoming.eof = True  # E[sslx]: misc  # sslx-differs: read-only at runtime in both; typeshed has it writable
    ssl.MemoryBIO(4096)  # E: call-arg
    obj = ctx.wrap_bio(incoming, outgoing, server_side="no")  # E: arg-type
    obj.write(12)  # E: arg-type
    obj.read("all")  # E: arg-type
    obj.server_side = True  # E: misc
    obj.server_hostname = "x"  # E: misc
    obj.session_reused = False  # E: misc
    obj.do_handshake(block=True)  # E: call-arg
    print(obj.version() + "!")  # E: operator
    print(obj.getpeercert()["issuer"])  # E: index
    print(data)


class Broken(ssl.SSLObject):
    def read(self, len: str = "") -> bytes:  # E: override
        return b""
