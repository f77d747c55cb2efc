"""help() and inspect.signature() work on the whole public API of sslx
(issue 14).

The walk covers every public name of sslx, every public attribute of each
class sslx defines (recursively: what a class of sslx's hands out through
its attributes is walked too), the private `_sslobj` view's public methods
and the Certificate objects that view returns.  What sslx re-exports from
the stdlib (the exception classes) is the stdlib's business and skipped, as
are the names sslx's classes inherit from the stdlib's (socket.socket's
fileno(), Enum's machinery, ...).

Each item must have a docstring of its own (not a generated one such as
namedtuple's "Alias for field number 0"), and each callable a signature
that inspect can produce.  Where the stdlib has the same callable on the
running Python, the parameters (names, kinds, and defaults that are plain
values) must be the stdlib's; where it has it only on other Pythons (sslx
keeps what 3.12 removed and has 3.13's and 3.15's additions everywhere),
they must be that stdlib's, frozen in OTHER_STDLIB below.  Deliberate
differences are listed with their reasons in DEFAULT_DIFFERENCES.
"""
import enum
import inspect
import pydoc
import ssl as stdlib_ssl
import sys

import pytest

import sslx
from memhelpers import MemoryPair, make_contexts

_ssl = stdlib_ssl._ssl

# Values that carry no docstring of their own (constants, tables).
PLAIN_DATA = (bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset,
              type(None))

# The shapes, as the stdlib that has them defines them, of what the
# running Python's stdlib may lack.  Used only where the running stdlib
# does not have the callable (and then checked against it where it does).
OTHER_STDLIB = {
    # In the stdlib until 3.11 (removed in 3.12); the spec is 3.10's, sslx keeps them.
    "wrap_socket": "(sock, keyfile=None, certfile=None, server_side=False, cert_reqs=0, "
                   "ssl_version=2, ca_certs=None, do_handshake_on_connect=True, "
                   "suppress_ragged_eofs=True, ciphers=None)",
    "match_hostname": "(cert, hostname)",
    "RAND_pseudo_bytes": "(n, /)",
    # The stdlib has these in _ssl only; sslx exports them.
    "nid2obj": "(nid, /)",
    "txt2obj": "(txt, name=False)",
    # 3.13's additions, which sslx has on every Python.
    "SSLContext.set_psk_client_callback": "(self, /, callback)",
    "SSLContext.set_psk_server_callback": "(self, /, callback, identity_hint=None)",
    "SSLObject.get_verified_chain": "(self)",
    "SSLObject.get_unverified_chain": "(self)",
    "SSLSocket.get_verified_chain": "(self)",
    "SSLSocket.get_unverified_chain": "(self)",
    # 3.15's additions, likewise.
    "get_sigalgs": "()",
    "SSLContext.get_groups": "(self, /, *, include_aliases=False)",
    "SSLContext.set_ciphersuites": "(self, ciphersuites, /)",
    "SSLContext.set_groups": "(self, grouplist, /)",
    "SSLContext.set_client_sigalgs": "(self, sigalgslist, /)",
    "SSLContext.set_server_sigalgs": "(self, sigalgslist, /)",
    "SSLObject.group": "(self)",
    "SSLObject.client_sigalg": "(self)",
    "SSLObject.server_sigalg": "(self)",
    "SSLSocket.group": "(self)",
    "SSLSocket.client_sigalg": "(self)",
    "SSLSocket.server_sigalg": "(self)",
}

# (callable, parameter): why sslx's default differs from the stdlib's.
# Names and kinds never differ.
# Parameters sslx adds to a stdlib callable (its features beyond the
# stdlib, docs/features/): left out of the comparison, each with its page.
EXTRA_PARAMETERS = {
    ("SSLContext.load_cert_chain", "certdata"): "features/credentials.md",
    ("SSLContext.load_cert_chain", "keydata"): "features/credentials.md",
}

DEFAULT_DIFFERENCES = {
    ("SSLContext.load_cert_chain", "certfile"):
        "certfile may be left out when certdata= gives the chain from memory "
        "(features/credentials.md); None for both is a TypeError",
    ("get_server_certificate", "timeout"):
        "the stdlib's default is socket's private sentinel for 'the global default "
        "timeout', which has no spelling in a text signature; sslx's is None, which "
        "means socket.getdefaulttimeout()",
}

