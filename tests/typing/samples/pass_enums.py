# typing-sample: compare
"""Constants and enums: Options, VerifyMode, VerifyFlags, TLSVersion,
AlertDescription, Purpose, SSLErrorNumber, protocols, feature flags."""
import ssl
from typing import Literal

from typing_extensions import assert_type


def options(ctx: ssl.SSLContext) -> ssl.Options:
    opts = ssl.Options.OP_NO_TLSv1 | ssl.Options.OP_NO_TLSv1_1
    opts |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_RENEGOTIATION
    assert_type(opts, ssl.Options)
    if ctx.options & ssl.OP_NO_SSLv3:
        print(ssl.OP_ALL, ssl.OP_NO_TICKET, ssl.OP_SINGLE_DH_USE, ssl.OP_SINGLE_ECDH_USE)
    print(ssl.OP_ENABLE_MIDDLEBOX_COMPAT, ssl.OP_NO_TLSv1_2, ssl.OP_NO_TLSv1_3, ssl.OP_NO_SSLv2)
    print(ssl.OP_IGNORE_UNEXPECTED_EOF)
    return opts


def verify(ctx: ssl.SSLContext) -> None:
    mode: ssl.VerifyMode = ssl.CERT_REQUIRED
    ctx.verify_mode = mode
    ctx.verify_mode = ssl.VerifyMode(1)
    if ctx.verify_mode == ssl.CERT_NONE or ctx.verify_mode is ssl.VerifyMode.CERT_OPTIONAL:
        print(ssl.CERT_OPTIONAL.name, ssl.CERT_OPTIONAL.value)
    flags = ssl.VERIFY_CRL_CHECK_LEAF | ssl.VERIFY_X509_TRUSTED_FIRST
    flags |= ssl.VerifyFlags.VERIFY_X509_PARTIAL_CHAIN
    ctx.verify_flags = flags
    ctx.verify_flags = ssl.VERIFY_DEFAULT
    print(ssl.VERIFY_CRL_CHECK_CHAIN, ssl.VERIFY_X509_STRICT, ssl.VERIFY_ALLOW_PROXY_CERTS)


def versions(ctx: ssl.SSLContext) -> list[str]:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    names = [v.name for v in ssl.TLSVersion]
    if ctx.minimum_version >= ssl.TLSVersion.TLSv1_2:
        names.append(str(int(ssl.TLSVersion.MINIMUM_SUPPORTED)))
    print(ssl.TLSVersion.SSLv3, ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1)
    return names


def protocols() -> list[int]:
    print(ssl.get_protocol_name(ssl.PROTOCOL_TLS_CLIENT))
    return [ssl.PROTOCOL_TLS, ssl.PROTOCOL_SSLv23, ssl.PROTOCOL_TLS_CLIENT,
            ssl.PROTOCOL_TLS_SERVER, ssl.PROTOCOL_TLSv1, ssl.PROTOCOL_TLSv1_1,
            ssl.PROTOCOL_TLSv1_2]


def alerts() -> dict[int, str]:
    table = {int(a): a.name for a in ssl.AlertDescription}
    table[ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE] = "handshake"
    table[ssl.AlertDescription.ALERT_DESCRIPTION_INTERNAL_ERROR] = "internal"
    print(ssl.ALERT_DESCRIPTION_ACCESS_DENIED, ssl.ALERT_DESCRIPTION_BAD_CERTIFICATE,
          ssl.ALERT_DESCRIPTION_UNKNOWN_CA, ssl.ALERT_DESCRIPTION_CERTIFICATE_EXPIRED,
          ssl.ALERT_DESCRIPTION_CLOSE_NOTIFY, ssl.ALERT_DESCRIPTION_PROTOCOL_VERSION,
          ssl.ALERT_DESCRIPTION_DECODE_ERROR, ssl.ALERT_DESCRIPTION_USER_CANCELLED)
    return table


def purposes() -> list[str]:
    out = [ssl.Purpose.SERVER_AUTH.oid, ssl.Purpose.CLIENT_AUTH.shortname]
    nid: int = ssl.Purpose.SERVER_AUTH.nid
    longname: str = ssl.Purpose.CLIENT_AUTH.longname
    for purpose in ssl.Purpose:
        assert_type(purpose, ssl.Purpose)
        out.append(purpose.name)
    obj = ssl._ASN1Object("1.3.6.1.5.5.7.3.1")
    by_nid = ssl._ASN1Object.fromnid(nid)
    by_name = ssl._ASN1Object.fromname("serverAuth")
    out += [obj.oid, by_nid.shortname, by_name.longname, longname]
    return out


def features() -> dict[str, bool]:
    return {
        "sni": ssl.HAS_SNI, "alpn": ssl.HAS_ALPN, "npn": ssl.HAS_NPN, "ecdh": ssl.HAS_ECDH,
        "never_cn": ssl.HAS_NEVER_CHECK_COMMON_NAME, "sslv2": ssl.HAS_SSLv2,
        "sslv3": ssl.HAS_SSLv3, "tls1": ssl.HAS_TLSv1, "tls1.1": ssl.HAS_TLSv1_1,
        "tls1.2": ssl.HAS_TLSv1_2, "tls1.3": ssl.HAS_TLSv1_3,
    }


def openssl() -> str:
    major, minor, fix, patch, status = ssl.OPENSSL_VERSION_INFO
    number: int = ssl.OPENSSL_VERSION_NUMBER
    print(major, minor, fix, patch, status, number, ssl.CHANNEL_BINDING_TYPES)
    return ssl.OPENSSL_VERSION


def literal_members() -> Literal[ssl.VerifyMode.CERT_REQUIRED]:
    return ssl.VerifyMode.CERT_REQUIRED
