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
candidates are clamped to the bounds when bounds are given, and the first
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
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from botorch.exceptions.errors import UnsupportedError
from botorch.models.transforms.input import AffineInputTransform
from torch import Tensor
from tqdm.auto import tqdm

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.adaptation import ADAPTATION_MODES, adapt_weights
from botorch_roma.models.mlp import mlp_forward, mlp_value_and_input_grad
from botorch_roma.models.roma import RoMAModel, validate_training_data

__all__ = [
    "AscentOptions",
    "gen_candidates_roma",
    "optimize_roma",
    "select_starting_designs",
]


@dataclass(frozen=True)
class AscentOptions:
    r"""Options of RoMA's adapted ascent.

    Attributes:
        steps: Number ``T`` of ascent updates (paper: 300, authors' code: 500;
            100 measured best here, see README "Defaults, measured").
        adapt_steps: Normalized weight-adaptation steps before each update.
        alpha: Weight of the consistency term in the adaptation objective.
        lr: Adam learning rate on the candidates, in standardized input units.
        adaptation: ``"per_candidate"`` (each candidate gets its own
            perturbation, Eq. 2), ``"shared"`` (one perturbation for the batch,
            the authors' code) or ``"none"`` (ablation).
        trust_radius: ``r`` of the step-size decay, in standardized outcome
            units; ``None`` disables it (plain ascent on the adapted proxy).
        epsilon: Relative adaptation radius; ``None`` uses the model's
            pre-training ``epsilon``.
        backend: ``"analytic"`` (closed-form gradients, fast) or
            ``"autograd"`` (double backprop, reference).
    """

    steps: int = 100
    adapt_steps: int = 100
    alpha: float = 1.0
    lr: float = 3e-3
    adaptation: str = "per_candidate"
    trust_radius: float | None = 4.0
    epsilon: float | None = None
    backend: str = "analytic"

    def __post_init__(self) -> None:
        problems = []
        if self.steps < 0 or self.adapt_steps < 0:
            problems.append("steps and adapt_steps must be >= 0")
        if not (math.isfinite(self.alpha) and self.alpha >= 0):
            problems.append(f"alpha must be a finite number >= 0, got {self.alpha}")
        if not self.lr > 0:
            problems.append(f"lr must be > 0, got {self.lr}")
        if self.adaptation not in ADAPTATION_MODES:
            problems.append(
                f"adaptation must be one of {ADAPTATION_MODES}, got {self.adaptation!r}"
            )
        if self.trust_radius is not None and not self.trust_radius > 0:
            problems.append(
                f"trust_radius must be > 0 or None, got {self.trust_radius}"
            )
        if self.epsilon is not None and not self.epsilon >= 0:
            problems.append(f"epsilon must be >= 0 or None, got {self.epsilon}")
        if self.backend not in ("analytic", "autograd"):
            problems.append(
                f"backend must be 'analytic' or 'autograd', got {self.backend!r}"
            )
        if problems:
            raise RoMAInputError(
                "Invalid RoMA ascent option(s): " + "; ".join(problems) + "."
            )

    @classmethod
    def from_dict(cls, options: dict[str, Any] | None) -> AscentOptions:
        r"""Build options from a dict, rejecting unknown names."""
        options = dict(options or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise RoMAInputError(
                f"Unknown RoMA ascent option(s) {unknown}; valid options are "
                f"{sorted(known)}."
            )
        return cls(**options)

    def to_dict(self) -> dict[str, Any]:
        r"""The options as a plain dict."""
        return asdict(self)


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
            "lower bound strictly smaller than its upper bound."
        )
    return bounds


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
) -> tuple[Tensor, Tensor]:
    r"""Run RoMA's adapted gradient ascent from given starting designs.

    Shaped like BoTorch's ``gen_candidates_torch``, with the acquisition
    function replaced by the RoMA model itself.

    Args:
        initial_conditions: An ``n x d`` (or ``n x 1 x d``) tensor of starting
            designs in the original design space.
        model: A fitted :class:`~botorch_roma.models.roma.RoMAModel`.
        lower_bounds: Lower bounds (a scalar or a ``d`` tensor), or ``None``.
        upper_bounds: Upper bounds (a scalar or a ``d`` tensor), or ``None``.
        options: Ascent options, see :class:`AscentOptions`.
        callback: Called before every update as ``callback(t, X, values)`` with
            the ``n x d`` candidates in the original space and the ``n``
            adapted proxy's predictions there, in the original outcome units.
        fixed_features: ``{column: value}`` pairs held fixed (in the original
            design space).
        timeout_sec: Stop the ascent after this many seconds.
        progress: Show a progress bar over the updates.

    Returns:
        A two-element tuple of the final candidates (same shape as
        ``initial_conditions``) and their ``n`` predicted values under the
        pre-trained model, in the original outcome units.

    Example:
        >>> X0 = model.train_X[model.train_Y.squeeze(-1).argsort()[-8:]]
        >>> X, values = gen_candidates_roma(X0, model, options={"steps": 50})
    """
    opts = AscentOptions.from_dict(options)
    if not getattr(model, "is_fitted", False):
        raise RoMAInputError("The model is not fitted; call `model.fit()` first.")
    shape = initial_conditions.shape
    d = model.train_X.shape[-1]
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
    X0 = X0.detach().to(model.train_X)
    to_model, from_model = _input_maps(model)
    outcome_tf = model.outcome_transform

    def to_outcome(f: Tensor) -> Tensor:
        return outcome_tf.untransform(f.unsqueeze(-1))[0].squeeze(-1)

    with torch.no_grad():
        Z = to_model(X0).clone()
        lo = hi = None
        if lower_bounds is not None or upper_bounds is not None:
            lb = (
                torch.full((d,), -math.inf).to(X0)
                if lower_bounds is None
                else (torch.as_tensor(lower_bounds).to(X0).expand(d))
            )
            ub = (
                torch.full((d,), math.inf).to(X0)
                if upper_bounds is None
                else (torch.as_tensor(upper_bounds).to(X0).expand(d))
            )
            if (lb >= ub).any():
                raise RoMAInputError("lower_bounds must be smaller than upper_bounds.")
            # Affine maps with positive scale keep the box a box.
            lo = torch.where(
                torch.isfinite(lb), to_model(lb.unsqueeze(0))[0], -math.inf
            )
            hi = torch.where(torch.isfinite(ub), to_model(ub.unsqueeze(0))[0], math.inf)
            Z = Z.clamp(lo, hi)
        fixed_cols = fixed_vals = None
        if fixed_features:
            fixed_cols = torch.tensor(sorted(fixed_features), device=X0.device)
            row = X0[:1].clone()
            row[0, fixed_cols] = torch.tensor(
                [fixed_features[k] for k in sorted(fixed_features)]
            ).to(X0)
            fixed_vals = to_model(row)[0, fixed_cols]
            Z[:, fixed_cols] = fixed_vals
        theta = model.pretrained_weights()
        f0 = mlp_forward(theta, Z)[..., 0]
        target = f0.clone()
    epsilon = model.epsilon if opts.epsilon is None else opts.epsilon
    Z = Z.requires_grad_(True)
    optimizer = torch.optim.Adam([Z], lr=opts.lr)
    start = time.monotonic()
    for t in tqdm(range(opts.steps), desc="RoMA ascent", disable=not progress):
        if timeout_sec is not None and time.monotonic() - start > timeout_sec:
            break
        with torch.no_grad():
            Zd = Z.detach()
            adapted = adapt_weights(
                theta,
                Zd,
                target,
                epsilon=epsilon,
                alpha=opts.alpha,
                steps=opts.adapt_steps,
                mode=opts.adaptation,
                backend=opts.backend,
                factored=True,
            )
            f, g = mlp_value_and_input_grad(adapted, Zd)
            if callback is not None:
                callback(t, from_model(Zd), to_outcome(f))
            decay = 1.0
            if opts.trust_radius is not None:
                decay = 1.0 - (f - f0) / opts.trust_radius
                decay = decay.unsqueeze(-1)
            grad = -g * decay
            if fixed_cols is not None:
                grad[:, fixed_cols] = 0.0
        Z.grad = grad
        optimizer.step()
        with torch.no_grad():
            if lo is not None:
                Z.copy_(Z.clamp(lo, hi))
            if fixed_cols is not None:
                Z[:, fixed_cols] = fixed_vals
            target = mlp_forward(adapted, Z.detach())[..., 0]
    with torch.no_grad():
        Z = Z.detach()
        X = from_model(Z)
        if lo is not None:
            # Undo round-off of the affine round trip at the bounds.
            X = X.clamp(lb, ub)
        if fixed_cols is not None:
            X[:, fixed_cols] = row[0, fixed_cols]
        values = to_outcome(mlp_forward(theta, Z)[..., 0])
    if not torch.isfinite(X).all():
        raise RoMAInputError(
            "The ascent produced non-finite candidates; lower the ascent lr or "
            "check the model's training history."
        )
    return X.reshape(shape), values


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
    if n < 1:
        raise RoMAInputError(f"n must be a positive number of candidates, got {n}.")
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
    seed: int | None = None,
    callback: Callable[[int, Tensor, Tensor], None] | None = None,
    progress: bool = False,
    duplicate_starts: str = "error",
    fixed_features: dict[int, float] | None = None,
    timeout_sec: float | None = None,
    **options: Any,
) -> tuple[Tensor, Tensor]:
    r"""Generate ``n`` RoMA candidates from the top-``n`` distinct designs.

    Args:
        model: A fitted :class:`~botorch_roma.models.roma.RoMAModel`.
        bounds: Optional ``2 x d`` box; candidates are clamped to it.
        n: The number of candidates.
        train_X: ``N x d`` designs to start from (default: the model's data).
        train_Y: ``N x 1`` their scores (default: the model's data).
        seed: Seed for the jittered starts (the ascent itself is deterministic).
        callback: See :func:`gen_candidates_roma`.
        progress: Show a progress bar.
        duplicate_starts: ``"error"`` or ``"jitter"``, see
            :func:`select_starting_designs`.
        fixed_features: ``{column: value}`` pairs held fixed.
        timeout_sec: Stop the ascent after this many seconds.
        **options: Ascent options, see :class:`AscentOptions`: ``steps=100``,
            ``adapt_steps=100``, ``alpha=1.0``, ``lr=3e-3``,
            ``adaptation="per_candidate"``, ``trust_radius=4.0``,
            ``epsilon=None``, ``backend="analytic"``.

    Returns:
        A two-element tuple of the ``n x d`` candidates and their ``n``
        predicted values (original outcome units). Candidates start distinct;
        with a large ``lr`` two of them can end on the same corner of the
        bounds (the Ax integration replaces such duplicates).

    Example:
        >>> model = RoMAModel(train_X, train_Y).fit(seed=0)
        >>> X, values = optimize_roma(model, bounds=bounds, n=128, seed=0)
    """
    if not isinstance(model, RoMAModel):
        raise RoMAInputError(
            f"optimize_roma needs a RoMAModel, got {type(model).__name__}."
        )
    if (train_X is None) != (train_Y is None):
        raise RoMAInputError("Pass both train_X and train_Y, or neither.")
    if train_X is None:
        train_X, train_Y = model.train_X, model.train_Y
    else:
        train_X, train_Y = validate_training_data(train_X, train_Y)
        if train_X.shape[-1] != model.train_X.shape[-1]:
            raise RoMAInputError(
                f"train_X has d={train_X.shape[-1]} but the model was fitted with "
                f"d={model.train_X.shape[-1]}."
            )
    d = train_X.shape[-1]
    if bounds is not None:
        bounds = _check_bounds(torch.as_tensor(bounds).to(train_X), d)
    if duplicate_starts not in ("error", "jitter"):
        raise RoMAInputError(
            f"duplicate_starts must be 'error' or 'jitter', got {duplicate_starts!r}."
        )
    AscentOptions.from_dict(options)  # fail fast on bad options
    generator = None
    if seed is not None:
        generator = torch.Generator(device=train_X.device).manual_seed(int(seed))
    X0 = select_starting_designs(
        train_X, train_Y, n, duplicate_starts, bounds=bounds, generator=generator
    )
    return gen_candidates_roma(
        X0,
        model,
        lower_bounds=None if bounds is None else bounds[0],
        upper_bounds=None if bounds is None else bounds[1],
        options=options,
        callback=callback,
        fixed_features=fixed_features,
        timeout_sec=timeout_sec,
        progress=progress,
    )
