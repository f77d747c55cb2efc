"""The sslx command, driven as a subprocess: demo end to end; probe against
`sslx serve` and against `openssl s_server` (valid chain, expired
certificate, wrong host name, unknown CA, TLS 1.2 only, ALPN); serve
answered by `openssl s_client` and `curl`; user errors, closed pipes and
signals as one line and a documented exit code; nothing left behind (every
test gives the command a private TMPDIR and checks it is empty at the end).
Loopback only, every server started here and stopped, every wait bounded."""
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

import sslx

CLI = [sys.executable, "-m", "sslx"]
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(
    [os.path.dirname(os.path.dirname(sslx.__file__))] + sys.path))
# External tools must not inherit the sanitizer build's LD_PRELOAD (ASan).
TOOL_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason="the openssl command is not installed")
needs_curl = pytest.mark.skipif(shutil.which("curl") is None,
                                reason="curl is not installed")
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# .ci/sanitize tests a scratch copy holding only what the build and the
# tests need (no bench/, no docs/): the checks of those folders run in the
# other CI jobs.
needs_folder = {name: pytest.mark.skipif(not os.path.isdir(os.path.join(CHECKOUT, name)),
                                         reason="%s/ is not in this copy of the tree" % name)
                for name in ("bench", "docs")}


def run_cli(*args, timeout=60):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=timeout,
                          env=ENV, stdin=subprocess.DEVNULL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, deadline=20.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError("server exited early: %s" % proc.stderr.read())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not listen on %d" % port)


class Background:
    """A server process, stopped on exit the way a user stops it (Ctrl-C,
    so it can clean up), killed only if it does not stop; always reaped."""

    def __init__(self, args, port, env=ENV):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.PIPE, text=True, env=env)
        self.port = port
        try:
            wait_for_port(port, self.proc)
        except BaseException:
            self.proc.kill()
            self.proc.communicate(timeout=10)
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate(timeout=10)


@pytest.fixture(autouse=True)
def private_tmpdir(tmp_path, monkeypatch):
    """Every sslx command a test runs gets this TMPDIR; whatever it made
    there must be gone when the test ends."""
    directory = tmp_path / "TMPDIR"
    directory.mkdir()
    monkeypatch.setitem(ENV, "TMPDIR", str(directory))
    yield directory
    assert sorted(os.listdir(directory)) == []


def pki(tmp_path, *, days=825, not_before_offset=-3600, names=("localhost", "127.0.0.1")):
    gen = sslx._sslx._generate_certificate
    ca_cert, ca_key = gen("cli test CA", ca=True)
    san = ["IP:%s" % n if n[0].isdigit() else "DNS:%s" % n for n in names]
    cert, key = gen(names[0], san=san, issuer_cert=ca_cert, issuer_key=ca_key, days=days,
                    not_before_offset=not_before_offset)
    paths = {}
    for name, text in (("ca", ca_cert), ("cert", cert), ("key", key)):
        paths[name] = str(tmp_path / ("%s.pem" % name))
        with open(paths[name], "w") as f:
            f.write(text)
    return paths


def test_demo_runs_end_to_end():
    out = run_cli("demo")
    assert out.returncode == 0, out.stderr
    assert "TLSv1.3" in out.stdout
    assert "verified certificate: CN=localhost" in out.stdout
    assert "server echoed it back: ok" in out.stdout
    assert "\033[" not in out.stdout  # no colour when not on a terminal


