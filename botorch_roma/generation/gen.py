r"""RoMA's candidate generation: gradient ascent on an adapted proxy.

Candidates start from the best known designs and climb the proxy by gradient
ascent (Algorithm 1, lines 6-11 of [Yu2021roma]_). Before every step the
weights are adapted inside a small ball around the pre-trained ``theta`` so the
proxy is locally smooth at each candidate (see
:mod:`botorch_roma.generation.adaptation`). The ascent itself follows the
authors' code: one Adam optimizer over all candidates, minimizing

``sum_i [ -f_t(x_i) + (f_t(x_i) - f_0(x_i^0))^2 / (2 r) ]``,

so the push fades as a candidate's prediction rises and reverses once it is
``r`` (``trust_radius``, in standardized outcome units) above its start: the
step-size decay of the paper's Appendix B. Unlike the authors' code, the
candidates are clamped to the bounds when bounds are given (and, with linear
equality constraints, projected after every step onto the constraints inside
the bounds, so that every iterate satisfies them), and the first
consistency target is the pre-trained prediction ``f(x^0; theta)`` (the paper's
``theta_{-1} = theta``) rather than the true label, which exists only for
training designs; afterwards it is ``f(x^{t+1}; theta_t)`` as in both.

:func:`gen_candidates_roma` is shaped like BoTorch's ``gen_candidates_torch``;
:func:`optimize_roma` picks the starting designs and runs it.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import math
import operator
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from botorch.exceptions.errors import UnsupportedError
from botorch.models.transforms.input import AffineInputTransform
from torch import Tensor
from tqdm.auto import tqdm

from botorch_roma.exceptions import RoMAInputError, RoMAInputWarning
from botorch_roma.generation.adaptation import adapt_weights
from botorch_roma.generation.feasibility import (
    Constraints,
    FeasibilityRepair,
    check_constraints,
    check_fixed_features,
    equality_system,
    project_onto_equalities,
    repair_ascent,
)
from botorch_roma.models.mlp import (
    compute_dtype_of,
    mlp_forward,
    mlp_value_and_input_grad,
)
from botorch_roma.models.roma import RoMAModel, RoMAProxy, validate_training_data
from botorch_roma.options import AscentOptions, RunOptions, split_options

__all__ = [
    "AscentProblem",
    "ascend_and_repair",
    "ascent_step",
    "check_n",
    "finish_ascent",
    "gen_candidates_roma",
    "optimize_roma",
    "prepare_ascent",
    "select_starting_designs",
]


# Iterates kept along an ascent as fallbacks for end points that are infeasible.
_N_SNAPSHOTS = 8
# Training designs further than this fraction of a bound's width outside the
# bounds are reported (closer ones are round-off and are clamped quietly).
_OUTSIDE_RTOL = 1e-6


def _input_maps(model: RoMAModel) -> tuple[Callable, Callable]:
    r"""Maps between the original design space and the model's input space."""
    tf = getattr(model, "input_transform", None)
    if tf is None:
        return (lambda X: X), (lambda Z: Z)
    if (
        not isinstance(tf, AffineInputTransform)
        or tf.reverse
        or not tf.transform_on_eval
    ):
        raise UnsupportedError(
            f"RoMA's ascent needs an affine input transform (InputStandardize or "
            f"Normalize) or none, got {type(tf).__name__}."
        )
    tf.eval()
    return tf, tf.untransform


def _check_bounds(bounds: Tensor, d: int) -> Tensor:
    if bounds.shape != (2, d):
        raise RoMAInputError(
            f"bounds must be a `2 x d` tensor with d={d}, got shape "
            f"{tuple(bounds.shape)}."
        )
    if not torch.isfinite(bounds).all():
        raise RoMAInputError("bounds contain NaN or inf; give finite bounds.")
    bad = (bounds[0] >= bounds[1]).nonzero().flatten()
    if len(bad) > 0:
        raise RoMAInputError(
            f"bounds have lower >= upper in dimension(s) {bad.tolist()}; make every "
            "lower bound strictly smaller than its upper bound (to hold a column "
            "at one value, give it a range and pass fixed_features={column: value})."
        )
    return bounds


