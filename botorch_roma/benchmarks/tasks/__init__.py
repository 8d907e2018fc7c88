r"""Offline benchmark tasks with true oracles."""

from botorch_roma.benchmarks.tasks.base import OfflineTask
from botorch_roma.benchmarks.tasks.synthetic import (
    SYNTHETIC_FUNCTIONS,
    make_synthetic_task,
)

__all__ = ["SYNTHETIC_FUNCTIONS", "OfflineTask", "make_synthetic_task"]