# Callables whose stdlib default cannot be written in a C text signature
# (inspect reads only constants there) and which must not take a stand-in
# such as None (the stdlib raises TypeError for it, and CPython's test_ssl
# checks that): no signature for inspect; the docstring's first line gives
# the stdlib's, which help() shows.
NO_TEXT_SIGNATURE = {
    "create_default_context": "create_default_context(purpose=Purpose.SERVER_AUTH, *, "
                              "cafile=None, capath=None, cadata=None)",
    "SSLContext.load_default_certs": "load_default_certs(purpose=Purpose.SERVER_AUTH)",
}

# sslx names that must be walked (a wrong filter would make the walk
# vacuous); the walk finds many more.
MUST_SEE = {
    "SSLContext", "SSLContext.wrap_socket", "SSLContext.verify_mode", "SSLSocket",
    "SSLSocket.recv", "SSLSocket.session", "SSLObject.read", "SSLObject.owner", "MemoryBIO.read",
    "MemoryBIO.pending", "SSLSession.id", "Purpose.fromnid", "Purpose.oid", "TLSVersion",
    "DefaultVerifyPaths.cafile", "create_default_context", "get_server_certificate",
    "wrap_socket", "get_protocol_name", "_sslobj.read", "_sslobj.owner",
    "Certificate.public_bytes", "Certificate.get_info",
}


def sslx_defined(cls):
    if not isinstance(cls, type):
        return False
    module = getattr(cls, "__module__", None) or ""
    # 3.10's Enum sets the module of an enum with a tuple mix-in (Purpose)
    # to '<unknown>'.
    return module == "sslx" or module.startswith("sslx.") \
        or getattr(sslx, cls.__name__, None) is cls and cls is not getattr(stdlib_ssl,
                                                                            cls.__name__, None)


def is_data_descriptor(raw):
    return inspect.isdatadescriptor(raw) and not inspect.isclass(raw)


class Item:
    """One public object: qualified name, the object (for attributes: the
    descriptor), how to get its signature, the stdlib's counterpart."""

    def __init__(self, name, obj, kind, std=None, is_method=False):
        self.name, self.obj, self.kind, self.std = name, obj, kind, std
        self.is_method = is_method

    def __repr__(self):
        return self.name


def class_members(qual, cls, std_cls, items, seen):
    """Items for the public names `cls` gets from classes sslx defines."""
    if cls in seen:
        return
    seen.add(cls)
    members = getattr(cls, "__members__", {}) if isinstance(cls, enum.EnumMeta) else {}
    # dir() of an enum class lists only its members on 3.10.
    names = set(dir(cls)).union(*(vars(k) for k in cls.__mro__))
    for name in sorted(names):
        if name.startswith("_") or name in members:
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not sslx_defined(owner):
            continue
        raw = vars(owner)[name]
        full = "%s.%s" % (qual, name)
        std = getattr(std_cls, name, None) if std_cls is not None else None
        if is_data_descriptor(raw):
            items.append(Item(full, raw, "attribute"))
            continue
        value = getattr(cls, name)
        if inspect.isclass(value):
            if sslx_defined(value):
                items.append(Item(full, value, "class", std))
                class_members(full, value, std, items, seen)
            continue
        if callable(value):
            # Instance methods' first parameter (self) is left out when
            # comparing; class and static methods come bound already.
            bound = isinstance(raw, (classmethod, staticmethod)) or inspect.ismethod(value) \
                or inspect.isbuiltin(value) and value.__self__ is cls
            items.append(Item(full, value, "callable", std, is_method=not bound))
        elif not isinstance(value, PLAIN_DATA):
            items.append(Item(full, value, "other"))


@pytest.fixture(scope="module")
def sslobj_view_and_certificate(certs):
    """The private _sslobj of an SSLObject and a Certificate it returns."""
    client, server = make_contexts(sslx, certs)
    pair = MemoryPair(sslx, client, server)
    pair.handshake()
    chain = pair.client._sslobj.get_verified_chain()
    return pair.client._sslobj, chain[0]


def public_api(view, cert):
    """Every Item of sslx's public API; `view` is an SSLObject's _sslobj,
    `cert` a Certificate it returned."""
    items, seen = [], set()
    for name in sorted(dir(sslx)):
        if name.startswith("_"):
            continue
        obj = getattr(sslx, name)
        std = getattr(stdlib_ssl, name, None)
        if std is not None and obj is std:
            continue                    # the stdlib's own object, re-exported
        if isinstance(obj, PLAIN_DATA) or isinstance(obj, enum.Enum) \
                or inspect.ismodule(obj):
            continue
        if std is None:
            std = getattr(_ssl, name, None)
        if inspect.isclass(obj):
            items.append(Item(name, obj, "class", std))
            if sslx_defined(obj):
                class_members(name, obj, std, items, seen)
        elif callable(obj):
            items.append(Item(name, obj, "callable", std))
        else:
            items.append(Item(name, obj, "other"))
    for qual, cls, std_cls in (("_sslobj", type(view), _ssl._SSLSocket),
                               ("Certificate", type(cert), getattr(_ssl, "Certificate", None))):
        assert sslx_defined(cls)
        items.append(Item(qual, cls, "class", None))
        class_members(qual, cls, std_cls, items, seen)
    return items


