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
from collections.abc import Callable, Sequence

import torch
from botorch.utils.sampling import manual_seed
from torch import Tensor

from botorch_roma.benchmarks.methods.utils import (
    Standardizer,
    build_mlp,
    continuous_view,
    pad_to,
    top_k_indices,
    train_mse_proxy,
)
from botorch_roma.datasets import OfflineTask
from botorch_roma.exceptions import RoMAInputError

__all__ = ["gradient_ascent", "proxy_ascent"]


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
    if optimizer not in ("sgd", "adam"):
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


def gradient_ascent(
    task: OfflineTask,
    n: int = 128,
    seed: int = 0,
    smoke: bool = False,
    hidden_sizes: Sequence[int] = (256, 256),
    activation: str = "leaky_relu",
    epochs: int = 100,
    lr: float = 1e-3,
    batch_size: int = 128,
    steps: int = 200,
    step_size: float = 0.01,
    optimizer: str = "sgd",
) -> Tensor:
    r"""Gradient ascent on an MSE-trained MLP proxy from the top-``n`` designs.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for the proxy's initialization and minibatches.
        smoke: Use a tiny budget (2 epochs, 5 steps, 32-unit layers).
        hidden_sizes: Widths of the proxy's hidden layers (design-baselines
            uses 2048; the smaller default keeps CPU runs short).
        activation: The proxy's activation.
        epochs: Proxy training epochs.
        lr: Proxy learning rate (Adam).
        batch_size: Proxy minibatch size.
        steps: Ascent steps.
        step_size: Ascent step size per unit of ``sqrt(p)`` (z-scored units).
        optimizer: ``"sgd"`` (design-baselines) or ``"adam"``.

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> gradient_ascent(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    if smoke:
        hidden_sizes, epochs, steps = (32, 32), min(epochs, 2), min(steps, 5)
    view = continuous_view(task, seed=seed, smoke=smoke)
    with manual_seed(seed):
        gen = torch.Generator().manual_seed(seed)
        x_tf, y_tf = Standardizer.fit(view.X), Standardizer.fit(view.Y)
        Xz, Yz = x_tf.transform(view.X), y_tf.transform(view.Y)
        model = build_mlp(
            Xz.shape[-1], hidden_sizes, activation, dtype=Xz.dtype, device=Xz.device
        )
        train_mse_proxy(model, Xz, Yz, epochs, lr, batch_size, generator=gen)
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        X0 = Xz[top_k_indices(view.Y, n)]
        bounds_z = None if view.bounds is None else x_tf.transform(view.bounds.to(Xz))
        scaled = step_size * (math.sqrt(Xz.shape[-1]) if optimizer == "sgd" else 1.0)
        Xz_final = proxy_ascent(model, X0, steps, scaled, bounds_z, optimizer)
    return pad_to(view.decode(x_tf.untransform(Xz_final)), n)
