"""Run the benchmark suite from a checkout (same as `python -m sslx bench`)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from sslx.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
