"""Typing: sslx ships py.typed and stubs (src/sslx/__init__.pyi); these tests
check them with mypy, on the sslx this interpreter imports (the installed
package after `pip install .`, or src/ in a checkout run with
PYTHONPATH=src):

- stubtest: `python -m mypy.stubtest sslx` finds no difference between the
  stubs and the runtime beyond the allow-lists in tests/typing/ (each entry
  with its reason; an entry no longer needed fails the run too).
- samples: every program in tests/typing/samples/ is written against
  `import ssl`.  mypy --strict checks it twice, as written and with
  `import ssl` turned into `import sslx as ssl`, and the two outputs must be
  the same error for error (line, column, code, message).  Each sample
  marks the errors it expects (`# E: code, code`), so a positive sample
  (no marks) must be clean for both and a negative one must fail for both
  at exactly the marked lines.  See tests/typing/README.md for the header
  line and the marks.
- names: every public name typeshed's ssl stubs declare for this Python,
  module-level and on each class, is declared by sslx's stubs too, except
  the few listed below with their reasons.
- values: the enum members and constants the stubs spell out have the
  runtime's values (stubtest does not compare those).
"""
import ast
import collections
import json
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig

import pytest

import sslx

HERE = os.path.dirname(os.path.abspath(__file__))
TYPING = os.path.join(HERE, "typing")
SAMPLES = os.path.join(TYPING, "samples")
PY = sys.version_info[:2]
SSLX_DIR = os.path.dirname(os.path.abspath(sslx.__file__))
STUB = os.path.join(SSLX_DIR, "__init__.pyi")

# Public names typeshed's ssl stubs declare that sslx's do not, with why.
# (The test fails if one of these is no longer missing, so the list stays
# exact.)
TYPESHED_ONLY = {
    "PROTOCOL_SSLv2": "exists in the stdlib only when OpenSSL has an SSLv2 method; "
                      "no OpenSSL 3 has, and sslx (like the stdlib on OpenSSL 3) does not define it",
    "PROTOCOL_SSLv3": "exists in the stdlib only when OpenSSL has an SSLv3 method (OpenSSL 3 "
                      "builds do not); sslx does not define it",
    "_SSLMethod.PROTOCOL_SSLv2": "see PROTOCOL_SSLv2",
    "_SSLMethod.PROTOCOL_SSLv3": "see PROTOCOL_SSLv3",
}


def _is_site_packages(path):
    dirs = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    dirs.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    return os.path.realpath(path) in {os.path.realpath(d) for d in dirs}


def mypy_env():
    """The environment for mypy and stubtest: they must see the stubs of
    the sslx this interpreter imports.  An installed sslx is found through
    its py.typed (PEP 561); one imported from a source tree through MYPYPATH
    (which must never name site-packages)."""
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    parent = os.path.dirname(SSLX_DIR)
    if not _is_site_packages(parent):
        env["MYPYPATH"] = parent
        env["PYTHONPATH"] = os.pathsep.join(p for p in [parent, env.get("PYTHONPATH")] if p)
    return env


