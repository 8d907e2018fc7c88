r"""Output files of the commands: checked before any work, written atomically.

A command that writes a file checks the path with :func:`check_output` before
it reads data or fits anything, so a bad path costs nothing: a folder given as
the file, a parent that is a file or not writable (tried with a probe file,
removed at once), or an existing file (kept unless ``--overwrite`` is given).
:func:`write_file` (and :func:`write_csv`, :func:`write_text` on top of it)
checks again (the file may have appeared during the run), creates missing
folders and replaces the file in one step, so a failed write leaves no partial
file. The file gets the permissions a plain ``open()`` would give it
(``0o666`` less the user's umask), not the ``0o600`` of the temporary file it
is written to.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pandas is imported where it is used: `--help` stays fast
    import pandas as pd

__all__ = [
    "check_output",
    "file_mode",
    "overwrite_flag",
    "side_path",
    "write_csv",
    "write_file",
    "write_text",
]


def overwrite_flag(command: Callable) -> Callable:
    r"""Add ``--overwrite`` (replace an existing output file) to a command."""
    return click.option(
        "--overwrite",
        is_flag=True,
        help="Replace the output files if they exist (default: refuse).",
    )(command)


def side_path(output: str | Path, suffix: str) -> Path:
    r"""A file written next to ``output``: ``<stem><suffix>`` in its folder.

    Example:
        >>> side_path("out/designs.csv", "_run.json")
        PosixPath('out/designs_run.json')
    """
    output = Path(output)
    return output.with_name(output.stem + suffix)


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


def file_mode() -> int:
    r"""The mode ``open()`` gives a new file: ``0o666`` less the umask."""
    umask = os.umask(0)  # reading the umask means setting it; put it back
    os.umask(umask)
    return 0o666 & ~umask


def write_file(
    path: str | Path, overwrite: bool, write: Callable[[Path], None]
) -> Path:
    r"""Write a file atomically, with the user's umask (see the module).

    Args:
        path: The file.
        overwrite: Whether an existing file may be replaced.
        write: Writes the content to the temporary path it is given.

    Returns:
        The path.
    """
    path = check_output(path, overwrite)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix + ".tmp")
        os.close(fd)
    except OSError as e:
        raise click.ClickException(f"Cannot write {str(path)!r}: {e}.") from e
    try:
        write(Path(tmp))
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(text: str, path: str | Path, overwrite: bool) -> Path:
    r"""Write ``text`` (UTF-8) to ``path``, atomically (see the module)."""
    return write_file(path, overwrite, lambda tmp: tmp.write_text(text, "utf-8"))


def write_csv(frame: pd.DataFrame, path: str | Path, overwrite: bool) -> Path:
    r"""Write ``frame`` to ``path`` as CSV, atomically (see the module)."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="") as f:
            frame.to_csv(f, index=False)

    return write_file(path, overwrite, write)
