r"""The paper's offline rule for the weight-perturbation radius ``epsilon``.

RoMA's ``epsilon`` is chosen offline (Section 2.4 of [Yu2021roma]_): *the
largest value for which the robust pre-training of the proxy stays stable*.
The paper does not say how stability is judged, so :func:`run_epsilon_rule`
makes it concrete, using ONLY the training and validation losses recorded by
the pre-training (never an oracle):

1. Fit a reference proxy with ``epsilon = 0`` (Gaussian input smoothing only).
2. Try the grid from the largest value down. A value is *stable* when

   - the fit finishes with finite training and validation losses (no
     :class:`~botorch_roma.exceptions.RoMATrainingError`);
   - the robust training loss did not diverge: its mean over the last
     ``window`` epochs is below its mean over the first ``window`` epochs;
   - the worst-case perturbation does not dominate the fit: the final robust
     training loss exceeds the reference's *loss level* by at most
     ``train_tolerance`` times the reference's own training progress (default
     ``train_tolerance = 0.25``). The loss level is the larger of the
     reference's final training and validation losses, so an overfitted
     reference (training loss far below its validation loss, e.g. on
     5,000-dimensional Hopper policies) does not reject every ``epsilon``;
     the progress is the reference's first-window minus last-window training
     loss. Both are differences in the training loss's own units, so the rule
     works for the squared error and for the Gaussian NLL (which can be
     negative);
   - the validation loss does not blow up: the final validation MSE (at the
     unperturbed weights, on held-out rows) is at most ``(1 + val_tolerance)``
     times the reference's (default ``val_tolerance = 0.1``).

   "Final" means the mean over the last ``window = max(1, epochs // 5)``
   epochs and "first-window" the mean over the first ``window`` epochs, which
   damps minibatch noise.
3. Return the first (largest) stable value; if none is stable, return 0 (the
   reference, which is stable by definition) and warn.

The tolerances are this package's choice. Both losses are checked because on
small problems the validation loss alone hardly reacts to ``epsilon`` (the
proxy simply learns smaller weights; with ``epsilon = 1`` the robust loss can
be 10,000 times the reference's while the validation MSE is unchanged),
whereas the robust training loss grows quickly once the perturbation ball is
large enough to dominate the fit.

Users reach the rule as ``RoMAModel(X, Y, epsilon="auto")`` (the evidence is
kept as ``model.epsilon_selection``) or as
:func:`~botorch_roma.models.roma.select_epsilon`.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botorch_roma.exceptions import RoMAInputError, RoMATrainingError

__all__ = [
    "EPSILON_GRID",
    "EpsilonSelection",
    "rule_val_size",
    "run_epsilon_rule",
]

#: The default grid of ``epsilon`` values, tried from the largest down. It
#: contains the paper's two choices (5e-3 and 5e-4) and tops out at twice the
#: larger one.
EPSILON_GRID: tuple[float, ...] = (1e-2, 5e-3, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4)


@dataclass
class EpsilonSelection:
    r"""The outcome of the offline ``epsilon`` rule.

    Attributes:
        epsilon: The selected value (0 if no grid value was stable).
        reference: Losses of the ``epsilon = 0`` reference fit (``train_loss``,
            ``val_loss``, ``val_mse``, ``initial_train_loss``) and the derived
            ``level`` and ``progress`` of the stability rule.
        trials: One record per tried grid value, in the order tried, with
            ``epsilon``, ``stable``, ``reason``, ``train_loss``, ``val_mse``.
        grid: The grid, largest first.
    """

    epsilon: float
    reference: dict[str, float]
    trials: list[dict[str, Any]] = field(default_factory=list)
    grid: list[float] = field(default_factory=list)


def rule_val_size(n: int) -> int:
    r"""Held-out rows for the rule's validation loss: ``min(500 if n >= 10000
    else 200, max(2, n // 5))``."""
    return min(500 if n >= 10000 else 200, max(2, n // 5))


def _final(history: list[dict], key: str, window: int) -> float:
    values = [record[key] for record in history[-window:] if key in record]
    return sum(values) / len(values) if values else math.nan


def _initial(history: list[dict], key: str, window: int) -> float:
    values = [record[key] for record in history[:window] if key in record]
    return sum(values) / len(values) if values else math.nan


def _judge(
    history: list[dict],
    reference: dict[str, float],
    window: int,
    train_tolerance: float,
    val_tolerance: float,
) -> tuple[bool, str, float, float]:
    r"""Apply the stability checks; return (stable, reason, train, val)."""
    train = _final(history, "train_loss", window)
    val = _final(history, "val_mse", window)
    losses = [r.get(k, 0.0) for r in history for k in ("train_loss", "val_mse")]
    if not all(math.isfinite(v) for v in losses):
        return False, "non-finite loss", train, val
    if len(history) >= 2 * window and not train < _initial(
        history, "train_loss", window
    ):
        return False, "training loss did not decrease (diverged)", train, val
    bound = reference["level"] + train_tolerance * reference["progress"]
    if train > bound:
        return (
            False,
            f"robust training loss {train:.4g} > reference level "
            f"{reference['level']:.4g} + {train_tolerance} x progress "
            f"{reference['progress']:.4g}",
            train,
            val,
        )
    if (
        math.isfinite(reference["val_mse"])
        and val > (1.0 + val_tolerance) * (reference["val_mse"])
    ):
        return (
            False,
            f"validation MSE {val:.4g} > (1 + {val_tolerance}) x reference "
            f"{reference['val_mse']:.4g}",
            train,
            val,
        )
    return True, "stable", train, val


def _reference(history: list[dict], window: int) -> dict[str, float]:
    r"""The reference fit's losses and the rule's ``level`` and ``progress``."""
    reference = {
        "train_loss": _final(history, "train_loss", window),
        "val_loss": _final(history, "val_loss", window),
        "val_mse": _final(history, "val_mse", window),
        "initial_train_loss": _initial(history, "train_loss", window),
    }
    if not math.isfinite(reference["train_loss"]):
        raise RoMATrainingError(
            "The epsilon = 0 reference fit has a non-finite training loss, so no "
            f"epsilon can be judged stable ({reference}); lower lr or check the "
            "data."
        )
    level = reference["train_loss"]
    if math.isfinite(reference["val_loss"]):
        level = max(level, reference["val_loss"])
    progress = reference["initial_train_loss"] - reference["train_loss"]
    if not progress > 0:
        # No measurable progress (e.g. a single epoch): fall back to the level's
        # magnitude as the scale of the allowed excess.
        progress = max(abs(level), 1e-12)
    reference.update({"level": level, "progress": progress})
    return reference


def _check_rule_arguments(
    grid: Sequence[float], train_tolerance: float, val_tolerance: float
) -> list[float]:
    r"""Validate the rule's grid and tolerances; return the grid, largest first."""
    try:
        values = sorted({float(eps) for eps in grid}, reverse=True)
    except (TypeError, ValueError):
        raise RoMAInputError(
            f"grid must be a list of positive numbers, got {grid!r}."
        ) from None
    if len(values) == 0 or values[-1] <= 0 or not all(map(math.isfinite, values)):
        raise RoMAInputError(
            f"grid must be a non-empty list of positive values, got {list(grid)}."
        )
    if not (train_tolerance >= 0 and val_tolerance >= 0):
        raise RoMAInputError("train_tolerance and val_tolerance must be >= 0.")
    return values


def run_epsilon_rule(
    fit: Callable[[float], list[dict]],
    grid: Sequence[float] = EPSILON_GRID,
    train_tolerance: float = 0.25,
    val_tolerance: float = 0.1,
) -> EpsilonSelection:
    r"""Run the offline rule on a pre-training routine.

    Args:
        fit: ``fit(epsilon) -> history`` runs the pre-training with that
            ``epsilon`` (same initialization, split and noise every time) and
            returns its per-epoch records (``train_loss``, ``val_mse``,
            ``val_loss``).
        grid: Candidate values (> 0), tried from the largest down.
        train_tolerance: Allowed excess of the final robust training loss over
            the reference's loss level, in units of the reference's training
            progress.
        val_tolerance: Allowed relative excess of the final validation MSE over
            the reference's.

    Returns:
        An :class:`EpsilonSelection`.
    """
    grid = _check_rule_arguments(grid, train_tolerance, val_tolerance)
    history = fit(0.0)
    if len(history) == 0:
        raise RoMAInputError("The epsilon rule needs epochs >= 1.")
    window = max(1, len(history) // 5)
    reference = _reference(history, window)
    trials = []
    for eps in grid:
        try:
            stable, reason, train, val = _judge(
                fit(eps), reference, window, train_tolerance, val_tolerance
            )
        except RoMATrainingError as error:
            stable, reason, train, val = False, f"diverged: {error}", math.nan, math.nan
        trials.append(
            {
                "epsilon": eps,
                "stable": stable,
                "reason": reason,
                "train_loss": train,
                "val_mse": val,
            }
        )
        if stable:
            return EpsilonSelection(eps, reference, trials, grid)
    warnings.warn(
        f"No epsilon in {grid} kept pre-training stable; using epsilon = 0 "
        "(Gaussian smoothing only).",
        RuntimeWarning,
        stacklevel=2,
    )
    return EpsilonSelection(0.0, reference, trials, grid)