@dataclass
class AscentProblem:
    r"""An ascent prepared in the model's input space (see :func:`prepare_ascent`).

    Attributes:
        model: The fitted model.
        shape: The shape of the initial conditions (restored at the end).
        Z0: ``n x d`` starting points in the model's input space.
        theta: The pre-trained weights (member-stacked for an ensemble).
        f0: ``n`` pre-trained aggregate values at the starts (standardized).
        members: Whether the model is an ensemble (weights with a leading
            member dimension ``m``).
        pessimism: ``beta`` of the aggregate ``mean - beta * std`` across
            members.
        target0: The first consistency targets, ``n`` (``m x n`` for an
            ensemble): the pre-trained predictions at the starts.
        lo: ``d`` lower bounds in the model's space (or ``None``).
        hi: ``d`` upper bounds in the model's space (or ``None``).
        lb: ``d`` lower bounds in the design space (or ``None``).
        ub: ``d`` upper bounds in the design space (or ``None``).
        fixed_cols: Columns held fixed (or ``None``).
        fixed_z: Their values in the model's space.
        fixed_x: Their values in the design space.
        equalities_x: Linear equality constraints ``A x = b`` in the design
            space, as ``A`` (``k x d``) and ``b`` (``k``), or ``None``.
        equalities_z: The same constraints in the model's space.
    """

    model: RoMAModel
    shape: torch.Size
    Z0: Tensor
    theta: list[Tensor]
    f0: Tensor
    members: bool = False
    pessimism: float = 0.0
    target0: Tensor | None = None
    lo: Tensor | None = None
    hi: Tensor | None = None
    lb: Tensor | None = None
    ub: Tensor | None = None
    fixed_cols: Tensor | None = None
    fixed_z: Tensor | None = None
    fixed_x: Tensor | None = None
    equalities_x: tuple[Tensor, Tensor] | None = None
    equalities_z: tuple[Tensor, Tensor] | None = None

    def predict(self, params: list[Tensor], Z: Tensor) -> Tensor:
        r"""Standardized predictions at ``Z``: ``n``, or ``m x n`` for members."""
        return mlp_forward(params, Z, members=self.members)[..., 0]

    def aggregate(self, f: Tensor, g: Tensor | None = None) -> tuple[Tensor, Tensor]:
        r"""The climbed value and its input gradient.

        For a single proxy these are ``f`` and ``g``; for an ensemble the
        aggregate ``mean - beta * std`` over members (population std) of the
        ``m x n`` predictions ``f``, and its gradient from the members'
        ``m x n x d`` input gradients ``g`` (``None`` skips the gradient).
        """
        if not self.members:
            return f, g
        mean = f.mean(0)
        if self.pessimism == 0.0:
            return mean, None if g is None else g.mean(0)
        centered = f - mean
        std = centered.square().mean(0).sqrt()
        value = mean - self.pessimism * std
        if g is None:
            return value, None
        d_std = (centered.unsqueeze(-1) * g).mean(0) / std.clamp_min(1e-12).unsqueeze(
            -1
        )
        return value, g.mean(0) - self.pessimism * d_std

    def to_outcome(self, f: Tensor) -> Tensor:
        r"""Standardized ``n`` predictions to the original outcome units."""
        untransform = self.model.outcome_transform.untransform
        return untransform(f.unsqueeze(-1))[0].squeeze(-1)

    def project(self, Z: Tensor) -> None:
        r"""Clamp ``Z`` (in place) to the box, reset its fixed features and
        project it onto the equality constraints (inside the box)."""
        if self.lo is not None:
            Z.copy_(Z.clamp(self.lo, self.hi))
        if self.fixed_cols is not None:
            Z[:, self.fixed_cols] = self.fixed_z
        if self.equalities_z is not None:
            lo, hi = self._pinned_box(self.lo, self.hi, self.fixed_z, Z)
            Z.copy_(project_onto_equalities(Z, *self.equalities_z, lo, hi))

    def finish(self, X: Tensor) -> Tensor:
        r"""Candidates in the design space, made exact: clamped to the bounds,
        fixed features set and projected onto the equality constraints there
        (undoing the round-off of the affine map back from the model space)."""
        if self.lb is not None:
            X = X.clamp(self.lb, self.ub)
        if self.fixed_cols is not None:
            X[:, self.fixed_cols] = self.fixed_x
        if self.equalities_x is not None:
            lo, hi = self._pinned_box(self.lb, self.ub, self.fixed_x, X)
            X = project_onto_equalities(X, *self.equalities_x, lo, hi)
        return X

    def _pinned_box(
        self, lo: Tensor | None, hi: Tensor | None, fixed: Tensor | None, like: Tensor
    ) -> tuple[Tensor, Tensor]:
        r"""The box with the fixed columns pinned (lower = upper = value)."""
        d = like.shape[-1]
        lo = torch.full((d,), -math.inf).to(like) if lo is None else lo.clone()
        hi = torch.full((d,), math.inf).to(like) if hi is None else hi.clone()
        if self.fixed_cols is not None:
            lo[self.fixed_cols] = fixed
            hi[self.fixed_cols] = fixed
        return lo, hi


