# typing-sample: compare
"""Ordinary SSLContext code: making and configuring contexts."""
import ssl
from typing import Any

from typing_extensions import assert_type


def client_context(cafile: str | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    ctx.options |= ssl.OP_NO_COMPRESSION
    ctx.options &= ~ssl.OP_NO_TICKET
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    ctx.set_ciphers("ECDHE+AESGCM")
    assert_type(ctx.check_hostname, bool)
    assert_type(ctx.verify_mode, ssl.VerifyMode)
    assert_type(ctx.options, ssl.Options)
    assert_type(ctx.verify_flags, ssl.VerifyFlags)
    assert_type(ctx.minimum_version, ssl.TLSVersion)
    assert_type(ctx.protocol, ssl._SSLMethod)
    return ctx


def server_context(certfile: str, keyfile: str, password: bytes) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile, password=lambda: password)
    ctx.load_cert_chain(certfile=certfile, keyfile=None, password="secret")
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.verify_mode = ssl.VerifyMode.CERT_REQUIRED
    ctx.load_verify_locations(cafile=certfile)
    ctx.load_verify_locations(cadata=b"\x30\x82")
    ctx.load_default_certs(ssl.Purpose.CLIENT_AUTH)
    ctx.post_handshake_auth = True
    ctx.num_tickets = 2
    ctx.hostname_checks_common_name = False
    ctx.keylog_filename = "/tmp/keys.log"
    ctx.set_ecdh_curve("prime256v1")
    return ctx


def inspect_context(ctx: ssl.SSLContext) -> list[str]:
    names = [cipher["name"] for cipher in ctx.get_ciphers()]
    bits: int = sum(cipher["strength_bits"] for cipher in ctx.get_ciphers())
    stats: dict[str, int] = ctx.cert_store_stats()
    sessions: dict[str, int] = ctx.session_stats()
    for cert in ctx.get_ca_certs():
        subject = cert["subject"]
        print(subject)
    ders: list[bytes] = ctx.get_ca_certs(binary_form=True)
    print(bits, stats, sessions, ders, ctx.security_level)
    return names


def sni(obj: ssl.SSLObject, name: str, ctx: ssl.SSLContext) -> int | None:
    if name == "other.example":
        obj.context = ctx
        return None
    return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME


def old_sni(sock: ssl.SSLSocket | ssl.SSLObject, name: str | None, ctx: Any) -> None:
    print(sock, name, ctx)


def callbacks(ctx: ssl.SSLContext) -> None:
    ctx.sni_callback = sni
    ctx.sni_callback = None
    ctx.set_servername_callback(old_sni)


def plain_contexts() -> list[ssl.SSLContext]:
    return [
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
        ssl.SSLContext(ssl.PROTOCOL_TLS),
        ssl._create_unverified_context(),
        ssl.create_default_context(ssl.Purpose.SERVER_AUTH, capath="/etc/ssl/certs"),
    ]
