# typing-sample: compare
"""Type errors in SSLSocket code."""
import socket
import ssl


def use(tls: ssl.SSLSocket) -> None:
    tls.send("text")  # E: arg-type
    tls.sendall(["list"])  # E: arg-type
    tls.recv("1024")  # E: arg-type
    print(tls.getpeercert()["subject"])  # E: index
    print(tls.version().upper())  # E: union-attr
    name, version, bits = tls.cipher()  # E: misc
    der: str = tls.getpeercert(binary_form=True)  # E: assignment
    tls.server_hostname = 3  # E: assignment
    tls.context = None  # E: assignment
    tls.session = "cached"  # E: assignment
    tls.do_handshake(timeout=3)  # E: call-arg
    tls.get_channel_binding(cb_type=1)  # E: arg-type
    reused: str = tls.session_reused  # E: assignment
    plain: ssl.SSLSocket = tls.unwrap()  # E: assignment
    print(name, version, bits, der, reused, plain)


def accept(listener: ssl.SSLSocket) -> socket.socket:
    conn, addr = listener.accept()
    conn.shutdown("both")  # E: arg-type
    return addr  # E: no-any-return


def wrap(sock: socket.socket) -> None:
    ctx = ssl.create_default_context()
    tls: socket.socket = ctx.wrap_socket(sock)
    tls.getpeercert()  # E: attr-defined
