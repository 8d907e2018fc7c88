r"""Tables, CSV files and plots from benchmark results.

- :func:`aggregate`: mean and standard deviation over seeds of the normalized
  100th and 50th percentiles, per task and method.
- :func:`markdown_table`: a paper-style table (methods x tasks, plus the
  dataset's maximum and the average over tasks), with the entries within one
  standard deviation of the best mean in bold, as in Tables 1-2 of
  [Yu2021roma]_.
- :func:`plot_percentile_curves`: the normalized score at every percentile of
  the candidates, averaged over seeds, like the paper's Figure 3.
- :func:`compare_with_baselines`: RoMA against the best baseline on each task,
  and the verdicts on the suite's targets (issue #4).
- :func:`write_report`: all of the above into a directory, plus the raw CSV and
  a ``run.json`` with the command, the hardware and the package versions.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "ABLATIONS",
    "ENSEMBLE_METHODS",
    "ROMA_METHODS",
    "ROMA_VARIANTS",
    "aggregate",
    "combine_reports",
    "compare_with_baselines",
    "environment_info",
    "markdown_table",
    "percentile_curves",
    "plot_percentile_curves",
    "results_from_csv",
    "results_to_csv",
    "write_report",
]


def _ordered(values: pd.Series) -> list:
    return list(dict.fromkeys(values.tolist()))


def aggregate(results: pd.DataFrame) -> pd.DataFrame:
    r"""Mean and standard deviation over seeds, per task and method.

    Args:
        results: Raw results, see
            :data:`~botorch_roma.benchmarks.runner.RESULT_COLUMNS`.

    Returns:
        One row per (task, method) with ``p100_mean``, ``p100_std``,
        ``p50_mean``, ``p50_std`` (over successful runs; sample std), ``n_ok``,
        ``n_runs``, ``status`` (``ok``, ``unsupported``, ``error`` or
        ``partial``), ``dataset_max`` and ``runtime_s`` (mean).
    """
    rows = []
    for (task, method), group in results.groupby(["task", "method"], sort=False):
        ok = group[group["status"] == "ok"]
        statuses = set(group["status"])
        if statuses == {"ok"}:
            status = "ok"
        elif len(ok) > 0:
            status = "partial"
        elif "unsupported" in statuses:
            status = "unsupported"
        else:
            status = "error"
        rows.append(
            {
                "task": task,
                "method": method,
                "p100_mean": ok["p100"].mean() if len(ok) else math.nan,
                "p100_std": ok["p100"].std() if len(ok) > 1 else math.nan,
                "p50_mean": ok["p50"].mean() if len(ok) else math.nan,
                "p50_std": ok["p50"].std() if len(ok) > 1 else math.nan,
                "n_ok": len(ok),
                "n_runs": len(group),
                "status": status,
                "dataset_max": group["dataset_max"].max(),
                "runtime_s": group["runtime_s"].mean(),
            }
        )
    return pd.DataFrame(rows)


ROMA_METHODS = ("roma", "roma-no-adapt", "roma-smoothing-only")
r"""RoMA and its two ablations, in the paper's expected order (Figure 4)."""

ENSEMBLE_METHODS = (
    "roma-ensemble-adapt",
    "roma-ensemble",
    "roma-ensemble-smoothing-only",
)
r"""The ensemble's entries in the paper's ablation order: with RoMA's
adaptation (preset ``"ensemble-adapt"``), without it (the package default,
preset ``"ensemble"``), and with smoothing only."""

ABLATIONS = {"roma": ROMA_METHODS, "roma-ensemble": ENSEMBLE_METHODS}
r"""For each compared RoMA entry, the ablation order it belongs to (full RoMA
first)."""

ROMA_VARIANTS = (*ROMA_METHODS, *ENSEMBLE_METHODS, "roma-ensemble-mse")
r"""Every RoMA entry of the suite; none of them counts as a baseline."""


