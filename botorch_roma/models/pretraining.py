r"""Robust pre-training of the RoMA proxy (paper Eq. 1, Algorithm 1 lines 1-5).

For every minibatch, Gaussian noise of scale ``sigma`` is added to the
(normalized) inputs. Starting from ``delta = 0``, ``inner_steps`` normalized
ascent steps on the loss move each weight tensor by exactly
``(epsilon / inner_steps) * ||theta_l||_F`` along its normalized gradient, so the
worst-case perturbation stays in the ball ``||delta_l||_F <= epsilon *
||theta_l||_F`` by construction. The gradient is then taken at
``theta + delta``, clipped per tensor, and applied to ``theta`` with Adam: the
"perturb, gradient, restore, step" pattern of adversarial weight perturbation
[Wu2020awp]_ used by RoMA [Yu2021roma]_.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.

.. [Wu2020awp]
    D. Wu, S.-T. Xia, Y. Wang. Adversarial Weight Perturbation Helps Robust
    Generalization. NeurIPS 2020.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor
from tqdm.auto import tqdm

from botorch_roma.exceptions import RoMATrainingError
from botorch_roma.models.mlp import mlp_forward
from botorch_roma.options import PretrainingOptions

__all__ = [
    "gaussian_nll",
    "robust_pretrain",
    "worst_case_perturbation",
]


def _soft_clamp_logstd(raw: Tensor, bounds: Tensor) -> Tensor:
    r"""Softly clamp a log-std between ``bounds[0]`` (min) and ``bounds[1]``."""
    lo, hi = bounds[0], bounds[1]
    out = hi - torch.nn.functional.softplus(hi - raw)
    return lo + torch.nn.functional.softplus(out - lo)


def gaussian_nll(output: Tensor, y: Tensor, logstd_bounds: Tensor) -> Tensor:
    r"""Mean Gaussian negative log-likelihood (without the constant).

    Args:
        output: ``n x 2`` network outputs (mean, raw log-std).
        y: ``n`` targets.
        logstd_bounds: ``2`` tensor of soft (min, max) log-std bounds.

    Returns:
        A scalar tensor.
    """
    logstd = _soft_clamp_logstd(output[..., 1], logstd_bounds)
    z = (y - output[..., 0]) * torch.exp(-logstd)
    return (0.5 * z.square() + logstd).mean()


def _loss(
    params: Sequence[Tensor], X: Tensor, y: Tensor, logstd_bounds: Tensor | None
) -> Tensor:
    out = mlp_forward(params, X)
    if logstd_bounds is None:
        return (out[..., 0] - y).square().mean()
    return gaussian_nll(out, y, logstd_bounds)


def worst_case_perturbation(
    params: Sequence[Tensor],
    X: Tensor,
    y: Tensor,
    epsilon: float,
    steps: int,
    logstd_bounds: Tensor | None = None,
    apply: bool = False,
) -> list[Tensor]:
    r"""Find the worst-case weight perturbation inside the per-tensor ball.

    Takes ``steps`` normalized ascent steps on the loss, each moving tensor
    ``l`` by exactly ``(epsilon / steps) * ||theta_l||_F``, so the result
    satisfies ``||delta_l||_F <= epsilon * ||theta_l||_F``.

    Args:
        params: Leaf weight tensors ``theta``.
        X: ``b x d`` (noisy) inputs.
        y: ``b`` targets.
        epsilon: Relative radius of the ball.
        steps: Number of ascent steps ``K``.
        logstd_bounds: Soft log-std bounds for the NLL loss, else ``None``.
        apply: If True, leave ``params`` at ``theta + delta`` (the caller must
            subtract ``delta`` again); otherwise restore ``theta``.

    Returns:
        The perturbations ``delta_l``, one per tensor.
    """
    with torch.no_grad():
        etas = [epsilon / steps * p.norm() for p in params]
        deltas = [torch.zeros_like(p) for p in params]
    for _ in range(steps):
        loss = _loss(params, X, y, logstd_bounds)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, d, g, eta in zip(params, deltas, grads, etas):
                step = g * (eta / g.norm().clamp_min(1e-12))
                d.add_(step)
                p.add_(step)
    if not apply:
        with torch.no_grad():
            for p, d in zip(params, deltas):
                p.sub_(d)
    return deltas


def _diverged(epsilon: float, lr: float, where: str) -> RoMATrainingError:
    return RoMATrainingError(
        f"Robust pre-training diverged ({where}). Lower epsilon (now {epsilon}; "
        f"the paper picks the largest value for which pre-training is stable) "
        f"or the learning rate lr (now {lr})."
    )


def robust_pretrain(
    params: Sequence[Tensor],
    train_X: Tensor,
    train_y: Tensor,
    options: PretrainingOptions,
    logstd_bounds: Tensor | None = None,
    val_X: Tensor | None = None,
    val_y: Tensor | None = None,
    generator: torch.Generator | None = None,
    progress: bool = False,
    callback: Callable[[dict], None] | None = None,
) -> list[dict]:
    r"""Train MLP weights in place with RoMA's robust objective (Eq. 1).

    Args:
        params: Leaf tensors ``[W_1, b_1, ..., W_L, b_L]`` (updated in place).
        train_X: ``n x d`` standardized training inputs.
        train_y: ``n`` standardized training targets.
        options: The pre-training options.
        logstd_bounds: For ``loss="nll"``, the ``2`` trainable soft log-std
            bounds (trained, never perturbed); ``None`` for ``loss="mse"``.
        val_X: Optional ``m x d`` validation inputs (noise-free evaluation).
        val_y: Optional ``m`` validation targets.
        generator: Optional random generator for shuffling and noise.
        progress: Show a tqdm progress bar over epochs.
        callback: Called after every epoch with that epoch's history record.

    Returns:
        The training history: one dict per epoch with ``epoch``,
        ``train_loss`` and, with validation data, ``val_loss`` and ``val_mse``.
    """
    params = list(params)
    trainable = params + ([logstd_bounds] if logstd_bounds is not None else [])
    optimizer = torch.optim.Adam(trainable, lr=options.lr)
    n = train_X.shape[0]
    eps, K = options.epsilon, options.inner_steps
    perturb = eps > 0 and K > 0
    history = []
    epochs = tqdm(
        range(options.num_epochs(train_X.shape[0])),
        desc="RoMA pre-training",
        disable=not progress,
    )
    for epoch in epochs:
        perm = torch.randperm(n, generator=generator, device=train_X.device)
        total, count = 0.0, 0
        for start in range(0, n, options.batch_size):
            idx = perm[start : start + options.batch_size]
            noise = torch.randn(
                len(idx),
                train_X.shape[-1],
                generator=generator,
                device=train_X.device,
                dtype=train_X.dtype,
            )
            xb = train_X[idx] + options.sigma * noise
            yb = train_y[idx]
            deltas = None
            if perturb:
                deltas = worst_case_perturbation(
                    params, xb, yb, eps, K, logstd_bounds, apply=True
                )
            optimizer.zero_grad(set_to_none=True)
            loss = _loss(params, xb, yb, logstd_bounds)
            loss.backward()
            if deltas is not None:
                with torch.no_grad():
                    for p, d in zip(params, deltas):
                        p.sub_(d)
            if options.grad_clip is not None:
                for p in trainable:
                    if p.grad is not None:
                        torch.nn.utils.clip_grad_norm_([p], options.grad_clip)
            optimizer.step()
            total += loss.detach() * len(idx)
            count += len(idx)
        record = {"epoch": epoch, "train_loss": (total / max(count, 1)).item()}
        if not math.isfinite(record["train_loss"]):
            raise _diverged(
                eps, options.lr, f"non-finite training loss at epoch {epoch}"
            )
        if val_X is not None and val_X.shape[0] > 0:
            with torch.no_grad():
                out = mlp_forward(params, val_X)
                record["val_mse"] = (out[..., 0] - val_y).square().mean().item()
                record["val_loss"] = (
                    record["val_mse"]
                    if logstd_bounds is None
                    else gaussian_nll(out, val_y, logstd_bounds).item()
                )
        history.append(record)
        if progress:
            epochs.set_postfix(loss=f"{record['train_loss']:.4f}")
        if callback is not None:
            callback(record)
    if not all(torch.isfinite(p).all() for p in trainable):
        raise _diverged(eps, options.lr, "non-finite weights after training")
    return history
