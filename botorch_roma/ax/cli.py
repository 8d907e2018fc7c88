r"""``botorch-roma design``: one batch of new designs from a table of old ones.

The command reads a CSV (or Parquet) file of evaluated designs and an optional
search-space spec (JSON or YAML), builds an ``ax.api.Client`` experiment,
attaches the table as offline data, runs RoMA [Yu2021roma]_ through Ax, and
writes the proposed designs with their predicted objective values to a CSV.

Without a data file it runs on a built-in synthetic task with a known oracle,
so it also reports the candidates' *true* scores against the dataset's best.

The spec format::

    parameters:
      - {name: x0, type: range, bounds: [0.0, 1.0]}            # float
      - {name: k, type: range, bounds: [1, 64], value_type: int, log_scale: true}
      - {name: color, type: choice, values: [red, green, blue]}  # unordered
      - {name: size, type: choice, values: [1, 2, 4], is_ordered: true}
      - {name: batch, type: fixed, value: 32}
    parameter_constraints: ["x0 + x1 <= 1.5"]
    objective: y          # optional: default "y" if present, else the last column
    minimize: false       # optional
    tracking_metrics: [cost]   # optional: other columns to keep as metrics

Without a spec, every column except the objective becomes a float parameter
whose bounds are the column's range in the data (and the command says so).

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from ax.api.client import Client
from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig
from ax.exceptions.core import UserInputError
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.ax.data import SEM_SUFFIX, attach_offline_data
from botorch_roma.ax.generation import generate_batch, roma_generation_strategy
from botorch_roma.benchmarks.tasks.synthetic import DEFAULT_TASK, make_synthetic_task
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.adaptation import ADAPTATION_MODES

__all__ = [
    "DEFAULT_DATASET",
    "DEFAULT_DATASET_BUDGET",
    "DesignSpec",
    "default_dataset",
    "design",
    "infer_spec",
    "load_spec",
    "read_table",
    "run_design",
]

#: The built-in dataset: the package's default synthetic task with a true
#: oracle (the same one ``botorch-roma demo`` uses).
DEFAULT_DATASET = DEFAULT_TASK

#: RoMA budgets used on the built-in dataset, so the command finishes in
#: about a minute on two CPU cores (explicit options override them).
DEFAULT_DATASET_BUDGET = {"steps": 100, "adapt_steps": 50}

_PARAM_KEYS = {
    "range": {"name", "type", "bounds", "value_type", "log_scale"},
    "choice": {"name", "type", "values", "value_type", "is_ordered"},
    "fixed": {"name", "type", "value", "value_type"},
}
_SPEC_KEYS = {
    "parameters",
    "parameter_constraints",
    "objective",
    "minimize",
    "tracking_metrics",
}


@dataclass
class DesignSpec:
    r"""A parsed search-space spec.

    Attributes:
        parameters: Ax ``RangeParameterConfig``/``ChoiceParameterConfig``s.
        parameter_constraints: Constraint strings such as ``"x0 + x1 <= 1"``.
        objective: The objective column, or ``None`` to pick a default.
        minimize: Whether to minimize the objective.
        tracking_metrics: Other columns to keep as tracking metrics.
    """

    parameters: list[RangeParameterConfig | ChoiceParameterConfig]
    parameter_constraints: list[str] = field(default_factory=list)
    objective: str | None = None
    minimize: bool = False
    tracking_metrics: list[str] = field(default_factory=list)


def _value_type(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "float"
    return "str"


def _parameter_config(entry: Any) -> RangeParameterConfig | ChoiceParameterConfig:
    if not isinstance(entry, dict) or "name" not in entry:
        raise RoMAInputError(
            f"Each spec parameter must be a mapping with a 'name', got {entry!r}."
        )
    name, kind = entry["name"], entry.get("type", "range")
    if kind not in _PARAM_KEYS:
        raise RoMAInputError(
            f"Parameter {name!r} has type {kind!r}; use 'range', 'choice' or 'fixed'."
        )
    unknown = sorted(set(entry) - _PARAM_KEYS[kind])
    if unknown:
        raise RoMAInputError(
            f"Parameter {name!r} ({kind}) has unknown key(s) {unknown}; allowed: "
            f"{sorted(_PARAM_KEYS[kind])}."
        )
    if kind == "range":
        bounds = entry.get("bounds")
        if not isinstance(bounds, list | tuple) or len(bounds) != 2:
            raise RoMAInputError(
                f"Range parameter {name!r} needs 'bounds: [lower, upper]'."
            )
        value_type = entry.get("value_type", "float")
        if value_type not in ("float", "int"):
            raise RoMAInputError(
                f"Range parameter {name!r} has value_type {value_type!r}; use "
                "'float' or 'int'."
            )
        return RangeParameterConfig(
            name=name,
            bounds=(float(bounds[0]), float(bounds[1])),
            parameter_type=value_type,
            scaling="log" if entry.get("log_scale", False) else "linear",
        )
    values = [entry["value"]] if kind == "fixed" else entry.get("values")
    if kind == "fixed" and "value" not in entry:
        raise RoMAInputError(f"Fixed parameter {name!r} needs a 'value'.")
    if not isinstance(values, list) or not values:
        raise RoMAInputError(f"Choice parameter {name!r} needs a list of 'values'.")
    value_type = entry.get("value_type", _value_type(values))
    if kind == "choice" and len(values) < 2:
        raise RoMAInputError(
            f"Choice parameter {name!r} has one value; make it a fixed parameter."
        )
    return ChoiceParameterConfig(
        name=name,
        values=values,
        parameter_type=value_type,
        is_ordered=entry.get("is_ordered") if kind == "choice" else None,
    )


def load_spec(path: str | Path) -> DesignSpec:
    r"""Read a JSON or YAML search-space spec (see the module docstring).

    Args:
        path: The spec file (``.json``, ``.yaml`` or ``.yml``).

    Returns:
        The parsed spec.

    Example:
        >>> spec = load_spec("space.yaml")
        >>> [p.name for p in spec.parameters]
        ['x0', 'x1']
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            raw = yaml.safe_load(text)
        else:
            raw = json.loads(text)
    except (OSError, ValueError, ImportError) as e:
        raise RoMAInputError(
            f"Could not read the spec {str(path)!r}: {e}; give a JSON or YAML file "
            "(YAML needs pyyaml)."
        ) from e
    except Exception as e:  # yaml.YAMLError and friends
        raise RoMAInputError(f"Could not parse the spec {str(path)!r}: {e}.") from e
    if not isinstance(raw, dict) or not isinstance(raw.get("parameters"), list):
        raise RoMAInputError(
            f"The spec {str(path)!r} must be a mapping with a 'parameters' list."
        )
    unknown = sorted(set(raw) - _SPEC_KEYS)
    if unknown:
        raise RoMAInputError(
            f"The spec has unknown key(s) {unknown}; allowed: {sorted(_SPEC_KEYS)}."
        )
    return DesignSpec(
        parameters=[_parameter_config(p) for p in raw["parameters"]],
        parameter_constraints=list(raw.get("parameter_constraints") or []),
        objective=raw.get("objective"),
        minimize=bool(raw.get("minimize", False)),
        tracking_metrics=list(raw.get("tracking_metrics") or []),
    )


