# typing-sample: compare
"""asyncio with TLS: streams, servers, protocols, start_tls."""
import asyncio
import ssl
from typing import Any


async def client(host: str, port: int, ctx: ssl.SSLContext) -> bytes:
    reader, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=host,
                                                   ssl_handshake_timeout=10.0)
    obj: Any = writer.get_extra_info("ssl_object")
    cipher = writer.get_extra_info("cipher")
    print(obj, cipher, writer.get_extra_info("peercert"))
    writer.write(b"ping")
    await writer.drain()
    data = await reader.read(100)
    writer.close()
    await writer.wait_closed()
    return data


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(await reader.read(100))
    await writer.drain()
    writer.close()


async def server(certfile: str) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(certfile)
    srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
    async with srv:
        await srv.serve_forever()


async def low_level(ctx: ssl.SSLContext) -> None:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(
        asyncio.Protocol, "example.org", 443, ssl=ctx, server_hostname="example.org")
    upgraded = await loop.start_tls(transport, protocol, ctx, server_hostname="example.org")
    if upgraded is not None:
        upgraded.close()
    server = await loop.create_server(asyncio.Protocol, "127.0.0.1", 0, ssl=ctx)
    server.close()


def main(ctx: ssl.SSLContext) -> bytes:
    return asyncio.run(client("example.org", 443, ctx))