def test_version_names_openssl():
    out = run_cli("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == "sslx %s (%s)" % (sslx.__version__, sslx.OPENSSL_VERSION)


@pytest.fixture
def sslx_server(tmp_path):
    port = free_port()
    with Background(CLI + ["serve", "--port", str(port)], port) as server:
        banner = ""
        while "throwaway CA" not in banner:
            banner += server.proc.stdout.readline()
        cafile = re.search(r"throwaway CA \(trust it to verify\): (\S+)", banner).group(1)
        yield port, cafile


def test_probe_against_sslx_serve(sslx_server):
    port, cafile = sslx_server
    out = run_cli("probe", "127.0.0.1:%d" % port, "--servername", "localhost",
                  "--cafile", cafile, "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["verified"] is True
    assert report["version"] == "TLSv1.3"
    assert report["certificate"]["subject"] == "CN=localhost"
    assert "DNS:localhost" in report["certificate"]["subjectAltName"]
    assert report["certificate"]["days_left"] > 300
    assert report["certificate"]["key"].startswith("EC")
    assert report["resumption"] is True


def test_probe_unknown_ca_fails_with_reason(sslx_server):
    port, _ = sslx_server
    out = run_cli("probe", "localhost:%d" % port)
    assert out.returncode == 1
    assert "unable to get local issuer certificate" in out.stdout
    assert "Traceback" not in out.stderr


def test_probe_insecure_reports_clearly(sslx_server):
    port, _ = sslx_server
    out = run_cli("probe", "localhost:%d" % port, "--insecure")
    assert out.returncode == 0, out.stderr
    assert "SKIPPED (--insecure)" in out.stdout
    assert "CN=localhost" in out.stdout


@needs_curl
def test_serve_answers_curl(sslx_server):
    port, cafile = sslx_server
    out = subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", cafile,
                          "https://localhost:%d/" % port], capture_output=True, text=True,
                         timeout=30, env=TOOL_ENV)
    assert out.returncode == 0, out.stderr
    assert "Hello from sslx" in out.stdout


@needs_openssl
def test_serve_answers_openssl_s_client(sslx_server):
    port, cafile = sslx_server
    # -quiet keeps s_client open after stdin ends, so read the echo and kill.
    client = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                               "-servername", "localhost", "-CAfile", cafile,
                               "-verify_return_error", "-quiet"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=TOOL_ENV)
    try:
        client.stdin.write("echo me\n")
        client.stdin.flush()
        reader = threading.Thread(target=lambda: lines.append(client.stdout.readline()))
        lines = []
        reader.start()
        reader.join(20)
        assert lines == ["echo me\n"], client.stderr.read() if client.poll() else lines
    finally:
        client.kill()
        client.communicate(timeout=10)


def s_server(paths, port, *extra):
    return Background(["openssl", "s_server", "-accept", str(port), "-cert", paths["cert"],
                       "-key", paths["key"], "-www"] + list(extra), port, env=TOOL_ENV)


