"""Wrong argument shapes get the stdlib's exceptions, never SystemError
(issue 14).

Every public callable of sslx -- the module functions, the classes, and the
methods of a context, of an SSLObject and of an SSLSocket (both after a
handshake), of a MemoryBIO -- is called with shapes made from its
signature: no arguments, one positional argument too many, an unknown
keyword, a parameter given twice, and, in each parameter's place (by
position and by name), None, ints, a float, str, bytes, tuples of odd
lengths and a plain object().  The same calls go to the stdlib's ssl on
the same interpreter, each on fresh objects of its own.

Checked: sslx never raises SystemError; where the stdlib raises, sslx
raises the same exception type; where the stdlib accepts the call, sslx
does not refuse it with TypeError (a shape it should take).  Deliberate
differences are listed in DIFFERENCES with their reasons.  Where the
running stdlib lacks a callable (what 3.12 removed, 3.13's and 3.15's
additions on older Pythons), only the first check applies.

Nothing blocks: sockets are non-blocking, get_server_certificate() gets
addresses that fail before connecting or a closed loopback port.
"""
import enum
import inspect
import os
import socket
import ssl as stdlib_ssl
import sys
import warnings

import pytest

import sslx
from memhelpers import MemoryPair

SSLWantReadError = stdlib_ssl.SSLWantReadError
SSLError = stdlib_ssl.SSLError

# (label, value): the wrong values tried in each parameter's place.
BAD_VALUES = [("None", None), ("0", 0), ("-1", -1), ("2**64", 1 << 64), ("1.5", 1.5),
              ("''", ""), ("'x'", "x"), ("b''", b""), ("b'x'", b"x"), ("()", ()),
              ("('x',)", ("x",)), ("(1, 2, 3)", (1, 2, 3)), ("[]", []),
              ("object()", object())]

# Deliberate differences: (target, shapes starting with, sslx's outcome,
# the stdlib's outcome, why[, on which Pythons]).  Outcomes are exception
# types, None for a call that returns, or tuples of those.  Each entry that
# applies to the running Python must match a call of the test.
DIFFERENCES = [
    ("SSLContext.load_cert_chain", ("certdata=", "keydata="),
     (None, TypeError, ValueError, SSLError), TypeError,
     "sslx's credentials from memory (docs/features/credentials.md); the stdlib has no "
     "such keywords"),
    ("Certificate.public_bytes", ("encoding=", "format="), (None, TypeError, ValueError, OverflowError),
     TypeError,
     "sslx's Certificate names its argument (encoding=, or format= as the stdlib's "
     "private class calls it); the stdlib's takes it by position only"),
    ("PEM_cert_to_DER_cert", "pem_cert_string=", TypeError, AttributeError,
     "the stdlib calls str methods on any object and so raises AttributeError for "
     "non-str ones; sslx checks the type (TypeError, as for bytes in both)"),
    ("cert_time_to_seconds", "cert_time=", TypeError, AttributeError,
     "the stdlib slices a tuple or list and calls .title() on the slice "
     "(AttributeError); sslx checks the type (TypeError, as for None or int in both)"),
    ("SSLContext.set_npn_protocols", "npn_protocols=", NotImplementedError, AttributeError,
     "without NPN (HAS_NPN False) the stdlib fails on a missing private method "
     "(AttributeError) once the list is valid; sslx raises NotImplementedError, as the "
     "spec says for HAS_NPN False (invalid lists get the stdlib's TypeError and SSLError)"),
    ("SSLContext.wrap_socket", "session=", TypeError, None,
     "sslx checks session when wrap_socket() is called; the stdlib, for a socket not yet "
     "connected, only when it connects (the same TypeError, later)"),
    ("SSLSocket.recv_into", "buffer=None", TypeError, SSLWantReadError,
     "with buffer None the stdlib reads into a new bytes object and returns that; sslx "
     "refuses None as socket.socket.recv_into() does"),
    ("SSLContext", "protocol=2**64", ValueError, OverflowError,
     "sslx calls any protocol number it does not know invalid, out of a C int's range "
     "too (test_context.test_bad_protocol); the stdlib's int conversion overflows first"),
    ("get_server_certificate", "ssl_version=2**64", ValueError, OverflowError,
     "the protocol of its SSLContext, as above"),
    ("wrap_socket", "ssl_version=2**64", ValueError, OverflowError,
     "the protocol of its SSLContext, as above (the stdlib has wrap_socket() until 3.11)"),
    ("SSLContext.wrap_bio", "server_side=", (None, SSLError), (TypeError, OverflowError),
     "before 3.12 the stdlib's wrap_bio() wants an int for server_side; 3.12 made it a "
     "bool that takes any object's truth, as sslx does on every Python",
     sys.version_info < (3, 12)),
]


