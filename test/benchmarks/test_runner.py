r"""Tests for botorch_roma/benchmarks/runner.py."""

import json
from functools import partial

import pytest
import torch

from botorch_roma.benchmarks.runner import (
    RESULT_COLUMNS,
    BenchmarkJob,
    ExecutionOptions,
    MethodSpec,
    evaluate_candidates,
    parse_seeds,
    resolve_task,
    run_benchmark,
    run_job,
    unseen_transitions,
)
from botorch_roma.benchmarks.tasks import make_synthetic_task
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task, tiny_discrete_task

BUILD = partial(make_synthetic_task, "levy", dim=3, n_total=60, seed=0)


def test_parse_seeds():
    assert parse_seeds(3) == [0, 1, 2]
    assert parse_seeds("4") == [0, 1, 2, 3]
    assert parse_seeds("0,5,5,2") == [0, 5, 2]
    assert parse_seeds([7]) == [7]
    for bad in [0, -2, "-1", "0,-3", "abc", [], [1, -1]]:
        with pytest.raises(RoMAInputError):
            parse_seeds(bad)


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_evaluate_candidates(dtype):
    task = tiny_continuous_task(dtype)
    X = task.X[:9]
    out = evaluate_candidates(task, X)
    y = task.normalize(task.evaluate(X)).reshape(-1).double()
    assert out["p100"] == pytest.approx(y.max().item())
    assert out["p50"] == pytest.approx(y.median().item())
    assert out["scores"] == sorted(out["scores"])
    assert len(out["scores"]) == 9


def test_run_benchmark_sequential():
    tasks = {"levy-3": BUILD, "discrete": tiny_discrete_task()}
    methods = [
        "dataset-top128",
        "grad-ascent",
        MethodSpec("ra", "roma", {"relaxation": "missing"}),
    ]
    df = run_benchmark(tasks, methods, seeds=[0, 3], n=5, smoke=True, progress=False)
    assert list(df.columns) == RESULT_COLUMNS
    assert len(df) == 2 * 3 * 2
    assert df["task"].tolist()[:6] == ["levy-3"] * 6
    assert (
        df["method"].tolist()[:6]
        == ["dataset-top128"] * 2 + ["grad-ascent"] * 2 + ["ra"] * 2
    )
    cont = df[df["task"] == "levy-3"]
    assert (cont["status"] == "ok").all()
    for row in cont.itertuples():
        assert row.p100 == pytest.approx(max(row.scores))
        assert len(row.scores) == 5
        assert row.dataset_max <= 1.0
    # Methods that record settings fill ``info``; the others leave it empty.
    baselines = cont[cont["method"] != "ra"]
    assert (baselines["info"] == "{}").all()
    assert (cont.loc[cont["method"] == "ra", "info"] != "{}").all()
    disc = df[df["task"] == "discrete"].set_index("method")
    assert disc.loc["ra", "status"].tolist() == ["unsupported"] * 2
    assert "relaxation" in disc.loc["ra", "message"].iloc[0]
    assert (disc.loc["grad-ascent", "status"] == "ok").all()


def test_failing_and_invalid_runs_are_recorded():
    task = tiny_continuous_task()
    bad = run_job(
        BenchmarkJob("levy", task, MethodSpec("x", "roma", {"nope": 1}), 0, 4, True)
    )
    assert bad["status"] == "error" and "Unknown RoMA option" in bad["message"]
    from botorch_roma.benchmarks.methods import METHODS, Method, register_method

    def outside(task, n, seed, smoke=False):
        return task.bounds[1].expand(n, -1) + 1.0

    register_method(Method("test-outside", outside, "Out of bounds."))
    try:
        rec = run_job(
            BenchmarkJob("levy", task, MethodSpec("o", "test-outside"), 0, 4, True)
        )
    finally:
        METHODS.pop("test-outside")
    assert rec["status"] == "error" and "outside the task's bounds" in rec["message"]


def test_package_warnings_are_recorded():
    task = tiny_continuous_task()
    # A perturbation five times the weights' norm dominates the robust loss, so
    # the rule falls back to epsilon = 0 and warns; the run still succeeds.
    spec = MethodSpec("r", "roma", {"epsilon_grid": (5.0,), "hidden_sizes": (4,)})
    rec = run_job(BenchmarkJob("levy", task, spec, 0, 4, True))
    assert rec["status"] == "ok"
    assert "No epsilon" in rec["message"]


