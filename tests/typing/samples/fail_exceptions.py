# typing-sample: compare
"""Type errors in exception handling."""
import ssl


def handle(exc: ssl.SSLError) -> str:
    code: str = exc.errno  # E: assignment
    print(exc.verify_code)  # E: attr-defined
    return exc.library + 1  # E: operator, no-any-return


def verify(exc: ssl.SSLCertVerificationError) -> int:
    return exc.verify_message  # E: return-value


def catch() -> None:
    try:
        pass
    except ssl.SSLWantReadError as exc:
        exc.reason = 5  # E: assignment
    except ssl.OP_ALL:  # E: misc
        pass


def wrong_kind() -> ssl.SSLError:
    return ValueError("x")  # E: return-value
