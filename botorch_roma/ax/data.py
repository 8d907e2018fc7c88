r"""Attach a table of already evaluated designs to an Ax experiment, fast.

Offline model-based optimization starts from data that already exists. Ax's
per-row path (``attach_trial`` + ``complete_trial``) costs about 3 ms a row;
:func:`attach_offline_data` instead validates the whole table with vectorized
pandas operations and attaches it as *one* completed ``BatchTrial`` with one
``Data`` object, which takes about a second for 20,000 rows.

Conventions for the table (a pandas ``DataFrame``):

- one column per parameter of the search space (fixed parameters may be left
  out; if present they must hold the fixed value);
- one column named after the objective metric;
- optionally, one column per tracking metric (metrics already on the
  experiment, or new ones named in ``tracking_metrics``);
- optionally, a ``"<metric>_sem"`` column with the standard error of each
  metric (missing means "unknown", Ax's NaN SEM).

Every row must lie in the search space: inside the range bounds, among the
choices, and satisfying the parameter constraints (up to
:data:`CONSTRAINT_RTOL`, relative), as Ax requires of any arm. For an
equality constraint (e.g. composition fractions that sum to 1) rows within
that tolerance are accepted as they are: the model learns from them
unchanged, and an ascent that starts from one projects it onto the
constraint first; rows further off are refused with the choice between
renormalizing them and loosening the constraint into two inequalities.

Column names are the table's own. If the experiment was made by
:func:`~botorch_roma.ax.design.run_design`, which gives columns such as
``yield (%)`` Ax-safe names, the mapping stored on the experiment
(:func:`~botorch_roma.ax.names.stored_names`) renames the table first, and
errors quote the original names.

Rows with identical parameters are merged into one arm whose values are the
mean of the rows (and whose SEM, if given, is the SEM of that mean). Designs
already in the experiment are attached again as replicates, with a
:class:`~botorch_roma.exceptions.RoMAInputWarning` (a repeated call is the
usual cause). Bad input raises
:class:`~botorch_roma.exceptions.RoMAInputError` (or BoTorch's
``UnsupportedError``) *before* anything is attached, so a failed call leaves
the experiment untouched.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from ax.api.client import Client
from ax.core.arm import Arm
from ax.core.batch_trial import BatchTrial
from ax.core.data import Data
from ax.core.experiment import Experiment
from ax.core.generator_run import GeneratorRun, GeneratorRunType
from ax.core.metric import Metric
from ax.core.optimization_config import MultiObjectiveOptimizationConfig
from ax.core.parameter import (
    ChoiceParameter,
    DerivedParameter,
    FixedParameter,
    Parameter,
    ParameterType,
    RangeParameter,
)
from ax.core.parameter_constraint import ParameterConstraint
from ax.service.ax_client import AxClient
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.ax._arms import gc_paused, memoized_arm_signatures
from botorch_roma.ax.names import original_names, stored_names, to_ax_columns
from botorch_roma.exceptions import RoMAInputError, RoMAInputWarning

__all__ = [
    "CONSTRAINT_RTOL",
    "SEM_SUFFIX",
    "attach_offline_data",
    "check_single_objective",
    "experiment_of",
    "validate_offline_data",
]

logger = logging.getLogger(__name__)

#: Suffix of the optional standard-error column of a metric.
SEM_SUFFIX = "_sem"

# Relative tolerance on range bounds (Ax's own check uses an absolute 1e-8).
_BOUND_RTOL = 1e-9
#: Relative tolerance of the parameter-constraint check of offline rows: a row
#: breaks ``w @ x <= b`` if ``w @ x - b > 1e-6 * max(1, |b|, sum_i |w_i x_i|)``.
CONSTRAINT_RTOL = 1e-6
_MAX_LISTED = 5


def experiment_of(client: AxClient | Client | Experiment) -> Experiment:
    r"""The ``Experiment`` behind an ``AxClient``, an ``ax.api.Client`` or itself.

    Args:
        client: An ``AxClient``, an ``ax.api.Client`` or an ``Experiment``.

    Returns:
        The client's experiment.

    Raises:
        RoMAInputError: For another type of object, or a client whose
            experiment has not been configured yet.
    """
    if isinstance(client, Experiment):
        return client
    if isinstance(client, Client):
        experiment = client._maybe_experiment
    elif isinstance(client, AxClient):
        experiment = client._experiment
    else:
        raise RoMAInputError(
            f"Expected an ax.api.Client or an AxClient, got {type(client).__name__}; "
            "create one with `Client()` and `client.configure_experiment(...)`."
        )
    if experiment is None:
        raise RoMAInputError(
            "The client has no experiment yet; call `client.configure_experiment(...)`"
            " (Client) or `ax_client.create_experiment(...)` (AxClient) first."
        )
    return experiment


def check_single_objective(experiment: Experiment) -> str:
    r"""Check that the experiment has one objective and no outcome constraints.

    Args:
        experiment: The experiment.

    Returns:
        The name of the objective metric.

    Raises:
        RoMAInputError: If the experiment has no optimization config.
        UnsupportedError: For multi-objective or outcome-constrained configs.
    """
    config = experiment.optimization_config
    if config is None:
        raise RoMAInputError(
            "The experiment has no objective; configure one first, e.g. "
            "`client.configure_optimization(objective='y')` (use '-y' to minimize)."
        )
    if isinstance(config, MultiObjectiveOptimizationConfig) or config.is_moo_problem:
        raise UnsupportedError(
            "RoMA supports a single objective, but the experiment has a "
            "multi-objective optimization config; optimize one objective (or a "
            "scalarized one, e.g. objective='a + b') instead."
        )
    if config.outcome_constraints:
        raise UnsupportedError(
            "RoMA does not support outcome constraints; remove them from the "
            "optimization config (keep those metrics as tracking metrics)."
        )
    names = sorted(config.objective.metric_names)
    if len(names) != 1:
        raise UnsupportedError(
            f"RoMA needs an objective on a single metric, got the scalarized "
            f"objective over {names}; add the combined value as its own column and "
            "metric instead."
        )
    return names[0]


def _rows(mask: np.ndarray, index: pd.Index) -> str:
    bad = index[np.asarray(mask)]
    shown = ", ".join(str(i) for i in bad[:_MAX_LISTED])
    more = f" (and {len(bad) - _MAX_LISTED} more)" if len(bad) > _MAX_LISTED else ""
    return f"{len(bad)} row(s), e.g. index {shown}{more}"


def _numeric(column: pd.Series, what: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & column.notna().to_numpy()
    if bad.any():
        raise RoMAInputError(
            f"{what} has non-numeric values in {_rows(bad, column.index)}; fix or "
            "drop those rows."
        )
    return values


def _convert_range(param: RangeParameter, column: pd.Series) -> list:
    what = f"Parameter column {param.name!r}"
    values = _numeric(column, what)
    if np.isnan(values).any():
        raise RoMAInputError(
            f"{what} has missing values in {_rows(np.isnan(values), column.index)}; "
            "drop or fill those rows."
        )
    tol = _BOUND_RTOL * max(1.0, abs(param.lower), abs(param.upper))
    outside = (values < param.lower - tol) | (values > param.upper + tol)
    if outside.any():
        raise RoMAInputError(
            f"{what} has values outside the bounds [{param.lower}, {param.upper}] "
            f"in {_rows(outside, column.index)} (min {values.min():g}, max "
            f"{values.max():g}); widen the parameter's bounds or drop those rows."
        )
    values = np.clip(values, param.lower, param.upper)
    if param.parameter_type == ParameterType.INT:
        rounded = np.round(values)
        fractional = np.abs(values - rounded) > 1e-9 * np.maximum(1.0, np.abs(values))
        if fractional.any():
            raise RoMAInputError(
                f"{what} is an integer parameter but has fractional values in "
                f"{_rows(fractional, column.index)}; round them or make the "
                "parameter a float."
            )
        return rounded.astype(np.int64).tolist()
    return values.tolist()


def _convert_choice(param: ChoiceParameter | FixedParameter, column: pd.Series) -> list:
    is_fixed = isinstance(param, FixedParameter)
    allowed = [param.value] if is_fixed else list(param.values)
    what = f"Parameter column {param.name!r}"
    if param.parameter_type.is_numeric:
        values = _numeric(column, what)
        allowed_arr = np.asarray(allowed, dtype=float)
        close = np.isclose(values[:, None], allowed_arr[None, :], rtol=1e-9, atol=0.0)
        valid = close.any(axis=1)
        index = close.argmax(axis=1)
    else:
        keys = column.astype(str).str.strip()
        labels = [str(a) for a in allowed]
        if param.parameter_type == ParameterType.BOOL:
            keys, labels = keys.str.lower(), [label.lower() for label in labels]
        position = keys.map({label: i for i, label in enumerate(labels)})
        valid = position.notna().to_numpy() & column.notna().to_numpy()
        index = position.fillna(0).to_numpy(dtype=np.int64)
    if not valid.all():
        kind = "the fixed value" if is_fixed else "the choices"
        examples = sorted({str(v) for v in column[~valid].head(_MAX_LISTED)})
        raise RoMAInputError(
            f"{what} has values that are not among {kind} {allowed} in "
            f"{_rows(~valid, column.index)} (e.g. {examples}); fix those rows or add "
            "the values to the parameter."
        )
    return [allowed[i] for i in index]


def _metric_columns(
    experiment: Experiment,
    data: pd.DataFrame,
    objective: str,
    tracking_metrics: Sequence[str],
) -> tuple[list[str], list[str]]:
    r"""Metric columns present in ``data`` and the new tracking metrics."""
    parameters = experiment.search_space.parameters
    known = set(experiment.metrics)
    new = [m for m in tracking_metrics if m not in known]
    for name in tracking_metrics:
        if name in parameters:
            raise RoMAInputError(
                f"tracking metric {name!r} is also a parameter name; rename the "
                "column or the parameter."
            )
        if name not in data.columns:
            raise RoMAInputError(
                f"tracking metric {name!r} has no column in the data; add the "
                "column or drop it from tracking_metrics."
            )
    candidates = (known | set(new)) - {objective} - set(parameters)
    metrics = [objective] + sorted(candidates & set(data.columns))
    allowed = set(parameters) | set(metrics) | {m + SEM_SUFFIX for m in metrics}
    unknown = [c for c in data.columns if c not in allowed]
    if unknown:
        raise RoMAInputError(
            f"Column(s) {unknown} are neither parameters of the search space "
            f"({sorted(parameters)}) nor metrics of the experiment; fix the column "
            "name, drop the column, or pass tracking_metrics=[...] to record it as "
            "a tracking metric."
        )
    return metrics, new


def validate_offline_data(
    experiment: Experiment,
    data: pd.DataFrame,
    objective: str | None = None,
    tracking_metrics: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], dict[str, np.ndarray], list]:
    r"""Validate an offline table against an experiment without attaching it.

    Args:
        experiment: The experiment to attach to.
        data: The table, one row per evaluated design (see the module docs).
        objective: The objective column; defaults to the experiment's objective
            metric name, and must equal it if given.
        tracking_metrics: Columns to record as (new) tracking metrics.

    Returns:
        A four-element tuple: the parameterizations of the distinct designs,
        the per-metric mean arrays and SEM arrays (NaN where missing), aligned
        with the parameterizations, and the new tracking metric names.

    Raises:
        RoMAInputError: For any invalid input; the message names the fix.
        UnsupportedError: For multi-objective or constrained configs, and for
            hierarchical or derived parameters.
    """
    names = stored_names(experiment)
    if not names or not isinstance(data, pd.DataFrame):
        return _validate(experiment, data, objective, tracking_metrics)
    # Columns named as in the user's table: validate under Ax's names, and
    # quote the user's names in errors.
    try:
        return _validate(
            experiment,
            to_ax_columns(data, names),
            None if objective is None else names.get(objective, objective),
            [names.get(m, m) for m in tracking_metrics],
        )
    except RoMAInputError as e:
        message = str(e)
        for ax_name, original in original_names(names).items():
            message = message.replace(repr(ax_name), repr(original))
        raise RoMAInputError(message) from None


def _validate(
    experiment: Experiment,
    data: pd.DataFrame,
    objective: str | None,
    tracking_metrics: Sequence[str],
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], dict[str, np.ndarray], list]:
    r""":func:`validate_offline_data` on a table with Ax's column names."""
    objective = _check_objective(experiment, objective)
    parameters = _check_table(experiment, data, objective)
    metrics, new_tracking = _metric_columns(
        experiment, data, objective, list(tracking_metrics)
    )
    y = _check_objective_values(data, objective)
    columns: dict[str, list] = {}
    for name, param in parameters.items():
        if name not in data.columns:
            columns[name] = [param.value] * len(data)  # fixed parameter
        elif isinstance(param, RangeParameter):
            columns[name] = _convert_range(param, data[name])
        else:
            columns[name] = _convert_choice(param, data[name])
    _check_parameter_constraints(experiment, columns, data.index)
    means, sems = _metric_values(data, objective, y, metrics)
    columns = _merge_duplicates(columns, means, sems, metrics)
    parameterizations = [dict(zip(columns, row)) for row in zip(*columns.values())]
    if len(parameterizations) < 2:
        raise RoMAInputError(
            "data holds fewer than 2 distinct designs; RoMA needs at least 2."
        )
    return parameterizations, means, sems, new_tracking