def compare_with_baselines(
    summary: pd.DataFrame, tie: float = 1e-3, method: str = "roma"
) -> tuple[pd.DataFrame, list[str]]:
    r"""A RoMA entry against the best baseline per task, and the target verdicts.

    Baselines are all methods other than RoMA's entries (:data:`ROMA_VARIANTS`:
    the paper's RoMA, its ablations and the ensemble default). The targets, on
    the mean normalized score over seeds:

    1. RoMA's 100th percentile is at least the best baseline's on at least half
       the tasks;
    2. RoMA's 50th percentile is ahead of the best baseline's on most tasks;
    3. the ablation order ``roma > roma-no-adapt > roma-smoothing-only`` (for
       ``method="roma-ensemble"``, the same order of :data:`ENSEMBLE_METHODS`)
       holds on the Hopper-shaped task(s) (the table gives it for every task);
    4. (a count, no verdict) the tasks on which that order holds at p50.

    Args:
        summary: Output of :func:`aggregate` (or a results folder's
            ``summary.csv``).
        tie: Differences smaller than this are ties: a tie counts as "at
            least" for target 1 and not as "ahead" for target 2.
        method: The RoMA entry compared (``"roma"``, the paper's
            configuration, or ``"roma-ensemble"``, the package default); the
            table's ``roma_*`` columns hold its scores.

    Returns:
        A table with one row per task that has both RoMA and a scored
        baseline: RoMA's means, the best baseline's means and names, the
        baselines with fewer seeds than RoMA, the baselines without a score
        there, and (when ``method`` and its two ablations of
        :data:`ABLATIONS` ran) whether the ablation order holds; and one
        verdict line per target.
    """
    rows = []
    all_baselines = [m for m in _ordered(summary["method"]) if m not in ROMA_VARIANTS]
    for task, group in summary.groupby("task", sort=False):
        by = group.set_index("method")
        if method not in by.index or by.loc[method, "n_ok"] == 0:
            continue
        base = by.loc[[m for m in by.index if m not in ROMA_VARIANTS]]
        base = base[base["n_ok"] > 0]
        if len(base) == 0:
            continue
        row: dict[str, Any] = {"task": task}
        for key in ("p100", "p50"):
            best = base[f"{key}_mean"].idxmax()
            row[f"roma_{key}"] = by.loc[method, f"{key}_mean"]
            row[f"best_baseline_{key}"] = base.loc[best, f"{key}_mean"]
            row[f"best_baseline_{key}_method"] = best
        row["baseline_fewer_seeds"] = ", ".join(
            m for m in base.index if base.loc[m, "n_ok"] < by.loc[method, "n_ok"]
        )
        row["baselines_missing"] = ", ".join(
            m for m in all_baselines if m not in base.index
        )
        order = ABLATIONS.get(method, ())
        if order and all(m in by.index and by.loc[m, "n_ok"] > 0 for m in order):
            for key in ("p100", "p50"):
                a, b, c = (by.loc[m, f"{key}_mean"] for m in order)
                row[f"ablation_order_{key}"] = bool(a > b > c)
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table) == 0:
        return table, [f"No task has both {method} and a baseline."]
    at_least = table["roma_p100"] >= table["best_baseline_p100"] - tie
    ahead = table["roma_p50"] > table["best_baseline_p50"] + tie
    n = len(table)
    lines = [
        f"1. p100 >= best baseline on at least half the tasks: "
        f"{int(at_least.sum())} of {n} -> "
        f"{'met' if at_least.sum() >= n / 2 else 'not met'}",
        f"2. p50 ahead of the best baseline on most tasks: "
        f"{int(ahead.sum())} of {n} -> {'met' if ahead.sum() > n / 2 else 'not met'}",
    ]
    if "ablation_order_p100" in table:
        for row in table.itertuples():
            if "hopper" in row.task and pd.notna(row.ablation_order_p100):
                order = bool(row.ablation_order_p100), bool(row.ablation_order_p50)
                met = all(order)
                lines.append(
                    f"3. ablation order on {row.task}: p100 {order[0]}, p50 "
                    f"{order[1]} -> "
                    f"{'met' if met else 'not met'}"
                )
        ran = table["ablation_order_p50"].notna()
        holds = int(table.loc[ran, "ablation_order_p50"].astype(bool).sum())
        lines.append(
            f"4. ablation order at p50 ({' > '.join(ABLATIONS[method])}): holds "
            f"on {holds} of {int(ran.sum())} tasks where all three ran"
        )
    return table, lines


def _cell(mean: float, std: float, bold: bool, digits: int) -> str:
    if math.isnan(mean):
        return "—"
    text = f"{mean:.{digits}f}"
    if not math.isnan(std):
        text += f" ± {std:.{digits}f}"
    return f"**{text}**" if bold else text