def difference(name, shape_name, ours, theirs):
    """The DIFFERENCES entry that explains this outcome, or None."""
    for entry in DIFFERENCES:
        target, prefix, mine, std, _ = entry[:5]
        applies = entry[5] if len(entry) > 5 else True
        mine = mine if isinstance(mine, tuple) else (mine,)
        std = std if isinstance(std, tuple) else (std,)
        if applies and target == name and shape_name.startswith(prefix) \
                and ours in mine and theirs in std:
            return entry
    return None


_P12 = {}


def p12_data(certs):
    """The server's key and certificate as PKCS#12 bytes (no password)."""
    if certs.server_certfile not in _P12:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12
        with open(certs.server_certfile, "rb") as f:
            pem = f.read()
        key = serialization.load_pem_private_key(pem, password=None)
        cert = x509.load_pem_x509_certificate(pem)
        _P12[certs.server_certfile] = pkcs12.serialize_key_and_certificates(
            b"server", key, cert, None, serialization.NoEncryption())
    return _P12[certs.server_certfile]


def closed_port():
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Env:
    """Fresh objects of one implementation (sslx or the stdlib) for each
    call, and the closing of what the calls made."""

    def __init__(self, mod, certs, tmp_path, port):
        self.mod, self.certs, self.tmp_path, self.port = mod, certs, tmp_path, port
        self.to_close = []

    def keep(self, obj):
        self.to_close.append(obj)
        return obj

    def cleanup(self):
        while self.to_close:
            obj = self.to_close.pop()
            try:
                obj.close()
            except Exception:  # closing what a failed call left half made
                pass

    def client_ctx(self):
        ctx = self.mod.SSLContext(self.mod.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.certs.cafile)
        return ctx

    def server_ctx(self):
        ctx = self.mod.SSLContext(self.mod.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.certs.server_certfile)
        return ctx

    def bio(self):
        return self.mod.MemoryBIO()

    def sslobject(self):
        """A client SSLObject after a handshake (its peer kept alive)."""
        pair = MemoryPair(self.mod, self.client_ctx(), self.server_ctx())
        pair.handshake()
        self.to_close.append(_Keep(pair))
        return pair.client

    def sslsocket(self):
        """A non-blocking client SSLSocket over a socketpair, after a
        handshake with its server end (kept open)."""
        a, b = socket.socketpair()
        self.keep(a)
        self.keep(b)
        client = self.keep(self.client_ctx().wrap_socket(
            a, server_hostname="localhost", do_handshake_on_connect=False))
        server = self.keep(self.server_ctx().wrap_socket(
            b, server_side=True, do_handshake_on_connect=False))
        client.setblocking(False)
        server.setblocking(False)
        pending = [client, server]
        for _ in range(50):
            for end in list(pending):
                try:
                    end.do_handshake()
                    pending.remove(end)
                except (self.mod.SSLWantReadError, self.mod.SSLWantWriteError):
                    pass
            if not pending:
                return client
        raise AssertionError("socketpair handshake did not finish")

    def certificate(self):
        """The server's certificate as the connection's private chain gives
        it (the stdlib's _ssl.Certificate, sslx's public Certificate)."""
        return self.sslobject()._sslobj.get_unverified_chain()[0]

    def plain_socket(self):
        return self.keep(socket.socket())

    def binary_file(self):
        path = self.tmp_path / "data.bin"
        path.write_bytes(b"0123456789")
        return self.keep(open(path, "rb"))


