r"""Tests for botorch_roma/benchmarks/methods/bayesopt.py."""

import pytest
import torch

from botorch_roma.benchmarks.methods.bayesopt import (
    BOqEIOptions,
    GPqLogEIOptions,
    bo_qei,
    gp_qlogei,
)
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task


def test_options_and_smoke_budgets():
    bo = BOqEIOptions.for_run()
    assert (bo.ensemble_size, bo.iterations, bo.q, bo.noise_std) == (5, 20, 32, 0.5)
    assert (bo.num_restarts, bo.raw_samples, bo.mc_samples, bo.maxiter) == (
        10,
        512,
        256,
        200,
    )
    smoke = BOqEIOptions.for_run(smoke=True)
    assert (smoke.ensemble_size, smoke.hidden_sizes, smoke.iterations) == (
        2,
        (32, 32),
        1,
    )
    gp = GPqLogEIOptions.for_run()
    assert (gp.max_points, gp.num_restarts, gp.raw_samples) == (1000, 4, 256)
    assert GPqLogEIOptions.for_run(smoke=True).max_points == 64
    with pytest.raises(RoMAInputError, match="q must be >= 1"):
        BOqEIOptions.for_run({"q": 0})


def test_gp_qlogei_smoke_uses_a_few_greedy_steps():
    task = tiny_continuous_task()
    X = gp_qlogei(task, n=10, seed=0, smoke=True)
    steps = GPqLogEIOptions.SMOKE_GREEDY_STEPS
    # The candidates after the greedy steps repeat them.
    assert torch.equal(X[steps:], X[: 10 - steps])


def test_gp_qlogei_needs_bounds():
    task = tiny_continuous_task()
    task.bounds = None
    with pytest.raises(RoMAInputError, match="bounded"):
        gp_qlogei(task, n=4, seed=0, smoke=True)


def test_bo_qei_given_options_change_the_run():
    task = tiny_continuous_task()  # 48 rows: n=60 returns every GP point
    X = bo_qei(task, n=60, seed=0, smoke=True)
    assert torch.equal(X, bo_qei(task, n=60, seed=0, smoke=True, ensemble_size=2))
    assert not torch.equal(X, bo_qei(task, n=60, seed=0, smoke=True, q=2))
