r"""Tests for botorch_roma/benchmarks/reporting.py."""

import json
import math

import pandas as pd
import pytest

from botorch_roma.benchmarks.reporting import (
    aggregate,
    combine_reports,
    compare_with_baselines,
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
    # A rerun replaces the earlier run of the same (task, method, seed).
    rerun = results[results.task == "t1"].head(1).copy()
    rerun["p100"] = 123.0
    write_report(rerun, tmp_path / "rerun", command="rerun")
    paths = combine_reports(
        [tmp_path / "a", tmp_path / "b", tmp_path / "rerun"],
        tmp_path / "replaced",
        replace=True,
    )
    back = results_from_csv(paths["raw"])
    assert len(back) == len(results) and (back["p100"] == 123.0).sum() == 1
    replaced = json.loads(paths["run"].read_text())["settings"]["replaced"]
    assert len(replaced) == 1 and replaced[0]["part"] == str(tmp_path / "a")
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


def _summary_row(task, method, p100, p50, n_ok=4):
    return {
        "task": task,
        "method": method,
        "p100_mean": p100,
        "p100_std": 0.0,
        "p50_mean": p50,
        "p50_std": 0.0,
        "n_ok": n_ok,
        "n_runs": 4,
        "status": "ok" if n_ok else "error",
        "dataset_max": 0.8,
        "runtime_s": 1.0,
    }


def test_compare_with_baselines(tmp_path):
    rows = [
        # hopper: RoMA wins both, ablation order holds; qei ran on fewer seeds.
        _summary_row("hopper", "roma", 1.0, 0.9),
        _summary_row("hopper", "roma-no-adapt", 0.95, 0.85),
        _summary_row("hopper", "roma-smoothing-only", 0.9, 0.8),
        _summary_row("hopper", "grad", 0.97, 0.7),
        _summary_row("hopper", "qei", 0.99, 0.6, n_ok=2),
        # levy: a p100 tie (within 1e-3) that is not "ahead" at p50 either; the
        # ablation order fails; qei failed on every seed, so it counts as missing.
        _summary_row("levy", "roma", 0.9995, 0.7),
        _summary_row("levy", "roma-no-adapt", 1.1, 0.75),
        _summary_row("levy", "roma-smoothing-only", 0.5, 0.5),
        _summary_row("levy", "grad", 1.0, 0.7),
        _summary_row("levy", "qei", math.nan, math.nan, n_ok=0),
        # rosen: RoMA loses; no ablations ran.
        _summary_row("rosen", "roma", 0.5, 0.4),
        _summary_row("rosen", "grad", 0.6, 0.5),
        _summary_row("rosen", "qei", 0.7, 0.3),
        # only-roma: no baseline, so the task is left out.
        _summary_row("only-roma", "roma", 0.5, 0.4),
    ]
    summary = pd.DataFrame(rows)
    table, lines = compare_with_baselines(summary)
    assert table["task"].tolist() == ["hopper", "levy", "rosen"]
    hopper, levy, rosen = table.to_dict("records")
    assert hopper["best_baseline_p100"] == 0.99
    assert hopper["best_baseline_p100_method"] == "qei"
    assert hopper["best_baseline_p50_method"] == "grad"
    assert hopper["baseline_fewer_seeds"] == "qei"
    assert hopper["ablation_order_p100"] and hopper["ablation_order_p50"]
    assert levy["baselines_missing"] == "qei" and levy["baseline_fewer_seeds"] == ""
    assert not levy["ablation_order_p100"]
    assert rosen["best_baseline_p100_method"] == "qei"
    assert rosen["best_baseline_p50_method"] == "grad"
    assert pd.isna(rosen["ablation_order_p100"])
    assert lines == [
        "1. p100 >= best baseline on at least half the tasks: 2 of 3 -> met",
        "2. p50 ahead of the best baseline on most tasks: 1 of 3 -> not met",
        "3. ablation order on hopper: p100 True, p50 True -> met",
        "4. ablation order at p50 (roma > roma-no-adapt > roma-smoothing-only): "
        "holds on 1 of 2 tasks where all three ran",
    ]
    # A stricter tie turns levy's p100 into a loss.
    _, strict = compare_with_baselines(summary, tie=0.0)
    assert strict[0].endswith("1 of 3 -> not met")
    # The summary is not modified.
    assert summary.equals(pd.DataFrame(rows))
    # The ensemble entry is compared when asked, and is never a baseline.
    ens = pd.DataFrame([*rows, _summary_row("rosen", "roma-ensemble", 0.8, 0.6)])
    table, lines = compare_with_baselines(ens, method="roma-ensemble")
    assert table["task"].tolist() == ["rosen"] and table["roma_p100"][0] == 0.8
    assert lines[0].endswith("1 of 1 -> met")
    table, _ = compare_with_baselines(ens)
    assert "roma-ensemble" not in set(table["best_baseline_p100_method"])
    # The ensemble's ablation order uses its own entries, never roma's (with
    # adaptation, the default without it, smoothing only), and they are not
    # baselines either.
    ens = pd.DataFrame(
        [
            *rows,
            _summary_row("rosen", "roma-ensemble-adapt", 0.8, 0.6),
            _summary_row("rosen", "roma-ensemble", 0.9, 0.55),
            _summary_row("rosen", "roma-ensemble-smoothing-only", 0.95, 0.5),
        ]
    )
    table, lines = compare_with_baselines(ens, method="roma-ensemble")
    rosen = table.to_dict("records")[0]
    assert not rosen["ablation_order_p100"] and rosen["ablation_order_p50"]
    assert rosen["best_baseline_p100_method"] == "qei"
    assert lines[-1] == (
        "4. ablation order at p50 (roma-ensemble-adapt > roma-ensemble > "
        "roma-ensemble-smoothing-only): holds on 1 of 1 tasks where all three ran"
    )
    # No task with both RoMA and a baseline.
    empty, lines = compare_with_baselines(summary[summary["task"] == "only-roma"])
    assert len(empty) == 0 and lines == ["No task has both roma and a baseline."]


def test_report_compares_with_baselines(tmp_path):
    results = _results()
    results["method"] = results["method"].replace({"good": "roma"})
    text = write_report(results, tmp_path / "a")["table"].read_text()
    assert "## roma against the best baseline" in text
    assert (
        "| t1 | 0.910 | 0.510 (bad) | 0.810 | 0.410 (bad) | n/a | - | never |" in text
    )
    assert "\n1. p100 >= best baseline on at least half the tasks: 2 of 2 -> met" in (
        text
    )
    # Without RoMA in the results, the section is left out.
    plain = write_report(_results(), tmp_path / "b")["table"].read_text()
    assert "against the best baseline" not in plain
