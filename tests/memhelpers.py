"""In-memory TLS for tests: two SSLObjects pumping MemoryBIOs, one thread,
no sockets.  Works with any ssl-like module (sslx or the stdlib `ssl`), so
the same scenario can run against both and their outcomes be compared.
"""
import pytest


from sslx._memorypair import MemoryPair  # noqa: F401  (re-exported)


def make_contexts(mod, certs, client_cert=False, require_client_cert=False):
    """A verifying client context and a server context from `certs`."""
    client = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(certs.cafile)
    server = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile)
    if client_cert:
        client.load_cert_chain(certs.client_certfile)
    if require_client_cert:
        server.verify_mode = mod.CERT_REQUIRED
        server.load_verify_locations(certs.cafile)
    return client, server


def need(obj, attr):
    """Skip when an SSLContext feature owned by another part of sslx is not
    on this branch yet (reported, never a silent pass)."""
    if not hasattr(obj, attr):
        pytest.skip(f"{type(obj).__name__}.{attr} is not implemented on this branch")


def set_max_version(mod, ctx, name):
    need(ctx, "maximum_version")
    ctx.maximum_version = getattr(mod.TLSVersion, name)


def outcome_summary(exc):
    """The comparable facts of a handshake failure (no line numbers)."""
    if exc is None:
        return None
    return {
        "type": type(exc).__name__,
        "reason": getattr(exc, "reason", None),
        "library": getattr(exc, "library", None),
        "verify_code": getattr(exc, "verify_code", None),
        "verify_message": getattr(exc, "verify_message", None),
    }


@pytest.fixture(params=["sslx", "stdlib"])
def mod(request):
    """Each test runs on sslx and on the stdlib ssl: same expectations."""
    if request.param == "sslx":
        import sslx
        return sslx
    import ssl
    return ssl