class _Keep:
    """Holds an object until cleanup."""

    def __init__(self, obj):
        self.obj = obj

    def close(self):
        self.obj = None


# name: (object maker or None for a module function, valid positional
# arguments, valid keyword arguments), each a function of the Env.
NOTHING = (lambda env: (), lambda env: {})
PEM = stdlib_ssl.DER_cert_to_PEM_cert(b"0\x00")
CERT = {"subject": ((("commonName", "example.com"),),)}

MODULE_FUNCTIONS = {
    "DER_cert_to_PEM_cert": (lambda env: (b"0\x00",), lambda env: {}),
    "PEM_cert_to_DER_cert": (lambda env: (PEM,), lambda env: {}),
    "RAND_add": (lambda env: ("seed", 0.0), lambda env: {}),
    "RAND_bytes": (lambda env: (4,), lambda env: {}),
    "RAND_pseudo_bytes": (lambda env: (4,), lambda env: {}),
    "RAND_status": NOTHING,
    "cert_time_to_seconds": (lambda env: ("Jan  5 09:34:43 2018 GMT",), lambda env: {}),
    "create_default_context": NOTHING,
    "get_default_verify_paths": NOTHING,
    "get_protocol_name": (lambda env: (16,), lambda env: {}),
    "get_server_certificate": (lambda env: (("127.0.0.1", env.port),),
                               lambda env: {"timeout": 2.0}),
    "get_sigalgs": NOTHING,
    "match_hostname": (lambda env: (CERT, "example.com"), lambda env: {}),
    "nid2obj": (lambda env: (129,), lambda env: {}),
    "txt2obj": (lambda env: ("1.3.6.1.5.5.7.3.1",), lambda env: {}),
    "wrap_socket": (lambda env: (env.plain_socket(),), lambda env: {}),
}

CLASSES = {
    "SSLContext": (lambda env: (env.mod.PROTOCOL_TLS_CLIENT,), lambda env: {}),
    "MemoryBIO": NOTHING,
    "SSLObject": NOTHING,
    "SSLSocket": NOTHING,
    "SSLSession": NOTHING,
    "Certificate": NOTHING,
}

CONTEXT_METHODS = {
    "load_cert_chain": (lambda env: (env.certs.server_certfile,), lambda env: {}),
    "load_verify_locations": (lambda env: (), lambda env: {"cafile": env.certs.cafile}),
    "load_default_certs": NOTHING,
    "set_default_verify_paths": NOTHING,
    "load_dh_params": (lambda env: (env.certs.cafile,), lambda env: {}),
    "get_ca_certs": NOTHING,
    "cert_store_stats": NOTHING,
    "get_ciphers": NOTHING,
    "set_ciphers": (lambda env: ("DEFAULT",), lambda env: {}),
    "set_ciphersuites": (lambda env: ("TLS_AES_128_GCM_SHA256",), lambda env: {}),
    "set_groups": (lambda env: ("P-256",), lambda env: {}),
    "get_groups": NOTHING,
    "set_client_sigalgs": (lambda env: ("rsa_pss_rsae_sha256",), lambda env: {}),
    "set_server_sigalgs": (lambda env: ("rsa_pss_rsae_sha256",), lambda env: {}),
    "set_ecdh_curve": (lambda env: ("prime256v1",), lambda env: {}),
    "set_alpn_protocols": (lambda env: (["h2"],), lambda env: {}),
    "set_npn_protocols": (lambda env: (["h2"],), lambda env: {}),
    "session_stats": NOTHING,
    "set_psk_client_callback": (lambda env: (None,), lambda env: {}),
    "wrap_bio": (lambda env: (env.bio(), env.bio()),
                 lambda env: {"server_hostname": "localhost"}),
    "wrap_socket": (lambda env: (env.plain_socket(),),
                    lambda env: {"server_hostname": "localhost"}),
    # sslx's features (docs/features/): the stdlib has none of them.
    "load_pkcs12": (lambda env: (p12_data(env.certs),), lambda env: {}),
}
SERVER_CONTEXT_METHODS = {
    "set_ocsp_response": (lambda env: (None,), lambda env: {}),
    "set_servername_callback": (lambda env: (None,), lambda env: {}),
    "set_psk_server_callback": (lambda env: (None,), lambda env: {}),
}

