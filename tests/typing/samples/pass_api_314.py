# typing-sample: compare stdlib>=3.14
"""Python 3.14's additions, which sslx has on every Python."""
import ssl


def post_handshake_auth_supported() -> bool:
    return ssl.HAS_PHA