def run_mypy(args, cwd, cache_dir):
    cmd = [sys.executable, "-m", "mypy", "--config-file", "", "--cache-dir", cache_dir,
           "--no-error-summary", "--show-column-numbers", "--show-error-codes",
           "--no-color-output", "--no-pretty"] + args
    proc = subprocess.run(cmd, cwd=cwd, env=mypy_env(), capture_output=True, text=True,
                          timeout=600)
    if proc.returncode not in (0, 1) or proc.stderr.strip():
        raise AssertionError("mypy failed to run (exit %d):\n%s\n%s"
                             % (proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("mypy-cache"))


# ------------------------------------------------------------------ stubtest

def allowlists():
    """The stubtest allow-lists for this Python: stubtest-allowlist.txt for
    every version, stubtest-allowlist-3.N+.txt from 3.N on, and
    stubtest-allowlist-checkout.txt when sslx comes from a source tree."""
    found = []
    for name in sorted(os.listdir(TYPING)):
        m = re.fullmatch(r"stubtest-allowlist(?:-3\.(\d+)\+)?\.txt", name)
        if m and (m.group(1) is None or PY >= (3, int(m.group(1)))):
            found.append(os.path.join(TYPING, name))
    if not _is_site_packages(os.path.dirname(SSLX_DIR)):
        found.append(os.path.join(TYPING, "stubtest-allowlist-checkout.txt"))
    return found


def test_allowlist_entries_have_reasons():
    for path in allowlists():
        comment = False
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    comment = False
                elif line.startswith("#"):
                    comment = True
                else:
                    assert comment, "%s: entry %r has no reason above it" % (path, line)


def test_stubtest(tmp_path):
    cmd = [sys.executable, "-m", "mypy.stubtest", "sslx", "--concise",
           "--mypy-config-file", os.path.join(TYPING, "stubtest-mypy.ini")]
    for path in allowlists():
        cmd += ["--allowlist", path]
    proc = subprocess.run(cmd, cwd=str(tmp_path), env=mypy_env(), capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, "stubtest:\n%s\n%s" % (proc.stdout, proc.stderr)


def test_stubs_ship_beside_the_module():
    # PEP 561: the marker and the stubs sit beside the sslx that is imported
    # (for an installed sslx this checks the wheel's contents).
    assert os.path.isfile(os.path.join(SSLX_DIR, "py.typed"))
    assert os.path.isfile(STUB)


# ------------------------------------------------------------------ samples

HEADER = re.compile(r"# typing-sample: (compare|sslx-only)((?: [^ \n]+)*)\n")
MARK = re.compile(r"# E(\[sslx\])?: ([a-z-]+(?:, [a-z-]+)*)")
DIFFERS = re.compile(r"# sslx-differs: \S")
LINE = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|note): "
                  r"(?P<msg>.*?)(?:  \[(?P<code>[a-z-]+)\])?$")


class Sample:
    def __init__(self, name):
        self.name = name
        with open(os.path.join(SAMPLES, name)) as f:
            self.text = f.read()
        m = HEADER.match(self.text)
        assert m, "%s: first line must be '# typing-sample: compare|sslx-only [...]'" % name
        self.mode = m.group(1)
        self.stdlib_range = None      # e.g. (">=", (3, 13)): where the stdlib has the API
        self.flags = []
        for word in m.group(2).split():
            if word.startswith("flags="):
                self.flags += word[len("flags="):].split(",")
            else:
                rm = re.fullmatch(r"stdlib(>=|<)3\.(\d+)", word)
                assert rm, "%s: unknown header word %r" % (name, word)
                self.stdlib_range = (rm.group(1), (3, int(rm.group(2))))
        self.expected = {"both": collections.Counter(), "sslx": collections.Counter()}
        self.differs = set()
        for lineno, line in enumerate(self.text.splitlines(), 1):
            sslx_only = False
            for m in MARK.finditer(line):
                side = "sslx" if m.group(1) else "both"
                sslx_only |= side == "sslx"
                for code in m.group(2).split(", "):
                    self.expected[side][(lineno, code)] += 1
            # Every line where sslx's run may differ says why.
            assert bool(DIFFERS.search(line)) >= sslx_only, (
                "%s:%d: an `# E[sslx]:` mark needs its reason as `# sslx-differs: ...`"
                % (name, lineno))
            if DIFFERS.search(line) and not sslx_only:
                self.differs.add(lineno)

    @property
    def compared(self):
        """Whether the stdlib has this sample's API on this Python."""
        if self.mode != "compare":
            return False
        if self.stdlib_range is None:
            return True
        op, version = self.stdlib_range
        return PY >= version if op == ">=" else PY < version

    def as_sslx(self):
        if self.mode == "sslx-only":
            return self.text
        text, n = re.subn(r"(?m)^import ssl$", "import sslx as ssl", self.text)
        text, m = re.subn(r"(?m)^from ssl import ", "from sslx import ", text)
        assert n + m > 0, "%s imports no ssl to replace" % self.name
        return text

    def expected_errors(self, variant):
        want = collections.Counter(self.expected["both"])
        if variant == "sslx":
            want.update(self.expected["sslx"])
        return want


SAMPLE_NAMES = sorted(n for n in os.listdir(SAMPLES) if n.endswith(".py"))


def _normalise(msg):
    # mypy names the module that defines a function in a note; the two runs
    # differ there by nature (ssl or _ssl, sslx).
    return re.sub(r'^("[^"]+" defined in) "[\w.]+"$', r'\1 "<module>"', msg)


