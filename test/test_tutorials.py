r"""Execute every notebook in ``tutorials/`` with ``SMOKE_TEST=1``.

Each notebook is one test; it fails if any cell raises. The notebooks run in a
``python3`` Jupyter kernel started with the interpreter running the tests, so
they see the same environment (and this checkout of ``botorch_roma``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

REPO = Path(__file__).resolve().parents[1]
TUTORIALS = REPO / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))


class _CurrentPythonKernelSpecs(KernelSpecManager):
    r"""Kernel specs whose ``python3`` kernel runs ``sys.executable``."""

    def get_kernel_spec(self, kernel_name: str):
        spec = super().get_kernel_spec(kernel_name)
        if kernel_name == "python3":
            spec.argv = [
                sys.executable,
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
            ]
        return spec


@pytest.fixture
def smoke_env(monkeypatch):
    r"""The kernel inherits this environment: small budgets, one thread."""
    monkeypatch.setenv("SMOKE_TEST", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    pythonpath = os.environ.get("PYTHONPATH")
    monkeypatch.setenv(
        "PYTHONPATH", str(REPO) + (os.pathsep + pythonpath if pythonpath else "")
    )


def test_tutorials_found():
    assert NOTEBOOKS, f"no notebooks in {TUTORIALS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_tutorial_runs(path: Path, smoke_env):
    nb = nbformat.read(path, as_version=4)
    kernel_manager = KernelManager(
        kernel_name="python3", kernel_spec_manager=_CurrentPythonKernelSpecs()
    )
    client = nbclient.NotebookClient(
        nb,
        km=kernel_manager,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(TUTORIALS)}},
    )
    before = {p.name for p in TUTORIALS.iterdir()}
    client.execute()  # raises CellExecutionError if any cell fails
    after = {p.name for p in TUTORIALS.iterdir()}
    assert after == before, f"the notebook wrote files: {sorted(after - before)}"
