r"""Tests for ``botorch_roma/cli/output.py`` (checked, atomic output files)."""

from __future__ import annotations

import os
import stat

import click
import pandas as pd
import pytest

from botorch_roma.cli.output import (
    file_mode,
    side_path,
    write_csv,
    write_file,
    write_text,
)


@pytest.fixture
def umask():
    r"""Set a umask for the test and restore the previous one."""
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_files_get_the_users_umask(tmp_path, umask, mask):
    umask(mask)
    assert file_mode() == 0o666 & ~mask
    assert os.umask(mask) == mask  # file_mode put it back
    paths = [
        write_csv(pd.DataFrame({"a": [1.5]}), tmp_path / "a.csv", False),
        write_text("hello\n", tmp_path / "b.md", False),
        write_file(tmp_path / "c.json", False, lambda p: p.write_text("{}")),
    ]
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.md", "c.json"]


def test_write_file_refuses_existing_files_and_leaves_no_partial_file(tmp_path):
    path = write_text("old\n", tmp_path / "a.txt", False)
    with pytest.raises(click.ClickException, match="already exists"):
        write_text("new\n", path, False)

    def fail(tmp):
        tmp.write_text("partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_file(path, True, fail)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temporary file


def test_side_path():
    assert side_path("out/designs.csv", "_run.json").as_posix() == (
        "out/designs_run.json"
    )
