# typing-sample: compare
"""Type errors with constants and enums."""
import ssl


def enums() -> None:
    mode: ssl.VerifyMode = 2  # E: assignment
    flags: ssl.VerifyFlags = ssl.CERT_REQUIRED  # E: assignment
    opts: ssl.Options = ssl.VERIFY_DEFAULT  # E: assignment
    version: ssl.TLSVersion = ssl.PROTOCOL_TLS  # E: assignment
    print(ssl.TLSVersion.TLSv1_4)  # E: attr-defined
    print(ssl.Options.OP_NO_SSLv4)  # E: attr-defined
    print(ssl.OP_NO_QUIC)  # E: attr-defined
    print(ssl.AlertDescription.ALERT_DESCRIPTION_TEAPOT)  # E: attr-defined
    ssl.CERT_REQUIRED = ssl.CERT_NONE  # E: misc
    ssl.HAS_SNI = False  # E: misc
    print(ssl.Purpose.SERVER_AUTH.nid + "1")  # E: operator
    print(ssl.Purpose.EMAIL)  # E: attr-defined
    oid: int = ssl.Purpose.CLIENT_AUTH.oid  # E: assignment
    text: str = ssl.OPENSSL_VERSION_INFO  # E: assignment
    number: str = ssl.OPENSSL_VERSION_NUMBER  # E: assignment
    print(mode, flags, opts, version, oid, text, number)
