r"""One batch of new designs from a table of old ones, through Ax.

:func:`run_design` builds an ``ax.api.Client`` experiment from a table of
evaluated designs and a search-space spec, attaches the table as offline data,
runs RoMA [Yu2021roma]_ through Ax and returns the proposed designs with their
predicted objective values. ``botorch-roma design`` is its command line.

The spec format (JSON or YAML, read by :func:`load_spec`)::

    parameters:
      - {name: x0, type: range, bounds: [0.0, 1.0]}            # float
      - {name: k, type: range, bounds: [1, 64], value_type: int, log_scale: true}
      - {name: color, type: choice, values: [red, green, blue]}  # unordered
      - {name: size, type: choice, values: [1, 2, 4], is_ordered: true}
      - {name: batch, type: fixed, value: 32}
    parameter_constraints: ["x0 + x1 <= 1.5", "f1 + f2 + f3 == 1"]
    objective: y          # optional: default "y" if present, else the last column
    minimize: false       # optional
    tracking_metrics: [cost]   # optional: other columns to keep as metrics

Malformed entries (bounds that are not two numbers, a lower bound above the
upper, a string where a list or a boolean belongs, duplicated names) raise
:class:`~botorch_roma.exceptions.RoMAInputError` naming the entry.

Parameter constraints are linear, with ``<=``, ``>=`` or ``==``. An equality
(e.g. composition fractions that sum to 1) becomes an Ax equality constraint,
which Ax passes to RoMA as such: every design meets it to round-off (Ax's own
check allows 1e-8), and data rows off it by more than
:data:`~botorch_roma.ax.data.CONSTRAINT_RTOL` (relative) are refused (see
:mod:`botorch_roma.ax.data`).

Column names may be anything (``yield (%)``, ``temp °C``, ``a-b``, ``yield``):
:func:`run_design` gives Ax safe names (:mod:`botorch_roma.ax.names`), stores
the mapping on the experiment, and returns the designs under the table's
names. Constraints use the table's names too; a name is matched whole and
longest first, so write operators with spaces (``a - b``) where names hold
them.

Without a spec, :func:`infer_spec` makes every column except the objective
and the tracking metrics a float parameter whose bounds are the column's range
in the data; :func:`index_columns` finds the columns that hold row numbers (a
saved pandas index) so that the caller can drop them first.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ax.api.client import Client
from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig
from ax.core.experiment import Experiment
from ax.core.parameter import (
    ChoiceParameter,
    FixedParameter,
    ParameterType,
    RangeParameter,
)
from ax.core.parameter_constraint import (
    ParameterConstraint,
    validate_constraint_parameters,
)
from ax.exceptions.core import UserInputError
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.ax.data import (
    SEM_SUFFIX,
    attach_offline_data,
    check_single_objective,
    experiment_of,
)
from botorch_roma.ax.generation import (
    fitted_roma_model,
    generate_batch,
    roma_generation_strategy,
)
from botorch_roma.ax.names import (
    ax_expression,
    ax_names,
    original_names,
    store_names,
    stored_names,
)
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.gen import check_n
from botorch_roma.report import TrustReport, heldout_fit

__all__ = [
    "PROPERTY_KEY",
    "DesignSpec",
    "batch_record",
    "client_for",
    "design_batch",
    "design_client",
    "design_trust_report",
    "index_columns",
    "infer_spec",
    "load_client",
    "load_spec",
    "nearest_distances",
    "observed_values",
    "pick_objective",
    "read_table",
    "round_designs",
    "run_design",
    "spec_for_bounds",
    "spec_from_dict",
    "spec_from_experiment",
    "spec_to_dict",
]

#: Key of the settings that :func:`design_batch` keeps in a trial's properties.
PROPERTY_KEY = "botorch_roma"

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


def _number(value: Any) -> float | None:
    r"""A finite number (or a string holding one, as PyYAML reads ``1e-4``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            value = float(value)
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    return None


def _check_flags(name: str, entry: dict[str, Any]) -> None:
    for key in ("log_scale", "is_ordered"):
        if entry.get(key) is not None and not isinstance(entry[key], bool):
            raise RoMAInputError(
                f"Parameter {name!r}: {key} must be true or false, got {entry[key]!r}."
            )


def _range_config(name: str, entry: dict[str, Any]) -> RangeParameterConfig:
    bounds = entry.get("bounds")
    numbers = [_number(b) for b in bounds] if isinstance(bounds, list | tuple) else []
    if len(numbers) != 2 or None in numbers:
        raise RoMAInputError(
            f"Range parameter {name!r} needs 'bounds: [lower, upper]' with two "
            f"finite numbers, got {bounds!r}."
        )
    lower, upper = numbers
    if not lower < upper:
        raise RoMAInputError(
            f"Range parameter {name!r} has bounds [{lower:g}, {upper:g}]; the lower "
            "bound must be below the upper (for a single value use type: fixed)."
        )
    value_type = entry.get("value_type", "float")
    if value_type not in ("float", "int"):
        raise RoMAInputError(
            f"Range parameter {name!r} has value_type {value_type!r}; use "
            "'float' or 'int'."
        )
    if value_type == "int" and not (lower.is_integer() and upper.is_integer()):
        raise RoMAInputError(
            f"Integer parameter {name!r} has bounds [{lower:g}, {upper:g}]; give "
            "integer bounds, or make it a float parameter."
        )
    log_scale = bool(entry.get("log_scale", False))
    if log_scale and lower <= 0:
        raise RoMAInputError(
            f"Parameter {name!r} is on a log scale, so its lower bound must be > 0, "
            f"got {lower:g}; drop log_scale or raise the bound."
        )
    return RangeParameterConfig(
        name=name,
        bounds=(lower, upper),
        parameter_type=value_type,
        scaling="log" if log_scale else "linear",
    )


def _choice_config(
    name: str, kind: str, entry: dict[str, Any]
) -> ChoiceParameterConfig:
    if kind == "fixed" and "value" not in entry:
        raise RoMAInputError(f"Fixed parameter {name!r} needs a 'value'.")
    values = [entry["value"]] if kind == "fixed" else entry.get("values")
    if not isinstance(values, list) or not values:
        raise RoMAInputError(
            f"Choice parameter {name!r} needs a non-empty list of 'values', got "
            f"{values!r}."
        )
    bad = [
        v
        for v in values
        if not isinstance(v, str | bool | int | float)
        or (isinstance(v, float) and not math.isfinite(v))
    ]
    if bad:
        raise RoMAInputError(
            f"Parameter {name!r} has values {bad!r}; each value must be a finite "
            "number, a string or a boolean."
        )
    if len(set(map(repr, values))) != len(values):
        raise RoMAInputError(f"Choice parameter {name!r} lists a value twice.")
    if kind == "choice" and len(values) < 2:
        raise RoMAInputError(
            f"Choice parameter {name!r} has one value; make it a fixed parameter."
        )
    value_type = entry.get("value_type", _value_type(values))
    if value_type not in ("float", "int", "str", "bool"):
        raise RoMAInputError(
            f"Parameter {name!r} has value_type {value_type!r}; use 'float', "
            "'int', 'str' or 'bool'."
        )
    return ChoiceParameterConfig(
        name=name,
        values=values,
        parameter_type=value_type,
        is_ordered=entry.get("is_ordered") if kind == "choice" else None,
    )


def _parameter_config(entry: Any) -> RangeParameterConfig | ChoiceParameterConfig:
    if not isinstance(entry, dict) or "name" not in entry:
        raise RoMAInputError(
            f"Each spec parameter must be a mapping with a 'name', got {entry!r}."
        )
    name, kind = entry["name"], entry.get("type", "range")
    if not isinstance(name, str) or not name.strip():
        raise RoMAInputError(
            f"Parameter names must be non-empty strings, got {name!r}; quote it in "
            "the spec."
        )
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
    _check_flags(name, entry)
    if kind == "range":
        return _range_config(name, entry)
    return _choice_config(name, kind, entry)


def _string_list(raw: dict[str, Any], key: str, example: str) -> list[str]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RoMAInputError(
            f"The spec's {key!r} must be a list of strings, e.g. {key}: [{example}], "
            f"got {value!r}."
        )
    return value


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
    return spec_from_dict(raw, source=f"The spec {str(path)!r}")


def spec_from_dict(raw: Any, source: str = "The spec") -> DesignSpec:
    r"""Parse a spec given as a dict (the content of a spec file).

    Args:
        raw: The spec, as :func:`load_spec` reads it from a file.
        source: How error messages name the spec.

    Returns:
        The parsed spec.

    Example:
        >>> spec = spec_from_dict({"parameters": [{"name": "x0", "bounds": [0, 1]}]})
        >>> spec.parameters[0].bounds
        (0.0, 1.0)
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("parameters"), list):
        raise RoMAInputError(f"{source} must be a mapping with a 'parameters' list.")
    unknown = sorted(set(raw) - _SPEC_KEYS)
    if unknown:
        raise RoMAInputError(
            f"The spec has unknown key(s) {unknown}; allowed: {sorted(_SPEC_KEYS)}."
        )
    parameters = [_parameter_config(p) for p in raw["parameters"]]
    names = [p.name for p in parameters]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise RoMAInputError(f"The spec names parameter(s) {repeated} twice.")
    objective = raw.get("objective")
    if objective is not None and not isinstance(objective, str):
        raise RoMAInputError(
            f"The spec's 'objective' must be a column name, got {objective!r}."
        )
    minimize = raw.get("minimize", False)
    if not isinstance(minimize, bool):
        raise RoMAInputError(
            f"The spec's 'minimize' must be true or false, got {minimize!r}."
        )
    return DesignSpec(
        parameters=parameters,
        parameter_constraints=_string_list(
            raw, "parameter_constraints", "'x0 + x1 <= 1'"
        ),
        objective=objective,
        minimize=minimize,
        tracking_metrics=_string_list(raw, "tracking_metrics", "cost"),
    )


def _parameter_dict(config: RangeParameterConfig | ChoiceParameterConfig) -> dict:
    r"""One parameter as a spec entry (the inverse of :func:`_parameter_config`)."""
    kind = str(config.parameter_type)
    if isinstance(config, RangeParameterConfig):
        lower, upper = config.bounds
        if kind == "int":
            lower, upper = int(lower), int(upper)
        entry = {"name": config.name, "type": "range", "bounds": [lower, upper]}
        if kind != "float":
            entry["value_type"] = kind
        if config.scaling == "log":
            entry["log_scale"] = True
        return entry
    values = list(config.values)
    if len(values) == 1:
        entry = {"name": config.name, "type": "fixed", "value": values[0]}
    else:
        entry = {"name": config.name, "type": "choice", "values": values}
    if kind != _value_type(values):
        entry["value_type"] = kind
    if len(values) > 1 and config.is_ordered is not None:
        entry["is_ordered"] = bool(config.is_ordered)
    return entry


def spec_to_dict(spec: DesignSpec) -> dict[str, Any]:
    r"""A spec as a dict in the file format (:func:`spec_from_dict` reads it back).

    Args:
        spec: The spec.

    Returns:
        A JSON- and YAML-friendly dict; keys at their defaults are left out.

    Example:
        >>> spec_to_dict(spec_for_bounds([[0.0], [1.0]]))["parameters"]
        [{'name': 'x0', 'type': 'range', 'bounds': [0.0, 1.0]}]
    """
    raw: dict[str, Any] = {"parameters": [_parameter_dict(p) for p in spec.parameters]}
    if spec.parameter_constraints:
        raw["parameter_constraints"] = list(spec.parameter_constraints)
    if spec.objective is not None:
        raw["objective"] = spec.objective
    if spec.minimize:
        raw["minimize"] = True
    if spec.tracking_metrics:
        raw["tracking_metrics"] = list(spec.tracking_metrics)
    return raw


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


def pick_objective(table: pd.DataFrame, objective: str | None) -> tuple[str, str]:
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


def index_columns(table: pd.DataFrame, keep: Collection[str] = ()) -> dict[str, str]:
    r"""Columns that hold row numbers rather than a design parameter.

    A first column without a header (pandas reads it as ``"Unnamed: 0"``; it
    is how pandas and R save a row index), or any column whose values are
    exactly ``0, 1, ..., n - 1`` in order (with ``n >= 3`` rows).

    Args:
        table: The data.
        keep: Columns never reported (the objective, tracking metrics).

    Returns:
        ``{column: reason}`` for each such column.
    """
    found = {}
    n = len(table)
    for position, column in enumerate(table.columns):
        if column in keep:
            continue
        if position == 0 and str(column).startswith("Unnamed: "):
            found[column] = "it has no header, as a saved pandas or R row index"
            continue
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        if n >= 3 and np.array_equal(values, np.arange(n)):
            found[column] = f"it holds the row numbers 0..{n - 1}, in order"
    return found


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


def spec_for_bounds(bounds: Any, objective: str = "y") -> DesignSpec:
    r"""A spec of float parameters ``x0, x1, ...`` in a ``2 x d`` box.

    Args:
        bounds: A ``2 x d`` tensor or array of lower and upper bounds.
        objective: The objective column.

    Returns:
        The spec.
    """
    bounds = np.asarray(bounds.cpu() if hasattr(bounds, "cpu") else bounds)
    parameters = [
        RangeParameterConfig(
            name=f"x{i}", bounds=(float(lo), float(hi)), parameter_type="float"
        )
        for i, (lo, hi) in enumerate(bounds.T)
    ]
    return DesignSpec(parameters=parameters, objective=objective)


def design_client(table: pd.DataFrame, spec: DesignSpec, seed: int) -> Client:
    r"""A client with the spec's experiment and the table attached as offline data.

    The experiment uses Ax-safe names (:mod:`botorch_roma.ax.names`) and keeps
    the mapping to the table's names; ``==`` constraints become Ax equality
    constraints.

    Args:
        table: The evaluated designs.
        spec: The search space and objective (``spec.objective`` must be set).
        seed: The client's random seed.

    Returns:
        The client (no generation strategy yet; :func:`design_batch` sets it).
    """
    objective = spec.objective
    parameter_names = [p.name for p in spec.parameters]
    names = ax_names([*parameter_names, objective, *spec.tracking_metrics])
    parameters = [replace(p, name=names[p.name]) for p in spec.parameters]
    constraints = [
        _parameter_constraint(text, {k: names[k] for k in parameter_names})
        for text in spec.parameter_constraints
    ]
    client = Client(random_seed=seed)
    try:
        client.configure_experiment(parameters=parameters, name="botorch_roma_design")
        client.configure_optimization(
            objective=f"-{names[objective]}" if spec.minimize else names[objective]
        )
    except (UserInputError, ValueError) as e:
        raise RoMAInputError(f"Invalid search space or objective: {e}") from e
    experiment = experiment_of(client)
    _set_constraints(experiment, constraints, spec.parameter_constraints, names)
    store_names(experiment, names)
    attach_offline_data(client, table, tracking_metrics=spec.tracking_metrics)
    return client


def design_batch(
    client: Client,
    spec: DesignSpec,
    n: int,
    pretraining: dict[str, Any],
    ascent: dict[str, Any],
    seed: int,
    progress: bool,
    preset: str | None = None,
    record: dict[str, Any] | None = None,
    device: str | None = None,
) -> pd.DataFrame:
    r"""Generate one batch with RoMA from all the data in the client's experiment.

    Sets a RoMA generation strategy with the given options (replacing the
    client's) and generates one ``BatchTrial`` of ``n`` designs, left in
    status ``CANDIDATE``.

    Args:
        client: A client with data (see :func:`design_client`, or
            :func:`load_client` for a saved one).
        spec: The search space and objective under the table's names (e.g.
            from :func:`spec_from_experiment`).
        n: The number of new designs.
        pretraining: RoMA pre-training options.
        ascent: RoMA ascent options.
        seed: The seed.
        progress: Show progress bars.
        preset: The named configuration under ``pretraining`` and ``ascent``.
        record: JSON-friendly settings to keep in the new trial's properties
            (read back by :func:`batch_record`).
        device: Where the fit and the ascent run (``"cpu"``, ``"cuda"``,
            ``"auto"``, ...; ``None``: the CPU); see
            :class:`~botorch_roma.ax.generation.RoMAGenerationStep`.

    Returns:
        The designs, as described in :func:`run_design`.
    """
    n = check_n(n)
    objective = spec.objective
    client.set_generation_strategy(
        roma_generation_strategy(
            pretraining=pretraining,
            ascent=ascent,
            seed=seed,
            progress=progress,
            preset=preset,
            device=device,
        )
    )
    trial = generate_batch(client, n=n)
    if record is not None:
        trial._properties[PROPERTY_KEY] = json.loads(json.dumps(record, default=list))
    run = trial.generator_runs[0]
    stored = stored_names(experiment_of(client))
    parameter_names = [p.name for p in spec.parameters]
    designs = pd.DataFrame(
        [
            [arm.parameters[stored.get(p, p)] for p in parameter_names]
            for arm in run.arms
        ],
        columns=parameter_names,
    )
    ax_objective = stored.get(objective, objective)
    predicted = None
    if run.model_predictions is not None:
        predicted = run.model_predictions[0].get(ax_objective)
    if predicted is None:
        sign = -1.0 if spec.minimize else 1.0
        predicted = [sign * v for v in run.gen_metadata["expected_acquisition_value"]]
    designs[f"predicted_{objective}"] = np.asarray(predicted, dtype=float)
    if run.model_predictions is not None:
        variance = run.model_predictions[1].get(ax_objective, {}).get(ax_objective)
        if variance is not None and np.isfinite(variance).all() and any(variance):
            designs[f"predicted_{objective}_sem"] = np.sqrt(np.asarray(variance))
    designs.insert(0, "arm_name", [arm.name for arm in run.arms])
    return designs


def run_design(
    table: pd.DataFrame,
    spec: DesignSpec,
    n: int,
    pretraining: dict[str, Any],
    ascent: dict[str, Any],
    seed: int,
    progress: bool,
    preset: str | None = None,
    device: str | None = None,
) -> tuple[pd.DataFrame, Client]:
    r"""Run the offline Ax flow and return the designs with their predictions.

    :func:`design_client`, then :func:`design_batch`.

    Args:
        table: The evaluated designs.
        spec: The search space and objective (``spec.objective`` must be set).
        n: The number of new designs.
        pretraining: RoMA pre-training options.
        ascent: RoMA ascent options.
        seed: The seed.
        progress: Show progress bars.
        preset: The named configuration under ``pretraining`` and ``ascent``
            (see :class:`~botorch_roma.ax.generation.RoMAGenerationStep`).
        device: Where the fit and the ascent run (``None``: the CPU).

    Returns:
        A DataFrame with one row per design (``arm_name``, the parameters,
        ``predicted_<objective>`` and, for an ensemble, its standard error
        ``predicted_<objective>_sem``, the spread across members), under the
        table's column names, and the client (whose experiment uses Ax-safe
        names, see :mod:`botorch_roma.ax.names`).

    Example:
        >>> spec = load_spec("space.yaml")  # "f1 + f2 + f3 == 1", ...
        >>> designs, client = run_design(df, spec, n=8, pretraining={},
        ...     ascent={}, seed=0, progress=False)
        >>> designs[["f1", "f2", "f3"]].sum(axis=1)  # 1 to round-off
        >>> client.save_to_json_file("experiment.json")  # import botorch_roma.ax
    """
    n = check_n(n)
    client = design_client(table, spec, seed)
    designs = design_batch(
        client,
        spec,
        n,
        pretraining,
        ascent,
        seed,
        progress,
        preset=preset,
        device=device,
    )
    return designs, client


def _parameter_constraint(text: str, names: dict[str, str]) -> ParameterConstraint:
    r"""An Ax constraint from a spec's ``<=``, ``>=`` or ``==`` string.

    Args:
        text: The constraint, with the table's parameter names.
        names: ``{parameter name: Ax name}``.

    Returns:
        Ax's ``ParameterConstraint`` (an equality for ``==``).
    """
    expression = ax_expression(text, names)
    if re.search(r"(?<![<>=!])=(?!=)", expression) or re.search(
        r"(?<![<>=])[<>](?!=)", expression
    ):
        raise RoMAInputError(
            f"Parameter constraint {text!r} must compare with '<=', '>=' or '=='."
        )
    try:
        if "==" in expression:
            return ParameterConstraint(equality=expression)
        return ParameterConstraint(inequality=expression)
    except (UserInputError, ValueError, TypeError, SyntaxError) as e:
        raise RoMAInputError(
            f"Could not read the parameter constraint {text!r} ({e}); write a "
            "linear constraint such as 'x0 + 2*x1 <= 1' or 'f1 + f2 + f3 == 1' "
            "over the spec's parameter names."
        ) from None


def _set_constraints(
    experiment: Experiment,
    constraints: list[ParameterConstraint],
    texts: list[str],
    names: dict[str, str],
) -> None:
    r"""Check the constraints against the search space and set them.

    Args:
        experiment: The experiment.
        constraints: Ax's constraints, in Ax names.
        texts: The spec's strings they come from (for errors).
        names: ``{original: Ax name}``.
    """
    parameters = experiment.search_space.parameters
    originals = {v: k for k, v in names.items()}
    for constraint, text in zip(constraints, texts):
        unknown = [n for n in constraint.constraint_dict if n not in parameters]
        if unknown:
            raise RoMAInputError(
                f"Parameter constraint {text!r} names {unknown}, which are not "
                "parameters of the spec "
                f"({[originals.get(n, n) for n in parameters]}); fix the names."
            )
        try:
            validate_constraint_parameters(
                [parameters[n] for n in constraint.constraint_dict]
            )
        except ValueError as e:
            raise RoMAInputError(
                f"Invalid parameter constraint {text!r}: {e}"
            ) from None
    experiment.search_space.set_parameter_constraints(constraints)


def load_client(path: str | Path) -> Client:
    r"""Load a client saved with ``Client.save_to_json_file``.

    Args:
        path: The JSON file (e.g. the ``<output>_experiment.json`` that
            ``botorch-roma design`` writes).

    Returns:
        The client, with its experiment and generation strategy.

    Raises:
        RoMAInputError: If the file cannot be read or is not a saved client.

    Example:
        >>> client = load_client("designs_experiment.json")
    """
    path = Path(path)
    if not path.is_file():
        raise RoMAInputError(
            f"The experiment file {str(path)!r} does not exist; give the "
            "<output>_experiment.json that `botorch-roma design` wrote."
        )
    try:
        client = Client.load_from_json_file(str(path))
        experiment_of(client)
    except Exception as e:  # JSON, Ax decoding and key errors of many types
        raise RoMAInputError(
            f"Could not load {str(path)!r} as a saved Ax client "
            f"({type(e).__name__}: {e}); give the <output>_experiment.json that "
            "`botorch-roma design` wrote (or a file of `Client.save_to_json_file`)."
        ) from e
    return client


def client_for(experiment: Experiment, seed: int) -> Client:
    r"""A new client with random seed ``seed`` that holds ``experiment``.

    Args:
        experiment: The experiment (e.g. of a client from :func:`load_client`).
        seed: The client's random seed (used by :func:`design_batch`).

    Returns:
        The client, without a generation strategy.
    """
    client = Client(random_seed=seed)
    client.set_experiment(experiment)
    return client


_TYPE_NAMES = {
    ParameterType.FLOAT: "float",
    ParameterType.INT: "int",
    ParameterType.STRING: "str",
    ParameterType.BOOL: "bool",
}


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _constraint_string(
    constraint: ParameterConstraint, original: dict[str, str] | None = None
) -> str:
    r"""A parameter constraint as the spec writes it, at full precision, under
    the ``original`` names of its Ax names (``{Ax name: original}``)."""
    terms = []
    for ax_name, weight in constraint.constraint_dict.items():
        name = (original or {}).get(ax_name, ax_name)
        if weight == 1:
            terms.append(name)
        elif weight == -1:
            terms.append(f"-{name}")
        else:
            terms.append(f"{_number_text(weight)}*{name}")
    text = " + ".join(terms).replace("+ -", "- ")
    op = "==" if constraint.is_equality else "<="
    return f"{text} {op} {_number_text(constraint.bound)}"


def spec_from_experiment(experiment: Experiment) -> DesignSpec:
    r"""The spec of an Ax experiment's search space and objective.

    Names are the table's (original) names kept by
    :func:`~botorch_roma.ax.names.store_names`, where the experiment has them.

    Args:
        experiment: An experiment with range, choice and fixed parameters and
            a single objective.

    Returns:
        The spec (:func:`spec_to_dict` writes it in the file format).

    Example:
        >>> spec = spec_from_experiment(experiment_of(load_client("exp.json")))
        >>> spec.objective
        'y'
    """
    objective = check_single_objective(experiment)
    original = original_names(stored_names(experiment))

    def name(ax_name: str) -> str:
        return original.get(ax_name, ax_name)

    parameters: list[RangeParameterConfig | ChoiceParameterConfig] = []
    for param in experiment.search_space.parameters.values():
        kind = _TYPE_NAMES[param.parameter_type]
        if isinstance(param, RangeParameter):
            parameters.append(
                RangeParameterConfig(
                    name=name(param.name),
                    bounds=(float(param.lower), float(param.upper)),
                    parameter_type=kind,
                    scaling="log" if param.log_scale else "linear",
                )
            )
        elif isinstance(param, ChoiceParameter):
            parameters.append(
                ChoiceParameterConfig(
                    name=name(param.name),
                    values=list(param.values),
                    parameter_type=kind,
                    is_ordered=param.is_ordered,
                )
            )
        elif isinstance(param, FixedParameter):
            parameters.append(
                ChoiceParameterConfig(
                    name=name(param.name), values=[param.value], parameter_type=kind
                )
            )
        else:
            raise UnsupportedError(
                f"Parameter {param.name!r} is a {type(param).__name__}; the design "
                "flow supports range, choice and fixed parameters."
            )
    return DesignSpec(
        parameters=parameters,
        parameter_constraints=[
            _constraint_string(c, original)
            for c in experiment.search_space.parameter_constraints
        ],
        objective=name(objective),
        minimize=experiment.optimization_config.objective.minimize,
        tracking_metrics=[name(m.name) for m in experiment.tracking_metrics],
    )


def batch_record(experiment: Experiment) -> dict[str, Any] | None:
    r"""The settings kept by :func:`design_batch` with the experiment's last batch.

    Args:
        experiment: The experiment.

    Returns:
        The ``record`` of the most recent trial that has one, or ``None``.
    """
    for index in sorted(experiment.trials, reverse=True):
        record = experiment.trials[index]._properties.get(PROPERTY_KEY)
        if record is not None:
            return dict(record)
    return None


def observed_values(experiment: Experiment, metric: str) -> pd.Series:
    r"""A metric's observed means, one per arm (abandoned arms left out).

    Args:
        experiment: The experiment.
        metric: The metric name (the table's name or Ax's).

    Returns:
        The means, indexed by arm name.
    """
    metric = stored_names(experiment).get(metric, metric)
    abandoned = {
        arm.name
        for trial in experiment.trials.values()
        for arm in (trial.arms if trial.status.is_abandoned else trial.abandoned_arms)
    }
    df = experiment.lookup_data().df
    df = df[(df["metric_name"] == metric) & ~df["arm_name"].isin(abandoned)]
    return df.groupby("arm_name", sort=False)["mean"].mean()


def _significant(values: np.ndarray, digits: int) -> np.ndarray:
    r"""``values`` rounded to ``digits`` significant digits (NaN stays NaN)."""
    return np.array([float(f"{v:.{digits}g}") for v in values], dtype=float)


def round_designs(
    designs: pd.DataFrame, experiment: Experiment, digits: int | None
) -> pd.DataFrame:
    r"""The designs with float values rounded to ``digits`` significant digits.

    Float range parameters are rounded and kept inside their bounds; a row
    whose rounded values would break a parameter constraint keeps its full
    precision. Other float columns (predictions) are rounded; integer,
    choice and fixed parameters and text are untouched. The caller's frame is
    not modified.

    Args:
        designs: The designs, as returned by :func:`design_batch`.
        experiment: The experiment they belong to.
        digits: Significant digits; ``None`` or ``0`` for full precision.

    Returns:
        A rounded copy.

    Example:
        >>> round_designs(designs, experiment_of(client), 6)
    """
    out = designs.copy()
    if not digits:
        return out
    search_space = experiment.search_space
    original = original_names(stored_names(experiment))
    params = {original.get(k, k): p for k, p in search_space.parameters.items()}
    rounded = [
        name
        for name, p in params.items()
        if name in out.columns
        and isinstance(p, RangeParameter)
        and p.parameter_type == ParameterType.FLOAT
    ]
    for name in rounded:
        values = _significant(out[name].to_numpy(float), digits)
        out[name] = np.clip(values, params[name].lower, params[name].upper)
    keep = np.zeros(len(out), dtype=bool)
    for constraint in search_space.parameter_constraints:
        if not {original.get(n, n) for n in constraint.constraint_dict} & set(rounded):
            continue
        excess = []
        for frame in (designs, out):
            total = sum(
                w * frame[original.get(name, name)].to_numpy(float)
                for name, w in constraint.constraint_dict.items()
            )
            gap = total - constraint.bound
            excess.append(np.abs(gap) if constraint.is_equality else gap)
        keep |= excess[1] > np.maximum(excess[0], 0.0)
    if keep.any():
        out.loc[keep, rounded] = designs.loc[keep, rounded]
    for name in out.columns:
        if name not in params and pd.api.types.is_float_dtype(out[name]):
            out[name] = _significant(out[name].to_numpy(float), digits)
    return out


def design_trust_report(
    designs: pd.DataFrame, table: pd.DataFrame, spec: DesignSpec, client: Client
) -> TrustReport | None:
    r"""The trust report of a batch made by :func:`run_design`.

    Held-out fit from the fitted RoMA model; the designs' predictions (and
    SEM, for an ensemble) from Ax, against the table's objective values. For a
    minimized objective every score is negated, so higher is better
    throughout. Distances moved from the starts are not reported (the starts
    stay inside Ax; :func:`~botorch_roma.report.trust_report` gives them from
    Python); each design's distance to the nearest design in the table is
    (:func:`nearest_distances`, over the range parameters).

    Args:
        designs: The designs returned by :func:`run_design`.
        table: The evaluated designs.
        spec: The spec used.
        client: The client returned by :func:`run_design`.

    Returns:
        The report, or ``None`` when the client holds no fitted RoMA model.
    """
    model = fitted_roma_model(client)
    if model is None:
        return None
    objective, sign = spec.objective, -1.0 if spec.minimize else 1.0
    actual, predicted, std = heldout_fit(model)
    sem = designs.get(f"predicted_{objective}_sem")
    numeric = [
        p.name
        for p in spec.parameters
        if isinstance(p, RangeParameterConfig) and p.name in table.columns
    ]
    return TrustReport.build(
        sign * actual,
        sign * predicted,
        std,
        predicted=sign * designs[f"predicted_{objective}"].to_numpy(float),
        predicted_std=None if sem is None else sem.to_numpy(float),
        data_y=sign * pd.to_numeric(table[objective]).to_numpy(float),
        nearest=nearest_distances(designs, table, numeric),
    )


def nearest_distances(
    designs: pd.DataFrame, table: pd.DataFrame, columns: list[str]
) -> np.ndarray | None:
    r"""Each design's distance to the nearest row of the table.

    Euclidean over ``columns``, each divided by its (population) standard
    deviation in the table; columns that are constant there are left out.

    Args:
        designs: ``n`` designs with the given columns.
        table: ``N`` evaluated designs with the given columns.
        columns: The numeric parameter columns.

    Returns:
        ``n`` distances, or ``None`` when no column varies in the table.

    Example:
        >>> data = pd.DataFrame({"x": [0.0, 2.0]})  # standard deviation 1
        >>> nearest_distances(pd.DataFrame({"x": [0.0, 3.0]}), data, ["x"])
        array([0., 1.])
    """
    if not columns:
        return None
    data = table[columns].apply(pd.to_numeric).to_numpy(float)
    scale = data.std(axis=0)
    keep = scale > 0
    if not keep.any():
        return None
    data = data[:, keep] / scale[keep]
    new = designs[columns].apply(pd.to_numeric).to_numpy(float)[:, keep] / scale[keep]
    dist = np.full(len(new), np.inf)
    for start in range(0, len(data), 4096):  # bounded memory for large tables
        block = data[start : start + 4096]
        d = np.sqrt(((new[:, None, :] - block[None, :, :]) ** 2).sum(-1)).min(1)
        dist = np.minimum(dist, d)
    return dist
