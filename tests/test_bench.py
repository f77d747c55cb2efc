"""The benchmark suite's plumbing: it runs, reports both modules side by
side and writes its JSON.  No time is asserted: the numbers are a report."""
import json
import os
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


def test_quick_run_writes_table_and_json(tmp_path):
    out_json = tmp_path / "b.json"
    env = dict(os.environ)
    src = os.path.dirname(os.path.dirname(os.path.abspath(bench.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-m", "sslx", "bench", "--quick", "--rounds", "1",
                           "--only", "create_default_context", "--json", str(out_json),
                           "--png", ""], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "create_default_context" in proc.stdout and "faster" in proc.stdout
    assert "create_default_context: sslx round 1/1" in proc.stderr   # progress
    result = json.loads(out_json.read_text())["results"]["create_default_context"]
    assert set(result["samples"]) == {"sslx", "stdlib"}
    assert all(v > 0 for values in result["samples"].values() for v in values)
    assert result["paired"]["stdlib"] > 0
