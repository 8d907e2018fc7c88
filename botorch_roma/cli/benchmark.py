r"""The ``botorch-roma benchmark`` command.

Runs the offline-MBO benchmark suite (tasks x methods x seeds), writes the raw
CSV, a summary CSV, a markdown table like Tables 1-2 of [Yu2021roma]_ and
percentile-curve PNGs like its Figure 3, or, with ``--sensitivity``, the
hyperparameter sweep of its Figure 5.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import click
import pandas as pd

from botorch_roma.benchmarks.methods import METHODS, list_methods
from botorch_roma.benchmarks.reporting import write_report
from botorch_roma.benchmarks.runner import parse_seeds, resolve_task, run_benchmark
from botorch_roma.benchmarks.sensitivity import (
    run_sensitivity,
    write_sensitivity_report,
)
from botorch_roma.benchmarks.tasks import (
    DESIGN_BENCH_TASKS,
    describe_tasks,
    list_tasks,
)
from botorch_roma.exceptions import RoMAInputError

__all__ = ["benchmark"]


def _split(value: str | None) -> list[str]:
    if value is None:
        return []
    return [v.strip() for v in value.split(",") if v.strip()]


def _parse_method_options(items: tuple[str, ...]) -> dict[str, dict]:
    r"""Parse ``METHOD:KEY=VALUE`` strings into ``{method: {key: value}}``."""
    overrides: dict[str, dict] = {}
    for item in items:
        method, sep, assignment = item.partition(":")
        key, eq, raw = assignment.partition("=")
        if not sep or not eq or not method or not key:
            raise RoMAInputError(
                f"Expected METHOD:KEY=VALUE (e.g. gp-qlogei:max_points=500), got "
                f"{item!r}."
            )
        if method not in METHODS:
            raise RoMAInputError(
                f"Unknown method {method!r} in {item!r}. Available methods: "
                f"{', '.join(list_methods())}."
            )
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if isinstance(value, list):
            value = tuple(value)
        overrides.setdefault(method, {})[key] = value
    return overrides


def _format_list() -> str:
    tasks = describe_tasks()
    width = max([len(t) for t in tasks] + [len(m) for m in METHODS] + [4])
    lines = ["Tasks:"]
    lines += [f"  {name:<{width}}  {text}" for name, text in tasks.items()]
    lines.append(
        "  Design-Bench tasks (need design-bench and its data): "
        + ", ".join(f"design-bench:{name}" for name in DESIGN_BENCH_TASKS)
    )
    lines += ["", "Methods:"]
    for name, method in METHODS.items():
        kind = "continuous+discrete" if method.supports_discrete else "continuous"
        lines.append(f"  {name:<{width}}  [{kind}] {method.description}")
    return "\n".join(lines)


@click.command("benchmark")
@click.option(
    "--tasks",
    default=None,
    help="Comma-separated task names (default: all registered tasks).",
)
@click.option(
    "--methods",
    default=None,
    help="Comma-separated method names (default: all registered methods).",
)
@click.option(
    "--seeds",
    default=None,
    help="A number of seeds (0..k-1) or a comma-separated list such as 0,3,7 "
    "[default: 4; 2 with --smoke].",
)
@click.option(
    "--n",
    "n_candidates",
    default=None,
    type=click.IntRange(min=1),
    help="Candidates per run [default: 128; 32 with --smoke].",
)
@click.option(
    "--out",
    "out_dir",
    default="benchmark_results",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Output directory for the CSV, markdown and PNG files.",
)
@click.option("--smoke", is_flag=True, help="Tiny budgets: the whole run in minutes.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Local worker processes.",
)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Torch threads per run.",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (e.g. tcp://host:8786); overrides --workers.",
)
@click.option(
    "--select-epsilon/--no-select-epsilon",
    default=True,
    show_default=True,
    help="Choose RoMA's epsilon by the paper's offline rule (off: RoMAModel's "
    "default epsilon, faster).",
)
@click.option(
    "--method-option",
    "method_option",
    multiple=True,
    metavar="METHOD:KEY=VALUE",
    help="Override a method option, e.g. gp-qlogei:max_points=500 or "
    "roma:loss=nll (VALUE is parsed as JSON, else kept as a string). Repeatable.",
)
@click.option("--sensitivity", is_flag=True, help="Run the Figure-5 sensitivity sweep.")
@click.option(
    "--list", "list_only", is_flag=True, help="List the tasks and methods and exit."
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def benchmark(**flags: Any) -> None:
    r"""Benchmark RoMA against offline-MBO baselines on tasks with true oracles.

    Example:

        botorch-roma benchmark --smoke --tasks levy-20 --seeds 2 --out results
    """
    if flags["list_only"]:
        click.echo(_format_list())
        return
    if flags["seeds"] is None:
        flags["seeds"] = "2" if flags["smoke"] else "4"
    if flags["n_candidates"] is None:
        flags["n_candidates"] = 32 if flags["smoke"] else 128
    settings = _settings(flags)
    try:
        results, paths = _run(settings, flags["out_dir"], _command_line(flags))
    except RoMAInputError as error:
        raise click.ClickException(str(error)) from None
    counts = results["status"].value_counts().to_dict()
    click.echo(f"Runs: {len(results)} ({counts}). Wrote:")
    for path in paths.values():
        click.echo(f"  {path}")


def _bad(error: RoMAInputError | str, flag: str) -> click.BadParameter:
    return click.BadParameter(str(error), param_hint=flag)


def _settings(flags: dict[str, Any]) -> dict[str, Any]:
    r"""The run's settings from the flags, with a usage error for bad input."""
    try:
        seeds = parse_seeds(flags["seeds"])
    except RoMAInputError as error:
        raise _bad(error, "--seeds") from None
    task_names = _task_names(flags["tasks"])
    method_names = _split(flags["methods"]) or list_methods()
    unknown = [m for m in method_names if m not in METHODS]
    if unknown:
        raise _bad(
            f"Unknown method(s) {unknown}. Available methods: "
            f"{', '.join(list_methods())}.",
            "--methods",
        )
    try:
        overrides = _parse_method_options(flags["method_option"])
    except RoMAInputError as error:
        raise _bad(error, "--method-option") from None
    return {
        "tasks": task_names,
        "seeds": seeds,
        "n": flags["n_candidates"],
        "smoke": flags["smoke"],
        "workers": flags["workers"],
        "threads": flags["threads"],
        "scheduler": flags["scheduler"],
        "select_epsilon": flags["select_epsilon"],
        "method_options": overrides,
        "methods": method_names,
        "sensitivity": flags["sensitivity"],
        "progress": not flags["quiet"],
    }


