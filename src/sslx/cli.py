"""The `sslx` command: probe a TLS server, serve, demo, bench, info.

    sslx demo                        server and client on loopback, in one process
    sslx probe HOST[:PORT] [...]     connect, verify, and report what was negotiated
    sslx serve [--host H] [--port P] [--cert F --key F] [--ca-out F]
    sslx bench [...]                 benchmarks against the stdlib ssl
    sslx info | --version

Everything TLS goes through sslx's public API (`import sslx as ssl`); keys
and certificates for the throwaway CA are made in C (_generate_certificate)
and written, mode 0600, to a private temporary directory that is removed
when the command ends, Ctrl-C and SIGTERM included.  Errors are one line on
stderr with a documented exit code (EXIT_CODES), never a traceback.
"""
import argparse
import contextlib
import hashlib
import json
import math
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

import sslx as ssl

EXIT_OK, EXIT_VERIFY, EXIT_USAGE, EXIT_NETWORK = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_PIPE = 130, 141

# Shown by `sslx --help`; the docs' CLI page and the README say the same.
EXIT_CODES = """\
exit codes:
  0    success (serve: stopped by Ctrl-C or SIGTERM)
  1    probe: the certificate or host name did not verify
  2    usage: a bad option or value, or a file that cannot be read or used
  3    network or TLS: cannot resolve, connect, listen or complete a handshake;
       a timeout; the demo's echo did not come back
  130  interrupted (Ctrl-C)
  141  the output was closed (e.g. piped to head); nothing more is printed"""


class CliError(Exception):
    """A failure to report as one line, with an exit code."""

    def __init__(self, message, code=EXIT_NETWORK):
        super().__init__(message)
        self.code = code


class Stop(BaseException):
    """Raised in the main thread by SIGTERM/SIGHUP: end like Ctrl-C.  A
    BaseException, as KeyboardInterrupt is, so that code catching
    Exception (a benchmark recording a failed sample) does not swallow it."""


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


def ssl_reason(exc):
    """An SSLError's text without the '(file.c:LINE)' of sslx's source."""
    text = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], str) else str(exc)
    if text.endswith(")") and ".c:" in text.rsplit("(", 1)[-1]:
        text = text.rsplit("(", 1)[0].rstrip()
    return text


def os_reason(exc):
    return exc.strerror or str(exc) or type(exc).__name__


# ------------------------------------------------------------------ files

@contextlib.contextmanager
def private_directory(prefix):
    """A directory only this user can enter (mkdtemp: mode 0700), removed
    with everything in it when the block ends, however it ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write_file(path, text, mode=0o644, exclusive=False):
    """Write text to path, created with `mode` (a key: 0600) so it is never
    readable by others, not even for a moment."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, mode)
    with open(fd, "w") as f:
        f.write(text)