def _constraint_text(
    constraint: ParameterConstraint, names: dict[str, str] | None = None
) -> str:
    r"""The constraint as text, with ``names`` (``{Ax name: original}``)."""
    names = names or {}
    terms = []
    for ax_name, w in constraint.constraint_dict.items():
        name = names.get(ax_name, ax_name)
        terms.append(name if w == 1 else f"-{name}" if w == -1 else f"{w:g}*{name}")
    op = "==" if constraint.is_equality else "<="
    return f"{' + '.join(terms).replace('+ -', '- ')} {op} {constraint.bound:g}"


def _check_parameter_constraints(
    experiment: Experiment, columns: dict[str, list], index: pd.Index
) -> None:
    r"""Refuse rows that break a parameter constraint, as Ax does for arms.

    The tolerance is :data:`CONSTRAINT_RTOL`, relative to the size of the
    constraint's terms (Ax's own check uses an absolute 1e-8). Rows within
    it are kept unchanged (the model fits them as they are; the ascent
    projects its starts onto equality constraints).
    """
    names = original_names(stored_names(experiment))
    for constraint in experiment.search_space.parameter_constraints:
        terms = np.stack(
            [
                weight * np.asarray(columns[name], dtype=float)
                for name, weight in constraint.constraint_dict.items()
            ]
        )
        excess = terms.sum(0) - constraint.bound
        if constraint.is_equality:
            excess = np.abs(excess)
        scale = np.maximum(np.abs(terms).sum(0), max(1.0, abs(constraint.bound)))
        bad = excess > CONSTRAINT_RTOL * scale
        if bad.any() and constraint.is_equality:
            text = _constraint_text(constraint, names)
            lhs = text.rsplit(" == ", 1)[0]
            slack = 0.01 * max(1.0, abs(constraint.bound))
            low, high = constraint.bound - slack, constraint.bound + slack
            raise RoMAInputError(
                f"data is off the equality constraint {text!r} in "
                f"{_rows(bad, index)} (by up to {excess[bad].max():.3g}; tolerance "
                f"{CONSTRAINT_RTOL:g} relative to the size of its terms), and Ax "
                "keeps designs only on it. Either renormalize those rows so that "
                "they meet it (for fractions that should sum to 1, divide each row "
                "by its sum) or drop them; or, if the data only meets it "
                "approximately, loosen it into two inequalities, e.g. "
                f"'{lhs} >= {low:g}' and '{lhs} <= {high:g}'. Rows within the "
                "tolerance are kept as they are."
            )
        if bad.any():
            text = _constraint_text(constraint, names)
            raise RoMAInputError(
                f"data breaks the parameter constraint {text!r} in "
                f"{_rows(bad, index)} (by up to {excess[bad].max():.3g}; tolerance "
                f"{CONSTRAINT_RTOL:g} relative to the size of its terms), and Ax "
                "refuses designs outside the search space. Drop those rows (keep "
                "the rows where it holds), or relax or remove the constraint."
            )


