r"""Gradient ascent on a Gaussian process's posterior mean.

The GP counterpart of gradient ascent on an MLP proxy: fit BoTorch's
``SingleTaskGP`` to the (subsampled) offline data, inputs normalized to the
unit cube and scores standardized, and move the dataset's top-``n`` designs
uphill on its posterior mean (BoTorch's ``PosteriorMean``). Away from the data the
mean reverts to the prior's constant, so the ascent is pulled towards the
data's good regions rather than into the extrapolation that misleads MLP
proxies; in ROOT's re-runs on Design-Bench it ranks well above RoMA
[Dao2025root]_.

The ascent is a fixed number of Adam steps in the unit cube of the box (the
task's bounds, or the data's range for tasks without bounds, Design-Bench
BO-qEI's search box [Trabucco2022designbench]_), each start independently,
projected onto the box after every step. This rather than ``optimize_acqf``
with ``PosteriorMean`` and the top-``n`` designs as initial conditions: L-BFGS
runs each start to convergence, so starts in one basin return the same
design, while a fixed-length ascent keeps ``n`` distinct candidates and
matches the other ascent baselines. As for the GP baselines, the GP sees at
most ``max_points`` rows (the best half plus a random rest, since exact GPs
scale cubically), but the ascent starts from the top-``n`` of the full data.
Discrete tasks are optimized in Design-Bench's logit relaxation and decoded by
argmax.

References:

.. [Dao2025root]
    M. C. Dao, T. H. Tran, P. L. Nguyen, T. N. Truong, T. N. Hoang. ROOT:
    Rethinking Offline Optimization as Distributional Translation via
    Probabilistic Bridge. NeurIPS 2025.
.. [Trabucco2022designbench]
    B. Trabucco, X. Geng, A. Kumar, S. Levine. Design-Bench: Benchmarks for
    Data-Driven Offline Model-Based Optimization. ICML 2022.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from botorch.models.model import Model
from botorch.utils.sampling import manual_seed
from botorch.utils.transforms import normalize, unnormalize
from torch import Tensor

from botorch_roma.benchmarks.methods.bayesopt import fit_gp
from botorch_roma.benchmarks.methods.gradient_ascent import proxy_ascent
from botorch_roma.benchmarks.methods.options import MethodOptions
from botorch_roma.benchmarks.methods.utils import (
    ContinuousView,
    continuous_view,
    pad_to,
    stratified_subsample,
    top_k_indices,
)
from botorch_roma.datasets import OfflineTask
from botorch_roma.options import option

__all__ = [
    "GPMeanAscentOptions",
    "ascent_box",
    "gp_mean_ascent",
    "posterior_mean_ascent",
]


@dataclass(frozen=True)
class GPMeanAscentOptions(MethodOptions):
    r"""Options of :func:`gp_mean_ascent`."""

    _what: ClassVar[str] = "gp-mean-ascent option(s)"

    max_points: int = option(
        1000,
        "Maximum number of dataset rows the GP sees (the best half plus a random "
        "rest).",
        low=1,
    )
    steps: int = option(200, "Adam steps on the posterior mean.", low=0)
    step_size: float = option(
        0.01,
        "Adam learning rate, in units of the box scaled to the unit cube.",
        low=0.0,
        strict=True,
    )

    SMOKE: ClassVar[dict[str, Any]] = {"max_points": 64, "steps": 5}


def ascent_box(view: ContinuousView) -> Tensor:
    r"""The box of the ascent: the view's bounds, else the data's range.

    Args:
        view: The continuous view.

    Returns:
        A ``2 x p`` double tensor; dimensions where the data is constant are
        widened to a unit range, so the box can be normalized.
    """
    if view.bounds is not None:
        return view.bounds.to(view.X).double()
    X = view.X.double()
    lower, upper = X.min(dim=0).values, X.max(dim=0).values
    return torch.stack([lower, torch.where(upper > lower, upper, lower + 1.0)])


def posterior_mean_ascent(
    model: Model, X0: Tensor, box: Tensor, steps: int, step_size: float
) -> Tensor:
    r"""Ascend a model's posterior mean from starting points inside a box.

    Args:
        model: A single-outcome BoTorch model.
        X0: ``n x d`` starting points inside ``box``.
        box: ``2 x d`` box; the ascent runs in its unit cube and is projected
            onto it after every step.
        steps: Adam steps.
        step_size: Adam's learning rate, in unit-cube units.

    Returns:
        The ``n x d`` final iterates (detached).
    """

    def objective(U: Tensor) -> Tensor:
        # The joint posterior's mean over the n points is each point's own
        # posterior mean; as one batch of n (not n batches of one, as
        # PosteriorMean takes them) GPyTorch never copies the training inputs
        # n times, which made each step on Hopper (d = 5,123) take seconds.
        return model.posterior(unnormalize(U, box)).mean.squeeze(-1)

    unit = torch.stack([torch.zeros_like(box[0]), torch.ones_like(box[1])])
    U = proxy_ascent(objective, normalize(X0, box), steps, step_size, unit, "adam")
    return unnormalize(U, box)


def gp_mean_ascent(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Ascent of a ``SingleTaskGP``'s posterior mean from the top-``n`` designs.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for the GP's subsample (and fitting retries); the result
            does not depend on it when the data has at most ``max_points``
            rows.
        smoke: Use a tiny budget (:attr:`GPMeanAscentOptions.SMOKE`; given
            options still win).
        **options: :class:`GPMeanAscentOptions` (``max_points``, ``steps``,
            ``step_size``).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> gp_mean_ascent(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    opts = GPMeanAscentOptions.for_run(options, smoke)
    view = continuous_view(task, seed=seed, smoke=smoke)
    with manual_seed(seed):
        gen = torch.Generator().manual_seed(seed)
        idx = stratified_subsample(view.Y, opts.max_points, gen).to(view.X.device)
        # Double precision for the GP (BoTorch's advice); ``view.decode`` casts
        # the candidates back to the task's dtype.
        box = ascent_box(view)
        model = fit_gp(view.X[idx].double(), view.Y[idx].double(), box)
        X0 = view.X[top_k_indices(view.Y, n)].double()
        candidates = posterior_mean_ascent(model, X0, box, opts.steps, opts.step_size)
    return pad_to(view.decode(candidates), n)
