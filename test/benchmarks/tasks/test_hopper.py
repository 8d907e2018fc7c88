r"""Tests for botorch_roma/benchmarks/tasks/hopper.py (a handful of short rollouts)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from botorch_roma.benchmarks.tasks.cache import CACHE_ENV_VAR
from botorch_roma.benchmarks.tasks.hopper import (
    HopperConfig,
    HopperOracle,
    hopper_policy_dim,
    make_hopper_task,
)
from botorch_roma.exceptions import RoMAInputError

# 3 iterations x 4 policies, a one-layer policy, episodes of at most 40 steps.
TINY = HopperConfig(hidden_sizes=(8,), horizon=40, n_iterations=3, population=4)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_policy_dim():
    assert hopper_policy_dim((64, 64)) == 11 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3
    assert hopper_policy_dim((8,)) == 11 * 8 + 8 + 8 * 3 + 3


def test_tiny_task(cache_dir):
    task = make_hopper_task(TINY)
    d = hopper_policy_dim((8,))
    assert task.name == "hopper" and not task.is_discrete
    assert task.X.shape == (12, d) and task.Y.shape == (12, 1)
    assert task.X.dtype == torch.double and task.Y.dtype == torch.double
    # All visible by default, so the data's range is the normalization range.
    assert task.y_min == task.Y.min().item() and task.y_max == task.Y.max().item()
    assert task.bounds.shape == (2, d)
    assert (task.bounds[0] <= task.X).all() and (task.X <= task.bounds[1]).all()
    assert task.metadata["env_steps"] <= 12 * TINY.horizon
    assert task.metadata["iteration"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    # The designs are float32-representable, so they reproduce their returns.
    assert torch.equal(task.X.float().double(), task.X)
    for dtype in (torch.float, torch.double):
        y = task.evaluate(task.X[:2].to(dtype))
        assert y.dtype == dtype and y.shape == (2, 1)
        assert torch.allclose(y.double(), task.Y[:2], atol=1e-3)
    # The dataset was cached, and reloading gives the same data.
    assert Path(task.metadata["cache_path"]).parent == cache_dir / "hopper"
    again = make_hopper_task(TINY)
    assert torch.equal(again.X, task.X) and torch.equal(again.Y, task.Y)


def test_deterministic_without_cache():
    first = make_hopper_task(TINY, cache=False)
    second = make_hopper_task(TINY, cache=False)
    assert torch.equal(first.X, second.X) and torch.equal(first.Y, second.Y)
    assert first.metadata["cache_path"] is None
    other = make_hopper_task(HopperConfig(**{**TINY.__dict__, "seed": 1}), cache=False)
    assert not torch.equal(other.X, first.X)


def test_visible_fraction():
    task = make_hopper_task(TINY, visible_fraction=0.5)
    assert task.X.shape[0] == 6
    assert task.Y.max().item() < task.y_max


def test_oracle_pickles_and_validates():
    oracle = pickle.loads(pickle.dumps(HopperOracle(TINY)))
    d = hopper_policy_dim((8,))
    zeros = torch.zeros(1, d)
    assert oracle(zeros).shape == (1, 1)
    with pytest.raises(RoMAInputError, match="policy weights"):
        oracle(torch.zeros(2, d + 1))
    with pytest.raises(RoMAInputError, match="NaN"):
        oracle(torch.full((1, d), float("nan")))


def test_bad_config():
    with pytest.raises(RoMAInputError, match="even"):
        make_hopper_task(HopperConfig(population=3))
    with pytest.raises(RoMAInputError, match="visible_fraction"):
        make_hopper_task(TINY, visible_fraction=0.0)
    with pytest.raises(RoMAInputError, match="hidden_sizes"):
        make_hopper_task(HopperConfig(hidden_sizes=()))