@needs_openssl
def test_probe_openssl_valid_chain(tmp_path):
    paths = pki(tmp_path)
    port = free_port()
    with s_server(paths, port):
        out = run_cli("probe", "localhost:%d" % port, "--cafile", paths["ca"], "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["verified"] is True


@needs_openssl
def test_probe_openssl_expired(tmp_path):
    paths = pki(tmp_path, days=-1, not_before_offset=-30 * 86400)
    port = free_port()
    with s_server(paths, port):
        out = run_cli("probe", "localhost:%d" % port, "--cafile", paths["ca"])
    assert out.returncode == 1
    assert "certificate has expired" in out.stdout


@needs_openssl
def test_probe_openssl_wrong_hostname(tmp_path):
    paths = pki(tmp_path, names=("other.example",))
    port = free_port()
    with s_server(paths, port):
        out = run_cli("probe", "localhost:%d" % port, "--cafile", paths["ca"])
    assert out.returncode == 1
    assert "Hostname mismatch" in out.stdout


@needs_openssl
def test_probe_openssl_tls12_only_and_alpn(tmp_path):
    paths = pki(tmp_path)
    port = free_port()
    with s_server(paths, port, "-tls1_2", "-alpn", "h2,http/1.1"):
        out = run_cli("probe", "localhost:%d" % port, "--cafile", paths["ca"], "--alpn",
                      "http/1.1", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["version"] == "TLSv1.2"
    assert report["alpn"] == "http/1.1"


@needs_openssl
def test_probe_tls13_required_against_tls12_server_fails(tmp_path):
    paths = pki(tmp_path)
    port = free_port()
    with s_server(paths, port, "-tls1_2"):
        out = run_cli("probe", "localhost:%d" % port, "--cafile", paths["ca"], "--tls1.3")
    assert out.returncode == 3
    assert out.stderr.startswith("sslx: error: TLS handshake")
    assert "Traceback" not in out.stderr


def test_probe_connection_refused_is_one_line():
    out = run_cli("probe", "127.0.0.1:%d" % free_port())
    assert out.returncode == 3
    assert out.stderr.count("\n") == 1 and "cannot connect" in out.stderr


def test_probe_timeout_is_one_line():
    # A listener that never answers the handshake.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        out = run_cli("probe", "127.0.0.1:%d" % port, "--timeout", "0.5")
    assert out.returncode == 3
    assert "timed out" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("target", ["", ":443", "host:notaport", "host:70000"])
def test_probe_bad_target_is_usage_error(target):
    out = run_cli("probe", target)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


def test_serve_bad_certificate_file(tmp_path):
    out = run_cli("serve", "--port", str(free_port()), "--cert", str(tmp_path / "missing.pem"))
    assert out.returncode == 2
    assert out.stderr.startswith("sslx: error: cannot read")


def odd_certificate(tmp_path, kind):
    """A self-signed certificate and its key with a field the decoder or
    cert_time_to_seconds cannot take (the signature no longer matches;
    `probe --insecure` does not check it)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "odd-name")])
    not_after = datetime.datetime(2051 if kind == "fraction" else 2049, 1, 1)
    san = x509.SubjectAlternativeName([x509.DNSName("odd-name.example")])
    der = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
           .public_key(key.public_key()).serial_number(7).add_extension(san, critical=False)
           .not_valid_before(datetime.datetime(2020, 1, 1)).not_valid_after(not_after)
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    # OpenSSL refuses to load a certificate whose subject is not UTF-8,
    # but not one whose DNS name (an IA5String) is not: the name to break.
    patch = {"bad_time": (b"490101000000Z", b"4901010000xxZ"),
             "fraction": (b"20510101000000Z", b"205101010000.5Z"),
             "bad_utf8_name": (b"odd-name.example", b"odd\xff\xfeame.example")}[kind]
    assert der.count(patch[0]) >= 1
    der = der.replace(*patch)
    cert, keyfile = tmp_path / "odd.pem", tmp_path / "odd.key"
    cert.write_text(sslx.DER_cert_to_PEM_cert(der))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return str(cert), str(keyfile)


@pytest.mark.parametrize("kind", ["bad_time", "fraction", "bad_utf8_name"])
def test_probe_insecure_survives_odd_certificates(tmp_path, kind):
    # Red-team finding 10: a notAfter that does not parse, or a name that
    # is not UTF-8, made `probe --insecure` print a traceback.
    cert, key = odd_certificate(tmp_path, kind)
    port = free_port()
    with Background(CLI + ["serve", "--port", str(port), "--cert", cert, "--key", key], port):
        text = run_cli("probe", "127.0.0.1:%d" % port, "--insecure")
        report = run_cli("probe", "127.0.0.1:%d" % port, "--insecure", "--json")
    for out in (text, report):
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stderr
    cert_report = json.loads(report.stdout)["certificate"]
    if kind == "bad_utf8_name":
        assert "cannot decode the certificate" in cert_report["error"]
        assert len(cert_report["sha256"]) == 64
        assert "cannot decode the certificate" in text.stdout
    else:
        assert cert_report["days_left"] is None
        assert "validity cannot be parsed" in text.stdout


# ------------------------------------------------------------------ nothing left behind

def test_demo_leaves_nothing_in_tmpdir_or_cwd(tmp_path, private_tmpdir):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = subprocess.run(CLI + ["demo"], capture_output=True, text=True, timeout=60, env=ENV,
                         stdin=subprocess.DEVNULL, cwd=cwd)
    assert out.returncode == 0, out.stderr
    assert "removed at exit" in out.stdout
    assert os.listdir(cwd) == [] and os.listdir(private_tmpdir) == []


def start_serve(*extra):
    """`sslx serve --port 0 ...`; returns (process, port, banner lines)."""
    proc = subprocess.Popen(CLI + ["serve", "--port", "0"] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, env=ENV)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(
        proc.stdout.readline() for _ in range(2)))
    reader.start()
    reader.join(30)
    if reader.is_alive() or not lines or "listening on" not in lines[0]:
        proc.kill()
        proc.communicate(timeout=10)
        raise AssertionError("serve did not start: %r" % lines)
    port = int(re.search(r":(\d+)/", lines[0]).group(1))
    return proc, port, lines


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_keys_are_private_and_gone_after_signal(private_tmpdir, signum):
    proc, port, banner = start_serve()
    try:
        (directory,) = os.listdir(private_tmpdir)
        path = private_tmpdir / directory
        assert directory.startswith("sslx-serve-")
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
        assert stat.S_IMODE((path / "server.key").stat().st_mode) == 0o600
        assert "BEGIN PRIVATE KEY" in (path / "server.key").read_text()
        # The CA that serve prints is the one its certificate verifies with.
        cafile = re.search(r"trust it to verify\): (\S+)", banner[1]).group(1)
        assert cafile == str(path / "ca.pem")
        probe = run_cli("probe", "localhost:%d" % port, "--cafile", cafile)
        assert probe.returncode == 0, probe.stderr
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert err.strip().splitlines()[-1] == "sslx serve: stopped"
    assert "Traceback" not in err
    assert os.listdir(private_tmpdir) == []


def test_serve_ca_out_stays_and_verifies(tmp_path, private_tmpdir):
    ca_out = tmp_path / "ca.pem"
    proc, port, banner = start_serve("--ca-out", str(ca_out))
    try:
        assert str(ca_out) in banner[1]
        probe = run_cli("probe", "localhost:%d" % port, "--cafile", str(ca_out), "--json")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout)["verified"] is True
    # Asked for, so it outlives serve; the key did not.
    assert "BEGIN CERTIFICATE" in ca_out.read_text()
    assert os.listdir(private_tmpdir) == []


def readme():
    path = os.path.join(CHECKOUT, "README.md")
    with open(path) as f:
        return f.read()


def test_readme_example_runs_against_sslx_serve(tmp_path):
    """The README's example, as written (only the port swapped for a free
    one), against `sslx serve --ca-out ca.pem` run in the same folder."""
    text = readme()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    command = re.search(r"^    (sslx serve .*?)\s*(#.*)?$", text, re.M).group(1)
    assert "--ca-out ca.pem" in command and "8443" in code
    cwd = tmp_path / "example"
    cwd.mkdir()
    port = free_port()
    args = command.split()[1:] + ["--port", str(port)]
    proc = subprocess.Popen(CLI + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, env=ENV)
    try:
        wait_for_port(port, proc)
        out = subprocess.run([sys.executable, "-c", code.replace("8443", str(port))], cwd=cwd,
                             capture_output=True, text=True, timeout=60, env=ENV)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert out.returncode == 0, out.stderr
    assert "TLSv1.3" in out.stdout and "b'hello\\n'" in out.stdout


# ------------------------------------------------------------------ user errors

def garbage_file(tmp_path):
    path = tmp_path / "garbage.pem"
    path.write_text("this is not PEM\n")
    return str(path)


USER_ERRORS = [
    # (arguments, exit code, text the one line must contain)
    (["probe", "example.invalid", "--cafile", "/nonexistent/ca.pem"], 2, "/nonexistent/ca.pem"),
    (["probe", "example.invalid", "--cafile", "GARBAGE"], 2, "GARBAGE"),
    (["probe", "example.invalid", "--cafile", "TMP"], 2, "Is a directory"),
    (["probe", "example.invalid", "--timeout", "-1"], 2, "'-1'"),
    (["probe", "example.invalid", "--timeout", "nan"], 2, "'nan'"),
    (["probe", "example.invalid", "--alpn", "x" * 300], 2, "--alpn"),
    (["probe", "127.0.0.1:1", "--servername", "bad..name"], 2, "bad..name"),
    (["serve", "--port", "99999"], 2, "'99999'"),
    (["serve", "--port", "http"], 2, "'http'"),
    (["serve", "--cert", "/nonexistent/cert.pem"], 2, "/nonexistent/cert.pem"),
    (["serve", "--cert", "GARBAGE"], 2, "GARBAGE"),
    (["serve", "--key", "GARBAGE"], 2, "--key needs --cert"),
    (["serve", "--cert", "GARBAGE", "--ca-out", "x.pem"], 2, "--ca-out"),
    (["serve", "--ca-out", "/nonexistent/ca.pem"], 2, "/nonexistent/ca.pem"),
    (["demo", "--timeout", "0"], 2, "'0'"),
    (["bench", "--rounds", "0"], 2, "'0'"),
    (["bench", "--only", "no-such-case"], 2, "no-such-case"),
    (["bench", "--json", "/nonexistent/b.json"], 2, "/nonexistent/b.json"),
    (["nosuchcommand"], 2, "nosuchcommand"),
]


@pytest.mark.parametrize("args,code,needle", USER_ERRORS,
                         ids=[" ".join(a)[:40] for a, _, _ in USER_ERRORS])
def test_user_error_is_one_line_with_exit_code(tmp_path, args, code, needle):
    subst = {"GARBAGE": garbage_file(tmp_path), "TMP": str(tmp_path)}
    args = [subst.get(a, a) for a in args]
    needle = subst.get(needle, needle)
    out = run_cli(*args)
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1, out.stderr
    assert out.stderr.startswith("sslx"), out.stderr
    assert needle in out.stderr
    assert out.stdout == ""


def test_serve_port_in_use_is_one_line():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        out = run_cli("serve", "--port", str(port))
    assert out.returncode == 3
    assert out.stderr.count("\n") == 1 and "127.0.0.1:%d" % port in out.stderr


@pytest.mark.parametrize("args,code", [
    (["127.0.0.1:PORT"], 3),                                  # connection refused
    (["127.0.0.1:PORT", "--cafile", "/nonexistent/ca.pem"], 2),
    (["host:notaport"], 2),
    (["127.0.0.1:PORT", "--timeout", "-1"], 2),               # an argparse error
])
def test_probe_json_always_prints_json(args, code):
    args = [a.replace("PORT", str(free_port())) for a in args]
    out = run_cli("probe", *args, "--json")
    assert out.returncode == code
    report = json.loads(out.stdout)
    assert report["exit_code"] == code and report["error"]
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_closed_pipe_is_silent_exit_141():
    # The read end is closed before sslx writes: its first write fails.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(CLI + ["info"], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=60, env=ENV, stdin=subprocess.DEVNULL)
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == ""


def test_closed_pipe_during_probe_json(sslx_server):
    port, cafile = sslx_server
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(CLI + ["probe", "localhost:%d" % port, "--cafile", cafile,
                                     "--json"], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=60, env=ENV, stdin=subprocess.DEVNULL)
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == ""


def test_ctrl_c_during_probe_is_one_line_exit_130():
    # A listener that accepts and never answers the handshake: once it has
    # accepted, probe is waiting in the handshake; interrupt it there.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.settimeout(30)
        port = silent.getsockname()[1]
        proc = subprocess.Popen(CLI + ["probe", "127.0.0.1:%d" % port, "--timeout", "60"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=ENV, stdin=subprocess.DEVNULL)
        try:
            conn, _ = silent.accept()
            with conn:
                time.sleep(0.2)
                proc.send_signal(signal.SIGINT)
                out, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert err == "sslx: interrupted\n"


# ------------------------------------------------------------------ help and exit codes

def test_every_option_has_help_with_default():
    from sslx import bench, cli
    parsers = {"sslx": cli.build_parser(), "sslx bench": bench.build_parser()}
    sub = next(a for a in parsers["sslx"]._actions if isinstance(a, cli.argparse._SubParsersAction))
    parsers.update(("sslx " + name, p) for name, p in sub.choices.items() if name != "bench")
    checked = 0
    for name, parser in parsers.items():
        for action in parser._actions:
            if not action.option_strings or action.dest in ("help", "version"):
                continue
            assert action.help and "default" in action.help, (name, action.option_strings)
            checked += 1
    assert checked >= 18


def test_serve_help_names_host_and_port_defaults():
    out = run_cli("serve", "--help")
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "--host HOST address to listen on (default: 127.0.0.1)" in text
    assert "--port PORT port to listen on; 0 picks a free one (default: 8443)" in text


EXIT_CODES = {0: "success", 1: "did not verify", 2: "usage", 3: "network",
              130: "interrupted", 141: "closed"}


@needs_folder["docs"]
def test_exit_codes_documented_in_help_docs_and_readme():
    from sslx import cli
    out = run_cli("--help")
    with open(os.path.join(CHECKOUT, "docs", "cli.md")) as f:
        docs = f.read()
    for code, word in EXIT_CODES.items():
        assert re.search(r"^  %d\s+.*%s" % (code, word), out.stdout, re.M | re.S), code
        assert re.search(r"^\| *`?%d`? *\|.*%s" % (code, word), docs, re.M), code
        assert re.search(r"^\| *`?%d`? *\|.*%s" % (code, word), readme(), re.M), code
    assert cli.EXIT_CODES in out.stdout


# ------------------------------------------------------------------ bench

BENCH_PLAIN = """
import sys
sys.modules["trustme"] = None          # no test extras
sys.modules["cryptography"] = None
from sslx import bench, cli
bench.REFERENCE_SOURCE = "/nonexistent/bench/ref_openssl.c"   # not a checkout
sys.exit(cli.main(sys.argv[1:]))
"""


def test_bench_runs_in_a_plain_install(tmp_path, private_tmpdir):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = subprocess.run([sys.executable, "-c", BENCH_PLAIN, "bench", "--quick", "--rounds",
                          "1", "--only", "handshake"], cwd=cwd, capture_output=True, text=True,
                         timeout=300, env=ENV, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "raw C" not in out.stdout and " - " not in out.stdout
    assert out.stdout.count("no raw-C column: bench/ref_openssl.c is not installed") == 1
    assert re.search(r"handshake TLS1.3 \(MemoryBIO\) +[\d.]+ +[\d.]+ +hs/s", out.stdout)
    assert os.listdir(cwd) == []          # no JSON or PNG unless asked


@needs_folder["bench"]
@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler for bench/ref_openssl.c")
def test_bench_from_checkout_has_raw_c_column(tmp_path):
    checkout = CHECKOUT
    out = subprocess.run([sys.executable, os.path.join(checkout, "bench", "run.py"), "--quick",
                          "--rounds", "1", "--only", "handshake", "create_default"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300, env=ENV,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "sslx/raw C" in out.stdout
    assert re.search(r"handshake TLS1.3 \(MemoryBIO\) .* \d+\.\d%$", out.stdout, re.M)
    assert re.search(r"create_default_context .*\(no C case\)$", out.stdout, re.M)
    assert "no raw-C column" not in out.stdout
    assert os.listdir(tmp_path) == ["TMPDIR"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_bench_interrupted_leaves_nothing(tmp_path, private_tmpdir, signum):
    proc = subprocess.Popen(CLI + ["bench", "--only", "handshake", "--rounds", "50"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=ENV, stdin=subprocess.DEVNULL)
    try:
        # Wait until it measures (its progress goes to stderr), so the
        # certificates exist; then stop it.
        seen = []
        reader = threading.Thread(target=lambda: seen.append(proc.stderr.readline()))
        reader.start()
        reader.join(60)
        assert seen and "handshake" in seen[0], seen
        assert os.listdir(private_tmpdir)          # the private directory exists
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "sslx: interrupted"
    assert "Traceback" not in err
    assert os.listdir(private_tmpdir) == [] and os.listdir(tmp_path) == ["TMPDIR"]
