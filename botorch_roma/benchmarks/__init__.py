r"""Offline model-based optimization benchmarks: tasks, methods and runners.

Tasks, methods and the relaxations of discrete tasks are each kept in a
:class:`~botorch_roma.benchmarks.registry.Registry` (importing this package
registers the built-in ones); every method validates its options through an
options class declared next to it.
"""

from botorch_roma.benchmarks.hyperparameters import sensitivity_configs
from botorch_roma.benchmarks.methods import (
    METHODS,
    Method,
    MethodOptions,
    describe_methods,
    get_method,
    list_methods,
    register_method,
    register_relaxation,
)
from botorch_roma.benchmarks.registry import Registry
from botorch_roma.benchmarks.reporting import (
    aggregate,
    combine_reports,
    compare_with_baselines,
    markdown_table,
    plot_percentile_curves,
    write_report,
)
from botorch_roma.benchmarks.runner import (
    ExecutionOptions,
    MethodSpec,
    parse_seeds,
    run_benchmark,
)
from botorch_roma.benchmarks.sensitivity import (
    run_sensitivity,
    write_sensitivity_report,
)
from botorch_roma.benchmarks.tasks import (
    OfflineTask,
    describe_tasks,
    get_task,
    list_tasks,
    make_synthetic_task,
)

__all__ = [
    "METHODS",
    "ExecutionOptions",
    "Method",
    "MethodOptions",
    "MethodSpec",
    "OfflineTask",
    "Registry",
    "aggregate",
    "combine_reports",
    "compare_with_baselines",
    "describe_methods",
    "describe_tasks",
    "get_method",
    "get_task",
    "list_methods",
    "list_tasks",
    "make_synthetic_task",
    "markdown_table",
    "parse_seeds",
    "plot_percentile_curves",
    "register_method",
    "register_relaxation",
    "run_benchmark",
    "run_sensitivity",
    "sensitivity_configs",
    "write_report",
    "write_sensitivity_report",
]