CONNECTION_METHODS = {
    "read": NOTHING,
    "write": (lambda env: (b"x",), lambda env: {}),
    "pending": NOTHING,
    "getpeercert": NOTHING,
    "cipher": NOTHING,
    "shared_ciphers": NOTHING,
    "compression": NOTHING,
    "get_channel_binding": NOTHING,
    "selected_alpn_protocol": NOTHING,
    "selected_npn_protocol": NOTHING,
    "version": NOTHING,
    "verify_client_post_handshake": NOTHING,
    "do_handshake": NOTHING,
    "unwrap": NOTHING,
    "get_verified_chain": NOTHING,
    "get_unverified_chain": NOTHING,
    "group": NOTHING,
    "client_sigalg": NOTHING,
    "server_sigalg": NOTHING,
    "export_keying_material": (lambda env: ("EXPORTER-test", 16), lambda env: {}),
    "ocsp_response": NOTHING,
}
SOCKET_METHODS = {
    "accept": NOTHING,
    "connect": (lambda env: (("127.0.0.1", env.port),), lambda env: {}),
    "connect_ex": (lambda env: (("127.0.0.1", env.port),), lambda env: {}),
    "detach": NOTHING,
    "dup": NOTHING,
    "recv": NOTHING,
    "recv_into": (lambda env: (bytearray(16),), lambda env: {}),
    "recvfrom": NOTHING,
    "recvfrom_into": (lambda env: (bytearray(16),), lambda env: {}),
    "recvmsg": NOTHING,
    "recvmsg_into": (lambda env: ([bytearray(16)],), lambda env: {}),
    "send": (lambda env: (b"x",), lambda env: {}),
    "sendall": (lambda env: (b"x",), lambda env: {}),
    "sendfile": (lambda env: (env.binary_file(),), lambda env: {}),
    "sendmsg": (lambda env: ([b"x"],), lambda env: {}),
    "sendto": (lambda env: (b"x", ("127.0.0.1", env.port)), lambda env: {}),
    "shutdown": (lambda env: (socket.SHUT_RDWR,), lambda env: {}),
}
CERTIFICATE_METHODS = {
    "public_bytes": NOTHING,
    "get_info": NOTHING,
    "fingerprint": NOTHING,
    "from_pem": (lambda env: (open(env.certs.cafile).read(),), lambda env: {}),
    "from_der": (lambda env: (stdlib_ssl.PEM_cert_to_DER_cert(open(env.certs.cafile).read()),),
                 lambda env: {}),
}
MEMORYBIO_METHODS = {
    "read": NOTHING,
    "write": (lambda env: (b"x",), lambda env: {}),
    "write_eof": NOTHING,
}


