r"""Tests for ``botorch_roma/cli/flags.py``: flags derived from the options."""

from __future__ import annotations

import click
from click.testing import CliRunner

from botorch_roma.cli.flags import collect_options, roma_flags
from botorch_roma.options import AscentOptions, PretrainingOptions


@click.command()
@roma_flags
def _echo(**flags):
    pre, asc = collect_options(flags, PretrainingOptions, AscentOptions)
    click.echo(repr((pre, asc, sorted(flags))))


def _run(*args):
    return CliRunner().invoke(_echo, list(args), catch_exceptions=False)


def test_every_option_has_a_flag_with_its_default():
    help_text = _run("--help").output
    for cls in (PretrainingOptions, AscentOptions):
        for name in cls.names():
            if cls is AscentOptions and name in ("lr", "epsilon", "compute_dtype"):
                continue
            assert f"--{name.replace('_', '-')}" in help_text
    assert "--ascent-lr" in help_text and "--adaptation-epsilon" in help_text
    assert "--ascent-compute-dtype" in help_text
    flags = [opt for p in _echo.params for opt in p.opts]
    assert len(flags) == len(set(flags))  # no flag declared twice
    assert "[default: 100]" in help_text  # steps, read from the dataclass
    assert "[default: 64,64]" in help_text


def test_flags_become_option_overrides():
    out = _run(
        "--epochs", "3", "--hidden-sizes", "8,4", "--epsilon", "auto", "--steps", "7",
        "--ascent-lr", "0.1", "--adaptation", "shared", "--adaptation-epsilon", "0.02",
    ).output  # fmt: skip
    pre, asc, rest = eval(out)
    assert pre == {"epochs": 3, "hidden_sizes": (8, 4), "epsilon": "auto"}
    assert asc == {"steps": 7, "lr": 0.1, "adaptation": "shared", "epsilon": 0.02}
    assert rest == []  # every option flag was collected
    assert eval(_run().output)[:2] == ({}, {})  # nothing given: class defaults


def test_bad_values_are_rejected_by_click():
    runner = CliRunner()
    for args, message in (
        (["--adaptation", "each"], "each"),
        (["--epsilon", "big"], "not a number or 'auto'"),
        (["--hidden-sizes", "a,b"], "comma-separated list of ints"),
        (["--steps", "1.5"], "not a valid integer"),
    ):
        result = runner.invoke(_echo, args)
        assert result.exit_code != 0 and message in result.output
