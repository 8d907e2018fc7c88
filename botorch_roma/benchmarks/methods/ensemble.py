r"""Gradient ascent on the mean of an ensemble of MLP proxies.

Design-Bench's "Grad. Ascent Mean" baseline [Trabucco2022designbench]_: train
several proxies exactly like :func:`~.gradient_ascent.gradient_ascent`'s (an
MLP fit with the squared error to the z-scored data), then move the dataset's
top designs uphill on the *mean* of their predictions. Averaging damps the
errors in which the members disagree, which is where a single proxy's ascent
is most easily misled; independent re-runs rank it just above single-proxy
gradient ascent [Tan2025ram]_.

The members are trained one after the other from one random stream seeded by
the run's seed, so they differ in their initialization and minibatch order and
the first member is grad-ascent's proxy (``ensemble_size=1`` reproduces
grad-ascent). design-baselines also trains each member on its own bootstrap of
the data and with a Gaussian likelihood; here the members see the whole data
with the squared error, as grad-ascent's proxy does, so the two baselines
differ only in the ensemble. The ascent, its step size and the projection onto
the task's box are grad-ascent's. Discrete tasks are optimized in Design-Bench's
logit relaxation and decoded by argmax.

References:

.. [Trabucco2022designbench]
    B. Trabucco, X. Geng, A. Kumar, S. Levine. Design-Bench: Benchmarks for
    Data-Driven Offline Model-Based Optimization. ICML 2022.
.. [Tan2025ram]
    R.-X. Tan, K. Xue, S.-H. Lyu, H. Shang, Y. Wang, Y. Wang, S. Fu, C. Qian.
    Offline Model-Based Optimization by Learning to Rank. ICLR 2025.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from botorch_roma.benchmarks.methods.gradient_ascent import (
    GradientAscentOptions,
    ascend_top_designs,
    fit_proxies,
)
from botorch_roma.datasets import OfflineTask
from botorch_roma.options import option

__all__ = ["GradientAscentEnsembleOptions", "MeanEnsemble", "gradient_ascent_ensemble"]


@dataclass(frozen=True)
class GradientAscentEnsembleOptions(GradientAscentOptions):
    r"""Options of :func:`gradient_ascent_ensemble`: grad-ascent's and the
    ensemble's size."""

    _what: ClassVar[str] = "grad-ascent-ensemble option(s)"

    ensemble_size: int = option(
        5, "Proxies whose mean prediction is ascended (design-baselines: 5).", low=1
    )

    SMOKE: ClassVar[dict[str, Any]] = {
        **GradientAscentOptions.SMOKE,
        "ensemble_size": 2,
    }


class MeanEnsemble(nn.Module):
    r"""The mean prediction of several proxies."""

    def __init__(self, models: Sequence[nn.Module]) -> None:
        r"""The mean of ``models``' predictions.

        Args:
            models: Proxies mapping ``batch x p`` to ``batch x 1``.
        """
        super().__init__()
        self.models = nn.ModuleList(models)

    def forward(self, X: Tensor) -> Tensor:
        r"""The members' mean prediction at ``batch x p`` inputs (``batch x 1``)."""
        return torch.stack([model(X) for model in self.models]).mean(dim=0)


def gradient_ascent_ensemble(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Gradient ascent on an ensemble's mean prediction from the top-``n`` designs.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for the members' initialization and minibatches.
        smoke: Use a tiny budget (:attr:`GradientAscentEnsembleOptions.SMOKE`;
            given options still win).
        **options: :class:`GradientAscentEnsembleOptions` (``hidden_sizes``,
            ``activation``, ``epochs``, ``lr``, ``batch_size``, ``steps``,
            ``step_size``, ``optimizer``, ``ensemble_size``).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> gradient_ascent_ensemble(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    opts = GradientAscentEnsembleOptions.for_run(options, smoke)
    data, models = fit_proxies(task, seed, smoke, opts, num_models=opts.ensemble_size)
    lr = opts.ascent_lr(data.X.shape[-1])
    return ascend_top_designs(
        MeanEnsemble(models), data, n, opts.steps, lr, opts.optimizer
    )
