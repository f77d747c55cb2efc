# typing-sample: compare
"""Ordinary SSLSocket code: clients, servers, sessions, certificates."""
import socket
import ssl

from typing_extensions import assert_type


def fetch(host: str, port: int = 443) -> bytes:
    ctx = ssl.create_default_context()
    with socket.create_connection((host, port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as tls:
            assert_type(tls, ssl.SSLSocket)
            assert_type(tls.context, ssl.SSLContext)
            tls.sendall(b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n")
            chunks: list[bytes] = []
            while data := tls.recv(4096):
                chunks.append(data)
            buf = bytearray(1024)
            n: int = tls.recv_into(buf)
            chunks.append(bytes(buf[:n]))
            return b"".join(chunks)


def describe(tls: ssl.SSLSocket) -> str:
    parts: list[str] = []
    version = tls.version()
    if version is not None:
        parts.append(version)
    cipher = tls.cipher()
    if cipher is not None:
        name, protocol, bits = cipher
        parts.append(f"{name} {protocol} {bits}")
    cert = tls.getpeercert()
    if cert:
        for rdn in cert["subject"]:
            parts.append(str(rdn))
        not_after = cert["notAfter"]
        assert isinstance(not_after, str)
        parts.append(str(ssl.cert_time_to_seconds(not_after)))
    der = tls.getpeercert(binary_form=True)
    if der is not None:
        parts.append(ssl.DER_cert_to_PEM_cert(der))
    alpn = tls.selected_alpn_protocol()
    parts.append(alpn or "-")
    binding = tls.get_channel_binding("tls-unique")
    parts.append(binding.hex() if binding else "-")
    shared = tls.shared_ciphers() or []
    parts.extend(c[0] for c in shared)
    parts.append(str(tls.compression()))
    parts.append(str(tls.pending()))
    parts.append(str(tls.server_side) + str(tls.server_hostname))
    return " ".join(parts)


def resume(host: str, port: int) -> bool | None:
    ctx = ssl.create_default_context()
    with ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=host) as first:
        session = first.session
    if session is None:
        return None
    print(session.id, session.time, session.timeout, session.has_ticket, session.ticket_lifetime_hint)
    with ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=host,
                         session=session) as second:
        return second.session_reused


def serve_once(ctx: ssl.SSLContext, port: int) -> None:
    with socket.create_server(("127.0.0.1", port)) as listener:
        with ctx.wrap_socket(listener, server_side=True) as tls_listener:
            conn, addr = tls_listener.accept()
            assert_type(conn, ssl.SSLSocket)
            with conn:
                print(addr)
                conn.do_handshake()
                conn.sendall(conn.recv(1024))
                conn.verify_client_post_handshake()
                plain: socket.socket = conn.unwrap()
                plain.close()


def nonblocking(ctx: ssl.SSLContext, sock: socket.socket) -> None:
    tls = ctx.wrap_socket(sock, do_handshake_on_connect=False, suppress_ragged_eofs=False,
                          server_hostname="example.org")
    tls.setblocking(False)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            continue
        except ssl.SSLWantWriteError:
            continue
    sent: int = tls.send(b"x")
    print(sent, tls.fileno(), tls.getsockname())
    tls.close()


class PlainLoggingSocket(ssl.SSLSocket):
    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        data = super().recv(buflen, flags)
        print(len(data))
        return data


def custom_class(ctx: ssl.SSLContext) -> None:
    ctx.sslsocket_class = PlainLoggingSocket
