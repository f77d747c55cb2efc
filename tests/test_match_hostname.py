"""match_hostname() and _inet_paton() against the stdlib.

The stdlib dropped match_hostname in 3.12; there the cases whose outcome
test_ssl itself states (OK/FAIL below, taken from test_ssl's
test_match_hostname) still run, the message comparisons cannot."""
import ssl
import warnings

import pytest

import sslx

HAS_STDLIB = hasattr(ssl, "match_hostname")
needs_stdlib = pytest.mark.skipif(not HAS_STDLIB,
                                  reason="this Python's ssl has no match_hostname to compare with")

OK, FAIL = "ok", "fail"


def subj(*cns):
    return {"subject": tuple(((("commonName", c),)) for c in cns)}


def sans(*entries, cn=None):
    cert = {"subjectAltName": tuple(entries)}
    if cn is not None:
        cert["subject"] = ((("commonName", cn),),)
    return cert


IDNA = "püthon.python.org".encode("idna").decode("ascii")
IDNA_WWW = "www*.pythön.org".encode("idna").decode("ascii")
GOOGLE = {"subject": ((("countryName", "US"),), (("stateOrProvinceName", "California"),),
                      (("localityName", "Mountain View"),), (("organizationName", "Google Inc"),),
                      (("commonName", "mail.google.com"),))}
LINUXFR = {"subject": ((("commonName", "linuxfrz.org"),),),
           "subjectAltName": (("DNS", "linuxfr.org"), ("DNS", "linuxfr.com"),
                              ("othername", "<unsupported>"))}
IPV4 = sans(("DNS", "example.com"), ("IP Address", "10.11.12.13"),
            ("IP Address", "14.15.16.17"), ("IP Address", "127.0.0.1"), cn="example.com")
IPV6 = sans(("DNS", "example.com"), ("IP Address", "2001:0:0:0:0:0:0:CAFE\n"),
            ("IP Address", "2003:0:0:0:0:0:0:BABA\n"), cn="example.com")
NO_NAMES = {"subject": ((("countryName", "US"),), (("organizationName", "Google Inc"),))}
OTHER_ONLY_CN = {"subject": ((("commonName", "mail.google.com"),),),
                 "subjectAltName": (("othername", "blabla"),)}
OTHER_ONLY = {"subject": ((("organizationName", "Google Inc"),),),
              "subjectAltName": (("othername", "blabla"),)}

# (cert, hostname, outcome stated by test_ssl)
TEST_SSL_CASES = [
    (subj("example.com"), "example.com", OK), (subj("example.com"), "ExAmple.cOm", OK),
    (subj("example.com"), "www.example.com", FAIL), (subj("example.com"), ".example.com", FAIL),
    (subj("example.com"), "example.org", FAIL), (subj("example.com"), "exampleXcom", FAIL),
    (subj("*.a.com"), "foo.a.com", OK), (subj("*.a.com"), "bar.foo.a.com", FAIL),
    (subj("*.a.com"), "a.com", FAIL), (subj("*.a.com"), "Xa.com", FAIL),
    (subj("*.a.com"), ".a.com", FAIL),
    (subj("f*.com"), "foo.com", FAIL), (subj("f*.com"), "f.com", FAIL),
    (subj("f*.com"), "bar.com", FAIL), (subj("f*.com"), "foo.a.com", FAIL),
    (subj("f*.com"), "bar.foo.com", FAIL),
    (subj("null.python.org\x00example.org"), "null.python.org\x00example.org", OK),
    (subj("null.python.org\x00example.org"), "example.org", FAIL),
    (subj("null.python.org\x00example.org"), "null.python.org", FAIL),
    (subj("*.*.a.com"), "bar.foo.a.com", FAIL), (subj("*.*.a.com"), "a.com", FAIL),
    (subj("*.*.a.com"), "Xa.com", FAIL), (subj("*.*.a.com"), ".a.com", FAIL),
    (subj("a.*.com"), "a.foo.com", FAIL), (subj("a.*.com"), "a..com", FAIL),
    (subj("a.*.com"), "a.com", FAIL),
    (subj(IDNA), IDNA, OK), (subj("x*.python.org"), IDNA, FAIL),
    (subj("xn--p*.python.org"), IDNA, FAIL),
    (subj(IDNA_WWW), "www.pythön.org".encode("idna").decode("ascii"), FAIL),
    (subj(IDNA_WWW), "www1.pythön.org".encode("idna").decode("ascii"), FAIL),
    (subj(IDNA_WWW), "ftp.pythön.org".encode("idna").decode("ascii"), FAIL),
    (subj(IDNA_WWW), "pythön.org".encode("idna").decode("ascii"), FAIL),
    (LINUXFR, "linuxfr.org", OK), (LINUXFR, "linuxfr.com", OK),
    (LINUXFR, "<unsupported>", FAIL), (LINUXFR, "linuxfrz.org", FAIL),
    (GOOGLE, "mail.google.com", OK), (GOOGLE, "gmail.com", FAIL), (GOOGLE, "California", FAIL),
    (IPV4, "10.11.12.13", OK), (IPV4, "14.15.16.17", OK), (IPV4, "127.1", FAIL),
    (IPV4, "14.15.16.17 ", FAIL), (IPV4, "14.15.16.17 extra data", FAIL),
    (IPV4, "14.15.16.18", FAIL), (IPV4, "example.net", FAIL),
    (IPV6, "2001::cafe", OK), (IPV6, "2003::baba", OK), (IPV6, "2003::baba ", FAIL),
    (IPV6, "2003::baba extra data", FAIL), (IPV6, "2003::bebe", FAIL),
    (IPV6, "example.net", FAIL),
    (NO_NAMES, "mail.google.com", FAIL), (OTHER_ONLY_CN, "mail.google.com", OK),
    (OTHER_ONLY, "google.com", FAIL),
    (subj("a*b.example.com"), "axxb.example.com", FAIL),
    (subj("www.*.example.com"), "www.sub.example.com", FAIL),
    (subj("a*b*.example.com"), "axxbxxc.example.com", FAIL),
    (subj("*"), "host", FAIL), (subj("*.com"), "com", FAIL),
]

