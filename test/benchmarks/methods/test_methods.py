r"""Every registered benchmark method returns valid candidates on tiny tasks.

Covers botorch_roma/benchmarks/methods/{dataset,gradient_ascent,ensemble,ranking,
coms,bayesopt,gp_mean,roma}.py through the registry; each module's own behaviour
is tested in its test file (test_roma.py, test_dataset.py, ...).
"""

import pytest
import torch

from botorch_roma.benchmarks.methods import METHODS, get_method
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task, tiny_discrete_task

BUILTIN = [
    "roma",
    "roma-ensemble",
    "roma-ensemble-adapt",
    "roma-ensemble-mse",
    "roma-ensemble-smoothing-only",
    "roma-no-adapt",
    "roma-smoothing-only",
    "grad-ascent",
    "grad-ascent-ensemble",
    "listnet-ascent",
    "coms",
    "bo-qei",
    "gp-qlogei",
    "gp-mean-ascent",
    "dataset-top128",
]
#: The baselines that optimize discrete tasks in Design-Bench's logit relaxation.
RELAXED = [m for m in BUILTIN if not m.startswith("roma") and m != "dataset-top128"]
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


@pytest.mark.parametrize("name", RELAXED)
def test_discrete_baselines(name):
    task = tiny_discrete_task()
    X = METHODS[name](task, n=N, seed=0, smoke=True)
    assert X.shape == (N, task.dim)
    assert X.dtype == torch.long
    assert ((X >= 0) & (X < task.num_categories)).all()


@pytest.mark.parametrize("name", BUILTIN)
def test_unknown_options_name_the_method(name):
    task = tiny_continuous_task()
    with pytest.raises(RoMAInputError, match=r"Unknown .*option\(s\) \['no_such'\]"):
        get_method(name)(task, n=N, seed=0, smoke=True, no_such=1)


# bo-qei's top-6 on this task are dataset rows, whatever the seed.
@pytest.mark.parametrize("name", [m for m in RELAXED if m != "bo-qei"])
def test_another_seed_gives_other_candidates(name):
    task = tiny_continuous_task()  # 48 rows
    # gp-mean-ascent's seed only draws the GP's subsample.
    options = {"max_points": 16} if name == "gp-mean-ascent" else {}
    X = get_method(name)(task, n=N, seed=0, smoke=True, **options)
    assert not torch.equal(
        X, get_method(name)(task, n=N, seed=1, smoke=True, **options)
    )
