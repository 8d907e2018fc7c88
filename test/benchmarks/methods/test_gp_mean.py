r"""Tests for botorch_roma/benchmarks/methods/gp_mean.py."""

import pytest
import torch
from botorch.acquisition.analytic import PosteriorMean

from botorch_roma.benchmarks.methods.bayesopt import fit_gp
from botorch_roma.benchmarks.methods.gp_mean import (
    GPMeanAscentOptions,
    ascent_box,
    gp_mean_ascent,
    posterior_mean_ascent,
)
from botorch_roma.benchmarks.methods.utils import continuous_view, top_k_indices
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task


def test_options_and_smoke_budget():
    defaults = GPMeanAscentOptions.for_run()
    assert (defaults.max_points, defaults.steps, defaults.step_size) == (
        1000,
        200,
        0.01,
    )
    smoke = GPMeanAscentOptions.for_run(smoke=True)
    assert (smoke.max_points, smoke.steps) == (64, 5)
    with pytest.raises(RoMAInputError, match="step_size must be > 0"):
        GPMeanAscentOptions.for_run({"step_size": 0.0})
    task = tiny_continuous_task()
    with pytest.raises(RoMAInputError, match="max_points must be >= 1"):
        gp_mean_ascent(task, n=4, smoke=True, max_points=0)


def test_the_ascent_increases_the_posterior_mean():
    task = tiny_continuous_task()
    view = continuous_view(task)
    box = ascent_box(view)
    torch.manual_seed(0)
    model = fit_gp(view.X, view.Y, box)
    X0 = view.X[top_k_indices(view.Y, 5)]
    X = posterior_mean_ascent(model, X0, box, steps=50, step_size=0.01)
    assert X.shape == X0.shape and not X.requires_grad
    assert (X >= box[0]).all() and (X <= box[1]).all()
    mean = PosteriorMean(model)
    with torch.no_grad():
        before, after = mean(X0.unsqueeze(-2)), mean(X.unsqueeze(-2))
    assert (after > before).all()
    # Every start ascends on its own: five distinct candidates.
    assert torch.unique(X, dim=0).shape[0] == 5
    # The ascent's one joint posterior gives each point's own mean and
    # gradient, as PosteriorMean's n batches of one do.
    Z = X0.clone().requires_grad_(True)
    joint = model.posterior(Z).mean.squeeze(-1)
    (g_joint,) = torch.autograd.grad(joint.sum(), Z)
    Z = X0.clone().requires_grad_(True)
    single = mean(Z.unsqueeze(-2))
    (g_single,) = torch.autograd.grad(single.sum(), Z)
    assert torch.allclose(joint, single) and torch.allclose(g_joint, g_single)


def test_the_seed_draws_the_subsample():
    task = tiny_continuous_task()  # 48 rows
    X = gp_mean_ascent(task, n=6, seed=0, smoke=True, max_points=16)
    assert not torch.equal(
        X, gp_mean_ascent(task, n=6, seed=1, smoke=True, max_points=16)
    )
    # With every row in the GP, the seed does not matter.
    assert torch.equal(
        gp_mean_ascent(task, n=6, seed=0, smoke=True, max_points=48),
        gp_mean_ascent(task, n=6, seed=1, smoke=True, max_points=48),
    )


def test_tasks_without_bounds_use_the_data_range():
    task = tiny_continuous_task()
    task.bounds = None
    task.X[:, 0] = 0.5  # a constant column gets a unit-wide box
    box = ascent_box(continuous_view(task))
    assert torch.equal(box[:, 0], torch.tensor([0.5, 1.5], dtype=box.dtype))
    assert torch.equal(
        box[:, 1:], torch.stack([task.X.min(0)[0], task.X.max(0)[0]])[:, 1:]
    )
    X = gp_mean_ascent(task, n=4, seed=0, smoke=True, steps=20, step_size=0.1)
    assert torch.isfinite(X).all()
    assert (X >= box[0]).all() and (X <= box[1]).all()