def markdown_table(
    summary: pd.DataFrame, percentile: int = 100, digits: int = 3
) -> str:
    r"""A paper-style markdown table of one percentile.

    Rows are methods, columns are tasks plus ``Avg.`` (the mean over tasks of
    the method's mean normalized score, only when every task has a result). The
    first row is the dataset's normalized maximum. Entries within one standard
    deviation (that of the best entry) of the best mean of their column are
    bold; unsupported runs show
    ``n/a`` and failed runs ``error``. Where runs have different numbers of
    successful seeds (e.g. a merged sweep with an expensive method run on fewer
    seeds), entries with fewer than the most are marked ``(n=k)``.

    Args:
        summary: The output of :func:`aggregate`.
        percentile: ``100`` or ``50``.
        digits: Decimal places.

    Returns:
        The markdown table.
    """
    if percentile not in (100, 50):
        raise ValueError(f"percentile must be 100 or 50, got {percentile}.")
    key = f"p{percentile}"
    tasks = _ordered(summary["task"])
    methods = _ordered(summary["method"])
    by = {(r.task, r.method): r for r in summary.itertuples(index=False)}
    most = int(summary["n_ok"].max()) if len(summary) else 0
    threshold = {}
    for task in tasks:
        rows = [by[(task, m)] for m in methods if (task, m) in by]
        rows = [r for r in rows if not math.isnan(getattr(r, f"{key}_mean"))]
        if not rows:
            threshold[task] = math.nan
            continue
        top = max(rows, key=lambda r: getattr(r, f"{key}_mean"))
        top_std = getattr(top, f"{key}_std")
        threshold[task] = getattr(top, f"{key}_mean") - (
            0.0 if math.isnan(top_std) else top_std
        )
    header = "| Method | " + " | ".join(tasks) + " | Avg. |"
    lines = [header, "|" + "---|" * (len(tasks) + 2)]
    dmax = []
    for task in tasks:
        values = [by[(task, m)].dataset_max for m in methods if (task, m) in by]
        dmax.append(max(values) if values else math.nan)
    avg = np.mean(dmax) if dmax and not any(math.isnan(v) for v in dmax) else math.nan
    cells = [_cell(v, math.nan, False, digits) for v in dmax]
    lines.append(
        "| Dataset max | "
        + " | ".join(cells)
        + f" | {_cell(avg, math.nan, False, digits)} |"
    )
    for method in methods:
        cells, means = [], []
        for task in tasks:
            row = by.get((task, method))
            if row is None:
                cells.append("—")
                means.append(math.nan)
                continue
            mean, std = getattr(row, f"{key}_mean"), getattr(row, f"{key}_std")
            means.append(mean)
            if row.status == "unsupported":
                cells.append("n/a")
            elif math.isnan(mean):
                cells.append("error")
            else:
                cell = _cell(mean, std, mean >= threshold[task], digits)
                if row.n_ok < most:
                    cell += f" (n={row.n_ok})"
                cells.append(cell)
        avg = np.mean(means) if not any(math.isnan(m) for m in means) else math.nan
        lines.append(
            f"| {method} | "
            + " | ".join(cells)
            + f" | {_cell(avg, math.nan, False, digits)} |"
        )
    return "\n".join(lines)


def percentile_curves(results: pd.DataFrame, grid: int = 101) -> pd.DataFrame:
    r"""Normalized score at each percentile, mean and std over seeds.

    Args:
        results: Raw results with a ``scores`` column (lists of sorted scores).
        grid: The number of percentiles from 0 to 100.

    Returns:
        Long format: ``task``, ``method``, ``percentile``, ``mean``, ``std``.
    """
    q = np.linspace(0.0, 100.0, grid)
    rows = []
    ok = results[results["status"] == "ok"]
    for (task, method), group in ok.groupby(["task", "method"], sort=False):
        curves = []
        for scores in group["scores"]:
            values = np.asarray(scores, dtype=float)
            values = values[~np.isnan(values)]
            if values.size:
                curves.append(np.percentile(values, q))
        if not curves:
            continue
        curves = np.stack(curves)
        std = curves.std(0, ddof=1) if len(curves) > 1 else np.zeros(grid)
        for p, m, s in zip(q, curves.mean(0), std):
            rows.append(
                {"task": task, "method": method, "percentile": p, "mean": m, "std": s}
            )
    return pd.DataFrame(rows, columns=["task", "method", "percentile", "mean", "std"])