def targets():
    """(name, maker of the callable for an Env, valid args, valid kwargs)."""
    out = []
    for name, (args, kwargs) in MODULE_FUNCTIONS.items():
        out.append((name, lambda env, n=name: getattr(env.mod, n, None)
                    or getattr(env.mod._ssl, n, None), args, kwargs))
    for name, (args, kwargs) in CLASSES.items():
        out.append((name, lambda env, n=name: getattr(env.mod, n, None), args, kwargs))
    groups = (("SSLContext", CONTEXT_METHODS, Env.client_ctx),
              ("SSLContext", SERVER_CONTEXT_METHODS, Env.server_ctx),
              ("SSLObject", CONNECTION_METHODS, Env.sslobject),
              ("SSLSocket", dict(CONNECTION_METHODS, **SOCKET_METHODS), Env.sslsocket),
              ("MemoryBIO", MEMORYBIO_METHODS, Env.bio),
              ("Certificate", CERTIFICATE_METHODS, Env.certificate))
    for cls, methods, make in groups:
        for name, (args, kwargs) in methods.items():
            out.append(("%s.%s" % (cls, name),
                        lambda env, n=name, m=make: getattr(m(env), n, None), args, kwargs))
    return out


TARGETS = targets()


def test_every_public_callable_is_a_target():
    """The lists above cover sslx's public API (a new method must be
    added here to be checked)."""
    names = {name for name, *_ in TARGETS}
    # inject_into_ssl()/extract_from_ssl() take no arguments and swap the
    # stdlib module these calls compare with: test_inject checks them.
    names |= {"inject_into_ssl", "extract_from_ssl"}
    for name in dir(sslx):
        obj = getattr(sslx, name)
        if name.startswith("_") or not callable(obj) or obj is getattr(stdlib_ssl, name, None):
            continue
        if isinstance(obj, type) and (issubclass(obj, enum.Enum) or hasattr(obj, "_fields")):
            continue        # enums, named tuples: Python's own machinery calls them
        assert name in names, name
    for cls in (sslx.SSLContext, sslx.SSLObject, sslx.SSLSocket, sslx.MemoryBIO,
                sslx.Certificate):
        for name, value in vars(cls).items():
            if name.startswith("_") or not callable(value) or isinstance(value, type):
                continue
            assert "%s.%s" % (cls.__name__, name) in names, name


# The parameters of callables without a text signature (test_api_docs
# NO_TEXT_SIGNATURE: their stdlib default cannot be spelled there).
UNSPELLABLE = object()
SIGNATURES = {
    "create_default_context": "(purpose=UNSPELLABLE, *, cafile=None, capath=None, cadata=None)",
    "SSLContext.load_default_certs": "(purpose=UNSPELLABLE)",
}


def signature(name, func):
    if name not in SIGNATURES:
        return inspect.signature(func)
    namespace = {"UNSPELLABLE": UNSPELLABLE}
    exec("def f%s: pass" % SIGNATURES[name], namespace)
    return inspect.signature(namespace["f"])


def shapes(sig, args, kwargs):
    """(description, args, kwargs) of the calls to try, from the signature
    of the callable (self left out) and a valid call (args, kwargs)."""
    params = list(sig.parameters.values())
    P = inspect.Parameter
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    has_varargs = any(p.kind is P.VAR_POSITIONAL for p in params)
    has_varkw = any(p.kind is P.VAR_KEYWORD for p in params)
    out = [("no arguments", (), {})]
    if has_varargs:
        out.append(("extra positional arguments", tuple(args) + (None, 0), dict(kwargs)))
    if has_varkw:
        out.append(("extra keyword arguments", tuple(args), dict(kwargs, extra=None)))
    if not has_varargs:
        extra = len(positional) - len(args) + 1
        out.append(("one argument too many", tuple(args) + (None,) * extra, dict(kwargs)))
    if not has_varkw:
        out.append(("unknown keyword", tuple(args), dict(kwargs, no_such_argument=1)))
    if args and positional and positional[0].kind is P.POSITIONAL_OR_KEYWORD:
        out.append(("first argument twice", tuple(args),
                    dict(kwargs, **{positional[0].name: args[0]})))
    for index, p in enumerate(positional):
        # By position: the valid values before it, defaults for gaps.
        before = []
        for q in positional[:index]:
            i = positional.index(q)
            if i < len(args):
                before.append(args[i])
            elif q.name in kwargs:
                before.append(kwargs[q.name])
            elif q.default is not P.empty:
                before.append(q.default)
            else:
                break
        else:
            rest = {k: v for k, v in kwargs.items()
                    if k not in {q.name for q in positional[:index + 1]}}
            for label, value in BAD_VALUES:
                out.append(("%s=%s by position" % (p.name, label),
                            tuple(before) + (value,), rest))
    for p in params:
        if p.kind not in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY):
            continue
        # By name: earlier positional arguments by position, later ones
        # by name.
        index = positional.index(p) if p in positional else len(positional)
        pos_args = tuple(args[:index])
        later = {q.name: args[i] for i, q in enumerate(positional) if index < i < len(args)}
        if any(positional[i].kind is P.POSITIONAL_ONLY for i in range(index + 1, len(args))):
            continue
        for label, value in BAD_VALUES:
            out.append(("%s=%s" % (p.name, label), pos_args,
                        dict(kwargs, **later, **{p.name: value})))
    return out


