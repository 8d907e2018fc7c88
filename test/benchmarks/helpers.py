r"""Tiny tasks shared by the benchmark tests."""

from __future__ import annotations

import itertools

import torch

from botorch_roma.benchmarks.tasks import OfflineTask, make_synthetic_task

__all__ = ["tiny_continuous_task", "tiny_discrete_task"]


def tiny_continuous_task(
    dtype: torch.dtype = torch.double, dim: int = 3, n_total: int = 60
) -> OfflineTask:
    r"""A tiny Levy task, cast to ``dtype``."""
    task = make_synthetic_task("levy", dim=dim, n_total=n_total, seed=0)
    task.X, task.Y = task.X.to(dtype), task.Y.to(dtype)
    task.bounds = task.bounds.to(dtype)
    return task


def tiny_discrete_task(
    length: int = 4, vocab: int = 3, n: int = 30, seed: int = 0
) -> OfflineTask:
    r"""A tiny discrete task: the fraction of positions matching a motif."""
    motif = torch.arange(length) % vocab

    def oracle(X: torch.Tensor) -> torch.Tensor:
        return (X.long() == motif).double().mean(-1, keepdim=True)

    everything = torch.tensor(list(itertools.product(range(vocab), repeat=length)))
    Y_all = oracle(everything)
    gen = torch.Generator().manual_seed(seed)
    # Visible: random designs that are not optimal.
    idx = torch.randperm(everything.shape[0], generator=gen)
    idx = idx[Y_all[idx].squeeze(-1) < 0.75][:n]
    return OfflineTask(
        name="tiny-discrete",
        X=everything[idx],
        Y=Y_all[idx],
        oracle=oracle,
        y_min=Y_all.min().item(),
        y_max=Y_all.max().item(),
        num_categories=vocab,
    )