def _check_objective(experiment: Experiment, objective: str | None) -> str:
    r"""The objective column: the experiment's objective metric."""
    objective_metric = check_single_objective(experiment)
    if objective is not None and objective != objective_metric:
        raise RoMAInputError(
            f"objective={objective!r} but the experiment's objective metric is "
            f"{objective_metric!r}; name the data column {objective_metric!r} (or "
            "pass objective=None)."
        )
    return objective_metric


def _check_table(
    experiment: Experiment, data: pd.DataFrame, objective: str
) -> dict[str, Parameter]:
    r"""Check the table's type and columns; return the search space's parameters."""
    if not isinstance(data, pd.DataFrame):
        raise RoMAInputError(
            f"data must be a pandas DataFrame, got {type(data).__name__}; build one "
            "with `pd.DataFrame(...)` or `pd.read_csv(path)`."
        )
    search_space = experiment.search_space
    if search_space.is_hierarchical:
        raise UnsupportedError(
            "Hierarchical search spaces are not supported by the offline RoMA flow; "
            "flatten the search space first."
        )
    parameters: dict[str, Parameter] = search_space.parameters
    derived = [n for n, p in parameters.items() if isinstance(p, DerivedParameter)]
    if derived:
        raise UnsupportedError(
            f"Derived parameters {derived} are not supported by the offline RoMA "
            "flow; remove them from the search space."
        )
    if data.columns.duplicated().any():
        duplicated = sorted(set(data.columns[data.columns.duplicated()]))
        raise RoMAInputError(f"data has duplicated columns {duplicated}; rename them.")
    if objective not in data.columns:
        raise RoMAInputError(
            f"data has no objective column {objective!r} (columns: "
            f"{list(data.columns)}); add it or rename the column that holds it."
        )
    missing = [
        n
        for n, p in parameters.items()
        if n not in data.columns and not isinstance(p, FixedParameter)
    ]
    if missing:
        raise RoMAInputError(
            f"data is missing parameter column(s) {missing}; every non-fixed "
            "parameter of the search space needs a column."
        )
    return parameters


