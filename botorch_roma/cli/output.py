r"""Output files of the commands: checked before any work, written atomically.

A command that writes a file checks the path with :func:`check_output` before
it reads data or fits anything, so a bad path costs nothing: a folder given as
the file, a parent that is a file or not writable (tried with a probe file,
removed at once), or an existing file (kept unless ``--overwrite`` is given).
:func:`write_csv` checks again (the file may have appeared during the run),
creates missing folders and replaces the file in one step, so a failed write
leaves no partial file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
import pandas as pd

__all__ = ["check_output", "overwrite_flag", "write_csv"]


def overwrite_flag(command: Callable) -> Callable:
    r"""Add ``--overwrite`` (replace an existing output file) to a command."""
    return click.option(
        "--overwrite",
        is_flag=True,
        help="Replace the output file if it exists (default: refuse).",
    )(command)


def check_output(path: str | Path, overwrite: bool) -> Path:
    r"""Check that ``path`` can be written; raise a ``ClickException`` if not.

    Args:
        path: The output file. Missing parent folders are allowed (they are
            created when the file is written).
        overwrite: Whether an existing file may be replaced.

    Returns:
        The path.
    """
    path = Path(path)
    if path.is_dir():
        raise click.ClickException(
            f"The output path {str(path)!r} is a folder; give a file name, e.g. "
            f"-o {str(path / 'designs.csv')!r}."
        )
    if path.exists() and not overwrite:
        raise click.ClickException(
            f"The output file {str(path)!r} already exists; pass --overwrite to "
            "replace it, or choose another path with -o."
        )
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise click.ClickException(
            f"Cannot write {str(path)!r}: {str(folder)!r} is a file, not a folder; "
            "choose another path with -o."
        )
    try:  # a probe file, removed at once: os.access is wrong for root
        fd, probe = tempfile.mkstemp(dir=folder, suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise click.ClickException(
            f"Cannot write {str(path)!r}: the folder {str(folder)!r} is not "
            f"writable ({e.strerror}); choose another path with -o."
        ) from e
    return path


def write_csv(frame: pd.DataFrame, path: str | Path, overwrite: bool) -> None:
    r"""Write ``frame`` to ``path`` as CSV, atomically (see the module)."""
    path = check_output(path, overwrite)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".csv.tmp")
    except OSError as e:
        raise click.ClickException(f"Cannot write {str(path)!r}: {e}.") from e
    try:
        with os.fdopen(fd, "w", newline="") as f:
            frame.to_csv(f, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