def _task_names(tasks: str | None) -> list[str]:
    r"""The task names to run (default: all registered), checked."""
    known = list_tasks()
    names = _split(tasks) or known
    if not names:
        raise _bad("No tasks given and the task registry is empty.", "--tasks")
    for name in names:
        if name not in known:
            # Design-Bench names are not listed; building them checks the name and
            # the data, with an error that lists what is available.
            try:
                resolve_task(name)
            except RoMAInputError as error:
                raise _bad(error, "--tasks") from None
    return names


def _run(
    settings: dict[str, Any], out_dir: str, command: str
) -> tuple[pd.DataFrame, dict]:
    r"""Run the suite (or the sensitivity sweep) and write its report."""
    overrides = settings["method_options"]
    roma_options = {} if settings["select_epsilon"] else {"select_epsilon": False}
    roma_options = {**roma_options, **overrides.get("roma", {})}
    common = {
        "seeds": settings["seeds"],
        "n": settings["n"],
        "smoke": settings["smoke"],
        "workers": settings["workers"],
        "scheduler": settings["scheduler"],
        "progress": settings["progress"],
    }
    recorded = {k: settings[k] for k in _RECORDED}
    if settings["sensitivity"]:
        results = run_sensitivity(
            settings["tasks"], roma_options=roma_options, **common
        )
        return results, write_sensitivity_report(results, out_dir, command, recorded)
    options = {m: roma_options for m in METHODS if m.startswith("roma")}
    for name, values in overrides.items():
        options[name] = {**options.get(name, {}), **values}
    results = run_benchmark(
        settings["tasks"],
        settings["methods"],
        method_options=options,
        threads=settings["threads"],
        **common,
    )
    recorded["methods"] = settings["methods"]
    return results, write_report(results, out_dir, command, recorded)


#: The settings recorded in ``run.json`` (and ``methods`` for the suite).
_RECORDED = (
    "tasks",
    "seeds",
    "n",
    "smoke",
    "workers",
    "threads",
    "scheduler",
    "select_epsilon",
    "method_options",
)


def _command_line(flags: dict[str, Any]) -> str:
    r"""The command line that reproduces the run, for the report."""
    parts = ["botorch-roma", "benchmark"]
    if flags["tasks"]:
        parts += ["--tasks", flags["tasks"]]
    if flags["methods"]:
        parts += ["--methods", flags["methods"]]
    parts += ["--seeds", flags["seeds"], "--n", str(flags["n_candidates"])]
    parts += ["--out", flags["out_dir"]]
    parts += ["--workers", str(flags["workers"]), "--threads", str(flags["threads"])]
    if flags["scheduler"]:
        parts += ["--scheduler", flags["scheduler"]]
    if flags["smoke"]:
        parts.append("--smoke")
    if not flags["select_epsilon"]:
        parts.append("--no-select-epsilon")
    for option in flags["method_option"]:
        parts += ["--method-option", option]
    if flags["sensitivity"]:
        parts.append("--sensitivity")
    return shlex.join(parts)
