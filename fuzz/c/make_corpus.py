"""Write the seed corpora of the libFuzzer targets (fuzz/c/corpus/<target>/).

A development tool, run once when the input formats change; the files it
writes are committed, CI does not run it.  Needs the `cryptography` package
(trustme's dependency) for the certificates:

    python fuzz/c/make_corpus.py

Certificates are valid from 2020 to 9999 (no seed ever expires), keyed with
Ed25519 mostly (OpenSSL 3.0 decodes an Ed25519 key in a quarter of the time
of a P-256 one, and the fuzzers spend most of their time decoding keys),
and no private key is written anywhere.  The op-based formats (hostname,
memorybio, records) follow the comments at the top of their fuzz_*.c.
"""
import datetime
import ipaddress
import os
import shutil

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
START = datetime.datetime(2020, 1, 1)
END = datetime.datetime(9999, 12, 31, 23, 59, 59)


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def name(*attrs):
    return x509.Name([x509.RelativeDistinguishedName(a) if isinstance(a, list)
                      else x509.RelativeDistinguishedName([a]) for a in attrs])


def cert(subject, key=None, issuer=None, issuer_key=None, ca=False, extensions=(),
         not_after=END, serial=0x1234567890ABCDEF):
    key = key or ed25519.Ed25519PrivateKey.generate()
    issuer_key = issuer_key or key
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer or subject)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(START).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    for ext, critical in extensions:
        b = b.add_extension(ext, critical=critical)
    algorithm = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return b.sign(issuer_key, algorithm).public_bytes(serialization.Encoding.DER), key


def pem(der):
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def certificates():
    """name -> DER of the seed certificates."""
    out = {}
    A = x509.NameAttribute
    rich_subject = name(
        A(NameOID.COUNTRY_NAME, "DE"),
        [A(NameOID.ORGANIZATION_NAME, "Fuzz Org"), A(NameOID.ORGANIZATIONAL_UNIT_NAME, "Unit")],
        A(NameOID.COMMON_NAME, "www.example.com"),
        A(NameOID.EMAIL_ADDRESS, "admin@example.com"),
        A(NameOID.SERIAL_NUMBER, "42"),
        A(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1.2.3"), "private attribute"))
    sans = x509.SubjectAlternativeName([
        x509.DNSName("www.example.com"), x509.DNSName("*.example.org"),
        x509.IPAddress(ipaddress.ip_address("192.0.2.1")),
        x509.IPAddress(ipaddress.ip_address("2001:db8::1")),
        x509.RFC822Name("user@example.com"),
        x509.UniformResourceIdentifier("https://example.com/path"),
        x509.DirectoryName(name(A(NameOID.COMMON_NAME, "dir name"))),
        x509.RegisteredID(x509.ObjectIdentifier("1.2.3.4.5")),
        x509.OtherName(x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"), tlv(0x0C, b"upn@x")),
    ])
    aia = x509.AuthorityInformationAccess([
        x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                               x509.UniformResourceIdentifier("http://ocsp.example.com")),
        x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                               x509.UniformResourceIdentifier("http://ca.example.com/ca.der")),
        x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                               x509.DNSName("not-a-uri.example.com")),
    ])
    crldp = x509.CRLDistributionPoints([
        x509.DistributionPoint([x509.UniformResourceIdentifier("http://crl.example.com/a.crl"),
                                x509.DNSName("crl.example.com")], None, None, None),
        x509.DistributionPoint(None, x509.RelativeDistinguishedName(
            [A(NameOID.COMMON_NAME, "relative")]), None, None),
        x509.DistributionPoint(None, None, None, [x509.DirectoryName(name(A(NameOID.COMMON_NAME, "issuer")))]),
    ])
    out["rich"], _ = cert(rich_subject, extensions=[(sans, False), (aia, False), (crldp, False)])

    # subjectAltName contents no library would build: non-UTF-8 and NUL
    # in IA5 names, addresses of odd lengths, x400Address, ediPartyName.
    raw_san = tlv(0x30, b"".join([
        tlv(0x82, b"bad\xffname.example"), tlv(0x82, b"nul\x00.example.com"),
        tlv(0x81, b"a\x00b@example.com"), tlv(0x86, b"http://\xc3\xa9.example/"),
        tlv(0x87, b"\x0a\x00\x00\x01\xff"), tlv(0x87, b"\x0a\x00\x00\x01\xff\xff\xff\x00"),
        tlv(0x87, b""), tlv(0xA3, tlv(0x30, b"")),
        tlv(0xA5, tlv(0xA1, tlv(0x0C, b"party"))),
    ]))
    out["raw_san"], _ = cert(name(A(NameOID.COMMON_NAME, "raw san")), extensions=[
        (x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, raw_san), False)])

    # Name strings of every kind, an OID longer than the 128-byte buffer
    # its text is first printed into, a non-UTF-8 UTF8String.
    long_oid = x509.ObjectIdentifier("1.3.6.1.4.1." + ".".join(str(123456789 + i) for i in range(12)))
    from cryptography.x509.name import _ASN1Type
    strings = name(
        A(NameOID.COMMON_NAME, "bmp \u20ac", _ASN1Type.BMPString),
        A(NameOID.ORGANIZATION_NAME, "universal \U0001F600", _ASN1Type.UniversalString),
        A(NameOID.LOCALITY_NAME, "t61", _ASN1Type.T61String),
        A(NameOID.STATE_OR_PROVINCE_NAME, "printable", _ASN1Type.PrintableString),
        A(long_oid, "long oid"),
        A(NameOID.DOMAIN_COMPONENT, "dc", _ASN1Type.IA5String))
    # notAfter in 2049: a UTCTime (the others are GeneralizedTime).
    out["strings"], _ = cert(strings, not_after=datetime.datetime(2049, 12, 31))
    # A UTF8String that is not UTF-8, patched in after signing (the
    # signature is never checked when decoding).
    bad, _ = cert(name(A(NameOID.COMMON_NAME, "bad X utf8")))
    out["bad_utf8"] = bad.replace(tlv(0x0C, b"bad X utf8"), tlv(0x0C, b"bad \xff utf8"))

    out["rsa1024"], _ = cert(name(A(NameOID.COMMON_NAME, "rsa")),
                             key=rsa.generate_private_key(65537, 1024))
    out["p256"], _ = cert(name(A(NameOID.COMMON_NAME, "p256")),
                          key=ec.generate_private_key(ec.SECP256R1()))
    return out


