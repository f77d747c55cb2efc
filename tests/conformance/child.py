"""Run the interpreter's own test.test_ssl once (or another of its test
modules, named with --module, e.g. test.test_asyncio.test_ssl), with either
the stdlib ssl or sslx installed as `ssl` (and sslx._sslx as `_ssl`),
writing one JSON line per finished test to the file named on the command
line.

Used by run_test_ssl.py and run_test_asyncio.py; not a pytest module."""
import importlib
import json
import signal
import sys
import unittest

PER_TEST_SECONDS = 60


class TestTimedOut(Exception):
    pass


def _on_alarm(signum, frame):
    raise TestTimedOut("test took longer than %ds" % PER_TEST_SECONDS)


def install_sslx():
    import sslx  # imports the stdlib's _ssl for its exception classes first
    sys.modules["ssl"] = sslx
    sys.modules["_ssl"] = sslx._sslx
    if not hasattr(sslx, "_ssl"):
        sslx._ssl = sslx._sslx


class LineResult(unittest.TextTestResult):
    """Writes each outcome as it happens, so a hang or crash loses only the
    test that was running."""

    out = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._failed_by_subtest = set()

    def startTest(self, test):
        # A hung test becomes an error of its own instead of stalling the run.
        signal.setitimer(signal.ITIMER_REAL, PER_TEST_SECONDS)
        super().startTest(test)

    def stopTest(self, test):
        signal.setitimer(signal.ITIMER_REAL, 0)
        super().stopTest(test)

    def _emit(self, test, outcome, detail=""):
        cls = type(test).__name__ if isinstance(test, unittest.TestCase) else "<module>"
        name = getattr(test, "_testMethodName", str(test))
        self.out.write(json.dumps({"class": cls, "test": name, "outcome": outcome,
                                   "detail": detail[-2000:]}) + "\n")
        self.out.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._emit(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._emit(test, "failed", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._emit(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._emit(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._emit(test, "passed")

    def addSubTest(self, test, subtest, err):
        # A failed subtest fails its test; unittest then reports nothing
        # else for that test, so it is recorded here (once per test).
        super().addSubTest(test, subtest, err)
        if err is None or test in self._failed_by_subtest:
            return
        self._failed_by_subtest.add(test)
        outcome = "failed" if issubclass(err[0], test.failureException) else "error"
        self._emit(test, outcome, "%s: %s" % (subtest, self._exc_info_to_string(err, test)))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._emit(test, "failed", "unexpected success")


def main():
    impl, out_path = sys.argv[1], sys.argv[2]
    patterns = sys.argv[3:]
    module_name = "test.test_ssl"
    if patterns[:1] == ["--module"]:
        module_name, patterns = patterns[1], patterns[2:]
    signal.signal(signal.SIGALRM, _on_alarm)
    with open(out_path, "w") as out:
        LineResult.out = out
        try:
            if impl == "sslx":
                install_sslx()
            test_module = importlib.import_module(module_name)
        except Exception as exc:  # report, do not hide, an import failure
            out.write(json.dumps({"class": "<import>", "test": "import " + module_name,
                                  "outcome": "error", "detail": repr(exc)}) + "\n")
            return 1
        loader = unittest.TestLoader()
        if patterns:
            loader.testNamePatterns = patterns
        suite = loader.loadTestsFromModule(test_module)
        runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=0,
                                         resultclass=LineResult)
        runner.run(suite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
