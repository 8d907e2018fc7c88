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
from collections.abc import Sequence

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

from botorch_roma.benchmarks.methods.utils import (
    Standardizer,
    build_mlp,
    continuous_view,
    pad_to,
    stratified_subsample,
    top_k_indices,
    train_mse_proxy,
)
from botorch_roma.datasets import OfflineTask
from botorch_roma.exceptions import RoMAInputError

__all__ = ["bo_qei", "gp_qlogei"]


def _fit_gp(
    train_X: Tensor, train_Y: Tensor, bounds: Tensor, train_Yvar: Tensor | None = None
) -> SingleTaskGP:
    r"""A ``SingleTaskGP`` with inputs normalized to the unit cube over ``bounds``."""
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


def bo_qei(
    task: OfflineTask,
    n: int = 128,
    seed: int = 0,
    smoke: bool = False,
    ensemble_size: int = 5,
    hidden_sizes: Sequence[int] = (256, 256),
    epochs: int = 100,
    lr: float = 1e-3,
    batch_size: int = 128,
    gp_points: int = 1000,
    iterations: int = 20,
    q: int = 32,
    num_restarts: int = 10,
    raw_samples: int = 512,
    mc_samples: int = 256,
    maxiter: int = 200,
    noise_std: float = 0.5,
) -> Tensor:
    r"""Design-Bench's BO-qEI: a GP over a learned proxy's pseudo-observations.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates.
        seed: Seed for the ensemble, subsample, QMC samples and noise.
        smoke: Use a tiny budget.
        ensemble_size: Bootstrap MLPs whose mean is the pseudo-oracle.
        hidden_sizes: Widths of the MLPs' hidden layers.
        epochs: MLP training epochs.
        lr: MLP learning rate (Adam).
        batch_size: MLP minibatch size.
        gp_points: Maximum number of dataset rows in the GP's starting data.
        iterations: Rounds of BO.
        q: Batch size per round.
        num_restarts: ``optimize_acqf`` restarts.
        raw_samples: ``optimize_acqf`` raw samples.
        mc_samples: QMC samples of qEI.
        maxiter: L-BFGS iterations per acquisition optimization.
        noise_std: Standard deviation of the pseudo-observation noise (and the
            GP's fixed noise level), in standardized score units.

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> bo_qei(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    if smoke:
        ensemble_size, hidden_sizes, epochs = 2, (32, 32), min(epochs, 2)
        gp_points, iterations, q = min(gp_points, 64), min(iterations, 1), min(q, 4)
        num_restarts, raw_samples = min(num_restarts, 2), min(raw_samples, 32)
        mc_samples, maxiter = min(mc_samples, 32), min(maxiter, 10)
    view = continuous_view(task, seed=seed, smoke=smoke)
    with manual_seed(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=BadInitialCandidatesWarning)
        # qEI (not qLogEI) on purpose: this reproduces Design-Bench's baseline.
        warnings.simplefilter("ignore", category=NumericsWarning)
        gen = torch.Generator().manual_seed(seed)
        # GPs run in double precision (BoTorch's advice); the candidates are cast
        # back to the task's dtype by ``view.decode``.
        X_data, Y_data = view.X.double(), view.Y.double()
        x_tf, y_tf = Standardizer.fit(X_data), Standardizer.fit(Y_data)
        Xz, Yz = x_tf.transform(X_data), y_tf.transform(Y_data)
        # The pseudo-oracle: the mean of a bootstrap ensemble of MSE proxies.
        members = []
        for _ in range(ensemble_size):
            boot = torch.randint(Xz.shape[0], (Xz.shape[0],), generator=gen)
            member = build_mlp(Xz.shape[-1], hidden_sizes, dtype=Xz.dtype)
            member = member.to(Xz.device)
            train_mse_proxy(
                member, Xz[boot], Yz[boot], epochs, lr, batch_size, generator=gen
            )
            member.eval()
            members.append(member)

        def pseudo_oracle(Z: Tensor) -> Tensor:
            with torch.no_grad():
                mean = torch.stack([m(Z) for m in members]).mean(0)
            noise = torch.randn(mean.shape, generator=gen, dtype=mean.dtype)
            return mean + noise_std * noise.to(mean)

        # Search box: the data's range (design-baselines), inside the task's box.
        bounds = torch.stack([Xz.min(0).values, Xz.max(0).values])
        if view.bounds is not None:
            box = x_tf.transform(view.bounds.to(Xz))
            bounds = torch.stack(
                [torch.maximum(bounds[0], box[0]), torch.minimum(bounds[1], box[1])]
            )
        idx = stratified_subsample(Yz, gp_points, gen).to(Xz.device)
        train_X, train_Y = Xz[idx], Yz[idx]
        sampler_seed = int(torch.randint(2**31 - 1, (1,), generator=gen))
        for it in range(iterations):
            Yvar = torch.full_like(train_Y, noise_std**2)
            model = _fit_gp(train_X, train_Y, bounds, Yvar)
            acqf = qExpectedImprovement(
                model,
                best_f=train_Y.max(),
                sampler=SobolQMCNormalSampler(
                    torch.Size([mc_samples]), seed=sampler_seed + it
                ),
            )
            new_X, _ = optimize_acqf(
                acqf,
                bounds=bounds,
                q=q,
                num_restarts=num_restarts,
                raw_samples=raw_samples,
                options={"batch_limit": 5, "maxiter": maxiter},
            )
            new_X = new_X.detach()
            train_X = torch.cat([train_X, new_X])
            train_Y = torch.cat([train_Y, pseudo_oracle(new_X)])
        best = train_X[top_k_indices(train_Y, n)]
    return pad_to(view.decode(x_tf.untransform(best)), n)


def gp_qlogei(
    task: OfflineTask,
    n: int = 128,
    seed: int = 0,
    smoke: bool = False,
    max_points: int = 1000,
    num_restarts: int = 4,
    raw_samples: int = 256,
    mc_samples: int = 128,
    maxiter: int = 100,
) -> Tensor:
    r"""``SingleTaskGP`` + qLogEI with ``q = n`` by sequential greedy optimization.

    Args:
        task: The offline task (continuous, or discrete via logits).
        n: The number of candidates (the acquisition batch size ``q``).
        seed: Seed for the subsample, the QMC samples and the restarts.
        smoke: Use a tiny budget (and only ``min(n, 8)`` greedy steps, the
            rest repeating them).
        max_points: Maximum number of dataset rows the GP sees (the best half
            plus a random rest).
        num_restarts: ``optimize_acqf`` restarts per greedy step.
        raw_samples: ``optimize_acqf`` raw samples per greedy step.
        mc_samples: QMC samples of qLogEI.
        maxiter: L-BFGS iterations per greedy step.

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> gp_qlogei(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    q = n
    if smoke:
        max_points, num_restarts, raw_samples = min(max_points, 64), 2, 32
        mc_samples, maxiter = min(mc_samples, 32), min(maxiter, 10)
        # Smoke runs only check the pipeline: 8 greedy steps, then repeats.
        q = min(n, 8)
    view = continuous_view(task, seed=seed, smoke=smoke)
    if view.bounds is None:
        raise RoMAInputError(
            f"gp-qlogei needs a bounded design space, but task {task.name!r} has "
            "no bounds; give the task bounds."
        )
    with manual_seed(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=BadInitialCandidatesWarning)
        gen = torch.Generator().manual_seed(seed)
        idx = stratified_subsample(view.Y, max_points, gen).to(view.X.device)
        # Double precision for the GP (BoTorch's advice); ``view.decode`` casts
        # the candidates back to the task's dtype.
        train_X, train_Y = view.X[idx].double(), view.Y[idx].double()
        bounds = view.bounds.to(train_X)
        model = _fit_gp(train_X, train_Y, bounds)
        acqf = qLogExpectedImprovement(
            model,
            best_f=train_Y.max(),
            sampler=SobolQMCNormalSampler(torch.Size([mc_samples]), seed=seed),
        )
        candidates, _ = optimize_acqf(
            acqf,
            bounds=bounds,
            q=q,
            num_restarts=num_restarts,
            raw_samples=raw_samples,
            options={"maxiter": maxiter},
            sequential=True,
        )
    return pad_to(view.decode(candidates.detach()), n)
