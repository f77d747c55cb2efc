# typing-sample: compare stdlib>=3.15
"""Python 3.15's additions, which sslx has on every Python: key exchange
groups, signature algorithms, TLS 1.3 cipher suites, TLS 1.3 PSKs."""
import ssl


def configure(ctx: ssl.SSLContext) -> list[str]:
    ctx.set_ciphersuites("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256")
    ctx.set_groups("X25519:P-256")
    ctx.set_client_sigalgs("ECDSA+SHA256:RSA-PSS+SHA256")
    ctx.set_server_sigalgs("ECDSA+SHA256")
    return ctx.get_groups() + ctx.get_groups(include_aliases=True) + ssl.get_sigalgs()


def negotiated(tls: ssl.SSLSocket, obj: ssl.SSLObject) -> list[str | None]:
    return [tls.group(), tls.client_sigalg(), tls.server_sigalg(),
            obj.group(), obj.client_sigalg(), obj.server_sigalg()]


def tls13_psk() -> bool:
    return ssl.HAS_PSK_TLS13
