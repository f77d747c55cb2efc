"""Certificate decoding: sslx._sslx._test_decode_cert() against the stdlib's
_ssl._test_decode_cert() on CPython's own test certificates and on
certificates built here with unusual contents.

Every expected value comes from the stdlib on the same file."""
import datetime
import glob
import ipaddress
import os
import subprocess
import sysconfig

import pytest

import sslx

stdlib_ssl_c = pytest.importorskip("_ssl")


def _certdata_dir():
    # Same lookup as the cpython_certdata fixture, needed at collection time.
    stdlib = sysconfig.get_paths()["stdlib"]
    for sub in ("test/certdata", "test"):
        d = os.path.join(stdlib, sub)
        if os.path.exists(os.path.join(d, "keycert.pem")):
            return d
    return None


_DIR = _certdata_dir()
CPYTHON_PEMS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(_DIR or "", "*.pem")))


def outcome(func, path):
    """The decoded dict, or (exception type, args) when decoding fails."""
    try:
        return func(path)
    except Exception as exc:  # compared, not swallowed
        return ("raised", type(exc), exc.args)


def assert_same_as_stdlib(path):
    expected = outcome(stdlib_ssl_c._test_decode_cert, path)
    got = outcome(sslx._sslx._test_decode_cert, path)
    assert got == expected


def test_certdata_is_there(cpython_certdata):
    assert _DIR == cpython_certdata
    assert "keycert.pem" in CPYTHON_PEMS and "nullbytecert.pem" in CPYTHON_PEMS


@pytest.mark.parametrize("name", CPYTHON_PEMS)
def test_cpython_certificates(cpython_certdata, name):
    assert_same_as_stdlib(os.path.join(cpython_certdata, name))


def test_ssl_alias_is_the_extension():
    assert sslx._ssl is sslx._sslx


def test_nul_bytes_survive(cpython_certdata):
    d = sslx._ssl._test_decode_cert(os.path.join(cpython_certdata, "nullbytecert.pem"))
    assert d == stdlib_ssl_c._test_decode_cert(os.path.join(cpython_certdata, "nullbytecert.pem"))
    assert any("\x00" in value for kind, value in d["subjectAltName"] if kind == "DNS")


@pytest.mark.parametrize("arg", [
    "/nonexistent/cert.pem", b"/nonexistent/cert.pem", "", "a\x00b", b"a\x00b", 1, 1.5, None,
])
def test_path_errors(arg):
    assert outcome(sslx._sslx._test_decode_cert, arg) == \
        outcome(stdlib_ssl_c._test_decode_cert, arg)


def test_pathlike(cpython_certdata):
    import pathlib
    p = pathlib.Path(cpython_certdata) / "keycert.pem"
    assert sslx._sslx._test_decode_cert(p) == stdlib_ssl_c._test_decode_cert(str(p))


def test_not_a_certificate(tmp_path):
    for i, text in enumerate(["", "garbage", "-----BEGIN CERTIFICATE-----\nQUJD\n"
                              "-----END CERTIFICATE-----\n"]):
        p = tmp_path / f"f{i}.pem"
        p.write_text(text)
        assert_same_as_stdlib(str(p))


# ---- generated certificates ------------------------------------------------

cryptography = pytest.importorskip("cryptography")
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import (  # noqa: E402
    AuthorityInformationAccessOID, ExtensionOID, NameOID, ObjectIdentifier)

_KEY = ec.generate_private_key(ec.SECP256R1())
UPN = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")
SMTP_UTF8 = ObjectIdentifier("1.3.6.1.5.5.7.8.9")
# An extension OID nobody uses, patched into a real one after signing so a
# certificate can carry extensions cryptography refuses to build.
PLACEHOLDER_OID = ObjectIdentifier("2.5.29.99")


def cn(value):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value)])


def der_utf8(text):
    b = text.encode()
    return bytes([0x0C, len(b)]) + b


def der_tlv(tag, body):
    assert len(body) < 128
    return bytes([tag, len(body)]) + body


