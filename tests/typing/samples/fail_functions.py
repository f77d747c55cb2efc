# typing-sample: compare
"""Type errors calling module functions."""
import ssl


def calls() -> None:
    ssl.cert_time_to_seconds(1515144883)  # E: arg-type
    ssl.DER_cert_to_PEM_cert("-----BEGIN")  # E: arg-type
    ssl.PEM_cert_to_DER_cert(b"-----BEGIN")  # E: arg-type
    ssl.RAND_bytes("32")  # E: arg-type
    ssl.RAND_add(b"seed")  # E: call-arg
    ssl.get_server_certificate("example.org:443")  # E: arg-type
    ssl.get_server_certificate(("example.org", "443"))  # E: arg-type
    ssl.get_protocol_name("TLS")  # E: arg-type
    paths = ssl.get_default_verify_paths()
    print(paths.cafile_env)  # E: attr-defined
    status: str = ssl.RAND_status()  # E: assignment
    pem: bytes = ssl.DER_cert_to_PEM_cert(b"")  # E: assignment
    print(status, pem)
    ssl._create_unverified_context(check_hostname="no")  # E: arg-type
    ssl.no_such_function()  # E: attr-defined
