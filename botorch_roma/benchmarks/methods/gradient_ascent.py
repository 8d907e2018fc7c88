r"""Gradient ascent on a learned proxy, in the design-baselines style.

The simplest model-based offline optimizer [Trabucco2022designbench]_: fit an
MLP to the (z-scored) dataset with the squared error, then move the dataset's
top designs uphill on the proxy for a fixed number of steps. Following
design-baselines, each step is ``x += step_size * sqrt(p) * grad_x f(x)`` in
z-scored input units (``p`` the input dimension); ``optimizer="adam"`` uses Adam
with the same learning rate instead. Unlike design-baselines, every step is
projected back into the task's box, so all candidates are valid. Discrete tasks
are optimized in Design-Bench's logit relaxation and decoded by argmax.

References:

.. [Trabucco2022designbench]
    B. Trabucco, X. Geng, A. Kumar, S. Levine. Design-Bench: Benchmarks for
    Data-Driven Offline Model-Based Optimization. ICML 2022.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from botorch.utils.sampling import manual_seed
from torch import Tensor, nn

from botorch_roma.benchmarks.methods.options import ProxyOptions
from botorch_roma.benchmarks.methods.utils import (
    StandardizedView,
    continuous_view,
    freeze,
    pad_to,
    proxy_mlp,
    standardize,
    top_k_indices,
    train_mse_proxy,
)
from botorch_roma.datasets import OfflineTask
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.options import option

__all__ = [
    "GradientAscentOptions",
    "ascend_top_designs",
    "fit_proxies",
    "fit_proxy",
    "gradient_ascent",
    "proxy_ascent",
]

#: The ascent's optimizers.
OPTIMIZERS = ("sgd", "adam")


@dataclass(frozen=True)
class GradientAscentOptions(ProxyOptions):
    r"""Options of :func:`gradient_ascent`: the proxy's, then the ascent's."""

    _what: ClassVar[str] = "grad-ascent option(s)"

    steps: int = option(200, "Ascent steps.", low=0)
    step_size: float = option(
        0.01, "Ascent step size per unit of sqrt(p), in z-scored units.", low=0.0
    )
    optimizer: str = option(
        "sgd", "'sgd' (design-baselines) or 'adam'.", choices=OPTIMIZERS
    )

    SMOKE: ClassVar[dict[str, Any]] = {**ProxyOptions.SMOKE, "steps": 5}

    def ascent_lr(self, dim: int) -> float:
        r"""The ascent's learning rate for ``dim`` z-scored inputs.

        ``step_size * sqrt(dim)`` for ``sgd`` (design-baselines' scaling),
        ``step_size`` for ``adam``.
        """
        return self.step_size * (math.sqrt(dim) if self.optimizer == "sgd" else 1.0)


def proxy_ascent(
    model: Callable[[Tensor], Tensor],
    X0: Tensor,
    steps: int,
    lr: float,
    bounds: Tensor | None = None,
    optimizer: str = "sgd",
) -> Tensor:
    r"""Ascend a differentiable proxy from starting points, projecting onto a box.

    Args:
        model: Maps ``n x p`` inputs to ``n x 1`` (or ``n``) predictions.
        X0: ``n x p`` starting points.
        steps: The number of ascent steps.
        lr: The step size (``sgd``: multiplies the raw gradient; ``adam``: Adam's
            learning rate).
        bounds: Optional ``2 x p`` box to project onto after every step.
        optimizer: ``"sgd"`` (plain gradient steps) or ``"adam"``.

    Returns:
        The ``n x p`` final iterates (detached).
    """
    if optimizer not in OPTIMIZERS:
        raise RoMAInputError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}.")
    X = X0.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([X], lr=lr) if optimizer == "adam" else None
    for _ in range(steps):
        value = model(X).sum()
        (grad,) = torch.autograd.grad(value, X)
        with torch.no_grad():
            if opt is None:
                X += lr * grad
            else:
                X.grad = -grad
                opt.step()
            if bounds is not None:
                X.copy_(torch.minimum(torch.maximum(X, bounds[0]), bounds[1]))
    return X.detach()


def fit_proxies(
    task: OfflineTask,
    seed: int,
    smoke: bool,
    options: ProxyOptions,
    train: Callable[..., Any] = train_mse_proxy,
    num_models: int = 1,
) -> tuple[StandardizedView, list[nn.Module]]:
    r"""Train MLP proxies on a task's z-scored continuous view.

    The proxies are trained one after the other from one random stream seeded
    by ``seed`` (global torch seed for the initialization, a generator for the
    minibatches), so they differ in their initialization and minibatch order,
    and the first one is the proxy of :func:`fit_proxy`.

    Args:
        task: The offline task (continuous, or discrete via logits).
        seed: Seed for the proxies' initialization and minibatches.
        smoke: Passed to learned relaxations.
        options: The proxies' options (and the trainer's).
        train: ``train(model, X, Y, options, generator=...)``, e.g.
            :func:`~.utils.train_mse_proxy` or
            :func:`~botorch_roma.benchmarks.methods.coms.train_coms_proxy`.
        num_models: The number of proxies.

    Returns:
        The standardized view and the ``num_models`` trained proxies.
    """
    view = continuous_view(task, seed=seed, smoke=smoke)
    with manual_seed(seed):
        gen = torch.Generator().manual_seed(seed)
        data = standardize(view)
        models = []
        for _ in range(num_models):
            model = proxy_mlp(options, data.X)
            train(model, data.X, data.Y, options, generator=gen)
            models.append(model)
    return data, models


def fit_proxy(
    task: OfflineTask,
    seed: int,
    smoke: bool,
    options: ProxyOptions,
    train: Callable[..., Any] = train_mse_proxy,
) -> tuple[StandardizedView, nn.Module]:
    r"""Train one MLP proxy on a task's z-scored continuous view.

    Args:
        task: The offline task (continuous, or discrete via logits).
        seed: Seed for the proxy's initialization and minibatches.
        smoke: Passed to learned relaxations.
        options: The proxy's options (and the trainer's).
        train: The trainer (see :func:`fit_proxies`).

    Returns:
        The standardized view and the trained proxy.
    """
    data, (model,) = fit_proxies(task, seed, smoke, options, train)
    return data, model


def ascend_top_designs(
    model: nn.Module,
    data: StandardizedView,
    n: int,
    steps: int,
    lr: float,
    optimizer: str = "sgd",
) -> Tensor:
    r"""Ascend a trained proxy from the ``n`` best designs of the data.

    Args:
        model: The trained proxy on z-scored inputs (frozen here).
        data: The standardized view the proxy was trained on.
        n: The number of candidates.
        steps: Ascent steps.
        lr: The step size (see :func:`proxy_ascent`).
        optimizer: ``"sgd"`` or ``"adam"``.

    Returns:
        ``n x d`` candidates in the task's design space (the ascended designs,
        repeated cyclically if the data has fewer than ``n`` rows).
    """
    freeze(model)
    X0 = data.X[top_k_indices(data.view.Y, n)]
    Z = proxy_ascent(model, X0, steps, lr, data.bounds, optimizer)
    return pad_to(data.decode(Z), n)


def gradient_ascent(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Gradient ascent on an MSE-trained MLP proxy from the top-``n`` designs.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for the proxy's initialization and minibatches.
        smoke: Use a tiny budget (:attr:`GradientAscentOptions.SMOKE`; given
            options still win).
        **options: :class:`GradientAscentOptions` (``hidden_sizes``,
            ``activation``, ``epochs``, ``lr``, ``batch_size``, ``steps``,
            ``step_size``, ``optimizer``).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> gradient_ascent(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    opts = GradientAscentOptions.for_run(options, smoke)
    data, model = fit_proxy(task, seed, smoke, opts)
    lr = opts.ascent_lr(data.X.shape[-1])
    return ascend_top_designs(model, data, n, opts.steps, lr, opts.optimizer)