def _initial_points(initial_conditions: Tensor, d: int) -> Tensor:
    r"""``n x d`` starting points from ``n x d`` or ``n x 1 x d`` input."""
    shape = initial_conditions.shape
    if initial_conditions.dim() == 3 and shape[1] == 1:
        X0 = initial_conditions.squeeze(1)
    elif initial_conditions.dim() == 2:
        X0 = initial_conditions
    else:
        raise RoMAInputError(
            f"initial_conditions must be `n x d` or `n x 1 x d`, got {tuple(shape)}."
        )
    if X0.shape[-1] != d:
        raise RoMAInputError(
            f"initial_conditions must have d={d} columns, got {X0.shape[-1]}."
        )
    if not torch.isfinite(X0).all():
        raise RoMAInputError("initial_conditions contain NaN or inf values.")
    return X0


def check_n(n: Any) -> int:
    r"""``n`` as an int: a positive integer (NumPy integers too; not a bool or
    a float)."""
    try:
        value = None if isinstance(n, bool) else operator.index(n)
    except TypeError:
        value = None
    if value is None or value < 1:
        raise RoMAInputError(f"n must be a positive integer, got {n!r}.")
    return value


def _box(
    X0: Tensor, lower: float | Tensor | None, upper: float | Tensor | None
) -> tuple[Tensor, Tensor]:
    r"""``d`` lower and upper bounds (infinite where not given)."""
    d = X0.shape[-1]
    lb = torch.full((d,), -math.inf).to(X0)
    ub = torch.full((d,), math.inf).to(X0)
    if lower is not None:
        lb = torch.as_tensor(lower).to(X0).expand(d)
    if upper is not None:
        ub = torch.as_tensor(upper).to(X0).expand(d)
    if (lb >= ub).any():
        raise RoMAInputError("lower_bounds must be smaller than upper_bounds.")
    return lb, ub


def prepare_ascent(
    initial_conditions: Tensor,
    model: RoMAModel,
    lower_bounds: float | Tensor | None = None,
    upper_bounds: float | Tensor | None = None,
    fixed_features: dict[int, float] | None = None,
    pessimism: float = 0.0,
    equality_constraints: Constraints = None,
) -> AscentProblem:
    r"""Check the inputs and map the ascent into the model's input space.

    Args:
        initial_conditions: ``n x d`` (or ``n x 1 x d``) starting designs.
        model: A fitted :class:`~botorch_roma.models.roma.RoMAModel`.
        lower_bounds: Lower bounds (a scalar or a ``d`` tensor), or ``None``.
        upper_bounds: Upper bounds (a scalar or a ``d`` tensor), or ``None``.
        fixed_features: ``{column: value}`` pairs held fixed.
        pessimism: For an ensemble, ``beta`` of the climbed aggregate
            ``mean - beta * std`` across members.
        equality_constraints: Linear equality constraints in BoTorch's format,
            ``(indices, coefficients, rhs)`` tuples meaning
            ``sum_i X[indices[i]] * coefficients[i] == rhs``; the starting
            designs are projected onto them (inside the bounds).

    Returns:
        The prepared :class:`AscentProblem`.
    """
    if not getattr(model, "is_fitted", False):
        raise RoMAInputError("The model is not fitted; call `model.fit()` first.")
    X0 = _initial_points(initial_conditions, model.train_X.shape[-1])
    X0 = X0.detach().to(model.train_X)
    to_model, _ = _input_maps(model)
    with torch.no_grad():
        Z0 = to_model(X0).clone()
        theta = model.pretrained_weights()
        problem = AscentProblem(
            model,
            initial_conditions.shape,
            Z0,
            theta,
            f0=Z0,
            members=model.options.num_models > 1,
            pessimism=pessimism,
        )
        if lower_bounds is not None or upper_bounds is not None:
            lb, ub = _box(X0, lower_bounds, upper_bounds)
            # Affine maps with positive scale keep the box a box.
            problem.lb, problem.ub = lb, ub
            problem.lo = torch.where(
                torch.isfinite(lb), to_model(lb.unsqueeze(0))[0], -math.inf
            )
            problem.hi = torch.where(
                torch.isfinite(ub), to_model(ub.unsqueeze(0))[0], math.inf
            )
        fixed_features = check_fixed_features(
            fixed_features, X0.shape[-1], problem.lb, problem.ub
        )
        if fixed_features:
            cols = sorted(fixed_features)
            row = X0[:1].clone()
            row[0, cols] = torch.tensor([fixed_features[k] for k in cols]).to(X0)
            problem.fixed_cols = torch.tensor(cols, device=X0.device)
            problem.fixed_x = row[0, problem.fixed_cols]
            problem.fixed_z = to_model(row)[0, problem.fixed_cols]
        _set_equalities(problem, equality_constraints, fixed_features, X0)
        problem.project(Z0)
        problem.target0 = problem.predict(theta, Z0)
        problem.f0 = problem.aggregate(problem.target0)[0]
    return problem


