r"""Conservative Objective Models (COMs).

COMs [Trabucco2021coms]_ train the proxy with the squared error plus a
conservative penalty: the proxy's prediction at *adversarial negatives*,
designs found by a few steps of gradient ascent on the proxy itself starting
from the minibatch, is pushed down relative to its prediction on the data,
``mse + alpha * (f(x_neg) - f(x))``. The multiplier ``alpha`` is tuned by dual
descent so that the overestimation ``f(x_neg) - f(x)`` stays near a target
``overestimation_limit``. Solutions are then found by the same gradient ascent
from the dataset's top designs.

This follows the released ``coms_cleaned`` implementation of design-baselines
(ascent step ``particle_lr * sqrt(p)`` in z-scored units, 50 steps for the
negatives and for the solutions, Adam 3e-4, ``alpha`` learning rate 0.01,
overestimation limit 0.5), with two changes: hidden layers of 256 instead of
2048 units by default, to keep CPU runs short, and the solution ascent is
projected onto the task's box.

References:

.. [Trabucco2021coms]
    B. Trabucco, A. Kumar, X. Geng, S. Levine. Conservative Objective Models
    for Effective Offline Model-Based Optimization. ICML 2021.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from botorch_roma.benchmarks.methods.gradient_ascent import (
    ascend_top_designs,
    fit_proxy,
)
from botorch_roma.benchmarks.methods.options import ACTIVATIONS, ProxyOptions
from botorch_roma.benchmarks.methods.utils import minibatches
from botorch_roma.datasets import OfflineTask
from botorch_roma.options import option

__all__ = ["COMsOptions", "coms", "train_coms_proxy"]


@dataclass(frozen=True)
class COMsOptions(ProxyOptions):
    r"""Options of :func:`coms`: the proxy's (with COMs' own defaults), the
    conservative penalty's and the ascents'."""

    _what: ClassVar[str] = "COMs option(s)"

    activation: str = option("relu", "The proxy's activation.", choices=ACTIVATIONS)
    epochs: int = option(50, "Proxy training epochs.", low=0)
    lr: float = option(3e-4, "Proxy learning rate (Adam).", low=0.0, strict=True)
    alpha: float = option(
        1.0, "The initial Lagrange multiplier of the conservative penalty.",
        low=0.0, strict=True,
    )  # fmt: skip
    alpha_lr: float = option(
        0.01, "Adam learning rate of log(alpha).", low=0.0, strict=True
    )
    overestimation_limit: float = option(
        0.5, "The multiplier's target overestimation of the negatives."
    )
    particle_lr: float = option(
        0.05, "Ascent step per unit of sqrt(p), in z-scored units.", low=0.0
    )
    particle_train_steps: int = option(
        50, "Ascent steps for the adversarial negatives during training.", low=0
    )
    particle_eval_steps: int = option(
        50, "Ascent steps for the final solutions.", low=0
    )
    noise_std: float = option(
        0.0, "Gaussian input noise added to every training minibatch.", low=0.0
    )

    SMOKE: ClassVar[dict[str, Any]] = {
        **ProxyOptions.SMOKE,
        "particle_train_steps": 3,
        "particle_eval_steps": 3,
    }


def _adversarial_negatives(
    model: nn.Module, X: Tensor, steps: int, lr: float
) -> Tensor:
    r"""Gradient ascent on the proxy from ``X``, without tracking weight grads."""
    X_neg = X.detach()
    for _ in range(steps):
        X_neg = X_neg.requires_grad_(True)
        (grad,) = torch.autograd.grad(model(X_neg).sum(), X_neg)
        X_neg = (X_neg + lr * grad).detach()
    return X_neg


def train_coms_proxy(
    model: nn.Module,
    X: Tensor,
    Y: Tensor,
    options: COMsOptions | dict[str, Any] | None = None,
    generator: torch.Generator | None = None,
) -> dict[str, list[float]]:
    r"""Train a proxy with the COMs objective.

    Args:
        model: Maps ``batch x p`` to ``batch x 1``.
        X: ``n x p`` standardized inputs.
        Y: ``n x 1`` standardized scores.
        options: :class:`COMsOptions` (training uses ``epochs``, ``lr``,
            ``batch_size``, ``alpha``, ``alpha_lr``, ``overestimation_limit``,
            ``particle_lr`` (scaled by ``sqrt(p)`` here),
            ``particle_train_steps`` and ``noise_std``).
        generator: Random generator for shuffling and noise.

    Returns:
        Per-epoch means of ``mse``, ``overestimation`` and ``alpha``.
    """
    options = COMsOptions.from_dict(options)
    step = options.particle_lr * math.sqrt(X.shape[-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr)
    log_alpha = torch.tensor(math.log(options.alpha), dtype=X.dtype, device=X.device)
    log_alpha.requires_grad_(True)
    alpha_opt = torch.optim.Adam([log_alpha], lr=options.alpha_lr)
    n = X.shape[0]
    history: dict[str, list[float]] = {"mse": [], "overestimation": [], "alpha": []}
    for _ in range(options.epochs):
        sums = {key: 0.0 for key in history}
        batches = minibatches(X, Y, options.batch_size, options.noise_std, generator)
        for idx, xb, yb in batches:
            x_neg = _adversarial_negatives(
                model, xb, options.particle_train_steps, step
            )
            d_pos = model(xb)
            d_neg = model(x_neg)
            mse = (d_pos - yb).square().mean()
            overestimation = (d_neg - d_pos).mean()
            alpha_now = log_alpha.exp()
            model_loss = mse + alpha_now.detach() * overestimation
            optimizer.zero_grad()
            model_loss.backward()
            optimizer.step()
            limit = options.overestimation_limit
            alpha_loss = alpha_now * (limit - overestimation.detach())
            alpha_opt.zero_grad()
            alpha_loss.backward()
            alpha_opt.step()
            weight = idx.shape[0] / n
            sums["mse"] += mse.item() * weight
            sums["overestimation"] += overestimation.item() * weight
            sums["alpha"] += alpha_now.item() * weight
        for key, value in sums.items():
            history[key].append(value)
    return history


def coms(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Conservative Objective Models [Trabucco2021coms]_ from the top-``n`` designs.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for initialization, minibatches and noise.
        smoke: Use a tiny budget (:attr:`COMsOptions.SMOKE`: 2 epochs, 3 + 3
            ascent steps, 32-unit layers; given options still win).
        **options: :class:`COMsOptions` (``hidden_sizes``, ``activation``,
            ``epochs``, ``lr``, ``batch_size``, ``alpha``, ``alpha_lr``,
            ``overestimation_limit``, ``particle_lr``, ``particle_train_steps``,
            ``particle_eval_steps``, ``noise_std``).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> coms(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    opts = COMsOptions.for_run(options, smoke)
    data, model = fit_proxy(task, seed, smoke, opts, train_coms_proxy)
    step = opts.particle_lr * math.sqrt(data.X.shape[-1])
    return ascend_top_designs(model, data, n, opts.particle_eval_steps, step)
