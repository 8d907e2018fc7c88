r"""Apply the README's selection rule to the ensemble-default selection runs.

Reads ``<dir>/<candidate>-<task>/raw_results.csv`` written by
``scripts/run_selection.sh`` (selection seeds 4 and 5), and prints a markdown
report: per task and candidate the mean p50, p100 and runtime over the seeds;
per task the rank on p50 (ties within 0.001 share a rank); the mean rank over
the tasks on which every candidate finished every seed; ties broken by the
same rank on p100, then the smaller mean runtime (README, "How the ensemble
defaults will be chosen").

    python scripts/selection_report.py results/selection > results/selection/summary.md
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import pandas as pd

CANDIDATES = {
    "a": "paper: one proxy, T = 100, last iterate",
    "b": "5 proxies, mean",
    "c": "5 proxies, mean - std",
    "d": "5 proxies, mean - std, T = 300, best iterate",
    "e": "as (d), ListNet loss",
    "f": "as (e), no adaptation (added, amendment 2)",
    "g": "as (e), smoothing only: epsilon 0, no adaptation (added, amendment 2)",
}
TIE = 1e-3


def load(root: Path, seeds: set[int]) -> pd.DataFrame:
    frames = []
    for path in sorted(root.glob("*-*/raw_results.csv")):
        candidate, task = path.parent.name.split("-", 1)
        frame = pd.read_csv(path)
        frame["candidate"], frame["task"] = candidate, task
        frames.append(frame[frame.seed.isin(seeds)])
    return pd.concat(frames, ignore_index=True)


def ranks(values: dict[str, float]) -> dict[str, float]:
    r"""Competition ranks, higher is better; values within TIE share a rank."""
    order = sorted(values, key=values.get, reverse=True)
    out: dict[str, float] = {}
    for i, name in enumerate(order):
        tied = [k for k in order[:i] if values[k] - values[name] <= TIE]
        out[name] = out[tied[0]] if tied else float(i + 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--seeds", nargs="+", type=int, default=[4, 5])
    args = parser.parse_args()
    data = load(args.root, set(args.seeds))
    ok = data[data.status == "ok"]
    stats = (
        ok.groupby(["task", "candidate"])
        .agg(
            p50=("p50", "mean"),
            p100=("p100", "mean"),
            runtime_s=("runtime_s", "mean"),
            seeds=("seed", "nunique"),
        )
        .astype({"seeds": int})
    )
    print("| task | candidate | seeds | p50 | p100 | runtime (s) |")
    print("|---|---|---:|---:|---:|---:|")
    for (task, cand), row in stats.iterrows():
        print(
            f"| {task} | ({cand}) {CANDIDATES.get(cand, '')} | {int(row.seeds)} | "
            f"{row.p50:.3f} | {row.p100:.3f} | {row.runtime_s:.0f} |"
        )
    complete = [
        task
        for task, group in stats.groupby(level="task")
        if set(group.index.get_level_values("candidate")) >= set(CANDIDATES)
        and (group.seeds >= len(args.seeds)).all()
    ]
    left_out = sorted(set(data.task) - set(complete))
    print(f"\nTasks every candidate finished: {', '.join(complete) or 'none'}.")
    print(f"Tasks left out of the rule: {', '.join(left_out) or 'none'}.")
    if not complete:
        return
    rank50 = {c: [] for c in CANDIDATES}
    rank100 = {c: [] for c in CANDIDATES}
    runtime = {c: [] for c in CANDIDATES}
    for task in complete:
        sub = stats.loc[task]
        for c, r in ranks(sub.p50.to_dict()).items():
            rank50[c].append(r)
        for c, r in ranks(sub.p100.to_dict()).items():
            rank100[c].append(r)
        for c, v in sub.runtime_s.items():
            runtime[c].append(v)
    table = sorted(
        CANDIDATES,
        key=lambda c: (
            statistics.mean(rank50[c]),
            statistics.mean(rank100[c]),
            statistics.mean(runtime[c]),
        ),
    )
    print("\n| candidate | mean p50 rank | mean p100 rank | mean runtime (s) |")
    print("|---|---:|---:|---:|")
    for c in table:
        print(
            f"| ({c}) {CANDIDATES[c]} | {statistics.mean(rank50[c]):.2f} | "
            f"{statistics.mean(rank100[c]):.2f} | {statistics.mean(runtime[c]):.0f} |"
        )
    best_ensemble = next(c for c in table if c != "a")
    print(f"\nRule winner: ({table[0]}). Best ensemble candidate: ({best_ensemble}).")


if __name__ == "__main__":
    main()
