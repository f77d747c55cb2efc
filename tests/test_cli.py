"""The sslx command, driven as a subprocess: demo end to end; probe against
`sslx serve` and against `openssl s_server` (valid chain, expired
certificate, wrong host name, unknown CA, TLS 1.2 only, ALPN); serve
answered by `openssl s_client` and `curl`.  Loopback only, every server
started here and stopped, every wait bounded."""
import json
import os
import re
import shutil
import socket
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
    """A server process, stopped (and reaped) on exit."""

    def __init__(self, args, port, env=ENV):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.PIPE, text=True, env=env)
        self.port = port
        wait_for_port(port, self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.communicate(timeout=10)


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
