# typing-sample: compare
"""Type errors in SSLContext code: mypy must flag the same ones for both."""
import socket
import ssl


def configure(ctx: ssl.SSLContext, sock: socket.socket) -> None:
    ctx.load_cert_chain(certfile=1)  # E: arg-type
    ctx.load_cert_chain("cert.pem", password=42)  # E: arg-type
    ctx.load_verify_locations(cadata=3.5)  # E: arg-type
    ctx.verify_mode = 2  # E: assignment
    ctx.verify_mode = ssl.VerifyFlags.VERIFY_DEFAULT  # E: assignment
    ctx.options = "no tls1"  # E: assignment
    ctx.minimum_version = 771  # E: assignment
    ctx.check_hostname = "yes"  # E: assignment
    ctx.protocol = ssl.PROTOCOL_TLS  # E: misc
    ctx.set_ciphers(None)  # E: arg-type
    ctx.set_alpn_protocols([b"h2"])  # E: list-item
    ctx.no_such_setting = True  # E: attr-defined
    ctx.wrap_socket("example.org:443")  # E: arg-type
    ctx.wrap_socket(sock, server_hostname=443)  # E: arg-type
    ctx.wrap_socket(sock, hostname="example.org")  # E: call-arg
    ctx.load_default_certs("server")  # E: arg-type  # sslx-differs: takes the stdlib's Purpose too
    ctx.wrap_bio(sock, sock)  # E: arg-type, arg-type  # sslx-differs: takes the stdlib's MemoryBIO too
    ctx.sni_callback = lambda: None  # E: assignment


def construct() -> None:
    ssl.SSLContext("TLS")  # E: call-overload
    ssl.create_default_context(cafile=3)  # E: arg-type
    ssl.create_default_context(ssl.PROTOCOL_TLS_CLIENT)  # E: arg-type  # sslx-differs: takes the stdlib's Purpose too


def results(ctx: ssl.SSLContext) -> None:
    for cipher in ctx.get_ciphers():
        print(cipher["no_such_key"])  # E: typeddict-item
    bits: str = ctx.get_ciphers()[0]["alg_bits"]  # E: assignment
    names: list[str] = ctx.get_ca_certs(binary_form=True)  # E: assignment
    stats: list[int] = ctx.cert_store_stats()  # E: assignment
    print(bits, names, stats)
