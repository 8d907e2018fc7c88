r"""Tests for ``botorch_roma/cli/attach.py``, and the design loop end to end.

``design`` -> results -> ``attach`` -> ``design --experiment`` with real Ax
and RoMA at tiny budgets. The matching and checking rules themselves are
tested in ``test/ax/test_results.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from botorch_roma.cli import main

REPO = Path(__file__).resolve().parents[2]
FAST = ["--epochs", "2", "--steps", "3", "--adapt-steps", "2", "--no-progress"]

LOAD = """
import sys
import botorch_roma.ax  # registers RoMA with Ax's JSON storage
from ax.api.client import Client

client = Client.load_from_json_file(sys.argv[1])
strategy = client._generation_strategy
trials = client._experiment.trials
node = strategy._nodes[0].name.rsplit("_", 1)[-1]
print(strategy.name, node, len(trials), len(trials[1].arms), trials[1].status.name)
"""


def _objective(frame: pd.DataFrame) -> np.ndarray:
    return -((frame["a"] - 0.3) ** 2) - frame["b"]


def _data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"a": rng.random(20), "b": rng.random(20)})
    data["cost"] = rng.random(20)
    data["y"] = _objective(data)
    path = tmp_path / "data.csv"
    data.to_csv(path, index=False)
    return path


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _fails(*args: str) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    return result.output


def test_design_attach_design_loop(tmp_path):
    data = _data(tmp_path)
    b1 = tmp_path / "b1.csv"
    _invoke("design", data, "--tracking-metrics", "cost", "-n", "4", "-o", b1, *FAST)
    experiment = tmp_path / "b1_experiment.json"
    assert experiment.exists() and (tmp_path / "b1_run.json").exists()
    designs = pd.read_csv(b1)
    assert designs["arm_name"].tolist() == ["1_0", "1_1", "1_2", "1_3"]

    # The experiment loads in a fresh process with the RoMA strategy.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    loaded = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOAD), str(experiment)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert loaded.stdout.split("(offline) ")[1].split() == [
        "RoMA",
        "2",
        "4",
        "CANDIDATE",
    ]

    # The lab measures three of the four designs.
    results = designs.assign(y=_objective(designs), cost=1.0)
    results.iloc[:3].to_csv(tmp_path / "r1.csv", index=False)
    out = _invoke("attach", experiment, tmp_path / "r1.csv")
    assert "attached 3 result(s); 1 design(s) have no result yet" in out
    assert "1_3" in out and "trial status: running" in out
    assert "Ignored column(s) ['predicted_y'" in out

    # Bad results change nothing.
    before = experiment.read_bytes()
    bad = {
        "again.csv": (results.iloc[:1], "already have a result"),
        "noy.csv": (results.drop(columns="y"), "no column 'y'"),
        "nan.csv": (results.iloc[3:].assign(y=np.nan), "missing or non-finite"),
        "other.csv": (results.iloc[3:].assign(arm_name="7_0"), "not in the"),
    }
    for name, (frame, match) in bad.items():
        frame.to_csv(tmp_path / name, index=False)
        assert match in _fails("attach", experiment, tmp_path / name)
    assert experiment.read_bytes() == before

    # The next batch uses the 20 rows and the 3 results, with batch 1's settings.
    b2 = tmp_path / "b2.csv"
    out = _invoke("design", "--experiment", experiment, "-o", b2, "--no-progress")
    assert "23 designs with a result for 'y'" in out
    assert "Trial 1 is still running (3 of 4 designs have results" in out
    assert "Settings of the last batch reused" in out
    assert "epochs=2" in out and "steps=3" in out and "n=4." in out
    batch2 = pd.read_csv(b2)
    assert batch2["arm_name"].tolist() == ["2_0", "2_1", "2_2", "2_3"]
    assert "cost" not in batch2.columns  # still a tracking metric
    run = json.loads((tmp_path / "b2_run.json").read_text())
    assert run["data"]["experiment"] == str(experiment)
    assert run["data"]["first_data"]["path"] == str(data)
    assert run["spec"]["tracking_metrics"] == ["cost"]

    # Batch 1's last result, written to a new file with -o.
    results.iloc[3:].to_csv(tmp_path / "r1b.csv", index=False)
    b2_experiment = tmp_path / "b2_experiment.json"
    updated = tmp_path / "updated.json"
    out = _invoke("attach", b2_experiment, tmp_path / "r1b.csv", "-o", updated)
    assert "Trial 1: attached 1 result(s); trial status: completed." in out
    assert "Trial 2 got no results (candidate, 4 designs)." in out
    assert "Wrote" in out and updated.exists()
    assert "already exists" in _fails(
        "attach", b2_experiment, tmp_path / "r1b.csv", "-o", updated
    )

    # Batch 2: two results, matched by their values; the rest abandoned.
    results2 = batch2.drop(columns="arm_name").assign(y=_objective(batch2))
    results2.iloc[:2].to_csv(tmp_path / "r2.csv", index=False)
    out = _invoke("attach", updated, tmp_path / "r2.csv", "--abandon-missing")
    assert "2 design(s) without a result marked abandoned (2_2, 2_3)" in out
    assert "trial status: completed" in out

    b3 = tmp_path / "b3.csv"
    out = _invoke("design", "--experiment", updated, "-n", "2", "-o", b3, *FAST)
    assert "26 designs with a result" in out and "n=2." in out
    assert pd.read_csv(b3)["arm_name"].tolist() == ["3_0", "3_1"]


def test_design_refuses_contradictory_sources(tmp_path):
    data = _data(tmp_path)
    experiment = tmp_path / "e.json"
    experiment.write_text("{}")
    out = tmp_path / "d.csv"
    output = _fails("design", data, "--experiment", experiment, "-o", out)
    assert "Give DATA or --experiment, not both" in output
    output = _fails("design", "--experiment", experiment, "--minimize", "-o", out)
    assert "--minimize cannot be used with --experiment" in output
    output = _fails("design", "--experiment", experiment, "-o", out, *FAST)
    assert "Could not load" in output and "as a saved Ax client" in output
    assert not out.exists()
    result = CliRunner().invoke(main, ["attach", str(tmp_path / "no.json"), str(data)])
    assert result.exit_code == 2 and "does not exist" in result.output
