r"""``botorch-roma attach``: attach a lab's results to a saved design experiment.

Loads the ``<output>_experiment.json`` that ``botorch-roma design`` wrote,
attaches the results table (the designs file with the measured objective
added, or any table with an ``arm_name`` column or the parameter columns) to
the arms of its open batch with
:func:`~botorch_roma.ax.results.attach_results`, and writes the experiment
back. Everything is checked first; on any error the file is unchanged.

The experiment file is updated **in place** (written to a temporary file and
renamed over it, so an interrupted write leaves the old file): it is the
loop's state, like an Ax database. ``-o NEW.json`` writes the updated
experiment elsewhere instead (an existing file is kept unless
``--overwrite``). A batch whose designs all have a result is marked completed;
designs without a result are left running, to attach later, unless
``--abandon-missing`` marks them abandoned and completes the batch. Then
``botorch-roma design --experiment EXPERIMENT.json`` makes the next batch from
all the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from botorch_roma.cli.output import check_output

__all__ = ["attach"]


@click.command("attach")
@click.argument("experiment", type=click.Path(exists=True, dir_okay=False))
@click.argument("results", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the updated experiment here instead of updating EXPERIMENT in place.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="With -o: replace the file if it exists (default: refuse).",
)
@click.option(
    "--abandon-missing",
    is_flag=True,
    help="Mark the designs of a batch that have no result abandoned, and complete "
    "the batch (default: leave them running, to attach later).",
)
def attach(**flags: Any) -> None:
    r"""Attach measured results to the designs of a saved experiment.

    EXPERIMENT is the _experiment.json written by `botorch-roma design`;
    RESULTS is a CSV (or Parquet) table with one row per evaluated design: its
    arm_name (as in the designs file; without it, rows are matched by their
    parameter values) and the measured objective, plus any tracking metrics
    and <metric>_sem columns. Other columns (the predictions) are ignored.
    EXPERIMENT is updated in place unless -o is given.
    """
    experiment = Path(flags["experiment"])
    target = Path(flags["output"]) if flags["output"] else experiment
    check_output(target, overwrite=flags["overwrite"] or target == experiment)
    click.echo(f"Reading {experiment} and {flags['results']}...")
    _attach(flags, experiment, target)


def _attach(flags: dict[str, Any], experiment_path: Path, target: Path) -> None:
    from botorch.exceptions.errors import UnsupportedError

    from botorch_roma.ax.data import SEM_SUFFIX, experiment_of
    from botorch_roma.ax.design import load_client, read_table
    from botorch_roma.ax.results import ARM_COLUMN, attach_results, open_trials
    from botorch_roma.cli.output import write_file
    from botorch_roma.exceptions import RoMAError

    try:
        client = load_client(experiment_path)
        results = read_table(flags["results"])
        experiment = experiment_of(client)
        done = attach_results(client, results, abandon_missing=flags["abandon_missing"])
    except (RoMAError, UnsupportedError) as e:
        raise click.ClickException(str(e)) from e
    used = {ARM_COLUMN, *experiment.search_space.parameters, *experiment.metrics}
    used |= {m + SEM_SUFFIX for m in experiment.metrics}
    ignored = [c for c in results.columns if c not in used]
    if ignored:
        click.echo(f"Ignored column(s) {ignored} (not parameters or metrics).")
    for batch in done:
        line = f"Trial {batch.trial_index}: attached {len(batch.attached)} result(s)"
        if batch.abandoned:
            line += (
                f"; {len(batch.abandoned)} design(s) without a result marked "
                f"abandoned ({_first_names(batch.abandoned)})"
            )
        if batch.missing:
            line += (
                f"; {len(batch.missing)} design(s) have no result yet and stay "
                f"running ({_first_names(batch.missing)}): attach them later, or "
                "pass --abandon-missing"
            )
        click.echo(line + f"; trial status: {batch.status.lower()}.")
    touched = {b.trial_index for b in done}
    for index, trial in open_trials(experiment).items():
        if index not in touched:
            click.echo(
                f"Trial {index} got no results ({trial.status.name.lower()}, "
                f"{len(trial.arms)} designs)."
            )
    write_file(target, True, lambda tmp: client.save_to_json_file(str(tmp)))
    click.echo(
        f"{'Updated' if target == experiment_path else 'Wrote'} {target}. Next: "
        f"botorch-roma design --experiment {target} -o NEXT.csv"
    )


def _first_names(names: list[str], shown: int = 5) -> str:
    r"""The first ``shown`` names, comma-separated, with ``...`` if more."""
    return ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")
