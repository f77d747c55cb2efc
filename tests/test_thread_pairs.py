"""Every pair of operations docs/thread-safety.md allows, from two threads
at once: for a context (while it also serves handshakes), for an
established connection, for a socket being closed under a waiting call,
and for a MemoryBIO.  Each pair runs for a short, fixed time in a child
interpreter (so a crash fails the test, not the run); CI's sanitizer run
runs it under AddressSanitizer, which reports a race on freed memory even
when it does not crash.  The operations keep every connection working
(settings toggle between two valid values), so any exception other than
the ones the notes promise is a failure."""
from childhelpers import CHILD_CONTEXTS, run_child

SETUP = CHILD_CONTEXTS + """
import itertools, socket, sys, threading, time
from memhelpers import MemoryPair
sys.setswitchinterval(1e-5)
extra_cas = "".join(trustme.CA().cert_pem.bytes().decode() for _ in range(3))
keylog = os.path.join(tmp, "keys.log")

def run_pair(first, second, seconds):
    '''Run two operations in loops in two threads for `seconds`, and on
    until each has run at least once (a busy machine may starve one for a
    while; 30 s at most); return their counts and the first unexpected
    exception of each (None when there was none).'''
    start = time.monotonic()
    counts, errors = [0, 0], [None, None]
    def running():
        elapsed = time.monotonic() - start
        return elapsed < seconds or (min(counts) == 0 and elapsed < 30)
    def loop(i, op):
        try:
            while running() and errors[1 - i] is None:
                op()
                counts[i] += 1
        except BaseException as exc:
            errors[i] = exc
    threads = [threading.Thread(target=loop, args=(i, op)) for i, op in enumerate((first, second))]
    for t in threads: t.start()
    for t in threads: t.join(60)
    assert not any(t.is_alive() for t in threads), "a pair did not finish"
    return counts, errors

def check_all(ops, seconds, setup=None):
    '''Every unordered pair of `ops` (a dict name -> factory(state) ->
    callable), each pair self included; fails on any unexpected error.'''
    names = sorted(ops)
    report = []
    for a, b in itertools.combinations_with_replacement(names, 2):
        state = setup() if setup else None
        counts, errors = run_pair(ops[a](state), ops[b](state), seconds)
        for name, err in zip((a, b), errors):
            if err is not None:
                raise AssertionError("%s while running %s | %s: %r" % (name, a, b, err))
        assert min(counts) > 0, (a, b, counts)
        report.append((a, b, counts))
    print(len(report), "pairs")
    return report
"""


def test_context_operation_pairs():
    out = run_child(SETUP + """
server_ctx, client_ctx = server_context(), client_context()
flip = itertools.cycle([0, 1])

def handshake(_):
    def op():
        result = MemoryPair(sslx, client_ctx, server_ctx).handshake_outcome()
        assert result == {"client": None, "server": None}, result
    return op

def toggle(values, apply):
    def make(_):
        cycle = itertools.cycle(values)
        return lambda: apply(next(cycle))
    return make

def set_attr(ctx, name):
    return lambda v: setattr(ctx, name, v)

ops = {
    "handshake": handshake,
    "set_ciphers": toggle(["ECDHE+AESGCM", "ECDHE+CHACHA20:ECDHE+AESGCM"],
                          lambda v: (server_ctx.set_ciphers(v), client_ctx.set_ciphers(v))),
    "add_cadata": toggle([extra_cas], lambda v: client_ctx.load_verify_locations(cadata=v)),
    "default_paths": toggle([None], lambda v: client_ctx.set_default_verify_paths()),
    "load_cert_chain": toggle([certfile], lambda v: server_ctx.load_cert_chain(v)),
    "keylog": toggle([keylog, None], lambda v: (set_attr(client_ctx, "keylog_filename")(v),
                                                set_attr(server_ctx, "keylog_filename")(v))),
    "sni_callback": toggle([lambda *a: None, None], set_attr(server_ctx, "sni_callback")),
    "msg_callback": toggle([lambda *a: None, None], set_attr(client_ctx, "_msg_callback")),
    "options": toggle([server_ctx.options | sslx.OP_NO_TICKET, server_ctx.options],
                      set_attr(server_ctx, "options")),
    "alpn": toggle([["h2", "http/1.1"], ["http/1.1"]],
                   lambda v: (server_ctx.set_alpn_protocols(v), client_ctx.set_alpn_protocols(v))),
    "ecdh_curve": toggle(["prime256v1", "secp384r1"], server_ctx.set_ecdh_curve),
    "verify_flags": toggle([sslx.VERIFY_X509_STRICT, sslx.VERIFY_DEFAULT],
                           set_attr(client_ctx, "verify_flags")),
    "queries": toggle([None], lambda v: (client_ctx.get_ca_certs(), client_ctx.cert_store_stats(),
                                         server_ctx.session_stats(), client_ctx.get_ciphers())),
}
check_all(ops, 0.12)
""", timeout=600)
    assert out.strip().endswith("pairs")


