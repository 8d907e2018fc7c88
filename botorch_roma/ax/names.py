r"""Any column name in, Ax-safe names inside, the original names out.

Ax parses objectives and parameter constraints with SymPy, so a parameter or
metric name must read as one SymPy symbol: ``yield`` (a Python keyword),
``yield (%)``, ``temp °C`` or ``x 1`` fail with a cryptic parse error, ``beta``
or ``factor`` clash with SymPy's own names, and ``a-b`` silently reads as
``a - b``. :func:`ax_names` maps every column of a table to a safe identifier
(the name itself when it is already safe, so existing experiments are
unchanged), :func:`ax_expression` rewrites a constraint written with the
original names, and :func:`store_names` keeps the mapping on the experiment
(in its ``properties``, which Ax saves to JSON and loads back) so that
:func:`stored_names` recovers it from the experiment alone: results attached
later with :func:`~botorch_roma.ax.data.attach_offline_data` may use the
table's original column names.

A name is *safe* (:func:`is_ax_safe`) if it is a Python identifier in Unicode
normal form NFKC that is not a keyword, not a Python builtin, not a name
SymPy defines (``E``, ``I``, ``beta``, ``test``, ...) and holds none of Ax's
``__dot__``-style placeholders. Other names become identifiers made of their
letters and digits (``yield (%)`` -> ``yield_pct``, ``temp °C`` -> ``temp_C``,
``a-b`` -> ``a_b``, ``yield`` -> ``yield_``), with ``_2``, ``_3``, ... added
where two names would otherwise meet.

Example:
    >>> names = ax_names(["yield (%)", "temp °C", "x1"])
    >>> names
    {'yield (%)': 'yield_pct', 'temp °C': 'temp_C', 'x1': 'x1'}
    >>> ax_expression("temp °C + x1 <= 90", names)
    'temp_C + x1 <= 90'
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Iterable, Mapping

import pandas as pd
import sympy
from ax.core.experiment import Experiment
from ax.utils.common import string_utils

from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "NAMES_PROPERTY",
    "ax_expression",
    "ax_names",
    "is_ax_safe",
    "original_names",
    "store_names",
    "stored_names",
    "to_ax_columns",
]

#: The key of ``experiment._properties`` that holds ``{original: Ax name}``
#: for the names that differ (none for an experiment of safe names).
NAMES_PROPERTY = "botorch_roma_column_names"

# Suffix of a metric's standard-error column (as in botorch_roma.ax.data).
_SEM_SUFFIX = "_sem"
_RESERVED = set(dir(sympy)) | set(dir(builtins))
_PLACEHOLDERS = tuple(
    getattr(string_utils, name)
    for name in dir(string_utils)
    if name.endswith("_PLACEHOLDER")
)


def is_ax_safe(name: str) -> bool:
    r"""Whether Ax reads ``name`` as itself in objectives and constraints.

    Args:
        name: A parameter or metric name.

    Returns:
        ``True`` for a Python identifier (NFKC-normalized) that is not a
        keyword, a builtin or a SymPy name and holds no Ax placeholder.

    Example:
        >>> is_ax_safe("x1"), is_ax_safe("yield"), is_ax_safe("temp °C")
        (True, False, False)
    """
    return (
        isinstance(name, str)
        and name.isidentifier()
        and unicodedata.normalize("NFKC", name) == name
        and not keyword.iskeyword(name)
        and name not in _RESERVED
        and not any(p in name for p in _PLACEHOLDERS)
    )


def _identifier(name: str) -> str:
    r"""A readable identifier made of the letters and digits of ``name``."""
    text = unicodedata.normalize("NFKC", name).replace("%", " pct ")
    text = "".join(c if ("a" + c).isidentifier() else "_" for c in text)
    text = re.sub("_+", "_", text).strip("_") or "column"
    if not text[0].isidentifier():
        text = "x_" + text
    return text if is_ax_safe(text) else text + "_"


def ax_names(names: Iterable[str]) -> dict[str, str]:
    r"""Map column names to names Ax can parse (see the module docstring).

    Safe names map to themselves and are never taken by another name; every
    other name gets a distinct safe identifier, in the order given.

    Args:
        names: Column names (parameters, objective, tracking metrics).

    Returns:
        ``{name: Ax name}`` for every distinct name, in the order given.

    Example:
        >>> ax_names(["a-b", "a_b", "a b"])
        {'a-b': 'a_b_2', 'a_b': 'a_b', 'a b': 'a_b_3'}
    """
    names = list(dict.fromkeys(names))
    bad = [n for n in names if not isinstance(n, str) or not n.strip()]
    if bad:
        raise RoMAInputError(
            f"Column names must be non-empty strings, got {bad}; give the table "
            "a header row with a name for every column."
        )
    taken = {n for n in names if is_ax_safe(n)}
    mapping = {}
    for name in names:
        if name in taken:
            mapping[name] = name
            continue
        base = candidate = _identifier(name)
        suffix = 2
        while candidate in taken:
            candidate = f"{base}_{suffix}"
            suffix += 1
        taken.add(candidate)
        mapping[name] = candidate
    return mapping


def ax_expression(expression: str, names: Mapping[str, str]) -> str:
    r"""Rewrite an expression written with original names into Ax names.

    Names are matched longest first, in one pass (so ``x10`` is never read
    as ``x1`` followed by ``0``), and a name that begins or ends with a
    letter, digit or underscore only where no such character continues it.
    Write operators with spaces (``a - b``) where a name contains them.

    Args:
        expression: A constraint such as ``"temp °C + x1 <= 90"``.
        names: ``{original: Ax name}``, e.g. from :func:`ax_names`.

    Returns:
        The expression with every original name replaced by its Ax name.

    Example:
        >>> ax_expression("yield (%) - x1 >= 0", {"yield (%)": "yield_pct"})
        'yield_pct - x1 >= 0'
    """
    changed = {k: v for k, v in names.items() if k != v}
    if not changed:
        return expression
    patterns = []
    for name in sorted(changed, key=len, reverse=True):
        before = r"(?<!\w)" if re.match(r"\w", name[0]) else ""
        after = r"(?!\w)" if re.match(r"\w", name[-1]) else ""
        patterns.append(before + re.escape(name) + after)
    return re.sub("|".join(patterns), lambda m: changed[m.group(0)], expression)


def to_ax_columns(table: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    r"""The table with its columns renamed to Ax names (a new DataFrame).

    ``"<name>_sem"`` standard-error columns follow their metric. Columns
    without a mapping (already Ax names, or unknown) are kept as they are.

    Args:
        table: A table with original column names.
        names: ``{original: Ax name}``.

    Returns:
        A renamed copy of the table; the caller's table is not changed.
    """
    changed = {k: v for k, v in names.items() if k != v}
    rename = {k + _SEM_SUFFIX: v + _SEM_SUFFIX for k, v in changed.items()}
    rename.update(changed)
    return table.rename(columns=rename)


def original_names(names: Mapping[str, str]) -> dict[str, str]:
    r"""The inverse mapping ``{Ax name: original}``, SEM columns included.

    Args:
        names: ``{original: Ax name}``.

    Returns:
        ``{Ax name: original}`` (and ``{Ax name + "_sem": original + "_sem"}``).
    """
    inverse = {v + _SEM_SUFFIX: k + _SEM_SUFFIX for k, v in names.items()}
    inverse.update({v: k for k, v in names.items()})
    return inverse


def store_names(experiment: Experiment, names: Mapping[str, str]) -> None:
    r"""Keep the mapping on the experiment (``experiment._properties``).

    Only names that differ from their Ax name are stored. Ax saves the
    properties to JSON (``Client.save_to_json_file``,
    ``ax.storage.json_store``) and loads them back; ``Experiment.clone_with``
    drops them.

    Args:
        experiment: The experiment.
        names: ``{original: Ax name}``.

    Example:
        >>> store_names(experiment, ax_names(["yield (%)", "x1"]))
        >>> stored_names(experiment)
        {'yield (%)': 'yield_pct'}
    """
    changed = {str(k): str(v) for k, v in names.items() if k != v}
    if changed:
        experiment._properties[NAMES_PROPERTY] = changed
    else:
        experiment._properties.pop(NAMES_PROPERTY, None)


def stored_names(experiment: Experiment) -> dict[str, str]:
    r"""The ``{original: Ax name}`` mapping kept by :func:`store_names`.

    Args:
        experiment: The experiment.

    Returns:
        The names that differ from their Ax names (empty when all are the
        same, or for an experiment made without this module).
    """
    return dict(experiment._properties.get(NAMES_PROPERTY) or {})
