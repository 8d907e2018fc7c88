r"""Tests for botorch_roma/benchmarks/methods/dataset.py."""

import pytest
import torch

from botorch_roma.benchmarks.methods import METHODS
from botorch_roma.benchmarks.methods.dataset import dataset_top_k
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task, tiny_discrete_task


def test_dataset_top_k_pads_and_handles_discrete():
    task = tiny_discrete_task(n=4)
    X = METHODS["dataset-top128"](task, n=10, seed=0)
    assert X.shape == (10, task.dim)
    best = task.X[task.Y.squeeze(-1).argmax()]
    assert torch.equal(X[0], best)


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_dataset_top_k_is_the_best_rows_best_first(dtype):
    task = tiny_continuous_task(dtype)
    X = dataset_top_k(task, n=5)
    order = task.Y.squeeze(-1).argsort(descending=True)[:5]
    assert torch.equal(X, task.X[order])
    X[0] = 0.0  # a copy: the task is never mutated
    assert not torch.equal(task.X[order[0]], X[0])
    with pytest.raises(RoMAInputError, match="Unknown method option"):
        dataset_top_k(task, n=5, k=3)