def build(subject=None, extensions=(), serial=1, not_before=None, not_after=None,
          patches=()):
    subject = subject if subject is not None else cn("sslx test")
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(subject)
               .public_key(_KEY.public_key()).serial_number(serial)
               .not_valid_before(not_before or datetime.datetime(2020, 1, 1))
               .not_valid_after(not_after or datetime.datetime(2030, 1, 1)))
    for ext in extensions:
        builder = builder.add_extension(ext, critical=False)
    der = builder.sign(_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    for old, new in patches:
        assert len(old) == len(new) and old in der
        der = der.replace(old, new)
    return der


def write_pem(tmp_path, der, name="cert.pem"):
    import base64
    body = base64.encodebytes(der).decode("ascii")
    p = tmp_path / name
    p.write_text("-----BEGIN CERTIFICATE-----\n" + body + "-----END CERTIFICATE-----\n")
    return str(p)


SAN = x509.SubjectAlternativeName
IP = x509.IPAddress


def gen_many_sans():
    return build(extensions=[SAN([
        x509.DNSName("a.example"), x509.DNSName("*.wild.example"),
        IP(ipaddress.ip_address("2001:db8::1")), IP(ipaddress.ip_address("::")),
        IP(ipaddress.ip_address("::1")), IP(ipaddress.ip_address("fe80::abcd:0:0:1")),
        IP(ipaddress.ip_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
        IP(ipaddress.ip_address("::ffff:192.0.2.1")), IP(ipaddress.ip_address("0.0.0.0")),
        IP(ipaddress.ip_address("255.255.255.255")),
        IP(ipaddress.ip_network("10.0.0.0/8")), IP(ipaddress.ip_network("2001:db8::/32")),
        x509.UniformResourceIdentifier("https://x.example/path?q=1"),
        x509.RFC822Name("user@example.org"),
        x509.RegisteredID(ObjectIdentifier("1.2.3.4.5")),
        x509.RegisteredID(ObjectIdentifier("1.3.6.1.5.5.7.3.1")),
        x509.OtherName(UPN, der_utf8("upn@example")),
        x509.OtherName(SMTP_UTF8, der_utf8("smtp@example")),
        x509.OtherName(ObjectIdentifier("1.2.3.4"), der_utf8("other")),
        x509.DirectoryName(x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(ObjectIdentifier("1.2.3.4"), "odd"),
            x509.NameAttribute(NameOID.COMMON_NAME, "dir name")])),
    ])])


def gen_nul_in_sans():
    # NUL bytes inside IA5String names, patched in after building.
    der = build(extensions=[SAN([
        x509.DNSName("good.example-evil.example"), x509.RFC822Name("a@b.example-evil"),
        x509.UniformResourceIdentifier("http://a.example-http://b")])])
    return (der.replace(b"good.example-evil", b"good.example\x00evil")
            .replace(b"a@b.example-evil", b"a@b.example\x00evil")
            .replace(b"a.example-http", b"a.example\x00http"))


def gen_empty_san():
    return build(extensions=[SAN([])])


def gen_two_san_extensions():
    second = x509.UnrecognizedExtension(
        PLACEHOLDER_OID, der_tlv(0x30, der_tlv(0x82, b"second.example")))
    return build(extensions=[SAN([x509.DNSName("first.example")]), second],
                 patches=[(b"\x06\x03\x55\x1d\x63", b"\x06\x03\x55\x1d\x11")])


def gen_duplicate(real_oid_der, placeholder, extension):
    """A certificate with `extension` twice: once as itself, once built under
    a placeholder OID of the same encoded length and patched afterwards."""
    def make():
        copy = x509.UnrecognizedExtension(placeholder, extension.public_bytes())
        return build(extensions=[extension, copy],
                     patches=[(_oid_der(placeholder), real_oid_der)])
    return make


