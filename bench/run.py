"""Run the benchmark suite from a checkout: the same as `sslx bench` (one
implementation, src/sslx/bench.py), with the raw-OpenSSL column from
bench/ref_openssl.c.  Uses this checkout's sslx when it is built in place
(`python setup.py build_ext --inplace`), else the installed one."""
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "src")
if glob.glob(os.path.join(SRC, "sslx", "_sslx*.so")):
    sys.path.insert(0, SRC)

from sslx import bench  # noqa: E402
from sslx.cli import main  # noqa: E402

bench.REFERENCE_SOURCE = os.path.join(HERE, "ref_openssl.c")

if __name__ == "__main__":
    sys.exit(main(["bench"] + sys.argv[1:]))
