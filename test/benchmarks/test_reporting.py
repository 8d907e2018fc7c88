r"""Tests for botorch_roma/benchmarks/reporting.py."""

import json
import math

import pandas as pd
import pytest

from botorch_roma.benchmarks.reporting import (
    aggregate,
    combine_reports,
    markdown_table,
    percentile_curves,
    results_from_csv,
    write_report,
)
from botorch_roma.benchmarks.runner import RESULT_COLUMNS
from botorch_roma.exceptions import RoMAInputError


def _results():
    rows = []
    for task in ["t1", "t2"]:
        for method, base in [("good", 0.9), ("bad", 0.5), ("never", None)]:
            for seed in range(3):
                ok = base is not None
                value = base + 0.01 * seed if ok else math.nan
                rows.append(
                    {
                        "task": task,
                        "method": method,
                        "method_name": method,
                        "seed": seed,
                        "n": 4,
                        "status": "ok" if ok else "unsupported",
                        "p100": value,
                        "p50": value - 0.1 if ok else math.nan,
                        "dataset_max": 0.8,
                        "runtime_s": 1.0,
                        "message": "" if ok else "cannot",
                        "options": "{}",
                        "scores": [value - 0.2, value - 0.1, value - 0.1, value]
                        if ok
                        else [],
                    }
                )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def test_aggregate_and_table():
    summary = aggregate(_results())
    good = summary[(summary.task == "t1") & (summary.method == "good")].iloc[0]
    assert good.p100_mean == pytest.approx(0.91)
    assert good.p100_std == pytest.approx(0.01)
    assert good.n_ok == 3 and good.status == "ok"
    never = summary[summary.method == "never"].iloc[0]
    assert never.status == "unsupported" and math.isnan(never.p100_mean)
    table = markdown_table(summary, 100)
    lines = table.splitlines()
    assert lines[0] == "| Method | t1 | t2 | Avg. |"
    assert lines[2].startswith("| Dataset max | 0.800 | 0.800 |")
    assert "| good | **0.910 ± 0.010** | **0.910 ± 0.010** | 0.910 |" in lines
    assert "| bad | 0.510 ± 0.010 | 0.510 ± 0.010 | 0.510 |" in lines
    assert "| never | n/a | n/a | — |" in lines
    assert "0.810" in markdown_table(summary, 50)
    with pytest.raises(ValueError):
        markdown_table(summary, 90)
    # An entry with fewer seeds than the others is marked.
    results = _results()
    fewer = (results.task == "t2") & (results.method == "bad") & (results.seed > 0)
    lines = markdown_table(aggregate(results[~fewer]), 100).splitlines()
    assert "| bad | 0.510 ± 0.010 | 0.500 (n=1) | 0.505 |" in lines
    assert "| good | **0.910 ± 0.010** | **0.910 ± 0.010** | 0.910 |" in lines


def test_percentile_curves():
    curves = percentile_curves(_results(), grid=5)
    line = curves[(curves.task == "t1") & (curves.method == "good")]
    assert len(line) == 5
    assert line["mean"].iloc[-1] == pytest.approx(0.91)
    assert line["mean"].is_monotonic_increasing


def test_write_report(tmp_path):
    results = _results()
    paths = write_report(results, tmp_path / "out", command="botorch-roma benchmark")
    for key in ["raw", "summary", "table", "plot", "run", "plot_t1", "plot_t2"]:
        assert paths[key].exists(), key
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"
    text = paths["table"].read_text()
    assert "## 100th percentile" in text and "## 50th percentile" in text
    assert "t1 / never / seed 0: unsupported: cannot" in text
    assert "`botorch-roma benchmark`" in text
    run = json.loads(paths["run"].read_text())
    assert run["command"] == "botorch-roma benchmark" and "cpu" in run["environment"]
    back = results_from_csv(paths["raw"])
    assert back["scores"].tolist()[0] == pytest.approx(results["scores"].tolist()[0])
    assert back["p100"].tolist()[:3] == pytest.approx(results["p100"].tolist()[:3])


def test_combine_reports(tmp_path):
    results = _results()
    first = write_report(results[results.task == "t1"], tmp_path / "a", command="a")
    write_report(results[results.task == "t2"], tmp_path / "b", command="b")
    paths = combine_reports([tmp_path / "a", tmp_path / "b"], tmp_path / "all")
    back = results_from_csv(paths["raw"])
    assert len(back) == len(results)
    assert sorted(set(back["task"])) == ["t1", "t2"]
    text = paths["table"].read_text()
    assert "| Method | t1 | t2 | Avg. |" in text
    assert "  - `a`" in text and "  - `b`" in text
    assert json.loads(paths["run"].read_text())["command"] == ["a", "b"]
    # Overlapping parts and non-result folders get clear errors.
    with pytest.raises(RoMAInputError, match="overlap"):
        combine_reports([tmp_path / "a", tmp_path / "all"], tmp_path / "bad")
    with pytest.raises(RoMAInputError, match="not a benchmark result folder"):
        combine_reports([first["raw"].parent / "missing"], tmp_path / "bad")
    with pytest.raises(RoMAInputError, match="at least one"):
        combine_reports([], tmp_path / "bad")


def test_report_lists_recorded_settings(tmp_path):
    results = _results()
    results["info"] = "{}"
    chosen = (results["method"] == "good") & (results["seed"] > 0)
    results.loc[chosen, "info"] = '{"epsilon": 0.01, "epsilon_source": "offline rule"}'
    paths = write_report(results, tmp_path / "a", command="a")
    text = paths["table"].read_text()
    assert "## Settings chosen during the runs" in text
    assert (
        "- t1 / good (seeds [1, 2]): epsilon=0.01, epsilon_source=offline rule" in text
    )
    assert "t1 / good / seed 0" in text.split("No record")[1]
    # A frame with a repeated index (e.g. concatenated) lists the same runs.
    repeated = results.set_axis([0] * len(results))
    again = write_report(repeated, tmp_path / "r", command="a")["table"].read_text()
    assert again.split("## Settings")[1] == text.split("## Settings")[1]
    # Results written before the ``info`` column existed still load and combine.
    old = _results().drop(columns=["info"])
    old["seed"] += 10
    write_report(old, tmp_path / "old", command="old")
    raw = tmp_path / "old" / "raw_results.csv"
    assert "info" not in pd.read_csv(raw).columns
    back = results_from_csv(raw)
    assert list(back.columns) == RESULT_COLUMNS
    assert (back["info"] == "{}").all()
    combined = combine_reports([tmp_path / "a", tmp_path / "old"], tmp_path / "all")
    assert len(results_from_csv(combined["raw"])) == 2 * len(results)
