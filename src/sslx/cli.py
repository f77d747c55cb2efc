"""The `sslx` command: probe a TLS server, serve, demo, bench, info.

    sslx demo                        server and client on loopback, in one process
    sslx probe HOST[:PORT] [...]     connect, verify, and report what was negotiated
    sslx serve [--host H] [--port P] [--cert F --key F]
    sslx bench [...]                 benchmarks against the stdlib ssl
    sslx info | --version

Everything TLS goes through sslx's public API (`import sslx as ssl`); keys
and certificates for the throwaway CA are made in C (_generate_certificate).
Errors are one line on stderr and a non-zero exit code, never a traceback.
"""
import argparse
import datetime
import hashlib
import json
import os
import socket
import sys
import tempfile
import threading
import time

import sslx as ssl

EXIT_OK, EXIT_VERIFY, EXIT_USAGE, EXIT_NETWORK = 0, 1, 2, 3


class CliError(Exception):
    """A failure to report as one line, with an exit code."""

    def __init__(self, message, code=EXIT_NETWORK):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------ output

class Style:
    """ANSI colour only when writing to a terminal (and NO_COLOR unset)."""

    def __init__(self, stream):
        self.on = stream.isatty() and not os.environ.get("NO_COLOR")

    def _wrap(self, code, text):
        return "\033[%sm%s\033[0m" % (code, text) if self.on else text

    def good(self, text):
        return self._wrap("32", text)

    def bad(self, text):
        return self._wrap("31;1", text)

    def warn(self, text):
        return self._wrap("33", text)

    def dim(self, text):
        return self._wrap("2", text)

    def bold(self, text):
        return self._wrap("1", text)


OUT = Style(sys.stdout)


def version_line():
    return "sslx %s (%s)" % (ssl.__version__, ssl.OPENSSL_VERSION)


# ------------------------------------------------------------------ certificates

SHORT_NAMES = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU",
               "countryName": "C", "stateOrProvinceName": "ST", "localityName": "L",
               "emailAddress": "emailAddress", "domainComponent": "DC"}


def name_text(rdns):
    """'CN=localhost, O=Example' from getpeercert()'s tuple of RDNs."""
    return ", ".join("%s=%s" % (SHORT_NAMES.get(k, k), v) for rdn in rdns for (k, v) in rdn)


