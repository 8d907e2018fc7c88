r"""Check a benchmark results folder against the suite's targets.

The targets (issue #4), on the mean normalized score over seeds:

1. RoMA's 100th percentile is at least the best baseline's on at least half the
   tasks;
2. RoMA's 50th percentile is ahead of the best baseline on most tasks;
3. the ablation order ``roma > roma-no-adapt > roma-smoothing-only`` holds on
   the Hopper-shaped task (reported for every task).

Baselines are every method that is not RoMA or one of its ablations. A task
where a baseline has fewer seeds than RoMA, or did not run at all, is flagged,
since the comparison there is weaker. Differences smaller than ``--tie`` count
as ties (a tie counts as "at least" for target 1 and not as "ahead" for
target 2).

    python benchmarks/check_targets.py benchmarks/results/suite
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROMA = ("roma", "roma-no-adapt", "roma-smoothing-only")


def check(summary: pd.DataFrame, tie: float = 1e-3) -> tuple[pd.DataFrame, list[str]]:
    r"""Per-task comparison rows and the verdict lines.

    Args:
        summary: ``summary.csv`` of a results folder (one row per task and
            method with ``p100_mean``, ``p50_mean``, ``n_ok``).
        tie: Differences below this count as ties.

    Returns:
        The per-task table and one verdict line per target.
    """
    rows = []
    all_baselines = [m for m in dict.fromkeys(summary["method"]) if m not in ROMA]
    for task, group in summary.groupby("task", sort=False):
        by = group.set_index("method")
        if "roma" not in by.index:
            continue
        base = by.loc[[m for m in by.index if m not in ROMA]]
        base = base[base["n_ok"] > 0]
        if len(base) == 0:
            continue
        row = {"task": task}
        for key in ("p100", "p50"):
            best = base[f"{key}_mean"].idxmax()
            row[f"roma_{key}"] = by.loc["roma", f"{key}_mean"]
            row[f"best_baseline_{key}"] = base.loc[best, f"{key}_mean"]
            row[f"best_baseline_{key}_method"] = best
        row["baseline_fewer_seeds"] = ", ".join(
            m for m in base.index if base.loc[m, "n_ok"] < by.loc["roma", "n_ok"]
        )
        row["baselines_missing"] = ", ".join(
            m for m in all_baselines if m not in base.index
        )
        if all(m in by.index for m in ROMA):
            for key in ("p100", "p50"):
                a, b, c = (by.loc[m, f"{key}_mean"] for m in ROMA)
                row[f"ablation_order_{key}"] = bool(a > b > c)
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table) == 0:
        return table, ["No task has both RoMA and a baseline."]
    at_least = table["roma_p100"] >= table["best_baseline_p100"] - tie
    ahead = table["roma_p50"] > table["best_baseline_p50"] + tie
    n = len(table)
    met_1 = "met" if at_least.sum() >= n / 2 else "not met"
    met_2 = "met" if ahead.sum() > n / 2 else "not met"
    lines = [
        f"1. p100 >= best baseline on at least half the tasks: "
        f"{int(at_least.sum())} of {n} -> {met_1}",
        f"2. p50 ahead of the best baseline on most tasks: "
        f"{int(ahead.sum())} of {n} -> {met_2}",
    ]
    if "ablation_order_p100" in table:
        for task_row in table.itertuples():
            if "hopper" in task_row.task:
                verdict = (
                    "met"
                    if task_row.ablation_order_p100 and task_row.ablation_order_p50
                    else "not met"
                )
                lines.append(
                    f"3. ablation order on {task_row.task}: p100 "
                    f"{task_row.ablation_order_p100}, p50 "
                    f"{task_row.ablation_order_p50} -> {verdict}"
                )
    return table, lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="A results folder with summary.csv")
    parser.add_argument("--tie", type=float, default=1e-3)
    args = parser.parse_args(argv)
    path = args.folder / "summary.csv"
    if not path.is_file():
        parser.error(
            f"{path} not found; pass a folder written by botorch-roma benchmark"
        )
    table, lines = check(pd.read_csv(path), tie=args.tie)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.round(3).to_string(index=False))
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
