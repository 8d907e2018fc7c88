r"""``botorch-roma spec``: a commented starter spec inferred from a table.

Prints (or writes, with ``-o``) a YAML search-space spec for ``botorch-roma
design --spec``: the parameters ``design`` would infer without a spec (float
ranges with the data's bounds, constant columns fixed;
:func:`~botorch_roma.ax.design.infer_spec`), plus text columns as choice
parameters, and every other supported key (``parameter_constraints``,
``objective``, ``minimize``, ``tracking_metrics``) at its default. Comments
describe each key's alternatives and point at likely edits: whole-number
columns (``value_type: int``), columns with few distinct values (``type:
choice``), positive columns spanning decades (``log_scale: true``). Loading the
file back with :func:`~botorch_roma.ax.design.load_spec` gives the inferred
spec, so an unedited starter reproduces what ``design`` does without one.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from botorch_roma.cli.output import check_output, overwrite_flag

if TYPE_CHECKING:
    import pandas as pd

    from botorch_roma.ax.design import DesignSpec

__all__ = ["spec", "spec_yaml", "starter_spec", "yaml_scalar"]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
# Words a YAML 1.1 reader takes for booleans or null when unquoted.
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}
_FEW_VALUES = 12


def yaml_scalar(value: Any) -> str:
    r"""A value as a YAML scalar that PyYAML reads back as the same value.

    Floats keep full precision and always have a dot (``1.0e-05``, which YAML
    1.1 reads as a float, unlike ``1e-05``); strings are quoted when a bare
    word could be read as something else.

    Example:
        >>> yaml_scalar(1e-05), yaml_scalar("y"), yaml_scalar("x0")
        ('1.0e-05', '"y"', 'x0')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:
            text = f"{mantissa}.0e{exponent}"
        return text
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text)


def _flow(items: list[Any]) -> str:
    return "[" + ", ".join(yaml_scalar(v) for v in items) + "]"


def _entry(entry: dict[str, Any]) -> str:
    parts = []
    for key, value in entry.items():
        parts.append(
            f"{key}: {_flow(value) if isinstance(value, list) else yaml_scalar(value)}"
        )
    return "{" + ", ".join(parts) + "}"


