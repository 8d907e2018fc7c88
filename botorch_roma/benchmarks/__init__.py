r"""Offline model-based optimization benchmarks: tasks, methods and runners."""

from botorch_roma.benchmarks.tasks import (
    OfflineTask,
    describe_tasks,
    get_task,
    list_tasks,
    make_synthetic_task,
)

__all__ = [
    "OfflineTask",
    "describe_tasks",
    "get_task",
    "list_tasks",
    "make_synthetic_task",
]
