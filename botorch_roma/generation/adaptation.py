r"""Model adaptation: RoMA's per-step weight perturbation (paper Eq. 2).

Before every ascent step, RoMA perturbs the pre-trained weights ``theta`` inside
the per-layer ball ``||delta_l||_F <= eps * ||theta_l||_F`` so that the proxy is
locally smooth at the candidates [Yu2021roma]_: it descends on

``||grad_x f(x; theta + delta)||_2 + alpha * (f(x; theta + delta) - target)^2``

with ``adapt_steps`` normalized steps of length
``(eps / adapt_steps) * ||theta_l||_F`` per weight tensor, so the ball holds by
construction. Three modes are offered:

- ``"per_candidate"``: one perturbation per candidate (Eq. 2 read literally),
  as a batch of weight tensors with a leading candidate dimension;
- ``"shared"``: one perturbation for the whole batch, descending on the batch
  mean, as in the authors' code;
- ``"none"``: no adaptation (the ablation).

The ``"analytic"`` backend uses the closed-form gradients of
:mod:`botorch_roma.models.mlp`; the ``"autograd"`` backend uses double
backpropagation through ``torch.autograd`` and serves as a reference.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from botorch_roma.models.mlp import adaptation_grads, mlp_forward
from botorch_roma.options import ADAPTATION_MODES, BACKENDS

__all__ = ["adapt_weights", "adaptation_objective"]

_NORM_EPS = 1e-30


def adaptation_objective(
    params: Sequence[Tensor], X: Tensor, target: Tensor, alpha: float
) -> Tensor:
    r"""The per-candidate adaptation objective, computed with autograd.

    Args:
        params: Shared or per-candidate MLP weights.
        X: An ``n x d`` tensor of candidates.
        target: An ``n`` tensor of consistency targets.
        alpha: The weight of the consistency term.

    Returns:
        An ``n`` tensor ``||grad_x f(x_i)||_2 + alpha * (f(x_i) - target_i)^2``,
        differentiable with respect to ``params``.
    """
    with torch.enable_grad():
        X = X.detach().requires_grad_(True)
        f = mlp_forward(params, X)[..., 0]
        (g,) = torch.autograd.grad(f.sum(), X, create_graph=True)
        return g.square().sum(-1).add(1e-12).sqrt() + alpha * (f - target).square()


def _step_sizes(theta: Sequence[Tensor], epsilon: float, steps: int) -> list[float]:
    return [epsilon / steps * p.norm().item() for p in theta]


def _per_row_scale(grad: Tensor, eta: float) -> Tensor:
    r"""``eta / ||grad_i||`` per leading row, shaped to broadcast over ``grad``."""
    sq = grad.reshape(grad.shape[0], -1).square().sum(-1)
    scale = eta / sq.clamp_min(_NORM_EPS).sqrt()
    return scale.reshape(-1, *([1] * (grad.dim() - 1)))


def _analytic_step(params: list[Tensor], X, target, alpha, etas, shared) -> None:
    grads = adaptation_grads(params, X, target, alpha, shared=shared)
    for p, g, eta in zip(params, grads.dense, etas):
        if eta == 0.0 or g is None:
            continue
        if shared:
            p.sub_(g, alpha=eta / g.norm().clamp_min(_NORM_EPS).item())
        else:
            p.sub_(_per_row_scale(g, eta) * g)
    if shared:
        return
    for layer, ((a1, a2), (b1, b2)) in enumerate(
        zip(grads.kernel_left, grads.kernel_right)
    ):
        eta = etas[2 * layer]
        if eta == 0.0:
            continue
        # ||a1 b1^T + a2 b2^T||_F^2 from inner products: no n x in x out tensor.
        sq = (
            a1.square().sum(-1) * b1.square().sum(-1)
            + a2.square().sum(-1) * b2.square().sum(-1)
            + 2.0 * (a1 * a2).sum(-1) * (b1 * b2).sum(-1)
        )
        scale = (eta / sq.clamp_min(_NORM_EPS).sqrt()).unsqueeze(-1)
        # Stacking along dim -2 and transposing is much cheaper than dim -1.
        left = torch.stack([a1 * scale, a2 * scale], dim=-2).transpose(-1, -2)
        right = torch.stack([b1, b2], dim=-2)  # n x 2 x out
        params[2 * layer].baddbmm_(left, right, alpha=-1.0)


def _autograd_step(params: list[Tensor], X, target, alpha, etas, shared) -> None:
    with torch.enable_grad():
        leaves = [p.detach().requires_grad_(True) for p in params]
        loss = adaptation_objective(leaves, X, target, alpha)
        loss = loss.mean() if shared else loss.sum()
        grads = torch.autograd.grad(loss, leaves)
    for p, g, eta in zip(params, grads, etas):
        if eta == 0.0:
            continue
        if shared:
            p.sub_(g, alpha=eta / g.norm().clamp_min(_NORM_EPS).item())
        else:
            p.sub_(_per_row_scale(g, eta) * g)


def adapt_weights(
    theta: Sequence[Tensor],
    X: Tensor,
    target: Tensor,
    epsilon: float,
    alpha: float = 1.0,
    steps: int = 100,
    mode: str = "per_candidate",
    backend: str = "analytic",
) -> list[Tensor]:
    r"""Adapt the weights inside the ball around ``theta`` at the candidates X.

    Args:
        theta: The pre-trained weights ``[W_1, b_1, ..., W_L, b_L]`` (not
            modified).
        X: An ``n x d`` tensor of candidates (in the model's input space).
        target: An ``n`` tensor of consistency targets ``f(x_i; theta_{t-1})``.
        epsilon: The relative radius of the per-tensor ball.
        alpha: The weight of the consistency term.
        steps: The number of normalized descent steps.
        mode: One of :data:`~botorch_roma.options.ADAPTATION_MODES`.
        backend: ``"analytic"`` (closed form, fast) or ``"autograd"``.

    Returns:
        The adapted weights: per-candidate (``n x in x out`` kernels) for
        ``"per_candidate"``, otherwise shared like ``theta``, keeping only the
        first output (the mean). For ``"none"`` (or ``epsilon == 0`` or
        ``steps == 0``) these are ``theta`` itself.

    Example:
        >>> theta = init_mlp_params(3, (8, 8))
        >>> X = torch.rand(4, 3, dtype=torch.double)
        >>> target = mlp_forward(theta, X)[..., 0]
        >>> adapted = adapt_weights(theta, X, target, epsilon=1e-2, steps=10)
        >>> adapted[0].shape
        torch.Size([4, 3, 8])
    """
    if mode not in ADAPTATION_MODES:
        raise ValueError(f"Unknown adaptation mode {mode!r}; use {ADAPTATION_MODES}.")
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend {backend!r}; use one of {BACKENDS}.")
    if mode == "none" or epsilon == 0.0 or steps == 0:
        return list(theta)
    shared = mode == "shared"
    n = X.shape[0]
    with torch.no_grad():
        # Step lengths come from the full tensors; only the first output (the
        # mean) enters the objective, so a second (log-std) output column has a
        # zero gradient and is dropped from the adapted copy.
        etas = _step_sizes(theta, epsilon, steps)
        theta = [*theta[:-2], theta[-2][..., :1], theta[-1][..., :1]]
        if shared:
            params = [p.detach().clone() for p in theta]
        else:
            params = [p.detach().expand(n, *p.shape).clone() for p in theta]
        step_fn = _analytic_step if backend == "analytic" else _autograd_step
        for _ in range(steps):
            step_fn(params, X, target, alpha, etas, shared)
    return params
