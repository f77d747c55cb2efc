# typing-sample: sslx-only
"""Type errors specific to sslx: the stdlib's objects are not sslx's."""
import socket
import ssl

import sslx


def mixups(stdlib_session: ssl.SSLSession, sock: socket.socket) -> None:
    ctx: sslx.SSLContext = ssl.create_default_context()  # E: assignment
    sslx_ctx = sslx.create_default_context()
    # sslx's context takes only its own sessions (at runtime too).
    sslx_ctx.wrap_socket(sock, session=stdlib_session)  # E: arg-type
    # Its settings are sslx's enums: the stdlib's are other classes.
    sslx_ctx.verify_mode = ssl.CERT_REQUIRED  # E: assignment
    mode: ssl.VerifyMode = sslx.CERT_REQUIRED  # E: assignment
    obj: sslx.SSLObject = ssl.create_default_context().wrap_bio(  # E: assignment
        ssl.MemoryBIO(), ssl.MemoryBIO())
    bio: sslx.MemoryBIO = ssl.MemoryBIO()  # E: assignment
    print(ctx, mode, obj, bio)


def extras(ctx: sslx.SSLContext, tls: sslx.SSLSocket) -> None:
    sslx.inject_into_ssl(True)  # E: call-arg
    print(sslx.lib_codes_to_names["SSL"])  # E: index
    sslx.txt2obj(1)  # E: arg-type
    sslx.nid2obj(nid=1)  # E: call-arg
    print(tls.group() + "!")  # E: operator
    ctx.set_groups(["X25519"])  # E: arg-type
    ctx.get_groups(True)  # E: call-arg
    ctx.set_psk_server_callback(lambda identity: "key")  # E: arg-type, return-value
    flags: str = sslx.HOSTFLAG_NO_WILDCARDS  # E: assignment
    print(flags)
