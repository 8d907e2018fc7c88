r"""``botorch-roma design``: one batch of new designs from a table of old ones.

Reads a CSV (or Parquet) file of evaluated designs and an optional
search-space spec (JSON or YAML; the format is in
:mod:`botorch_roma.ax.design`; ``botorch-roma spec`` writes a starter), runs
RoMA through Ax (:func:`~botorch_roma.ax.design.run_design`) and writes, for
``-o designs.csv``:

- ``designs.csv``: the proposed designs (``arm_name``, the parameters, the
  predicted objective), float values rounded to ``--digits`` significant
  digits (:func:`~botorch_roma.ax.design.round_designs`);
- ``designs_experiment.json``: the Ax experiment with the data and the new
  batch (``Client.save_to_json_file``; load it with ``botorch_roma.ax``
  imported), to attach the lab's results to (``botorch-roma attach``);
- ``designs_trust.md``: the trust report (:mod:`botorch_roma.report`);
- ``designs_run.json``: every setting used, the package versions, the input's
  SHA-256, the command line and the time taken
  (:mod:`botorch_roma.cli.record`).

``--experiment EXPERIMENT.json`` instead makes the next batch from all the data
in a saved experiment (the original table and every attached result), with its
search space and objective, and by default the settings (preset, options, seed,
``n``) of its last batch; flags given on the command line override them.

Every output path is checked before anything else
(:mod:`botorch_roma.cli.output`); existing files are kept unless
``--overwrite`` is given. Without a spec, a column that holds row numbers (a
saved pandas index, see :func:`~botorch_roma.ax.design.index_columns`) is
dropped with a note, and the columns that became parameters are listed, so
that a measured outcome (a cost) can be moved to ``--tracking-metrics``.
Without a data file it runs on the built-in dataset
(:func:`~botorch_roma.datasets.builtin_dataset`), with a smaller ascent budget
(:data:`~botorch_roma.options.BUILTIN_DATASET_BUDGET`), and reports the
designs' *true* scores against the dataset's best.

This module imports only click and the option declarations, so ``--help`` is
fast; the work (Ax, BoTorch, pandas) is in :mod:`botorch_roma.cli._design`,
imported when the command runs, after its first line of output.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from botorch_roma.cli.flags import collect_options, roma_flags
from botorch_roma.cli.output import check_output, overwrite_flag, side_path
from botorch_roma.cli.record import RunRecord
from botorch_roma.options import (
    DEFAULT_PRESET,
    PRESETS,
    AscentOptions,
    PretrainingOptions,
    resolve_device,
)

__all__ = ["DEFAULT_DIGITS", "design", "output_paths"]

#: Significant digits of the float values in the designs file (0: all).
DEFAULT_DIGITS = 6

#: Files written next to the designs: name -> suffix of the designs' stem.
SIDE_FILES = {
    "experiment": "_experiment.json",
    "trust_report": "_trust.md",
    "run": "_run.json",
}


def output_paths(output: str | Path) -> dict[str, Path]:
    r"""The designs file and the files written next to it.

    Example:
        >>> output_paths("out/designs.csv")["experiment"]
        PosixPath('out/designs_experiment.json')
    """
    paths = {"designs": Path(output)}
    paths.update({k: side_path(output, suffix) for k, suffix in SIDE_FILES.items()})
    return paths


def _check_sources(flags: dict[str, Any]) -> None:
    r"""Refuse contradictory inputs before any work."""
    if flags["experiment"] is None:
        return
    if flags["data"] is not None:
        raise click.ClickException(
            "Give DATA or --experiment, not both: the experiment already holds its "
            "data; add new results to it with `botorch-roma attach`."
        )
    spec_flags = [
        f"--{name.replace('_', '-')}"
        for name in ("spec", "objective", "minimize", "tracking_metrics")
        if flags[name]
    ]
    if spec_flags:
        raise click.ClickException(
            f"{', '.join(spec_flags)} cannot be used with --experiment: the "
            "experiment keeps its search space and objective. Start a new one from "
            "DATA to change them."
        )


@click.command("design")
@click.argument("data", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--experiment",
    type=click.Path(exists=True, dir_okay=False),
    help="Make the next batch from all the data in this saved experiment (the "
    "_experiment.json of an earlier run, with results attached by `botorch-roma "
    "attach`) instead of DATA; its last batch's settings are the defaults.",
)
@click.option(
    "--spec",
    type=click.Path(dir_okay=False),
    help="Search-space spec (JSON or YAML; `botorch-roma spec DATA` writes a "
    "starter). Default: float bounds from the data.",
)
@click.option(
    "--objective",
    help="Objective column. Default: the spec's, else 'y', else the last column.",
)
@click.option("--minimize", is_flag=True, help="Minimize the objective.")
@click.option("-n", "--n", "n", default=128, show_default=True, help="Designs.")
@click.option(
    "-o",
    "--output",
    "--out",
    "output",
    default="design_out/designs.csv",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the designs (CSV). Next to it: <stem>_experiment.json, "
    "<stem>_trust.md and <stem>_run.json.",
)
@overwrite_flag
@click.option(
    "--digits",
    type=click.IntRange(min=0),
    default=DEFAULT_DIGITS,
    show_default=True,
    help="Significant digits of the float values in the designs file (float "
    "parameters, kept inside their bounds and constraints, and predictions); "
    "0 writes full precision. Integers and choices are never rounded; the "
    "experiment file always keeps full precision.",
)
@click.option(
    "--tracking-metrics",
    help="Comma-separated columns to keep as tracking metrics, not parameters "
    "(added to the spec's).",
)
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default=DEFAULT_PRESET,
    show_default=True,
    help="Named configuration under the option flags: 'paper' (RoMA as "
    "published), 'ensemble' (five ListNet-trained robust proxies, mean - std, "
    "best iterate, no weight adaptation), 'ensemble-adapt' (the same with "
    "RoMA's adaptation) or 'ensemble-mse' (that with the squared error).",
)
@click.option(
    "--device",
    default=None,
    help="Torch device of the fit and the ascent: cpu, cuda, cuda:N, or auto "
    "(CUDA when available). Default: the CPU.",
)
@click.option("--quiet", "--no-progress", "quiet", is_flag=True, help="No bars.")
@roma_flags
def design(**flags: Any) -> None:
    r"""Propose N new designs from a table of evaluated ones with RoMA and Ax.

    DATA is a CSV (or Parquet) file with one column per parameter and one for
    the objective. Without DATA, a built-in synthetic dataset with a known
    oracle is used and the designs' true scores are reported.

    \b
    The design loop:
      botorch-roma design DATA --spec space.yaml -o batch1.csv
      (evaluate batch1.csv; add a column with the measured objective)
      botorch-roma attach batch1_experiment.json batch1.csv
      botorch-roma design --experiment batch1_experiment.json -o batch2.csv
    """
    record = RunRecord.start()
    given = collect_options(flags, PretrainingOptions, AscentOptions)
    _check_sources(flags)
    paths = output_paths(flags["output"])
    for name in ("designs", "experiment", "run"):
        check_output(paths[name], flags["overwrite"])
    if flags["device"] is not None:
        from botorch_roma.exceptions import RoMAInputError

        try:
            resolve_device(flags["device"])  # before any work
        except RoMAInputError as e:
            raise click.ClickException(str(e)) from e
    source = flags["experiment"] or flags["data"]
    click.echo(f"Reading {source}..." if source else "Loading the built-in dataset...")
    ctx = click.get_current_context()
    explicit = {
        name
        for name in ("n", "seed", "preset")
        if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT
    }
    from botorch_roma.cli._design import run

    run(flags, given, explicit, paths, record)
