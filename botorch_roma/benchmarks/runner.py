r"""Run tasks x methods x seeds and collect normalized scores.

Every run asks a method for ``n`` (default 128) candidates, scores them with
the task's true oracle and normalizes the scores with the FULL dataset's range,
``(y - y_min) / (y_max - y_min)``. Each run records the normalized 100th and
50th percentiles and the full sorted scores (for percentile curves like the
paper's Figure 3 [Yu2021roma]_), plus, as JSON in ``info``, the settings the
method chose during the run (e.g. RoMA's offline-selected ``epsilon``; see
:func:`~botorch_roma.benchmarks.methods.utils.record_run_info`) and, on
discrete tasks, how many candidates hold a token pair unseen in the data
(:func:`unseen_transitions`). Runs go
sequentially, in local processes (``workers > 1``) or on a Dask distributed
cluster (``scheduler``); a failing run is recorded (``status="error"``)
instead of stopping the sweep, and a method that does not support a task is
recorded as ``status="unsupported"``.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import json
import multiprocessing
import pickle
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
import torch
from botorch.exceptions.errors import UnsupportedError
from torch import Tensor
from tqdm.auto import tqdm

from botorch_roma.benchmarks.methods import get_method
from botorch_roma.benchmarks.methods.utils import collect_run_info
from botorch_roma.benchmarks.tasks.registry import get_task, task_accepts
from botorch_roma.datasets import OfflineTask
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.latent.plausibility import TransitionCheck
from botorch_roma.options import RoMAOptions, option

__all__ = [
    "RESULT_COLUMNS",
    "BenchmarkJob",
    "ExecutionOptions",
    "MethodSpec",
    "evaluate_candidates",
    "parse_seeds",
    "resolve_task",
    "run_benchmark",
    "run_job",
    "unseen_transitions",
]

#: Columns of the raw results, one row per (task, method, seed) run.
RESULT_COLUMNS = [
    "task",
    "method",
    "method_name",
    "seed",
    "n",
    "status",
    "p100",
    "p50",
    "dataset_max",
    "runtime_s",
    "message",
    "options",
    "info",
    "scores",
]

#: A task source: a registry name, a task, or a zero-argument task builder
#: (picklable, e.g. ``functools.partial(make_synthetic_task, ...)``, for
#: process pools).
TaskSource = str | OfflineTask | Callable[[], OfflineTask]


def resolve_task(name: str, smoke: bool = False, **task_kwargs: Any) -> OfflineTask:
    r"""Build a registry task by name, with a clear error for unknown names.

    Args:
        name: A registry name (see ``list_tasks()``) or a Design-Bench task as
            ``"design-bench:<name>"``.
        smoke: Ask for a small version of the task, if its builder takes a
            ``smoke`` keyword (otherwise the full task is built).
        **task_kwargs: Passed to the registry's ``get_task``.

    Returns:
        The task.
    """
    # The registry raises a RoMAInputError listing the available tasks for
    # unknown names, and for Design-Bench tasks whose data is missing.
    if smoke and "smoke" not in task_kwargs and task_accepts(name, "smoke"):
        task_kwargs = {**task_kwargs, "smoke": True}
    return get_task(name, **task_kwargs)


def parse_seeds(seeds: int | str | Iterable[int]) -> list[int]:
    r"""Turn a seed count or a list of seeds into a list of seeds.

    Args:
        seeds: A count ``k`` (meaning seeds ``0..k-1``), a string ``"4"`` or
            ``"0,3,7"``, or an iterable of non-negative ints.

    Returns:
        A list of distinct non-negative seeds, in the given order.

    Example:
        >>> parse_seeds(3), parse_seeds("2,5")
        ([0, 1, 2], [2, 5])
    """
    if isinstance(seeds, str):
        parts = [p.strip() for p in seeds.split(",") if p.strip()]
        try:
            values = [int(p) for p in parts]
        except ValueError:
            raise RoMAInputError(
                f"Seeds must be a count (e.g. '4') or a comma-separated list of "
                f"non-negative integers (e.g. '0,3,7'), got {seeds!r}."
            ) from None
        if len(values) == 1 and "," not in seeds:
            seeds = values[0]
        else:
            seeds = values
    if isinstance(seeds, int):
        if seeds < 1:
            raise RoMAInputError(
                f"The number of seeds must be >= 1, got {seeds}; pass a count such "
                "as 4 or a list of non-negative seeds."
            )
        return list(range(seeds))
    values = [int(s) for s in seeds]
    if len(values) == 0:
        raise RoMAInputError("Give at least one seed.")
    negative = [s for s in values if s < 0]
    if negative:
        raise RoMAInputError(
            f"Seeds must be >= 0, got {negative}; pass non-negative seeds."
        )
    return list(dict.fromkeys(values))


@dataclass(frozen=True)
class ExecutionOptions(RoMAOptions):
    r"""How a sweep runs (not what it computes): processes, threads, progress."""

    _what: ClassVar[str] = "benchmark run option(s)"

    workers: int = option(1, "Local worker processes (1: run in this process).", low=1)
    threads: int | None = option(1, "Torch threads per run (None: leave as is).", low=1)
    progress: bool = option(True, "Show a progress bar over the runs.")


@dataclass(frozen=True)
class MethodSpec:
    r"""A method to run under a result label, with option overrides.

    Attributes:
        label: The name shown in results (e.g. ``"A T=300"``).
        method: The registry name of the method.
        options: Keyword overrides passed to the method.
    """

    label: str
    method: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class BenchmarkJob:
    r"""One run: a task, a method, a seed.

    Attributes:
        task_label: The task's name in the results.
        task: The task source (registry name, task, or builder).
        method: The method to run.
        seed: The run's seed.
        n: The number of candidates.
        smoke: Whether methods use a tiny budget.
        task_kwargs: Passed to the registry's ``get_task`` for named tasks.
        threads: Torch threads for the run (``None``: leave as is).
    """

    task_label: str
    task: TaskSource
    method: MethodSpec
    seed: int
    n: int = 128
    smoke: bool = False
    task_kwargs: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None


def _validate(task: OfflineTask, X: Tensor, n: int) -> str | None:
    r"""Why the candidates are invalid, or ``None`` if they are valid."""
    if not isinstance(X, torch.Tensor):
        return f"expected a tensor of candidates, got {type(X).__name__}"
    if X.shape != (n, task.dim):
        return f"expected {n} x {task.dim} candidates, got shape {tuple(X.shape)}"
    if task.is_discrete:
        if X.is_floating_point():
            return "discrete tasks need integer category ids"
        if (X < 0).any() or (X >= task.num_categories).any():
            return f"category ids outside [0, {task.num_categories})"
        return None
    if not torch.isfinite(X).all():
        return "non-finite candidates"
    if task.bounds is not None:
        b = task.bounds.to(X)
        tol = 1e-6 * (b[1] - b[0]).abs().clamp_min(1.0)
        if ((X < b[0] - tol) | (X > b[1] + tol)).any():
            return "candidates outside the task's bounds"
    return None


def evaluate_candidates(task: OfflineTask, X: Tensor) -> dict[str, Any]:
    r"""Score candidates with the oracle on the normalized scale.

    Args:
        task: The task.
        X: ``n x d`` candidates.

    Returns:
        A dict with ``p100``, ``p50`` (NaN-aware percentiles) and ``scores`` (the
        sorted normalized scores, ascending, as a list of floats).
    """
    y = task.normalize(task.evaluate(X).reshape(-1).double().cpu())
    scores = y.sort().values
    finite = scores[~torch.isnan(scores)]
    if finite.numel() == 0:
        p100 = p50 = float("nan")
    else:
        p100 = finite.max().item()
        p50 = torch.quantile(finite, 0.5).item()
    return {"p100": p100, "p50": p50, "scores": scores.tolist()}


def unseen_transitions(task: OfflineTask, X: Tensor) -> int:
    r"""How many candidates hold an adjacent token pair unseen in the data.

    A data-derived measure of how far a discrete method's candidates leave
    the visible data's support (no oracle; see
    :class:`~botorch_roma.latent.plausibility.TransitionCheck`). Recorded in
    each discrete run's ``info`` as ``unseen_transitions``.

    Args:
        task: A discrete task.
        X: ``n x L`` candidates (category ids).

    Returns:
        The number of candidates with at least one unseen pair.
    """
    check = TransitionCheck(task.X.long(), num_categories=task.num_categories)
    return int((~check(X.long())).sum())


#: Registry tasks built in this process, by (name, kwargs).
_TASK_CACHE: dict[str, OfflineTask] = {}


def _materialize(job: BenchmarkJob) -> OfflineTask:
    if isinstance(job.task, OfflineTask):
        return job.task
    if isinstance(job.task, str):
        key = json.dumps(
            [job.task, job.smoke, job.task_kwargs], sort_keys=True, default=str
        )
        if key not in _TASK_CACHE:
            _TASK_CACHE[key] = resolve_task(
                job.task, smoke=job.smoke, **job.task_kwargs
            )
        return _TASK_CACHE[key]
    task = job.task()
    if not isinstance(task, OfflineTask):
        raise RoMAInputError(
            f"The task builder for {job.task_label!r} returned "
            f"{type(task).__name__}, not an OfflineTask."
        )
    return task


def run_job(job: BenchmarkJob) -> dict[str, Any]:
    r"""Run one job and return its result record (never raises for method errors).

    Args:
        job: The job.

    Returns:
        A dict with the keys of :data:`RESULT_COLUMNS`.
    """
    previous_threads = torch.get_num_threads()
    if job.threads is not None:
        torch.set_num_threads(job.threads)
    record: dict[str, Any] = {
        "task": job.task_label,
        "method": job.method.label,
        "method_name": job.method.method,
        "seed": job.seed,
        "n": job.n,
        "status": "ok",
        "p100": float("nan"),
        "p50": float("nan"),
        "dataset_max": float("nan"),
        "runtime_s": 0.0,
        "message": "",
        "options": json.dumps(job.method.options, sort_keys=True, default=str),
        "info": "{}",
        "scores": [],
    }
    start = time.perf_counter()
    try:
        task = _materialize(job)
        record["dataset_max"] = task.normalize(task.Y.double().max()).item()
        method = get_method(job.method.method)
        torch.manual_seed(job.seed)
        with warnings.catch_warnings(record=True) as caught, collect_run_info() as info:
            warnings.simplefilter("always")
            X = method(
                task, n=job.n, seed=job.seed, smoke=job.smoke, **job.method.options
            )
        record["info"] = json.dumps(info, sort_keys=True, default=str)
        # Keep this package's own warnings (e.g. the epsilon rule's fallback).
        own = [str(w.message) for w in caught if "botorch_roma" in str(w.filename)]
        record["message"] = "; ".join(dict.fromkeys(own))
        problem = _validate(task, X, job.n)
        if problem is not None:
            record["status"] = "error"
            record["message"] = f"invalid candidates: {problem}"
        else:
            record.update(evaluate_candidates(task, X))
            if task.is_discrete:
                info["unseen_transitions"] = unseen_transitions(task, X)
                record["info"] = json.dumps(info, sort_keys=True, default=str)
    except UnsupportedError as error:
        record["status"] = "unsupported"
        record["message"] = str(error)
    except Exception as error:  # noqa: BLE001 - one failed run must not stop a sweep
        record["status"] = "error"
        tb = traceback.format_exception_only(type(error), error)
        record["message"] = "".join(tb).strip()
    record["runtime_s"] = time.perf_counter() - start
    torch.set_num_threads(previous_threads)
    return record


def _dumps(job: BenchmarkJob) -> bytes:
    r"""Serialize a job; cloudpickle handles tasks whose oracles are closures."""
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - cloudpickle ships with dask
        return pickle.dumps(job)
    return cloudpickle.dumps(job)


def _run_serialized(payload: bytes) -> dict[str, Any]:
    return run_job(pickle.loads(payload))


def _iter_local_processes(jobs: list[BenchmarkJob], workers: int):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_run_serialized, _dumps(job)) for job in jobs]
        for future in as_completed(futures):
            yield future.result()


def _iter_dask(jobs: list[BenchmarkJob], scheduler: Any):
    try:
        from distributed import Client
        from distributed import as_completed as dask_as_completed
    except ImportError as error:  # pragma: no cover - optional dependency
        raise RoMAInputError(
            "Running on a Dask cluster needs `distributed`; install it with "
            "`pip install 'botorch-roma[benchmarks]'`."
        ) from error
    own_client = not isinstance(scheduler, Client)
    client = Client(scheduler) if own_client else scheduler
    try:
        futures = [
            client.submit(_run_serialized, _dumps(job), pure=False) for job in jobs
        ]
        for future in dask_as_completed(futures):
            yield future.result()
    finally:
        if own_client:
            client.close()


def run_benchmark(
    tasks: Sequence[TaskSource] | dict[str, TaskSource],
    methods: Sequence[str | MethodSpec],
    seeds: int | str | Iterable[int] = 4,
    n: int = 128,
    smoke: bool = False,
    method_options: dict[str, dict[str, Any]] | None = None,
    task_kwargs: dict[str, Any] | None = None,
    scheduler: Any = None,
    **execution: Any,
) -> pd.DataFrame:
    r"""Run every (task, method, seed) combination and collect raw results.

    Args:
        tasks: Registry names, tasks, or zero-argument task builders; a dict maps
            result labels to such sources.
        methods: Registry names or :class:`MethodSpec` entries.
        seeds: A count or a list of non-negative seeds (see :func:`parse_seeds`).
        n: Candidates per run (the paper: 128).
        smoke: Tiny budgets for CI (and small task versions where the registry's
            builder takes a ``smoke`` keyword).
        method_options: Per method name, keyword overrides for every run of it.
        task_kwargs: Passed to the registry's ``get_task`` for named tasks.
        scheduler: A Dask scheduler address (or a ``distributed.Client``); if
            given, runs go to that cluster and ``workers`` is ignored.
        **execution: :class:`ExecutionOptions`: ``workers`` (local worker
            processes; 1: run in this process), ``threads`` (torch threads per
            run; ``None``: leave as is) and ``progress`` (a progress bar).

    Returns:
        A DataFrame with the columns of :data:`RESULT_COLUMNS`, one row per run,
        sorted by task, method and seed.

    Example:
        >>> from functools import partial
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> build = partial(make_synthetic_task, "levy", dim=3, n_total=60)
        >>> df = run_benchmark({"levy-3": build}, ["dataset-top128"], seeds=2, n=8)
        >>> df[["task", "method", "seed", "status"]].shape
        (2, 4)
    """
    if n < 1:
        raise RoMAInputError(f"n must be >= 1 candidates, got {n}.")
    run = ExecutionOptions.from_dict(execution)
    seed_list = parse_seeds(seeds)
    task_kwargs = dict(task_kwargs or {})
    specs = _method_specs(methods, method_options or {})
    sources = _task_sources(tasks)
    # Build named tasks once here: bad names and missing data fail before any
    # run starts, and dataset caches are warm for the workers.
    local = scheduler is None and run.workers == 1
    for label, source in list(sources.items()):
        if isinstance(source, str):
            task = resolve_task(source, smoke=smoke, **task_kwargs)
            if local:
                sources[label] = task
    jobs = [
        BenchmarkJob(label, source, spec, seed, n, smoke, task_kwargs, run.threads)
        for label, source in sources.items()
        for spec in specs
        for seed in seed_list
    ]
    if scheduler is not None:
        results = _iter_dask(jobs, scheduler)
    elif run.workers > 1:
        results = _iter_local_processes(jobs, run.workers)
    else:
        results = (run_job(job) for job in jobs)
    records = _collect(results, len(jobs), run.progress)
    return _results_frame(records, [s.label for s in specs], list(sources))


def _method_specs(
    methods: Sequence[str | MethodSpec], method_options: dict[str, dict[str, Any]]
) -> list[MethodSpec]:
    r"""The methods as specs with their options merged, checked and labelled."""
    specs = []
    for entry in methods:
        spec = entry if isinstance(entry, MethodSpec) else MethodSpec(entry, entry)
        get_method(spec.method)  # unknown names fail here, listing the options
        merged = {**method_options.get(spec.method, {}), **spec.options}
        specs.append(MethodSpec(spec.label, spec.method, merged))
    if len(specs) == 0:
        raise RoMAInputError("Give at least one method.")
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise RoMAInputError(f"Method labels must be unique, got {labels}.")
    return specs


def _task_sources(
    tasks: Sequence[TaskSource] | dict[str, TaskSource],
) -> dict[str, TaskSource]:
    r"""The task sources by unique result label."""
    if isinstance(tasks, dict):
        sources = dict(tasks)
    else:
        sources = {}
        for source in tasks:
            if isinstance(source, str):
                label = source
            elif isinstance(source, OfflineTask):
                label = source.name
            else:
                label = getattr(source, "__name__", None) or f"task{len(sources)}"
            if label in sources:
                raise RoMAInputError(
                    f"Two tasks are labelled {label!r}; pass a dict of unique "
                    "labels to task sources."
                )
            sources[label] = source
    if len(sources) == 0:
        raise RoMAInputError("Give at least one task.")
    return sources


def _collect(
    results: Iterable[dict[str, Any]], total: int, progress: bool
) -> list[dict[str, Any]]:
    r"""The records of all runs, as they finish (with a progress bar)."""
    records = []
    bar = tqdm(total=total, desc="benchmark", disable=not progress)
    try:
        for record in results:
            records.append(record)
            bar.set_postfix_str(
                f"{record['task']}/{record['method']}/{record['seed']}: "
                f"{record['status']}"
            )
            bar.update()
    finally:
        bar.close()
    return records


def _results_frame(
    records: list[dict[str, Any]], methods: list[str], tasks: list[str]
) -> pd.DataFrame:
    r"""The records as a frame sorted by task, method (given orders) and seed."""
    df = pd.DataFrame.from_records(records, columns=RESULT_COLUMNS)
    method_order = {label: i for i, label in enumerate(methods)}
    task_order = {label: i for i, label in enumerate(tasks)}
    df = df.assign(
        _t=df["task"].map(task_order), _m=df["method"].map(method_order)
    ).sort_values(["_t", "_m", "seed"])
    return df.drop(columns=["_t", "_m"]).reset_index(drop=True)
