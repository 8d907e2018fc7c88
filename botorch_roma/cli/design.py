r"""``botorch-roma design``: one batch of new designs from a table of old ones.

Reads a CSV (or Parquet) file of evaluated designs and an optional
search-space spec (JSON or YAML; the format is in
:mod:`botorch_roma.ax.design`), runs RoMA through Ax
(:func:`~botorch_roma.ax.design.run_design`) and writes the proposed designs
with their predicted objective values to a CSV. The output path is checked
before anything else (:mod:`botorch_roma.cli.output`); an existing file is
kept unless ``--overwrite`` is given. Without a spec, a column that holds row
numbers (a saved pandas index, see
:func:`~botorch_roma.ax.design.index_columns`) is dropped with a note, and the
columns that became parameters are listed, so that a measured outcome (a
cost) can be moved to ``--tracking-metrics``. Without a data file it runs
on the built-in dataset (:func:`~botorch_roma.datasets.builtin_dataset`), with
a smaller ascent budget (:data:`~botorch_roma.options.BUILTIN_DATASET_BUDGET`),
and reports the designs' *true* scores against the dataset's best.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from ax.exceptions.core import UserInputError
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.ax.design import (
    design_trust_report,
    index_columns,
    infer_spec,
    load_spec,
    pick_objective,
    read_table,
    run_design,
    spec_for_bounds,
)
from botorch_roma.cli.flags import collect_options, roma_flags
from botorch_roma.cli.output import check_output, overwrite_flag, write_csv
from botorch_roma.datasets import BUILTIN_DATASET, OfflineTask, builtin_dataset
from botorch_roma.exceptions import RoMAError, RoMAInputError
from botorch_roma.options import (
    BUILTIN_DATASET_BUDGET,
    DEFAULT_PRESET,
    PRESETS,
    AscentOptions,
    PretrainingOptions,
    preset_overrides,
)
from botorch_roma.report import TrustReport

__all__ = ["design"]


def builtin_table() -> tuple[pd.DataFrame, OfflineTask]:
    r"""The built-in dataset as a table (``x0 .. x{d-1}``, ``y``) and its task."""
    task = builtin_dataset()
    X = task.X.cpu().numpy()
    table = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    table["y"] = task.Y.squeeze(-1).cpu().numpy()
    return table, task


def _builtin_problem(flags: dict[str, Any]) -> tuple:
    r"""Table, spec, task and budget of a run on the built-in dataset."""
    if (
        flags["spec"] is not None
        or flags["objective"] is not None
        or flags["minimize"]
        or flags["tracking_metrics"]
    ):
        raise RoMAInputError(
            "--spec, --objective, --minimize and --tracking-metrics need a DATA "
            "file; without one the built-in dataset is used."
        )
    table, task = builtin_table()
    cfg = BUILTIN_DATASET
    click.echo(
        f"No data file given: using the built-in dataset, the "
        f"{cfg['function']} function in d={cfg['dim']} ({len(table)} visible "
        f"rows = the bottom {cfg['visible_fraction']:.0%} of "
        f"{cfg['n_total']} uniform samples, seed {cfg['seed']}; maximize y)."
    )
    return table, spec_for_bounds(task.bounds), task, BUILTIN_DATASET_BUDGET


def _tracking_flag(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _table_problem(flags: dict[str, Any]) -> tuple:
    r"""Table and spec of a run on the user's data file."""
    table = read_table(flags["data"])
    objective, tracking = flags["objective"], _tracking_flag(flags["tracking_metrics"])
    if flags["spec"] is not None:
        spec = load_spec(flags["spec"])
        tracking = [*spec.tracking_metrics, *tracking]
        spec.tracking_metrics = list(dict.fromkeys(tracking))
        objective = objective or spec.objective
    name, how = pick_objective(table, objective)
    if flags["spec"] is None:
        table = _drop_index_columns(table, keep={name, *tracking})
        spec, notes = infer_spec(table, name, tracking)
        spec.tracking_metrics = tracking
        click.echo(
            f"No --spec given: {len(notes)} float parameter(s) inferred from the "
            "columns, with bounds taken from the data (designs cannot leave "
            "them): " + "; ".join(notes) + "."
        )
        click.echo(
            "Every column other than the objective"
            + (f" and the tracking metrics {tracking}" if tracking else "")
            + " is a parameter: if one is a measured outcome rather than a design "
            "choice (a cost, a time), pass --tracking-metrics NAME, or describe "
            "the space in a --spec file."
        )
    spec.objective = name
    spec.minimize = spec.minimize or flags["minimize"]
    click.echo(
        f"Read {len(table)} rows from {flags['data']}; objective {name!r} ({how}), "
        f"{'minimized' if spec.minimize else 'maximized'}."
    )
    return table, spec, None, {}


