r"""The registry of built-in offline benchmark tasks.

Every built-in task has a true oracle that runs on a CPU, and is shaped like
one of the Design-Bench tasks used by RoMA [Yu2021roma]_:

- ``rosenbrock-86``: Superconductor-shaped (86 dims, 21,263 designs, bottom 80%
  visible), from BoTorch's Rosenbrock function. Rosenbrock was chosen because a
  64x64 MLP proxy learns part of it from the visible uniform samples (held-out
  R^2 0.2-0.35), while Levy, Rastrigin, Styblinski-Tang, Griewank and Ackley
  at 86 dims give R^2 <= 0.02 (their uniform samples look like noise to the
  proxy; Ackley's are also nearly flat).
- ``levy-20``: Levy in 20 dims, 10,000 designs, bottom 80% visible (proxy
  R^2 about 0.4).
- ``hopper``: HopperController-shaped (:mod:`~.hopper`).
- ``ehrlich-tfbind8`` and ``ehrlich-gfp``: TFBind8- and GFP-shaped discrete
  tasks (:mod:`~.ehrlich`).

Every builder takes ``smoke: bool = False``; ``smoke=True`` gives a small,
fast version of the same task for tests and ``--smoke`` runs. Design-Bench
tasks are reached through :func:`get_task` as ``"design-bench:<name>"`` (or by
their plain Design-Bench name); they need design-bench's data
(:mod:`~.design_bench`) and are not listed by :func:`list_tasks`.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from botorch_roma.benchmarks.registry import Registry
from botorch_roma.benchmarks.tasks.design_bench import (
    DESIGN_BENCH_DATASETS,
    DESIGN_BENCH_TASKS,
    make_design_bench_task,
)
from botorch_roma.benchmarks.tasks.ehrlich import (
    GFP_CONFIG,
    GFP_SMOKE_CONFIG,
    TFBIND8_CONFIG,
    make_ehrlich_task,
)
from botorch_roma.benchmarks.tasks.hopper import make_hopper_task
from botorch_roma.datasets import OfflineTask, make_synthetic_task
from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "DESIGN_BENCH_PREFIX",
    "TASKS",
    "describe_tasks",
    "get_task",
    "list_tasks",
    "register_task",
    "task_accepts",
]

#: Prefix that routes :func:`get_task` to the Design-Bench adapter.
DESIGN_BENCH_PREFIX = "design-bench:"

#: Task name -> builder returning an :class:`OfflineTask`.
TASKS: Registry[Callable[..., OfflineTask]] = Registry(
    "task",
    hint="Design-Bench tasks (need design-bench's data) are reached as "
    f"'{DESIGN_BENCH_PREFIX}<name>', e.g. "
    f"{', '.join(DESIGN_BENCH_PREFIX + n for n in DESIGN_BENCH_TASKS)}.",
)


def register_task(
    name: str, description: str, replace: bool = False
) -> Callable[[Callable[..., OfflineTask]], Callable[..., OfflineTask]]:
    r"""Register a task builder under a name (a decorator).

    Args:
        name: The registry name.
        description: A one-line description for ``botorch-roma benchmark --list``.
        replace: Allow replacing an existing task of the same name.

    Returns:
        A decorator that registers the builder and returns it unchanged.

    Example:
        >>> @register_task("my-task", "Levy in 4 dims.")
        ... def _build(smoke: bool = False) -> OfflineTask:
        ...     return make_synthetic_task("levy", dim=4, n_total=100)
        >>> get_task("my-task").dim
        4
        >>> _ = TASKS.pop("my-task")
    """

    def decorator(builder: Callable[..., OfflineTask]) -> Callable[..., OfflineTask]:
        return TASKS.register(name, builder, description, replace=replace)

    return decorator


def list_tasks() -> list[str]:
    r"""The names of the registered (built-in) tasks, in registration order.

    Example:
        >>> "hopper" in list_tasks()
        True
    """
    return TASKS.names()


def describe_tasks() -> dict[str, str]:
    r"""A one-line description of each registered task, in registration order."""
    return TASKS.describe()


def task_accepts(name: str, option: str) -> bool:
    r"""Whether the registered builder of ``name`` takes the keyword ``option``.

    Example:
        >>> task_accepts("levy-20", "smoke"), task_accepts("levy-20", "n_jobs")
        (True, False)
    """
    return name in TASKS and option in inspect.signature(TASKS[name]).parameters


def _is_design_bench_name(name: str) -> bool:
    return name.split("-", 1)[0] in DESIGN_BENCH_DATASETS and name.count("-") >= 2


def get_task(name: str, **kwargs) -> OfflineTask:
    r"""Build a task by name.

    Args:
        name: A name from :func:`list_tasks`, or a Design-Bench task as
            ``"design-bench:<name>"`` (e.g.
            ``"design-bench:Superconductor-RandomForest-v0"``) or by its plain
            Design-Bench name.
        **kwargs: Passed to the task's builder (e.g. ``smoke=True``; for
            Design-Bench tasks ``data_dir=...``).

    Returns:
        The task.

    Raises:
        RoMAInputError: For an unknown name (the message lists the registered
            tasks and how to reach Design-Bench's), or an option the builder
            does not take.

    Example:
        >>> task = get_task("levy-20", smoke=True)
        >>> task.X.shape
        torch.Size([800, 20])
    """
    if name not in TASKS:
        if name.startswith(DESIGN_BENCH_PREFIX):
            return make_design_bench_task(name[len(DESIGN_BENCH_PREFIX) :], **kwargs)
        if _is_design_bench_name(name):
            return make_design_bench_task(name, **kwargs)
    builder = TASKS.get(name)  # unknown names raise, listing the tasks
    parameters = inspect.signature(builder).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    unknown = sorted(set(kwargs) - set(parameters))
    if unknown and not takes_any:
        raise RoMAInputError(
            f"Task {name!r} does not take the option(s) {unknown}; it takes "
            f"{sorted(parameters)}."
        )
    return builder(**kwargs)


def _synthetic_task(
    function: str, dim: int, n_total: int, name: str
) -> Callable[..., OfflineTask]:
    r"""A builder of a BoTorch synthetic task, bottom 80% visible.

    ``smoke=True`` gives 1,000 designs; ``seed`` seeds the uniform sample.
    """

    def build(smoke: bool = False, seed: int = 0) -> OfflineTask:
        task = make_synthetic_task(
            function,
            dim=dim,
            n_total=1000 if smoke else n_total,
            visible_fraction=0.8,
            seed=seed,
            name=name,
        )
        task.metadata["smoke"] = smoke
        return task

    build.__doc__ = f"The {name} task (``smoke``: 1,000 designs)."
    return build


register_task(
    "rosenbrock-86",
    "Superconductor-shaped: Rosenbrock, 86 dims, 21,263 uniform designs, bottom "
    "80% (17,010) visible.",
)(_synthetic_task("rosenbrock", 86, 21263, "rosenbrock-86"))

register_task(
    "levy-20",
    "Levy, 20 dims, 10,000 uniform designs, bottom 80% (8,000) visible.",
)(_synthetic_task("levy", 20, 10000, "levy-20"))


@register_task(
    "hopper",
    "HopperController-shaped: Hopper-v5 policy weights (11-64-64-3 tanh MLP, "
    "5,123 dims), 3,200 policies from an ES run, all visible; oracle = one "
    "1000-step rollout. Generated once and cached.",
)
def _hopper(smoke: bool = False, n_jobs: int = 1, cache: bool = True) -> OfflineTask:
    r"""The Hopper controller task (``smoke``: 80 policies, 100-step episodes)."""
    task = make_hopper_task(smoke=smoke, n_jobs=n_jobs, cache=cache, name="hopper")
    task.metadata["smoke"] = smoke
    return task


@register_task(
    "ehrlich-tfbind8",
    "TFBind8-shaped: Ehrlich, vocab 4, length 8, all 8,748 feasible sequences, "
    "bottom 50% (4,374) visible; exact y_min/y_max.",
)
def _ehrlich_tfbind8(smoke: bool = False) -> OfflineTask:
    r"""The TFBind8-shaped Ehrlich task (already small: ``smoke`` changes nothing)."""
    task = make_ehrlich_task(TFBIND8_CONFIG, name="ehrlich-tfbind8")
    task.metadata["smoke"] = smoke
    return task


@register_task(
    "ehrlich-gfp",
    "GFP-shaped: Ehrlich, vocab 20, length 128, 10,000 sequences from a GA run, "
    "bottom 50% (5,000) visible. Generated once and cached.",
)
def _ehrlich_gfp(smoke: bool = False, cache: bool = True) -> OfflineTask:
    r"""The GFP-shaped Ehrlich task (``smoke``: length 32, 1,000 sequences)."""
    task = make_ehrlich_task(
        GFP_SMOKE_CONFIG if smoke else GFP_CONFIG,
        n_total=1000 if smoke else 10000,
        cache=cache,
        name="ehrlich-gfp",
    )
    task.metadata["smoke"] = smoke
    return task
