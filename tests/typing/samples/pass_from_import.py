# typing-sample: compare
"""Names imported from the module, and a TLS HTTP server."""
import http.server
import socket
from ssl import (
    CERT_REQUIRED,
    OP_NO_TLSv1,
    PROTOCOL_TLS_CLIENT,
    PROTOCOL_TLS_SERVER,
    MemoryBIO,
    Purpose,
    SSLContext,
    SSLError,
    SSLObject,
    SSLSocket,
    TLSVersion,
    create_default_context,
)


def make_client() -> SSLContext:
    ctx = SSLContext(PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = CERT_REQUIRED
    ctx.options |= OP_NO_TLSv1
    ctx.minimum_version = TLSVersion.TLSv1_2
    return ctx


def make_object(ctx: SSLContext) -> SSLObject:
    return ctx.wrap_bio(MemoryBIO(), MemoryBIO(), server_hostname="example.org")


def connect(host: str) -> SSLSocket | None:
    ctx = create_default_context(Purpose.SERVER_AUTH)
    try:
        return ctx.wrap_socket(socket.create_connection((host, 443)), server_hostname=host)
    except SSLError:
        return None


def https_server(certfile: str) -> http.server.HTTPServer:
    ctx = SSLContext(PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile)
    httpd = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    return httpd
