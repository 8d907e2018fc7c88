r"""Tests for botorch_roma/benchmarks/methods/ranking.py."""

import pytest
import torch

from botorch_roma.benchmarks.methods.gradient_ascent import GradientAscentOptions
from botorch_roma.benchmarks.methods.ranking import (
    ListNetOptions,
    ZScoredProxy,
    listnet_ascent,
    listwise_batches,
    train_listnet_proxy,
)
from botorch_roma.benchmarks.methods.utils import build_mlp
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task


def _spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    ra, rb = (v.argsort().argsort().double() for v in (a, b))
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / (ra.norm() * rb.norm()))


def test_options_and_smoke_budget():
    defaults = ListNetOptions.for_run()
    assert (defaults.list_size, defaults.batch_size) == (1000, 1)
    ascent = GradientAscentOptions.for_run()
    assert (defaults.steps, defaults.step_size, defaults.epochs) == (
        ascent.steps,
        ascent.step_size,
        ascent.epochs,
    )
    smoke = ListNetOptions.for_run(smoke=True)
    assert (smoke.hidden_sizes, smoke.epochs, smoke.steps) == ((32, 32), 2, 5)
    with pytest.raises(RoMAInputError, match="list_size must be >= 2"):
        ListNetOptions.for_run({"list_size": 1})
    task = tiny_continuous_task()
    with pytest.raises(RoMAInputError, match="batch_size must be >= 1"):
        listnet_ascent(task, n=4, smoke=True, batch_size=0)


def test_listwise_batches_cut_one_shuffle_into_lists():
    gen = torch.Generator().manual_seed(0)
    batches = list(listwise_batches(10, 3, 2, gen))
    assert [tuple(b.shape) for b in batches] == [(2, 3), (1, 3)]
    rows = torch.cat([b.reshape(-1) for b in batches])
    assert rows.unique().numel() == 9  # disjoint; one row left over
    # Lists are capped at the data size.
    (only,) = listwise_batches(4, 1000, 8, gen)
    assert only.shape == (1, 4) and set(only[0].tolist()) == {0, 1, 2, 3}


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_listnet_proxy_ranks_the_data(dtype):
    gen = torch.Generator().manual_seed(0)
    X = 2 * torch.rand(200, 2, generator=gen, dtype=dtype) - 1
    Y = -(X - 0.3).square().sum(-1, keepdim=True)
    Y = (Y - Y.mean()) / Y.std()
    torch.manual_seed(0)
    model = build_mlp(2, (32, 32), dtype=dtype)
    options = {"epochs": 100, "list_size": 50, "lr": 1e-2}
    history = train_listnet_proxy(model, X, Y, options, generator=gen)
    assert len(history) == 100 and history[-1] < history[0]
    proxy = ZScoredProxy(model, X)
    with torch.no_grad():
        pred = proxy(X).squeeze(-1)
    assert _spearman(pred, Y.squeeze(-1)) > 0.9
    # The ascent's proxy is z-scored on the training inputs.
    assert abs(float(pred.mean())) < 1e-4 and abs(float(pred.std()) - 1) < 1e-4


def test_given_options_change_the_run():
    task = tiny_continuous_task()
    X = listnet_ascent(task, n=6, seed=0, smoke=True)
    assert torch.equal(X, listnet_ascent(task, n=6, seed=0, smoke=True, steps=5))
    assert not torch.equal(
        X, listnet_ascent(task, n=6, seed=0, smoke=True, list_size=8)
    )
