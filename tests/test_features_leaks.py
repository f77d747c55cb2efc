"""Leak checks for sslx's features beyond the stdlib: credentials from
memory and PKCS#12, Certificate objects, OCSP stapling (static, callable,
verified, refused), keying material, channel bindings and the client
session cache, with their error paths.  The workload repeats in a fresh
interpreter; memory and the number of live Python objects must stay
flat once warmed up (leakhelpers says what is measured).  Under the
AddressSanitizer build (.ci/sanitize) LeakSanitizer judges the malloc
side instead: no leaked block may come through sslx.

Long run: python tests/test_features_leaks.py N
"""
import datetime
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leakhelpers import assert_flat_in_child, sample  # noqa: E402
from tlstools import MemoryPair  # noqa: E402

import sslx  # noqa: E402

pytest.importorskip("cryptography.x509.ocsp")


def make_material():
    """Everything the workload loads, as bytes (made once, with trustme
    and cryptography)."""
    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509 import ocsp

    ca = trustme.CA()
    leaf = ca.issue_cert("localhost")
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), None)
    now = datetime.datetime.now(datetime.timezone.utc)

    def response(status):
        revoked = status == ocsp.OCSPCertStatus.REVOKED
        return (ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=ca_cert, algorithm=hashes.SHA1(), cert_status=status,
            this_update=now - datetime.timedelta(hours=1),
            next_update=now + datetime.timedelta(days=30),
            revocation_time=now - datetime.timedelta(hours=2) if revoked else None,
            revocation_reason=None).responder_id(ocsp.OCSPResponderEncoding.HASH, ca_cert)
            .sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))

    return {
        "ca_pem": ca.cert_pem.bytes().decode(),
        "cert_pem": leaf.cert_chain_pems[0].bytes(),
        "cert_der": cert.public_bytes(serialization.Encoding.DER),
        "key_pem": leaf.private_key_pem.bytes(),
        "key_der": key.private_bytes(serialization.Encoding.DER,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()),
        "key_encrypted": key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.BestAvailableEncryption(b"pw")),
        "p12": pkcs12.serialize_key_and_certificates(b"x", key, cert, None,
                                                     serialization.NoEncryption()),
        "good": response(ocsp.OCSPCertStatus.GOOD),
        "revoked": response(ocsp.OCSPCertStatus.REVOKED),
    }


class Workload:
    def __init__(self, m):
        self.m = m
        self.server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
        self.server.load_cert_chain(certdata=m["cert_pem"], keydata=m["key_pem"])
        self.server.set_ocsp_response(m["good"])
        self.callable_server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
        self.callable_server.load_cert_chain(certdata=m["cert_der"], keydata=m["key_der"])
        self.callable_server.set_ocsp_response(lambda conn: m["revoked"])
        self.client = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
        self.client.load_verify_locations(cadata=m["ca_pem"])
        self.client.verify_ocsp_stapling = True
        self.client.client_session_cache = True
        self.client12 = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
        self.client12.load_verify_locations(cadata=m["ca_pem"])
        self.client12.maximum_version = sslx.TLSVersion.TLSv1_2
        self.client12.client_session_cache = True

    def credentials(self):
        m = self.m
        ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certdata=m["cert_pem"], keydata=m["key_encrypted"], password="pw")
        ctx.load_cert_chain(certdata=m["cert_der"], keydata=m["key_der"])
        ctx.load_pkcs12(m["p12"])
        for bad in ({"certdata": b"junk", "keydata": m["key_pem"]},
                    {"certdata": m["cert_pem"], "keydata": m["key_encrypted"], "password": "no"},
                    {"certdata": m["cert_pem"], "keydata": m["key_encrypted"],
                     "password": lambda: 1}):
            try:
                ctx.load_cert_chain(**bad)
            except (sslx.SSLError, TypeError):
                pass
        try:
            ctx.load_pkcs12(b"\x30\x03\x02\x01\x03")
        except sslx.SSLError:
            pass

    def certificate(self):
        cert = sslx.Certificate.from_der(self.m["cert_der"])
        same = sslx.Certificate.from_pem(self.m["cert_pem"])
        assert cert == same and hash(cert) == hash(same)
        cert.subject, cert.issuer, cert.serial_number, cert.subject_alt_names
        cert.not_valid_before, cert.not_valid_after, cert.public_key_der, cert.is_ca
        cert.fingerprint(), cert.fingerprint("sha1"), cert.public_bytes(), cert.get_info()
        for factory, data in ((sslx.Certificate.from_der, b"junk"),
                              (sslx.Certificate.from_pem, "junk")):
            try:
                factory(data)
            except ValueError:
                pass

    def connections(self):
        p = MemoryPair(sslx, self.client, self.server).handshake()
        p.client_reads_ticket()
        assert p.client.ocsp_response() == self.m["good"]
        assert p.client.export_keying_material("EXPORTER-leak", 40, b"ctx") == \
            p.server.export_keying_material("EXPORTER-leak", 40, b"ctx")
        p.client.get_channel_binding("tls-exporter")
        p.client.get_channel_binding("tls-server-end-point")
        for _ in range(2):
            p = MemoryPair(sslx, self.client12, self.server).handshake()
            p.client_reads_ticket()
        assert p.client.session_reused
        refused = MemoryPair(sslx, self.client, self.callable_server).handshake_outcome()
        assert isinstance(refused["client"], sslx.SSLCertVerificationError)

    def once(self):
        self.credentials()
        self.certificate()
        self.connections()


def measure(m, batches, per_batch):
    def batch():
        work = Workload(m)
        for _ in range(per_batch):
            work.once()

    # Warm up caches and free lists: this workload's fill them for about
    # 1,000 iterations (pymalloc blocks grew by 86, 69, 53 ... 10, 8, 4
    # per batch of 100 on 3.11, then stayed), and a leak of one object
    # per iteration must stand out of what is left.
    for _ in range(8):
        batch()
    samples = []
    for _ in range(batches):
        batch()
        samples.append(sample())
    return samples


def measure_standalone(batches=10, per_batch=100):
    return measure(make_material(), batches, per_batch)


def test_features_memory_is_flat():
    # The samples after the warm-up span 600 iterations of about 5
    # handshakes and a dozen loads each: a leak of 10 bytes per handshake
    # or load shows as 100 KiB, over leakhelpers' bound.
    assert_flat_in_child("test_features_leaks", (), timeout=900)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for i, numbers in enumerate(measure_standalone(batches=10, per_batch=max(1, n // 10))):
        print("batch %2d: malloc %7d KiB  blocks %d  objects %d" % (i, *numbers))
