"""Fuzz targets for sslx, one function per target.

Each target takes the fuzzer's bytes and must end in a documented result or
a documented exception (listed in its `expected`); anything else - another
exception type, a crash, a hang - is a finding.  Run one with atheris:

    python fuzz/run.py TARGET [-atheris_runs=N] [corpus dir ...]

or all of them briefly (what CI does):  python fuzz/run.py --all --seconds 20
"""
import sslx


def _text(data):
    return data.decode("utf-8", "surrogateescape")


def pem_der_roundtrip(data):
    """PEM_cert_to_DER_cert on arbitrary text; DER->PEM->DER is identity."""
    try:
        der = sslx.PEM_cert_to_DER_cert(_text(data))
    except ValueError:
        der = data
    pem = sslx.DER_cert_to_PEM_cert(der)
    assert sslx.PEM_cert_to_DER_cert(pem) == der


def decode_certificate(data):
    """Arbitrary DER into the getpeercert() dict."""
    try:
        info = sslx._sslx._decode_der_certificate(data)
    except sslx.SSLError:
        return
    assert isinstance(info, dict) and "publicKey" in info


def match_hostname(data):
    """match_hostname with a certificate dict and hostname built from data."""
    import warnings
    text = _text(data)
    name, _, rest = text.partition("\n")
    sans = tuple(("DNS" if i % 2 else "IP Address", part)
                 for i, part in enumerate(rest.split("\n")[:8]))
    cert = {"subject": ((("commonName", rest[:40]),),), "subjectAltName": sans}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            sslx.match_hostname(cert, name)
        except (sslx.CertificateError, ValueError, UnicodeError):
            pass


def cert_time_to_seconds(data):
    try:
        value = sslx.cert_time_to_seconds(_text(data))
    except ValueError:
        return
    assert isinstance(value, int)


TARGETS = {f.__name__: f for f in (pem_der_roundtrip, decode_certificate, match_hostname,
                                   cert_time_to_seconds)}