def _is_text(column: pd.Series) -> bool:
    r"""Whether a column holds booleans or text rather than numbers."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return True
    numbers = pd.to_numeric(column, errors="coerce")
    return bool((numbers.isna() & column.notna()).any())


def _choice(column: pd.Series) -> Any:
    r"""A text or boolean column as a choice (or fixed) parameter."""
    from ax.api.configs import ChoiceParameterConfig

    distinct = sorted(column.dropna().unique().tolist(), key=str)
    if column.dtype == bool:
        return ChoiceParameterConfig(
            name=str(column.name), values=distinct, parameter_type="bool"
        )
    return ChoiceParameterConfig(
        name=str(column.name), values=[str(v) for v in distinct], parameter_type="str"
    )


def starter_spec(
    table: pd.DataFrame, objective: str, tracking_metrics: list[str]
) -> tuple[DesignSpec, dict[str, list[str]]]:
    r"""The inferred spec of a table, with text columns as choice parameters.

    Args:
        table: The data (row-number columns already dropped).
        objective: The objective column.
        tracking_metrics: Columns that are metrics, not parameters.

    Returns:
        The spec (numeric columns exactly as
        :func:`~botorch_roma.ax.design.infer_spec` makes them, in the table's
        column order) and, per parameter, comment lines suggesting edits.

    Example:
        >>> spec, hints = starter_spec(pd.read_csv("data.csv"), "y", [])
    """
    import pandas as pd

    from botorch_roma.ax.data import SEM_SUFFIX
    from botorch_roma.ax.design import DesignSpec, infer_spec

    skip = {objective, *tracking_metrics}
    skip |= {m + SEM_SUFFIX for m in skip}
    columns = [c for c in table.columns if c not in skip]
    if not columns:
        from botorch_roma.exceptions import RoMAInputError

        raise RoMAInputError(
            "The data has no parameter columns besides the objective and the "
            "tracking metrics."
        )
    text = [c for c in columns if _is_text(table[c])]
    numeric = [c for c in columns if c not in text]
    spec = (
        infer_spec(table.drop(columns=text), objective, tracking_metrics)[0]
        if numeric
        else DesignSpec(parameters=[])
    )
    by_name = {p.name: p for p in spec.parameters}
    hints: dict[str, list[str]] = {}
    for column in text:
        by_name[column] = _choice(table[column])
        hints[column] = [
            f"a text column with {len(by_name[column].values)} distinct value(s)"
        ]
        if table[column].isna().any():
            hints[column].append("has empty cells: drop or fill those rows")
    for column in numeric:
        values = pd.to_numeric(table[column]).to_numpy(float)
        hints[column] = _numeric_hints(values)
    spec.parameters = [by_name[c] for c in columns]
    return spec, hints


def _numeric_hints(values: Any) -> list[str]:
    r"""Comment lines that suggest another type for a numeric column."""
    import numpy as np

    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        return []
    hints = []
    whole = bool(np.all(np.mod(values, 1) == 0))
    if whole:
        hints.append("whole numbers only: add value_type: int for an integer")
    distinct = np.unique(values)
    if len(distinct) <= _FEW_VALUES and len(distinct) < len(values):
        shown = [int(v) if whole else float(v) for v in distinct]
        hints.append(
            f"only {len(distinct)} distinct values: or type: choice, values: "
            f"{_flow(shown)} (with is_ordered: true if their order matters)"
        )
    if lo > 0 and hi / lo >= 1000:
        hints.append(
            f"positive, spanning {math.log10(hi / lo):.1f} decades: consider "
            "log_scale: true"
        )
    return hints


def spec_yaml(
    spec: DesignSpec,
    hints: dict[str, list[str]],
    header: list[str],
) -> str:
    r"""The commented YAML text of a starter spec.

    Args:
        spec: The spec (as :func:`starter_spec` returns it).
        hints: Comment lines per parameter.
        header: Comment lines for the top of the file.

    Returns:
        YAML that :func:`~botorch_roma.ax.design.load_spec` reads as ``spec``.
    """
    from botorch_roma.ax.design import spec_to_dict

    raw = spec_to_dict(spec)
    lines = [f"# {line}" if line else "#" for line in header]
    lines += [
        "#",
        "# Parameters: one entry per column that is a design choice.",
        "#   type: range   bounds: [lower, upper]; value_type: float (default) or",
        "#                 int; log_scale: true for positive values spanning decades",
        "#   type: choice  values: [...]; value_type: float, int, str or bool;",
        "#                 is_ordered: true if the order of the values matters",
        "#   type: fixed   value: ...",
        "# Range bounds below are the data's min and max, and designs cannot leave",
        "# them: widen them where new designs may go further.",
        "parameters:",
    ]
    for entry in raw["parameters"]:
        lines.append(f"  - {_entry(entry)}")
        lines += [f"    # {hint}" for hint in hints.get(entry["name"], [])]
    lines += [
        '# Linear constraints on range parameters, e.g. ["x0 + 2*x1 <= 1.5"]:',
        "parameter_constraints: " + _flow(raw.get("parameter_constraints", [])),
        "# The objective column, and whether lower is better:",
        f"objective: {yaml_scalar(raw['objective'])}",
        f"minimize: {yaml_scalar(raw.get('minimize', False))}",
        "# Measured columns to keep as metrics rather than parameters (a cost, a",
        "# time); every other column is a parameter:",
        f"tracking_metrics: {_flow(raw.get('tracking_metrics', []))}",
    ]
    return "\n".join(lines) + "\n"


@click.command("spec")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the spec to this file (YAML) instead of printing it.",
)
@overwrite_flag
@click.option(
    "--objective",
    help="Objective column. Default: 'y' if present, else the last column.",
)
@click.option("--minimize", is_flag=True, help="Minimize the objective.")
@click.option(
    "--tracking-metrics",
    help="Comma-separated columns to keep as tracking metrics, not parameters.",
)
def spec(**flags: Any) -> None:
    r"""Print a commented starter spec (YAML) inferred from DATA.

    The spec lists every supported key; edit it and pass it to
    `botorch-roma design DATA --spec FILE`. Unedited, it describes what
    `design` infers without a spec (float bounds from the data).
    """
    if flags["output"]:
        check_output(flags["output"], flags["overwrite"])
    from botorch_roma.ax.design import index_columns, pick_objective, read_table
    from botorch_roma.cli.output import write_text
    from botorch_roma.exceptions import RoMAError

    tracking = [v.strip() for v in (flags["tracking_metrics"] or "").split(",")]
    tracking = [v for v in tracking if v]
    try:
        table = read_table(flags["data"])
        objective, how = pick_objective(table, flags["objective"])
        missing = [m for m in tracking if m not in table.columns]
        if missing:
            raise click.ClickException(
                f"--tracking-metrics names column(s) {missing} that are not in the "
                f"data (columns: {list(table.columns)})."
            )
        dropped = index_columns(table, {objective, *tracking})
        table = table.drop(columns=list(dropped))
        result, hints = starter_spec(table, objective, tracking)
    except RoMAError as e:
        raise click.ClickException(str(e)) from e
    result.objective, result.minimize = objective, flags["minimize"]
    result.tracking_metrics = tracking
    header = [
        f"botorch-roma search-space spec, inferred from {Path(flags['data']).name} "
        f"({len(table)} rows);",
        f"objective {objective!r} ({how}).",
        "Edit it, then: botorch-roma design "
        f"{flags['data']} --spec {flags['output'] or 'spec.yaml'}",
        "The format: botorch_roma/ax/design.py (load_spec).",
    ]
    header += [f"Dropped column {c!r}: {why}." for c, why in dropped.items()]
    text = spec_yaml(result, hints, header)
    if flags["output"]:
        write_text(text, flags["output"], flags["overwrite"])
        click.echo(f"Wrote {flags['output']}.")
    else:
        click.echo(text, nl=False)
