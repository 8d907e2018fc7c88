r"""Tests for botorch_roma/benchmarks/methods/coms.py."""

import pytest
import torch

from botorch_roma.benchmarks.methods.coms import COMsOptions, coms, train_coms_proxy
from botorch_roma.benchmarks.methods.utils import build_mlp
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_train_coms_proxy_history(dtype):
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(40, 2, generator=gen, dtype=dtype)
    Y = X.sum(-1, keepdim=True)
    model = build_mlp(2, (8,), activation="relu", dtype=dtype)
    options = {"epochs": 3, "particle_train_steps": 2, "batch_size": 16}
    history = train_coms_proxy(model, X, Y, options, generator=gen)
    assert set(history) == {"mse", "overestimation", "alpha"}
    assert all(len(values) == 3 for values in history.values())
    # alpha moves by dual descent from its initial value 1.
    assert history["alpha"][0] != history["alpha"][-1]


def test_options_and_smoke_budget():
    defaults = COMsOptions.for_run()
    assert (defaults.activation, defaults.epochs, defaults.lr) == ("relu", 50, 3e-4)
    smoke = COMsOptions.for_run(smoke=True)
    assert (smoke.hidden_sizes, smoke.epochs) == ((32, 32), 2)
    assert (smoke.particle_train_steps, smoke.particle_eval_steps) == (3, 3)
    with pytest.raises(RoMAInputError, match="alpha must be > 0"):
        COMsOptions.for_run({"alpha": 0.0})


def test_given_options_change_the_run():
    task = tiny_continuous_task()
    X = coms(task, n=4, seed=0, smoke=True)
    assert torch.equal(X, coms(task, n=4, seed=0, smoke=True, particle_eval_steps=3))
    assert not torch.equal(X, coms(task, n=4, seed=0, smoke=True, noise_std=0.1))
