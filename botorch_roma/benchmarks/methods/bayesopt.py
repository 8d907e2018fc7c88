r"""Gaussian-process baselines built from BoTorch's acquisition functions.

Two GP routes to an offline batch of designs:

- ``bo-qei``, Design-Bench's BO-qEI [Trabucco2022designbench]_: a GP with fixed
  observation noise starts from the (subsampled) dataset; in each of
  ``iterations`` rounds, qExpectedImprovement proposes a batch of ``q`` designs
  that are "observed" through a learned proxy (the mean of a bootstrap
  ensemble of MLPs) plus Gaussian noise, i.e. pseudo-observations, and the GP
  is refitted. The answer is the top-``n`` of all GP training points by their
  (pseudo-)observations. Following design-baselines, inputs are z-scored, the
  search box is the data's range, and the noise standard deviation is 0.5 in
  standardized units; unlike it, the GP's starting data is a subsample (the
  best half plus a random rest) because exact GPs scale cubically.
- ``gp-qlogei``, what a BoTorch user tries first: ``SingleTaskGP`` on the
  (subsampled) offline data with BoTorch's default transforms, and
  qLogExpectedImprovement [Ament2023logei]_ optimized for ``q = n`` by
  sequential greedy ``optimize_acqf(..., sequential=True)`` in the task's box.

Discrete tasks are optimized in Design-Bench's logit relaxation and decoded by
argmax.

References:

.. [Trabucco2022designbench]
    B. Trabucco, X. Geng, A. Kumar, S. Levine. Design-Bench: Benchmarks for
    Data-Driven Offline Model-Based Optimization. ICML 2022.
.. [Ament2023logei]
    S. Ament, S. Daulton, D. Eriksson, M. Balandat, E. Bakshy. Unexpected
    Improvements to Expected Improvement for Bayesian Optimization.
    NeurIPS 2023.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from botorch.acquisition.logei import qLogExpectedImprovement
from botorch.acquisition.monte_carlo import qExpectedImprovement
from botorch.exceptions.warnings import BadInitialCandidatesWarning, NumericsWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms.input import Normalize
from botorch.optim import optimize_acqf
from botorch.sampling.normal import SobolQMCNormalSampler
from botorch.utils.sampling import manual_seed
from gpytorch.mlls import ExactMarginalLogLikelihood
from torch import Tensor

from botorch_roma.benchmarks.methods.options import MethodOptions, ProxyOptions
from botorch_roma.benchmarks.methods.utils import (
    StandardizedView,
    continuous_view,
    freeze,
    pad_to,
    proxy_mlp,
    standardize,
    stratified_subsample,
    top_k_indices,
    train_mse_proxy,
)
from botorch_roma.datasets import OfflineTask
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.options import option

__all__ = ["BOqEIOptions", "GPqLogEIOptions", "bo_qei", "fit_gp", "gp_qlogei"]


@dataclass(frozen=True)
class _AcquisitionOptions(MethodOptions):
    r"""How an acquisition function is optimized (shared by both GP routes)."""

    num_restarts: int = option(4, "optimize_acqf restarts.", low=1)
    raw_samples: int = option(256, "optimize_acqf raw samples.", low=1)
    mc_samples: int = option(128, "QMC samples of the acquisition function.", low=1)
    maxiter: int = option(100, "L-BFGS iterations per acquisition optimization.", low=1)


@dataclass(frozen=True)
class GPqLogEIOptions(_AcquisitionOptions):
    r"""Options of :func:`gp_qlogei`."""

    _what: ClassVar[str] = "gp-qlogei option(s)"

    max_points: int = option(
        1000,
        "Maximum number of dataset rows the GP sees (the best half plus a random "
        "rest).",
        low=1,
    )

    SMOKE: ClassVar[dict[str, Any]] = {
        "max_points": 64,
        "num_restarts": 2,
        "raw_samples": 32,
        "mc_samples": 32,
        "maxiter": 10,
    }
    #: Smoke runs only check the pipeline: at most this many greedy steps, the
    #: rest of the ``n`` candidates repeating them.
    SMOKE_GREEDY_STEPS: ClassVar[int] = 8


@dataclass(frozen=True)
class BOqEIOptions(ProxyOptions, _AcquisitionOptions):
    r"""Options of :func:`bo_qei`: the pseudo-oracle's proxies, then BO's."""

    _what: ClassVar[str] = "bo-qei option(s)"

    ensemble_size: int = option(
        5, "Bootstrap MLPs whose mean is the pseudo-oracle.", low=1
    )
    gp_points: int = option(
        1000, "Maximum number of dataset rows in the GP's starting data.", low=1
    )
    iterations: int = option(20, "Rounds of BO.", low=0)
    q: int = option(32, "Batch size per round.", low=1)
    num_restarts: int = option(10, "optimize_acqf restarts.", low=1)
    raw_samples: int = option(512, "optimize_acqf raw samples.", low=1)
    mc_samples: int = option(256, "QMC samples of qEI.", low=1)
    maxiter: int = option(200, "L-BFGS iterations per acquisition optimization.", low=1)
    noise_std: float = option(
        0.5,
        "Standard deviation of the pseudo-observation noise (and the GP's fixed "
        "noise level), in standardized score units.",
        low=0.0,
    )

    SMOKE: ClassVar[dict[str, Any]] = {
        **ProxyOptions.SMOKE,
        "ensemble_size": 2,
        "gp_points": 64,
        "iterations": 1,
        "q": 4,
        "num_restarts": 2,
        "raw_samples": 32,
        "mc_samples": 32,
        "maxiter": 10,
    }


def fit_gp(
    train_X: Tensor, train_Y: Tensor, bounds: Tensor, train_Yvar: Tensor | None = None
) -> SingleTaskGP:
    r"""A fitted ``SingleTaskGP``, inputs normalized to the unit cube over ``bounds``.

    The scores are standardized by ``SingleTaskGP``'s default ``Standardize``
    outcome transform.

    Args:
        train_X: ``n x d`` training inputs.
        train_Y: ``n x 1`` training scores.
        bounds: ``2 x d`` bounds of the input normalization.
        train_Yvar: Optional ``n x 1`` fixed observation noise variances.

    Returns:
        The GP, its hyperparameters fitted with ``fit_gpytorch_mll``.
    """
    model = SingleTaskGP(
        train_X,
        train_Y,
        train_Yvar=train_Yvar,
        input_transform=Normalize(d=train_X.shape[-1], bounds=bounds),
    )
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        fit_gpytorch_mll(mll)
    return model


def _pseudo_oracle(
    data: StandardizedView, options: BOqEIOptions, generator: torch.Generator
) -> Callable[[Tensor], Tensor]:
    r"""The mean of a bootstrap ensemble of MSE proxies, plus Gaussian noise."""
    X, Y = data.X, data.Y
    members = []
    for _ in range(options.ensemble_size):
        boot = torch.randint(X.shape[0], (X.shape[0],), generator=generator)
        member = proxy_mlp(options, X)
        train_mse_proxy(member, X[boot], Y[boot], options, generator=generator)
        members.append(freeze(member))

    def pseudo_oracle(Z: Tensor) -> Tensor:
        with torch.no_grad():
            mean = torch.stack([m(Z) for m in members]).mean(0)
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype)
        return mean + options.noise_std * noise.to(mean)

    return pseudo_oracle


def _search_box(data: StandardizedView) -> Tensor:
    r"""The data's range (design-baselines), inside the task's box if it has one."""
    bounds = torch.stack([data.X.min(0).values, data.X.max(0).values])
    if data.bounds is not None:
        box = data.bounds
        bounds = torch.stack(
            [torch.maximum(bounds[0], box[0]), torch.minimum(bounds[1], box[1])]
        )
    return bounds


def _optimize(
    acqf: Any,
    bounds: Tensor,
    q: int,
    options: _AcquisitionOptions,
    batch_limit: int | None = None,
    sequential: bool = False,
) -> Tensor:
    r"""``optimize_acqf`` with a method's restarts, raw samples and iterations."""
    acqf_options: dict[str, Any] = {"maxiter": options.maxiter}
    if batch_limit is not None:
        acqf_options["batch_limit"] = batch_limit
    candidates, _ = optimize_acqf(
        acqf,
        bounds=bounds,
        q=q,
        num_restarts=options.num_restarts,
        raw_samples=options.raw_samples,
        options=acqf_options,
        sequential=sequential,
    )
    return candidates.detach()


