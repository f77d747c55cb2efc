"""The sslx command line: `sslx` / `python -m sslx`.

For now it reports what this sslx build is: its version, the OpenSSL it is
linked against, the protocol features that OpenSSL offers, and which parts
of the ssl API are available.  (`sslx bench` runs the benchmark suite; probe / serve / demo come later.)
"""
import argparse
import sys

import sslx

API_PARTS = ["SSLContext", "create_default_context", "MemoryBIO", "SSLObject", "SSLSession",
             "SSLSocket", "get_server_certificate", "match_hostname",
             "cert_time_to_seconds", "DER_cert_to_PEM_cert", "get_default_verify_paths"]


def version_line():
    return "sslx %s (%s)" % (sslx.__version__, sslx.OPENSSL_VERSION)


def info():
    print(version_line())
    print("protocols: " + ", ".join(
        name for name in ("TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3")
        if getattr(sslx, "HAS_" + name)))
    print("features:  " + ", ".join(
        name for name in ("SNI", "ALPN", "ECDH", "TLS_UNIQUE", "NEVER_CHECK_COMMON_NAME")
        if getattr(sslx, "HAS_" + name)))
    for part in API_PARTS:
        print("  %-26s %s" % (part, "yes" if hasattr(sslx, part) else "not yet"))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="sslx", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="store_true", help="print version and exit")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="what this build of sslx offers (the default)")
    sub.add_parser("bench", help="benchmarks against the stdlib ssl (see --help)",
                   add_help=False)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from sslx import bench
        return bench.main(argv[1:])
    args = parser.parse_args(argv)
    if args.version:
        print(version_line())
        return 0
    return info()


if __name__ == "__main__":
    sys.exit(main())
