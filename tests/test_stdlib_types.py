"""sslx's objects are the stdlib's types (issue 13): sslx.SSLContext,
SSLSocket and SSLObject are C subtypes of ssl.SSLContext, ssl.SSLSocket and
ssl.SSLObject, so the isinstance() checks libraries make pass; yet no stdlib
implementation is reachable through them (every name the stdlib classes
define resolves to sslx's own), and Python subclasses still work.
"""
import gc
import inspect
import socket
import ssl as stdlib_ssl
import weakref

import pytest

import sslx
from memhelpers import MemoryPair, make_contexts

# (sslx's class, the stdlib's, where the stdlib's own names stop)
PAIRS = [
    (sslx.SSLContext, stdlib_ssl.SSLContext, object),
    (sslx.SSLSocket, stdlib_ssl.SSLSocket, socket.socket),
    (sslx.SSLObject, stdlib_ssl.SSLObject, object),
]

# What a Python class statement puts in a class dict besides behaviour.
CLASS_METADATA = {"__dict__", "__doc__", "__module__", "__weakref__", "__qualname__",
                  "__firstlineno__", "__static_attributes__", "__slotnames__"}


def stdlib_names(stdlib_cls, stop):
    """{name: (defining class, value)} for every name the stdlib class and
    its bases up to `stop` define, the nearest definition winning."""
    names = {}
    for base in stdlib_cls.__mro__:
        if base is stop or base is object:
            break
        for name, value in vars(base).items():
            if name not in CLASS_METADATA:
                names.setdefault(name, (base, value))
    return names


@pytest.mark.parametrize("ours, theirs, stop", PAIRS, ids=lambda x: getattr(x, "__name__", ""))
def test_is_a_subclass_of_the_stdlib_class(ours, theirs, stop):
    assert issubclass(ours, theirs)
    assert ours.__mro__[1] is theirs


@pytest.mark.parametrize("ours, theirs, stop", PAIRS, ids=lambda x: getattr(x, "__name__", ""))
def test_every_stdlib_name_resolves_to_sslx(ours, theirs, stop):
    """No method or attribute of the stdlib's class (or of its C base) is
    reached through sslx's: each name is defined again on sslx's class."""
    names = stdlib_names(theirs, stop)
    assert len(names) > 10
    reached = sorted("%s.%s" % (base.__name__, name) for name, (base, value) in names.items()
                     if inspect.getattr_static(ours, name) is value)
    assert reached == []


def test_stdlib_private_base_methods_are_shadowed_too():
    """The stdlib SSLContext's C base (_ssl._SSLContext) is enumerated as
    well: its methods would act on state sslx never fills in."""
    base = stdlib_ssl.SSLContext.__mro__[1]
    assert base.__module__ == "_ssl"
    for name, value in vars(base).items():
        if name not in CLASS_METADATA:
            assert inspect.getattr_static(sslx.SSLContext, name) is not value, name


def test_objects_pass_the_stdlib_isinstance_checks(certs):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    assert isinstance(client_ctx, stdlib_ssl.SSLContext)
    pair = MemoryPair(sslx, client_ctx, server_ctx).handshake()
    assert isinstance(pair.client, stdlib_ssl.SSLObject)
    assert isinstance(pair.server, stdlib_ssl.SSLObject)
    a, b = socket.socketpair()
    with a, b, client_ctx.wrap_socket(a, server_hostname="localhost",
                                      do_handshake_on_connect=False) as tls:
        assert isinstance(tls, stdlib_ssl.SSLSocket)
        assert isinstance(tls, socket.socket)


def test_exceptions_and_helpers_are_the_stdlibs():
    for name in ("SSLError", "SSLZeroReturnError", "SSLWantReadError", "SSLWantWriteError",
                 "SSLSyscallError", "SSLEOFError", "SSLCertVerificationError",
                 "CertificateError"):
        assert getattr(sslx, name) is getattr(stdlib_ssl, name), name