def _drop_index_columns(table: pd.DataFrame, keep: set[str]) -> pd.DataFrame:
    r"""The table without its row-number columns, each dropped with a note."""
    found = index_columns(table, keep)
    for column, why in found.items():
        click.echo(
            f"Dropped column {column!r}: {why}, so it is not a design parameter. "
            "To use it as one, describe the space in a --spec file."
        )
    return table.drop(columns=list(found))


def _report_oracle(designs: pd.DataFrame, table: pd.DataFrame, task: Any) -> None:
    import torch

    names = [c for c in table.columns if c != "y"]
    X = torch.tensor(designs[names].to_numpy(), dtype=task.X.dtype)
    true = task.evaluate(X).squeeze(-1).numpy()
    designs["true_y"] = true
    pred = designs["predicted_y"].to_numpy()
    best = float(table["y"].max())
    norm = task.normalize
    click.echo(
        f"Dataset best y: {best:.3f} (normalized {norm(best):.3f}; the hidden top "
        f"of the full dataset reaches {task.y_max:.3f})."
    )
    click.echo(
        f"Candidates' predicted y: max {pred.max():.3f}, median {np.median(pred):.3f}."
    )
    click.echo(
        f"Candidates' true y:      max {true.max():.3f} (normalized "
        f"{norm(float(true.max())):.3f}), median {np.median(true):.3f} (normalized "
        f"{norm(float(np.median(true))):.3f})."
    )
    click.echo(
        f"{int((true > best).sum())} of {len(true)} candidates beat the dataset's "
        "best design (true score)."
    )


@click.command("design")
@click.argument("data", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--spec",
    type=click.Path(dir_okay=False),
    help="Search-space spec (JSON or YAML). Default: float bounds from the data.",
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
    help="Where to write the designs (CSV).",
)
@overwrite_flag
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
    "published) or 'ensemble' (five proxies, mean - std, best iterate).",
)
@click.option("--quiet", "--no-progress", "quiet", is_flag=True, help="No bars.")
@roma_flags
def design(**flags: Any) -> None:
    r"""Propose N new designs from a table of evaluated ones with RoMA and Ax.

    DATA is a CSV (or Parquet) file with one column per parameter and one for
    the objective. Without DATA, a built-in synthetic dataset with a known
    oracle is used and the designs' true scores are reported.
    """
    logging.getLogger("ax").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", module="linear_operator")
    given = collect_options(flags, PretrainingOptions, AscentOptions)
    check_output(flags["output"], flags["overwrite"])
    try:
        problem = _builtin_problem if flags["data"] is None else _table_problem
        table, spec, task, budget = problem(flags)
        preset = flags["preset"]
        pretraining = {
            **preset_overrides(preset, PretrainingOptions),
            **budget.get(PretrainingOptions, {}),
            **given[0],
        }
        ascent = {
            **preset_overrides(preset, AscentOptions),
            **budget.get(AscentOptions, {}),
            **given[1],
        }
        pretraining = PretrainingOptions.overrides(pretraining)
        ascent = AscentOptions.overrides(ascent)
        shown = {**pretraining, **ascent}
        click.echo(
            f"RoMA settings: preset {preset!r}; "
            + (", ".join(f"{k}={v}" for k, v in shown.items()) or "package defaults")
            + f" (other options at their defaults), seed={flags['seed']}, "
            f"n={flags['n']}."
        )
        start = time.monotonic()
        designs, client = run_design(
            table,
            spec,
            n=flags["n"],
            pretraining=pretraining,
            ascent=ascent,
            seed=flags["seed"],
            progress=not flags["quiet"],
            preset=preset,
        )
        elapsed = time.monotonic() - start
        if task is not None:
            _report_oracle(designs, table, task)
        write_csv(designs, flags["output"], flags["overwrite"])
        report = design_trust_report(designs, table, spec, client)
    except (RoMAError, UnsupportedError, UserInputError) as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"Wrote {len(designs)} designs to {flags['output']} ({elapsed:.0f} s).")
    if report is not None:
        _write_report(report, Path(flags["output"]), flags["overwrite"])


def _write_report(report: TrustReport, output: Path, overwrite: bool) -> None:
    r"""Print the trust report's summary and write it next to the designs."""
    for line in report.summary():
        click.echo(line)
    path = output.with_name(output.stem + "_trust.md")
    if path.exists() and not overwrite:
        click.echo(f"Kept the existing {path} (pass --overwrite to replace it).")
        return
    report.to_markdown(path)
    click.echo(f"Trust report: {path}.")
