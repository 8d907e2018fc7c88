r"""Tests for botorch_roma/benchmarks/methods/roma.py."""

import pytest
import torch
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.benchmarks.methods import METHODS, RELAXATIONS, register_relaxation
from botorch_roma.benchmarks.methods.roma import (
    SMOKE_OPTIONS,
    RoMAMethodOptions,
    clear_epsilon_cache,
    offline_epsilon,
)
from botorch_roma.benchmarks.methods.utils import collect_run_info, logit_relaxation
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.models.epsilon import EPSILON_GRID
from botorch_roma.options import SMOKE_BUDGET, AscentOptions, PretrainingOptions
from test.benchmarks.helpers import tiny_continuous_task, tiny_discrete_task

N = 6


def test_roma_discrete_routes():
    task = tiny_discrete_task()
    for name in ["roma", "roma-no-adapt", "roma-smoothing-only"]:
        with pytest.raises(UnsupportedError, match="relaxation"):
            METHODS[name](task, n=N, seed=0, smoke=True, relaxation="missing")
    # The package's VAE latent route (botorch_roma.latent), which records how
    # well its VAE gives back the data and the starting designs.
    with collect_run_info() as info:
        X = METHODS["roma"](task, n=N, seed=0, smoke=True)
    assert X.shape == (N, task.dim) and X.dtype == torch.long
    assert ((X >= 0) & (X < task.num_categories)).all()
    vae = info["vae"]
    assert vae["starts"] == N
    for key in ("position_accuracy", "sequence_accuracy", "start_reproduction"):
        assert 0.0 <= vae[key] <= 1.0
    assert vae["sequence_accuracy"] <= vae["position_accuracy"]
    assert info["plausibility"] == "transitions" and info["failed_checks"] >= 0
    assert sum(info["routes"].values()) == N
    # The latent route's checks are method options on discrete tasks.
    with collect_run_info() as info:
        METHODS["roma"](task, n=N, seed=0, smoke=True, plausibility="none")
    assert info["plausibility"] == "none"
    with pytest.raises(RoMAInputError, match="plausibility"):
        METHODS["roma"](task, n=N, seed=0, smoke=True, plausibility="motifs")
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
    # The ascent's learning rate has its own name (a bare lr is pre-training's).
    same = dict(select_epsilon=False, epsilon=1e-2, epsilon_scale=0.5)
    same.update(adaptation_epsilon=0.05)
    fast = METHODS["roma"](task, n=N, seed=0, smoke=True, ascent_lr=0.3, **same)
    again = METHODS["roma"](task, n=N, seed=0, smoke=True, **same)
    assert torch.allclose(again, X) and not torch.allclose(fast, X)
    with pytest.raises(ValueError, match="ascent_lr must be > 0"):
        METHODS["roma"](task, n=N, seed=0, smoke=True, ascent_lr=0.0)
    with collect_run_info() as info:
        METHODS["roma-smoothing-only"](task, n=N, seed=0, smoke=True)
    assert info["epsilon"] == 0.0 and info["adaptation"] == "none"
    # The ensemble's ablation order: with RoMA's adaptation, the default
    # (without it), and without the robust perturbation too (epsilon 0, no
    # offline rule).
    with collect_run_info() as info:
        METHODS["roma-ensemble-adapt"](
            task, n=N, seed=0, smoke=True, select_epsilon=False
        )
    assert info["adaptation"] == "per_candidate" and info["epsilon"] > 0.0
    with collect_run_info() as info:
        METHODS["roma-ensemble"](task, n=N, seed=0, smoke=True, select_epsilon=False)
    assert info["adaptation"] == "none" and info["epsilon"] > 0.0
    with collect_run_info() as info:
        METHODS["roma-ensemble-smoothing-only"](task, n=N, seed=0, smoke=True)
    assert info["epsilon"] == 0.0 and info["adaptation"] == "none"
    assert info["epsilon_source"] == "given"
    with pytest.raises(ValueError, match="adaptation_epsilon must be >= 0"):
        METHODS["roma"](task, n=N, seed=0, smoke=True, adaptation_epsilon=-1.0)


