"""Module-level functions against the stdlib ssl on the same inputs:
RAND_*, cert_time_to_seconds, DER/PEM conversion, get_default_verify_paths,
nid2obj/txt2obj, _ASN1Object and Purpose."""
import array
import os
import random
import ssl
import warnings

import pytest

import sslx

stdlib_c = pytest.importorskip("_ssl")


def outcome(func, *args, **kwargs):
    """('ok', result) or (exception type, message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return "ok", func(*args, **kwargs)
        except Exception as exc:  # compared, not swallowed
            return type(exc), str(exc)


def error_of(func, *args, **kwargs):
    result = outcome(func, *args, **kwargs)
    return result if result[0] != "ok" else None


# ---- RAND_* ---------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 5, 16, 1000, True])
def test_rand_bytes(n):
    data = sslx.RAND_bytes(n)
    assert type(data) is bytes and len(data) == len(ssl.RAND_bytes(n)) == int(n)


def test_rand_bytes_are_random():
    assert sslx.RAND_bytes(32) != sslx.RAND_bytes(32)


@pytest.mark.parametrize("n", [-1, -5, 2 ** 31, 2 ** 63, -2 ** 40, 1.5, "3", None, b"1"],
                         ids=repr)
def test_rand_bytes_errors(n):
    assert error_of(sslx.RAND_bytes, n) == error_of(ssl.RAND_bytes, n)
    assert error_of(sslx.RAND_bytes, n) is not None


def test_rand_bytes_arity():
    for args in [(), (1, 2)]:
        assert type(error_of(sslx.RAND_bytes, *args)[0]) is type(error_of(ssl.RAND_bytes, *args)[0])
    assert error_of(sslx.RAND_bytes, n=1)[0] is TypeError


# The stdlib dropped RAND_pseudo_bytes in 3.12; sslx keeps it (3.10 API).
HAS_PSEUDO = hasattr(ssl, "RAND_pseudo_bytes")


@pytest.mark.parametrize("n", [0, 1, 16])
def test_rand_pseudo_bytes(n):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data, strong = sslx.RAND_pseudo_bytes(n)
    assert type(data) is bytes and len(data) == n and strong is True
    assert [(w.category, str(w.message)) for w in caught] == [
        (DeprecationWarning, "ssl.RAND_pseudo_bytes() is deprecated")]
    assert caught[0].filename == __file__
    if HAS_PSEUDO:
        with warnings.catch_warnings(record=True) as std_caught:
            warnings.simplefilter("always")
            std_data, std_strong = ssl.RAND_pseudo_bytes(n)
        assert len(std_data) == n and std_strong is strong
        assert [str(w.message) for w in std_caught] == [str(w.message) for w in caught]


@pytest.mark.parametrize("n", [-1, 2 ** 31, 1.5, None], ids=repr)
def test_rand_pseudo_bytes_errors(n):
    # Same errors as RAND_bytes (and as the stdlib's RAND_pseudo_bytes).
    assert error_of(sslx.RAND_pseudo_bytes, n) == error_of(ssl.RAND_bytes, n)
    if HAS_PSEUDO:
        assert error_of(sslx.RAND_pseudo_bytes, n) == error_of(ssl.RAND_pseudo_bytes, n)


def test_rand_pseudo_bytes_warning_as_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(DeprecationWarning):
            sslx.RAND_pseudo_bytes(4)


def test_rand_status():
    assert sslx.RAND_status() is ssl.RAND_status()
    assert error_of(sslx.RAND_status, 1)[0] is error_of(ssl.RAND_status, 1)[0] is TypeError


@pytest.mark.parametrize("args", [
    (b"abc", 1.0), ("abc", 1.0), ("é☃", 0.5), (bytearray(b"x"), 1), (memoryview(b"xy"), 2),
    (array.array("i", [1, 2]), 1.0), (b"", 0.0), (b"x", -1.0), (b"x", 1e300), (b"x", True),
    (b"x", "a"), (1, 1.0), (None, 1.0), ("\udc80", 1.0), (b"x",), (), (b"x", 1.0, 2),
    (memoryview(b"abcdef")[::2], 1.0),
], ids=repr)
def test_rand_add(args):
    assert outcome(sslx.RAND_add, *args) == outcome(ssl.RAND_add, *args)


def test_rand_add_keywords_rejected():
    assert error_of(sslx.RAND_add, b"x", entropy=1.0)[0] is TypeError


# ---- cert_time_to_seconds ----------------------------------------------------------

CERT_TIMES = [
    "Jan  5 09:34:43 2018 GMT", "Jan 5 09:34:43 2018 GMT", "Jan 05 09:34:43 2018 GMT",
    "jan  5 09:34:43 2018 GMT", "JAN  5 09:34:43 2018 GMT", "JaN  5 09:34:43 2018 GmT",
    "January  5 09:34:43 2018 GMT", "Jan  5 09:34:43 2018 UTC", "Jan  5 09:34:43 2018",
    "Jan  5 09:34 2018 GMT", "Jan 35 09:34:43 2018 GMT", "Jon  5 09:34:43 2018 GMT",
    "Jan  5 24:00:00 2018 GMT", "Jan  5 09:60:43 2018 GMT", "Dec 31 23:59:60 2008 GMT",
    "Jan  1 00:00:00 2009 GMT", "Jan  5 09:34:59 2018 GMT", "Jan  5 09:34:60 2018 GMT",
    "Jan  5 09:34:61 2018 GMT", "Jan  5 09:34:62 2018 GMT", "Dec 31 23:59:59 9999 GMT",
    "Feb 29 00:00:00 2019 GMT", "Feb 29 00:00:00 2020 GMT", "Feb 31 23:59:61 2000 GMT",
    "Jan  5 9:4:3 2018 GMT", "Jan  1 0:0:0 2000 GMT", "Jan  5 09:34:43 18 GMT",
    " Jan  5 09:34:43 2018 GMT", "Jan  5 09:34:43 2018 GMT ", "Jan  5 09:34:43 2018  GMT",
    "Jan  5 09:34:43.5 2018 GMT", "Jan  1 00:00:00 1 GMT", "Jan  1 00:00:00 0001 GMT",
    "Jan  1 00:00:00 0000 GMT", "Jan  1 00:00:00 1900 GMT", "Jan  1 00:00:00 1969 GMT",
    "Jan  1 00:00:00 10000 GMT", "Jan 32 00:00:00 2000 GMT", "Jan  0 00:00:00 2000 GMT",
    "Jan 00 00:00:00 2000 GMT", "Jan 30 00:00:00 2000 GMT", "Jan 31 00:00:00 2000 GMT",
    "Jan  1 23:00:00 2000 GMT", "Jan  1 19:00:00 2000 GMT", "Jan  1 00:59:00 2000 GMT",
    "Jan  1 00:00:00 2000 gmt", "Jan\t1 00:00:00 2000 GMT", "", "Jan",
    "Jan  1 00:00:00 2000 GMT\0", "Jän  1 00:00:00 2000 GMT", "ſep  1 00:00:00 2000 GMT",
    "Jan  +1 00:00:00 2000 GMT", "Jan  1 00:00:00 +2000 GMT", "Jan  1 00:00:00 02000 GMT",
    "Jan 001 00:00:00 2000 GMT", "Jan  1 00:00:00 2000 GMT  ",
    "Jan  1  00:00:00  2000  GMT", "Jan1 00:00:00 2000 GMT", "Jan  1 00:00:00 2000GMT",
    "Jan  1 000:00:00 2000 GMT", "Jan \u2003١ 0٢:00:00 ٢٠٠٠ GMT", "Jan 1٢ 00:00:00 2000 GMT",
    "Jan 3١ 00:00:00 2000 GMT", "Jan 0١ 00:00:00 2000 GMT", "Jan  1 0٢:0٣:0٤ ٢٠٠٠ GMT",
    "Jan  1 2٢:00:00 2000 GMT", "Jan  1 00:00:6١ 2000 GMT", "Jan  1 ٢:٣:٤ 2000 GMT",
    "Jan  1 00:00:00 2000 GMT\n", "Jan  1 00:00:00 2000 GMTx", "Jan  1 00:00:00 2000 \x1cGMT",
    "Jan  1 00:00:00 2000 GMT\udc80", "Jan\xa0 1 00:00:00 2000\x85GMT", "Jan  1 00:00:00 2000 GMT",
    "Mar  1 00:00:00 2000 GMT", "Dec 31 23:59:59 1999 GMT", "Feb 28 12:00:00 1600 GMT",
    "Jan  1 00:00:00 2000 GM", "Jan  1 00:00:00 2000 ",
] + [f"{m}  9 12:34:56 2024 GMT" for m in
     "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()]


@pytest.mark.parametrize("text", CERT_TIMES, ids=repr)
def test_cert_time_to_seconds(text):
    assert outcome(sslx.cert_time_to_seconds, text) == outcome(ssl.cert_time_to_seconds, text)


@pytest.mark.parametrize("arg", [b"Jan  5 09:34:43 2018 GMT", bytearray(b"Jan")], ids=repr)
def test_cert_time_bytes(arg):
    assert outcome(sslx.cert_time_to_seconds, arg) == outcome(ssl.cert_time_to_seconds, arg)


@pytest.mark.parametrize("arg", [5, None, 1.5])
def test_cert_time_not_text(arg):
    # The stdlib fails on slicing a non-sequence; both are TypeErrors.
    assert error_of(sslx.cert_time_to_seconds, arg)[0] is TypeError
    assert error_of(ssl.cert_time_to_seconds, arg)[0] is TypeError


def test_cert_time_keyword_and_result_type():
    value = sslx.cert_time_to_seconds(cert_time="Jan  5 09:34:43 2018 GMT")
    assert type(value) is type(ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT"))
    assert value == ssl.cert_time_to_seconds(cert_time="Jan  5 09:34:43 2018 GMT")


def test_cert_time_random_fields():
    """Random field values and separators, valid and not."""
    rng = random.Random(1234)
    digits = ["0", "1", "2", "3", "5", "6", "9", "٢", "٠", "00", "01", "09", "10", "19", "23",
              "24", "29", "30", "31", "32", "59", "60", "61", "62", "99", "1٢", "3١"]
    spaces = [" ", "  ", "\t", "\u2003", ""]
    months = ["Jan", "feb", "DEC", "Xyz", "ſep"]
    for _ in range(3000):
        year = rng.choice(["2000", "1970", "0000", "9999", "٢٠٠٠", "200", "20000", "1600"])
        text = (rng.choice(months) + rng.choice(spaces) + rng.choice(digits) + rng.choice(spaces)
                + rng.choice(digits) + ":" + rng.choice(digits) + ":" + rng.choice(digits)
                + rng.choice(spaces) + year + rng.choice(spaces) + rng.choice(["GMT", "gmt", "GMTZ"]))
        assert outcome(sslx.cert_time_to_seconds, text) == \
            outcome(ssl.cert_time_to_seconds, text), text


def test_cert_time_independent_of_timezone(monkeypatch):
    import time
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert sslx.cert_time_to_seconds("May  9 00:00:00 2007 GMT") == \
            ssl.cert_time_to_seconds("May  9 00:00:00 2007 GMT")
    finally:
        monkeypatch.undo()
        time.tzset()


# ---- DER <-> PEM ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_pem(cpython_certdata):
    with open(os.path.join(cpython_certdata, "keycert.pem")) as f:
        text = f.read()
    return text[text.index("-----BEGIN CERTIFICATE-----"):]


def test_der_pem_round_trip(real_pem):
    der = sslx.PEM_cert_to_DER_cert(real_pem)
    assert der == ssl.PEM_cert_to_DER_cert(real_pem)
    pem = sslx.DER_cert_to_PEM_cert(der)
    assert pem == ssl.DER_cert_to_PEM_cert(der)
    assert sslx.PEM_cert_to_DER_cert(pem) == der


@pytest.mark.parametrize("data", [b"", b"x", b"xy", b"xyz", b"x" * 47, b"x" * 48, b"x" * 49,
                                  bytes(range(256)) * 3, bytearray(b"xy"), memoryview(b"xyz"),
                                  array.array("B", b"abcd")], ids=lambda d: repr(d)[:30])
def test_der_to_pem(data):
    assert sslx.DER_cert_to_PEM_cert(data) == ssl.DER_cert_to_PEM_cert(data)


@pytest.mark.parametrize("arg", ["xy", 5, None], ids=repr)
def test_der_to_pem_errors(arg):
    assert outcome(sslx.DER_cert_to_PEM_cert, arg) == outcome(ssl.DER_cert_to_PEM_cert, arg)


def test_der_to_pem_keyword():
    assert sslx.DER_cert_to_PEM_cert(der_cert_bytes=b"abc") == ssl.DER_cert_to_PEM_cert(b"abc")


H, F = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
PEM_CASES = [
    "", "x", H, F, H + F, H + "\n" + F, "  " + H + "\nQUJD\n" + F + "\n\n",
    H + "\nQUJD\n" + F, H + "\nQUJ\n" + F, H + "\nQU JD\n" + F, H + "\nQU*JD\n" + F,
    H + "QUJD" + F, H + "\nQUJD===\n" + F, H + "\nQUJDé\n" + F, H + "\nQUJD\n" + F + "\t",
    H + "\nQUJD\n" + F + " \n\n", "-----BEGIN CERTIFICATE----\nQUJD\n" + F,
    H + "\nQUJD\n" + F + "\r\n\x0b\x0c\x1c", H + "\nQUJD\n" + F + "\xa0",
    "x" + F, H + "\nQUJD\n" + F + "\n" + F, H + "-----END CERTIFICATE-----",
    "-----BEGIN CERTIFICATE-----END CERTIFICATE-----",
    H + "\nQUJD\n" + F + "\n\n" + H + "\nQUJD\n" + F + "\n", H + "\nQ\x00UJD\n" + F,
    H + "\nQUJDRA\n" + F, H + "\nQUJDR\n" + F, H + "\nQUJDRA==QUJD\n" + F,
    H + "\nQUJDR=A=\n" + F, H + "\nQUJDRA=B=\n" + F, H + "\nQU=JD\n" + F,
    H + "\nQUJ=D\n" + F, H + "\nQQ==\n" + F, H + "\nQQ=\n" + F, H + "\nQ=\n" + F,
    H + "\nQUJDRUJDR===QUJD\n" + F, H + "\n=QUJD\n" + F, H + "\r\nQUJD\r\n" + F + "\r\n",
    H.lower() + "\nQUJD\n" + F, H + "\n\udc80\n" + F,
]


@pytest.mark.parametrize("text", PEM_CASES, ids=lambda t: repr(t)[:50])
def test_pem_to_der(text):
    assert outcome(sslx.PEM_cert_to_DER_cert, text) == outcome(ssl.PEM_cert_to_DER_cert, text)


def test_pem_to_der_messages():
    assert error_of(sslx.PEM_cert_to_DER_cert, "x") == (
        ValueError, "Invalid PEM encoding; must start with -----BEGIN CERTIFICATE-----")
    assert error_of(sslx.PEM_cert_to_DER_cert, H + "x") == (
        ValueError, "Invalid PEM encoding; must end with -----END CERTIFICATE-----")
    assert error_of(sslx.PEM_cert_to_DER_cert, H + "x") == error_of(ssl.PEM_cert_to_DER_cert,
                                                                     H + "x")


def test_pem_to_der_random_bodies():
    """Lenient base64: junk, '=' anywhere, every length, vs the stdlib."""
    rng = random.Random(99)
    alphabet = "QUJDRAz09+/=\n *-é"
    for _ in range(4000):
        body = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14)))
        text = H + body + F
        assert outcome(sslx.PEM_cert_to_DER_cert, text) == \
            outcome(ssl.PEM_cert_to_DER_cert, text), repr(text)


def test_pem_to_der_bytes_is_type_error():
    assert error_of(sslx.PEM_cert_to_DER_cert, (H + F).encode())[0] is TypeError
    assert error_of(ssl.PEM_cert_to_DER_cert, (H + F).encode())[0] is TypeError


def test_pem_to_der_keyword():
    assert sslx.PEM_cert_to_DER_cert(pem_cert_string=H + "QUJD" + F) == b"ABC"


# ---- get_default_verify_paths -----------------------------------------------------------

def test_default_verify_paths_type():
    paths = sslx.get_default_verify_paths()
    assert isinstance(paths, sslx.DefaultVerifyPaths)
    assert sslx.DefaultVerifyPaths is sslx._sslx.DefaultVerifyPaths
    assert sslx.DefaultVerifyPaths._fields == ssl.DefaultVerifyPaths._fields
    assert sslx.DefaultVerifyPaths.__module__ == "sslx"


@pytest.mark.parametrize("file_env,dir_env", [
    (None, None), ("CERTFILE", "CERTDIR"), ("/nonexistent/file.pem", "/nonexistent/dir"),
    ("", ""), ("CERTDIR", "CERTFILE"), ("relative-missing.pem", "."),
])
def test_default_verify_paths(monkeypatch, tmp_path, file_env, dir_env):
    certfile = tmp_path / "ca.pem"
    certfile.write_text("x")
    real = {"CERTFILE": str(certfile), "CERTDIR": str(tmp_path)}
    for name, value in (("SSL_CERT_FILE", file_env), ("SSL_CERT_DIR", dir_env)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, real.get(value, value))
    assert tuple(sslx.get_default_verify_paths()) == tuple(ssl.get_default_verify_paths())


def test_default_verify_paths_takes_no_arguments():
    assert error_of(sslx.get_default_verify_paths, 1)[0] is TypeError


# ---- nid2obj / txt2obj, _ASN1Object, Purpose -----------------------------------------

def test_nid2obj_all_known():
    for nid in range(0, 1400):
        assert outcome(sslx._sslx.nid2obj, nid) == outcome(stdlib_c.nid2obj, nid), nid


@pytest.mark.parametrize("nid", [-1, -2 ** 31, 100000, 2 ** 31, 2 ** 40, 1.5, "1", None, True],
                         ids=repr)
def test_nid2obj_errors(nid):
    assert outcome(sslx._sslx.nid2obj, nid) == outcome(stdlib_c.nid2obj, nid)


TXT = ["1.3.6.1.5.5.7.3.1", "serverAuth", "TLS Web Server Authentication", "CN", "commonName",
       "2.5.4.3", "1.2.3.4.5", "1.2", "1", "", "x", "serverauth", "1.3.6.1.5.5.7.3.1 ",
       " 1.3.6.1.5.5.7.3.1", "é", "a\x00b", "1.3.6.1.5.5.7.3.1.99999999999999999999",
       "2.999", "1.2.840.113549", "undefined", "UNDEF", "rsaEncryption", "\udc80",
       "1.3.6.1.5.5.7.3.2", "clientAuth", "1..2", "1.2.", "2.5.4.3x", "x" * 300]


@pytest.mark.parametrize("name", [False, True])
@pytest.mark.parametrize("txt", TXT, ids=lambda t: repr(t)[:30])
def test_txt2obj(txt, name):
    assert outcome(sslx._sslx.txt2obj, txt, name=name) == \
        outcome(stdlib_c.txt2obj, txt, name=name)


@pytest.mark.parametrize("args,kwargs", [
    ((b"CN",), {}), ((5,), {}), ((None,), {}), (("CN", True), {}), ((), {"txt": "CN"}),
    (("CN",), {"name": 0}), (("CN",), {"name": "x"}), (("CN",), {"name": None}), ((), {}),
    (("CN", True, 1), {}),
], ids=repr)
def test_txt2obj_arguments(args, kwargs):
    got, expected = outcome(sslx._sslx.txt2obj, *args, **kwargs), \
        outcome(stdlib_c.txt2obj, *args, **kwargs)
    if expected[0] == "ok" or args and isinstance(args[0], (bytes, int, type(None))):
        assert got == expected
    else:
        assert got[0] is expected[0]


def test_asn1object():
    for value in ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2", "2.5.4.3"]:
        assert sslx._ASN1Object(value) == ssl._ASN1Object(value)
        assert isinstance(sslx._ASN1Object(value), sslx._ASN1Object)
    obj = sslx._ASN1Object.fromnid(129)
    assert obj == ssl._ASN1Object.fromnid(129) and isinstance(obj, sslx._ASN1Object)
    assert (obj.nid, obj.shortname, obj.longname, obj.oid) == tuple(ssl._ASN1Object.fromnid(129))
    for name in ["serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1", "CN"]:
        assert sslx._ASN1Object.fromname(name) == ssl._ASN1Object.fromname(name)
    assert sslx._ASN1Object._fields == ssl._ASN1Object._fields
    assert repr(sslx._ASN1Object("2.5.4.3")) == repr(ssl._ASN1Object("2.5.4.3"))
    for call, arg in [(sslx._ASN1Object, "serverAuth"), (sslx._ASN1Object.fromnid, -1),
                      (sslx._ASN1Object.fromnid, 100000),
                      (sslx._ASN1Object.fromname, "serverauth")]:
        std_call = getattr(ssl._ASN1Object, call.__name__) if call is not sslx._ASN1Object \
            else ssl._ASN1Object
        assert outcome(call, arg) == outcome(std_call, arg)


def test_purpose():
    for member in ("SERVER_AUTH", "CLIENT_AUTH"):
        ours, theirs = getattr(sslx.Purpose, member), getattr(ssl.Purpose, member)
        assert tuple(ours) == tuple(theirs)
        assert ours.nid == theirs.nid and ours.oid == theirs.oid
        assert ours.shortname == theirs.shortname and ours.longname == theirs.longname
        assert isinstance(ours, sslx._ASN1Object) and isinstance(ours, sslx.Purpose)
        assert ours.name == theirs.name
        assert sslx.Purpose(sslx._ASN1Object(theirs.oid)) is ours
    assert [m.name for m in sslx.Purpose] == [m.name for m in ssl.Purpose]
    assert outcome(sslx.Purpose, "1.3.6.1.5.5.7.3.1")[0] is \
        outcome(ssl.Purpose, "1.3.6.1.5.5.7.3.1")[0]