def _oid_der(oid):
    arcs = [int(a) for a in oid.dotted_string.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.insert(0, 0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(chunk)
    return der_tlv(0x06, body)


AIA_ONE = x509.AuthorityInformationAccess([x509.AccessDescription(
    AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier("http://ocsp.example"))])
CRLDP_ONE = x509.CRLDistributionPoints([x509.DistributionPoint(
    [x509.UniformResourceIdentifier("http://crl.example")], None, None, None)])


def gen_raw_san(body):
    return lambda: build(extensions=[x509.UnrecognizedExtension(
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME, der_tlv(0x30, body))])


def gen_malformed(oid):
    def make():
        return build(extensions=[x509.UnrecognizedExtension(oid, b"\x30\x05junk")])
    return make


def gen_san_invalid_utf8():
    return build(extensions=[x509.UnrecognizedExtension(
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME, der_tlv(0x30, der_tlv(0x82, b"bad\xff.example")))])


def gen_aia_crl():
    AD = x509.AccessDescription
    URI = x509.UniformResourceIdentifier
    DP = x509.DistributionPoint
    return build(extensions=[
        x509.AuthorityInformationAccess([
            AD(AuthorityInformationAccessOID.OCSP, URI("http://ocsp1.example")),
            AD(AuthorityInformationAccessOID.OCSP, URI("http://ocsp2.example")),
            AD(AuthorityInformationAccessOID.OCSP, x509.DNSName("not-a-uri.example")),
            AD(AuthorityInformationAccessOID.CA_ISSUERS, URI("http://ca.example/ca.cer")),
            AD(AuthorityInformationAccessOID.CA_ISSUERS, URI("http://ca.example/ca.cer")),
            AD(ObjectIdentifier("1.3.6.1.5.5.7.48.5"), URI("http://ca-repository.example")),
        ]),
        x509.CRLDistributionPoints([
            DP([URI("http://crl1.example"), x509.DNSName("d.example"),
                URI("http://crl2.example")], None, None, None),
            DP([URI("http://crl1.example")], None, None, None),
            DP(None, x509.RelativeDistinguishedName(
                [x509.NameAttribute(NameOID.COMMON_NAME, "relative")]), None, None),
            DP(None, None, None, [x509.DirectoryName(cn("crl issuer"))]),
        ]),
    ])


def gen_only_ca_issuers():
    return build(extensions=[x509.AuthorityInformationAccess([x509.AccessDescription(
        AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier("http://c"))])])


def gen_aia_crl_without_uris():
    return build(extensions=[
        x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.DNSName("x.example"))]),
        x509.CRLDistributionPoints([x509.DistributionPoint(
            None, x509.RelativeDistinguishedName(
                [x509.NameAttribute(NameOID.COMMON_NAME, "rel")]), None, None)]),
    ])


def gen_names():
    A = x509.NameAttribute
    T = x509.name._ASN1Type
    RDN = x509.RelativeDistinguishedName
    return build(subject=x509.Name([
        RDN([A(NameOID.COMMON_NAME, "multi"), A(NameOID.ORGANIZATION_NAME, "valued")]),
        RDN([A(NameOID.EMAIL_ADDRESS, "e@example.org")]),
        RDN([A(ObjectIdentifier("1.2.3.4.5.6.7"), "unknown oid")]),
        RDN([A(NameOID.COMMON_NAME, "ünïcødé ☃ 𝄞")]),
        RDN([A(NameOID.COMMON_NAME, "bmp ☃", _type=T.BMPString)]),
        RDN([A(NameOID.COMMON_NAME, "universal 𝄞", _type=T.UniversalString)]),
        RDN([A(NameOID.COMMON_NAME, "teletex", _type=T.T61String)]),
        RDN([A(NameOID.COMMON_NAME, "nul\x00byte")]),
        RDN([A(NameOID.SERIAL_NUMBER, "123"), A(NameOID.DOMAIN_COMPONENT, "dc"),
             A(NameOID.USER_ID, "uid"), A(NameOID.BUSINESS_CATEGORY, "bc"),
             A(NameOID.JURISDICTION_COUNTRY_NAME, "DE"), A(NameOID.GIVEN_NAME, "g"),
             A(NameOID.SURNAME, "s"), A(NameOID.TITLE, "t"), A(NameOID.POSTAL_CODE, "1"),
             A(NameOID.STREET_ADDRESS, "st"), A(NameOID.PSEUDONYM, "p"),
             A(NameOID.ORGANIZATIONAL_UNIT_NAME, "ou"), A(NameOID.LOCALITY_NAME, "l"),
             A(NameOID.STATE_OR_PROVINCE_NAME, "sp"), A(NameOID.COUNTRY_NAME, "XY")]),
    ]), not_before=datetime.datetime(1950, 1, 1),
        not_after=datetime.datetime(2050, 2, 3, 4, 5, 6))


