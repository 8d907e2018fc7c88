r"""The ``botorch-roma`` command line.

Commands (each in its own module, imported only when it runs):

- ``design``: one batch of new designs from a table of evaluated ones, with
  RoMA through Ax (:mod:`botorch_roma.cli.design`); without a data file it
  runs on the built-in dataset and reports the designs' true scores; with
  ``--experiment`` it makes the next batch of a saved experiment;
- ``attach``: attach a lab's results to the batch of a saved experiment
  (:mod:`botorch_roma.cli.attach`), closing the loop;
- ``spec``: a commented starter spec inferred from a table
  (:mod:`botorch_roma.cli.spec`);
- ``demo``: the same on the built-in dataset through the plain BoTorch API
  (:mod:`botorch_roma.cli.demo`);
- ``benchmark``: the benchmark suite (:mod:`botorch_roma.cli.benchmark`).

This package sits above everything else: it is the only place that imports
both :mod:`botorch_roma.ax` and :mod:`botorch_roma.benchmarks`, and nothing
below it imports it.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["main"]

#: Command name -> (module, one-line help), so ``--help`` imports nothing heavy.
COMMANDS: dict[str, tuple[str, str]] = {
    "design": (
        "botorch_roma.cli.design",
        "Propose N new designs from a table of evaluated ones with RoMA and Ax.",
    ),
    "attach": (
        "botorch_roma.cli.attach",
        "Attach measured results to the designs of a saved experiment.",
    ),
    "spec": (
        "botorch_roma.cli.spec",
        "Print a commented starter spec (YAML) inferred from a table.",
    ),
    "demo": (
        "botorch_roma.cli.demo",
        "Run RoMA on the built-in dataset with BoTorch and score it.",
    ),
    "benchmark": (
        "botorch_roma.cli.benchmark",
        "Run the offline-MBO benchmark suite (tasks x methods x seeds).",
    ),
}


class _LazyGroup(click.Group):
    r"""A group whose commands are imported when they are run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        return getattr(module, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter):
        rows = [(name, help_) for name, (_, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup)
def main() -> None:
    r"""RoMA (Robust Model Adaptation) for offline batch design."""


if __name__ == "__main__":  # pragma: no cover
    main()