def plot_percentile_curves(
    results: pd.DataFrame, path: str | os.PathLike, tasks: Sequence[str] | None = None
) -> Path:
    r"""Plot percentile curves (one panel per task), like the paper's Figure 3.

    Args:
        results: Raw results.
        path: Where to write the PNG.
        tasks: Tasks to plot (default: all, in order of appearance).

    Returns:
        The written path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = percentile_curves(results)
    tasks = list(tasks) if tasks is not None else _ordered(results["task"])
    methods = _ordered(results["method"])
    colors = {m: plt.cm.tab10(i % 10) for i, m in enumerate(methods)}
    ncols = min(3, max(1, len(tasks)))
    nrows = math.ceil(len(tasks) / ncols) if tasks else 1
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(5 * ncols, 3.8 * nrows), squeeze=False
    )
    for ax, task in zip(axes.flat, tasks):
        sub = curves[curves["task"] == task]
        for method in methods:
            line = sub[sub["method"] == method]
            if line.empty:
                continue
            ax.plot(
                line["percentile"], line["mean"], label=method, color=colors[method]
            )
            ax.fill_between(
                line["percentile"],
                line["mean"] - line["std"],
                line["mean"] + line["std"],
                color=colors[method],
                alpha=0.15,
            )
        dmax = results.loc[results["task"] == task, "dataset_max"].max()
        if not math.isnan(dmax):
            ax.axhline(dmax, color="k", linestyle=":", label="dataset max")
        ax.set_title(task)
        ax.set_xlabel("percentile of the candidates")
        ax.set_ylabel("normalized score")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(tasks) :]:
        ax.axis("off")
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)))
    fig.tight_layout(rect=(0, 0.08 + 0.02 * (len(labels) > 5), 1, 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def results_to_csv(results: pd.DataFrame, path: str | os.PathLike) -> Path:
    r"""Write raw results to CSV (the ``scores`` lists as JSON strings)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = results.copy()
    out["scores"] = out["scores"].map(lambda s: json.dumps([float(v) for v in s]))
    out.to_csv(path, index=False)
    return path


def results_from_csv(path: str | os.PathLike) -> pd.DataFrame:
    r"""Read raw results written by :func:`results_to_csv`."""
    df = pd.read_csv(path, keep_default_na=False, na_values=["", "nan", "NaN"])
    df["scores"] = df["scores"].map(json.loads)
    df["message"] = df["message"].fillna("").astype(str)
    if "info" not in df.columns:
        # Results written before runs recorded their chosen settings.
        df.insert(df.columns.get_loc("scores"), "info", "{}")
    df["info"] = df["info"].fillna("{}").replace("", "{}").astype(str)
    return df


def environment_info() -> dict[str, Any]:
    r"""The hardware and package versions, for reproducibility."""
    import botorch
    import gpytorch
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "botorch": botorch.__version__,
        "gpytorch": gpytorch.__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def _command_lines(command: str | Sequence[str] | None) -> list[str]:
    if not command:
        return ["- Command: (not recorded)"]
    if isinstance(command, str):
        return [f"- Command: `{command}`"]
    return ["- Commands (one per combined part):", *(f"  - `{c}`" for c in command)]