def read_table(path: str | Path) -> pd.DataFrame:
    r"""Read a CSV (or ``.parquet``/``.pq``) table of evaluated designs.

    Args:
        path: The file.

    Returns:
        The table.

    Raises:
        RoMAInputError: If the file cannot be read as a table.
    """
    path = Path(path)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        table = pd.read_csv(path)
    except ImportError as e:
        raise RoMAInputError(
            f"Reading Parquet needs a working pyarrow ({e}); install it or convert "
            "the file to CSV."
        ) from e
    except Exception as e:  # pandas raises many types for unreadable files
        raise RoMAInputError(
            f"Could not read {str(path)!r} as a table: {type(e).__name__}: {e}. Give "
            "a CSV file with a header row (or a .parquet file)."
        ) from e
    if table.shape[1] < 2:
        raise RoMAInputError(
            f"Could not read {str(path)!r} as a table of designs: it has "
            f"{table.shape[1]} column(s); expected a header row with one column per "
            "parameter plus the objective (is it comma-separated?)."
        )
    return table


def _pick_objective(table: pd.DataFrame, objective: str | None) -> tuple[str, str]:
    if objective is not None:
        if objective not in table.columns:
            raise RoMAInputError(
                f"The objective column {objective!r} is not in the data (columns: "
                f"{list(table.columns)}); pass --objective with an existing column."
            )
        return objective, "given"
    if "y" in table.columns:
        return "y", "the column named 'y'"
    return str(table.columns[-1]), "the last column"