def _set_equalities(
    problem: AscentProblem,
    constraints: Constraints,
    fixed_features: dict[int, float] | None,
    X0: Tensor,
) -> None:
    r"""Check the equality constraints and store them in both spaces."""
    d = X0.shape[-1]
    bounds = None if problem.lb is None else torch.stack([problem.lb, problem.ub])
    constraints = check_constraints(constraints, d, "equality_constraints", bounds)
    if not constraints:
        return
    if bounds is not None and torch.isfinite(bounds).all():
        # Raises if no design in the box (with the fixed features) meets them.
        FeasibilityRepair(
            bounds, equality_constraints=constraints, fixed_features=fixed_features
        )
    A, b = equality_system(constraints, d, X0)
    _, from_model = _input_maps(problem.model)
    # x = offset + scale * z for the model's affine input transform, so
    # A x = b reads (A * scale) z = b - A offset in the model's space.
    offset = from_model(torch.zeros_like(X0[:1]))[0]
    scale = from_model(torch.ones_like(X0[:1]))[0] - offset
    problem.equalities_x = (A, b)
    problem.equalities_z = (A * scale, b - A @ offset)


def ascent_step(
    problem: AscentProblem,
    Z: Tensor,
    target: Tensor,
    options: AscentOptions,
    epsilon: float,
) -> tuple[list[Tensor], Tensor, Tensor]:
    r"""One update's adaptation and ascent direction (Algorithm 1, lines 7-10).

    Args:
        problem: The prepared ascent.
        Z: ``n x d`` current candidates in the model's input space.
        target: ``n`` consistency targets ``f(x_i; theta_{t-1})`` (``m x n``
            for an ensemble, one per member).
        options: The ascent options.
        epsilon: The relative adaptation radius.

    Returns:
        A three-element tuple: the adapted weights, the ``n`` adapted
        predictions at ``Z`` (standardized; the aggregate over members for an
        ensemble) and the ``n x d`` gradient of the ascent loss with respect
        to ``Z`` (to be minimized).
    """
    adapted = adapt_weights(
        problem.theta,
        Z,
        target,
        epsilon=epsilon,
        alpha=options.alpha,
        steps=options.adapt_steps,
        mode=options.adaptation,
        backend=options.backend,
        members=problem.members,
        factored=True,
        compute_dtype=compute_dtype_of(options.compute_dtype, Z),
    )
    f, g = problem.aggregate(*mlp_value_and_input_grad(adapted, Z, problem.members))
    decay = 1.0
    if options.trust_radius is not None:
        decay = (1.0 - (f - problem.f0) / options.trust_radius).unsqueeze(-1)
    grad = -g * decay
    if problem.fixed_cols is not None:
        grad[:, problem.fixed_cols] = 0.0
    return adapted, f, grad


