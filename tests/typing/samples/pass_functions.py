# typing-sample: compare
"""Module functions: certificates, randomness, verify paths."""
import ssl

from typing_extensions import assert_type


def certificates(pem: str) -> str:
    der = ssl.PEM_cert_to_DER_cert(pem)
    assert_type(der, bytes)
    back = ssl.DER_cert_to_PEM_cert(der)
    back2 = ssl.DER_cert_to_PEM_cert(bytearray(der))
    assert back.startswith(ssl.PEM_HEADER) and back2.rstrip().endswith(ssl.PEM_FOOTER)
    seconds: int = ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT")
    return f"{back} {seconds}"


def server_certificate(host: str) -> str:
    pem = ssl.get_server_certificate((host, 443))
    pem2 = ssl.get_server_certificate((host, 443), ssl_version=ssl.PROTOCOL_TLS_CLIENT,
                                      ca_certs="/etc/ssl/certs/ca-certificates.crt")
    pem3 = ssl.get_server_certificate((host, 443), timeout=3.0)
    return pem + pem2 + pem3


def randomness() -> bytes:
    ssl.RAND_add(b"seed", 1.0)
    ssl.RAND_add("seed", 0.5)
    if not ssl.RAND_status():
        raise RuntimeError("not seeded")
    return ssl.RAND_bytes(32)


def verify_paths() -> list[str]:
    paths = ssl.get_default_verify_paths()
    assert_type(paths, ssl.DefaultVerifyPaths)
    cafile, capath, *_ = paths
    return [cafile, capath, paths.cafile, paths.capath, paths.openssl_cafile_env,
            paths.openssl_cafile, paths.openssl_capath_env, paths.openssl_capath]


def unverified() -> ssl.SSLContext:
    ctx = ssl._create_unverified_context(ssl.PROTOCOL_TLS_CLIENT, cert_reqs=ssl.CERT_NONE,
                                         check_hostname=False)
    https = ssl._create_default_https_context()
    assert_type(https, ssl.SSLContext)
    return ctx


def channel_bindings() -> list[str]:
    return list(ssl.CHANNEL_BINDING_TYPES)
