# typing-sample: compare flags=--enable-error-code=deprecated
"""What typeshed marks deprecated is deprecated for sslx too (shown with
mypy's `deprecated` check on)."""
import ssl


def old_api(ctx: ssl.SSLContext, tls: ssl.SSLSocket, obj: ssl.SSLObject) -> None:
    ssl.SSLContext()  # E: deprecated
    ctx.set_npn_protocols(["h2"])  # E: deprecated
    print(tls.selected_npn_protocol(), obj.selected_npn_protocol())  # E: deprecated, deprecated
    print(tls.read(10))  # E: deprecated
    tls.write(b"x")  # E: deprecated
