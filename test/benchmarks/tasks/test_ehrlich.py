r"""Tests for botorch_roma/benchmarks/tasks/ehrlich.py."""

from __future__ import annotations

import pickle

import pytest
import torch

from botorch_roma.benchmarks.tasks.cache import CACHE_ENV_VAR
from botorch_roma.benchmarks.tasks.ehrlich import (
    TFBIND8_CONFIG,
    EhrlichConfig,
    EhrlichOracle,
    make_ehrlich_task,
)
from botorch_roma.exceptions import RoMAInputError

SMALL = EhrlichConfig(num_states=8, length=16, num_motifs=2, motif_length=3)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))


def test_tfbind8_shaped_is_exact():
    task = make_ehrlich_task(TFBIND8_CONFIG)
    oracle = task.oracle
    everything = torch.cartesian_prod(*[torch.arange(4)] * 8)
    raw = oracle.raw(everything)
    feasible = torch.isfinite(raw)
    n_feasible = int(feasible.sum())
    assert task.metadata["n_space"] == 4**8
    assert task.metadata["n_total"] == n_feasible
    assert task.X.shape == (n_feasible // 2, 8) and task.X.dtype == torch.long
    assert task.num_categories == 4 and task.bounds is None and task.is_discrete
    # Exact range over every feasible sequence: the optimum 1.0 is reachable.
    assert task.y_min == raw[feasible].min().item() == 0.0
    assert task.y_max == raw[feasible].max().item() == 1.0
    # The visible half is the bottom half.
    assert task.Y.max().item() <= raw[feasible].median().item() + 1e-12
    # Visible designs are distinct and feasible, and the oracle reproduces Y.
    assert task.X.unique(dim=0).shape[0] == task.X.shape[0]
    assert torch.equal(task.evaluate(task.X), task.Y)


def test_infeasible_scores_are_finite():
    oracle = EhrlichOracle(TFBIND8_CONFIG)
    everything = torch.cartesian_prod(*[torch.arange(4)] * 8)
    infeasible = everything[~torch.isfinite(oracle.raw(everything))][:5]
    assert infeasible.shape[0] == 5
    assert torch.equal(oracle(infeasible), torch.zeros(5, 1, dtype=torch.double))
    penalized = EhrlichOracle(TFBIND8_CONFIG, infeasible_score=-1.0)
    assert torch.equal(penalized(infeasible), -torch.ones(5, 1, dtype=torch.double))


def test_oracle_inputs():
    task = make_ehrlich_task(TFBIND8_CONFIG)
    for dtype in (torch.float, torch.double):
        y = task.evaluate(task.X[:3].to(dtype))
        assert y.dtype == dtype and torch.equal(y.double(), task.Y[:3])
    with pytest.raises(RoMAInputError, match="integer category ids"):
        task.evaluate(task.X[:2].double() + 0.5)
    with pytest.raises(RoMAInputError, match=r"\[0, 4\)"):
        task.evaluate(torch.full((1, 8), 4))
    with pytest.raises(RoMAInputError, match="argmax"):
        task.evaluate(torch.zeros(2, 8, 4))
    oracle = pickle.loads(pickle.dumps(task.oracle))
    assert torch.equal(oracle(task.X[:3]), task.Y[:3])


def test_generated_dataset():
    task = make_ehrlich_task(SMALL, n_total=300, seed=0)
    assert task.X.shape == (150, 16) and task.num_categories == 8
    full_unique = task.metadata["n_total"]
    assert full_unique == 300
    assert task.X.unique(dim=0).shape[0] == 150
    assert torch.equal(task.evaluate(task.X), task.Y)
    assert task.Y.max().item() <= task.y_max and task.y_min <= task.Y.min().item()
    # The GA climbs: the hidden half holds better sequences.
    assert task.y_max > task.Y.max().item()
    # Cached and reproducible; another seed gives other data.
    again = make_ehrlich_task(SMALL, n_total=300, seed=0)
    assert again.metadata["cache_path"] == task.metadata["cache_path"]
    assert torch.equal(again.X, task.X)
    fresh = make_ehrlich_task(SMALL, n_total=300, seed=0, cache=False)
    assert torch.equal(fresh.X, task.X) and torch.equal(fresh.Y, task.Y)
    other = make_ehrlich_task(SMALL, n_total=300, seed=1, cache=False)
    assert not torch.equal(other.X, task.X)


def test_bad_inputs():
    with pytest.raises(RoMAInputError, match="enumerate"):
        make_ehrlich_task(SMALL)
    with pytest.raises(RoMAInputError, match="visible_fraction"):
        make_ehrlich_task(TFBIND8_CONFIG, visible_fraction=1.5)
    with pytest.raises(RoMAInputError, match="Invalid Ehrlich configuration"):
        make_ehrlich_task(
            EhrlichConfig(num_states=4, length=4, num_motifs=2, motif_length=4)
        )