def test_connection_operation_pairs():
    # One established pair per combination; the server side echoes what it
    # gets, the pump moves bytes between the four MemoryBIOs.
    out = run_child(SETUP + """
client_ctx, server_ctx, other_client_ctx = client_context(), server_context(), client_context()

def setup():
    return MemoryPair(sslx, client_ctx, server_ctx).handshake()

def read(pair):
    def op():
        try:
            pair.client.read(1000)
        except sslx.SSLWantReadError:
            pass
    return op

def write(pair):
    return lambda: pair.client.write(b"ping" * 50)

def pump(pair):
    def op():
        pair.transfer()
        try:
            data = pair.server.read(65536)
            if data:
                pair.server.write(data)
        except sslx.SSLWantReadError:
            pass
    return op

def queries(pair):
    def op():
        c = pair.client
        assert c.version() == "TLSv1.3" and c.cipher() is not None
        c.getpeercert(); c.session; c.pending(); c.session_reused
        c.get_verified_chain(); c.selected_alpn_protocol(); c.shared_ciphers()
    return op

def switch_context(pair):
    cycle = itertools.cycle([other_client_ctx, client_ctx])
    def op():
        pair.client.context = next(cycle)
    return op

ops = {"read": read, "write": write, "pump": pump, "queries": queries,
       "switch_context": switch_context}
check_all(ops, 0.15, setup)
""", timeout=600)
    assert out.strip().endswith("pairs")


def test_socket_closed_under_each_operation():
    # A call waiting (or about to wait) in one thread, close() in another:
    # the call ends as the notes say, never on a closed descriptor.
    out = run_child(SETUP + """
client_ctx, server_ctx = client_context(), server_context()
listener = socket.create_server(("127.0.0.1", 0))
listener.settimeout(20)
stop = threading.Event()

def serve():
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.settimeout(0.3)
                try:
                    tls.recv(10)
                except (OSError, sslx.SSLError):
                    pass
        except (OSError, sslx.SSLError):
            pass

server = threading.Thread(target=serve, daemon=True)
server.start()

ALLOWED = {"recv": (bytes,), "send": (sslx.SSLEOFError, OSError, ValueError),
           "unwrap": (sslx.SSLError, OSError, ValueError), "queries": ()}

def operation(name, tls):
    if name == "recv":
        return tls.recv(100)
    if name == "send":
        for _ in range(200):
            tls.send(b"x" * 65536)
    if name == "unwrap":
        return tls.unwrap()
    if name == "queries":
        for _ in range(200):
            tls.cipher(); tls.version(); tls.pending()

outcomes = {}
for name in ("recv", "send", "unwrap", "queries"):
    for i in range(15):
        raw = socket.create_connection(listener.getsockname(), timeout=10)
        tls = client_ctx.wrap_socket(raw, server_hostname="localhost")
        tls.settimeout(5)
        result = []
        def run():
            try:
                result.append(operation(name, tls))
            except BaseException as exc:
                result.append(exc)
        t = threading.Thread(target=run)
        t.start()
        time.sleep(0.002 * (i % 5))
        tls.close()
        t.join(30)
        assert not t.is_alive(), name
        value = result[0]
        if isinstance(value, BaseException):
            assert isinstance(value, ALLOWED[name] or ()), (name, value)
        elif name == "recv":
            assert value == b"", (name, value)
        outcomes.setdefault(name, set()).add(type(value).__name__)
stop.set()
listener.close()
print(sorted((k, sorted(v)) for k, v in outcomes.items()))
print("pairs")
""", timeout=600)
    assert out.strip().endswith("pairs")


def test_memorybio_operation_pairs():
    out = run_child(SETUP + """
def setup():
    return {"bio": sslx.MemoryBIO(), "written": [0], "read": [0]}

def write(state):
    def op():
        state["bio"].write(b"abc" * 100)
    return op

def read(state):
    def op():
        state["bio"].read(250)
    return op

def pending(state):
    def op():
        state["bio"].pending; state["bio"].eof
    return op

check_all({"write": write, "read": read, "pending": pending}, 0.15, setup)
""", timeout=300)
    assert out.strip().endswith("pairs")
