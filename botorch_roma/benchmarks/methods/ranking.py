r"""Gradient ascent on a proxy trained to rank: RaM with the ListNet loss.

RaM [Tan2025ram]_ observes that an offline optimizer only needs its proxy to
*order* designs correctly, not to predict their scores, and trains the proxy
with a learning-to-rank loss instead of the squared error. Of the ten losses
it compares, the listwise ListNet loss [Cao2007listnet]_ does best: for a list
of ``m`` designs drawn from the data, the cross-entropy between the softmax of
their (z-scored) true scores and the softmax of the proxy's predictions,

.. math::

    \ell(f) = -\sum_{i=1}^m \mathrm{softmax}(y)_i \log \mathrm{softmax}(f(X))_i.

The loss only sees differences of predictions within a list, so the proxy's
output has an arbitrary offset and scale; following RaM, it is z-scored on the
training data before the ascent, which puts its gradients on the scale of an
MSE proxy trained on z-scored scores. The ascent is then grad-ascent's
(:func:`~.gradient_ascent.gradient_ascent`): same steps, step size, starts (the
top-``n`` designs) and projection onto the task's box, so this method differs
from grad-ascent only in the proxy's loss, as in RaM's loss comparison.

Training follows RaM's public code (lists of ``m = 1000`` designs drawn
without replacement, the scores z-scored over the whole dataset, Adam), with
three changes that keep CPU runs comparable to grad-ascent's: an epoch cuts
one shuffle of the data into disjoint lists (RaM draws 10,000 independent
lists per epoch), the proxy is grad-ascent's MLP, and there is no validation
split for choosing the epoch. Discrete tasks are optimized in Design-Bench's
logit relaxation and decoded by argmax.

References:

.. [Tan2025ram]
    R.-X. Tan, K. Xue, S.-H. Lyu, H. Shang, Y. Wang, Y. Wang, S. Fu, C. Qian.
    Offline Model-Based Optimization by Learning to Rank. ICLR 2025.
.. [Cao2007listnet]
    Z. Cao, T. Qin, T.-Y. Liu, M.-F. Tsai, H. Li. Learning to Rank: From
    Pairwise Approach to Listwise Approach. ICML 2007.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from botorch_roma.benchmarks.methods.gradient_ascent import (
    GradientAscentOptions,
    ascend_top_designs,
    fit_proxy,
)
from botorch_roma.benchmarks.methods.utils import zscore_transform
from botorch_roma.datasets import OfflineTask
from botorch_roma.models.pretraining import listnet_loss
from botorch_roma.options import option

__all__ = [
    "ListNetOptions",
    "ZScoredProxy",
    "listnet_ascent",
    "listwise_batches",
    "train_listnet_proxy",
]


@dataclass(frozen=True)
class ListNetOptions(GradientAscentOptions):
    r"""Options of :func:`listnet_ascent`: the proxy's (``batch_size`` counts
    lists here), the lists' and grad-ascent's ascent options."""

    _what: ClassVar[str] = "listnet-ascent option(s)"

    list_size: int = option(
        1000,
        "Designs per list (RaM's m; capped at the dataset size).",
        low=2,
    )
    batch_size: int = option(1, "Lists per Adam step.", low=1)


def listwise_batches(
    n: int, list_size: int, batch_size: int, generator: torch.Generator | None = None
) -> Iterator[Tensor]:
    r"""One epoch of lists: a shuffle of ``n`` rows cut into disjoint lists.

    Args:
        n: The number of rows.
        list_size: Rows per list, capped at ``n``; the ``n % list_size`` rows
            left over by this epoch's shuffle are left out of it.
        batch_size: Lists per batch.
        generator: Random generator for the shuffle.

    Yields:
        ``b x m`` row indices (``b <= batch_size`` lists of ``m`` rows).
    """
    m = min(list_size, n)
    perm = torch.randperm(n, generator=generator)
    yield from perm[: (n // m) * m].view(-1, m).split(batch_size)


def train_listnet_proxy(
    model: nn.Module,
    X: Tensor,
    Y: Tensor,
    options: ListNetOptions | Mapping[str, Any] | None = None,
    generator: torch.Generator | None = None,
) -> list[float]:
    r"""Train a proxy with the ListNet loss on lists drawn from the data.

    Args:
        model: Maps ``batch x p`` (and ``b x m x p``) to ``... x 1``.
        X: ``n x p`` standardized inputs.
        Y: ``n x 1`` standardized scores.
        options: :class:`ListNetOptions` (training uses ``epochs``, ``lr``,
            ``list_size`` and ``batch_size``, the lists per step).
        generator: Random generator for the lists.

    Returns:
        The mean training loss of each epoch.
    """
    options = ListNetOptions.from_dict(options)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr)
    history = []
    for _ in range(options.epochs):
        losses = []
        batches = listwise_batches(
            X.shape[0], options.list_size, options.batch_size, generator
        )
        for idx in batches:
            idx = idx.to(X.device)
            loss = listnet_loss(model(X[idx]).squeeze(-1), Y[idx].squeeze(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history.append(sum(losses) / max(len(losses), 1))
    return history


class ZScoredProxy(nn.Module):
    r"""A proxy whose output is z-scored on its training inputs."""

    def __init__(self, model: nn.Module, X: Tensor) -> None:
        r"""Wrap ``model`` so that its predictions at ``X`` have mean 0, std 1.

        Args:
            model: Maps ``batch x p`` to ``batch x 1``.
            X: ``n x p`` training inputs.
        """
        super().__init__()
        self.model = model
        with torch.no_grad():
            self.output_transform = zscore_transform(model(X))

    def forward(self, X: Tensor) -> Tensor:
        r"""The z-scored predictions at ``batch x p`` inputs (``batch x 1``)."""
        return self.output_transform(self.model(X))


def listnet_ascent(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Gradient ascent on a ListNet-trained proxy [Tan2025ram]_ from the top-``n``.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for the proxy's initialization and lists.
        smoke: Use a tiny budget (:attr:`ListNetOptions.SMOKE`; given options
            still win).
        **options: :class:`ListNetOptions` (``hidden_sizes``, ``activation``,
            ``epochs``, ``lr``, ``batch_size``, ``list_size``, ``steps``,
            ``step_size``, ``optimizer``).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> listnet_ascent(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    opts = ListNetOptions.for_run(options, smoke)
    data, model = fit_proxy(task, seed, smoke, opts, train_listnet_proxy)
    proxy = ZScoredProxy(model, data.X)
    lr = opts.ascent_lr(data.X.shape[-1])
    return ascend_top_designs(proxy, data, n, opts.steps, lr, opts.optimizer)
