"""inject_into_ssl() and extract_from_ssl(): make code that uses the
stdlib's `ssl` module get sslx's contexts (and so sslx's sockets and
TLS objects), and undo it.

Attribute swapping only; no TLS happens here.  Three things change:

1. ``ssl.SSLContext(...)``, the stdlib's class called as such, builds an
   sslx.SSLContext (a subclass of it): the class's ``__new__`` is
   replaced.  The class itself stays in place, because the stdlib's own
   methods name it (``super(SSLContext, SSLContext)`` in its property
   setters, ``super(SSLSocket, self)`` when it wraps a socket): swapping
   the names ``ssl.SSLContext``/``ssl.SSLSocket`` for sslx's makes every
   stdlib context made before unusable (RecursionError, TypeError).  So
   copies of the class (``from ssl import SSLContext``: urllib3, aiohttp,
   uvloop's compiled module) build sslx's contexts too, imported before
   or after, and every isinstance() check keeps passing for both kinds.
2. The module's context factories and helpers are sslx's:
   ``create_default_context``, ``_create_unverified_context``,
   ``_create_stdlib_context``, ``get_server_certificate``, ``wrap_socket``
   (where the stdlib has it), and ``_create_default_https_context`` follows
   whichever of the stdlib's factories it holds.
3. Contexts that known libraries make once at import, with the stdlib,
   are rebuilt by the library's own code (aiohttp's defaults, requests
   2.32.0-2.32.3's preloaded context), and put back on extraction;
   older aiohttp's cache of the contexts it made is emptied.

``ssl.MemoryBIO`` is left as it is: the stdlib's contexts refuse sslx's
MemoryBIOs in wrap_bio(), while sslx's accept the stdlib's, and with
asyncio the stdlib's are not slower.

Each swap is decided by identity.  The factories are replaced whatever
they hold and get back exactly that; ``_create_default_https_context`` is
changed only if it holds one of those factories, so a function of the
user's there is left alone; and on extraction a name is restored only if
it still holds sslx's object (one assigned meanwhile is kept).
"""
import sys
import threading

import sslx as _sslx

# The stdlib's class that sslx.SSLContext derives from (issue 13).
_STDLIB_CONTEXT = _sslx.SSLContext.__mro__[1]

# Names of the `ssl` module replaced by sslx's object of the same name
# (only those the stdlib has: wrap_socket is gone from 3.12).
SSL_NAMES = (
    "create_default_context",
    "_create_unverified_context",
    "_create_stdlib_context",
    "get_server_certificate",
    "wrap_socket",
)
# Holds one of the factories above (the stdlib's create_default_context,
# or _create_unverified_context where users switch verification off).
FOLLOWING_NAMES = ("_create_default_https_context",)


def _aiohttp_context(verified):
    def build(module):
        return module._make_ssl_context(verified)
    return build


def _requests_context(module):
    context = module.create_urllib3_context()
    context.load_verify_locations(module.extract_zipped_paths(module.DEFAULT_CA_BUNDLE_PATH))
    return context


# Contexts that libraries make once, at import, and use for every
# connection: (module, attribute, how the library itself builds it).
CONTEXT_COPIES = (
    ("aiohttp.connector", "_SSL_CONTEXT_VERIFIED", _aiohttp_context(True)),
    ("aiohttp.connector", "_SSL_CONTEXT_UNVERIFIED", _aiohttp_context(False)),
    ("requests.adapters", "_preloaded_ssl_context", _requests_context),   # requests 2.32.0-2.32.3
)

# Functions that cache the contexts they make (functools.lru_cache):
# (module, dotted path); their cache is cleared on injection and
# extraction, so the next call builds with the current `ssl`.
CACHED_FACTORIES = (
    ("aiohttp.connector", "TCPConnector._make_ssl_context"),   # older aiohttp (3.9)
)

_MISSING = object()
_lock = threading.RLock()
_injected = False
_pairs: list = []         # [(name, the stdlib's object, sslx's)] of the current injection
_stdlib_new = None        # the stdlib class's own __new__ (as in its __dict__), or _MISSING
_replaced_contexts: dict = {}  # (module, attribute) -> (the library's context, sslx's)


def _new_context(cls, *args, **kwargs):
    """``ssl.SSLContext.__new__`` while sslx is injected: the stdlib's class
    itself builds an sslx.SSLContext; its subclasses build what they did."""
    if cls is _STDLIB_CONTEXT:
        return _sslx.SSLContext.__new__(_sslx.SSLContext, *args, **kwargs)
    if _stdlib_new is _MISSING:
        return _STDLIB_CONTEXT.__mro__[1].__new__(cls, *args, **kwargs)
    return getattr(_stdlib_new, "__func__", _stdlib_new)(cls, *args, **kwargs)


_new_context_descriptor = staticmethod(_new_context)


def _ssl_module():
    import ssl
    return ssl


def _make_pairs(ssl):
    pairs = []
    for name in SSL_NAMES:
        theirs = ssl.__dict__.get(name, _MISSING)
        if theirs is not _MISSING:
            ours = getattr(_sslx, name)
            if theirs is not ours:
                pairs.append((name, theirs, ours))
    return pairs


