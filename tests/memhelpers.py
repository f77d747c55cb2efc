"""In-memory TLS for tests: two SSLObjects pumping MemoryBIOs, one thread,
no sockets.  Works with any ssl-like module (sslx or the stdlib `ssl`), so
the same scenario can run against both and their outcomes be compared.

The pump itself is the package's (sslx._memorypair.MemoryPair, shared with
the fuzz targets and `sslx bench`); this module adds what tests ask of it.
"""
import ssl as stdlib_ssl

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


def set_max_version(mod, ctx, name):
    ctx.maximum_version = getattr(mod.TLSVersion, name)


def settled_outcome(pair, rounds=20):
    """pair.handshake_outcome(), and a check that each side reported as
    not failed really finished (MemoryPair does not tell "done" from "still
    waiting"; version() is None until a handshake is complete).  Returns
    {"client": exc or None, "server": exc or None}."""
    errors = pair.handshake_outcome(rounds)
    for name in ("client", "server"):
        if errors[name] is None and getattr(pair, name).version() is None:
            raise AssertionError("the %s's handshake neither finished nor failed in %d rounds"
                                 % (name, rounds))
    return errors


def handshake_errors(mod, client_ctx, server_ctx, **kwargs):
    """A fresh MemoryPair (kwargs as MemoryPair's) driven until both ends
    finished or failed: (pair, client error or None, server error or None)."""
    pair = MemoryPair(mod, client_ctx, server_ctx, **kwargs)
    errors = settled_outcome(pair)
    return pair, errors["client"], errors["server"]


def chains(mod, certs, side, client_cert=True, handshake=True, private=True):
    """(verified, unverified) chains of one end of a fresh pair.  private:
    through the internal _sslobj (Certificate objects or None, on every
    version), else the public methods (DER lists; 3.13's API, which sslx
    has on every version and the stdlib only from 3.13)."""
    client, server = make_contexts(mod, certs, client_cert=client_cert,
                                   require_client_cert=client_cert)
    pair = MemoryPair(mod, client, server)
    if handshake:
        pair.handshake()
    obj = pair.client if side == "client" else pair.server
    if private:
        obj = obj._sslobj
    return obj.get_verified_chain(), obj.get_unverified_chain()


def as_der(chain):
    """A chain of Certificate objects or DER bytes as DER bytes (None stays)."""
    if chain is None:
        return chain
    return [c if isinstance(c, bytes) else c.public_bytes(stdlib_ssl._ssl.ENCODING_DER)
            for c in chain]


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