def gen_many_rdns():
    return build(subject=x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME,
                                                       f"unit {i}") for i in range(60)]))


def gen_long_oid():
    oid = ObjectIdentifier("1.2." + ".".join(["1234567"] * 20))
    return build(subject=x509.Name([x509.NameAttribute(oid, "long")]))


def gen_empty_subject():
    return build(subject=x509.Name([]))


def gen_serial(n):
    return lambda: build(serial=n)


def gen_invalid_utf8_name():
    return build(subject=cn("bad-utf8-name"), patches=[(b"bad-utf8", b"bad\xff\xfetf8")])


def gen_odd_bmp_name():
    # A BMPString with an odd number of bytes cannot be converted to text.
    return build(subject=cn("odd"), patches=[(b"\x0c\x03odd", b"\x1e\x03odd")])


def gen_bad_universal_string():
    # A UniversalString character beyond Unicode: caught when converting.
    return build(subject=x509.Name([x509.NameAttribute(
        NameOID.COMMON_NAME, "u\U0001d11e", _type=x509.name._ASN1Type.UniversalString)]),
        patches=[(b"\x00\x01\xd1\x1e", b"\x7f\xff\xff\xff")])


def gen_bad_time():
    return build(patches=[(b"200101000000Z", b"2001010000xxZ")])


def gen_generalized_time_fraction():
    return build(not_after=datetime.datetime(2051, 1, 1))


GENERATED = {
    "many_sans": gen_many_sans,
    "nul_in_sans": gen_nul_in_sans,
    "empty_san": gen_empty_san,
    "two_san_extensions": gen_two_san_extensions,
    "malformed_san": gen_malformed(ExtensionOID.SUBJECT_ALTERNATIVE_NAME),
    "malformed_aia": gen_malformed(ExtensionOID.AUTHORITY_INFORMATION_ACCESS),
    "malformed_crldp": gen_malformed(ExtensionOID.CRL_DISTRIBUTION_POINTS),
    "san_invalid_utf8": gen_san_invalid_utf8,
    "two_aia_extensions": gen_duplicate(_oid_der(ExtensionOID.AUTHORITY_INFORMATION_ACCESS),
                                        ObjectIdentifier("1.3.6.1.5.5.7.1.99"), AIA_ONE),
    "two_crldp_extensions": gen_duplicate(_oid_der(ExtensionOID.CRL_DISTRIBUTION_POINTS),
                                          PLACEHOLDER_OID, CRLDP_ONE),
    # ediPartyName [5] { partyName [1] UTF8String "party" }
    "san_edi_party": gen_raw_san(der_tlv(0xA5, der_tlv(0xA1, der_utf8("party")))),
    # x400Address [3], an (empty) ORAddress
    "san_x400": gen_raw_san(b"\xa3\x00"),
    "san_x400_and_dns": gen_raw_san(b"\xa3\x00" + der_tlv(0x82, b"x.example")),
    "aia_crl": gen_aia_crl,
    "only_ca_issuers": gen_only_ca_issuers,
    "aia_crl_without_uris": gen_aia_crl_without_uris,
    "names": gen_names,
    "many_rdns": gen_many_rdns,
    "long_oid": gen_long_oid,
    "empty_subject": gen_empty_subject,
    "serial_1": gen_serial(1),
    "serial_255": gen_serial(255),
    "serial_huge": gen_serial(2 ** 159 - 1),
    "invalid_utf8_name": gen_invalid_utf8_name,
    "odd_bmp_name": gen_odd_bmp_name,
    "bad_universal_string": gen_bad_universal_string,
    "bad_time": gen_bad_time,
    "generalized_time": gen_generalized_time_fraction,
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_certificates(tmp_path, name):
    assert_same_as_stdlib(write_pem(tmp_path, GENERATED[name]()))


def test_many_sans_content(tmp_path):
    """The IPv6 text form is the stdlib's: uppercase, 8 groups, no '::'."""
    d = sslx._sslx._test_decode_cert(write_pem(tmp_path, gen_many_sans()))
    ips = [v for k, v in d["subjectAltName"] if k == "IP Address"]
    std = stdlib_ssl_c._test_decode_cert(write_pem(tmp_path, gen_many_sans(), "again.pem"))
    assert ips == [v for k, v in std["subjectAltName"] if k == "IP Address"]
    assert "2001:DB8:0:0:0:0:0:1" in ips


def test_der_of_decoded_cert_unchanged(tmp_path, cpython_certdata):
    """PEM_cert_to_DER_cert/DER_cert_to_PEM_cert round-trip a real file."""
    with open(os.path.join(cpython_certdata, "keycert.pem")) as f:
        text = f.read()
    pem = text[text.index("-----BEGIN CERTIFICATE-----"):]
    der = sslx.PEM_cert_to_DER_cert(pem)
    p = write_pem(tmp_path, der)
    assert sslx._sslx._test_decode_cert(p) == stdlib_ssl_c._test_decode_cert(
        os.path.join(cpython_certdata, "keycert.pem"))


def test_trustme_certificates(certs):
    """Certificates as trustme issues them (IDN A-label, IPv4/IPv6, email)."""
    for path in (certs.cafile, certs.server_chainfile, certs.client_certfile):
        assert_same_as_stdlib(path)


@pytest.mark.parametrize("serial_bytes", [20, 35, 36, 40, 80])
def test_serial_longer_than_rfc5280_allows(tmp_path, serial_bytes):
    # Red-team finding 16: OpenSSL breaks the hex text of a serial every
    # 35 bytes and the stdlib keeps only the first line; sslx reports the
    # same.  (cryptography refuses serials over 20 bytes, so the openssl
    # command makes these.)
    serial = "7" + "ab" * serial_bytes
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    proc = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-subj", "/CN=serial",
         "-days", "3650", "-set_serial", "0x" + serial], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert_same_as_stdlib(str(cert))
    number = sslx._sslx._test_decode_cert(str(cert))["serialNumber"]
    assert number.startswith("07ABAB")
    assert (number.endswith("\\\n")) == (serial_bytes >= 35)


