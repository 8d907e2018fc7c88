r"""Tests for ``botorch_roma/cli/design.py`` (the ``design`` command).

The spec and table helpers of ``botorch_roma/ax/design.py`` are tested in
``test/ax/test_design.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from botorch_roma.cli.design import design
from botorch_roma.options import DEFAULT_PRESET, PretrainingOptions, preset_overrides
from test.ax.helpers import mixed_data

REPO = Path(__file__).resolve().parents[2]
FAST_ARGS = ["--epochs", "2", "--steps", "3", "--adapt-steps", "2", "--no-progress"]

SPEC = {
    "parameters": [
        {"name": "x0", "type": "range", "bounds": [0.0, 1.0]},
        {"name": "lr", "type": "range", "bounds": [1e-4, 0.1], "log_scale": True},
        {"name": "k", "type": "range", "bounds": [1, 4], "value_type": "int"},
        {"name": "c", "type": "choice", "values": ["a", "b", "c"]},
        {"name": "size", "type": "choice", "values": [1, 2, 4], "is_ordered": True},
        {"name": "fixed", "type": "fixed", "value": 3.0},
    ],
    "parameter_constraints": ["x0 + k <= 3.5"],
    "objective": "y",
    "tracking_metrics": ["cost"],
}


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "botorch_roma.cli", "design", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_default_dataset_subprocess(tmp_path):
    out = tmp_path / "designs.csv"
    result = _run("-n", "6", "-o", str(out), *FAST_ARGS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "built-in dataset" in result.stdout
    settings = result.stdout.split("RoMA settings: ")[1].splitlines()[0]
    assert settings.startswith(f"preset {DEFAULT_PRESET!r}; ")
    for given in ("epochs=2", "steps=3", "adapt_steps=2"):
        assert f" {given}," in settings or f" {given} " in settings
    assert "Candidates' true y" in result.stdout and "Dataset best y" in result.stdout
    designs = pd.read_csv(out)
    assert len(designs) == 6
    assert {"predicted_y", "true_y", "x0", "x7"} <= set(designs.columns)
    assert designs[[f"x{i}" for i in range(8)]].abs().max().max() <= 5.0


def test_csv_with_yaml_spec_subprocess(tmp_path):
    data = mixed_data(n=25)
    data["cost"] = np.arange(25.0)
    csv = tmp_path / "data.csv"
    data.to_csv(csv, index=False)
    spec = tmp_path / "space.yaml"
    import yaml

    spec.write_text(yaml.safe_dump(SPEC))
    out = tmp_path / "out" / "designs.csv"
    result = _run(str(csv), "--spec", str(spec), "-n", "5", "-o", str(out), *FAST_ARGS)
    assert result.returncode == 0, result.stderr[-3000:]
    designs = pd.read_csv(out)
    assert len(designs) == 5 and "predicted_y" in designs.columns
    assert (designs["x0"] + designs["k"] <= 3.5 + 1e-6).all()
    assert set(designs["c"]) <= {"a", "b", "c"}
    assert designs["k"].dtype.kind == "i"


def test_csv_without_spec_infers_bounds_and_minimizes(tmp_path):
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"a": rng.random(20), "b": 2 + rng.random(20)})
    data["loss"] = (data.a - 0.5) ** 2 + data.b
    csv = tmp_path / "data.csv"
    data.to_csv(csv, index=False)
    out = tmp_path / "designs.csv"
    result = CliRunner().invoke(
        design, [str(csv), "--minimize", "-n", "4", "-o", str(out), *FAST_ARGS]
    )
    assert result.exit_code == 0, result.output
    assert "No --spec given" in result.output and "'loss' (the last column)" in (
        result.output
    )
    assert "minimized" in result.output
    designs = pd.read_csv(out)
    assert designs["a"].between(data.a.min(), data.a.max()).all()
    assert designs["b"].between(data.b.min(), data.b.max()).all()


def test_ensemble_preset_reports_a_standard_error(tmp_path):
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"a": rng.random(60), "b": rng.random(60)})
    data["y"] = -((data.a - 0.3) ** 2) - data.b
    csv = tmp_path / "data.csv"
    data.to_csv(csv, index=False)
    out = tmp_path / "designs.csv"
    result = CliRunner().invoke(
        design,
        [str(csv), "--preset", "ensemble", "-n", "4", "-o", str(out), *FAST_ARGS],
    )
    assert result.exit_code == 0, result.output
    assert "preset 'ensemble'" in result.output
    designs = pd.read_csv(out)
    assert (designs["predicted_y_sem"] > 0).all()  # members disagree
    # The trust report: summary lines, and Markdown next to the designs.
    assert "Held-out fit (" in result.output and "Spearman" in result.output
    assert "Distance to the nearest design in the data" in result.output
    report = (tmp_path / "designs_trust.md").read_text()
    assert report.startswith("# Trust report") and "predicted above" in report
    result = CliRunner().invoke(design, [str(csv), "--preset", "best", *FAST_ARGS])
    assert result.exit_code != 0 and "'best' is not one of" in result.output


def test_design_device(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("checks the error on a machine without CUDA")
    out = tmp_path / "designs.csv"
    result = CliRunner().invoke(
        design, ["--device", "cuda", "-o", str(out), *FAST_ARGS]
    )
    assert result.exit_code != 0 and "no usable CUDA" in result.output
    assert "Loading the built-in dataset" not in result.output and not out.exists()


@pytest.mark.parametrize(
    "content, extra, match",
    [
        ("x0,y\n0.1,1\n0.2,\n0.3,2\n", [], "NaN"),
        ("x0,y\n0.1,1\n", [], "at least 2"),
        ("x0,y\n", [], "no rows"),
        ("\x00\x01garbage", [], "Could not read"),
        (b"\xff\xfe\x00\xd8garbage\n\x00,\x01", [], "Could not read"),
        ("x0,y\n0.1,1\n0.2,2\n0.5,3\n", ["-n", "0"], "positive integer"),
        ("x0,y\n0.1,1\n0.2,2\n", ["--objective", "z"], "not in the data"),
        ("x0,c,y\n0.1,a,1\n0.2,b,2\n", [], "not numeric"),
    ],
)
def test_bad_input_writes_nothing(tmp_path, content, extra, match):
    csv = tmp_path / "data.csv"
    if isinstance(content, bytes):
        csv.write_bytes(content)
    else:
        csv.write_text(content)
    out = tmp_path / "designs.csv"
    result = CliRunner().invoke(design, [str(csv), "-o", str(out), *FAST_ARGS, *extra])
    assert result.exit_code != 0
    assert match in result.output
    assert not out.exists()


def test_missing_file_and_bad_spec(tmp_path):
    out = tmp_path / "designs.csv"
    result = CliRunner().invoke(design, [str(tmp_path / "nope.csv"), "-o", str(out)])
    assert result.exit_code != 0 and "Could not read" in result.output
    csv = tmp_path / "data.csv"
    mixed_data(n=6).to_csv(csv, index=False)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"parameters": [{"name": "x0", "type": "ranj"}]}))
    result = CliRunner().invoke(design, [str(csv), "--spec", str(spec), "-o", str(out)])
    assert result.exit_code != 0 and "'range', 'choice' or 'fixed'" in result.output
    # A spec whose parameters do not cover the data's columns.
    spec.write_text(json.dumps({"parameters": SPEC["parameters"][:1]}))
    result = CliRunner().invoke(design, [str(csv), "--spec", str(spec), "-o", str(out)])
    assert result.exit_code != 0 and "neither parameters" in result.output
    assert not out.exists()
    result = CliRunner().invoke(design, ["--minimize", "-o", str(out)])
    assert result.exit_code != 0 and "need a DATA file" in result.output


def _table(tmp_path, index: bool = False):
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"a": rng.random(20), "b": rng.random(20)})
    data["cost"] = rng.random(20)
    data["y"] = -((data.a - 0.3) ** 2) - data.b
    csv = tmp_path / "data.csv"
    data.to_csv(csv, index=index)
    return csv


def test_existing_output_is_kept_unless_overwrite(tmp_path):
    csv = _table(tmp_path)
    out = tmp_path / "designs.csv"
    out.write_text("keep me\n")
    result = CliRunner().invoke(
        design, [str(csv), "-n", "3", "-o", str(out), *FAST_ARGS]
    )
    assert result.exit_code != 0
    assert "already exists; pass --overwrite" in result.output
    assert "Read 20 rows" not in result.output  # refused before any work
    assert out.read_text() == "keep me\n"
    result = CliRunner().invoke(
        design, [str(csv), "-n", "3", "-o", str(out), "--overwrite", *FAST_ARGS]
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 3


@pytest.mark.parametrize(
    "where, match",
    [
        ("data.csv/designs.csv", "'{tmp}/data.csv' is a file, not a folder"),
        (".", "is a directory"),
    ],
)
def test_bad_output_path_fails_before_any_work(tmp_path, where, match):
    csv = _table(tmp_path)
    out = tmp_path / where
    result = CliRunner().invoke(design, [str(csv), "-o", str(out), *FAST_ARGS])
    assert result.exit_code != 0
    assert match.format(tmp=tmp_path) in result.output
    assert "Read 20 rows" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_missing_output_folders_are_created_at_the_end(tmp_path):
    csv = _table(tmp_path)
    out = tmp_path / "new" / "deeper" / "designs.csv"
    result = CliRunner().invoke(
        design, [str(csv), "-n", "2", "-o", str(out), *FAST_ARGS]
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 2


def test_without_spec_index_columns_are_dropped_and_parameters_listed(tmp_path):
    csv = _table(tmp_path, index=True)  # a pandas index: 'Unnamed: 0'
    out = tmp_path / "designs.csv"
    result = CliRunner().invoke(
        design, [str(csv), "-n", "3", "-o", str(out), *FAST_ARGS]
    )
    assert result.exit_code == 0, result.output
    assert "Dropped column 'Unnamed: 0': it has no header" in result.output
    # A metric column is visible as a parameter, with the way out.
    assert "3 float parameter(s)" in result.output and "cost in [" in result.output
    assert "pass --tracking-metrics NAME" in result.output
    designs = pd.read_csv(out)
    assert "Unnamed: 0" not in designs.columns and "cost" in designs.columns
    # --tracking-metrics keeps it out of the parameters.
    result = CliRunner().invoke(
        design,
        [str(csv), "-n", "3", "-o", str(out), "--overwrite", "--tracking-metrics",
         "cost", *FAST_ARGS],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 float parameter(s)" in result.output
    assert "cost" not in pd.read_csv(out).columns
    # A named column of row numbers is dropped too.
    table = pd.read_csv(csv).rename(columns={"Unnamed: 0": "id"})
    table.to_csv(csv, index=False)
    result = CliRunner().invoke(
        design, [str(csv), "-n", "3", "-o", str(out), "--overwrite", *FAST_ARGS]
    )
    assert "Dropped column 'id': it holds the row numbers 0..19" in result.output


@pytest.mark.parametrize(
    "spec, match",
    [
        ("parameters:\n  - {name: a, bounds: [a, b]}\n", "two finite numbers"),
        ("parameters:\n  - {name: a, bounds: [1, 0]}\n", "lower bound must be below"),
        (
            "parameters:\n  - {name: a, bounds: [0, 1]}\ntracking_metrics: cost\n",
            "must be a list of strings",
        ),
        ("parameters:\n  - {name: a, bounds: [0, 1]}\nminimize: 'no'\n", "true or"),
    ],
)
def test_malformed_spec_is_a_clear_error(tmp_path, spec, match):
    csv = _table(tmp_path)
    path = tmp_path / "space.yaml"
    path.write_text(spec)
    out = tmp_path / "designs.csv"
    result = CliRunner().invoke(
        design, [str(csv), "--spec", str(path), "-o", str(out), *FAST_ARGS]
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Error:" in result.output and match in result.output
    assert not out.exists()


def test_training_errors_are_clean_cli_errors(tmp_path):
    csv = _table(tmp_path)
    out = tmp_path / "designs.csv"
    args = [str(csv), "-o", str(out), "--epsilon", "10", "--epochs", "3"]
    result = CliRunner().invoke(design, [*args, "--no-progress"])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert "Error: Robust pre-training diverged" in result.output
    assert not out.exists()
    result = CliRunner().invoke(design, ["--tracking-metrics", "cost", "-o", str(out)])
    assert result.exit_code != 0 and "need a DATA file" in result.output


def test_run_record_experiment_and_digits(tmp_path):
    csv = _table(tmp_path)
    out = tmp_path / "designs.csv"
    args = [str(csv), "--tracking-metrics", "cost", "-n", "3", "-o", str(out)]
    result = CliRunner().invoke(design, [*args, "--seed", "2", *FAST_ARGS])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Reading {csv}...\n")
    assert "floats to 6 significant digits" in result.output
    run = json.loads((tmp_path / "designs_run.json").read_text())
    assert set(run) == {
        "command", "started", "wall_seconds", "cpu_seconds", "settings", "spec",
        "data", "outputs", "versions",
    }  # fmt: skip
    settings = run["settings"]
    assert (settings["preset"], settings["seed"], settings["n"]) == (
        DEFAULT_PRESET,
        2,
        3,
    )
    assert settings["digits"] == 6 and settings["progress"] is False
    assert settings["overrides"] == {
        "pretraining": {"epochs": 2},
        "ascent": {"steps": 3, "adapt_steps": 2},
    }
    preset = preset_overrides(DEFAULT_PRESET, PretrainingOptions)
    assert settings["resolved_overrides"]["pretraining"] == {**preset, "epochs": 2}
    assert (
        settings["pretraining"]
        == PretrainingOptions.from_dict({**preset, "epochs": 2}).to_dict()
    )  # every option, defaults included
    assert settings["ascent"]["steps"] == 3
    assert run["spec"]["objective"] == "y" and run["spec"]["tracking_metrics"] == [
        "cost"
    ]
    assert [p["name"] for p in run["spec"]["parameters"]] == ["a", "b"]
    assert run["data"]["sha256"] == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert run["data"]["path"] == str(csv) and run["data"]["rows"] == 20
    assert run["command"].startswith("botorch-roma") or "pytest" in run["command"]
    assert set(run["versions"]) >= {"botorch_roma", "torch", "ax", "python"}
    assert run["wall_seconds"] > 0 and run["cpu_seconds"] > 0
    assert run["outputs"]["experiment"] == str(tmp_path / "designs_experiment.json")
    # The designs file is rounded; the experiment keeps full precision.
    written = pd.read_csv(out, dtype={"a": str, "predicted_y": str})
    assert all(len(v.replace("-", "").replace(".", "").lstrip("0")) <= 6
               for v in [*written["a"], *written["predicted_y"]])  # fmt: skip
    experiment = json.loads((tmp_path / "designs_experiment.json").read_text())
    assert "RoMA" in json.dumps(experiment["generation_strategy"])
    # Every output is refused before any work unless --overwrite.
    for name in ("designs_experiment.json", "designs_run.json"):
        out.unlink(missing_ok=True)
        result = CliRunner().invoke(design, [*args, *FAST_ARGS])
        assert result.exit_code == 1 and f"{name}' already exists" in result.output
        assert "Read 20 rows" not in result.output
        (tmp_path / name).rename(tmp_path / f"kept_{name}")
    result = CliRunner().invoke(design, [*args, "--digits", "0", *FAST_ARGS])
    assert result.exit_code == 0 and "at full precision" in result.output
    written = pd.read_csv(out, dtype={"a": str})
    assert max(len(v) for v in written["a"]) > 10


def test_importing_the_cli_loads_neither_ax_nor_torch():
    code = (
        "import sys\n"
        "from botorch_roma.cli import attach, design, spec\n"
        "print(sorted(m for m in ('ax', 'torch', 'botorch', 'pandas') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