def finish_ascent(problem: AscentProblem, Z: Tensor) -> tuple[Tensor, Tensor]:
    r"""Map the final candidates back to the design space and predict them.

    Args:
        problem: The prepared ascent.
        Z: ``n x d`` final candidates in the model's input space.

    Returns:
        The candidates (shaped like the initial conditions) and their ``n``
        pre-trained predictions in the original outcome units (the members'
        mean for an ensemble).
    """
    _, from_model = _input_maps(problem.model)
    with torch.no_grad():
        Z = Z.detach()
        X = problem.finish(from_model(Z))
        f = problem.predict(problem.theta, Z)
        values = problem.to_outcome(f.mean(0) if problem.members else f)
    if not torch.isfinite(X).all():
        raise RoMAInputError(
            "The ascent produced non-finite candidates; lower the ascent lr or "
            "check the model's training history."
        )
    return X.reshape(problem.shape), values


def gen_candidates_roma(
    initial_conditions: Tensor,
    model: RoMAModel,
    lower_bounds: float | Tensor | None = None,
    upper_bounds: float | Tensor | None = None,
    options: dict[str, Any] | None = None,
    callback: Callable[[int, Tensor, Tensor], None] | None = None,
    fixed_features: dict[int, float] | None = None,
    timeout_sec: float | None = None,
    progress: bool = False,
    equality_constraints: Constraints = None,
) -> tuple[Tensor, Tensor]:
    r"""Run RoMA's adapted gradient ascent from given starting designs.

    Shaped like BoTorch's ``gen_candidates_torch``, with the acquisition
    function replaced by the RoMA model itself. The steps are
    :func:`prepare_ascent`, ``options["steps"]`` calls of :func:`ascent_step`
    (each followed by an Adam step on the candidates) and
    :func:`finish_ascent`.

    Args:
        initial_conditions: An ``n x d`` (or ``n x 1 x d``) tensor of starting
            designs in the original design space.
        model: A fitted :class:`~botorch_roma.models.roma.RoMAModel`.
        lower_bounds: Lower bounds (a scalar or a ``d`` tensor), or ``None``.
        upper_bounds: Upper bounds (a scalar or a ``d`` tensor), or ``None``.
        options: Ascent options, see :class:`~botorch_roma.options.AscentOptions`.
        callback: Called before every update as ``callback(t, X, values)`` with
            the ``n x d`` candidates in the original space and the ``n``
            adapted proxy's predictions there, in the original outcome units.
        fixed_features: ``{column: value}`` pairs held fixed (in the original
            design space).
        timeout_sec: Stop the ascent after this many seconds.
        progress: Show a progress bar over the updates.
        equality_constraints: Linear equality constraints in BoTorch's format,
            ``(indices, coefficients, rhs)`` tuples meaning
            ``sum_i X[indices[i]] * coefficients[i] == rhs``. The starts and
            every iterate are projected onto them inside the bounds (see
            :func:`~botorch_roma.generation.feasibility.project_onto_equalities`),
            so the candidates satisfy them to round-off.

    Returns:
        A two-element tuple of the final candidates (same shape as
        ``initial_conditions``) and their ``n`` predicted values under the
        pre-trained model, in the original outcome units.

    Example:
        >>> X0 = model.train_X[model.train_Y.squeeze(-1).argsort()[-8:]]
        >>> X, values = gen_candidates_roma(X0, model, options={"steps": 50})
    """
    opts = AscentOptions.from_dict(options)
    problem = prepare_ascent(
        initial_conditions,
        model,
        lower_bounds,
        upper_bounds,
        fixed_features,
        pessimism=opts.pessimism,
        equality_constraints=equality_constraints,
    )
    _, from_model = _input_maps(model)
    epsilon = model.epsilon if opts.epsilon is None else opts.epsilon
    Z = problem.Z0.clone().requires_grad_(True)
    target = problem.target0.clone()
    best = _BestIterate(problem) if opts.select == "best" else None
    optimizer = torch.optim.Adam([Z], lr=opts.lr)
    start = time.monotonic()
    for t in tqdm(range(opts.steps), desc="RoMA ascent", disable=not progress):
        if timeout_sec is not None and time.monotonic() - start > timeout_sec:
            break
        with torch.no_grad():
            adapted, f, grad = ascent_step(problem, Z.detach(), target, opts, epsilon)
            if callback is not None:
                callback(t, from_model(Z.detach()), problem.to_outcome(f))
        Z.grad = grad
        optimizer.step()
        with torch.no_grad():
            problem.project(Z)
            target = problem.predict(adapted, Z.detach())
            if best is not None:
                best.update(Z.detach())
    return finish_ascent(problem, Z if best is None else best.result(Z))


