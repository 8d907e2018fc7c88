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
from collections.abc import Sequence

import torch
from botorch.utils.sampling import manual_seed
from torch import Tensor, nn

from botorch_roma.benchmarks.methods.gradient_ascent import proxy_ascent
from botorch_roma.benchmarks.methods.utils import (
    Standardizer,
    build_mlp,
    continuous_view,
    pad_to,
    top_k_indices,
)
from botorch_roma.datasets import OfflineTask

__all__ = ["coms", "train_coms_proxy"]


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
    epochs: int = 50,
    lr: float = 3e-4,
    batch_size: int = 128,
    alpha: float = 1.0,
    alpha_lr: float = 0.01,
    overestimation_limit: float = 0.5,
    particle_lr: float = 0.05,
    particle_steps: int = 50,
    noise_std: float = 0.0,
    generator: torch.Generator | None = None,
) -> dict[str, list[float]]:
    r"""Train a proxy with the COMs objective.

    Args:
        model: Maps ``batch x p`` to ``batch x 1``.
        X: ``n x p`` standardized inputs.
        Y: ``n x 1`` standardized scores.
        epochs: Passes over the data.
        lr: Adam's learning rate for the proxy.
        batch_size: Minibatch size.
        alpha: The initial Lagrange multiplier.
        alpha_lr: Adam's learning rate for ``log(alpha)``.
        overestimation_limit: The target overestimation of the negatives.
        particle_lr: The (already dimension-scaled) ascent step for negatives.
        particle_steps: Ascent steps per negative.
        noise_std: Gaussian input noise added to every minibatch.
        generator: Random generator for shuffling and noise.

    Returns:
        Per-epoch means of ``mse``, ``overestimation`` and ``alpha``.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    log_alpha = torch.tensor(math.log(alpha), dtype=X.dtype, device=X.device)
    log_alpha.requires_grad_(True)
    alpha_opt = torch.optim.Adam([log_alpha], lr=alpha_lr)
    n = X.shape[0]
    history: dict[str, list[float]] = {"mse": [], "overestimation": [], "alpha": []}
    for _ in range(epochs):
        perm = torch.randperm(n, generator=generator).to(X.device)
        sums = {key: 0.0 for key in history}
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            xb, yb = X[idx], Y[idx]
            if noise_std > 0:
                noise = torch.randn(xb.shape, generator=generator, dtype=xb.dtype)
                xb = xb + noise_std * noise.to(xb.device)
            x_neg = _adversarial_negatives(model, xb, particle_steps, particle_lr)
            d_pos = model(xb)
            d_neg = model(x_neg)
            mse = (d_pos - yb).square().mean()
            overestimation = (d_neg - d_pos).mean()
            alpha_now = log_alpha.exp()
            model_loss = mse + alpha_now.detach() * overestimation
            optimizer.zero_grad()
            model_loss.backward()
            optimizer.step()
            alpha_loss = alpha_now * (overestimation_limit - overestimation.detach())
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
    task: OfflineTask,
    n: int = 128,
    seed: int = 0,
    smoke: bool = False,
    hidden_sizes: Sequence[int] = (256, 256),
    activation: str = "relu",
    epochs: int = 50,
    lr: float = 3e-4,
    batch_size: int = 128,
    alpha: float = 1.0,
    alpha_lr: float = 0.01,
    overestimation_limit: float = 0.5,
    particle_lr: float = 0.05,
    particle_train_steps: int = 50,
    particle_eval_steps: int = 50,
    noise_std: float = 0.0,
) -> Tensor:
    r"""Conservative Objective Models [Trabucco2021coms]_ from the top-``n`` designs.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for initialization, minibatches and noise.
        smoke: Use a tiny budget (2 epochs, 3 + 3 ascent steps, 32-unit layers).
        hidden_sizes: Widths of the proxy's hidden layers.
        activation: The proxy's activation.
        epochs: Proxy training epochs.
        lr: Proxy learning rate (Adam).
        batch_size: Minibatch size.
        alpha: The initial Lagrange multiplier of the conservative penalty.
        alpha_lr: The multiplier's learning rate.
        overestimation_limit: The multiplier's target overestimation.
        particle_lr: Ascent step per unit of ``sqrt(p)`` (z-scored units).
        particle_train_steps: Ascent steps for the negatives during training.
        particle_eval_steps: Ascent steps for the final solutions.
        noise_std: Gaussian input noise during training.

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> coms(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    if smoke:
        hidden_sizes, epochs = (32, 32), min(epochs, 2)
        particle_train_steps = min(particle_train_steps, 3)
        particle_eval_steps = min(particle_eval_steps, 3)
    view = continuous_view(task, seed=seed, smoke=smoke)
    with manual_seed(seed):
        gen = torch.Generator().manual_seed(seed)
        x_tf, y_tf = Standardizer.fit(view.X), Standardizer.fit(view.Y)
        Xz, Yz = x_tf.transform(view.X), y_tf.transform(view.Y)
        model = build_mlp(
            Xz.shape[-1], hidden_sizes, activation, dtype=Xz.dtype, device=Xz.device
        )
        step = particle_lr * math.sqrt(Xz.shape[-1])
        train_coms_proxy(
            model,
            Xz,
            Yz,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            alpha=alpha,
            alpha_lr=alpha_lr,
            overestimation_limit=overestimation_limit,
            particle_lr=step,
            particle_steps=particle_train_steps,
            noise_std=noise_std,
            generator=gen,
        )
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        X0 = Xz[top_k_indices(view.Y, n)]
        bounds_z = None if view.bounds is None else x_tf.transform(view.bounds.to(Xz))
        Xz_final = proxy_ascent(model, X0, particle_eval_steps, step, bounds_z)
    return pad_to(view.decode(x_tf.untransform(Xz_final)), n)