def _short(value: Any) -> str:
    r"""A recorded setting as short text (floats to 4 significant digits)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return str(value)


def _comparison_lines(summary: pd.DataFrame) -> list[str]:
    r"""Markdown lines with :func:`compare_with_baselines`' table and verdicts,
    for each RoMA entry of :data:`ROMA_VARIANTS` except the ablations."""
    lines = []
    for method in ("roma", "roma-ensemble", "roma-ensemble-adapt", "roma-ensemble-mse"):
        lines += _comparison_section(summary, method)
    return lines


def _comparison_section(summary: pd.DataFrame, method: str) -> list[str]:
    r"""Markdown lines comparing ``method`` with the best baseline."""
    table, verdicts = compare_with_baselines(summary, method=method)
    if len(table) == 0:
        return []
    order_text = " > ".join(ABLATIONS.get(method, ())) or "n/a"
    lines = [
        f"## {method} against the best baseline",
        "",
        "Mean over seeds; baselines are all methods but RoMA's entries. "
        f"Ablation order: {order_text} (p100, p50).",
        "",
        f"| Task | {method} p100 | Best baseline p100 | {method} p50 "
        "| Best baseline p50 "
        "| Ablation order | Baselines with fewer seeds | Baselines without a score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table.to_dict("records"):
        order = row.get("ablation_order_p100")
        order = (
            f"{bool(order)}, {bool(row['ablation_order_p50'])}"
            if pd.notna(order)
            else "n/a"
        )
        lines.append(
            f"| {row['task']} | {row['roma_p100']:.3f} | "
            f"{row['best_baseline_p100']:.3f} ({row['best_baseline_p100_method']}) | "
            f"{row['roma_p50']:.3f} | "
            f"{row['best_baseline_p50']:.3f} ({row['best_baseline_p50_method']}) | "
            f"{order} | {row['baseline_fewer_seeds'] or '-'} | "
            f"{row['baselines_missing'] or '-'} |"
        )
    return lines + ["", "Targets:", "", *verdicts, ""]


def _info_lines(results: pd.DataFrame) -> list[str]:
    r"""Markdown lines listing the settings runs recorded in ``info``."""
    if "info" not in results.columns:
        return []
    results = results.reset_index(drop=True)  # Row positions identify runs below.
    recorded = results[results["info"].fillna("{}").astype(str) != "{}"]
    if len(recorded) == 0:
        return []
    lines = ["## Settings chosen during the runs", ""]
    groups = recorded.groupby(["task", "method", "info"], sort=False)["seed"]
    for (task, method, info), seeds in groups:
        values = json.loads(info)
        text = ", ".join(f"{k}={_short(v)}" for k, v in sorted(values.items()))
        lines.append(f"- {task} / {method} (seeds {sorted(seeds.tolist())}): {text}")
    missing = results[
        results["method"].isin(recorded["method"]) & ~results.index.isin(recorded.index)
    ]
    if len(missing):
        runs = sorted(
            {f"{r.task} / {r.method} / seed {r.seed}" for r in missing.itertuples()}
        )
        lines.append(
            f"- No record (run before settings were recorded, or failed): "
            f"{'; '.join(runs)}"
        )
    lines.append("")
    return lines


def _problem_lines(results: pd.DataFrame) -> list[str]:
    r"""Markdown lines listing the runs without a score, and runs that warned."""
    lines = []
    problems = results[results["status"] != "ok"]
    if len(problems):
        lines += ["## Runs without a score", ""]
        for row in problems.itertuples(index=False):
            message = str(row.message).splitlines()[0][:200] if row.message else ""
            lines.append(
                f"- {row.task} / {row.method} / seed {row.seed}: {row.status}: "
                f"{message}"
            )
        lines.append("")
    warned = results[(results["status"] == "ok") & (results["message"] != "")]
    if len(warned):
        lines += ["## Warnings", ""]
        for row in warned.itertuples(index=False):
            lines.append(
                f"- {row.task} / {row.method} / seed {row.seed}: {row.message}"
            )
        lines.append("")
    return lines


def _provenance_lines(
    summary: pd.DataFrame, command: str | Sequence[str] | None, env: dict[str, Any]
) -> list[str]:
    r"""Markdown lines saying how the results were produced."""
    runtimes = ", ".join(
        f"{m}: {summary.loc[summary['method'] == m, 'runtime_s'].mean():.1f}"
        for m in _ordered(summary["method"])
    )
    return [
        "## How these were produced",
        "",
        *_command_lines(command),
        f"- Hardware: {env['cpu']} ({env['cpu_count']} logical CPUs), "
        f"GPU: {env['cuda'] or 'none'}",
        f"- Versions: python {env['python']}, torch {env['torch']}, "
        f"botorch {env['botorch']}, gpytorch {env['gpytorch']}",
        "- Mean runtime per run (s): " + runtimes,
        "",
    ]


def _report_markdown(
    results: pd.DataFrame,
    summary: pd.DataFrame,
    command: str | Sequence[str] | None,
    env: dict[str, Any],
    title: str,
) -> str:
    r"""The text of ``results.md``."""
    seeds = sorted(set(results["seed"].tolist()))
    lines = [
        f"# {title}",
        "",
        f"Normalized scores `(y - y_min) / (y_max - y_min)` over the full dataset; "
        f"mean ± std over {len(seeds)} seed(s) {seeds}; "
        f"{int(results['n'].max()) if len(results) else 0} candidates per run. "
        "Bold: within one std (of the best entry) of the column's best mean. "
        "(n=k): an entry averaging fewer seeds than the others.",
        "",
        "## 100th percentile",
        "",
        markdown_table(summary, 100),
        "",
        "## 50th percentile",
        "",
        markdown_table(summary, 50),
        "",
    ]
    lines += _problem_lines(results)
    lines += _comparison_lines(summary)
    lines += _info_lines(results)
    lines += _provenance_lines(summary, command, env)
    return "\n".join(lines)


def _write_plots(results: pd.DataFrame, out: Path) -> dict[str, Path]:
    r"""The percentile-curve PNGs: all tasks, then one per task."""
    paths = {"plot": plot_percentile_curves(results, out / "percentiles.png")}
    for task in _ordered(results["task"]):
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in task)
        paths[f"plot_{safe}"] = plot_percentile_curves(
            results, out / f"percentiles_{safe}.png", tasks=[task]
        )
    return paths


def write_report(
    results: pd.DataFrame,
    out_dir: str | os.PathLike,
    command: str | Sequence[str] | None = None,
    settings: dict[str, Any] | None = None,
    title: str = "Benchmark results",
) -> dict[str, Path]:
    r"""Write the raw CSV, the summary CSV, the markdown tables, plots and metadata.

    Args:
        results: Raw results.
        out_dir: The output directory (created if needed).
        command: The command line that produced the results, or a list of them
            (for results combined from several runs).
        settings: Further settings to record (tasks, methods, seeds, ...).
        title: The markdown file's title.

    Returns:
        The written paths by kind: ``raw``, ``summary``, ``table``, ``plot``,
        ``run`` (and ``plot_<task>`` per task); no plots without a scored run.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = aggregate(results)
    paths = {
        "raw": results_to_csv(results, out / "raw_results.csv"),
        "summary": out / "summary.csv",
        "table": out / "results.md",
    }
    summary.to_csv(paths["summary"], index=False)
    env = environment_info()
    markdown = _report_markdown(results, summary, command, env, title)
    paths["table"].write_text(markdown, encoding="utf-8")
    plots = _write_plots(results, out) if (results["status"] == "ok").any() else {}
    if plots:
        paths["plot"] = plots.pop("plot")
    paths["run"] = out / "run.json"
    run = {
        "command": command,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "environment": env,
        "settings": settings or {},
    }
    paths["run"].write_text(json.dumps(run, indent=2, default=str), encoding="utf-8")
    return {**paths, **plots}


