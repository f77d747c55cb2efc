# typing-sample: sslx-only
"""sslx's own names, and sslx objects where code typed for the stdlib's ssl
expects them (sslx's classes are subclasses of the stdlib's, its exceptions
are the stdlib's)."""
import asyncio
import http.client
import socket
import ssl

import sslx
from typing_extensions import assert_type


def error_tables(lib: int, reason: int) -> str:
    library: str = sslx.lib_codes_to_names[lib]
    text = sslx.err_codes_to_names.get((lib, reason), "?")
    return library + text


def object_ids() -> list[str]:
    nid, short, long, oid = sslx.txt2obj("1.3.6.1.5.5.7.3.1")
    by_name = sslx.txt2obj("serverAuth", name=True)
    by_nid = sslx.nid2obj(nid)
    return [short, long, oid, by_name[1], by_nid[3]]


def constants() -> list[int]:
    print(sslx.__version__, sslx.HAS_TLS_UNIQUE, sslx.HAS_PSK, sslx.HAS_PHA, sslx.HAS_PSK_TLS13)
    return [sslx.HOSTFLAG_ALWAYS_CHECK_SUBJECT, sslx.HOSTFLAG_NEVER_CHECK_SUBJECT,
            sslx.HOSTFLAG_NO_WILDCARDS, sslx.HOSTFLAG_NO_PARTIAL_WILDCARDS,
            sslx.HOSTFLAG_MULTI_LABEL_WILDCARDS, sslx.HOSTFLAG_SINGLE_LABEL_SUBDOMAINS,
            sslx.ENCODING_PEM, sslx.ENCODING_DER, sslx.OP_ENABLE_KTLS,
            sslx.OP_LEGACY_SERVER_CONNECT]


def injection() -> None:
    sslx.inject_into_ssl()
    try:
        ssl.create_default_context()
    finally:
        sslx.extract_from_ssl()


def takes_stdlib_context(ctx: ssl.SSLContext) -> ssl.SSLSocket:
    return ctx.wrap_socket(socket.socket(), server_hostname="example.org")


def takes_stdlib_object(obj: ssl.SSLObject) -> str | None:
    return obj.version()


def sslx_where_stdlib_is_expected() -> None:
    ctx = sslx.create_default_context()
    tls: ssl.SSLSocket = takes_stdlib_context(ctx)
    obj = ctx.wrap_bio(sslx.MemoryBIO(), sslx.MemoryBIO(), server_hostname="example.org")
    print(tls, takes_stdlib_object(obj))
    conn = http.client.HTTPSConnection("example.org", context=ctx)
    conn.close()


async def asyncio_with_sslx(ctx: sslx.SSLContext) -> None:
    reader, writer = await asyncio.open_connection("example.org", 443, ssl=ctx)
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(asyncio.Protocol, "example.org", 80)
    await loop.start_tls(transport, protocol, ctx, server_hostname="example.org")
    print(reader, writer)


def what_sslx_takes_from_the_stdlib(ctx: sslx.SSLContext) -> sslx.SSLObject:
    # The stdlib's MemoryBIO (asyncio passes those) and Purpose.
    ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    server = sslx.create_default_context(ssl.Purpose.CLIENT_AUTH)
    print(server)
    return ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")


def same_exceptions(exc: sslx.SSLError) -> ssl.SSLError:
    assert_type(sslx.SSLCertVerificationError, type[ssl.SSLCertVerificationError])
    try:
        raise exc
    except ssl.SSLWantReadError as want:
        return want
    except sslx.SSLZeroReturnError as zero:
        return zero


def stdlib_callbacks_fit(ctx: sslx.SSLContext) -> None:
    def sni(obj: ssl.SSLObject, name: str, c: ssl.SSLContext) -> None:
        print(obj, name, c)
    ctx.sni_callback = sni


def subclass() -> type[ssl.SSLContext]:
    class MyContext(sslx.SSLContext):
        def describe(self) -> str:
            return "%s %s" % (self.verify_mode.name, self.minimum_version.name)
    return MyContext


def newest_api_everywhere(ctx: sslx.SSLContext, tls: sslx.SSLSocket) -> list[str]:
    ctx.set_psk_client_callback(lambda hint: ("id", b"key"))
    ctx.set_groups("X25519")
    ctx.set_ciphersuites("TLS_AES_128_GCM_SHA256")
    chain: list[bytes] = tls.get_verified_chain()
    print(chain, tls.group(), tls.client_sigalg(), tls.server_sigalg())
    return sslx.get_sigalgs() + ctx.get_groups()