def days_until(cert_time):
    """Whole days from now to a certificate time, or None when the time
    does not parse (a malformed or fractional-second notAfter)."""
    try:
        return int((ssl.cert_time_to_seconds(cert_time) - time.time()) // 86400)
    except ValueError:
        return None


def describe_certificate(der):
    """A report-friendly dict of one DER certificate, decoded by sslx.  A
    certificate the decoder refuses (names that are not valid UTF-8, for
    one) is reported as such, with its SHA-256 fingerprint."""
    try:
        info = ssl._sslx._decode_der_certificate(der)
    except (ValueError, ssl.SSLError) as exc:   # UnicodeDecodeError is a ValueError
        return {"error": "cannot decode the certificate: %s" % exc,
                "sha256": hashlib.sha256(der).hexdigest()}
    days_left = days_until(info["notAfter"])
    return {
        "subject": name_text(info.get("subject", ())),
        "issuer": name_text(info.get("issuer", ())),
        "subjectAltName": ["%s:%s" % pair for pair in info.get("subjectAltName", ())],
        "notBefore": info["notBefore"],
        "notAfter": info["notAfter"],
        "days_left": days_left,
        "key": info.get("publicKey", "unknown"),
        "serialNumber": info.get("serialNumber"),
    }


def make_throwaway_pki(directory):
    """A local CA and a server certificate for localhost, 127.0.0.1 and ::1,
    written to `directory`; returns (cafile, certfile, keyfile)."""
    ca_cert, ca_key = ssl._sslx._generate_certificate("sslx throwaway CA", ca=True)
    cert, key = ssl._sslx._generate_certificate(
        "localhost", san=["DNS:localhost", "IP:127.0.0.1", "IP:::1"],
        issuer_cert=ca_cert, issuer_key=ca_key)
    paths = [os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server.key")]
    for path, text in zip(paths, (ca_cert, cert, key)):
        with open(path, "w") as f:
            f.write(text)
    os.chmod(paths[2], 0o600)
    return tuple(paths)


# ------------------------------------------------------------------ probe

def parse_target(text, default_port=443):
    """HOST, HOST:PORT, [V6]:PORT or a bare IPv6 address."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    if not host:
        raise CliError("no host name in %r" % text, EXIT_USAGE)
    try:
        port = int(port) if port else default_port
    except ValueError:
        raise CliError("bad port in %r" % text, EXIT_USAGE) from None
    if not 0 < port < 65536:
        raise CliError("port out of range in %r" % text, EXIT_USAGE)
    return host, port


def probe_context(args):
    ctx = ssl.create_default_context(cafile=args.cafile)
    if args.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.tls12:
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if args.tls13:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if args.alpn:
        ctx.set_alpn_protocols([p for p in args.alpn.split(",") if p])
    return ctx


def connect_once(ctx, host, port, servername, timeout, session=None):
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except socket.timeout:
        raise CliError("timed out connecting to %s:%d" % (host, port)) from None
    except socket.gaierror as exc:
        raise CliError("cannot resolve %s: %s" % (host, exc.strerror)) from None
    except OSError as exc:
        raise CliError("cannot connect to %s:%d: %s" % (host, port,
                                                       exc.strerror or exc)) from None
    try:
        return ctx.wrap_socket(raw, server_hostname=servername, session=session)
    except ssl.SSLCertVerificationError:
        raw.close()
        raise
    except (ssl.SSLError, OSError) as exc:
        raw.close()
        if isinstance(exc, socket.timeout):
            raise CliError("timed out during the TLS handshake with %s:%d" % (host, port))
        raise CliError("TLS handshake with %s:%d failed: %s" % (host, port, exc)) from None


def try_resumption(ctx, host, port, servername, timeout, first):
    """Reconnect with the first connection's session; True if resumed."""
    try:
        # TLS 1.3 tickets arrive after the handshake: give them a moment.
        first.settimeout(0.3)
        try:
            first.recv(1)
        except (socket.timeout, ssl.SSLError, OSError):
            pass
        session = first.session
        if session is None:
            return False
        with connect_once(ctx, host, port, servername, timeout, session=session) as again:
            return again.session_reused
    except (CliError, ssl.SSLError, OSError):
        return False


def probe(args):
    host, port = parse_target(args.target)
    servername = args.servername or host
    ctx = probe_context(args)
    report = {"target": "%s:%d" % (host, port), "servername": servername,
              "verified": not args.insecure}
    try:
        conn = connect_once(ctx, host, port, servername, args.timeout)
    except ssl.SSLCertVerificationError as exc:
        report.update(verified=False, error=exc.verify_message, verify_code=exc.verify_code)
        emit_probe(report, args)
        return EXIT_VERIFY
    with conn:
        der = conn.getpeercert(binary_form=True)
        report.update(version=conn.version(), cipher=conn.cipher()[0],
                      cipher_bits=conn.cipher()[2], alpn=conn.selected_alpn_protocol())
        report["certificate"] = describe_certificate(der) if der else None
        report["resumption"] = try_resumption(ctx, host, port, servername, args.timeout, conn)
    emit_probe(report, args)
    return EXIT_OK


def emit_probe(report, args):
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(OUT.bold("sslx probe %s" % report["target"]) + OUT.dim(" (SNI %s)" % report["servername"]))
    if "error" in report:
        print("  verification: " + OUT.bad("FAILED: %s" % report["error"]))
        return
    if args.insecure:
        print("  verification: " + OUT.warn("SKIPPED (--insecure): nothing below is trusted"))
    else:
        print("  verification: " + OUT.good("ok (chain and host name)"))
    print("  protocol:     %s" % report["version"])
    print("  cipher:       %s (%d bits)" % (report["cipher"], report["cipher_bits"]))
    print("  ALPN:         %s" % (report["alpn"] or "none"))
    print("  resumption:   %s" % ("yes" if report["resumption"] else "no"))
    cert = report["certificate"]
    if cert and "error" in cert:
        print("  certificate:  " + OUT.bad(cert["error"]))
        print("    sha256:     %s" % cert["sha256"])
    elif cert:
        left = cert["days_left"]
        if left is None:
            days = OUT.bad("validity cannot be parsed")
        else:
            days = "%d days left" % left
            days = OUT.bad("expired") if left < 0 else (OUT.warn(days) if left < 30 else days)
        print("  certificate:")
        print("    subject:    %s" % cert["subject"])
        print("    issuer:     %s" % cert["issuer"])
        if cert["subjectAltName"]:
            print("    names:      %s" % ", ".join(cert["subjectAltName"]))
        print("    valid:      %s .. %s (%s)" % (cert["notBefore"], cert["notAfter"], days))
        print("    key:        %s" % cert["key"])


# ------------------------------------------------------------------ serve

PAGE = ("<!doctype html><title>sslx</title><h1>Hello from sslx</h1>"
        "<p>%s, %s, %s</p>\n")


def handle_client(conn, log):
    """Echo lines back; answer an HTTP GET with a small page."""
    with conn:
        conn.settimeout(30)
        try:
            first = conn.recv(65536)
            if first.startswith((b"GET ", b"HEAD ")):
                body = (PAGE % (conn.version(), conn.cipher()[0], version_line())).encode()
                head = ("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                        "Connection: close\r\n\r\n" % len(body)).encode()
                conn.sendall(head + (b"" if first.startswith(b"HEAD") else body))
                log("HTTP %s" % first.split(b"\r\n", 1)[0].decode("latin-1"))
                return
            data = first
            while data:
                conn.sendall(data)
                data = conn.recv(65536)
        except (ssl.SSLError, OSError) as exc:
            log("connection ended: %s" % exc)


class Server:
    """A threaded TLS echo/HTTP server on one listening socket."""

    def __init__(self, host, port, certfile, keyfile, log):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.ctx.set_alpn_protocols(["http/1.1"])
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.create_server((host, port), family=family)
        self.port = self.listener.getsockname()[1]
        self.log = log
        self.stopping = False

    def serve_forever(self):
        self.listener.settimeout(0.2)
        while not self.stopping:
            try:
                raw, addr = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            threading.Thread(target=self._handshake_and_handle, args=(raw, addr),
                             daemon=True).start()

    def _handshake_and_handle(self, raw, addr):
        raw.settimeout(10)
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            raw.close()
            self.log("%s: handshake failed: %s" % (addr[0], exc))
            return
        self.log("%s: %s %s" % (addr[0], conn.version(), conn.cipher()[0]))
        handle_client(conn, self.log)

    def stop(self):
        self.stopping = True
        self.listener.close()


def serve(args):
    if args.key and not args.cert:
        raise CliError("--key needs --cert", EXIT_USAGE)
    cafile = None
    if args.cert:
        certfile, keyfile = args.cert, args.key
    else:
        directory = tempfile.mkdtemp(prefix="sslx-serve-")
        cafile, certfile, keyfile = make_throwaway_pki(directory)
    try:
        server = Server(args.host, args.port, certfile, keyfile, log=lambda m: print(m, flush=True))
    except FileNotFoundError as exc:
        raise CliError("cannot read %s" % exc.filename, EXIT_USAGE) from None
    except ssl.SSLError as exc:
        raise CliError("cannot load the certificate: %s" % exc, EXIT_USAGE) from None
    except OSError as exc:
        raise CliError("cannot listen on %s:%d: %s" % (args.host, args.port, exc.strerror))
    host = "[%s]" % args.host if ":" in args.host else args.host
    print("sslx serve: listening on https://%s:%d/ (echo, or HTTP GET)" % (host, server.port))
    if cafile:
        print("throwaway CA (trust it to verify): %s" % cafile)
        print("  try: curl --cacert %s https://localhost:%d/" % (cafile, server.port))
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


# ------------------------------------------------------------------ demo

def demo(args):
    print(OUT.bold(version_line()))
    directory = tempfile.mkdtemp(prefix="sslx-demo-")
    cafile, certfile, keyfile = make_throwaway_pki(directory)
    print("1. made a throwaway CA and a certificate for localhost in C:  %s" % directory)
    lines = []
    server = Server("127.0.0.1", 0, certfile, keyfile, log=lines.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print("2. TLS echo server listening on 127.0.0.1:%d" % server.port)
    try:
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.set_alpn_protocols(["http/1.1"])
        conn = connect_once(ctx, "127.0.0.1", server.port, "localhost", args.timeout)
        with conn:
            cert = describe_certificate(conn.getpeercert(binary_form=True))
            print("3. client handshake: %s, %s, ALPN %s" % (
                conn.version(), conn.cipher()[0], conn.selected_alpn_protocol()))
            print("   verified certificate: %s (issuer %s, %d days left)" % (
                cert["subject"], cert["issuer"], cert["days_left"]))
            message = b"hello over TLS from sslx"
            conn.sendall(message)
            echoed = b""
            while len(echoed) < len(message):
                chunk = conn.recv(1024)
                if not chunk:
                    break
                echoed += chunk
        if echoed != message:
            raise CliError("the echo did not come back intact: %r" % echoed)
        print("4. sent %r, server echoed it back: %s" % (message.decode(), OUT.good("ok")))
    finally:
        server.stop()
        thread.join(5)
    return EXIT_OK


# ------------------------------------------------------------------ info

API_PARTS = ["SSLContext", "create_default_context", "MemoryBIO", "SSLObject", "SSLSession",
             "SSLSocket", "get_server_certificate", "match_hostname",
             "cert_time_to_seconds", "DER_cert_to_PEM_cert", "get_default_verify_paths"]


def info(args):
    print(version_line())
    print("protocols: " + ", ".join(n for n in ("TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3")
                                    if getattr(ssl, "HAS_" + n)))
    print("features:  " + ", ".join(n for n in ("SNI", "ALPN", "ECDH", "TLS_UNIQUE")
                                    if getattr(ssl, "HAS_" + n)))
    for part in API_PARTS:
        print("  %-26s %s" % (part, "yes" if hasattr(ssl, part) else "not yet"))
    return EXIT_OK


# ------------------------------------------------------------------ main

def build_parser():
    parser = argparse.ArgumentParser(prog="sslx", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="store_true", help="print versions and exit")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("probe", help="connect to a TLS server and report")
    p.add_argument("target", help="HOST[:PORT] (port 443 by default)")
    p.add_argument("--cafile", help="trust these CA certificates instead of the system's")
    p.add_argument("--servername", help="SNI and host name to verify (default: HOST)")
    p.add_argument("--alpn", help="comma-separated ALPN protocols, e.g. h2,http/1.1")
    versions = p.add_mutually_exclusive_group()
    versions.add_argument("--tls1.2", dest="tls12", action="store_true", help="only TLS 1.2")
    versions.add_argument("--tls1.3", dest="tls13", action="store_true", help="only TLS 1.3")
    p.add_argument("--insecure", action="store_true", help="report without verifying")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds (default 10)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    s = sub.add_parser("serve", help="run a TLS echo server (answers HTTP GET too)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8443)
    s.add_argument("--cert", help="certificate chain (PEM); default: a throwaway CA's")
    s.add_argument("--key", help="private key (PEM), if not in --cert")

    d = sub.add_parser("demo", help="server and client on loopback, in one process")
    d.add_argument("--timeout", type=float, default=10.0)
    sub.add_parser("bench", help="benchmarks against the stdlib ssl (sslx bench --help)",
                   add_help=False)
    sub.add_parser("info", help="what this build of sslx offers")
    return parser


COMMANDS = {"probe": probe, "serve": serve, "demo": demo, "info": info}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:
        from sslx import bench
        return bench.main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.version:
        print(version_line())
        return EXIT_OK
    try:
        return COMMANDS[args.command or "info"](args)
    except CliError as exc:
        print("sslx: error: %s" % exc, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