def test_roma_ensemble_records_its_calibration():
    task = tiny_continuous_task()
    with collect_run_info() as info:
        METHODS["roma"](task, n=N, seed=0, smoke=True, select_epsilon=False)
    assert "calibration_spearman" not in info  # a single proxy has no spread
    with collect_run_info() as info:
        X = METHODS["roma"](
            task,
            n=N,
            seed=0,
            smoke=True,
            select_epsilon=False,
            num_models=3,
            val_size=8,
        )
    assert X.shape == (N, task.dim)
    assert -1.0 <= info["calibration_spearman"] <= 1.0
    assert info["calibration_rows"] == 8


def test_roma_adaptation_epsilon_changes_the_ascent():
    task = tiny_continuous_task()
    common = dict(n=N, seed=0, smoke=True, select_epsilon=False, epsilon=1e-2)
    X_default = METHODS["roma"](task, **common)
    X_same = METHODS["roma"](task, adaptation_epsilon=1e-2, **common)
    X_wide = METHODS["roma"](task, adaptation_epsilon=0.5, **common)
    assert torch.equal(X_default, X_same)
    assert not torch.equal(X_default, X_wide)


def test_method_options_and_smoke_budget():
    assert RoMAMethodOptions.for_run().grid == EPSILON_GRID
    smoke = RoMAMethodOptions.for_run({}, smoke=True)
    assert smoke.grid == (1e-2, 1e-3) and smoke.selects_epsilon
    assert RoMAMethodOptions.for_run({"epsilon_grid": None}, smoke=True).grid == (
        1e-2,
        1e-3,
    )
    # The VAE's smoke budget goes under the given VAE options.
    smoke = RoMAMethodOptions.for_run({"vae_options": {"epochs": 7}}, smoke=True)
    assert smoke.vae_options["epochs"] == 7 and smoke.vae_options["latent_dim"] == 4
    assert not RoMAMethodOptions.for_run({"epsilon_grid": ()}).selects_epsilon
    assert not RoMAMethodOptions.for_run({"select_epsilon": False}).selects_epsilon
    # The pre-training and ascent smoke budgets are the core's, not a copy.
    assert SMOKE_OPTIONS == {
        **SMOKE_BUDGET[PretrainingOptions],
        **SMOKE_BUDGET[AscentOptions],
    }
    with pytest.raises(RoMAInputError, match="vae_options must be a dict"):
        RoMAMethodOptions.for_run({"vae_options": 3})


def test_offline_epsilon_is_cached():
    task = tiny_continuous_task()
    calls = []

    def data():
        calls.append(1)
        return task.X, task.Y

    clear_epsilon_cache()
    options = dict(grid=(1e-2,), epochs=2, inner_steps=2, hidden_sizes=(8,))
    first = offline_epsilon(data, key="tiny", **options)
    second = offline_epsilon(data, key="tiny", **options)
    assert first == second and calls == [1]
    offline_epsilon(data, key=None, **options)
    assert calls == [1, 1]
    clear_epsilon_cache()


def test_roma_ensemble_uses_default_preset():
    # Enough rows for a held-out set (the calibration check needs one).
    task = tiny_continuous_task(n_total=400)
    with collect_run_info() as info:
        X = METHODS["roma-ensemble"](task, n=N, seed=0, smoke=True)
    assert X.shape == (N, task.dim)
    # Five members: the calibration check is recorded only for ensembles.
    assert "calibration_spearman" in info
    # Explicit options win over the preset.
    with collect_run_info() as info:
        METHODS["roma-ensemble"](task, n=N, seed=0, smoke=True, num_models=1)
    assert "calibration_spearman" not in info
