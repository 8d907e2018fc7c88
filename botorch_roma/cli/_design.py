r"""The work behind ``botorch-roma design`` (see :mod:`botorch_roma.cli.design`).

Imported when the command runs: it loads Ax, BoTorch and pandas, which the
command's ``--help`` must not.
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

from botorch_roma.ax.data import experiment_of
from botorch_roma.ax.design import (
    DesignSpec,
    batch_record,
    client_for,
    design_batch,
    design_client,
    design_trust_report,
    index_columns,
    infer_spec,
    load_client,
    load_spec,
    observed_values,
    pick_objective,
    read_table,
    round_designs,
    spec_for_bounds,
    spec_from_experiment,
    spec_to_dict,
)
from botorch_roma.ax.results import open_trials
from botorch_roma.cli.output import write_csv, write_file, write_text
from botorch_roma.cli.record import RunRecord, sha256_of
from botorch_roma.datasets import BUILTIN_DATASET, OfflineTask, builtin_dataset
from botorch_roma.exceptions import RoMAError, RoMAInputError
from botorch_roma.options import (
    BUILTIN_DATASET_BUDGET,
    AscentOptions,
    PretrainingOptions,
    preset_overrides,
)
from botorch_roma.report import TrustReport

__all__ = ["builtin_table", "run"]


def builtin_table() -> tuple[pd.DataFrame, OfflineTask]:
    r"""The built-in dataset as a table (``x0 .. x{d-1}``, ``y``) and its task."""
    task = builtin_dataset()
    X = task.X.cpu().numpy()
    table = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    table["y"] = task.Y.squeeze(-1).cpu().numpy()
    return table, task


def _budget_overrides() -> dict[str, dict[str, Any]]:
    return {
        "pretraining": dict(BUILTIN_DATASET_BUDGET.get(PretrainingOptions, {})),
        "ascent": dict(BUILTIN_DATASET_BUDGET.get(AscentOptions, {})),
    }


def _builtin_problem(flags: dict[str, Any]) -> dict[str, Any]:
    r"""Table, spec, task, option overrides and provenance of a built-in run."""
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
    return {
        "table": table,
        "spec": spec_for_bounds(task.bounds),
        "task": task,
        "overrides": _budget_overrides(),
        "data": {"path": None, "sha256": "built-in", "rows": len(table), **cfg},
    }


def _tracking_flag(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _table_problem(flags: dict[str, Any]) -> dict[str, Any]:
    r"""Table, spec, option overrides and provenance of a run on a data file."""
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
            "the space in a --spec file (`botorch-roma spec DATA` writes one)."
        )
    spec.objective = name
    spec.minimize = spec.minimize or flags["minimize"]
    click.echo(
        f"Read {len(table)} rows from {flags['data']}; objective {name!r} ({how}), "
        f"{'minimized' if spec.minimize else 'maximized'}."
    )
    data = {"path": str(flags["data"]), "sha256": sha256_of(flags["data"])}
    if flags["spec"] is not None:
        data["spec_path"] = str(flags["spec"])
        data["spec_sha256"] = sha256_of(flags["spec"])
    return {
        "table": table,
        "spec": spec,
        "task": None,
        "overrides": {"pretraining": {}, "ascent": {}},
        "data": {**data, "rows": len(table)},
    }


def _experiment_problem(flags: dict[str, Any], explicit: set[str]) -> dict[str, Any]:
    r"""Client, spec, stored settings and provenance of a run on an experiment."""
    path = flags["experiment"]
    experiment = experiment_of(load_client(path))
    spec = spec_from_experiment(experiment)
    stored = batch_record(experiment) or {}
    observed = observed_values(experiment, spec.objective)
    table = pd.DataFrame({spec.objective: observed.to_numpy()})
    click.echo(
        f"Read the experiment {path}: {len(observed)} designs with a result for "
        f"{spec.objective!r} ({'minimized' if spec.minimize else 'maximized'}) in "
        f"{len(experiment.trials)} trial(s), over {len(spec.parameters)} "
        "parameter(s)."
    )
    for index, trial in open_trials(experiment).items():
        have = observed.index.intersection([a.name for a in trial.arms])
        click.echo(
            f"Trial {index} is still {trial.status.name.lower()} ({len(have)} of "
            f"{len(trial.arms)} designs have results, used in the fit; the others "
            "count as pending). Attach the rest with `botorch-roma attach`."
        )
    if stored:
        inherited = [k for k in ("preset", "seed", "n") if k not in explicit]
        click.echo(
            "Settings of the last batch reused"
            + (f" ({', '.join(inherited)} and option flags)" if inherited else "")
            + "; flags given now override them."
        )
    last = stored.get("data") or {}
    first = last.get("first_data", last) or {}
    task = builtin_table()[1] if first.get("sha256") == "built-in" else None
    return {
        "experiment": experiment,
        "table": table,
        "spec": spec,
        "task": task,
        "stored": stored,
        "overrides": stored.get("overrides", {"pretraining": {}, "ascent": {}}),
        "data": {
            "experiment": str(path),
            "experiment_sha256": sha256_of(path),
            "rows": len(observed),
            "first_data": first or None,
        },
    }


def _drop_index_columns(table: pd.DataFrame, keep: set[str]) -> pd.DataFrame:
    r"""The table without its row-number columns, each dropped with a note."""
    found = index_columns(table, keep)
    for column, why in found.items():
        click.echo(
            f"Dropped column {column!r}: {why}, so it is not a design parameter. "
            "To use it as one, describe the space in a --spec file."
        )
    return table.drop(columns=list(found))


def _report_oracle(designs: pd.DataFrame, task: Any) -> None:
    import torch

    table, _ = builtin_table()
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


def _settings(
    flags: dict[str, Any],
    given: list[dict[str, Any]],
    explicit: set[str],
    problem: dict[str, Any],
) -> dict[str, Any]:
    r"""The run's settings: flags over the experiment's last batch over defaults."""
    stored = problem.get("stored", {})
    chosen = {
        key: stored[key] if key in stored and key not in explicit else flags[key]
        for key in ("preset", "seed", "n")
    }
    overrides = {
        "pretraining": {**problem["overrides"].get("pretraining", {}), **given[0]},
        "ascent": {**problem["overrides"].get("ascent", {}), **given[1]},
    }
    preset = chosen["preset"]
    pretraining = PretrainingOptions.overrides(
        {**preset_overrides(preset, PretrainingOptions), **overrides["pretraining"]}
    )
    ascent = AscentOptions.overrides(
        {**preset_overrides(preset, AscentOptions), **overrides["ascent"]}
    )
    return {
        **chosen,
        "digits": flags["digits"],
        "progress": not flags["quiet"],
        "overrides": {
            "pretraining": PretrainingOptions.overrides(
                overrides["pretraining"], json=True
            ),
            "ascent": AscentOptions.overrides(overrides["ascent"], json=True),
        },
        "pretraining": pretraining,
        "ascent": ascent,
    }


def run(
    flags: dict[str, Any],
    given: list[dict[str, Any]],
    explicit: set[str],
    paths: dict[str, Path],
    record: RunRecord,
) -> None:
    r"""Run ``botorch-roma design`` once its flags and output paths are checked.

    Args:
        flags: The command's flags (option flags removed).
        given: The pre-training and ascent options given as flags.
        explicit: Which of ``n``, ``seed`` and ``preset`` were given.
        paths: The output files (:func:`~botorch_roma.cli.design.output_paths`).
        record: The run record, started with the command.
    """
    logging.getLogger("ax").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", module="linear_operator")
    overwrite = flags["overwrite"]
    try:
        if flags["experiment"] is not None:
            problem = _experiment_problem(flags, explicit)
        elif flags["data"] is None:
            problem = _builtin_problem(flags)
        else:
            problem = _table_problem(flags)
        settings = _settings(flags, given, explicit, problem)
        spec: DesignSpec = problem["spec"]
        shown = {**settings["pretraining"], **settings["ascent"]}
        click.echo(
            f"RoMA settings: preset {settings['preset']!r}; "
            + (", ".join(f"{k}={v}" for k, v in shown.items()) or "package defaults")
            + f" (other options at their defaults), seed={settings['seed']}, "
            f"n={settings['n']}."
        )
        start = time.monotonic()
        if "experiment" in problem:
            client = client_for(problem["experiment"], settings["seed"])
        else:
            client = design_client(problem["table"], spec, settings["seed"])
        batch = {k: settings[k] for k in ("preset", "seed", "n", "digits", "overrides")}
        designs = design_batch(
            client,
            spec,
            n=settings["n"],
            pretraining=settings["pretraining"],
            ascent=settings["ascent"],
            seed=settings["seed"],
            progress=settings["progress"],
            preset=settings["preset"],
            record={**batch, "data": problem["data"]},
            device=flags["device"],
        )
        elapsed = time.monotonic() - start
        if problem["task"] is not None:
            _report_oracle(designs, problem["task"])
        experiment = experiment_of(client)
        written = round_designs(designs, experiment, settings["digits"])
        write_file(
            paths["experiment"],
            overwrite,
            lambda tmp: client.save_to_json_file(str(tmp)),
        )
        write_csv(written, paths["designs"], overwrite)
        report = design_trust_report(designs, problem["table"], spec, client)
    except (RoMAError, UnsupportedError, UserInputError) as e:
        raise click.ClickException(str(e)) from e
    click.echo(
        f"Wrote {len(designs)} designs to {paths['designs']} ({elapsed:.0f} s)"
        + (
            f", floats to {settings['digits']} significant digits"
            if settings["digits"]
            else ", at full precision"
        )
        + f"; the experiment to {paths['experiment']}."
    )
    if report is not None:
        _write_report(report, paths["trust_report"], overwrite)
    record.fields.update(
        settings={
            **batch,
            "device": flags["device"],
            "progress": settings["progress"],
            "resolved_overrides": {
                "pretraining": PretrainingOptions.overrides(
                    settings["pretraining"], json=True
                ),
                "ascent": AscentOptions.overrides(settings["ascent"], json=True),
            },
            "pretraining": PretrainingOptions.from_dict(
                settings["pretraining"]
            ).to_dict(),
            "ascent": AscentOptions.from_dict(settings["ascent"]).to_dict(),
        },
        spec=spec_to_dict(spec),
        data=problem["data"],
        outputs={k: str(v) for k, v in paths.items()},
    )
    write_text(record.to_json(), paths["run"], overwrite)
    click.echo(f"Run record: {paths['run']}.")
    objective = spec.objective
    click.echo(
        f"Next: evaluate the designs, add a column {objective!r} with the results "
        f"to {paths['designs'].name} (keep 'arm_name'), then run `botorch-roma "
        f"attach {paths['experiment']} RESULTS.csv` and `botorch-roma design "
        f"--experiment {paths['experiment']} -o NEXT.csv`."
    )


def _write_report(report: TrustReport, path: Path, overwrite: bool) -> None:
    r"""Print the trust report's summary and write it next to the designs."""
    for line in report.summary():
        click.echo(line)
    if path.exists() and not overwrite:
        click.echo(f"Kept the existing {path} (pass --overwrite to replace it).")
        return
    report.to_markdown(path)
    click.echo(f"Trust report: {path}.")
