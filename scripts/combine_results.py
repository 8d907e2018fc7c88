r"""Combine several ``botorch-roma benchmark`` result folders into one report.

A sweep that does not fit in one sitting (or one machine) can run as several
``botorch-roma benchmark`` calls, for example one per task or per seed range,
each with its own ``--out`` folder. This writes the usual report
(``results.md``, ``summary.csv``, ``raw_results.csv``, percentile plots,
``run.json``) for their union, recording every part's command (see
:func:`botorch_roma.benchmarks.reporting.combine_reports`).

Usage::

    python scripts/combine_results.py results/suite \
        results/parts/levy-20-s0 results/parts/hopper-s0

The parts must not share a (task, method, seed) run, unless ``--replace``
lets a later part's run (a rerun with newer code) replace an earlier one; the
replaced runs are listed in ``run.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from botorch_roma.benchmarks.reporting import combine_reports


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="Output folder.")
    parser.add_argument("parts", type=Path, nargs="+", help="Result folders.")
    parser.add_argument("--title", default="Benchmark results")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="Later parts replace earlier runs of the same (task, method, seed).",
    )
    args = parser.parse_args(argv)
    paths = combine_reports(args.parts, args.out, args.title, replace=args.replace)
    for path in paths.values():
        print(path)


if __name__ == "__main__":
    main()
