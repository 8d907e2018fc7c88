r"""Tests for botorch_roma/benchmarks/methods/gradient_ascent.py."""

import pytest
import torch

from botorch_roma.benchmarks.methods.gradient_ascent import (
    GradientAscentOptions,
    gradient_ascent,
    proxy_ascent,
)
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_proxy_ascent_climbs_and_stays_in_the_box(dtype):
    def model(X):  # a concave bowl with its top at 2
        return -(X - 2.0).square().sum(-1)

    X0 = torch.zeros(3, 2, dtype=dtype)
    bounds = torch.tensor([[-1.0, -1.0], [1.5, 1.5]], dtype=dtype)
    for optimizer in ("sgd", "adam"):
        X = proxy_ascent(
            model, X0, steps=50, lr=0.1, bounds=bounds, optimizer=optimizer
        )
        assert X.dtype == dtype and not X.requires_grad
        assert torch.allclose(X, bounds[1].expand(3, 2))
    X = proxy_ascent(model, X0, steps=200, lr=0.1)
    assert torch.allclose(X, torch.full_like(X, 2.0), atol=1e-4)
    with pytest.raises(RoMAInputError, match="optimizer"):
        proxy_ascent(model, X0, steps=1, lr=0.1, optimizer="lbfgs")


def test_options_and_smoke_budget():
    defaults = GradientAscentOptions.for_run()
    assert (defaults.hidden_sizes, defaults.epochs, defaults.steps) == (
        (256, 256),
        100,
        200,
    )
    smoke = GradientAscentOptions.for_run(smoke=True)
    assert (smoke.hidden_sizes, smoke.epochs, smoke.steps) == ((32, 32), 2, 5)
    with pytest.raises(RoMAInputError, match="optimizer must be one of"):
        GradientAscentOptions.for_run({"optimizer": "lbfgs"})


def test_given_options_change_the_run():
    task = tiny_continuous_task()
    X = gradient_ascent(task, n=4, seed=0, smoke=True)
    assert torch.equal(X, gradient_ascent(task, n=4, seed=0, smoke=True, steps=5))
    assert not torch.equal(X, gradient_ascent(task, n=4, seed=0, smoke=True, steps=1))
    X_adam = gradient_ascent(task, n=4, seed=0, smoke=True, optimizer="adam")
    assert X_adam.shape == (4, task.dim) and not torch.equal(X, X_adam)