def infer_spec(
    table: pd.DataFrame, objective: str, tracking_metrics: list[str]
) -> tuple[DesignSpec, list[str]]:
    r"""Float parameters with bounds from the data, for tables without a spec.

    Args:
        table: The data.
        objective: The objective column.
        tracking_metrics: Columns that are metrics, not parameters.

    Returns:
        The inferred spec and a human-readable note per parameter.
    """
    skip = {objective, *tracking_metrics}
    skip |= {m + SEM_SUFFIX for m in skip}
    parameters, notes = [], []
    for column in table.columns:
        if column in skip:
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        if values.isna().any():
            raise RoMAInputError(
                f"Column {column!r} is not numeric (or has missing values), so its "
                "domain cannot be inferred; describe it in a --spec file (e.g. as a "
                "choice parameter) or drop the column."
            )
        lo, hi = float(values.min()), float(values.max())
        if lo == hi:
            parameters.append(
                ChoiceParameterConfig(
                    name=str(column), values=[lo], parameter_type="float"
                )
            )
            notes.append(f"{column} = {lo:g} (constant: fixed)")
        else:
            parameters.append(
                RangeParameterConfig(
                    name=str(column), bounds=(lo, hi), parameter_type="float"
                )
            )
            notes.append(f"{column} in [{lo:g}, {hi:g}]")
    if not parameters:
        raise RoMAInputError("The data has no parameter columns besides the objective.")
    return DesignSpec(parameters=parameters, objective=objective), notes


def default_dataset() -> tuple[pd.DataFrame, Any]:
    r"""The built-in dataset as a DataFrame, and its task (with the oracle).

    Returns:
        A two-element tuple: a DataFrame with columns ``x0 .. x{d-1}`` and
        ``y``, and the :class:`~botorch_roma.benchmarks.tasks.base.OfflineTask`.
    """

    task = make_synthetic_task(**DEFAULT_DATASET)
    X = task.X.cpu().numpy()
    table = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    table["y"] = task.Y.squeeze(-1).cpu().numpy()
    return table, task


def _spec_for_task(task: Any) -> DesignSpec:
    bounds = task.bounds.cpu().numpy()
    parameters = [
        RangeParameterConfig(
            name=f"x{i}", bounds=(float(lo), float(hi)), parameter_type="float"
        )
        for i, (lo, hi) in enumerate(bounds.T)
    ]
    return DesignSpec(parameters=parameters, objective="y")


