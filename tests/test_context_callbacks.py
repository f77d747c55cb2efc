"""SSLContext's callbacks at work in handshakes (context_callbacks.c): the
SNI callback (its name, alerts, exceptions, switching the context and with
it the certificate and ciphers), the server's ALPN selection, key logging
and the message callback.  Their registration is test_context_attrs.py's.
"""
import sys

import sslx
from memhelpers import MemoryPair, handshake_errors, make_contexts


# ---- server name indication ----

def test_sni_callback_in_handshake(certs):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    seen = []
    server_ctx.sni_callback = lambda conn, name, ctx: seen.append((conn, name, ctx))
    pair = MemoryPair(sslx, client_ctx, server_ctx,
                      server_hostname="xn--bcher-kva.example").handshake()
    assert seen == [(pair.server, "xn--bcher-kva.example", server_ctx)]
    seen.clear()
    server_ctx.set_servername_callback(lambda conn, name, ctx: seen.append(name))
    MemoryPair(sslx, client_ctx, server_ctx, server_hostname="xn--bcher-kva.example").handshake()
    assert seen == ["b\xfccher.example"]


def test_sni_callback_alert_and_exception(certs):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    server_ctx.sni_callback = lambda *a: sslx.ALERT_DESCRIPTION_ACCESS_DENIED
    cerr = handshake_errors(sslx, client_ctx, server_ctx)[1]
    assert cerr is not None and cerr.reason == "TLSV1_ALERT_ACCESS_DENIED"
    hooked = []
    old, sys.unraisablehook = sys.unraisablehook, hooked.append
    try:
        server_ctx.sni_callback = lambda *a: 1 / 0
        cerr = handshake_errors(sslx, client_ctx, server_ctx)[1]
        assert cerr is not None and cerr.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE"
        assert [h.exc_type for h in hooked] == [ZeroDivisionError]
        hooked.clear()
        server_ctx.sni_callback = lambda *a: "not an alert"
        cerr = handshake_errors(sslx, client_ctx, server_ctx)[1]
        assert cerr is not None and cerr.reason == "TLSV1_ALERT_INTERNAL_ERROR"
        assert [h.exc_type for h in hooked] == [TypeError]
    finally:
        sys.unraisablehook = old


def test_sni_callback_switches_context(certs, other_ca, tmp_path):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    # The context the callback installs answers with its own certificate.
    other_ctx = sslx.SSLContext(sslx.PROTOCOL_TLS_SERVER)
    other_cert = tmp_path / "other.pem"
    other_ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(
        str(other_cert))
    other_ctx.load_cert_chain(str(other_cert))

    def switch(conn, name, ctx):
        conn.context = other_ctx

    server_ctx.sni_callback = switch
    cerr = handshake_errors(sslx, client_ctx, server_ctx)[1]
    assert isinstance(cerr, sslx.SSLCertVerificationError)   # other_ca is not trusted


def test_sni_switch_uses_new_context_ciphers(stdlib_ssl, certs):
    def negotiated(module, switch):
        client_ctx, server_ctx = make_contexts(module, certs)
        client_ctx.maximum_version = module.TLSVersion.TLSv1_2
        other = module.SSLContext(module.PROTOCOL_TLS_SERVER)
        other.load_cert_chain(certs.server_certfile)
        other.set_ciphers("ECDHE+AESGCM:!AES256")
        if switch == "to_custom":
            server_ctx.sni_callback = lambda conn, name, ctx: setattr(conn, "context", other)
        else:
            server_ctx, other = other, server_ctx
            server_ctx.sni_callback = lambda conn, name, ctx: setattr(conn, "context", other)
        pair = MemoryPair(module, client_ctx, server_ctx).handshake()
        return pair.client.cipher()[0]

    for switch in ("to_custom", "from_custom"):
        std = negotiated(stdlib_ssl, switch)
        ours = negotiated(sslx, switch)
        assert ours == std, switch


# ---- ALPN ----

def test_alpn_selection(certs):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    client_ctx.set_alpn_protocols(["foo", "http/1.1", "h2"])
    server_ctx.set_alpn_protocols(["h2", "http/1.1"])
    pair = MemoryPair(sslx, client_ctx, server_ctx).handshake()
    assert pair.client.selected_alpn_protocol() == pair.server.selected_alpn_protocol() == "h2"
    server_ctx.set_alpn_protocols(["spdy"])
    pair = MemoryPair(sslx, client_ctx, server_ctx).handshake()
    assert pair.client.selected_alpn_protocol() is None


# ---- key logging ----

def test_keylog_lines_written(certs, tmp_path):
    client_ctx, server_ctx = make_contexts(sslx, certs)
    path = tmp_path / "keys"
    client_ctx.keylog_filename = str(path)
    MemoryPair(sslx, client_ctx, server_ctx).handshake()
    lines = path.read_text().splitlines()
    assert len(lines) > 1
    assert any(line.startswith("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") for line in lines)


# ---- the message callback ----

def test_msg_callback_messages_match_stdlib(stdlib_ssl, certs):
    def trace(module):
        seen = []

        def cb(conn, direction, version, content_type, msg_type, data):
            assert isinstance(data, bytes)
            seen.append((direction, int(version), int(content_type), int(msg_type)))

        client_ctx, server_ctx = make_contexts(module, certs)
        client_ctx.maximum_version = module.TLSVersion.TLSv1_2
        client_ctx._msg_callback = cb
        MemoryPair(module, client_ctx, server_ctx).handshake()
        return seen

    ours = trace(sslx)
    std = trace(stdlib_ssl)
    assert set(ours) == set(std)
    assert ("read", 0x303, 22, 12) in ours          # ServerKeyExchange
    assert ("write", 0x303, 20, 0x0101) in ours     # ChangeCipherSpec