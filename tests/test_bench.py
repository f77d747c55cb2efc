"""The benchmark suite's plumbing: it runs, reports both modules side by
side and writes its JSON.  No time is asserted, nor which module wins: the
numbers are a report (a run at parity must pass too)."""
import json
import os
import re
import subprocess
import sys

from sslx import bench


def test_paired_ratios_are_per_round_medians():
    samples = {"sslx": [10.0, 20.0, 30.0], "stdlib": [5.0, 20.0, 60.0],
               "openssl": [10.0, 10.0, 10.0]}
    # The rounds give 2.0, 1.0 and 0.5 against the stdlib: median 1.0.
    assert bench.paired_ratios(samples) == {"stdlib": 1.0, "openssl": 2.0}
    # A failed sample (missing) means the rounds cannot be paired.
    assert bench.paired_ratios({"sslx": [1.0, 2.0], "stdlib": [1.0]}) == {}


def test_verdicts():
    entry = {"higher_is_better": True, "median": {}, "paired": {"stdlib": 2.0}}
    assert bench.verdict(entry) == "2.00x faster"
    entry["paired"]["stdlib"] = 0.5
    assert bench.verdict(entry) == "2.00x slower"
    entry["paired"]["stdlib"] = 0.998
    assert bench.verdict(entry) == "1.00x (parity)"
    memory = {"higher_is_better": False, "median": {"sslx": 30.0, "stdlib": 40.0}}
    assert bench.verdict(memory) == "0.75 of stdlib's"


VERDICT = r"(\d+\.\d\dx (faster|slower)|1\.00x \(parity\))"


def test_table_layout_with_and_without_raw_c():
    entry = {"unit": "hs/s", "higher_is_better": True, "errors": {}, "reference": "handshake",
             "median": {"sslx": 100.0, "stdlib": 99.0, "openssl": 110.0},
             "paired": {"stdlib": 1.0101, "openssl": 0.909}}
    with_c = bench.table({"hs": entry}, with_c=True).splitlines()
    assert with_c[0].endswith("sslx vs stdlib     sslx/raw C")
    assert re.search(r"^hs +100\.0 +99\.0 +110\.0 +hs/s +1\.01x faster +90\.9%$", with_c[1])
    without = bench.table({"hs": entry}, with_c=False).splitlines()
    assert "raw C" not in without[0]
    assert re.search(r"^hs +100\.0 +99\.0 +hs/s +1\.01x faster$", without[1])
    failed = dict(entry, median={"stdlib": 99.0}, paired={}, errors={"sslx": "boom"})
    lines = bench.table({"hs": failed}, with_c=False).splitlines()
    assert re.search(r"^hs +error +99\.0 +hs/s +n/a$", lines[1])
    assert lines[2].strip() == "sslx failed: boom"


def test_quick_run_writes_table_and_json(tmp_path):
    out_json = tmp_path / "b.json"
    private = tmp_path / "TMPDIR"
    private.mkdir()
    env = dict(os.environ, TMPDIR=str(private))
    src = os.path.dirname(os.path.dirname(os.path.abspath(bench.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-m", "sslx", "bench", "--quick", "--rounds", "1",
                           "--only", "create_default_context", "--json", str(out_json)],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    row = re.search(r"^create_default_context +([\d.]+) +([\d.]+) +ctx/s +" + VERDICT,
                    proc.stdout, re.M)
    assert row, proc.stdout
    assert "create_default_context: sslx round 1/1" in proc.stderr   # progress
    result = json.loads(out_json.read_text())["results"]["create_default_context"]
    assert set(result["samples"]) == {"sslx", "stdlib"}
    assert "%.1f" % result["median"]["sslx"] == row.group(1)
    assert "%.1f" % result["median"]["stdlib"] == row.group(2)
    assert all(v > 0 for values in result["samples"].values() for v in values)
    assert result["paired"]["stdlib"] > 0
    # Only the file asked for; the certificates' directory is gone.
    assert sorted(os.listdir(tmp_path)) == ["TMPDIR", "b.json"]
    assert os.listdir(private) == []


def test_a_stop_inside_a_case_ends_the_run(monkeypatch):
    """A failing case is recorded and the run goes on, but Ctrl-C or
    SIGTERM (sslx.cli.Stop) inside a case must end it at once."""
    from sslx import cli
    calls = []

    def failing(mod, certs, n):
        calls.append("fail")
        raise ValueError("broken case")

    def raising(exc):
        def case(mod, certs, n):
            calls.append(exc.__name__)
            raise exc(15) if exc is cli.Stop else exc()
        return case

    monkeypatch.setattr(bench, "CASES", {"fails": (failing, 1, 1, "u", True, None)})
    results = bench.measure(["fails"], 2, True, None, None)
    assert results["fails"]["errors"] == {"stdlib": "ValueError: broken case",
                                          "sslx": "ValueError: broken case"}
    assert calls == ["fail"] * 6            # 2 warm-ups + 2 rounds x 2 modules
    for exc in (cli.Stop, KeyboardInterrupt):
        calls.clear()
        monkeypatch.setattr(bench, "CASES", {"stops": (raising(exc), 1, 1, "u", True, None)})
        try:
            bench.measure(["stops"], 3, True, None, None)
        except (cli.Stop, KeyboardInterrupt) as caught:
            assert type(caught) is exc
        else:
            raise AssertionError("%s did not end the run" % exc.__name__)
        assert calls == [exc.__name__]      # the first call ended it
