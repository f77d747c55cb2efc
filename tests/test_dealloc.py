"""Objects brought back to life while they are being destroyed.

A finalizer may resurrect its object: SSLSocket inherits the socket's
finalizer, which warns about an unclosed socket with the socket as the
warning's source, and `warnings.catch_warnings(record=True)` (or any hook
that keeps the warning) then holds the object.  A resurrected object must
still be tracked by the garbage collector and work (a debug CPython asserts
otherwise); Python subclasses' __del__ must be able to do the same with
every sslx type that can be subclassed (MemoryBIO and SSLSession are
final, as in the stdlib).  The sslx objects here are collected in a child
interpreter, so that a crash fails the test, not the run."""
import gc
import socket
import warnings

import pytest

import sslx
from childhelpers import CHILD_CONTEXTS, run_child
from memhelpers import make_contexts


def test_unclosed_sslsocket_resurrected_by_its_warning(certs):
    client_ctx, _ = make_contexts(sslx, certs)
    with warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        sock = client_ctx.wrap_socket(socket.socket(), server_hostname="localhost",
                                      do_handshake_on_connect=False)
        fd = sock.fileno()
        del sock
        gc.collect()
    sources = [w.source for w in log if issubclass(w.category, ResourceWarning)]
    assert len(sources) == 1
    back = sources[0]
    assert isinstance(back, sslx.SSLSocket)
    assert gc.is_tracked(back)
    # The finalizer closed the descriptor; the object answers like a closed
    # SSLSocket and can be collected again.
    assert back.fileno() == -1 and fd >= 0
    assert back.cipher() is None
    del back, sources, log
    gc.collect()


@pytest.mark.parametrize("kind", ["SSLObject", "SSLSocket", "SSLContext"])
def test_subclass_del_resurrects(kind):
    out = run_child(CHILD_CONTEXTS + """
import gc, socket
from memhelpers import MemoryPair
kind = %r
saved = []
server_ctx, client_ctx = server_context(), client_context()
class Keep:
    def __del__(self):
        saved.append(self)
def make():
    if kind == "SSLContext":
        class C(Keep, sslx.SSLContext): pass
        return C(sslx.PROTOCOL_TLS_CLIENT)
    if kind == "SSLObject":
        class O(Keep, sslx.SSLObject): pass
        client_ctx.sslobject_class = O
        pair = MemoryPair(sslx, client_ctx, server_ctx).handshake()
        return pair.client
    if kind == "SSLSocket":
        class S(Keep, sslx.SSLSocket): pass
        client_ctx.sslsocket_class = S
        s = client_ctx.wrap_socket(socket.socket(), server_hostname="localhost",
                                   do_handshake_on_connect=False)
        s.close()
        return s
obj = make()
type_name = type(obj).__name__
del obj
gc.collect()
assert len(saved) == 1, saved
back = saved[0]
assert gc.is_tracked(back), "resurrected object not tracked by the GC"
if kind == "SSLObject":
    assert back.version() == "TLSv1.3"
if kind == "SSLContext":
    assert back.protocol == sslx.PROTOCOL_TLS_CLIENT and back.check_hostname
saved.clear()
del back
gc.collect()
print("ok", type_name)
""" % kind)
    assert out.startswith("ok")