def _swap_names(module, forward):
    """Swap the module's names between the stdlib's objects and sslx's:
    each name holding one side's object of a pair gets the other side's
    (its own pair's first, so each gets back exactly what it held)."""
    mapping = {}
    for _, stdlib_obj, sslx_obj in _pairs:
        old, new = (stdlib_obj, sslx_obj) if forward else (sslx_obj, stdlib_obj)
        mapping.setdefault(id(old), new)
    by_name = {name: (stdlib_obj, sslx_obj) if forward else (sslx_obj, stdlib_obj)
               for name, stdlib_obj, sslx_obj in _pairs}
    for name in SSL_NAMES + FOLLOWING_NAMES:
        current = module.__dict__.get(name, _MISSING)
        if current is _MISSING:
            continue
        old, new = by_name.get(name, (_MISSING, None))
        if current is old:
            setattr(module, name, new)
        elif id(current) in mapping:
            setattr(module, name, mapping[id(current)])


def _swap_class(forward):
    global _stdlib_new
    current = _STDLIB_CONTEXT.__dict__.get("__new__", _MISSING)
    if forward:
        if current is not _new_context_descriptor:
            _stdlib_new = current
            _STDLIB_CONTEXT.__new__ = _new_context_descriptor
    elif current is _new_context_descriptor:
        if _stdlib_new is _MISSING:
            del _STDLIB_CONTEXT.__new__
        else:
            _STDLIB_CONTEXT.__new__ = _stdlib_new


def _swap_contexts(forward):
    for module_name, attr, build in CONTEXT_COPIES:
        module = sys.modules.get(module_name)
        if module is None:
            continue
        current = module.__dict__.get(attr, _MISSING)
        if current is _MISSING or current is None:
            continue
        key = (module_name, attr)
        is_ours = isinstance(current, _sslx.SSLContext)
        if forward and not is_ours and type(current) is _STDLIB_CONTEXT:
            setattr(module, attr, build(module))
            _replaced_contexts[key] = (current, module.__dict__[attr])
        elif not forward and is_ours:
            saved = _replaced_contexts.get(key)
            if saved is not None and saved[1] is current:
                setattr(module, attr, saved[0])
            else:
                # made by sslx while injected (the library was imported
                # then): the library builds a stdlib one again.
                setattr(module, attr, build(module))
    if not forward:
        _replaced_contexts.clear()
    for module_name, path in CACHED_FACTORIES:
        target = sys.modules.get(module_name)
        for part in path.split("."):
            target = getattr(target, part, None)
        if hasattr(target, "cache_clear"):
            target.cache_clear()


def inject_into_ssl():
    """Make code that uses the stdlib's ``ssl`` module get sslx's contexts.

    Afterwards ``ssl.SSLContext(...)`` returns an :class:`sslx.SSLContext`
    (the stdlib's class, which sslx's derives from, gets a ``__new__`` that
    builds sslx's; its subclasses are left as they are), and
    ``ssl.create_default_context``, ``ssl._create_unverified_context``,
    ``ssl._create_stdlib_context``, ``ssl.get_server_certificate`` and,
    where the stdlib still has it (up to 3.11), ``ssl.wrap_socket`` are
    sslx's functions; ``ssl._create_default_https_context`` becomes sslx's
    verified or unverified factory, after the stdlib's one it held (a
    function someone else put there is kept).  Sockets and TLS objects
    come from contexts, so they are sslx's too.

    This reaches code that calls those names when it runs (http.client,
    urllib, smtplib, asyncio, trio, anyio, httpx/httpcore, websockets) and
    copies of the class taken at import (urllib3's, uvloop's).  Contexts
    that libraries made at import are rebuilt by the library's own code if
    the library is imported: ``aiohttp.connector._SSL_CONTEXT_VERIFIED`` and
    ``_SSL_CONTEXT_UNVERIFIED``, and requests 2.32.0-2.32.3's
    ``requests.adapters._preloaded_ssl_context``; the cache of the
    contexts older aiohttp (3.9) made on first use is emptied.  Not
    reached: copies of the factory functions taken before (``from ssl
    import create_default_context``: they still build sslx contexts,
    through the stdlib's code) and contexts other code made before, which
    stay the stdlib's and keep working.  ``ssl.SSLContext``, ``ssl.SSLSocket``,
    ``ssl.SSLObject``, ``ssl.MemoryBIO`` and ``ssl.SSLSession`` keep naming
    the stdlib's classes, so isinstance() checks pass for both kinds.

    Thread-safe (a lock serialises injection and extraction), but other
    threads making contexts meanwhile may get either kind: call it early.
    Calling it again is harmless (it only rebuilds library contexts made
    since).  Undo with :func:`extract_from_ssl`.
    """
    global _pairs, _injected
    with _lock:
        ssl = _ssl_module()
        if ssl is _sslx:
            return          # sys.modules["ssl"] is sslx itself: nothing to swap
        if not _injected:
            _pairs = _make_pairs(ssl)
            _swap_class(True)
            _swap_names(ssl, True)
            _injected = True
        _swap_contexts(True)


def extract_from_ssl():
    """Undo :func:`inject_into_ssl`: the ``ssl`` module's names and the
    stdlib ``SSLContext`` class's ``__new__`` are the very objects they were
    before; a library context that sslx rebuilt is put back, and one made
    by sslx while injected (the library was imported then) is built again
    by the library's code.  A name that holds something else than sslx's
    object (assigned since by other code) is left as it is.  sslx objects
    made meanwhile keep working.  Does nothing when sslx is not injected."""
    global _injected
    with _lock:
        if not _injected:
            return
        _swap_names(_ssl_module(), False)
        _swap_class(False)
        # after the ssl module: libraries rebuild their contexts through it
        _swap_contexts(False)
        _injected = False


def is_injected():
    """True between :func:`inject_into_ssl` and :func:`extract_from_ssl`."""
    return _injected
