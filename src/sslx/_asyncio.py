"""asyncio's TLS layer in C for sslx contexts (the glue; the protocol and
its transport are C types: _sslx/asyncio_protocol.c, asyncio_flow.c,
asyncio_transport.c).

asyncio makes every TLS connection of its selector and proactor loops
(open_connection, start_server, create_connection, create_server,
start_tls, and what is built on them) by calling
``asyncio.sslproto.SSLProtocol(loop, app_protocol, sslcontext, waiter,
...)``, looking the class up on the module at each call.  install() puts
a subclass of that class there whose constructor, for an sslx context,
returns sslx's C protocol (sslx._sslx.AsyncioSSLProtocol) instead, and for
any other context (the stdlib's, a context class that overrides
wrap_bio() in Python, ssl=True's default context) builds the stdlib's own
protocol, unchanged.

It is installed when sslx is imported: at once if asyncio.sslproto is
already imported, otherwise by a finder on sys.meta_path that patches
asyncio.sslproto right after it is first imported, then removes itself.
``SSLX_ASYNCIO=0`` in the environment leaves asyncio alone (debugging);
uninstall() puts the stdlib's class back.  uvloop's TLS layer is its own
(Cython over the stdlib's MemoryBIO); sslx serves it through wrap_bio(),
using the stdlib MemoryBIO's BIO directly (_sslx/bio_stdlib.c).

The C types read asyncio's logger, exceptions and constants from this
module's globals, which install() fills in.
"""
import enum
import os
import sys

from sslx import _sslx

_MODULE = "asyncio.sslproto"

# Filled in by _bind() from asyncio, read by the C types.
logger = None
CancelledError = None
TimeoutError = None
CertificateError = None
BufferedProtocol = None
Transport = None
SSLProtocolState = None
SSL_HANDSHAKE_TIMEOUT = 60.0
SSL_SHUTDOWN_TIMEOUT = 30.0
FLOW_CONTROL_HIGH_WATER_SSL_READ = 256     # KiB
FLOW_CONTROL_HIGH_WATER_SSL_WRITE = 512    # KiB

_state = {"original": None, "dispatcher": None, "finder": None}


class _States(enum.Enum):
    """The protocol's states under the names 3.11+'s sslproto gives them
    (Python 3.10's sslproto has no such enum)."""
    UNWRAPPED = "UNWRAPPED"
    DO_HANDSHAKE = "DO_HANDSHAKE"
    WRAPPED = "WRAPPED"
    FLUSHING = "FLUSHING"
    SHUTDOWN = "SHUTDOWN"


def _bind(sslproto):
    """Take what the C types need from the asyncio being patched."""
    from asyncio import constants, exceptions, log, protocols, transports
    import ssl as stdlib_ssl
    g = globals()
    g.update(logger=log.logger, CancelledError=exceptions.CancelledError,
             TimeoutError=exceptions.TimeoutError,
             CertificateError=stdlib_ssl.CertificateError,
             BufferedProtocol=protocols.BufferedProtocol, Transport=transports.Transport,
             SSLProtocolState=getattr(sslproto, "SSLProtocolState", _States))
    for name in ("SSL_HANDSHAKE_TIMEOUT", "SSL_SHUTDOWN_TIMEOUT",
                 "FLOW_CONTROL_HIGH_WATER_SSL_READ", "FLOW_CONTROL_HIGH_WATER_SSL_WRITE"):
        if hasattr(constants, name):
            g[name] = getattr(constants, name)
    # The C types are made now, as subtypes of asyncio's BufferedProtocol
    # and Transport.
    _sslx._asyncio_register(sys.modules[__name__])
    _sslx.AsyncioSSLTransport._sendfile_compatible = constants._SendfileMode.FALLBACK


def serves(sslcontext):
    """Whether sslx's C protocol serves connections with this context: an
    sslx context whose class does not replace wrap_bio()."""
    return (isinstance(sslcontext, _sslx.SSLContext)
            and type(sslcontext).wrap_bio is _sslx.SSLContext.wrap_bio)


def _make_dispatcher(original):
    class SSLProtocol(original):
        def __new__(cls, loop, app_protocol, sslcontext, waiter, *args, **kwargs):
            if cls is _state["dispatcher"] and serves(sslcontext):
                return _sslx.AsyncioSSLProtocol(loop, app_protocol, sslcontext, waiter,
                                                *args, **kwargs)
            return super().__new__(cls)

    SSLProtocol.__module__ = original.__module__
    SSLProtocol.__qualname__ = original.__qualname__
    SSLProtocol.__doc__ = original.__doc__
    SSLProtocol._sslx_original = original
    return SSLProtocol


def _patch(module):
    current = module.SSLProtocol
    if getattr(current, "_sslx_original", None) is not None:
        return      # already patched (by this or another copy of sslx)
    _bind(module)
    _state["original"] = current
    _state["dispatcher"] = module.SSLProtocol = _make_dispatcher(current)


class _Loader:
    """Runs the real loader, then patches the module."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _patch(module)


class _Finder:
    """Finds asyncio.sslproto through the other finders, with a loader
    that patches it once imported; removes itself after that."""

    def find_spec(self, name, path, target=None):
        if name != _MODULE:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        _remove_finder()
        if spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def _remove_finder():
    finder = _state["finder"]
    _state["finder"] = None
    if finder is not None and finder in sys.meta_path:
        sys.meta_path.remove(finder)


def install():
    """Serve asyncio's TLS connections over sslx contexts with the C
    protocol: now if asyncio.sslproto is imported, else once it is."""
    module = sys.modules.get(_MODULE)
    if module is not None:
        _patch(module)
    elif _state["finder"] is None:
        _state["finder"] = _Finder()
        sys.meta_path.insert(0, _state["finder"])


def uninstall():
    """Put asyncio's own SSLProtocol back (and forget a pending install)."""
    _remove_finder()
    module = sys.modules.get(_MODULE)
    if module is not None and module.SSLProtocol is _state["dispatcher"] and _state["original"]:
        module.SSLProtocol = _state["original"]
    _state["dispatcher"] = None


def installed():
    """Whether asyncio.sslproto.SSLProtocol is sslx's dispatcher now."""
    module = sys.modules.get(_MODULE)
    return (module is not None and _state["dispatcher"] is not None
            and module.SSLProtocol is _state["dispatcher"])


if os.environ.get("SSLX_ASYNCIO", "1") != "0":
    install()
