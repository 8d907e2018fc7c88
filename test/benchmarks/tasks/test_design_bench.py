r"""Tests for botorch_roma/benchmarks/tasks/design_bench.py.

design-bench itself is not needed: a tiny cache is written in its real on-disk
layout (``<DATA_DIR>/superconductor/superconductor-{x,y}-{0..4}.npy`` etc.).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.benchmarks.tasks.design_bench import (
    DESIGN_BENCH_TASKS,
    LITERATURE_Y_RANGE,
    load_design_bench_shards,
    make_design_bench_task,
)
from botorch_roma.exceptions import RoMAInputError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("design_bench") is not None,
    reason="design-bench is installed: the design_bench.make route applies.",
)


def _write_superconductor(data_dir: Path, rows=(7, 6, 6, 6, 5)) -> np.ndarray:
    folder = data_dir / "superconductor"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    ys = []
    for i, n in enumerate(rows):
        x = rng.normal(size=(n, 81)).astype(np.float32)
        y = rng.uniform(0, 185, size=(n, 1)).astype(np.float32)
        np.save(folder / f"superconductor-x-{i}.npy", x)
        np.save(folder / f"superconductor-y-{i}.npy", y)
        ys.append(y)
    return np.concatenate(ys)


def _write_tfbind8(data_dir: Path, n: int = 40) -> None:
    folder = data_dir / "tf_bind_8-SIX6_REF_R1"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    np.save(folder / "tf_bind_8-x-0.npy", rng.integers(0, 4, (n, 8)).astype(np.int32))
    np.save(folder / "tf_bind_8-y-0.npy", rng.uniform(size=(n, 1)).astype(np.float32))


def test_superconductor_from_shards(tmp_path):
    y_all = _write_superconductor(tmp_path)
    shards = load_design_bench_shards("Superconductor-RandomForest-v0", tmp_path)
    assert shards.x.shape == (30, 81) and shards.y.shape == (30, 1)
    # Shards are read in numeric order: the first rows are shard 0's.
    assert np.allclose(shards.y[:7, 0], y_all[:7, 0])
    cut = np.percentile(y_all[:, 0], 80)
    assert set(shards.visible) == set(np.flatnonzero(y_all[:, 0] <= cut))

    task = make_design_bench_task("Superconductor-RandomForest-v0", data_dir=tmp_path)
    n_visible = shards.visible.size
    assert task.X.shape == (n_visible, 81) and task.X.dtype == torch.double
    assert task.Y.shape == (n_visible, 1) and task.Y.dtype == torch.double
    assert not task.is_discrete and task.bounds is None
    # Normalization uses the literature's full-dataset range.
    assert (task.y_min, task.y_max) == LITERATURE_Y_RANGE["Superconductor"]
    assert not task.metadata["oracle_available"]
    assert task.metadata["n_total"] == 30 and len(task.metadata["files"]) == 10
    for dtype in (torch.float, torch.double):
        with pytest.raises(UnsupportedError, match="oracle .* is unavailable"):
            task.evaluate(task.X[:2].to(dtype))


def test_discrete_from_shards(tmp_path):
    _write_tfbind8(tmp_path)
    task = make_design_bench_task("TFBind8-Exact-v0", data_dir=tmp_path)
    assert task.is_discrete and task.num_categories == 4
    assert task.X.dtype == torch.long and task.X.shape == (20, 8)
    assert (task.y_min, task.y_max) == (0.0, 1.0)


def test_full_range_when_not_in_literature(tmp_path):
    folder = tmp_path / "hopper_controller"
    folder.mkdir()
    x = np.zeros((5, 5126), dtype=np.float32)
    y = np.array([[3.0], [-1.0], [7.0], [2.0], [0.5]], dtype=np.float32)
    np.save(folder / "hopper_controller-x-0.npy", x)
    np.save(folder / "hopper_controller-y-0.npy", y)
    task = make_design_bench_task("HopperController-Exact-v0", data_dir=tmp_path)
    # Hopper is fully visible in Design-Bench 2.x.
    assert task.X.shape == (5, 5126)
    assert (task.y_min, task.y_max) == (-1.0, 7.0)
    assert task.metadata["y_range"] == "full dataset"


def test_gfp_band_and_subsample(tmp_path, monkeypatch):
    import botorch_roma.benchmarks.tasks.design_bench as module

    folder = tmp_path / "gfp"
    folder.mkdir()
    n = 200
    np.save(folder / "gfp-x-0.npy", np.zeros((n, 238), dtype=np.int32))
    np.save(folder / "gfp-y-0.npy", np.arange(n, dtype=np.float32).reshape(-1, 1))
    monkeypatch.setitem(
        module.DESIGN_BENCH_DATASETS,
        "GFP",
        module.DesignBenchDataset(
            "gfp", "gfp", 60.0, min_percentile=50.0, num_categories=20, max_samples=5
        ),
    )
    shards = load_design_bench_shards("GFP-Transformer-v0", tmp_path, seed=0)
    y = shards.y[shards.visible, 0]
    assert shards.visible.size == 5
    assert (y >= np.percentile(np.arange(n), 50)).all()
    assert (y <= np.percentile(np.arange(n), 60)).all()


def test_missing_data_errors(tmp_path):
    with pytest.raises(RoMAInputError, match="superconductor-\\{x,y\\}") as info:
        make_design_bench_task("Superconductor-RandomForest-v0", data_dir=tmp_path)
    assert "pip install design-bench" in str(info.value)
    # No data_dir and no design-bench install: say what is missing and the fix.
    with pytest.raises(RoMAInputError, match="design-bench is not installed") as info:
        make_design_bench_task("TFBind8-Exact-v0")
    assert "TFBind8-Exact-v0" in str(info.value) and "data_dir" in str(info.value)
    assert "ehrlich-tfbind8" in str(info.value)  # the built-in alternatives


def test_corrupt_and_unknown(tmp_path):
    _write_tfbind8(tmp_path)
    folder = tmp_path / "tf_bind_8-SIX6_REF_R1"
    np.save(folder / "tf_bind_8-y-0.npy", np.zeros((3, 1), dtype=np.float32))
    with pytest.raises(RoMAInputError, match="corrupt"):
        load_design_bench_shards("TFBind8-Exact-v0", tmp_path)
    (folder / "tf_bind_8-y-0.npy").unlink()
    with pytest.raises(RoMAInputError, match="missing"):
        load_design_bench_shards("TFBind8-Exact-v0", tmp_path)
    with pytest.raises(RoMAInputError, match="Unknown design-bench task") as info:
        make_design_bench_task("Superconductor", data_dir=tmp_path)
    assert all(name in str(info.value) for name in DESIGN_BENCH_TASKS)
