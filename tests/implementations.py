"""The two implementations the suite compares: sslx and the stdlib `ssl` of
the same interpreter.

Tests that run once per implementation take the `mod` fixture (conftest.py),
which is parametrized from MODULES.  Tests that run both inside one test to
compare the outcomes iterate over MODULES.  A test whose stdlib variant needs
a newer interpreter marks itself `stdlib_requires(condition, reason=...)`:
the fixture then skips only the stdlib variant, with that reason.
"""
import ssl

import sslx

MODULES = {"sslx": sslx, "stdlib": ssl}