def _check_objective_values(data: pd.DataFrame, objective: str) -> np.ndarray:
    r"""The objective's values: at least 2 rows, all finite."""
    if len(data) == 0:
        raise RoMAInputError(
            "data has no rows, so there is no completed data to learn from; pass "
            "a table of evaluated designs."
        )
    y = _numeric(data[objective], f"Objective column {objective!r}")
    if not np.isfinite(y).all():
        raise RoMAInputError(
            f"Objective column {objective!r} has NaN or infinite values in "
            f"{_rows(~np.isfinite(y), data.index)}; drop or impute those rows."
        )
    if len(data) < 2:
        raise RoMAInputError(
            f"data has {len(data)} row; RoMA needs at least 2 evaluated designs."
        )
    return y


def _metric_values(
    data: pd.DataFrame, objective: str, y: np.ndarray, metrics: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    r"""Per-metric means and SEMs (NaN where a metric has no SEM column)."""
    means = {objective: y}
    sems: dict[str, np.ndarray] = {}
    for metric in metrics:
        if metric != objective:
            means[metric] = _numeric(data[metric], f"Metric column {metric!r}")
        sem_col = metric + SEM_SUFFIX
        if sem_col not in data.columns:
            sems[metric] = np.full(len(data), np.nan)
            continue
        sem = _numeric(data[sem_col], f"SEM column {sem_col!r}")
        if (sem < 0).any():
            raise RoMAInputError(
                f"SEM column {sem_col!r} has negative values in "
                f"{_rows(sem < 0, data.index)}; SEMs must be >= 0."
            )
        sems[metric] = sem
    return means, sems


def _merge_duplicates(
    columns: dict[str, list],
    means: dict[str, np.ndarray],
    sems: dict[str, np.ndarray],
    metrics: list[str],
) -> dict[str, list]:
    r"""Merge rows with identical parameters (Ax would merge their arms anyway).

    ``means`` and ``sems`` are updated in place; the merged columns are returned.
    """
    names = list(columns)
    keys = pd.DataFrame(columns, columns=names)
    group = keys.groupby(names, sort=False, dropna=False).ngroup().to_numpy()
    n_groups = int(group.max()) + 1
    if n_groups == len(keys):
        return columns
    logger.info(
        f"Merged {len(keys) - n_groups} duplicated design(s) into their first "
        "occurrence, averaging their metric values."
    )
    first = np.unique(group, return_index=True)[1]
    for metric in metrics:
        means[metric], sems[metric] = _merge(
            group, n_groups, means[metric], sems[metric]
        )
    return {k: [v[i] for i in first] for k, v in columns.items()}


def _merge(
    group: np.ndarray, n_groups: int, mean: np.ndarray, sem: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    ok = ~np.isnan(mean)
    count = np.bincount(group[ok], minlength=n_groups)
    total = np.bincount(group[ok], weights=mean[ok], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        merged_mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        var = np.bincount(
            group[ok], weights=np.nan_to_num(sem[ok]) ** 2, minlength=n_groups
        )
        has_nan_sem = np.bincount(
            group[ok], weights=np.isnan(sem[ok]), minlength=n_groups
        )
        merged_sem = np.where(
            (count > 0) & (has_nan_sem == 0),
            np.sqrt(var) / np.maximum(count, 1),
            np.nan,
        )
    return merged_mean, merged_sem


def _warn_if_attached_before(experiment: Experiment, arms: list[Arm]) -> None:
    r"""Warn if designs already have completed data (a repeated attach).

    Designs of other trials (e.g. a generated batch, now evaluated) are fine.
    """
    known = {
        arm.signature: arm.name
        for trial in experiment.trials.values()
        if trial.status.is_completed
        for arm in trial.arms
    }
    repeated = [known[a.signature] for a in arms if a.signature in known]
    if repeated:
        warnings.warn(
            f"{len(repeated)} of the {len(arms)} designs already have completed "
            f"data in the experiment (e.g. arm {repeated[0]!r}); they are attached "
            "again as replicates, so each of their values counts once more in the "
            "fit. If this call repeats an earlier attach, start from a fresh client.",
            RoMAInputWarning,
            stacklevel=3,
        )


def attach_offline_data(
    client: AxClient | Client | Experiment,
    data: pd.DataFrame,
    objective: str | None = None,
    tracking_metrics: Sequence[str] = (),
) -> BatchTrial:
    r"""Attach evaluated designs to the client's experiment as one batch trial.

    Everything is validated first; on any error nothing is attached. The
    caller's DataFrame is never modified.

    Args:
        client: An ``ax.api.Client``, an ``AxClient`` (deprecated in Ax 1.3,
            removed in 1.4) or an ``Experiment``, with its search space and a
            single objective configured.
        data: A DataFrame with one row per evaluated design: one column per
            parameter, the objective column, optionally tracking-metric columns
            and ``"<metric>_sem"`` standard errors.
        objective: The objective column; defaults to (and must match) the
            experiment's objective metric name.
        tracking_metrics: Extra columns to record as new tracking metrics.

    Returns:
        The new ``BatchTrial``, marked completed, with one arm per distinct
        design.

    Example:
        >>> client = Client()
        >>> client.configure_experiment(parameters=[
        ...     RangeParameterConfig(name="x0", parameter_type="float", bounds=(0, 1))
        ... ])
        >>> client.configure_optimization(objective="y")
        >>> trial = attach_offline_data(client, df)  # df has columns x0, y
        >>> trial.status.is_completed
        True
    """
    experiment = experiment_of(client)
    with memoized_arm_signatures(), gc_paused():
        parameterizations, means, sems, new_tracking = validate_offline_data(
            experiment, data, objective=objective, tracking_metrics=tracking_metrics
        )
        for name in new_tracking:
            experiment.add_metric(Metric(name=name))
        arms = [Arm(parameters=p) for p in parameterizations]
        _warn_if_attached_before(experiment, arms)
        run = GeneratorRun(arms=arms, type=GeneratorRunType.MANUAL.name)
        trial = experiment.new_batch_trial(generator_run=run)
        arm_names = [arm.name for arm in run.arms]
        frames = []
        for metric, mean in means.items():
            ok = ~np.isnan(mean)
            frames.append(
                pd.DataFrame(
                    {
                        "trial_index": trial.index,
                        "arm_name": np.asarray(arm_names, dtype=object)[ok],
                        "metric_name": metric,
                        "metric_signature": experiment.metrics[metric].signature,
                        "mean": mean[ok],
                        "sem": sems[metric][ok],
                    }
                )
            )
        trial.mark_running(no_runner_required=True)
        experiment.attach_data(Data(df=pd.concat(frames, ignore_index=True)))
        trial.mark_completed()
    if not isinstance(client, Experiment):
        client._save_or_update_trial_in_db_if_possible(
            experiment=experiment, trial=trial
        )
    logger.info(
        f"Attached {len(arms)} designs as completed batch trial {trial.index} "
        f"(metrics: {sorted(means)})."
    )
    return trial