# More cases, compared with the stdlib only.
EXTRA_CASES = [
    (subj("10.0.0.1"), "10.0.0.1"),                      # CN is matched as a name
    (sans(("IP Address", "junk")), "example.com"),
    (sans(("IP Address", "1.2.3.4"), ("DNS", "a.com"), ("DNS", "b.com")), "example.com"),
    (sans(("DNS", "a*.com"), ("DNS", "example.com")), "example.com"),   # raises first
    (sans(("DNS", "example.com"), ("DNS", "a*.com")), "example.com"),   # matches first
    (sans(("DNS", "a*.com")), "1.2.3.4"),                # DNS names not tried for an IP
    (sans(("DNS", "*.*.com")), "x.com"), (sans(("DNS", "*")), "x.com"),
    (sans(("DNS", "a*")), "x.com"),
    (sans(("DNS", "a.*.com")), "x.com"), (sans(("DNS", "")), ""),
    (sans(("DNS", "*.com")), ".com"), (sans(("DNS", "*.com")), "a.com"),
    (sans(("DNS", "*.com")), "A.COM"), (sans(("DNS", "*.COM")), "a.b.com"),
    (sans(("DNS", "İ.com")), "i̇.com"), (sans(("DNS", "ÉXAMPLE.org")), "éxample.ORG"),
    (sans(("DNS", "example.com")), "example.com."),
    (sans(("IP Address", "1.2.3.4")), "1.2.3.4"), (sans(("IP Address", "1.2.3.4 \n")), "1.2.3.4"),
    (sans(("IP Address", "::1")), "0:0:0:0:0:0:0:1"),
    (sans(("IP Address", "::ffff:1.2.3.4")), "1.2.3.4"),
    (sans(("IP Address", "1.2.3.4")), "01.2.3.4"),
    (sans(("IP Address", "1.2.3.4")), "a\x00b"), (sans(("IP Address", "1.2.3.4")), "\udc80"),
    (sans(("IP Address", "1.2.3.4"), cn="1.2.3.4"), "1.2.3.4x"),
    (sans(("email", "a@b")), "x"),
    ({"subjectAltName": (("email", "a@b"),),
      "subject": ((("commonName", "a.com"), ("commonName", "b.com")),)}, "x"),
    (sans(cn="a.com"), "x"), ({"subject": ()}, "x"), ({"x": 1}, "x"),
    (subj("xn--p*.python.org"), "xn--pthon-kva.python.org"),
    (subj("*.xn--pthon-kva.org"), "www.xn--pthon-kva.org"),
    (subj("*.example.com"), ".example.com"), (subj("*..com"), "a..com"),
    (subj("*."), "a."), (subj("*."), "a"), (subj("a.com", "b.com", "c.com"), "d.com"),
    (subj("a.com", "*.b.com"), "x.b.com"),
    (sans(("DNS", "x'y\"z.com")), "q.com"),
]

# Errors that are not CertificateError.
ERROR_CASES = [
    ({}, "x"), (None, "x"), ([], "x"), ((), "x"),
    (sans(("IP Address", "junk")), "1.2.3.4"),          # a bad certificate address
    (sans(("IP Address", " 1.2.3.4")), "1.2.3.4"),
    (sans(("IP Address", "01.2.3.4")), "1.2.3.4"),
    (sans(("DNS", "a.com", "x")), "x"), (sans(("DNS",)), "x"),
    ({"subjectAltName": None}, "x"), ({"subject": None, "subjectAltName": ()}, "x"),
    ({"subject": (("commonName", "a.com"),)}, "a.com"),
    (subj("example.com"), b"example.com"), (subj("example.com"), 5),
    ({"subjectAltName": (5,)}, "x"),
]


