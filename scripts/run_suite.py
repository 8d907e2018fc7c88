r"""Run the full botorch-roma benchmark suite and its sensitivity sweep.

This wraps ``botorch-roma benchmark`` with the suite's settings and writes
everything under ``results/``:

- ``results/suite/``: raw CSV, summary CSV, ``results.md`` (the
  paper-style tables), percentile-curve PNGs and ``run.json`` (command,
  hardware, versions);
- ``results/sensitivity/``: the Figure-5 style sweep.

Usage::

    python scripts/run_suite.py                 # 4 seeds, all tasks/methods
    python scripts/run_suite.py --seeds 16 --workers 8
    python scripts/run_suite.py --scheduler tcp://host:8786 --seeds 16
    python scripts/run_suite.py --smoke         # minutes, for CI

Runs are CPU-bound; on a small machine use ``--workers`` no larger than the
number of cores (each run uses ``--threads`` torch threads).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from botorch_roma.cli.benchmark import benchmark

RESULTS = Path(__file__).resolve().parent.parent / "results"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="4")
    parser.add_argument("--tasks", default=None)
    parser.add_argument("--methods", default=None)
    parser.add_argument("--workers", default="1")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--skip-sensitivity", action="store_true")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    common = ["--seeds", args.seeds, "--workers", args.workers]
    common += ["--threads", args.threads]
    if args.tasks:
        common += ["--tasks", args.tasks]
    if args.scheduler:
        common += ["--scheduler", args.scheduler]
    if args.smoke:
        common.append("--smoke")
    suffix = "-smoke" if args.smoke else ""
    out = Path(args.out)
    suite = [*common, "--out", str(out / f"suite{suffix}")]
    if args.methods:
        suite += ["--methods", args.methods]
    benchmark.main(suite, standalone_mode=False)
    if not args.skip_sensitivity:
        sweep = [*common, "--sensitivity", "--out", str(out / f"sensitivity{suffix}")]
        benchmark.main(sweep, standalone_mode=False)


if __name__ == "__main__":
    main()