def _parse(output, variant_dir):
    results = collections.defaultdict(list)
    for raw in output.splitlines():
        m = LINE.match(raw)
        assert m, "unexpected mypy output line in %s run: %r" % (variant_dir, raw)
        results[os.path.basename(m.group("file"))].append(
            (int(m.group("line")), int(m.group("col")), m.group("sev"),
             _normalise(m.group("msg")), m.group("code")))
    return results


@pytest.fixture(scope="session")
def sample_results(tmp_path_factory, mypy_cache):
    """mypy --strict over every sample, as written (for the stdlib) and
    turned to sslx; one mypy run per variant and set of extra flags."""
    samples = [Sample(n) for n in SAMPLE_NAMES]
    base = tmp_path_factory.mktemp("typing-samples")
    results = {"stdlib": {}, "sslx": {}}
    groups = collections.defaultdict(list)
    for s in samples:
        groups[tuple(s.flags)].append(s)
    for flags, group in sorted(groups.items()):
        for variant in ("stdlib", "sslx"):
            members = [s for s in group if variant == "sslx" or s.mode == "compare"]
            if not members:
                continue
            d = base / ("%s%s" % (variant, "-".join(("",) + flags).replace("=", "_")))
            d.mkdir()
            for s in members:
                (d / s.name).write_text(s.text if variant == "stdlib" else s.as_sslx())
            out = run_mypy(["--strict"] + list(flags) + [s.name for s in members],
                           str(d), mypy_cache)
            parsed = _parse(out, variant)
            for s in members:
                results[variant][s.name] = parsed.get(s.name, [])
    return results


def _errors(entries):
    return collections.Counter((line, code) for line, _, sev, _, code in entries
                               if sev == "error")


def _show(entries):
    return "\n".join("%d:%d: %s: %s [%s]" % e for e in entries) or "(nothing)"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample(name, sample_results):
    sample = Sample(name)
    got_sslx = sample_results["sslx"][name]
    assert _errors(got_sslx) == sample.expected_errors("sslx"), (
        "sslx run of %s does not match its marks:\n%s" % (name, _show(got_sslx)))
    if sample.mode == "sslx-only":
        return
    got_std = sample_results["stdlib"][name]
    if not sample.compared:
        # The stdlib lacks this API on this Python: mypy must say so (which
        # shows the sample uses names the stdlib gates by version), where
        # sslx, which has them on every Python, passes.
        assert any(code == "attr-defined" for _, _, _, _, code in got_std), (
            "%s: the stdlib run was expected to lack these names on %d.%d:\n%s"
            % (name, PY[0], PY[1], _show(got_std)))
        return
    assert _errors(got_std) == sample.expected_errors("stdlib"), (
        "stdlib run of %s does not match its marks:\n%s" % (name, _show(got_std)))
    # Error for error, note for note, the same, except where a line is
    # marked `# sslx-differs:` (the messages there must differ, or the mark
    # is stale) or `# E[sslx]:` (an error only sslx's stubs find).
    sslx_only = {line for line, _ in sample.expected["sslx"]}
    same_std = [e for e in got_std if e[0] not in sample.differs | sslx_only]
    same_sslx = [e for e in got_sslx if e[0] not in sample.differs | sslx_only]
    assert same_sslx == same_std, "%s: ssl and sslx differ\nstdlib:\n%s\nsslx:\n%s" % (
        name, _show(got_std), _show(got_sslx))
    for line in sample.differs:
        std = [e for e in got_std if e[0] == line]
        new = [e for e in got_sslx if e[0] == line]
        assert [e[:3] + e[4:] for e in std] == [e[:3] + e[4:] for e in new], (name, line)
        assert std != new, "%s:%d is marked sslx-differs but the messages are the same" % (
            name, line)


def test_samples_cover_both_kinds():
    samples = [Sample(n) for n in SAMPLE_NAMES]
    positive = [s for s in samples if s.mode == "compare" and not s.expected["both"]]
    negative = [s for s in samples if s.mode == "compare" and s.expected["both"]]
    assert len(positive) >= 8 and len(negative) >= 6
    assert any(s.mode == "sslx-only" for s in samples)


