r"""Offline model-based optimization benchmarks: tasks, methods and runners."""

from botorch_roma.benchmarks.tasks import (
    OfflineTask,
    make_synthetic_task,
)

__all__ = ["OfflineTask", "make_synthetic_task"]
