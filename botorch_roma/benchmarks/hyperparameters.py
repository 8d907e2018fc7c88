r"""Choosing RoMA's hyperparameters offline, without the oracle.

RoMA's weight-perturbation radius ``epsilon`` is chosen by the paper's offline
rule (Section 2.4 of [Yu2021roma]_): *the largest value for which the robust
pre-training of the proxy stays stable*. The paper does not say how stability
is judged, so :func:`select_epsilon` makes it concrete, using ONLY the training
and validation losses recorded by :meth:`~botorch_roma.RoMAModel.fit` (never
the oracle):

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

The module also defines the grid of the paper's sensitivity study (Figure 5):
``T in {300, 500}``, ``alpha in {1, 0.1}``, ``epsilon in {eps0, 0.2 eps0}``.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from torch import Tensor

from botorch_roma.exceptions import RoMAInputError, RoMATrainingError
from botorch_roma.models.roma import RoMAModel

__all__ = [
    "EPSILON_GRID",
    "SENSITIVITY_GRID",
    "EpsilonSelection",
    "SensitivityConfig",
    "select_epsilon",
    "sensitivity_configs",
]

#: The default grid of ``epsilon`` values, tried from the largest down. It
#: contains the paper's two choices (5e-3 and 5e-4) and tops out at twice the
#: larger one.
EPSILON_GRID: tuple[float, ...] = (1e-2, 5e-3, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4)


@dataclass
class EpsilonSelection:
    r"""The outcome of :func:`select_epsilon`.

    Attributes:
        epsilon: The selected value (0 if no grid value was stable).
        reference: Losses of the ``epsilon = 0`` reference fit (``train_loss``,
            ``val_loss``, ``val_mse``, ``initial_train_loss``) and the derived
            ``level`` and ``progress`` of the stability rule.
        trials: One record per tried grid value, in the order tried, with
            ``epsilon``, ``stable``, ``reason``, ``train_loss``, ``val_mse``.
    """

    epsilon: float
    reference: dict[str, float]
    trials: list[dict[str, Any]] = field(default_factory=list)


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


def select_epsilon(
    train_X: Tensor,
    train_Y: Tensor,
    grid: Sequence[float] = EPSILON_GRID,
    seed: int = 0,
    val_size: int | None = None,
    train_tolerance: float = 0.25,
    val_tolerance: float = 0.1,
    **model_options: Any,
) -> EpsilonSelection:
    r"""The paper's offline rule: the largest ``epsilon`` with stable pre-training.

    See the module docstring for the exact stability checks. Only training and
    validation losses are used; the oracle is never queried.

    Args:
        train_X: An ``n x d`` tensor of designs.
        train_Y: An ``n x 1`` tensor of scores.
        grid: Candidate values (> 0), tried from the largest down.
        seed: Seed of every fit (same initialization, split and noise for all
            values, so they differ only in ``epsilon``).
        val_size: Held-out rows for the validation loss; ``None`` picks
            ``min(500 if n >= 10000 else 200, max(2, n // 5))``.
        train_tolerance: Allowed excess of the final robust training loss over
            the reference's loss level, in units of the reference's training
            progress.
        val_tolerance: Allowed relative excess of the final validation MSE over
            the reference's.
        **model_options: Further :class:`~botorch_roma.RoMAModel` options
            (``epochs``, ``hidden_sizes``, ``loss``, ...), shared by all fits.

    Returns:
        An :class:`EpsilonSelection`.

    Example:
        >>> X = torch.rand(100, 3, dtype=torch.double)
        >>> Y = -(X - 0.5).square().sum(-1, keepdim=True)
        >>> selection = select_epsilon(X, Y, grid=(1e-2, 1e-3), epochs=5)
        >>> selection.epsilon in (0.0, 1e-3, 1e-2)
        True
    """
    if "epsilon" in model_options:
        raise RoMAInputError(
            "select_epsilon chooses epsilon itself; pass candidate values via "
            "`grid` instead of `epsilon`."
        )
    grid = sorted({float(eps) for eps in grid}, reverse=True)
    if len(grid) == 0 or grid[-1] <= 0:
        raise RoMAInputError(
            f"grid must be a non-empty list of positive values, got {list(grid)}."
        )
    if train_tolerance < 0 or val_tolerance < 0:
        raise RoMAInputError("train_tolerance and val_tolerance must be >= 0.")
    n = train_X.shape[0]
    if val_size is None:
        val_size = min(500 if n >= 10000 else 200, max(2, n // 5))
    model_options = {**model_options, "val_size": val_size}

    def fit(eps: float) -> list[dict]:
        model = RoMAModel(train_X, train_Y, epsilon=eps, **model_options)
        return model.fit(seed=seed).training_history

    history = fit(0.0)
    if len(history) == 0:
        raise RoMAInputError("select_epsilon needs epochs >= 1.")
    window = max(1, len(history) // 5)
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
    trials = []
    for eps in grid:
        try:
            history = fit(eps)
            stable, reason, train, val = _judge(
                history, reference, window, train_tolerance, val_tolerance
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
            return EpsilonSelection(epsilon=eps, reference=reference, trials=trials)
    warnings.warn(
        f"No epsilon in {grid} kept pre-training stable; using epsilon = 0 "
        "(Gaussian smoothing only).",
        RuntimeWarning,
        stacklevel=2,
    )
    return EpsilonSelection(epsilon=0.0, reference=reference, trials=trials)


@dataclass(frozen=True)
class SensitivityConfig:
    r"""One point of the sensitivity grid.

    Attributes:
        label: A short label, e.g. ``"A T=300"`` (the paper's letters: A =
            (alpha0, eps0), B = (alpha0, 0.2 eps0), C = (0.1 alpha0, eps0),
            D = (0.1 alpha0, 0.2 eps0)).
        steps: The number ``T`` of ascent updates.
        alpha: The adaptation's consistency weight.
        epsilon_scale: The factor applied to the offline-selected ``eps0``.
    """

    label: str
    steps: int
    alpha: float
    epsilon_scale: float

    def options(self) -> dict[str, Any]:
        r"""The options to pass to the ``roma`` method."""
        return {
            "steps": self.steps,
            "alpha": self.alpha,
            "epsilon_scale": self.epsilon_scale,
        }


#: The paper's Figure 5 grid: letters for (alpha, epsilon), times T.
SENSITIVITY_GRID: dict[str, tuple[float, float]] = {
    "A": (1.0, 1.0),
    "B": (1.0, 0.2),
    "C": (0.1, 1.0),
    "D": (0.1, 0.2),
}


def sensitivity_configs(
    steps: Sequence[int] = (300, 500), alpha0: float = 1.0
) -> list[SensitivityConfig]:
    r"""The sensitivity grid of the paper's Figure 5.

    Args:
        steps: The values of ``T``.
        alpha0: The default ``alpha``.

    Returns:
        ``4 * len(steps)`` configurations (A-D for each ``T``).

    Example:
        >>> [c.label for c in sensitivity_configs()][:2]
        ['A T=300', 'B T=300']
    """
    return [
        SensitivityConfig(
            label=f"{letter} T={T}",
            steps=int(T),
            alpha=alpha_factor * alpha0,
            epsilon_scale=eps_factor,
        )
        for T in steps
        for letter, (alpha_factor, eps_factor) in SENSITIVITY_GRID.items()
    ]
