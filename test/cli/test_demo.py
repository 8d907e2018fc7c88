r"""Tests for ``botorch_roma/cli/demo.py`` and the ``botorch-roma`` group."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from botorch_roma.cli import COMMANDS, main
from botorch_roma.cli.demo import demo

REPO = Path(__file__).resolve().parents[2]
FAST = ["--dim", "3", "--n-total", "200", "-n", "6", "--epochs", "2", "--steps", "3",
        "--adapt-steps", "2", "--quiet"]  # fmt: skip


def test_demo_reports_true_scores_and_writes_csv(tmp_path):
    out = tmp_path / "candidates.csv"
    result = CliRunner().invoke(demo, [*FAST, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "RoMA candidates (6)" in result.output and "normalized p50" in result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["x0", "x1", "x2", "predicted", "true"]
    assert len(frame) == 6
    again = tmp_path / "again.csv"
    CliRunner().invoke(demo, [*FAST, "--out", str(again)])
    pd.testing.assert_frame_equal(frame, pd.read_csv(again))  # seeded


def test_demo_device(tmp_path):
    out = tmp_path / "cpu.csv"
    result = CliRunner().invoke(demo, [*FAST, "--device", "cpu", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 6
    result = CliRunner().invoke(demo, [*FAST, "--device", "tpu-please"])
    assert result.exit_code != 0 and "not a torch device" in result.output
    if not torch.cuda.is_available():  # a clear error before any work
        result = CliRunner().invoke(demo, [*FAST, "--device", "cuda"])
        assert result.exit_code != 0 and "no usable CUDA" in result.output
        assert "Task " not in result.output


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_demo_on_cuda(tmp_path):
    result = CliRunner().invoke(demo, [*FAST, "--device", "cuda"])
    assert result.exit_code == 0, result.output


def test_demo_rejects_bad_options():
    result = CliRunner().invoke(demo, [*FAST, "--lr", "-1"])
    assert result.exit_code != 0 and "lr must be > 0" in result.output


def test_group_lists_commands_without_importing_them():
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; from botorch_roma.cli import main\n"
         "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
         "print(sorted(m for m in sys.modules if m.startswith('botorch_roma.cli.')))"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in COMMANDS:
        assert name in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"  # nothing imported
    assert CliRunner().invoke(main, ["nope"]).exit_code != 0


def test_demo_checks_its_output_and_arguments_before_any_work(tmp_path):
    out = tmp_path / "candidates.csv"
    out.write_text("keep me\n")
    for args, match in (
        (["--output", str(out)], "already exists; pass --overwrite"),
        (["--seed", "-1"], "seed must be >= 0"),
        (["-n", "100000"], "larger than the 160 distinct designs"),
        (["--dim", "0"], "Need dim >= 1"),
    ):
        result = CliRunner().invoke(demo, [*FAST, *args])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        assert match in result.output
        assert "RoMA candidates" not in result.output
    assert out.read_text() == "keep me\n"
    result = CliRunner().invoke(demo, [*FAST, "--output", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 6