@pytest.mark.parametrize("name", ["SSLContext", "SSLSocket", "SSLObject"])
def test_stdlib_constructors_refuse_sslx_classes(name):
    """The stdlib's constructors cannot build an sslx object with the
    stdlib's state in it (the interpreter calls that unsafe)."""
    ours, theirs = getattr(sslx, name), getattr(stdlib_ssl, name)
    c_base = [t for t in theirs.__mro__ if t.__module__ in ("_ssl", "_socket")]
    if not c_base:          # ssl.SSLObject is plain Python over object
        c_base = [object]
    with pytest.raises(TypeError):
        c_base[0].__new__(ours)


def test_stdlib_wrap_socket_called_on_an_sslx_context_is_refused(certs):
    """ssl.SSLContext.wrap_socket(ctx, ...) run explicitly on an sslx
    context reaches sslx.SSLSocket._create, which refuses: sslx sockets are
    made by sslx's wrap_socket only."""
    ctx, _ = make_contexts(sslx, certs)
    with socket.socket() as raw:
        with pytest.raises(TypeError, match="wrap_socket"):
            stdlib_ssl.SSLContext.wrap_socket(ctx, raw, server_hostname="localhost")
    with pytest.raises(TypeError, match="wrap_bio"):
        stdlib_ssl.SSLContext.wrap_bio(ctx, sslx.MemoryBIO(), sslx.MemoryBIO(),
                                       server_hostname="localhost")


# ---- Python subclasses ----

class MyContext(sslx.SSLContext):
    pass


class MySocket(sslx.SSLSocket):
    note = "class attribute"


class MyObject(sslx.SSLObject):
    pass


class SlottedObject(sslx.SSLObject):
    __slots__ = ("tag",)


def test_subclass_instances_have_dicts_and_weakrefs(certs):
    ctx = MyContext(sslx.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(certs.cafile)
    ctx.extra = [1, 2]
    assert ctx.extra == [1, 2] and vars(ctx) == {"extra": [1, 2]}
    assert weakref.ref(ctx)() is ctx
    assert isinstance(ctx, stdlib_ssl.SSLContext)
    ctx.sslsocket_class = MySocket
    ctx.sslobject_class = MyObject
    obj = ctx.wrap_bio(sslx.MemoryBIO(), sslx.MemoryBIO(), server_hostname="localhost")
    assert type(obj) is MyObject
    obj.tag = "mine"
    assert obj.__dict__ == {"tag": "mine"} and weakref.ref(obj)() is obj
    a, b = socket.socketpair()
    with a, b, ctx.wrap_socket(a, server_hostname="localhost",
                               do_handshake_on_connect=False) as tls:
        assert type(tls) is MySocket and tls.note == "class attribute"
        tls.tag = "socket"
        assert tls.__dict__ == {"tag": "socket"} and weakref.ref(tls)() is tls


def test_slotted_subclass(certs):
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.sslobject_class = SlottedObject
    obj = ctx.wrap_bio(sslx.MemoryBIO(), sslx.MemoryBIO())
    obj.tag = "slot"
    assert obj.tag == "slot"


@pytest.mark.parametrize("kind", ["context", "object", "socket"])
def test_subclass_cycles_are_collected(certs, kind):
    """An instance referring to itself through its dict is freed by the
    garbage collector (the dict lives where the interpreter puts it)."""
    ctx = MyContext(sslx.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.sslsocket_class = MySocket
    ctx.sslobject_class = MyObject
    if kind == "context":
        obj, closers = ctx, []
    elif kind == "object":
        obj, closers = ctx.wrap_bio(sslx.MemoryBIO(), sslx.MemoryBIO()), []
    else:
        a, b = socket.socketpair()
        obj, closers = ctx.wrap_socket(a, do_handshake_on_connect=False), [b]
        closers.append(obj)
    obj.me = obj
    ref = weakref.ref(obj)
    for closer in closers:
        closer.close()
    del obj, ctx, closers
    closer = None
    gc.collect()
    assert ref() is None
