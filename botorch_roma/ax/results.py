r"""Attach a lab's results for a generated batch: close the design loop.

:func:`~botorch_roma.ax.generation.generate_batch` leaves a ``BatchTrial`` of
designs in status ``CANDIDATE``. When the designs have been evaluated,
:func:`attach_results` takes the measurements as a table (typically the
designs file with the objective column filled in) and attaches them to their
arms:

- rows are matched to arms by an ``arm_name`` column, or, without one, by
  their parameter values (up to the precision the designs were written with,
  see :func:`match_tolerance`);
- the objective column is required and must be finite in every row; tracking
  metrics of the experiment and ``"<metric>_sem"`` standard errors are used
  when their columns are present (a missing tracking value is left out);
- a batch whose arms all have a result is marked completed. Arms without a
  result are left running (their batch stays ``RUNNING`` and its results so
  far are used by the next fit), unless ``abandon_missing=True`` marks them
  abandoned and completes the batch.

Everything is checked before anything is attached: unknown arms, arms of
completed batches (or of the offline data), arms that already have a result,
two rows for one arm, rows that match no arm (or several), parameter values
that contradict the named arm, and missing or non-numeric objective values
raise :class:`~botorch_roma.exceptions.RoMAInputError`, leaving the experiment
untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ax.api.client import Client
from ax.core.base_trial import BaseTrial
from ax.core.batch_trial import BatchTrial
from ax.core.data import Data
from ax.core.experiment import Experiment
from ax.core.parameter import FixedParameter, Parameter, ParameterType, RangeParameter
from ax.core.trial_status import TrialStatus
from ax.service.ax_client import AxClient

from botorch_roma.ax.data import (
    SEM_SUFFIX,
    _rows,
    check_single_objective,
    experiment_of,
)
from botorch_roma.ax.design import PROPERTY_KEY
from botorch_roma.ax.names import stored_names, to_ax_columns
from botorch_roma.exceptions import RoMAInputError

__all__ = ["BatchResults", "attach_results", "match_tolerance", "open_trials"]

#: Trial statuses of a batch that can still take results.
OPEN_STATUSES = (TrialStatus.CANDIDATE, TrialStatus.STAGED, TrialStatus.RUNNING)
#: The column that names each row's arm (``designs.csv`` has it).
ARM_COLUMN = "arm_name"
_MAX_LISTED = 5


@dataclass
class BatchResults:
    r"""What :func:`attach_results` did to one trial.

    Attributes:
        trial_index: The trial.
        attached: Arms that received a result.
        missing: Arms still without a result (left running), unless abandoned.
        abandoned: Arms marked abandoned (``abandon_missing=True``).
        status: The trial's status afterwards (e.g. ``"COMPLETED"``).
    """

    trial_index: int
    attached: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    status: str = ""


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_MAX_LISTED])
    more = f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else ""
    return f"[{shown}{more}]"


def open_trials(experiment: Experiment) -> dict[int, BaseTrial]:
    r"""The trials that can take results: candidate, staged or running.

    Args:
        experiment: The experiment.

    Returns:
        ``{trial_index: trial}``.
    """
    return {
        index: trial
        for index, trial in experiment.trials.items()
        if trial.status in OPEN_STATUSES
    }


def match_tolerance(experiment: Experiment, trials: list[BaseTrial]) -> float:
    r"""The relative tolerance for matching written parameter values to arms.

    Designs written with ``d`` significant digits (the ``digits`` that
    ``botorch-roma design`` keeps in the trial's properties) match within
    ``10 ** (1 - d)``, which covers the rounding; full precision (or no record)
    matches within ``1e-9``.

    Args:
        experiment: The experiment.
        trials: The trials whose arms may be matched.

    Returns:
        The relative tolerance.
    """
    digits = [trial._properties.get(PROPERTY_KEY, {}).get("digits") for trial in trials]
    coarsest = min((d for d in digits if d), default=None)
    return 1e-9 if coarsest is None else 10.0 ** (1 - coarsest)


def _same(
    param: Parameter, values: pd.Series, targets: list, rtol: float
) -> np.ndarray:
    r"""``len(values) x len(targets)``: whether each value equals each target."""
    if param.parameter_type in (ParameterType.FLOAT, ParameterType.INT):
        a = pd.to_numeric(values, errors="coerce").to_numpy(float)[:, None]
        b = np.asarray(targets, dtype=float)[None, :]
        if param.parameter_type == ParameterType.INT or not isinstance(
            param, RangeParameter
        ):
            return np.isclose(a, b, rtol=1e-9, atol=0.0)
        width = float(param.upper) - float(param.lower)
        return np.abs(a - b) <= rtol * np.maximum(np.abs(a), np.abs(b)) + 1e-12 * width
    keys = values.astype(str).str.strip()
    labels = [str(t) for t in targets]
    if param.parameter_type == ParameterType.BOOL:
        keys, labels = keys.str.lower(), [label.lower() for label in labels]
    return keys.to_numpy()[:, None] == np.asarray(labels, dtype=object)[None, :]


def _match_by_name(
    experiment: Experiment,
    results: pd.DataFrame,
    candidates: dict[str, BaseTrial],
    rtol: float,
) -> list[str]:
    r"""The arm of each row, from the ``arm_name`` column (checked)."""
    raw = results[ARM_COLUMN]
    blank = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    if blank.any():
        raise RoMAInputError(
            f"Column {ARM_COLUMN!r} is empty in {_rows(blank, results.index)}; fill "
            "in the arm names from the designs file, or drop the column to match "
            "the rows by their parameter values."
        )
    names = raw.astype(str).str.strip().tolist()
    owner = {arm.name: t for t in experiment.trials.values() for arm in t.arms}
    unknown = [n for n in names if n not in owner]
    if unknown:
        known = sorted(candidates)
        raise RoMAInputError(
            f"Arm(s) {_listed(unknown)} are not in the experiment (its open batches "
            f"hold {len(known)} arms, e.g. {_listed(known)}); check that the results "
            "belong to this experiment file (the one written next to the designs)."
        )
    closed = [n for n in names if n not in candidates]
    if closed:
        trials = sorted({owner[n].index for n in closed})
        statuses = sorted({owner[n].status.name.lower() for n in closed})
        raise RoMAInputError(
            f"Arm(s) {_listed(closed)} belong to trial(s) {trials}, which are "
            f"already {' / '.join(statuses)} (trial 0 is the offline data), or were "
            "abandoned; a result can be attached once. Drop those rows."
        )
    parameters = experiment.search_space.parameters
    for name, param in parameters.items():
        if name not in results.columns or isinstance(param, FixedParameter):
            continue
        targets = [candidates[n].arms_by_name[n].parameters[name] for n in names]
        same = _same(param, results[name], targets, rtol).diagonal()
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            raise RoMAInputError(
                f"Parameter {name!r} contradicts the named arm in "
                f"{_rows(~same, results.index)}; the row of arm {names[i]!r} "
                f"has {name}={results[name].iloc[i]!r}, but that arm has "
                f"{name}={targets[i]!r}. The results do not match this experiment's "
                "designs; fix those rows (or the arm names)."
            )
    return names


def _match_by_values(
    experiment: Experiment,
    results: pd.DataFrame,
    candidates: dict[str, BaseTrial],
    rtol: float,
) -> list[str]:
    r"""The arm of each row, from its parameter values."""
    if not candidates:
        raise RoMAInputError(
            "The experiment has no open batch (every trial is completed, failed or "
            "abandoned), so the results have no designs to match; generate a batch "
            "first (botorch-roma design --experiment)."
        )
    parameters = experiment.search_space.parameters
    needed = [n for n, p in parameters.items() if not isinstance(p, FixedParameter)]
    lacking = [n for n in needed if n not in results.columns]
    if lacking:
        raise RoMAInputError(
            f"The results have no {ARM_COLUMN!r} column and lack the parameter "
            f"column(s) {lacking}, so their rows cannot be matched to designs; keep "
            f"the {ARM_COLUMN!r} column of the designs file (or every parameter "
            "column) in the results."
        )
    arms = [candidates[n].arms_by_name[n] for n in candidates]
    match = np.ones((len(results), len(arms)), dtype=bool)
    for name in needed:
        targets = [arm.parameters[name] for arm in arms]
        match &= _same(parameters[name], results[name], targets, rtol)
    count = match.sum(1)
    if (count == 0).any():
        i = int(np.flatnonzero(count == 0)[0])
        shown = ", ".join(f"{n}={results[n].iloc[i]!r}" for n in needed[:4])
        raise RoMAInputError(
            f"{_rows(count == 0, results.index)} match no design of the open "
            f"batch(es) (e.g. {shown}) within a relative {rtol:.0e}; keep the "
            f"{ARM_COLUMN!r} column of the designs file in the results, or copy the "
            "parameter values as the designs file wrote them."
        )
    if (count > 1).any():
        raise RoMAInputError(
            f"{_rows(count > 1, results.index)} match several designs of the open "
            f"batch(es); keep the {ARM_COLUMN!r} column of the designs file in the "
            "results to say which."
        )
    return [arms[j].name for j in match.argmax(1)]


def _values(results: pd.DataFrame, column: str, required: bool) -> np.ndarray:
    values = pd.to_numeric(results[column], errors="coerce").to_numpy(float)
    garbage = np.isnan(values) & results[column].notna().to_numpy()
    if garbage.any():
        raise RoMAInputError(
            f"Column {column!r} has non-numeric values in "
            f"{_rows(garbage, results.index)}; fix those rows."
        )
    if required and not np.isfinite(values).all():
        raise RoMAInputError(
            f"The objective column {column!r} has missing or non-finite values in "
            f"{_rows(~np.isfinite(values), results.index)}; fill them in, or drop "
            "those rows (their designs then stay running; --abandon-missing marks "
            "them abandoned)."
        )
    return values


def attach_results(
    client: AxClient | Client | Experiment,
    results: pd.DataFrame,
    abandon_missing: bool = False,
    rtol: float | None = None,
) -> list[BatchResults]:
    r"""Attach measured results to the arms of the experiment's open batches.

    See the module docstring for the rules. Everything is validated first; on
    any error nothing changes. The caller's DataFrame is never modified.

    Args:
        client: An ``ax.api.Client``, an ``AxClient`` or an ``Experiment``
            with a generated batch (see
            :func:`~botorch_roma.ax.generation.generate_batch`).
        results: One row per evaluated design: ``arm_name`` (or the parameter
            columns), the objective column, optionally tracking metrics and
            ``"<metric>_sem"`` columns. Other columns (e.g. the designs file's
            predictions) are ignored.
        abandon_missing: Mark the arms of a batch that have no result
            abandoned and complete the batch (default: leave them running).
        rtol: The relative tolerance of matching by parameter values (default:
            :func:`match_tolerance`).

    Returns:
        One :class:`BatchResults` per trial that received results.

    Example:
        >>> trial = generate_batch(client, n=8)
        >>> results = designs.assign(y=measured)  # designs written by the CLI
        >>> attach_results(client, results)[0].status
        'COMPLETED'
    """
    experiment = experiment_of(client)
    objective = check_single_objective(experiment)
    if not isinstance(results, pd.DataFrame):
        raise RoMAInputError(
            f"results must be a pandas DataFrame, got {type(results).__name__}."
        )
    # Tables come under the original column names (botorch_roma.ax.names).
    results = to_ax_columns(results, stored_names(experiment))
    if objective not in results.columns:
        raise RoMAInputError(
            f"The results have no column {objective!r}, the experiment's objective "
            f"(columns: {list(results.columns)}); put the measured values in a "
            f"column named {objective!r}."
        )
    if len(results) == 0:
        raise RoMAInputError("The results have no rows; add one row per design.")
    trials = open_trials(experiment)
    candidates = {
        arm.name: trial
        for trial in trials.values()
        for arm in trial.arms
        if arm.name not in {a.name for a in trial.abandoned_arms}
    }
    if rtol is None:
        rtol = match_tolerance(experiment, list(trials.values()))
    match = _match_by_name if ARM_COLUMN in results.columns else _match_by_values
    names = match(experiment, results, candidates, rtol)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise RoMAInputError(
            f"Arm(s) {_listed(repeated)} have more than one row; give one result per "
            "design (average replicates into one row, with a "
            f"{objective + SEM_SUFFIX!r} column for their standard error)."
        )
    have = _observed_arms(experiment, list(trials), objective)
    again = [n for n in names if n in have]
    if again:
        raise RoMAInputError(
            f"Arm(s) {_listed(again)} already have a result for {objective!r} "
            "(attached earlier); drop those rows."
        )
    metrics = [objective] + [
        m.name for m in experiment.tracking_metrics if m.name in results.columns
    ]
    values = {m: _values(results, m, required=m == objective) for m in metrics}
    sems = {
        m: _values(results, m + SEM_SUFFIX, required=False)
        if m + SEM_SUFFIX in results.columns
        else np.full(len(results), np.nan)
        for m in metrics
    }
    for m, sem in sems.items():
        if (sem < 0).any():
            raise RoMAInputError(
                f"Column {m + SEM_SUFFIX!r} has negative values in "
                f"{_rows(sem < 0, results.index)}; standard errors must be >= 0."
            )
    return _apply(client, experiment, names, candidates, values, sems, abandon_missing)


def _observed_arms(experiment: Experiment, trials: list[int], metric: str) -> set:
    if not trials:
        return set()
    df = experiment.lookup_data(trial_indices=trials).df
    return set(df.loc[df["metric_name"] == metric, "arm_name"])


def _apply(
    client: AxClient | Client | Experiment,
    experiment: Experiment,
    names: list[str],
    candidates: dict[str, BaseTrial],
    values: dict[str, np.ndarray],
    sems: dict[str, np.ndarray],
    abandon_missing: bool,
) -> list[BatchResults]:
    r"""Attach the checked values and update the trials' statuses."""
    objective = next(iter(values))
    names_arr = np.asarray(names, dtype=object)
    trial_of = np.array([candidates[n].index for n in names])
    touched = sorted(set(trial_of.tolist()))
    out = []
    for index in touched:
        trial = experiment.trials[index]
        rows = trial_of == index
        frames = []
        for metric, mean in values.items():
            ok = rows & ~np.isnan(mean)
            if not ok.any():
                continue
            frames.append(
                pd.DataFrame(
                    {
                        "trial_index": index,
                        "arm_name": names_arr[ok],
                        "metric_name": metric,
                        "metric_signature": experiment.metrics[metric].signature,
                        "mean": mean[ok],
                        "sem": sems[metric][ok],
                    }
                )
            )
        if trial.status != TrialStatus.RUNNING:
            trial.mark_running(no_runner_required=True)
        experiment.attach_data(Data(df=pd.concat(frames, ignore_index=True)))
        have = _observed_arms(experiment, [index], objective)
        dropped = {a.name for a in trial.abandoned_arms}
        missing = [a.name for a in trial.arms if a.name not in have | dropped]
        result = BatchResults(index, attached=list(names_arr[rows]), missing=missing)
        if missing and abandon_missing:
            for name in missing:
                _abandon(trial, name)
            result.abandoned, result.missing = missing, []
        if not result.missing and trial.status == TrialStatus.RUNNING:
            trial.mark_completed()
        result.status = trial.status.name
        out.append(result)
        if not isinstance(client, Experiment):
            client._save_or_update_trial_in_db_if_possible(
                experiment=experiment, trial=trial
            )
    return out


def _abandon(trial: BaseTrial, arm_name: str) -> None:
    reason = "no result attached (botorch-roma attach --abandon-missing)"
    if isinstance(trial, BatchTrial):
        trial.mark_arm_abandoned(arm_name, reason=reason)
    else:  # a one-arm trial: abandoning its arm abandons the trial
        trial.mark_abandoned(reason=reason)