class _BestIterate:
    r"""Each candidate's iterate with the best pre-trained aggregate so far.

    The offline choice of the ascent length (``select="best"``): no oracle,
    only the pre-trained proxy (for an ensemble, ``mean - beta * std`` across
    members), evaluated after every update; the starting design itself is
    not a candidate.
    """

    def __init__(self, problem: AscentProblem) -> None:
        self.problem = problem
        self.value = torch.full_like(problem.f0, -math.inf)
        self.Z = problem.Z0.clone()

    def update(self, Z: Tensor) -> None:
        p = self.problem
        value = p.aggregate(p.predict(p.theta, Z))[0]
        better = value > self.value
        self.value = torch.where(better, value, self.value)
        self.Z[better] = Z[better]

    def result(self, Z: Tensor) -> Tensor:
        r"""The best iterates (``Z`` itself where no update has run yet)."""
        return torch.where(torch.isfinite(self.value).unsqueeze(-1), self.Z, Z)


def select_starting_designs(
    train_X: Tensor,
    train_Y: Tensor,
    n: int,
    duplicate_starts: str = "error",
    bounds: Tensor | None = None,
    jitter: float = 1e-3,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""The top-``n`` distinct designs by score.

    Args:
        train_X: An ``N x d`` tensor of designs.
        train_Y: An ``N x 1`` tensor of scores.
        n: The number of starting designs.
        duplicate_starts: What to do when there are fewer than ``n`` distinct
            designs: ``"error"`` raises, ``"jitter"`` fills the rest with
            copies of the best designs (cycled in rank order) plus Gaussian noise
            of ``jitter`` times each column's standard deviation (or range), so
            every start is distinct.
        bounds: Optional ``2 x d`` bounds; jittered starts are clamped to them.
        jitter: Relative scale of the jitter noise.
        generator: Random generator for the jitter.

    Returns:
        An ``n x d`` tensor of distinct starting designs, best first.
    """
    n = check_n(n)
    uniq, inverse = torch.unique(train_X, dim=0, return_inverse=True)
    best = torch.full((uniq.shape[0],), -math.inf).to(train_Y)
    best = best.scatter_reduce(0, inverse, train_Y.squeeze(-1), reduce="amax")
    order = best.argsort(descending=True)
    if n <= len(order):
        return uniq[order[:n]].clone()
    if duplicate_starts != "jitter":
        raise RoMAInputError(
            f"n={n} is larger than the {len(order)} distinct designs in the data; "
            "lower n or pass duplicate_starts='jitter' to start the extra candidates "
            "from jittered copies of the best designs."
        )
    base = uniq[order]
    extra = n - len(order)
    idx = torch.arange(extra, device=train_X.device) % len(order)
    scale = train_X.std(0) if train_X.shape[0] > 1 else torch.ones_like(train_X[0])
    if bounds is not None:
        scale = torch.where(scale > 0, scale, bounds[1] - bounds[0])
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    noise = torch.randn(
        extra, train_X.shape[-1], generator=generator, device=train_X.device
    ).to(train_X)
    filled = base[idx] + jitter * scale * noise
    if bounds is not None:
        filled = filled.clamp(bounds[0], bounds[1])
    return torch.cat([base, filled], dim=0)


def optimize_roma(
    model: RoMAModel,
    bounds: Tensor | None = None,
    n: int = 128,
    train_X: Tensor | None = None,
    train_Y: Tensor | None = None,
    inequality_constraints: Constraints = None,
    equality_constraints: Constraints = None,
    fixed_features: dict[int, float] | None = None,
    duplicate_starts: str = "error",
    callback: Callable[[int, Tensor, Tensor], None] | None = None,
    **options: Any,
) -> tuple[Tensor, Tensor]:
    r"""Generate ``n`` RoMA candidates from the top-``n`` distinct designs.

    Args:
        model: A fitted :class:`~botorch_roma.models.roma.RoMAModel`.
        bounds: Optional ``2 x d`` box; candidates are clamped to it.
        n: The number of candidates.
        train_X: ``N x d`` designs to start from (default: the model's data).
        train_Y: ``N x 1`` their scores (default: the model's data).
        inequality_constraints: Linear constraints in BoTorch's format, a list
            of ``(indices, coefficients, rhs)`` tuples meaning
            ``sum_i X[indices[i]] * coefficients[i] >= rhs``; needs ``bounds``.
            Every returned design satisfies them: end points are projected
            onto them, or fall back to their latest feasible ascent iterate
            (see :mod:`botorch_roma.generation.feasibility`).
        equality_constraints: The same with ``== rhs`` (e.g. fractions that
            sum to 1); needs ``bounds``. They hold during the whole ascent: the
            starts and every iterate are projected onto them inside the
            bounds, and the returned designs meet them to round-off (about
            1e-15 relative in float64, 1e-7 in float32).
        fixed_features: ``{column: value}`` pairs held fixed.
        duplicate_starts: ``"error"`` or ``"jitter"``, see
            :func:`select_starting_designs`.
        callback: See :func:`gen_candidates_roma`.
        **options: Ascent options (:class:`~botorch_roma.options.AscentOptions`)
            and run options (:class:`~botorch_roma.options.RunOptions`:
            ``seed`` for the jittered starts, ``progress``, ``timeout_sec``).

    Returns:
        A two-element tuple of the ``n x d`` candidates and their ``n``
        predicted values (original outcome units). Candidates start distinct
        (training designs outside ``bounds`` are clamped first, with a
        :class:`~botorch_roma.exceptions.RoMAInputWarning`); with a large
        ``lr`` two of them can end on the same corner of the bounds, which
        warns too (the Ax integration replaces such duplicates).

    Example:
        >>> model = RoMAModel(train_X, train_Y).fit(seed=0)
        >>> X, values = optimize_roma(model, bounds=bounds, n=128, seed=0)
    """
    ascent, run, _ = split_options(options, AscentOptions, RunOptions)
    ascent_options = AscentOptions.from_dict(ascent)
    run_options = RunOptions.from_dict(run, seed=run.get("seed"))
    train_X, train_Y = _starting_data(model, train_X, train_Y)
    d = train_X.shape[-1]
    if bounds is not None:
        bounds = _check_bounds(torch.as_tensor(bounds).to(train_X), d)
    if duplicate_starts not in ("error", "jitter"):
        raise RoMAInputError(
            f"duplicate_starts must be 'error' or 'jitter', got {duplicate_starts!r}."
        )
    fixed_features = check_fixed_features(
        fixed_features,
        d,
        None if bounds is None else bounds[0],
        None if bounds is None else bounds[1],
    )
    repair = FeasibilityRepair(
        bounds,
        inequality_constraints=check_constraints(
            inequality_constraints, d, "inequality_constraints", bounds
        ),
        equality_constraints=check_constraints(
            equality_constraints, d, "equality_constraints", bounds
        ),
        fixed_features=fixed_features,
    )
    generator = None
    if run_options.seed is not None:
        generator = torch.Generator(device=train_X.device)
        generator.manual_seed(run_options.seed)
    train_X = _starts_in_box(train_X, bounds, fixed_features)
    X0 = select_starting_designs(
        train_X, train_Y, n, duplicate_starts, bounds=bounds, generator=generator
    )
    X, _, values = ascend_and_repair(
        X0, model, bounds, repair, ascent_options, run_options, fixed_features, callback
    )
    if not torch.isfinite(X).all():
        raise RoMAInputError(
            f"{int((~torch.isfinite(X).all(-1)).sum())} candidate(s) could not be "
            "made feasible, because their starting designs violate the "
            "constraints; drop the infeasible rows from the data or pass "
            "train_X / train_Y holding only feasible designs."
        )
    _warn_if_duplicates(X)
    return X, values


def _starts_in_box(
    train_X: Tensor, bounds: Tensor | None, fixed_features: dict[int, float] | None
) -> Tensor:
    r"""The designs as the ascent will start from them: clamped to the bounds
    and with the fixed features set, so that designs which become equal are
    merged before the top ``n`` are chosen. Warns if designs lie outside."""
    if bounds is None and not fixed_features:
        return train_X
    X = train_X.clone()
    if bounds is not None:
        tol = _OUTSIDE_RTOL * (bounds[1] - bounds[0])
        outside = ((X < bounds[0] - tol) | (X > bounds[1] + tol)).any(-1)
        if outside.any():
            rows = outside.nonzero().flatten()
            warnings.warn(
                f"{len(rows)} of the {X.shape[0]} training designs lie outside the "
                f"bounds (first rows: {rows[:5].tolist()}); the ascent starts "
                "from them clamped to the bounds, where designs that differ only "
                "outside the box become one start. Widen the bounds if those "
                "designs are valid, or drop the rows.",
                RoMAInputWarning,
                stacklevel=3,
            )
        X = X.clamp(bounds[0], bounds[1])
    for column, value in (fixed_features or {}).items():
        X[:, column] = value
    return X


def _warn_if_duplicates(X: Tensor) -> None:
    r"""Warn if some of the returned candidates coincide."""
    distinct = torch.unique(X, dim=0).shape[0]
    if distinct < X.shape[0]:
        warnings.warn(
            f"Only {distinct} of the {X.shape[0]} candidates are distinct: some "
            "ascents ended on the same point (typically a corner of the bounds, "
            "or the same repaired point of the constraints). Lower the ascent lr "
            "or steps, or use the Ax route (botorch_roma.ax.generate_batch), "
            "which replaces duplicates with new designs.",
            RoMAInputWarning,
            stacklevel=3,
        )


def _starting_data(
    model: RoMAModel, train_X: Tensor | None, train_Y: Tensor | None
) -> tuple[Tensor, Tensor]:
    r"""The designs to start from: the model's data, or checked given data."""
    if not isinstance(model, RoMAProxy):
        raise RoMAInputError(
            "optimize_roma needs a RoMAModel or RoMAEnsembleModel, got "
            f"{type(model).__name__}."
        )
    for name, T in (("train_X", train_X), ("train_Y", train_Y)):
        if T is not None and not isinstance(T, Tensor):
            raise RoMAInputError(
                f"{name} must be a tensor, got {type(T).__name__}; pass ascent "
                "options as keywords, e.g. optimize_roma(model, bounds, n, steps=100)."
            )
    if (train_X is None) != (train_Y is None):
        raise RoMAInputError("Pass both train_X and train_Y, or neither.")
    if train_X is None:
        return model.train_X, model.train_Y
    train_X, train_Y = validate_training_data(train_X, train_Y)
    if train_X.shape[-1] != model.train_X.shape[-1]:
        raise RoMAInputError(
            f"train_X has d={train_X.shape[-1]} but the model was fitted with "
            f"d={model.train_X.shape[-1]}."
        )
    return train_X, train_Y


def ascend_and_repair(
    starts: Tensor,
    model: RoMAModel,
    bounds: Tensor | None,
    repair: FeasibilityRepair,
    options: AscentOptions,
    run: RunOptions,
    fixed_features: dict[int, float] | None = None,
    callback: Callable[[int, Tensor, Tensor], None] | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Run the ascent from ``starts`` and repair the end points.

    Eight evenly spaced iterates are kept along the ascent; an end point that
    cannot be repaired falls back to the latest feasible one (see
    :func:`~botorch_roma.generation.feasibility.repair_ascent`).

    Args:
        starts: ``n x d`` starting designs.
        model: A fitted RoMA model.
        bounds: ``2 x d`` bounds, or ``None``.
        repair: The repair step.
        options: The ascent options.
        run: The run options (``progress``, ``timeout_sec``).
        fixed_features: ``{column: value}`` pairs held fixed.
        callback: Called at every update, see :func:`gen_candidates_roma`.

    Returns:
        A three-element tuple: the ``n x d`` feasible candidates (NaN rows
        where none was found), the raw ``n x d`` end points, and the ``n``
        pre-trained predictions at the feasible candidates (NaN where none).
    """
    every = max(1, options.steps // _N_SNAPSHOTS)
    snapshots: list[Tensor] = []

    def keep(t: int, X: Tensor, values: Tensor) -> None:
        if t > 0 and t % every == 0:
            snapshots.append(X.detach().clone())
        if callback is not None:
            callback(t, X, values)

    X, values = gen_candidates_roma(
        starts,
        model,
        lower_bounds=None if bounds is None else bounds[0],
        upper_bounds=None if bounds is None else bounds[1],
        options=options.to_dict(),
        callback=keep,
        fixed_features=fixed_features,
        timeout_sec=run.timeout_sec,
        progress=run.progress,
        equality_constraints=repair.equality_constraints,
    )
    out = repair_ascent(X, starts, snapshots, repair)
    moved = ~(out == X).all(-1)
    if moved.any():
        ok = moved & torch.isfinite(out).all(-1)
        with torch.no_grad():
            values = values.clone()
            values[ok] = model.posterior(out[ok]).mean.squeeze(-1)
            values[~torch.isfinite(out).all(-1)] = torch.nan
    return out, X, values
