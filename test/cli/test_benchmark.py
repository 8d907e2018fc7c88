r"""Tests for botorch_roma/cli/benchmark.py (the ``benchmark`` command)."""

import json
import re

from click.testing import CliRunner

from botorch_roma.benchmarks.reporting import results_from_csv
from botorch_roma.cli.benchmark import benchmark


def _invoke(*args):
    return CliRunner().invoke(benchmark, list(args), catch_exceptions=False)


def test_list():
    result = _invoke("--list")
    assert result.exit_code == 0
    for name in ["levy-20", "hopper", "ehrlich-tfbind8", "roma", "coms", "gp-qlogei"]:
        assert name in result.output
    assert "design-bench:Superconductor-RandomForest-v0" in result.output
    methods = result.output.split("Methods:")[1]
    assert re.search(r"\n  roma +\[continuous\+discrete\] RoMA:", methods)


def test_run_json_records_the_command_and_settings(tmp_path):
    result = _invoke(
        "--tasks", "levy-20", "--methods", "dataset-top128", "--seeds", "1",
        "--n", "4", "--smoke", "--no-select-epsilon", "--out", str(tmp_path),
        "--quiet", "--method-option", "dataset-top128:k=3",
    )  # fmt: skip
    # The run fails (dataset-top128 has no options) and says why.
    assert result.exit_code == 0
    raw = results_from_csv(tmp_path / "raw_results.csv")
    assert raw["status"].tolist() == ["error"]
    assert "Unknown method option(s) ['k']" in raw["message"].iloc[0]
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["command"] == (
        f"botorch-roma benchmark --tasks levy-20 --methods dataset-top128 --seeds 1 "
        f"--n 4 --out {tmp_path} --workers 1 --threads 1 --smoke "
        "--no-select-epsilon --method-option dataset-top128:k=3"
    )
    settings = run["settings"]
    assert settings["seeds"] == [0] and settings["select_epsilon"] is False
    assert settings["methods"] == ["dataset-top128"]
    assert settings["method_options"] == {"dataset-top128": {"k": 3}}


def test_bad_input_lists_what_is_available():
    result = _invoke("--tasks", "no-such-task", "--smoke")
    assert result.exit_code == 2
    assert "Available tasks: rosenbrock-86, levy-20" in result.output
    result = _invoke("--tasks", "levy-20", "--methods", "roma,nope", "--smoke")
    assert result.exit_code == 2
    assert "['nope']" in result.output and "Available methods: roma" in result.output
    for seeds in ["-1", "0,-2", "x"]:
        result = _invoke("--tasks", "levy-20", "--seeds", seeds, "--smoke")
        assert result.exit_code == 2, seeds
        assert "--seeds" in result.output
    assert "non-negative" in _invoke("--tasks", "levy-20", "--seeds", "0,-2").output
    for bad in ["grad-ascent", "grad-ascent:steps", "nope:steps=2"]:
        result = _invoke("--tasks", "levy-20", "--method-option", bad, "--smoke")
        assert result.exit_code == 2, bad
        assert "--method-option" in result.output
    result = _invoke("--tasks", "design-bench:Superconductor-RandomForest-v0")
    assert result.exit_code == 2
    assert "design-bench" in result.output and "TFBind8-Exact-v0" in result.output


def test_smoke_run_writes_outputs(tmp_path):
    out = tmp_path / "results"
    result = _invoke(
        "--tasks", "levy-20", "--methods", "dataset-top128,grad-ascent,roma",
        "--seeds", "0,2", "--n", "8", "--smoke", "--out", str(out), "--quiet",
        "--method-option", "grad-ascent:steps=3",
        "--method-option", "roma:hidden_sizes=[8,8]",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ["raw_results.csv", "summary.csv", "results.md", "run.json"]:
        assert (out / name).exists(), name
    assert (out / "percentiles.png").exists()
    assert (out / "percentiles_levy-20.png").exists()
    raw = results_from_csv(out / "raw_results.csv")
    assert len(raw) == 6 and (raw["status"] == "ok").all()
    assert sorted(set(raw["seed"])) == [0, 2]
    options = raw.set_index("method")["options"]
    assert json.loads(options["grad-ascent"].iloc[0]) == {"steps": 3}
    assert json.loads(options["roma"].iloc[0]) == {"hidden_sizes": [8, 8]}
    run = json.loads((out / "run.json").read_text())
    assert run["command"].startswith("botorch-roma benchmark --tasks levy-20")
    assert run["settings"]["smoke"] is True
    assert "| roma |" in (out / "results.md").read_text()


def test_sensitivity_smoke(tmp_path):
    result = _invoke(
        "--tasks", "levy-20", "--seeds", "1", "--n", "4", "--smoke", "--sensitivity",
        "--out", str(tmp_path), "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sensitivity.md").exists()
    assert (tmp_path / "sensitivity.png").exists()
    assert (
        "| D | 0.1 alpha0 | 0.2 eps0 | 5 |" in (tmp_path / "sensitivity.md").read_text()
    )
