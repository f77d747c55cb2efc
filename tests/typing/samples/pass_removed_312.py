# typing-sample: compare stdlib<3.12
"""Functions the stdlib removed in 3.12 and sslx keeps (deprecated), as its
specification is the 3.10 API."""
import socket
import ssl


def legacy(sock: socket.socket) -> tuple[bytes, bool]:
    tls = ssl.wrap_socket(sock, certfile="client.pem", ca_certs="ca.pem",
                          cert_reqs=ssl.CERT_REQUIRED)
    cert = tls.getpeercert()
    if cert is not None:
        ssl.match_hostname(cert, "example.org")
    tls.close()
    return ssl.RAND_pseudo_bytes(16)
