# typing-sample: compare stdlib>=3.13
"""Python 3.13's additions, which sslx has on every Python: certificate
chains and TLS-PSK callbacks."""
import ssl


def chains(tls: ssl.SSLSocket, obj: ssl.SSLObject) -> list[bytes]:
    verified: list[bytes] = tls.get_verified_chain()
    unverified: list[bytes] = tls.get_unverified_chain()
    return verified + unverified + obj.get_verified_chain() + obj.get_unverified_chain()


def client_psk(hint: str | None) -> tuple[str | None, bytes]:
    return "client-1", b"\x00" * 32


def server_psk(identity: str | None) -> bytes:
    return b"\x00" * 32 if identity == "client-1" else b""


def psk(client: ssl.SSLContext, server: ssl.SSLContext) -> bool:
    client.set_psk_client_callback(client_psk)
    server.set_psk_server_callback(server_psk, identity_hint="hint")
    server.set_psk_server_callback(server_psk)
    client.set_psk_client_callback(None)
    return ssl.HAS_PSK
