# typing-sample: compare
"""Type errors in asyncio TLS code."""
import asyncio
import ssl


async def client(ctx: ssl.SSLContext) -> None:
    reader, writer = await asyncio.open_connection("example.org", 443, ssl=ctx)
    data: str = await reader.read(10)  # E: assignment
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(asyncio.Protocol, "example.org", 443,
                                                       ssl=ctx)
    await loop.start_tls(transport, protocol, "ctx")  # E: arg-type
    await loop.start_tls(transport, protocol, ctx, server_hostname=1)  # E: arg-type
    print(data, writer)
