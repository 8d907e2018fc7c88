r"""Tests for botorch_roma/benchmarks/hyperparameters.py."""

import pytest
import torch

from botorch_roma.benchmarks.hyperparameters import (
    EPSILON_GRID,
    select_epsilon,
    sensitivity_configs,
)
from botorch_roma.exceptions import RoMAInputError

FAST = {"epochs": 6, "hidden_sizes": (8, 8), "inner_steps": 3, "batch_size": 32}


def _data(dtype):
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(80, 3, generator=gen, dtype=dtype)
    Y = -(X - 0.5).square().sum(-1, keepdim=True)
    return X, Y


@pytest.mark.parametrize("loss", ["mse", "nll"])
@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_select_epsilon_rejects_dominating_perturbations(dtype, loss):
    X, Y = _data(dtype)
    # A perturbation ball as large as the weights dominates the robust loss, so
    # the rule must fall back to the small value.
    selection = select_epsilon(X, Y, grid=(1.0, 1e-4), loss=loss, **FAST)
    assert selection.epsilon == pytest.approx(1e-4)
    assert [t["epsilon"] for t in selection.trials] == [1.0, 1e-4]
    assert not selection.trials[0]["stable"]
    assert selection.trials[0]["reason"] != "stable"
    assert selection.trials[1]["stable"]
    assert {"train_loss", "val_loss", "val_mse", "level", "progress"} <= set(
        selection.reference
    )


def test_select_epsilon_picks_largest_stable_and_falls_back():
    X, Y = _data(torch.double)
    loose = select_epsilon(
        X, Y, grid=(1e-3, 1e-2), train_tolerance=1e6, val_tolerance=1e6, **FAST
    )
    assert loose.epsilon == pytest.approx(1e-2)  # largest value, tried first
    assert len(loose.trials) == 1
    with pytest.warns(RuntimeWarning, match="No epsilon"):
        none = select_epsilon(X, Y, grid=(1.0, 2.0), train_tolerance=0.0, **FAST)
    assert none.epsilon == 0.0
    assert not any(t["stable"] for t in none.trials)


def test_select_epsilon_bad_input():
    X, Y = _data(torch.double)
    with pytest.raises(RoMAInputError, match="grid"):
        select_epsilon(X, Y, grid=())
    with pytest.raises(RoMAInputError, match="grid"):
        select_epsilon(X, Y, grid=(0.0, 1e-3))
    with pytest.raises(RoMAInputError, match="grid"):
        select_epsilon(X, Y, epsilon=1e-3)
    with pytest.raises(RoMAInputError, match="tolerance"):
        select_epsilon(X, Y, val_tolerance=-1.0)
    assert 5e-3 in EPSILON_GRID and 5e-4 in EPSILON_GRID


def test_sensitivity_configs_match_figure_5():
    configs = sensitivity_configs()
    assert len(configs) == 8
    a = configs[0]
    assert (a.label, a.steps, a.alpha, a.epsilon_scale) == ("A T=300", 300, 1.0, 1.0)
    d = configs[7]
    assert (d.label, d.steps, d.alpha, d.epsilon_scale) == ("D T=500", 500, 0.1, 0.2)
    assert d.options() == {"steps": 500, "alpha": 0.1, "epsilon_scale": 0.2}
