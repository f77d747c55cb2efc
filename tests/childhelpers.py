"""Run a scenario in a fresh interpreter, bounded in time.

For the thread and re-entry scenarios that once crashed or hung the
process: in a child, a regression fails its own test (with the child's
output) instead of killing or stalling the whole run.  The child inherits
the environment, so under the sanitizer run it is instrumented too."""
import os
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

# Source a child scenario starts with: a throwaway CA and a server
# certificate for "localhost" made with trustme (paths `cafile`, `certfile`
# in the directory `tmp`, which run_child() makes and removes, even when the
# child crashes), and fresh sslx contexts that use them.
CHILD_CONTEXTS = """
import os, trustme, sslx
ca = trustme.CA()
tmp = os.environ["SSLX_CHILD_TMP"]
cafile = os.path.join(tmp, "ca.pem")
ca.cert_pem.write_to_path(cafile)
certfile = os.path.join(tmp, "server.pem")
ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(certfile)

def server_context():
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile)
    return ctx

def client_context():
    ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    return ctx
"""


def run_child(source, timeout=120):
    """Run `source` (dedented) with the tests' import path; return its
    stdout.  Fails the test on a non-zero exit, a signal or a timeout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([HERE] + [p for p in sys.path if p])
    try:
        with tempfile.TemporaryDirectory(prefix="sslx-child-") as tmp:
            env["SSLX_CHILD_TMP"] = tmp
            proc = subprocess.run([sys.executable, "-c", textwrap.dedent(source)],
                                  capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("the scenario did not finish in %ds (hang)\n%s"
                             % (timeout, exc.stderr or "")) from None
    assert proc.returncode == 0, "child exited with %d\nstdout:\n%s\nstderr:\n%s" % (
        proc.returncode, proc.stdout[-3000:], proc.stderr[-6000:])
    return proc.stdout