def check_readable(path, what):
    """Open the file now, so a missing or unreadable one is reported by
    name (OpenSSL's loaders report neither the name nor which file)."""
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise CliError("cannot read %s %s: %s" % (what, path, os_reason(exc)), EXIT_USAGE) from None


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
    written to `directory` (give it a private one: private_directory());
    returns (cafile, certfile, keyfile).  The key file is created mode
    0600; the CA's own key is never written anywhere."""
    ca_cert, ca_key = ssl._sslx._generate_certificate("sslx throwaway CA", ca=True)
    cert, key = ssl._sslx._generate_certificate(
        "localhost", san=["DNS:localhost", "IP:127.0.0.1", "IP:::1"],
        issuer_cert=ca_cert, issuer_key=ca_key)
    paths = [os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server.key")]
    write_file(paths[0], ca_cert, exclusive=True)
    write_file(paths[1], cert, exclusive=True)
    write_file(paths[2], key, mode=0o600, exclusive=True)
    return tuple(paths)


# ------------------------------------------------------------------ option types

def positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError("must be a positive number of seconds, not %r" % text)
    return value


def port_number(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be a port number from 0 to 65535, not %r" % text)
    return value


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
    if args.cafile:
        check_readable(args.cafile, "CA file")
    try:
        ctx = ssl.create_default_context(cafile=args.cafile)
    except ssl.SSLError as exc:
        raise CliError("no usable CA certificate in %s: %s" % (args.cafile, ssl_reason(exc)),
                       EXIT_USAGE) from None
    except OSError as exc:
        raise CliError("cannot read CA file %s: %s" % (args.cafile, os_reason(exc)),
                       EXIT_USAGE) from None
    if args.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.tls12:
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if args.tls13:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if args.alpn:
        try:
            ctx.set_alpn_protocols([p for p in args.alpn.split(",") if p])
        except (ValueError, ssl.SSLError) as exc:
            raise CliError("bad --alpn %r: %s" % (args.alpn, exc), EXIT_USAGE) from None
    return ctx


def connect_once(ctx, host, port, servername, timeout, session=None):
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except socket.timeout:
        raise CliError("timed out connecting to %s:%d" % (host, port)) from None
    except socket.gaierror as exc:
        raise CliError("cannot resolve %s: %s" % (host, exc.strerror)) from None
    except UnicodeError:
        raise CliError("bad host name %r" % host, EXIT_USAGE) from None
    except OSError as exc:
        raise CliError("cannot connect to %s:%d: %s" % (host, port, os_reason(exc))) from None
    try:
        return ctx.wrap_socket(raw, server_hostname=servername, session=session)
    except ssl.SSLCertVerificationError:
        raw.close()
        raise
    except (ValueError, UnicodeError) as exc:
        raw.close()
        raise CliError("bad server name %r: %s" % (servername, exc), EXIT_USAGE) from None
    except (ssl.SSLError, OSError) as exc:
        raw.close()
        if isinstance(exc, socket.timeout):
            raise CliError("timed out during the TLS handshake with %s:%d" % (host, port)) from None
        reason = ssl_reason(exc) if isinstance(exc, ssl.SSLError) else os_reason(exc)
        raise CliError("TLS handshake with %s:%d failed: %s" % (host, port, reason)) from None


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
    report = {"target": args.target, "servername": args.servername,
              "verified": False}
    try:
        host, port = parse_target(args.target)
        servername = args.servername or host
        report.update(target="%s:%d" % (host, port), servername=servername)
        ctx = probe_context(args)
        try:
            # The name is checked before connecting, so a bad one is a
            # usage error even when the host cannot be reached.
            ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=servername)
        except (ValueError, UnicodeError, TypeError) as exc:
            raise CliError("bad server name %r: %s" % (servername, exc), EXIT_USAGE) from None
        try:
            conn = connect_once(ctx, host, port, servername, args.timeout)
        except ssl.SSLCertVerificationError as exc:
            report.update(error=exc.verify_message, verify_code=exc.verify_code,
                          exit_code=EXIT_VERIFY)
            emit_probe(report, args)
            return EXIT_VERIFY
        with conn:
            der = conn.getpeercert(binary_form=True)
            report.update(verified=not args.insecure, version=conn.version(),
                          cipher=conn.cipher()[0], cipher_bits=conn.cipher()[2],
                          alpn=conn.selected_alpn_protocol())
            report["certificate"] = describe_certificate(der) if der else None
            report["resumption"] = try_resumption(ctx, host, port, servername, args.timeout,
                                                  conn)
    except CliError as exc:
        if args.json:
            # --json always prints JSON: the error goes in it (and, as
            # always, on stderr).
            report.update(error=str(exc), exit_code=exc.code)
            print(json.dumps(report, indent=2))
        raise
    report["exit_code"] = EXIT_OK
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


def load_server_context(certfile, keyfile):
    check_readable(certfile, "certificate file")
    if keyfile:
        check_readable(keyfile, "key file")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.load_cert_chain(certfile, keyfile)
    except ssl.SSLError as exc:
        what = certfile if not keyfile else "%s and %s" % (certfile, keyfile)
        raise CliError("cannot use the certificate and key in %s: %s" % (what, ssl_reason(exc)),
                       EXIT_USAGE) from None
    except OSError as exc:
        raise CliError("cannot read %s: %s" % (keyfile or certfile, os_reason(exc)),
                       EXIT_USAGE) from None
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


class Server:
    """A threaded TLS echo/HTTP server on one listening socket."""

    def __init__(self, host, port, ctx, log):
        self.ctx = ctx
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            self.listener = socket.create_server((host, port), family=family)
        except UnicodeError:
            raise CliError("bad host name %r" % host, EXIT_USAGE) from None
        except OSError as exc:
            raise CliError("cannot listen on %s:%d: %s" % (host, port, os_reason(exc))) from None
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
        try:
            raw.settimeout(10)
            try:
                conn = self.ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                raw.close()
                self.log("%s: handshake failed: %s" % (addr[0], exc))
                return
            self.log("%s: %s %s" % (addr[0], conn.version(), conn.cipher()[0]))
            handle_client(conn, self.log)
        except Exception as exc:  # a connection's failure is logged, never a traceback
            self.log("%s: %s: %s" % (addr[0], type(exc).__name__, exc))

    def stop(self):
        self.stopping = True
        self.listener.close()


@contextlib.contextmanager
def stop_signals():
    """SIGTERM and SIGHUP end the command like Ctrl-C does (so `finally`
    blocks run and temporary files go); restored afterwards."""
    def handler(signum, frame):
        raise Stop(signum)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class Printer:
    """print() for the server's threads: a closed output stops the server
    (one flag, read by the main thread) instead of a thread's traceback."""

    def __init__(self):
        self.closed = False
        self.server = None

    def __call__(self, message):
        if self.closed:
            return
        try:
            print(message, flush=True)
        except (BrokenPipeError, ValueError, OSError):
            self.closed = True
            if self.server is not None:
                self.server.stopping = True


def serve(args):
    if args.key and not args.cert:
        raise CliError("--key needs --cert", EXIT_USAGE)
    if args.ca_out and args.cert:
        raise CliError("--ca-out writes the throwaway CA, which --cert replaces", EXIT_USAGE)
    with contextlib.ExitStack() as stack:
        stack.enter_context(stop_signals())
        cafile = None
        if args.cert:
            certfile, keyfile = args.cert, args.key
        else:
            directory = stack.enter_context(private_directory("sslx-serve-"))
            cafile, certfile, keyfile = make_throwaway_pki(directory)
            if args.ca_out:
                with open(cafile) as f:
                    ca_text = f.read()
                try:
                    write_file(args.ca_out, ca_text)
                except OSError as exc:
                    raise CliError("cannot write --ca-out %s: %s" % (args.ca_out, os_reason(exc)),
                                   EXIT_USAGE) from None
                cafile = args.ca_out
        ctx = load_server_context(certfile, keyfile)
        printer = Printer()
        server = Server(args.host, args.port, ctx, log=printer)
        printer.server = server
        host = "[%s]" % args.host if ":" in args.host else args.host
        printer("sslx serve: listening on https://%s:%d/ (echo, or HTTP GET); Ctrl-C stops"
                % (host, server.port))
        if cafile:
            where = "" if args.ca_out else " (removed when serve stops)"
            printer("throwaway CA (trust it to verify): %s%s" % (cafile, where))
            printer("  try: curl --cacert %s https://localhost:%d/" % (cafile, server.port))
        try:
            server.serve_forever()
        except (KeyboardInterrupt, Stop):
            pass
        finally:
            server.stop()
        if printer.closed:
            return EXIT_PIPE
    print("sslx serve: stopped", file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------ demo

def demo(args):
    print(OUT.bold(version_line()))
    with contextlib.ExitStack() as stack:
        stack.enter_context(stop_signals())
        directory = stack.enter_context(private_directory("sslx-demo-"))
        cafile, certfile, keyfile = make_throwaway_pki(directory)
        print("1. made a throwaway CA and a certificate for localhost in C "
              "(in a private temporary directory, removed at exit)")
        lines = []
        server = Server("127.0.0.1", 0, load_server_context(certfile, keyfile), log=lines.append)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        stack.callback(thread.join, 5)
        stack.callback(server.stop)
        print("2. TLS echo server listening on 127.0.0.1:%d" % server.port)
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
            try:
                while len(echoed) < len(message):
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    echoed += chunk
            except socket.timeout:
                raise CliError("the echo did not come back within %g s" % args.timeout) from None
        if echoed != message:
            raise CliError("the echo did not come back intact: %r" % echoed)
        print("4. sent %r, server echoed it back: %s" % (message.decode(), OUT.good("ok")))
    return EXIT_OK


# ------------------------------------------------------------------ info

API_PARTS = ["SSLContext", "create_default_context", "MemoryBIO", "SSLObject", "SSLSession",
             "SSLSocket", "get_server_certificate", "match_hostname",
             "cert_time_to_seconds", "DER_cert_to_PEM_cert", "get_default_verify_paths"]


def info(args):
    print(version_line())
    print("protocols: " + ", ".join(n for n in ("TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3")
                                    if getattr(ssl, "HAS_" + n)))
    print("features:  " + ", ".join(n for n in ("SNI", "ALPN", "ECDH", "TLS_UNIQUE", "PSK")
                                    if getattr(ssl, "HAS_" + n, False)))
    for part in API_PARTS:
        print("  %-26s %s" % (part, "yes" if hasattr(ssl, part) else "not yet"))
    return EXIT_OK


# ------------------------------------------------------------------ main

class Parser(argparse.ArgumentParser):
    """argparse, with a usage error reported as one line (exit 2), and as
    JSON too when the command line asked for --json."""

    json_requested = False

    def error(self, message):
        line = "%s: error: %s (see %s --help)" % (self.prog, message, self.prog)
        if Parser.json_requested:
            print(json.dumps({"error": "%s: %s" % (self.prog, message),
                              "exit_code": EXIT_USAGE}, indent=2))
        print(line, file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser():
    parser = Parser(prog="sslx", description=__doc__.splitlines()[0], epilog=EXIT_CODES,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="store_true", help="print versions and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                parser_class=Parser)

    p = sub.add_parser("probe", help="connect to a TLS server and report what it offers",
                       description="Connect to HOST, verify its certificate and host name, "
                       "and report the protocol, cipher, ALPN, session resumption and the "
                       "certificate.", epilog=EXIT_CODES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", help="HOST, HOST:PORT or [IPv6]:PORT (port 443 by default)")
    p.add_argument("--cafile", metavar="FILE",
                   help="trust the CA certificates in FILE (PEM) instead of the system's "
                        "(default: the system's)")
    p.add_argument("--servername", metavar="NAME",
                   help="SNI and host name to verify (default: HOST)")
    p.add_argument("--alpn", metavar="LIST",
                   help="comma-separated ALPN protocols to offer, e.g. h2,http/1.1 "
                        "(default: none)")
    versions = p.add_mutually_exclusive_group()
    versions.add_argument("--tls1.2", dest="tls12", action="store_true",
                          help="only TLS 1.2 (default: TLS 1.2 or 1.3)")
    versions.add_argument("--tls1.3", dest="tls13", action="store_true",
                          help="only TLS 1.3 (default: TLS 1.2 or 1.3)")
    p.add_argument("--insecure", action="store_true",
                   help="report without verifying the certificate (default: verify)")
    p.add_argument("--timeout", type=positive_seconds, default=10.0, metavar="SECONDS",
                   help="for connecting and for the handshake (default: %(default)g)")
    p.add_argument("--json", action="store_true",
                   help="print the report as JSON; on failure too, with 'error' and "
                        "'exit_code' (default: text)")

    s = sub.add_parser("serve", help="run a TLS echo server (answers HTTP GET too)",
                       description="A TLS echo server that answers HTTP GET with a small "
                       "page.  Without --cert it makes a throwaway CA and a certificate for "
                       "localhost, 127.0.0.1 and ::1 in a private temporary directory, "
                       "removed when it stops (Ctrl-C or SIGTERM).", epilog=EXIT_CODES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: %(default)s)")
    s.add_argument("--port", type=port_number, default=8443,
                   help="port to listen on; 0 picks a free one (default: %(default)s)")
    s.add_argument("--cert", metavar="FILE",
                   help="certificate chain (PEM), with the key unless --key is given "
                        "(default: a throwaway CA's certificate for localhost)")
    s.add_argument("--key", metavar="FILE",
                   help="private key (PEM) for --cert (default: read from --cert)")
    s.add_argument("--ca-out", metavar="FILE",
                   help="also write the throwaway CA's certificate to FILE, for clients to "
                        "verify with; it stays after serve stops (default: not written)")

    d = sub.add_parser("demo", help="server and client on loopback, in one process",
                       description="Make a throwaway CA in C, start a TLS echo server on "
                       "127.0.0.1, connect to it with a verifying client, send a line and "
                       "check the echo.  Leaves no files behind.", epilog=EXIT_CODES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("--timeout", type=positive_seconds, default=10.0, metavar="SECONDS",
                   help="for connecting, the handshake and the echo (default: %(default)g)")
    sub.add_parser("bench", help="benchmarks against the stdlib ssl (sslx bench --help)",
                   add_help=False)
    sub.add_parser("info", help="what this build of sslx offers (the default command)",
                   epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser


COMMANDS = {"probe": probe, "serve": serve, "demo": demo, "info": info}


def run(argv):
    if argv[:1] == ["bench"]:
        from sslx import bench
        return bench.main(argv[1:])
    Parser.json_requested = argv[:1] == ["probe"] and "--json" in argv
    args = build_parser().parse_args(argv)
    if args.version:
        print(version_line())
        return EXIT_OK
    return COMMANDS[args.command or "info"](args)


def main(argv=None):
    """The `sslx` command.  Returns the exit code (EXIT_CODES)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        try:
            code = run(argv)
            if code == EXIT_PIPE:
                silence_stdout()
            sys.stdout.flush()
            return code
        except CliError as exc:
            sys.stdout.flush()
            print("sslx: error: %s" % exc, file=sys.stderr)
            return exc.code
        except (KeyboardInterrupt, Stop):
            print("sslx: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return EXIT_PIPE


def silence_stdout():
    """The reader went away (`sslx probe ... | head -1`): say nothing more,
    and keep the interpreter from failing to flush stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
