r"""Every benchmark method returns valid candidates on tiny tasks.

Covers botorch_roma/benchmarks/methods/{dataset,gradient_ascent,coms,bayesopt,
roma}.py through the registry.
"""

import pytest
import torch
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.benchmarks.methods import (
    METHODS,
    RELAXATIONS,
    get_method,
    register_relaxation,
)
from botorch_roma.benchmarks.methods.utils import collect_run_info, logit_relaxation
from test.benchmarks.helpers import tiny_continuous_task, tiny_discrete_task

BUILTIN = [
    "roma",
    "roma-no-adapt",
    "roma-smoothing-only",
    "grad-ascent",
    "coms",
    "bo-qei",
    "gp-qlogei",
    "dataset-top128",
]
N = 6


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
@pytest.mark.parametrize("name", BUILTIN)
def test_continuous_candidates_valid_and_reproducible(name, dtype):
    task = tiny_continuous_task(dtype)
    X_before = task.X.clone()
    method = get_method(name)
    X = method(task, n=N, seed=1, smoke=True)
    assert X.shape == (N, task.dim)
    assert X.dtype == dtype
    assert torch.isfinite(X).all()
    assert (X >= task.bounds[0]).all() and (X <= task.bounds[1]).all()
    assert torch.equal(task.X, X_before)  # the task is never mutated
    X_again = method(task, n=N, seed=1, smoke=True)
    assert torch.allclose(X, X_again)
    assert torch.isfinite(task.evaluate(X)).all()


@pytest.mark.parametrize("name", ["grad-ascent", "coms", "bo-qei", "gp-qlogei"])
def test_discrete_baselines(name):
    task = tiny_discrete_task()
    X = METHODS[name](task, n=N, seed=0, smoke=True)
    assert X.shape == (N, task.dim)
    assert X.dtype == torch.long
    assert ((X >= 0) & (X < task.num_categories)).all()


def test_dataset_top_k_pads_and_handles_discrete():
    task = tiny_discrete_task(n=4)
    X = METHODS["dataset-top128"](task, n=10, seed=0)
    assert X.shape == (10, task.dim)
    best = task.X[task.Y.squeeze(-1).argmax()]
    assert torch.equal(X[0], best)


def test_roma_discrete_routes():
    task = tiny_discrete_task()
    for name in ["roma", "roma-no-adapt", "roma-smoothing-only"]:
        with pytest.raises(UnsupportedError, match="relaxation"):
            METHODS[name](task, n=N, seed=0, smoke=True, relaxation="missing")
    # The package's VAE latent route (botorch_roma.latent).
    X = METHODS["roma"](task, n=N, seed=0, smoke=True)
    assert X.shape == (N, task.dim) and X.dtype == torch.long
    assert ((X >= 0) & (X < task.num_categories)).all()
    # A registered relaxation under the requested name takes precedence.
    register_relaxation("test-logits", logit_relaxation)
    try:
        X = METHODS["roma"](task, n=N, seed=0, smoke=True, relaxation="test-logits")
        assert X.shape == (N, task.dim) and X.dtype == torch.long
    finally:
        RELAXATIONS.pop("test-logits")


def test_roma_options():
    task = tiny_continuous_task()
    X = METHODS["roma"](
        task, n=N, seed=0, smoke=True, select_epsilon=False, epsilon=1e-3, alpha=0.1
    )
    assert X.shape == (N, task.dim)
    with pytest.raises(ValueError, match="Unknown RoMA option"):
        METHODS["roma"](task, n=N, seed=0, smoke=True, no_such_option=1)
    with pytest.raises(ValueError, match="epsilon_scale"):
        METHODS["roma"](task, n=N, seed=0, smoke=True, epsilon_scale=-1.0)
    # An explicit epsilon would be overwritten by the offline rule: refuse it.
    with pytest.raises(ValueError, match="no-select-epsilon"):
        METHODS["roma"](task, n=N, seed=0, smoke=True, epsilon=1e-3)


def test_roma_records_its_epsilon():
    task = tiny_continuous_task()
    grid = (0.5, 1e-3)
    with collect_run_info() as info:
        METHODS["roma"](task, n=N, seed=0, smoke=True, epsilon_grid=grid)
    # The rule picks from the grid (or falls back to 0, with a warning).
    assert info["epsilon"] in (*grid, 0.0)
    assert info["epsilon_source"] == "offline rule"
    assert info["epsilon_grid"] == list(grid)
    assert info["adaptation"] == "per_candidate"
    assert info["adaptation_epsilon"] == info["epsilon"]
    # The rule's evidence: tried from the largest value down, until one is stable.
    trials = info["epsilon_rule"]["trials"]
    assert [t["epsilon"] for t in trials] == list(grid)[: len(trials)]
    assert [t["stable"] for t in trials[:-1]] == [False] * (len(trials) - 1)
    assert info["epsilon_rule"]["reference_val_mse"] >= 0
    # Explicit values: the pre-training epsilon, its scale, and a separate radius.
    with collect_run_info() as info:
        X = METHODS["roma"](
            task,
            n=N,
            seed=0,
            smoke=True,
            select_epsilon=False,
            epsilon=1e-2,
            epsilon_scale=0.5,
            adaptation_epsilon=0.05,
        )
    assert X.shape == (N, task.dim)
    assert info["epsilon"] == pytest.approx(5e-3)
    assert info["epsilon_source"] == "given" and info["epsilon_grid"] is None
    assert info["adaptation_epsilon"] == 0.05
    with collect_run_info() as info:
        METHODS["roma-smoothing-only"](task, n=N, seed=0, smoke=True)
    assert info["epsilon"] == 0.0 and info["adaptation"] == "none"
    with pytest.raises(ValueError, match="adaptation_epsilon must be >= 0"):
        METHODS["roma"](task, n=N, seed=0, smoke=True, adaptation_epsilon=-1.0)


def test_roma_adaptation_epsilon_changes_the_ascent():
    task = tiny_continuous_task()
    common = dict(n=N, seed=0, smoke=True, select_epsilon=False, epsilon=1e-2)
    X_default = METHODS["roma"](task, **common)
    X_same = METHODS["roma"](task, adaptation_epsilon=1e-2, **common)
    X_wide = METHODS["roma"](task, adaptation_epsilon=0.5, **common)
    assert torch.equal(X_default, X_same)
    assert not torch.equal(X_default, X_wide)
