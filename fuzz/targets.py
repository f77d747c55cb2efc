"""Fuzz targets for sslx, one function per target.

Each target takes the fuzzer's bytes and must end in a documented result or
a documented exception (listed in its `expected`); anything else - another
exception type, a crash, a hang - is a finding.  Run one with atheris:

    python fuzz/run.py TARGET [-atheris_runs=N] [corpus dir ...]

or all of them briefly (what CI does):  python fuzz/run.py --all --seconds 20
"""
import sslx


def _text(data):
    return data.decode("utf-8", "surrogateescape")


def pem_der_roundtrip(data):
    """PEM_cert_to_DER_cert on arbitrary text; DER->PEM->DER is identity."""
    try:
        der = sslx.PEM_cert_to_DER_cert(_text(data))
    except ValueError:
        der = data
    pem = sslx.DER_cert_to_PEM_cert(der)
    assert sslx.PEM_cert_to_DER_cert(pem) == der


def decode_certificate(data):
    """Arbitrary DER into the getpeercert() dict."""
    try:
        info = sslx._sslx._decode_der_certificate(data)
    except sslx.SSLError:
        return
    assert isinstance(info, dict) and "publicKey" in info


def match_hostname(data):
    """match_hostname with a certificate dict and hostname built from data."""
    import warnings
    text = _text(data)
    name, _, rest = text.partition("\n")
    sans = tuple(("DNS" if i % 2 else "IP Address", part)
                 for i, part in enumerate(rest.split("\n")[:8]))
    cert = {"subject": ((("commonName", rest[:40]),),), "subjectAltName": sans}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            sslx.match_hostname(cert, name)
        except (sslx.CertificateError, ValueError, UnicodeError):
            pass


def cert_time_to_seconds(data):
    try:
        value = sslx.cert_time_to_seconds(_text(data))
    except ValueError:
        return
    assert isinstance(value, int)


# ---- trust anchors from memory: load_verify_locations(cadata=...) ----

def _client_context():
    return sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)


def cadata_pem(data):
    """cadata as text: ASCII text parses or fails with SSLError (or
    ValueError when empty); other text is refused with TypeError."""
    text = _text(data)
    ctx = _client_context()
    try:
        ctx.load_verify_locations(cadata=text)
    except sslx.SSLError:
        return
    except ValueError:
        assert text == "", "ValueError only for empty cadata"
        return
    except TypeError:
        assert not text.isascii(), "TypeError only for non-ASCII text"
        return
    assert ctx.cert_store_stats()["x509_ca"] + ctx.cert_store_stats()["x509"] >= 1


def cadata_der(data):
    """cadata as bytes: a sequence of DER certificates, else SSLError
    (ValueError when empty)."""
    ctx = _client_context()
    try:
        ctx.load_verify_locations(cadata=data)
    except sslx.SSLError:
        return
    except ValueError:
        assert data == b""
        return
    assert ctx.cert_store_stats()["x509"] >= 1


# ---- a TLS peer sending arbitrary bytes to an SSLObject ----

_CONTEXTS = {}


