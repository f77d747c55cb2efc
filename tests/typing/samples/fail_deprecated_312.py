# typing-sample: compare stdlib<3.12 flags=--enable-error-code=deprecated
"""The functions the stdlib removed in 3.12 are deprecated in sslx (which
keeps them on every Python)."""
import socket
import ssl


def old_functions(sock: socket.socket) -> None:
    ssl.wrap_socket(sock)  # E: deprecated  # sslx-differs: names sslx's function, with sslx's text
    ssl.match_hostname({}, "example.org")  # E: deprecated  # sslx-differs: as wrap_socket
    ssl.RAND_pseudo_bytes(8)  # E: deprecated  # sslx-differs: as wrap_socket
