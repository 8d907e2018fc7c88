r"""Count each run's candidates that score below every design in the dataset.

Reads a results folder's ``raw_results.csv`` (its ``scores`` column holds each
run's sorted normalized scores) and prints, per task, the number of the ``n``
candidates with a normalized score below 0, i.e. below the full dataset's
minimum, for every method and seed. On the Ehrlich tasks these are the
candidates at the oracle's floor, score 0: an infeasible sequence, or a
feasible one that misses a whole motif.

    python scripts/below_data_min.py results/suite --tasks ehrlich-gfp
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="A folder with raw_results.csv")
    parser.add_argument("--tasks", default=None, help="Comma-separated task names")
    args = parser.parse_args(argv)
    path = args.folder / "raw_results.csv"
    if not path.is_file():
        parser.error(
            f"{path} not found; pass a folder written by botorch-roma benchmark"
        )
    runs = pd.read_csv(path)
    runs = runs[runs["status"] == "ok"]
    if args.tasks is not None:
        tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
        unknown = sorted(set(tasks) - set(runs["task"]))
        if unknown:
            parser.error(
                f"unknown tasks {unknown}; available: {sorted(set(runs['task']))}"
            )
        runs = runs[runs["task"].isin(tasks)]
    runs = runs.assign(
        below_min=runs["scores"].map(lambda s: sum(v < 0 for v in json.loads(s)))
    )
    for task, group in runs.groupby("task", sort=False):
        table = group.pivot_table(
            index="method", columns="seed", values="below_min", aggfunc="first"
        )
        n = group["n"].iloc[0]
        print(f"{task}: candidates below the dataset's minimum, of n = {n}")
        print(table.astype("Int64").to_string())
        print()


if __name__ == "__main__":
    main()