# A certificate whose subject has an x500UniqueIdentifier (a BIT STRING
# attribute): fuzz/c/crashes/decode_cert/bit-string-name-attribute.der.
BIT_STRING_NAME_CERT = (
    "MIHmMIGZoAMCAQICAQcwBQYDK2VwMBwxDDAKBgNVBAMMA3VpZDEMMAoGA1UELQMDAAECMCAX"
    "DTIwMDEwMTAwMDAwMFoYDzk5OTkwMTAxMDAwMDAwWjAcMQwwCgYDVQQDDAN1aWQxDDAKBgNV"
    "BC0DAwABAjAqMAUGAytlcAMhAO+3RvERN3PR2+pbbJznQL4KBa9/assayVfHk8sB9OSfMAUG"
    "AytlcANBAFmEn9P+ALrjJr1CKktr0G0tCjBMh35avmC6JQHCtjVZbBVc5Vbz1JJSqvpAvWrZ"
    "6mZ+0SNK8uNEa0nYitg9fQ8="
)


def test_bit_string_name_attribute_is_bytes_like_stdlib(tmp_path):
    """A name attribute whose value is a BIT STRING (x500UniqueIdentifier)
    decodes to its bytes, as in the stdlib (found by fuzz/c decode_cert:
    sslx used to fail the whole certificate)."""
    import base64
    import ssl as stdlib_ssl
    import sslx
    der = base64.b64decode(BIT_STRING_NAME_CERT)
    path = tmp_path / "cert.pem"
    path.write_text(stdlib_ssl.DER_cert_to_PEM_cert(der))
    ours = sslx._sslx._test_decode_cert(str(path))
    assert ours == stdlib_ssl._ssl._test_decode_cert(str(path))
    assert (("x500UniqueIdentifier", b"\x01\x02"),) in ours["subject"]
