r"""RoMA's sensitivity to its hyperparameters, like the paper's Figure 5.

The paper [Yu2021roma]_ checks that RoMA is stable under other choices of the
number of ascent updates ``T`` and the adaptation weight ``alpha``, and that the
offline-selected ``eps0`` does at least as well as ``0.2 eps0``. The sweep runs
the ``roma`` method on the grid of
:func:`~botorch_roma.benchmarks.hyperparameters.sensitivity_configs`:
``T in {300, 500}`` times the paper's four (alpha, epsilon) settings
A = (alpha0, eps0), B = (alpha0, 0.2 eps0), C = (0.1 alpha0, eps0),
D = (0.1 alpha0, 0.2 eps0), with ``eps0`` chosen per task by the offline rule.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from botorch_roma.benchmarks.hyperparameters import sensitivity_configs
from botorch_roma.benchmarks.reporting import (
    aggregate,
    environment_info,
    results_to_csv,
)
from botorch_roma.benchmarks.runner import MethodSpec, TaskSource, run_benchmark

__all__ = [
    "plot_sensitivity",
    "run_sensitivity",
    "sensitivity_table",
    "write_sensitivity_report",
]

#: The values of ``T`` used in smoke mode (the paper's 300 and 500 are too slow).
SMOKE_STEPS = (3, 5)


def run_sensitivity(
    tasks: Sequence[TaskSource] | dict[str, TaskSource],
    seeds: int | str | Iterable[int] = 4,
    n: int = 128,
    smoke: bool = False,
    steps: Sequence[int] | None = None,
    roma_options: dict[str, Any] | None = None,
    task_kwargs: dict[str, Any] | None = None,
    **execution: Any,
) -> pd.DataFrame:
    r"""Run ``roma`` on the sensitivity grid.

    Args:
        tasks: Task sources, as for
            :func:`~botorch_roma.benchmarks.runner.run_benchmark`.
        seeds: A count or a list of seeds.
        n: Candidates per run.
        smoke: Tiny budgets; ``steps`` defaults to :data:`SMOKE_STEPS`.
        steps: The values of ``T`` (default ``(300, 500)``).
        roma_options: Further options for every ``roma`` run.
        task_kwargs: Passed to the registry's ``get_task``.
        **execution: How the runs go, as for
            :func:`~botorch_roma.benchmarks.runner.run_benchmark`
            (``scheduler``, ``workers``, ``threads``, ``progress``).

    Returns:
        Raw results whose ``method`` column holds the configuration labels
        (e.g. ``"A T=300"``).
    """
    if steps is None:
        steps = SMOKE_STEPS if smoke else (300, 500)
    specs = [
        MethodSpec(config.label, "roma", {**(roma_options or {}), **config.options()})
        for config in sensitivity_configs(steps)
    ]
    return run_benchmark(
        tasks, specs, seeds=seeds, n=n, smoke=smoke, task_kwargs=task_kwargs,
        **execution,
    )  # fmt: skip


def _split_label(label: str) -> tuple[str, str]:
    letter, _, T = label.partition(" ")
    return letter, T


def sensitivity_table(results: pd.DataFrame, digits: int = 3) -> str:
    r"""A markdown table of the normalized 100th percentile per configuration.

    Args:
        results: The output of :func:`run_sensitivity`.
        digits: Decimal places.

    Returns:
        Rows ``(alpha, epsilon)`` settings A-D with ``T``, columns tasks.
    """
    summary = aggregate(results)
    tasks = list(dict.fromkeys(summary["task"]))
    lines = [
        "| Setting | alpha | epsilon | T | " + " | ".join(tasks) + " |",
        "|" + "---|" * (len(tasks) + 4),
    ]
    meaning = {
        "A": ("alpha0", "eps0"),
        "B": ("alpha0", "0.2 eps0"),
        "C": ("0.1 alpha0", "eps0"),
        "D": ("0.1 alpha0", "0.2 eps0"),
    }
    for label in dict.fromkeys(summary["method"]):
        letter, T = _split_label(label)
        alpha, eps = meaning.get(letter, ("?", "?"))
        cells = []
        for task in tasks:
            row = summary[(summary["task"] == task) & (summary["method"] == label)]
            if row.empty or math.isnan(row["p100_mean"].iloc[0]):
                cells.append(row["status"].iloc[0] if not row.empty else "—")
                continue
            mean, std = row["p100_mean"].iloc[0], row["p100_std"].iloc[0]
            text = f"{mean:.{digits}f}"
            if not math.isnan(std):
                text += f" ± {std:.{digits}f}"
            cells.append(text)
        lines.append(
            f"| {letter} | {alpha} | {eps} | {T.removeprefix('T=')} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def plot_sensitivity(results: pd.DataFrame, path: str | os.PathLike) -> Path:
    r"""Bar chart of the 100th percentile per setting and ``T``, one panel per task.

    Args:
        results: The output of :func:`run_sensitivity`.
        path: Where to write the PNG.

    Returns:
        The written path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    summary = aggregate(results)
    tasks = list(dict.fromkeys(summary["task"]))
    labels = list(dict.fromkeys(summary["method"]))
    letters = list(dict.fromkeys(_split_label(label)[0] for label in labels))
    Ts = list(dict.fromkeys(_split_label(label)[1] for label in labels))
    ncols = min(3, max(1, len(tasks)))
    nrows = math.ceil(len(tasks) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.5 * ncols, 3.5 * nrows), squeeze=False
    )
    width = 0.8 / max(1, len(Ts))
    x = np.arange(len(letters))
    for ax, task in zip(axes.flat, tasks):
        sub = summary[summary["task"] == task]
        low = (sub["p100_mean"] - sub["p100_std"].fillna(0.0)).tolist()
        high = (sub["p100_mean"] + sub["p100_std"].fillna(0.0)).tolist()
        low = [v for v in low + [sub["dataset_max"].max()] if not math.isnan(v)]
        high = [v for v in high + [sub["dataset_max"].max()] if not math.isnan(v)]
        for j, T in enumerate(Ts):
            means, stds = [], []
            for letter in letters:
                row = sub[sub["method"] == f"{letter} {T}"]
                means.append(row["p100_mean"].iloc[0] if not row.empty else math.nan)
                std = row["p100_std"].iloc[0] if not row.empty else math.nan
                stds.append(0.0 if math.isnan(std) else std)
            ax.bar(
                x + (j - (len(Ts) - 1) / 2) * width, means, width, yerr=stds, label=T
            )
        dmax = sub["dataset_max"].max()
        if not math.isnan(dmax):
            ax.axhline(dmax, color="k", linestyle=":", label="dataset max")
        if low and high:
            pad = 0.1 * max(max(high) - min(low), 1e-3)
            ax.set_ylim(min(low) - pad, max(high) + pad)
        ax.set_xticks(x, letters)
        ax.set_title(task)
        ax.set_ylabel("normalized 100th percentile")
        ax.grid(alpha=0.3, axis="y")
    for ax in list(axes.flat)[len(tasks) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize="small")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_sensitivity_report(
    results: pd.DataFrame,
    out_dir: str | os.PathLike,
    command: str | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Path]:
    r"""Write the sensitivity sweep's raw CSV, table, plot and metadata.

    Args:
        results: The output of :func:`run_sensitivity`.
        out_dir: The output directory.
        command: The command line that produced the results.
        settings: Further settings to record.

    Returns:
        The written paths by kind: ``raw``, ``table``, ``plot``, ``run``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = environment_info()
    paths = {
        "raw": results_to_csv(results, out / "sensitivity_raw.csv"),
        "table": out / "sensitivity.md",
        "run": out / "sensitivity_run.json",
    }
    seeds = sorted(set(results["seed"].tolist()))
    text = [
        "# RoMA sensitivity (like the paper's Figure 5)",
        "",
        "Normalized 100th percentile, mean ± std over "
        f"{len(seeds)} seed(s) {seeds}. eps0 is chosen per task by the offline "
        "rule (`select_epsilon`); alpha0 = 1.",
        "",
        sensitivity_table(results),
        "",
        f"Command: `{command}`" if command else "",
        f"Hardware: {env['cpu']} ({env['cpu_count']} logical CPUs)",
        "",
    ]
    paths["table"].write_text("\n".join(text), encoding="utf-8")
    if (results["status"] == "ok").any():
        paths["plot"] = plot_sensitivity(results, out / "sensitivity.png")
    paths["run"].write_text(
        json.dumps(
            {"command": command, "environment": env, "settings": settings or {}},
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return paths