@pytest.fixture(scope="module")
def api(sslobj_view_and_certificate):
    return public_api(*sslobj_view_and_certificate)


def generated_doc(item, doc):
    """True for docstrings Python writes by itself."""
    if doc.startswith("Alias for field number") or doc == "An enumeration.":
        return True
    fields = getattr(item.obj, "_fields", None)
    if item.kind == "class" and fields is not None:
        return doc == "%s(%s)" % (item.obj.__name__, ", ".join(fields))
    return False


def signature_or_error(obj):
    try:
        return inspect.signature(obj)
    except (ValueError, TypeError) as exc:
        return exc


def test_the_walk_sees_the_whole_api(api):
    names = {item.name for item in api}
    assert MUST_SEE <= names, sorted(MUST_SEE - names)
    assert len(names) > 150
    # The stdlib's exception classes are the stdlib's business.
    assert "SSLError" not in names
    # Inherited socket methods are socket's.
    assert "SSLSocket.fileno" not in names


def test_every_item_has_a_docstring(api):
    missing = [item.name for item in api
               if not isinstance(item.obj.__doc__, str) or not item.obj.__doc__.strip()
               or generated_doc(item, item.obj.__doc__.strip())]
    assert missing == []


def test_docstrings_are_not_just_signatures(api):
    """A C docstring whose text is only a signature line (no "--" marker)
    would leave help() with nothing but the signature."""
    bad = []
    for item in api:
        doc = item.obj.__doc__ or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        leaf = item.name.rsplit(".", 1)[-1]
        if first.startswith(leaf + "(") and len(doc.strip().splitlines()) == 1:
            bad.append(item.name)
    assert bad == []


def test_every_callable_has_a_signature(api):
    missing = ["%s: %s" % (item.name, signature_or_error(item.obj)) for item in api
               if item.kind in ("callable", "class") and item.name not in NO_TEXT_SIGNATURE
               and isinstance(signature_or_error(item.obj), Exception)]
    assert missing == []


def test_callables_without_text_signature_show_the_stdlibs_in_their_doc(api):
    by_name = {item.name: item for item in api}
    for name, first_line in NO_TEXT_SIGNATURE.items():
        obj = by_name[name].obj
        assert isinstance(signature_or_error(obj), ValueError), name
        assert " ".join(obj.__doc__.splitlines()[0:2]).split() == first_line.split(), name
        with pytest.raises(TypeError):
            obj(None) if "." not in name else obj(sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT), None)


def shape(text):
    """The Signature of a def with parameter list `text`."""
    namespace = {}
    exec("def f%s: pass" % text, namespace)
    return inspect.signature(namespace["f"])


def comparable(item, sig):
    """(name, kind, default) of each parameter, self left out for methods."""
    params = list(sig.parameters.values())
    if item.is_method and params:
        params = params[1:]
    return [(p.name, p.kind, p.default) for p in params]


def stdlib_shape(item):
    """The stdlib's parameters for `item`: (params, where from), or None."""
    std = item.std
    if std is not None and callable(std) and not is_data_descriptor(std):
        sig = signature_or_error(std)
        if not isinstance(sig, Exception):
            params = list(sig.parameters.values())
            # The stdlib's Python methods have a positional-or-keyword self.
            if item.is_method and params:
                params = params[1:]
            return [(p.name, p.kind, p.default) for p in params], "stdlib"
    if item.name in OTHER_STDLIB:
        sig = shape(OTHER_STDLIB[item.name])
        params = list(sig.parameters.values())
        if item.is_method:
            params = params[1:]
        return [(p.name, p.kind, p.default) for p in params], "OTHER_STDLIB"
    return None


def plain(value):
    return value is inspect.Parameter.empty or isinstance(value, PLAIN_DATA)