def outcome(module, cert, hostname):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            module.match_hostname(cert, hostname)
        except Exception as exc:  # compared, not swallowed
            return type(exc), str(exc)
    return None


def _id(case):
    return repr(case)[:60]


@pytest.mark.parametrize("cert,hostname,expected", TEST_SSL_CASES, ids=_id)
def test_test_ssl_table(cert, hostname, expected):
    result = outcome(sslx, cert, hostname)
    if expected == OK:
        assert result is None
    else:
        assert result is not None and result[0] is sslx.CertificateError


@needs_stdlib
@pytest.mark.parametrize("cert,hostname",
                         [c[:2] for c in TEST_SSL_CASES] + EXTRA_CASES + ERROR_CASES, ids=_id)
def test_same_as_stdlib(cert, hostname):
    assert outcome(sslx, cert, hostname) == outcome(ssl, cert, hostname)


def call_quietly(module, cert, hostname):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return module.match_hostname(cert, hostname)


@pytest.mark.parametrize("cert,hostname", [(subj(5), "a.com"), (subj(b"x"), "a.com"),
                                           (sans(("IP Address", 5)), "1.2.3.4")], ids=_id)
def test_non_str_names(cert, hostname):
    # The stdlib fails here on whichever str method the non-str value lacks
    # (AttributeError or TypeError); sslx always says TypeError.
    with pytest.raises(TypeError):
        call_quietly(sslx, cert, hostname)
    if HAS_STDLIB:
        with pytest.raises((TypeError, AttributeError)):
            call_quietly(ssl, cert, hostname)


def test_certificate_error_is_the_stdlib_class():
    assert sslx.CertificateError is ssl.SSLCertVerificationError
    with pytest.raises(ssl.SSLCertVerificationError) as info:
        call_quietly(sslx, subj("a.com"), "b.com")
    assert info.value.args == ("hostname 'b.com' doesn't match 'a.com'",)
    if HAS_STDLIB:
        with pytest.raises(ssl.SSLCertVerificationError) as std_info:
            call_quietly(ssl, subj("a.com"), "b.com")
        assert info.value.args == std_info.value.args


@pytest.mark.parametrize("module", [sslx] + ([ssl] if HAS_STDLIB else []),
                         ids=lambda m: m.__name__)
def test_deprecation_warning(module):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.match_hostname(subj("a.com"), "a.com")
    assert [(w.category, str(w.message)) for w in caught] == [
        (DeprecationWarning, "ssl.match_hostname() is deprecated")]
    assert caught[0].filename == __file__   # attributed to the caller


@needs_stdlib
def test_warning_as_error_like_stdlib():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for module in (sslx, ssl):
            with pytest.raises(DeprecationWarning):
                module.match_hostname(subj("a.com"), "a.com")


def test_keyword_arguments():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert sslx.match_hostname(cert=subj("a.com"), hostname="a.com") is None
        with pytest.raises(sslx.CertificateError, match="'b.com'"):
            sslx.match_hostname(cert=subj("a.com"), hostname="b.com")


# ---- _inet_paton -------------------------------------------------------------

INET_CASES = ["127.0.0.1", "192.168.0.1", "::1", "2001:db8:85a3::8a2e:370:7334", "1", "",
              "1.2.3", "256.0.0.1", "127.0.0.1/24", "127.1", "01.2.3.4", "1.2.3.4 ",
              " 1.2.3.4", "0x7f.0.0.1", "::ffff:1.2.3.4", "2001::CAFE", "::", "1::2::3",
              "fe80::1%eth0", "é", "a\x00b", "\udc80", "1.2.3.4\n", b"1.2.3.4", 5, None]


def paton_outcome(func, arg):
    try:
        return func(arg)
    except Exception as exc:  # compared, not swallowed
        return type(exc), str(exc)


@pytest.mark.parametrize("arg", INET_CASES, ids=repr)
def test_inet_paton(arg):
    if not hasattr(ssl, "_inet_paton"):
        pytest.skip("this Python's ssl has no _inet_paton to compare with")
    assert paton_outcome(sslx._inet_paton, arg) == paton_outcome(ssl._inet_paton, arg)


def test_inet_paton_values():
    import socket
    assert sslx._inet_paton("127.0.0.1") == socket.inet_aton("127.0.0.1")
    assert sslx._inet_paton("2001:db8::1") == socket.inet_pton(socket.AF_INET6, "2001:db8::1")
    for bad in ["1", "", "1.2.3", "256.0.0.1", "127.0.0.1/24"]:
        with pytest.raises(ValueError):
            sslx._inet_paton(bad)
