"""Helpers for the tests of sslx's features beyond the stdlib
(test_credentials, test_certificate_public, test_keying, test_ocsp,
test_session_cache): in-memory handshakes, and the `openssl` and GnuTLS
command-line tools as peers on loopback.

Every external process listens or connects on 127.0.0.1 only, is waited for
with a bounded poll, and is killed when its `with` block ends.
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from sslx._memorypair import MemoryPair  # noqa: F401  (re-exported)

OPENSSL = shutil.which("openssl")
GNUTLS_SERV = shutil.which("gnutls-serv")
GNUTLS_CLI = shutil.which("gnutls-cli")

needs_openssl = pytest.mark.skipif(OPENSSL is None,
                                   reason="openssl CLI not installed (package openssl)")
needs_gnutls = pytest.mark.skipif(GNUTLS_SERV is None or GNUTLS_CLI is None,
                                  reason="GnuTLS CLI not installed (package gnutls-bin)")

START_TIMEOUT = 10
RUN_TIMEOUT = 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_ports():
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A":      # TCP_LISTEN
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except FileNotFoundError:
            pass
    return ports


def run(argv, cwd=None, stdin=None, check=True):
    """Run a short command; its output (stdout and stderr), or with
    `check` AssertionError when it fails."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    proc = subprocess.run(argv, cwd=cwd, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, env=env, timeout=RUN_TIMEOUT)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s" % (
            argv[:3], proc.returncode, proc.stdout.decode(errors="replace")))
    return proc.stdout


class External:
    """A long-running external TLS tool.  Its output goes to a temporary
    file (a pipe could fill up and block it); stdin stays open (s_server
    quits at the end of its input).  Killed and reaped when done."""

    def __init__(self, argv, cwd=None):
        self.out = tempfile.TemporaryFile()
        # The sanitizer run preloads ASan for sslx; the peers' binaries are
        # not under test and run without it.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=self.out,
                                     stderr=subprocess.STDOUT, env=env)

    def wait_listening(self, port):
        """Until the port listens.  Looks at /proc instead of connecting,
        which would use up a server started with -naccept 1."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited early:\n" + self.output())
            if port in listening_ports():
                return
            time.sleep(0.05)
        raise AssertionError("server did not listen:\n" + self.output())

    def wait_for_output(self, text, timeout=RUN_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return self.output()
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        out = self.output()
        assert text in out, "no %r in the output:\n%s" % (text, out)
        return out

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait(self, timeout=RUN_TIMEOUT):
        return self.proc.wait(timeout)

    def close_stdin(self):
        self.proc.stdin.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(RUN_TIMEOUT)

    def output(self):
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        self.out.close()
        return False


def pin_version(ctx, mod, version):
    """version: "1.2" or "1.3"."""
    v = mod.TLSVersion.TLSv1_2 if version == "1.2" else mod.TLSVersion.TLSv1_3
    ctx.minimum_version = v
    ctx.maximum_version = v


def openssl_version_flag(version):
    return "-tls1_2" if version == "1.2" else "-tls1_3"


def gnutls_priority(version):
    return "NORMAL:-VERS-ALL:+VERS-TLS" + version


def connect(ctx, port, server_hostname="localhost"):
    raw = socket.create_connection(("127.0.0.1", port), timeout=RUN_TIMEOUT)
    try:
        return ctx.wrap_socket(raw, server_hostname=server_hostname)
    except BaseException:
        raw.close()
        raise


def recv_until(tls, marker, limit=1 << 16):
    data = b""
    while marker not in data and len(data) < limit:
        piece = tls.recv(4096)
        if not piece:
            break
        data += piece
    return data


def hex_after(text, prefix):
    """The hex string following `prefix` on its line, as bytes."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(prefix):
            return bytes.fromhex(line[len(prefix):].strip())
    raise AssertionError("no %r in:\n%s" % (prefix, text))
