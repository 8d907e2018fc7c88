r"""Tests for botorch_roma/benchmarks/tasks/registry.py."""

from __future__ import annotations

import pytest
import torch

from botorch_roma.benchmarks.tasks import OfflineTask
from botorch_roma.benchmarks.tasks.cache import CACHE_ENV_VAR
from botorch_roma.benchmarks.tasks.registry import (
    TASKS,
    describe_tasks,
    get_task,
    list_tasks,
    register_task,
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
    assert list(descriptions) == names
    assert all(descriptions[name] for name in BUILT_IN)
    assert "Superconductor" in descriptions["rosenbrock-86"]


def test_every_builder_takes_smoke():
    import inspect

    for name in BUILT_IN:
        assert "smoke" in inspect.signature(TASKS[name]).parameters


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
    finally:
        TASKS.pop("tiny-test-task")
