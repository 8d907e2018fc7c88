r"""The ensemble's calibration per task (issue #14, item 6).

Every ensemble run of ``botorch-roma benchmark`` records, in its ``info``
column, the Spearman correlation between the ensemble's predicted standard
deviation and the absolute error of its mean on the rows held out of the fit
(``calibration_spearman``, over ``calibration_rows`` rows). This prints, per
task and method, its mean, standard deviation, minimum and number of seeds.
A value near 0 means the spread does not say which predictions are wrong; a
clearly positive one means larger spread goes with larger error.

    python scripts/calibration.py results/suite
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd


def calibration(raw: pd.DataFrame) -> pd.DataFrame:
    r"""Per (task, method): mean, std, min of ``calibration_spearman`` and n."""
    rows = []
    for r in raw.itertuples(index=False):
        info = json.loads(r.info) if isinstance(r.info, str) and r.info else {}
        if "calibration_spearman" in info:
            rows.append(
                {
                    "task": r.task,
                    "method": r.method,
                    "seed": r.seed,
                    "spearman": info["calibration_spearman"],
                    "rows": info.get("calibration_rows"),
                }
            )
    if not rows:
        return pd.DataFrame(columns=["task", "method", "mean", "std", "min", "n"])
    frame = pd.DataFrame(rows)
    return (
        frame.groupby(["task", "method"], sort=False)["spearman"]
        .agg(mean="mean", std="std", min="min", n="count")
        .reset_index()
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+", help="Result folders.")
    args = parser.parse_args(argv)
    raw = pd.concat(
        [pd.read_csv(folder / "raw_results.csv") for folder in args.folders],
        ignore_index=True,
    )
    table = calibration(raw)
    print(table.round(3).to_markdown(index=False))


if __name__ == "__main__":
    main()