def _contexts():
    """One client and one server context for all runs (made once: a
    context per input would measure key loading, not the engine)."""
    if not _CONTEXTS:
        import os
        import tempfile
        cert, key = sslx._sslx._generate_certificate("localhost", san=["DNS:localhost"])
        d = tempfile.mkdtemp(prefix="sslx-fuzz-")
        path = os.path.join(d, "server.pem")
        with open(path, "w") as f:
            f.write(cert + key)
        server = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(path)
        client = sslx.SSLContext(sslx.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(cadata=cert)
        _CONTEXTS.update(client=client, server=server)
    return _CONTEXTS


# What a connection may raise on hostile peer bytes: a TLS failure or a
# need for more data; never SSLSyscallError, OSError or anything else.
_PEER_ERRORS = (sslx.SSLWantReadError, sslx.SSLEOFError, sslx.SSLZeroReturnError,
                sslx.SSLCertVerificationError, sslx.SSLError)


def _drive(obj, incoming, chunks):
    """Feed the chunks one by one, handshaking, then read; finally EOF."""
    def step():
        try:
            obj.do_handshake()
            obj.read(4096)
        except sslx.SSLWantReadError:
            pass
    try:
        for chunk in chunks:
            incoming.write(chunk)
            step()
        incoming.write_eof()
        obj.do_handshake()
        obj.read(4096)
    except _PEER_ERRORS as exc:
        assert type(exc) in _PEER_ERRORS, type(exc)


def _chunks(data):
    """First byte picks a chunk size, so inputs explore record splits."""
    if not data:
        return []
    size = (data[0] % 64) + 1 if data[0] & 0x80 else len(data)
    body = data[1:]
    return [body[i:i + size] for i in range(0, len(body), size)] or [b""]


def sslobject_server(data):
    """A server SSLObject fed arbitrary client bytes."""
    ctxs = _contexts()
    incoming, outgoing = sslx.MemoryBIO(), sslx.MemoryBIO()
    obj = ctxs["server"].wrap_bio(incoming, outgoing, server_side=True)
    _drive(obj, incoming, _chunks(data))


def sslobject_client(data):
    """A client SSLObject (after its ClientHello) fed arbitrary server bytes."""
    ctxs = _contexts()
    incoming, outgoing = sslx.MemoryBIO(), sslx.MemoryBIO()
    obj = ctxs["client"].wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except sslx.SSLWantReadError:
        pass
    outgoing.read()
    _drive(obj, incoming, _chunks(data))


def _handshaken_pair():
    """A client and a server SSLObject after their handshake, over the
    in-memory pump sslx's tests and benchmarks use."""
    from sslx._memorypair import MemoryPair
    ctxs = _contexts()
    pair = MemoryPair(sslx, ctxs["client"], ctxs["server"]).handshake()
    return pair.client, pair.server, pair.c_out, pair.s_in


def sslobject_records(data):
    """An established connection whose record stream the input tampers
    with: the input picks the sizes the client writes, whether it closes,
    bytes of the stream to flip, how the stream is cut into deliveries and
    the sizes the server reads (with and without a buffer).  Whatever the
    server returns must be exactly a prefix of what was sent (the AEAD
    lets nothing altered through), in order, and once it fails or ends it
    must keep failing or ending.  Exercises reads that span many records
    and failures met after some bytes (kept for the next read)."""
    if len(data) < 4:
        return
    client, server, c_out, s_in = _handshaken_pair()
    sizes = [1 + (b * 97) % 20000 for b in data[:data[0] % 6 + 1]]
    sent = b"".join(bytes([65 + i % 26]) * n for i, n in enumerate(sizes))
    for i, n in enumerate(sizes):
        client.write(bytes([65 + i % 26]) * n)
    if data[1] & 1:
        try:
            client.unwrap()
        except sslx.SSLWantReadError:
            pass
    stream = bytearray(c_out.read())
    for b in data[2:2 + data[1] % 4]:     # flip up to three bytes
        stream[(b * 7919) % len(stream)] ^= 1 + (b % 255)
    cut = 1 + data[2] * 37 % 30000
    got = bytearray()
    ended = None
    feed = [bytes(stream[i:i + cut]) for i in range(0, len(stream), cut)]
    reads = data[3:] or b"\x00"
    for k, piece in enumerate(feed + [None]):
        if piece is None:
            s_in.write_eof()
        else:
            s_in.write(piece)
        for j in range(4):
            size = 1 + reads[(k * 4 + j) % len(reads)] * 523
            try:
                if size & 1:
                    buf = bytearray(size)
                    chunk = bytes(buf[:server.read(size, buf)])
                else:
                    chunk = server.read(size)
            except sslx.SSLWantReadError:
                assert ended is None, ended
                break
            except _PEER_ERRORS as exc:
                assert type(exc) in _PEER_ERRORS, type(exc)
                ended = ended or type(exc).__name__
                break
            if not chunk:
                ended = ended or "eof"
                break
            assert ended is None, ended
            got += chunk
            assert sent.startswith(got), "altered or reordered plaintext"


TARGETS = {f.__name__: f for f in (pem_der_roundtrip, decode_certificate, match_hostname,
                                   cert_time_to_seconds, cadata_pem, cadata_der,
                                   sslobject_server, sslobject_client, sslobject_records)}