def ca_chain():
    A = x509.NameAttribute
    root_name = name(A(NameOID.COMMON_NAME, "fuzz root CA"))
    root, root_key = cert(root_name, ca=True, serial=1)
    inter_name = name(A(NameOID.COMMON_NAME, "fuzz intermediate CA"))
    inter, inter_key = cert(inter_name, issuer=root_name, issuer_key=root_key, ca=True, serial=2)
    leaf, _ = cert(name(A(NameOID.COMMON_NAME, "leaf")), issuer=inter_name, issuer_key=inter_key,
                   serial=3, extensions=[(x509.SubjectAlternativeName(
                       [x509.DNSName("localhost")]), False)])
    return root, inter, leaf


def write(target, files):
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for fname, data in files.items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape"))


def main():
    certs = certificates()
    root, inter, leaf = ca_chain()

    decode = {k + ".der": v for k, v in certs.items()}
    decode["rich.pem"] = pem(certs["rich"])
    decode["raw_san.pem"] = pem(certs["raw_san"])
    decode["leaf.der"] = leaf
    write("decode_cert", decode)

    write("cadata", {
        "chain.pem": pem(root) + pem(inter),
        "chain.der": root + inter,
        "with_text.pem": b"subject=fuzz root CA\n" + pem(root) + b"# comment\n" + pem(leaf),
        "trailing.der": root + b"\x30\x03\x02",
        "rich_ca.der": cert(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rich CA")]),
                            ca=True)[0],
    })

    p = pem(certs["rich"]).decode()
    body = p.split("-----")[2].strip().replace("\n", "")
    write("pem_der", {
        "plain.pem": p,
        "crlf.pem": p.replace("\n", "\r\n"),
        "one_line.pem": "-----BEGIN CERTIFICATE-----" + body + "-----END CERTIFICATE-----",
        "padding.pem": "-----BEGIN CERTIFICATE-----\nQUJD\nRA==\n=\n-----END CERTIFICATE-----\n",
        "junk.pem": "-----BEGIN CERTIFICATE-----\n QU*JD \tRE\u00e9U=\n-----END CERTIFICATE-----  \n",
        "short.der": bytes(range(7)),
    })

    write("cert_time", {
        "plain": "Jan  5 09:34:43 2018 GMT",
        "two_digit_day": "May 09 23:59:59 2026 GMT",
        "leap": "feb 29 00:00:00 2024 gmt",
        "rollover": "Feb 31 23:59:61 9999 GMT",
        "unicode_digits": "Jan \u0665 09:34:43 2018 GMT",
        "spaces": "Dec\u00a0 1\t01:02:03\u2003 1970 GMT",
    })

    write("hostname", {
        "san": "www.example.com\nDwww.example.com\nD*.example.org\nI192.0.2.1\nCexample.com\n",
        "wildcard": "foo.example.org\nD*.example.org\nDf*.example.org\n",
        "ip6": "2001:db8::1\nI2001:DB8:0:0:0:0:0:1 \nDexample.com\n",
        "cn_only": "Example.COM\nCexample.com\nMother.example\nOorg\n",
        "odd": "host\nXoops\nNnone\n",
        "idna": "b\u00fccher.example\nDxn--bcher-kva.example\n",
        "empty": "",
    })

    write("memorybio", {
        "basic": bytes([0x00, 5]) + b"hello" + bytes([0x03, 0x00, 3]) + b"abc" + bytes([0x02, 0x00, 0x02, 0x04, 0x03, 0x06]),
        "big": bytes([0x01, 0x08, 0x00, 0x0a, 0x10, 0x00, 0x01, 0x40, 0x00, 0x0a, 0xff, 0xff, 0x07, 0x04, 0x00, 0x01]) + b"x",
        "views": bytes([0x05, 3]) + b"abc" + bytes([0x0d, 2]) + b"de" + bytes([0x0e, 0x03]),
    })

    # records: configuration byte, then operations (fuzz_records.c).
    PEER_WRITE, DELIVER, READ, HS, PEER_HS, DRAIN = 0x10, 0x20, 0x40, 0x60, 0x70, 0xF0
    records = {}
    for cfg in (0, 4, 6, 7):
        # handshaken: the peer writes, the victim reads, the peer closes.
        for side in (0, 8):
            records[f"post-{cfg}{'s' if side else 'c'}"] = bytes([
                cfg | side, PEER_WRITE, 12, DELIVER, 0, 0, READ, 0x40, 0, 0xB0, DELIVER, 0, 0,
                READ, 0x40, 0, 0xE1, 0xE2, 0xE3])
        # fresh: the operations drive the handshake.
        records[f"fresh-{cfg}c"] = bytes([cfg | 0x10, HS, PEER_HS, DELIVER, 0, 0, HS, PEER_HS,
                                          DELIVER, 0, 0, HS, PEER_HS, DELIVER, 0, 0, HS,
                                          PEER_WRITE, 5, DELIVER, 0, 0, READ, 0x40, 0, 0xE4])
        records[f"fresh-{cfg}s"] = bytes([cfg | 0x18, PEER_HS, DELIVER, 0, 0, HS, PEER_HS,
                                          DELIVER, 0, 0, HS, PEER_HS, DELIVER, 0, 0, HS,
                                          PEER_WRITE, 5, DELIVER, 0, 0, READ, 0x40, 0, 0xE4])
    records["foreign-bios"] = bytes([0x60 | 0, PEER_WRITE, 40, 0x22, 0, 7, DRAIN, DELIVER, 0, 0, 0x51, 0x40, 0, 0x80, 3, 0x90])
    records["flip"] = bytes([0x04, PEER_WRITE, 3, PEER_WRITE, 3, 0x30, 0, 40, 0x01, DELIVER, 0, 0, DRAIN])
    records["eof"] = bytes([0x08, PEER_WRITE, 1, DELIVER, 0, 20, 0xC0, DRAIN, 0x60, 0x80, 1, DRAIN])
    records["alert"] = bytes([0x00, 0xD5, 2, 2, 40, DRAIN, 0xE0, 0xE4])
    records["close"] = bytes([0x06, 0xA0, 0xB0, DELIVER, 0, 0, DRAIN, 0x90])
    # The atheris targets' raw handshake flights (fuzz/corpus/sslobject_*),
    # fed to a fresh victim as the fuzzer's own bytes (op 0, up to 1023
    # bytes each), then handshake and drain.
    for side, victim in (("server", 0x18), ("client", 0x10)):
        src = os.path.join(HERE, "..", "corpus", "sslobject_" + side)
        for fname in sorted(os.listdir(src)):
            if "split" in fname:
                continue
            with open(os.path.join(src, fname), "rb") as f:
                flight = f.read()[1:]
            ops = bytearray([victim | (6 if "1.3" in fname else 7)])
            if side == "client":
                ops.append(HS)
            for i in range(0, len(flight), 1023):
                chunk = flight[i:i + 1023]
                ops += bytes([0x00 | len(chunk) >> 8, len(chunk) & 0xFF]) + chunk
            ops += bytes([HS, DRAIN])
            records["atheris-%s-%s" % (side, fname)] = bytes(ops)
    write("records", records)


if __name__ == "__main__":
    main()
