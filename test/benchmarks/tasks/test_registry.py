r"""Tests for botorch_roma/benchmarks/tasks/registry.py."""

from __future__ import annotations

import re

import pytest
import torch

from botorch_roma.benchmarks.tasks import OfflineTask, ehrlich, hopper
from botorch_roma.benchmarks.tasks.cache import CACHE_ENV_VAR
from botorch_roma.benchmarks.tasks.registry import (
    TASKS,
    describe_tasks,
    get_task,
    list_tasks,
    register_task,
    task_accepts,
)
from botorch_roma.exceptions import RoMAInputError

BUILT_IN = ["rosenbrock-86", "levy-20", "hopper", "ehrlich-tfbind8", "ehrlich-gfp"]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))


def test_list_and_describe():
    names = list_tasks()
    assert names[: len(BUILT_IN)] == BUILT_IN
    descriptions = describe_tasks()
    assert all(descriptions[name] for name in BUILT_IN)
    assert "Superconductor" in descriptions["rosenbrock-86"]


def test_every_builder_takes_smoke():
    import inspect

    for name in BUILT_IN:
        assert "smoke" in inspect.signature(TASKS[name]).parameters
        assert task_accepts(name, "smoke")
    assert not task_accepts("levy-20", "n_jobs") and task_accepts("hopper", "n_jobs")
    assert not task_accepts("no-such-task", "smoke")


