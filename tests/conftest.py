"""Shared fixtures: the implementations to run on (`mod`: sslx and the
stdlib), the stdlib module to compare against, test certificates.

Certificates come from trustme (made fresh for each test session, valid for
years, never expiring during the project's life) and from CPython's own
test data directory that ships with the interpreter.
"""
import os
import ssl as stdlib_ssl_module
import sysconfig

import pytest
import trustme

import sslx
from implementations import MODULES


@pytest.fixture(scope="session")
def stdlib_ssl():
    return stdlib_ssl_module


@pytest.fixture(scope="session")
def ca():
    return trustme.CA()


@pytest.fixture(scope="session")
def other_ca():
    """A CA nobody trusts, for 'unknown CA' failures."""
    return trustme.CA()


@pytest.fixture(scope="session")
def certs(tmp_path_factory, ca):
    """Files of a CA and of a server and a client certificate it issued:
    attributes cafile, server_certfile (cert chain + key in one file),
    server_keyfile, server_chainfile, client_certfile (chain + key)."""
    d = tmp_path_factory.mktemp("certs")
    server = ca.issue_cert("localhost", "127.0.0.1", "::1", "xn--bcher-kva.example")
    client = ca.issue_cert("client@example.org", common_name="client")

    class Files:
        pass

    f = Files()
    f.dir = str(d)
    f.cafile = str(d / "ca.pem")
    ca.cert_pem.write_to_path(f.cafile)
    f.server_chainfile = str(d / "server-chain.pem")
    f.server_keyfile = str(d / "server-key.pem")
    f.server_certfile = str(d / "server.pem")
    for blob in server.cert_chain_pems:
        blob.write_to_path(f.server_chainfile, append=True)
    server.private_key_pem.write_to_path(f.server_keyfile)
    server.private_key_and_cert_chain_pem.write_to_path(f.server_certfile)
    f.client_certfile = str(d / "client.pem")
    client.private_key_and_cert_chain_pem.write_to_path(f.client_certfile)
    f.ca_pem = ca.cert_pem.bytes().decode("ascii")
    return f


@pytest.fixture(scope="session")
def cpython_certdata():
    """CPython's test certificates (test/certdata on 3.11+, test/ on 3.10)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    for sub in ("test/certdata", "test"):
        d = os.path.join(stdlib, sub)
        if os.path.exists(os.path.join(d, "keycert.pem")):
            return d
    pytest.fail("CPython's test certificates are not installed with this interpreter")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "stdlib_requires(condition, reason): run the stdlib variant of a test "
        "using the `mod` fixture only where condition is true (else skip it with reason)")


@pytest.fixture(params=list(MODULES))
def mod(request):
    """Each test runs on sslx and on the stdlib ssl: same expectations."""
    if request.param == "stdlib":
        for mark in request.node.iter_markers("stdlib_requires"):
            if not mark.args[0]:
                pytest.skip(mark.kwargs["reason"])
    return MODULES[request.param]


@pytest.fixture
def client():
    """A fresh sslx client context (PROTOCOL_TLS_CLIENT)."""
    return sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)


@pytest.fixture
def server():
    """A fresh sslx server context (PROTOCOL_TLS_SERVER)."""
    return sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)


@pytest.fixture
def no_keylog_env(monkeypatch):
    """No SSLKEYLOGFILE in the environment (the factories read it)."""
    monkeypatch.delenv("SSLKEYLOGFILE", raising=False)
