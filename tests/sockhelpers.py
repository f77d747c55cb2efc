"""Loopback servers for socket tests: each runs in a thread on 127.0.0.1,
every blocking call has a timeout, and the thread is joined when the
`with` block ends (a handler's exception is re-raised there)."""
import socket
import threading

JOIN_TIMEOUT = 15


class ThreadedServer:
    """Accept `connections` TCP connections one by one and run
    handler(raw_socket) for each in the server thread.

    The handler gets a plain socket with a timeout of `timeout` seconds;
    what it returns is appended to `self.results`."""

    def __init__(self, handler, connections=1, timeout=10, family=socket.AF_INET):
        self.handler = handler
        self.connections = connections
        self.results = []
        self.error = None
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(timeout)
        self.timeout = timeout
        self.addr = self.listener.getsockname()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            for _ in range(self.connections):
                conn, _ = self.listener.accept()
                conn.settimeout(self.timeout)
                with conn:
                    self.results.append(self.handler(conn))
        except BaseException as exc:  # re-raised in the test's thread
            self.error = exc

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.thread.join(JOIN_TIMEOUT)
        self.listener.close()
        assert not self.thread.is_alive(), "server thread did not finish"
        if self.error is not None and exc_info[0] is None:
            raise self.error
        return False


class ConcurrentServer(ThreadedServer):
    """Like ThreadedServer, but each connection gets its own handler
    thread, so many clients are served at once."""

    def _run(self):
        workers = []
        try:
            for _ in range(self.connections):
                conn, _ = self.listener.accept()
                conn.settimeout(self.timeout)
                t = threading.Thread(target=self._serve_one, args=(conn,), daemon=True)
                t.start()
                workers.append(t)
        except BaseException as exc:
            self.error = exc
        for t in workers:
            t.join(JOIN_TIMEOUT)

    def _serve_one(self, conn):
        try:
            with conn:
                self.results.append(self.handler(conn))
        except BaseException as exc:
            self.error = exc


def recv_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            break
        data += piece
    return bytes(data)


def echo_lines(tls):
    """Echo each received chunk upper-cased until the peer closes."""
    total = 0
    while True:
        try:
            data = tls.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            # A client that closes with unread TLS 1.3 tickets resets the
            # connection (the stdlib reports that as EOF before 3.13); and
            # OpenSSL 3.5+ may still be sending the tickets from inside
            # this read when the client has gone (EPIPE).
            return total
        if not data:
            return total
        total += len(data)
        tls.sendall(data.upper())


def stdlib_tls_server(server_ctx, body):
    """A handler that wraps the raw socket with the *stdlib* server context
    (the reference peer) and runs body(tls_socket)."""
    def handler(conn):
        try:
            tls = server_ctx.wrap_socket(conn, server_side=True)
        except OSError as exc:      # SSLError too: the client gave up
            return f"handshake failed: {exc!r}"
        with tls:
            return body(tls)
    return handler