def run_design(
    table: pd.DataFrame,
    spec: DesignSpec,
    n: int,
    pretraining: dict[str, Any],
    ascent: dict[str, Any],
    seed: int,
    progress: bool,
) -> tuple[pd.DataFrame, Client]:
    r"""Run the offline Ax flow and return the designs with their predictions.

    Args:
        table: The evaluated designs.
        spec: The search space and objective (``spec.objective`` must be set).
        n: The number of new designs.
        pretraining: RoMA pre-training options.
        ascent: RoMA ascent options.
        seed: The seed.
        progress: Show progress bars.

    Returns:
        A DataFrame with one row per design (parameters and
        ``predicted_<objective>``), and the client.
    """
    if isinstance(n, bool) or n < 1:
        raise RoMAInputError(f"n must be a positive integer, got {n}.")
    objective = spec.objective
    client = Client(random_seed=seed)
    try:
        client.configure_experiment(
            parameters=spec.parameters,
            parameter_constraints=spec.parameter_constraints or None,
            name="botorch_roma_design",
        )
        client.configure_optimization(
            objective=f"-{objective}" if spec.minimize else objective
        )
    except (UserInputError, ValueError) as e:
        raise RoMAInputError(f"Invalid search space or objective: {e}") from e
    client.set_generation_strategy(
        roma_generation_strategy(
            pretraining=pretraining, ascent=ascent, seed=seed, progress=progress
        )
    )
    attach_offline_data(client, table, tracking_metrics=spec.tracking_metrics)
    trial = generate_batch(client, n=n)
    run = trial.generator_runs[0]
    names = [p.name for p in spec.parameters]
    designs = pd.DataFrame([arm.parameters for arm in run.arms], columns=names)
    predicted = None
    if run.model_predictions is not None:
        predicted = run.model_predictions[0].get(objective)
    if predicted is None:
        sign = -1.0 if spec.minimize else 1.0
        predicted = [sign * v for v in run.gen_metadata["expected_acquisition_value"]]
    designs[f"predicted_{objective}"] = np.asarray(predicted, dtype=float)
    designs.insert(0, "arm_name", [arm.name for arm in run.arms])
    return designs, client


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".csv.tmp")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            frame.to_csv(f, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
@click.option("-n", "n", default=128, show_default=True, help="Number of designs.")
@click.option(
    "-o",
    "--output",
    default="design_out/designs.csv",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the designs (CSV).",
)
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--epochs", type=int, help="Pre-training epochs.")
@click.option("--epsilon", type=float, help="Weight-perturbation radius.")
@click.option("--steps", type=int, help="Ascent steps T.")
@click.option("--adapt-steps", type=int, help="Adaptation steps per ascent step.")
@click.option(
    "--adaptation", type=click.Choice(ADAPTATION_MODES), help="Adaptation mode."
)
@click.option("--no-progress", is_flag=True, help="Hide the progress bars.")
def design(
    data: str | None,
    spec: str | None,
    objective: str | None,
    minimize: bool,
    n: int,
    output: str,
    seed: int,
    epochs: int | None,
    epsilon: float | None,
    steps: int | None,
    adapt_steps: int | None,
    adaptation: str | None,
    no_progress: bool,
) -> None:
    r"""Propose N new designs from a table of evaluated ones with RoMA and Ax.

    DATA is a CSV (or Parquet) file with one column per parameter and one for
    the objective. Without DATA, a built-in synthetic dataset with a known
    oracle is used and the designs' true scores are reported.
    """
    logging.getLogger("ax").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", module="linear_operator")
    try:
        task = None
        if data is None:
            if spec is not None or objective is not None or minimize:
                raise RoMAInputError(
                    "--spec, --objective and --minimize need a DATA file; without "
                    "one the built-in dataset is used."
                )
            table, task = default_dataset()
            design_spec = _spec_for_task(task)
            budget = dict(DEFAULT_DATASET_BUDGET)
            cfg = DEFAULT_DATASET
            click.echo(
                f"No data file given: using the built-in dataset, the "
                f"{cfg['function']} function in d={cfg['dim']} ({len(table)} visible "
                f"rows = the bottom {cfg['visible_fraction']:.0%} of "
                f"{cfg['n_total']} uniform samples, seed {cfg['seed']}; maximize y)."
            )
        else:
            table = read_table(data)
            budget = {}
            tracking: list[str] = []
            if spec is not None:
                design_spec = load_spec(spec)
                tracking = design_spec.tracking_metrics
                objective = objective or design_spec.objective
            name, how = _pick_objective(table, objective)
            if spec is None:
                design_spec, notes = infer_spec(table, name, tracking)
                click.echo(
                    "No --spec given: inferred float parameters with bounds taken "
                    "from the data (designs cannot leave them): " + "; ".join(notes)
                )
            design_spec.objective = name
            design_spec.minimize = design_spec.minimize or minimize
            click.echo(
                f"Read {len(table)} rows from {data}; objective {name!r} ({how}), "
                f"{'minimized' if design_spec.minimize else 'maximized'}."
            )
        pretraining = {"epochs": budget.get("epochs")} if "epochs" in budget else {}
        ascent = {k: budget[k] for k in ("steps", "adapt_steps") if k in budget}
        if epochs is not None:
            pretraining["epochs"] = epochs
        if epsilon is not None:
            pretraining["epsilon"] = epsilon
        for key, value in (
            ("steps", steps),
            ("adapt_steps", adapt_steps),
            ("adaptation", adaptation),
        ):
            if value is not None:
                ascent[key] = value
        shown = {**pretraining, **ascent}
        click.echo(
            "RoMA settings: "
            + (", ".join(f"{k}={v}" for k, v in shown.items()) or "package defaults")
            + f" (other options at their defaults), seed={seed}, n={n}."
        )
        start = time.monotonic()
        designs, _ = run_design(
            table,
            design_spec,
            n=n,
            pretraining=pretraining,
            ascent=ascent,
            seed=seed,
            progress=not no_progress,
        )
        elapsed = time.monotonic() - start
        if task is not None:
            _report_oracle(designs, table, task)
        _write_csv(designs, Path(output))
    except (RoMAInputError, UnsupportedError, UserInputError) as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"Wrote {len(designs)} designs to {output} ({elapsed:.0f} s).")


if __name__ == "__main__":  # pragma: no cover
    design()