# ------------------------------------------------------------------ names

PROBE = r'''
import json, sys
from mypy import build
from mypy.modulefinder import BuildSource
from mypy.nodes import TypeInfo
from mypy.options import Options

options = Options()
options.cache_dir = sys.argv[1]
result = build.build([BuildSource(None, "__probe__", "import ssl\nimport sslx\n")], options)
if result.errors:
    sys.exit("\n".join(result.errors))

def public(name):
    return not name.startswith("_") or name == "_SSLMethod"

def describe(module):
    names = {}
    for name, node in result.files[module].names.items():
        if not (node.module_public and public(name)):
            continue
        info = node.node
        if isinstance(info, TypeInfo):
            members = set()
            for base in info.mro:
                if base.module_name in ("builtins", "enum", "socket", "_socket", "typing"):
                    continue
                members.update(n for n in base.names if public(n))
            names[name] = sorted(members)
        else:
            names[name] = None
    return names

print(json.dumps({"ssl": describe("ssl"), "sslx": describe("sslx")}))
'''


@pytest.fixture(scope="session")
def declared_names(mypy_cache):
    proc = subprocess.run([sys.executable, "-c", PROBE, mypy_cache], env=mypy_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_typeshed_ssl_names_are_declared(declared_names):
    ssl_names, sslx_names = declared_names["ssl"], declared_names["sslx"]
    missing = set()
    for name, members in ssl_names.items():
        if name not in sslx_names:
            missing.add(name)
        elif members is not None:
            mine = set(sslx_names[name] or ())
            missing.update("%s.%s" % (name, m) for m in members if m not in mine)
    assert missing <= set(TYPESHED_ONLY), sorted(missing - set(TYPESHED_ONLY))
    # Entries that no longer apply must go (this Python's typeshed may not
    # declare some of them at all: those are not counted).
    declared = {n for n in TYPESHED_ONLY if n.split(".")[0] in ssl_names}
    assert declared <= missing, sorted(declared - missing)


def test_declared_names_exist_at_runtime(declared_names):
    # stubtest checks this too; here it is stated for the public surface
    # alone, the two stubs for inject_into_ssl()/extract_from_ssl() aside
    # (another branch adds them).
    pending = {"inject_into_ssl", "extract_from_ssl"}
    absent = sorted(n for n in declared_names["sslx"]
                    if not hasattr(sslx, n) and n not in pending)
    assert absent == []


# ------------------------------------------------------------------ values

def _stub_tree():
    with open(STUB) as f:
        return ast.parse(f.read())


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def test_enum_member_values_match_runtime():
    checked = 0
    for cls in _stub_tree().body:
        if not isinstance(cls, ast.ClassDef):
            continue
        bases = {ast.unparse(b) for b in cls.bases}
        if not bases & {"enum.IntEnum", "enum.IntFlag"}:
            continue
        runtime = getattr(sslx, cls.name)
        for stmt in cls.body:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
                continue
            name = stmt.targets[0].id
            value = _literal(stmt.value)
            if value is None or value is Ellipsis:
                continue
            assert getattr(runtime, name) == value, "%s.%s" % (cls.name, name)
            checked += 1
    assert checked >= 70


def test_purpose_members_match_runtime():
    for cls in _stub_tree().body:
        if isinstance(cls, ast.ClassDef) and cls.name == "Purpose":
            values = {s.targets[0].id: _literal(s.value) for s in cls.body
                      if isinstance(s, ast.Assign)}
    assert values == {m.name: tuple(m.value) for m in sslx.Purpose}


def test_module_constants_match_runtime():
    checked = 0
    for stmt in _stub_tree().body:
        if not (isinstance(stmt, ast.AnnAssign) and stmt.value is not None
                and ast.unparse(stmt.annotation).startswith("Final")):
            continue
        name = stmt.target.id
        if isinstance(stmt.value, ast.Attribute):
            # NAME: Final = Enum.MEMBER: the module constant is that member
            enum_name, member = ast.unparse(stmt.value).split(".")
            assert getattr(sslx, name) is getattr(getattr(sslx, enum_name), member), name
        else:
            assert getattr(sslx, name) == _literal(stmt.value), name
        checked += 1
    assert checked >= 75