def test_signatures_match_the_stdlib(api):
    problems, compared = [], 0
    for item in api:
        if item.kind not in ("callable", "class"):
            continue
        ours = signature_or_error(item.obj)
        theirs = stdlib_shape(item)
        if isinstance(ours, Exception) or theirs is None:
            continue
        theirs, source = theirs
        ours = [p for p in comparable(item, ours) if (item.name, p[0]) not in EXTRA_PARAMETERS]
        compared += 1
        if [(n, k) for n, k, _ in ours] != [(n, k) for n, k, _ in theirs]:
            problems.append("%s: %s, %s has %s" % (item.name, ours, source, theirs))
            continue
        for (name, _, mine), (_, _, std) in zip(ours, theirs):
            if (item.name, name) in DEFAULT_DIFFERENCES:
                continue
            if plain(std) or isinstance(std, enum.Enum):
                if mine != std or type(mine) is bool and type(std) is not bool:
                    problems.append("%s(%s=...): default %r, %s's %r"
                                    % (item.name, name, mine, source, std))
            else:
                problems.append("%s(%s=...): the stdlib's default %r is not listed in "
                                "DEFAULT_DIFFERENCES" % (item.name, name, std))
    assert problems == []
    assert compared > 100


def test_listed_differences_are_real(api):
    """Each DEFAULT_DIFFERENCES entry names a parameter that exists, whose
    default differs from the stdlib's (else the entry hides nothing)."""
    by_name = {item.name: item for item in api}
    for (name, param), reason in DEFAULT_DIFFERENCES.items():
        assert reason
        item = by_name[name]
        ours = inspect.signature(item.obj).parameters[param].default
        theirs = inspect.signature(item.std).parameters[param].default
        assert ours is None and theirs is not None


def test_other_stdlib_shapes_agree_with_the_stdlib_that_has_them(api):
    """Where the running stdlib has a callable listed in OTHER_STDLIB, the
    frozen shape is the stdlib's, so the list cannot drift."""
    by_name = {item.name: item for item in api}
    checked = 0
    for name, text in OTHER_STDLIB.items():
        item = by_name[name]
        std = item.std
        if std is None or not callable(std):
            continue
        sig = signature_or_error(std)
        if isinstance(sig, Exception):
            continue
        frozen = shape(text)
        assert [(p.name, p.kind) for p in sig.parameters.values()] == \
            [(p.name, p.kind) for p in frozen.parameters.values()], name
        checked += 1
    if sys.version_info < (3, 12):
        assert checked >= 3         # wrap_socket, match_hostname, RAND_pseudo_bytes


def test_module_functions_defaults_evaluate_to_the_documented_values():
    """The enum defaults are written as module attributes in the text
    signatures; inspect resolves them to the enum members."""
    sig = inspect.signature(sslx.get_server_certificate)
    assert sig.parameters["ssl_version"].default is sslx.PROTOCOL_TLS_CLIENT
    sig = inspect.signature(sslx.wrap_socket)
    assert sig.parameters["cert_reqs"].default is sslx.CERT_NONE
    assert sig.parameters["ssl_version"].default is sslx.PROTOCOL_TLS


def test_class_signatures():
    assert str(inspect.signature(sslx.SSLContext)) == "(protocol=None, *args, **kwargs)"
    assert str(inspect.signature(sslx.SSLSocket)) == "(*args, **kwargs)"
    assert str(inspect.signature(sslx.SSLObject)) == "(*args, **kwargs)"
    assert str(inspect.signature(sslx.MemoryBIO)) == "()"


def test_help_shows_each_signature_and_text(api):
    """help() (pydoc) of every callable shows its parameters (not "(...)")
    and its docstring."""
    problems = []
    for item in api:
        if item.kind not in ("callable", "class"):
            continue
        text = " ".join(pydoc.render_doc(item.obj, renderer=pydoc.plaintext).split())
        leaf = item.name.rsplit(".", 1)[-1]
        first_line = " ".join(item.obj.__doc__.strip().splitlines()[0].split())
        if item.name in NO_TEXT_SIGNATURE:      # pydoc shows "(...)", then the doc
            leaf = "(no signature)"
        if leaf + "(...)" in text or first_line not in text:
            problems.append(item.name)
    assert problems == []


def test_help_of_the_classes_lists_their_signatures():
    for cls, expected in ((sslx.SSLContext, "wrap_bio(self, /, incoming, outgoing, "),
                          (sslx.SSLSocket, "recv_into(self, /, buffer, nbytes=None, flags=0)"),
                          (sslx.SSLObject, "read(self, /, len=1024, buffer=None)"),
                          (sslx.MemoryBIO, "read(self, size=-1, /)")):
        text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
        # 3.13's pydoc breaks long signatures over lines (" |      self,").
        text = " ".join(text.replace("|", " ").split()).replace("( ", "(")
        assert expected in text, cls