def test_bad_input():
    with pytest.raises(RoMAInputError, match="Available methods"):
        run_benchmark([BUILD], ["no-such-method"], seeds=1, progress=False)
    with pytest.raises(RoMAInputError, match="Seeds must be >= 0"):
        run_benchmark([BUILD], ["dataset-top128"], seeds=[-1], progress=False)
    with pytest.raises(RoMAInputError, match="n must be"):
        run_benchmark([BUILD], ["dataset-top128"], n=0, progress=False)
    with pytest.raises(RoMAInputError, match="unique"):
        run_benchmark([BUILD], ["coms", MethodSpec("coms", "grad-ascent")])
    with pytest.raises(RoMAInputError, match="no-such-task"):
        resolve_task("no-such-task")


def test_run_benchmark_local_processes():
    tasks = {"levy-3": BUILD, "closure": tiny_continuous_task()}
    df = run_benchmark(
        tasks, ["dataset-top128", "coms"], seeds=2, n=4, smoke=True, workers=2,
        progress=False,
    )  # fmt: skip
    assert len(df) == 8
    assert (df["status"] == "ok").all(), df["message"].tolist()
    seq = run_benchmark(tasks, ["coms"], seeds=2, n=4, smoke=True, progress=False)
    par = df[df["method"] == "coms"].reset_index(drop=True)
    assert par["p100"].tolist() == pytest.approx(seq["p100"].tolist())


def test_run_benchmark_on_dask_local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        df = run_benchmark(
            {"levy-3": BUILD, "closure": tiny_discrete_task()},
            ["dataset-top128", "grad-ascent"],
            seeds=2,
            n=4,
            smoke=True,
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert len(df) == 8
    assert (df["status"] == "ok").all(), df["message"].tolist()


def test_run_info_column():
    df = run_benchmark(
        {"levy-3": BUILD},
        ["roma", "grad-ascent"],
        seeds=[0, 1],
        n=4,
        smoke=True,
        progress=False,
    )
    info = df.set_index("method")["info"]
    assert info.loc["grad-ascent"].tolist() == ["{}", "{}"]
    roma_info = [json.loads(s) for s in info.loc["roma"]]
    # The offline rule runs once per process (seed 0): both seeds share it.
    assert roma_info[0] == roma_info[1]
    assert roma_info[0]["epsilon_source"] == "offline rule"


def test_discrete_runs_record_unseen_transitions():
    task = tiny_discrete_task()
    # The data's own rows hold only seen pairs; a repeated token the data
    # never repeats does not.
    assert unseen_transitions(task, task.X[:5]) == 0
    seen = {(a, b) for row in task.X.tolist() for a, b in zip(row, row[1:])}
    unseen = [(a, b) for a in range(3) for b in range(3) if (a, b) not in seen]
    X = task.X[:3].clone()
    if unseen:
        X[0, :2] = torch.tensor(unseen[0])
    assert unseen_transitions(task, X) == (1 if unseen else 0)

    from botorch_roma.benchmarks.methods import METHODS, Method, register_method

    def fixed(task, n, seed, smoke=False):
        return X if task.is_discrete else task.X[:n]

    register_method(Method("test-fixed", fixed, "Fixed candidates."))
    try:
        df = run_benchmark(
            {"discrete": task, "levy-3": BUILD},
            [MethodSpec("fixed", "test-fixed"), "dataset-top128"],
            seeds=[0],
            n=3,
            smoke=True,
            progress=False,
        )
    finally:
        METHODS.pop("test-fixed")
    info = {(r.task, r.method): json.loads(r.info) for r in df.itertuples(index=False)}
    assert info[("discrete", "fixed")]["unseen_transitions"] == (1 if unseen else 0)
    assert info[("discrete", "dataset-top128")]["unseen_transitions"] == 0
    assert "unseen_transitions" not in info[("levy-3", "dataset-top128")]


def test_execution_options():
    with pytest.raises(RoMAInputError, match="workers must be >= 1"):
        run_benchmark([BUILD], ["dataset-top128"], workers=0, progress=False)
    with pytest.raises(RoMAInputError, match=r"Unknown benchmark run option\(s\)"):
        run_benchmark([BUILD], ["dataset-top128"], worker=2, progress=False)
    assert ExecutionOptions.from_dict({}) == ExecutionOptions(1, 1, True)


def test_resolve_task_asks_for_smoke_where_the_builder_takes_it():
    assert resolve_task("levy-20", smoke=True).X.shape == (800, 20)
    assert resolve_task("levy-20").X.shape == (8000, 20)
