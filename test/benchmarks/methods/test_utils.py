r"""Tests for botorch_roma/benchmarks/methods/utils.py."""

import pytest
import torch
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.benchmarks.methods.utils import (
    ContinuousView,
    build_mlp,
    collect_run_info,
    continuous_view,
    get_relaxation,
    logit_relaxation,
    minibatches,
    pad_to,
    record_run_info,
    standardize,
    stratified_subsample,
    top_k_indices,
    train_mse_proxy,
    zscore_transform,
)
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task, tiny_discrete_task


def test_logit_relaxation_roundtrip():
    task = tiny_discrete_task()
    view = logit_relaxation(task)
    L, V = task.dim, task.num_categories
    assert view.X.shape == (task.X.shape[0], L * (V - 1))
    assert torch.equal(view.decode(view.X), task.X)
    assert (view.X >= view.bounds[0]).all() and (view.X <= view.bounds[1]).all()
    with pytest.raises(RoMAInputError, match="continuous"):
        logit_relaxation(tiny_continuous_task())


def test_continuous_view_clamps_and_unknown_relaxation():
    task = tiny_continuous_task()
    view = continuous_view(task)
    assert view.X is task.X
    far = task.bounds[1] + 10.0
    assert torch.equal(view.decode(far.unsqueeze(0)), task.bounds[1:])
    with pytest.raises(UnsupportedError, match="register_relaxation"):
        get_relaxation("no-such-relaxation")
    with pytest.raises(UnsupportedError):
        continuous_view(tiny_discrete_task(), relaxation="no-such-relaxation")


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_standardizer_and_selection(dtype):
    X = torch.randn(20, 3, dtype=dtype) * 5 + 2
    X[:, 1] = 1.0  # constant column: std clipped, no NaN
    tf = zscore_transform(X)
    Z = tf(X)
    assert torch.isfinite(Z).all()
    assert torch.allclose(tf.untransform(Z), X, atol=1e-4)
    Y = torch.arange(20, dtype=dtype).unsqueeze(-1)
    assert top_k_indices(Y, 3).tolist() == [19, 18, 17]
    assert top_k_indices(Y, 50).shape == (20,)
    idx = stratified_subsample(Y, 8, torch.Generator().manual_seed(0))
    assert idx.shape == (8,) and set(range(16, 20)) <= set(idx.tolist())
    assert stratified_subsample(Y, 50).shape == (20,)
    assert pad_to(X[:3], 7).shape == (7, 3)
    assert torch.equal(pad_to(X, 5), X[:5])


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_zscore_transform_and_standardize(dtype):
    X = torch.randn(30, 3, dtype=dtype) * 4 + 1
    Z = zscore_transform(X)(X)
    assert torch.allclose(Z.mean(0), torch.zeros(3, dtype=dtype), atol=1e-5)
    assert torch.allclose(Z.std(0), torch.ones(3, dtype=dtype), atol=1e-5)
    bounds = torch.stack([X.min(0).values - 1, X.max(0).values + 1])
    view = ContinuousView(X, X[:, :1] * 2, bounds, lambda Z: Z + 100)
    data = standardize(view)
    assert torch.equal(data.X, Z)
    assert torch.allclose(data.Y, zscore_transform(view.Y)(view.Y))
    assert (data.bounds[0] < data.X).all() and (data.X < data.bounds[1]).all()
    # decode: back to the view's units, then the view's own decode.
    assert torch.allclose(data.decode(data.X), X + 100, atol=1e-4)
    assert standardize(view, dtype=torch.double).X.dtype == torch.double
    # A single row is only centred.
    assert torch.equal(zscore_transform(X[:1])(X[:1]), torch.zeros_like(X[:1]))


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_minibatches_cover_every_row_once(dtype):
    X = torch.arange(10, dtype=dtype).unsqueeze(-1)
    gen = torch.Generator().manual_seed(0)
    batches = list(minibatches(X, X, 4, generator=gen))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    idx = torch.cat([b[0] for b in batches])
    assert sorted(idx.tolist()) == list(range(10))
    for i, xb, yb in batches:
        assert torch.equal(xb, X[i]) and torch.equal(yb, X[i])
    noisy = next(minibatches(X, X, 10, noise_std=0.5, generator=gen))
    assert not torch.equal(noisy[1], X[noisy[0]]) and torch.equal(noisy[2], X[noisy[0]])


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_train_mse_proxy_decreases_loss(dtype):
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(64, 2, generator=gen, dtype=dtype)
    Y = X.sum(-1, keepdim=True)
    model = build_mlp(2, (16,), dtype=dtype)
    history = train_mse_proxy(model, X, Y, epochs=30, lr=1e-2, generator=gen)
    assert history[-1] < 0.5 * history[0]
    with pytest.raises(RoMAInputError, match="activation"):
        build_mlp(2, (4,), activation="nope")


def test_run_info_is_collected_per_block():
    record_run_info(ignored=1)  # Outside a run: no-op, no error.
    with collect_run_info() as outer:
        record_run_info(a=1)
        with collect_run_info() as inner:
            record_run_info(b=2)
        record_run_info(a=3)
    assert outer == {"a": 3} and inner == {"b": 2}
    with collect_run_info() as fresh:
        pass
    assert fresh == {}
