r"""Command-line flags derived from the option classes.

Every RoMA option declared in :mod:`botorch_roma.options` becomes a flag of the
same name (``adapt_steps`` -> ``--adapt-steps``) with the option's
description as help text and its declared default shown; a flag left out keeps
the class default. The pre-training and ascent options share three names
(``lr``, ``epsilon`` and ``compute_dtype``), so the ascent's get a prefix:
``--ascent-lr``, ``--adaptation-epsilon`` and ``--ascent-compute-dtype``.
:func:`roma_flags` adds all of them to a command and :func:`collect_options`
reads them back as option overrides, so ``demo`` and ``design`` speak one
vocabulary.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import click

from botorch_roma.options import AscentOptions, PretrainingOptions, RoMAOptions

__all__ = ["FLAG_NAMES", "collect_options", "option_flags", "roma_flags"]

#: Flag names that differ from the option names (to keep them unique).
FLAG_NAMES: dict[type[RoMAOptions], dict[str, str]] = {
    AscentOptions: {
        "lr": "ascent-lr",
        "epsilon": "adaptation-epsilon",
        "compute_dtype": "ascent-compute-dtype",
    },
}


class _Number(click.ParamType):
    r"""A float, or one of a few words (e.g. ``auto`` for ``--epsilon``)."""

    name = "number"

    def __init__(self, words: tuple[str, ...] = ()) -> None:
        self.words = words

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and value.lower() in self.words:
            return value.lower()
        try:
            return float(value)
        except (TypeError, ValueError):
            allowed = " or ".join(("a number", *(repr(w) for w in self.words)))
            self.fail(f"{value!r} is not {allowed}.", param, ctx)


class _IntList(click.ParamType):
    r"""A comma-separated list of positive integers, e.g. ``64,64``."""

    name = "ints"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, tuple | list):
            return tuple(value)
        try:
            return tuple(int(v) for v in str(value).split(",") if v.strip())
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of ints.", param, ctx)


def _click_type(hint: Any, choices: tuple | None) -> Any:
    r"""The click type for an option's annotation."""
    if choices is not None:
        return click.Choice(choices)
    if typing.get_origin(hint) is tuple:
        return _IntList()
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    args = (
        [a for a in typing.get_args(hint) if a is not type(None)] if union else [hint]
    )
    words = tuple(
        w for a in args if typing.get_origin(a) is typing.Literal for w in a.__args__
    )
    if float in args:
        return _Number(words)
    return {int: int, bool: bool, str: str}.get(args[0], str)


def _flag_name(cls: type[RoMAOptions], name: str) -> str:
    return FLAG_NAMES.get(cls, {}).get(name, name.replace("_", "-"))


def option_flags(
    cls: type[RoMAOptions], names: tuple[str, ...] | None = None
) -> Callable[[Callable], Callable]:
    r"""A decorator adding one flag per option of ``cls``.

    Args:
        cls: The option class.
        names: The options to expose (default: all).

    Returns:
        A decorator for a click command.
    """
    hints = typing.get_type_hints(cls)
    defaults = cls.defaults()

    def decorate(command: Callable) -> Callable:
        for f in reversed(fields(cls)):
            if names is not None and f.name not in names:
                continue
            flag = _flag_name(cls, f.name)
            default = defaults[f.name]
            if isinstance(default, tuple):
                default = ",".join(str(v) for v in default)
            command = click.option(
                f"--{flag}",
                f"{cls.__name__}__{f.name}",
                type=_click_type(hints[f.name], f.metadata["choices"]),
                default=None,
                help=f"{f.metadata['doc']} [default: {default}]",
            )(command)
        return command

    return decorate


def roma_flags(command: Callable) -> Callable:
    r"""Add every pre-training and ascent option as a flag (see the module)."""
    return option_flags(PretrainingOptions)(option_flags(AscentOptions)(command))


def collect_options(
    flags: dict[str, Any], *classes: type[RoMAOptions]
) -> list[dict[str, Any]]:
    r"""Pop the option flags of ``classes`` from a command's keyword arguments.

    Args:
        flags: The command's keyword arguments (modified: option flags are
            removed).
        *classes: The option classes whose flags to collect.

    Returns:
        One dict per class with the options given on the command line.
    """
    out = []
    for cls in classes:
        given = {}
        for name in cls.names():
            value = flags.pop(f"{cls.__name__}__{name}", None)
            if value is not None:
                given[name] = value
        out.append(given)
    return out
