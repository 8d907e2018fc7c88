r"""Check a benchmark results folder against the suite's targets.

Prints RoMA against the best baseline on each task and the verdicts on the
targets of issue #4, from the folder's ``summary.csv``. The logic is
:func:`botorch_roma.benchmarks.compare_with_baselines` (its docstring states the
targets); ``results.md`` files written by ``botorch-roma benchmark`` carry the
same table.

    python scripts/check_targets.py results/suite
    python scripts/check_targets.py results/suite --method roma-ensemble
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from botorch_roma.benchmarks import compare_with_baselines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="A results folder with summary.csv")
    parser.add_argument(
        "--tie", type=float, default=1e-3, help="Differences below this are ties"
    )
    parser.add_argument(
        "--method",
        default="roma",
        help="The RoMA entry compared: roma (the paper's) or roma-ensemble "
        "(the package default)",
    )
    args = parser.parse_args(argv)
    path = args.folder / "summary.csv"
    if not path.is_file():
        parser.error(
            f"{path} not found; pass a folder written by botorch-roma benchmark"
        )
    table, lines = compare_with_baselines(
        pd.read_csv(path), tie=args.tie, method=args.method
    )
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.round(3).to_string(index=False))
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