def combine_reports(
    parts: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    title: str = "Benchmark results",
    replace: bool = False,
) -> dict[str, Path]:
    r"""Combine result folders written by :func:`write_report` into one report.

    A sweep too large for one sitting (or one machine) can run as several
    ``botorch-roma benchmark`` calls, e.g. one per task or seed range, each with
    its own ``--out`` folder. This concatenates their ``raw_results.csv`` files
    and writes the usual report for the union, recording every part's command.

    Args:
        parts: Result folders, each with ``raw_results.csv`` and ``run.json``.
        out_dir: The output directory of the combined report.
        title: The markdown file's title.
        replace: Let a later part's run replace an earlier part's run of the
            same (task, method, seed) (a rerun with newer code), instead of
            raising; the replaced runs are listed in ``run.json``
            (``settings["replaced"]``).

    Returns:
        The written paths, as from :func:`write_report`.

    Raises:
        RoMAInputError: If a folder is not a result folder, or (without
            ``replace``) two parts hold a run of the same (task, method, seed).
    """
    if len(parts) == 0:
        raise RoMAInputError("Give at least one result folder to combine.")
    frames, commands, settings = [], [], []
    for part in map(Path, parts):
        raw, run_file = part / "raw_results.csv", part / "run.json"
        if not (raw.is_file() and run_file.is_file()):
            raise RoMAInputError(
                f"{part} is not a benchmark result folder: it needs raw_results.csv "
                "and run.json (as written by `botorch-roma benchmark --out`)."
            )
        frames.append(results_from_csv(raw))
        run = json.loads(run_file.read_text(encoding="utf-8"))
        commands.append(run.get("command") or "(not recorded)")
        settings.append({"part": str(part), **run.get("settings", {})})
    results = pd.concat(
        [f.assign(_part=str(p)) for f, p in zip(frames, parts)], ignore_index=True
    )
    key = ["task", "method", "seed"]
    overlap = results[results.duplicated(key, keep=False)]
    replaced = []
    if len(overlap) and not replace:
        runs = sorted(set(map(tuple, overlap[key].values.tolist())))
        raise RoMAInputError(
            f"The parts overlap in (task, method, seed) runs {runs}; combine "
            "folders with disjoint runs, or pass replace=True (--replace) to let "
            "later parts replace earlier runs."
        )
    if len(overlap):
        dropped = results.duplicated(key, keep="last")
        replaced = [
            {"task": t, "method": m, "seed": int(s), "part": part}
            for t, m, s, part in results.loc[dropped, [*key, "_part"]].values
        ]
        results = results[~dropped]
    results = results.drop(columns="_part").reset_index(drop=True)
    extra = {"replaced": replaced} if replace else {}
    return write_report(
        results,
        out_dir,
        command=commands,
        settings={"parts": settings, **extra},
        title=title,
    )