def bo_qei(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Design-Bench's BO-qEI: a GP over a learned proxy's pseudo-observations.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for the ensemble, subsample, QMC samples and noise.
        smoke: Use a tiny budget (:attr:`BOqEIOptions.SMOKE`; given options
            still win).
        **options: :class:`BOqEIOptions` (the proxies' ``hidden_sizes``,
            ``activation``, ``epochs``, ``lr``, ``batch_size``; and
            ``ensemble_size``, ``gp_points``, ``iterations``, ``q``,
            ``num_restarts``, ``raw_samples``, ``mc_samples``, ``maxiter``,
            ``noise_std``).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> bo_qei(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    opts = BOqEIOptions.for_run(options, smoke)
    view = continuous_view(task, seed=seed, smoke=smoke)
    with manual_seed(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=BadInitialCandidatesWarning)
        # qEI (not qLogEI) on purpose: this reproduces Design-Bench's baseline.
        warnings.simplefilter("ignore", category=NumericsWarning)
        gen = torch.Generator().manual_seed(seed)
        # GPs run in double precision (BoTorch's advice); the candidates are cast
        # back to the task's dtype by ``data.decode``.
        data = standardize(view, dtype=torch.double)
        pseudo_oracle = _pseudo_oracle(data, opts, gen)
        bounds = _search_box(data)
        idx = stratified_subsample(data.Y, opts.gp_points, gen).to(data.X.device)
        train_X, train_Y = data.X[idx], data.Y[idx]
        sampler_seed = int(torch.randint(2**31 - 1, (1,), generator=gen))
        for it in range(opts.iterations):
            Yvar = torch.full_like(train_Y, opts.noise_std**2)
            model = fit_gp(train_X, train_Y, bounds, Yvar)
            sampler = SobolQMCNormalSampler(
                torch.Size([opts.mc_samples]), seed=sampler_seed + it
            )
            acqf = qExpectedImprovement(model, best_f=train_Y.max(), sampler=sampler)
            new_X = _optimize(acqf, bounds, opts.q, opts, batch_limit=5)
            train_X = torch.cat([train_X, new_X])
            train_Y = torch.cat([train_Y, pseudo_oracle(new_X)])
        best = train_X[top_k_indices(train_Y, n)]
        return pad_to(data.decode(best), n)


def gp_qlogei(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""``SingleTaskGP`` + qLogEI with ``q = n`` by sequential greedy optimization.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates (the acquisition batch size ``q``).
        seed: Seed for the subsample, the QMC samples and the restarts.
        smoke: Use a tiny budget (:attr:`GPqLogEIOptions.SMOKE`; given options
            still win) and only ``min(n, 8)`` greedy steps, the rest repeating
            them.
        **options: :class:`GPqLogEIOptions` (``max_points``, ``num_restarts``,
            ``raw_samples``, ``mc_samples``, ``maxiter``).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> gp_qlogei(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    opts = GPqLogEIOptions.for_run(options, smoke)
    q = min(n, GPqLogEIOptions.SMOKE_GREEDY_STEPS) if smoke else n
    view = continuous_view(task, seed=seed, smoke=smoke)
    if view.bounds is None:
        raise RoMAInputError(
            f"gp-qlogei needs a bounded design space, but task {task.name!r} has "
            "no bounds; give the task bounds."
        )
    with manual_seed(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=BadInitialCandidatesWarning)
        gen = torch.Generator().manual_seed(seed)
        idx = stratified_subsample(view.Y, opts.max_points, gen).to(view.X.device)
        # Double precision for the GP (BoTorch's advice); ``view.decode`` casts
        # the candidates back to the task's dtype.
        train_X, train_Y = view.X[idx].double(), view.Y[idx].double()
        bounds = view.bounds.to(train_X)
        model = fit_gp(train_X, train_Y, bounds)
        sampler = SobolQMCNormalSampler(torch.Size([opts.mc_samples]), seed=seed)
        acqf = qLogExpectedImprovement(model, best_f=train_Y.max(), sampler=sampler)
        candidates = _optimize(acqf, bounds, q, opts, sequential=True)
    return pad_to(view.decode(candidates), n)