def outcome(env, name, make, args, kwargs):
    """The exception type a call raises (None when it returns, "missing"
    when the implementation lacks the callable)."""
    # Warnings stay off until the objects of a failed call are freed: the
    # stdlib leaves sockets unclosed on some (socket.create_connection()
    # with a bad timeout, SSLSocket._create() after a TypeError).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            func = make(env)
            if func is None:
                return "missing"
            result = func(*args, **kwargs)
            if name == "SSLSocket.detach" and isinstance(result, int):
                os.close(result)
            elif hasattr(result, "close"):
                env.keep(result)
            elif isinstance(result, tuple) and result and hasattr(result[0], "close"):
                env.keep(result[0])
            return None
        except Exception as exc:  # the outcome under test
            return type(exc)
        finally:
            env.cleanup()


@pytest.fixture(scope="module")
def port():
    return closed_port()


@pytest.mark.parametrize("name, make, valid_args, valid_kwargs", TARGETS,
                         ids=[t[0] for t in TARGETS])
def test_wrong_shapes(name, make, valid_args, valid_kwargs, certs, tmp_path, port):
    ours_env = Env(sslx, certs, tmp_path, port)
    theirs_env = Env(stdlib_ssl, certs, tmp_path, port)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        func = make(ours_env)
        sig = signature(name, func)
    ours_env.cleanup()
    problems, calls, used = [], 0, set()
    listed = {d[:2] for d in DIFFERENCES if d[0] == name and (len(d) < 6 or d[5])}
    # Shapes are made once (from sslx's signature, which test_api_docs
    # checks against the stdlib's); the valid values afresh for each
    # implementation and call.
    for shape_name, _, _ in shapes(sig, valid_args(ours_env), valid_kwargs(ours_env)):
        ours_env.cleanup()
        results = []
        for env in (ours_env, theirs_env):
            call = {n: (a, k) for n, a, k in shapes(sig, valid_args(env), valid_kwargs(env))}
            args, kwargs = call[shape_name]
            results.append(outcome(env, name, make, args, kwargs))
        ours, theirs = results
        calls += 1
        assert ours is not SystemError, "%s: %s raised SystemError" % (name, shape_name)
        assert ours != "missing"
        if theirs == "missing":
            continue
        known = difference(name, shape_name, ours, theirs)
        if known is not None:
            used.add(known[:2])
            continue
        if theirs is not None and ours is not theirs:
            problems.append("%s: sslx %s, stdlib %s" % (shape_name, getattr(ours, "__name__", ours),
                                                         theirs.__name__))
        elif theirs is None and ours is TypeError:
            problems.append("%s: sslx TypeError, the stdlib accepts it" % shape_name)
    assert calls >= 3
    assert problems == []
    if make(theirs_env) is not None:
        theirs_env.cleanup()
        assert listed == used, "DIFFERENCES entries that matched no call"
    theirs_env.cleanup()


def test_differences_are_listed_with_reasons():
    for entry in DIFFERENCES:
        assert len(entry) in (5, 6) and entry[4], entry