def _number(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in {text!r}"
    return int(match.group(1).replace(",", ""))


def _fake_ga(oracle, n_total, seed, **settings):
    # Random sequences stand in for the GA run (its cost is not under test).
    gen = torch.Generator().manual_seed(seed)
    X = torch.randint(oracle.config.num_states, (n_total, oracle.config.length))
    return {
        "X": X,
        "Y": torch.rand(n_total, 1, generator=gen, dtype=torch.double),
        "generation_seconds": 0.0,
    }


def _fake_es(config, n_jobs=1):
    # Random policies stand in for the evolution strategy (rollouts cost minutes).
    n = config.n_iterations * config.population
    d = hopper.hopper_policy_dim(config.hidden_sizes)
    return {
        "X": torch.randn(n, d, dtype=torch.float32),
        "Y": torch.rand(n, 1, dtype=torch.double),
        "iteration": torch.arange(n) // config.population,
        "episode_length": torch.ones(n, dtype=torch.long),
        "generation_seconds": 0.0,
        "env_steps": n,
    }


@pytest.mark.parametrize(
    "name, dim_pattern, total_pattern",
    [
        ("rosenbrock-86", r"(\d+) dims", r"([\d,]+) uniform designs"),
        ("levy-20", r"(\d+) dims", r"([\d,]+) uniform designs"),
        ("ehrlich-tfbind8", r"length (\d+)", r"all ([\d,]+) feasible"),
        ("ehrlich-gfp", r"length (\d+)", r"([\d,]+) sequences from a GA"),
        ("hopper", r"([\d,]+) dims", r"([\d,]+) policies"),
    ],
)
def test_descriptions_match_the_built_data(
    name, dim_pattern, total_pattern, monkeypatch
):
    # The full (not smoke) tasks; the GA and ES runs are faked, so their data
    # sizes, not their contents, are checked.
    monkeypatch.setattr(ehrlich, "_evolve_dataset", _fake_ga)
    monkeypatch.setattr(hopper, "_generate_dataset", _fake_es)
    text = describe_tasks()[name]
    task = get_task(name)
    assert task.dim == _number(dim_pattern, text)
    assert task.metadata["n_total"] == _number(total_pattern, text)
    if "all visible" in text:
        assert task.X.shape[0] == task.metadata["n_total"]
    else:
        assert task.X.shape[0] == _number(r"\(([\d,]+)\) visible", text)
    vocab = re.search(r"vocab (\d+)", text)
    assert task.num_categories == (int(vocab.group(1)) if vocab else None)


@pytest.mark.parametrize(
    "name, dim, n_visible",
    [("rosenbrock-86", 86, 800), ("levy-20", 20, 800)],
)
def test_continuous_smoke_tasks(name, dim, n_visible):
    task = get_task(name, smoke=True)
    assert isinstance(task, OfflineTask) and task.name == name
    assert task.X.shape == (n_visible, dim) and task.Y.shape == (n_visible, 1)
    assert task.bounds.shape == (2, dim) and not task.is_discrete
    assert task.Y.max().item() <= task.y_max and task.Y.min().item() >= task.y_min
    # The hidden top 20% exists: the visible maximum is below y_max.
    assert task.Y.max().item() < task.y_max
    for dtype in (torch.float, torch.double):
        X = task.X[:4].to(dtype)
        y = task.evaluate(X)
        assert y.shape == (4, 1) and y.dtype == dtype
        assert torch.allclose(y.double(), task.Y[:4], rtol=1e-4)


def test_full_superconductor_shape():
    task = get_task("rosenbrock-86")
    assert task.X.shape == (17010, 86)
    assert task.metadata["n_total"] == 21263


def test_discrete_tasks_via_registry():
    task = get_task("ehrlich-tfbind8")
    assert task.is_discrete and task.num_categories == 4 and task.X.dtype == torch.long
    gfp = get_task("ehrlich-gfp", smoke=True)
    assert gfp.is_discrete and gfp.num_categories == 20 and gfp.X.shape[-1] == 32


def test_hopper_smoke_via_registry():
    task = get_task("hopper", smoke=True)
    assert task.X.shape == (80, 5123) and task.metadata["smoke"]


def test_unknown_task_lists_available():
    with pytest.raises(RoMAInputError, match="Available tasks: rosenbrock-86"):
        get_task("superconductor")
    with pytest.raises(RoMAInputError, match="design-bench:"):
        get_task("nope")


def test_unknown_option():
    with pytest.raises(RoMAInputError, match="does not take the option"):
        get_task("levy-20", smok=True)


def test_design_bench_routes(tmp_path):
    # Without design-bench or data, both spellings give a clear error.
    for name in (
        "design-bench:Superconductor-RandomForest-v0",
        "Superconductor-RandomForest-v0",
    ):
        with pytest.raises(RoMAInputError, match="design-bench"):
            get_task(name, data_dir=tmp_path)
    with pytest.raises(RoMAInputError, match="Unknown design-bench task"):
        get_task("design-bench:Nope-Exact-v0")


def test_register_task():
    @register_task("tiny-test-task", "A tiny task.")
    def _build(smoke: bool = False) -> OfflineTask:
        return get_task("levy-20", smoke=True)

    try:
        assert "tiny-test-task" in list_tasks()
        assert describe_tasks()["tiny-test-task"] == "A tiny task."
        assert get_task("tiny-test-task").X.shape[-1] == 20
        with pytest.raises(RoMAInputError, match="already registered"):
            register_task("tiny-test-task", "Again.")(_build)
    finally:
        TASKS.pop("tiny-test-task")


def test_registered_task_comes_back_with_its_data_and_oracle():
    X = torch.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], dtype=torch.double)

    def oracle(Z):
        return Z.sum(-1, keepdim=True)

    @register_task("test-sum", "The sum of two inputs.")
    def _build(smoke: bool = False, scale: float = 1.0) -> OfflineTask:
        return OfflineTask("test-sum", scale * X, oracle(scale * X), oracle, 0.0, 20.0)

    try:
        task = get_task("test-sum", scale=2.0)
        assert torch.equal(task.X, 2 * X) and torch.equal(task.Y, oracle(2 * X))
        assert torch.equal(task.evaluate(X[:1]), torch.tensor([[1.0]]).double())
        assert list_tasks()[-1] == "test-sum"
        with pytest.raises(RoMAInputError, match="does not take the option"):
            get_task("test-sum", smok=True)
    finally:
        TASKS.pop("test-sum")
    with pytest.raises(RoMAInputError, match="Available tasks: rosenbrock-86"):
        get_task("test-sum")
