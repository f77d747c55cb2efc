"""`python -m sslx`: the sslx command line (see sslx.cli)."""
import sys

from sslx.cli import main

if __name__ == "__main__":
    sys.exit(main())
