r"""Offline benchmark tasks with true oracles, and the task registry."""

from botorch_roma.benchmarks.tasks.cache import get_cache_dir
from botorch_roma.benchmarks.tasks.design_bench import (
    DESIGN_BENCH_TASKS,
    load_design_bench_shards,
    make_design_bench_task,
)
from botorch_roma.benchmarks.tasks.ehrlich import (
    GFP_CONFIG,
    TFBIND8_CONFIG,
    EhrlichConfig,
    make_ehrlich_task,
)
from botorch_roma.benchmarks.tasks.hopper import HopperConfig, make_hopper_task
from botorch_roma.benchmarks.tasks.registry import (
    TASKS,
    describe_tasks,
    get_task,
    list_tasks,
    register_task,
    task_accepts,
)
from botorch_roma.datasets import (
    SYNTHETIC_FUNCTIONS,
    OfflineTask,
    make_synthetic_task,
)

__all__ = [
    "DESIGN_BENCH_TASKS",
    "GFP_CONFIG",
    "SYNTHETIC_FUNCTIONS",
    "TASKS",
    "TFBIND8_CONFIG",
    "EhrlichConfig",
    "HopperConfig",
    "OfflineTask",
    "describe_tasks",
    "get_cache_dir",
    "get_task",
    "list_tasks",
    "load_design_bench_shards",
    "make_design_bench_task",
    "make_ehrlich_task",
    "make_hopper_task",
    "make_synthetic_task",
    "register_task",
    "task_accepts",
]
