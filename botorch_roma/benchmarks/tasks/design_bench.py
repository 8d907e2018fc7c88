r"""An adapter from Design-Bench [Trabucco2022designbench]_ tasks to offline tasks.

RoMA [Yu2021roma]_ was evaluated on Design-Bench. Design-Bench ships code only:
its datasets (and its learned oracles) are downloaded at run time into
``<site-packages>/design_bench_data/``, and its exact oracles need simulators
that do not install everywhere. This adapter therefore has two routes:

- **With design-bench importable** (and no ``data_dir`` given),
  :func:`make_design_bench_task` calls ``design_bench.make(name)`` and uses its
  visible ``x``/``y`` and its ``predict`` as the oracle.
- **Without it**, :func:`load_design_bench_shards` reads the dataset straight
  from a folder laid out like Design-Bench's cache
  (``<data_dir>/superconductor/superconductor-{x,y}-{0..4}.npy``,
  ``<data_dir>/tf_bind_8-SIX6_REF_R1/tf_bind_8-{x,y}-0.npy``, ...) and applies
  the same percentile split as Design-Bench 2.x. The oracle is then unavailable:
  :meth:`OfflineTask.evaluate` raises ``UnsupportedError`` saying so, and the
  task's ``metadata["oracle_available"]`` is False.

Normalization uses the literature's ``y_min``/``y_max`` over the FULL dataset
(:data:`LITERATURE_Y_RANGE`) where known, and otherwise the min/max over all
shards, hidden part included.

References:

.. [Trabucco2022designbench]
    B. Trabucco, X. Geng, A. Kumar, S. Levine. Design-Bench: Benchmarks for
    Data-Driven Offline Model-Based Optimization. ICML 2022.
.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from botorch.exceptions.errors import UnsupportedError
from torch import Tensor

from botorch_roma.datasets import OfflineTask
from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "DESIGN_BENCH_DATASETS",
    "DESIGN_BENCH_TASKS",
    "LITERATURE_Y_RANGE",
    "DesignBenchDataset",
    "DesignBenchShards",
    "default_design_bench_data_dir",
    "load_design_bench_shards",
    "make_design_bench_task",
]

_INSTALL_HINT = (
    "Install design-bench (pip install design-bench==2.0.20; it needs patches on "
    "current numpy/scikit-learn) and let it download its data once with "
    "design_bench.make(name) on a machine with internet access, or pass "
    "data_dir=<folder> pointing to a copy of its data folder (design_bench_data)."
)


@dataclass(frozen=True)
class DesignBenchDataset:
    r"""Where a Design-Bench dataset lives on disk and how it is split.

    Attributes:
        folder: The sub-folder of the data folder, e.g. ``"superconductor"``.
        prefix: The shard file prefix: shards are ``{prefix}-x-{i}.npy`` and
            ``{prefix}-y-{i}.npy``.
        max_percentile: Rows with ``y`` above this percentile are hidden.
        min_percentile: Rows with ``y`` below this percentile are hidden.
        num_categories: The vocabulary size of discrete datasets, else None.
        max_samples: Design-Bench keeps a uniform subsample of this many visible
            rows (``None``: all).
    """

    folder: str
    prefix: str
    max_percentile: float
    min_percentile: float = 0.0
    num_categories: int | None = None
    max_samples: int | None = None


#: Design-Bench 2.x datasets, keyed by the first part of a task name
#: (``"Superconductor"`` in ``"Superconductor-RandomForest-v0"``).
DESIGN_BENCH_DATASETS: dict[str, DesignBenchDataset] = {
    "AntMorphology": DesignBenchDataset("ant_morphology", "ant_morphology", 40.0),
    "DKittyMorphology": DesignBenchDataset(
        "dkitty_morphology", "dkitty_morphology", 40.0
    ),
    "GFP": DesignBenchDataset(
        "gfp", "gfp", 60.0, min_percentile=50.0, num_categories=20, max_samples=5000
    ),
    "HopperController": DesignBenchDataset(
        "hopper_controller", "hopper_controller", 100.0
    ),
    "Superconductor": DesignBenchDataset("superconductor", "superconductor", 80.0),
    "TFBind10": DesignBenchDataset(
        "tf_bind_10-pho4", "tf_bind_10", 50.0, num_categories=4
    ),
    "TFBind8": DesignBenchDataset(
        "tf_bind_8-SIX6_REF_R1", "tf_bind_8", 50.0, num_categories=4
    ),
}

#: Design-Bench task names commonly used in the offline-MBO literature. Any
#: ``<Dataset>-<Oracle>-v<k>`` name with a dataset in
#: :data:`DESIGN_BENCH_DATASETS` is accepted.
DESIGN_BENCH_TASKS = [
    "AntMorphology-Exact-v0",
    "DKittyMorphology-Exact-v0",
    "GFP-Transformer-v0",
    "HopperController-Exact-v0",
    "Superconductor-RandomForest-v0",
    "TFBind10-Exact-v0",
    "TFBind8-Exact-v0",
]

#: ``(y_min, y_max)`` over the FULL datasets, as used for normalized scores in
#: the offline-MBO literature.
LITERATURE_Y_RANGE: dict[str, tuple[float, float]] = {
    "AntMorphology": (-386.90, 590.24),
    "DKittyMorphology": (-880.46, 340.91),
    "Superconductor": (0.0002, 185.0),
    "TFBind10": (-1.8585, 2.1287),
    "TFBind8": (0.0, 1.0),
}

_NAME_PATTERN = re.compile(r"(?P<dataset>[A-Za-z0-9]+)-(?P<oracle>[A-Za-z]+)-v\d+")


def _parse_name(name: str) -> str:
    r"""The dataset key of a Design-Bench task name, or a clear error."""
    match = _NAME_PATTERN.fullmatch(name)
    if match is None or match["dataset"] not in DESIGN_BENCH_DATASETS:
        raise RoMAInputError(
            f"Unknown design-bench task {name!r}. Use a name of the form "
            "<Dataset>-<Oracle>-v<k> with a dataset among "
            f"{sorted(DESIGN_BENCH_DATASETS)}, e.g. one of "
            f"{', '.join(DESIGN_BENCH_TASKS)}."
        )
    return match["dataset"]


def default_design_bench_data_dir() -> Path | None:
    r"""Design-Bench's own data folder, found without importing design-bench.

    Returns:
        ``<site-packages>/design_bench_data`` next to an installed
        ``design_bench`` package, or ``None`` if it is not installed.
    """
    try:
        spec = importlib.util.find_spec("design_bench")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).resolve().parent.parent / "design_bench_data"


@dataclass
class DesignBenchShards:
    r"""A Design-Bench dataset read from disk.

    Attributes:
        x: ``N x ...`` designs of the FULL dataset (float32 or int32 ids).
        y: ``N x 1`` float scores of the FULL dataset.
        visible: Indices of the visible rows, per Design-Bench's split.
        files: The shard files read, x then y.
    """

    x: np.ndarray
    y: np.ndarray
    visible: np.ndarray
    files: list[str]


def _shard_index(path: Path, prefix: str, kind: str) -> int | None:
    match = re.fullmatch(rf"{re.escape(prefix)}-{kind}-(\d+)\.npy", path.name)
    return None if match is None else int(match.group(1))


def load_design_bench_shards(
    name: str, data_dir: str | os.PathLike, seed: int = 0
) -> DesignBenchShards:
    r"""Read a Design-Bench dataset from its on-disk shards, without design-bench.

    The shards are ``np.save`` arrays named ``{prefix}-x-{i}.npy`` and
    ``{prefix}-y-{i}.npy`` in ``<data_dir>/<folder>/`` (see
    :data:`DESIGN_BENCH_DATASETS`); they are concatenated in shard order. The
    visible rows are those with ``y`` between the dataset's min and max
    percentiles (``np.percentile``, as in Design-Bench 2.x); where Design-Bench
    subsamples (``max_samples``), a seeded uniform subsample is taken, which is
    NOT the same subsample as Design-Bench's.

    Args:
        name: A Design-Bench task name, e.g. ``"Superconductor-RandomForest-v0"``.
        data_dir: The data folder (Design-Bench's ``design_bench_data``).
        seed: Seed of the subsample, where one is taken.

    Returns:
        The full dataset and the indices of its visible part.

    Example:
        >>> shards = load_design_bench_shards(
        ...     "TFBind8-Exact-v0", "design_bench_data"
        ... )  # doctest: +SKIP
        >>> shards.x[shards.visible].shape  # doctest: +SKIP
        (32898, 8)
    """
    dataset = DESIGN_BENCH_DATASETS[_parse_name(name)]
    folder = Path(data_dir).expanduser() / dataset.folder
    indexed = [
        (_shard_index(p, dataset.prefix, "x"), p)
        for p in folder.glob(f"{dataset.prefix}-x-*.npy")
    ]
    x_files = [p for i, p in sorted(e for e in indexed if e[0] is not None)]
    y_files = [p.with_name(p.name.replace("-x-", "-y-")) for p in x_files]
    missing = [str(p) for p in y_files if not p.exists()]
    if not x_files or missing:
        expected = folder / f"{dataset.prefix}-{{x,y}}-{{0,1,...}}.npy"
        raise RoMAInputError(
            f"The design-bench data for {name!r} is missing: expected shards "
            f"{expected}"
            + (f"; missing {missing}" if missing else "; none found")
            + f". {_INSTALL_HINT}"
        )
    xs = [np.load(p, allow_pickle=False) for p in x_files]
    ys = [np.load(p, allow_pickle=False).reshape(-1, 1) for p in y_files]
    for p, x, y in zip(x_files, xs, ys):
        if x.shape[0] != y.shape[0]:
            raise RoMAInputError(
                f"Shard {p} has {x.shape[0]} designs but its y shard has "
                f"{y.shape[0]} rows; the data folder is corrupt. {_INSTALL_HINT}"
            )
    x, y = np.concatenate(xs), np.concatenate(ys).astype(np.float64)
    low = (
        np.percentile(y[:, 0], dataset.min_percentile)
        if dataset.min_percentile > 0
        else -np.inf
    )
    high = (
        np.percentile(y[:, 0], dataset.max_percentile)
        if dataset.max_percentile < 100
        else np.inf
    )
    visible = np.flatnonzero((y[:, 0] >= low) & (y[:, 0] <= high))
    if dataset.max_samples is not None and visible.size > dataset.max_samples:
        rng = np.random.default_rng(seed)
        visible = np.sort(rng.choice(visible, dataset.max_samples, replace=False))
    return DesignBenchShards(
        x=x, y=y, visible=visible, files=[str(p) for p in x_files + y_files]
    )


class _DesignBenchOracle:
    r"""``design_bench``'s ``predict`` as an oracle, or a clear error without it."""

    def __init__(self, name: str, task=None, reason: str | None = None) -> None:
        self.name = name
        self.task = task
        self.reason = reason

    def __call__(self, X: Tensor) -> Tensor:
        if self.task is None:
            raise UnsupportedError(
                f"The oracle of design-bench task {self.name!r} is unavailable: "
                f"{self.reason} Its dataset was read from disk, so offline methods "
                "can run, but their candidates cannot be scored here. To score "
                "them, install design-bench with its oracles (exact oracles need "
                "their simulators, e.g. mujoco-py for the morphology tasks)."
            )
        x = X.detach().cpu().numpy().astype(self.task.x.dtype)
        y = np.asarray(self.task.predict(x), dtype=np.float64).reshape(-1, 1)
        dtype = X.dtype if X.is_floating_point() else torch.double
        return torch.as_tensor(y, dtype=dtype, device=X.device)


def _to_tensors(x: np.ndarray, y: np.ndarray, discrete: bool) -> tuple[Tensor, Tensor]:
    X = torch.as_tensor(np.asarray(x))
    X = X.long() if discrete else X.to(torch.double).reshape(X.shape[0], -1)
    return X, torch.as_tensor(np.asarray(y), dtype=torch.double).reshape(-1, 1)


def _import_design_bench():
    r"""``(module, None)``, or ``(None, reason)`` if it cannot be imported."""
    if importlib.util.find_spec("design_bench") is None:
        return None, "design-bench is not installed."
    try:
        import design_bench
    except Exception as error:  # its import fails in many ways on new stacks
        return None, (
            f"importing design_bench failed ({type(error).__name__}: {error})."
        )
    return design_bench, None


def make_design_bench_task(
    name: str,
    data_dir: str | os.PathLike | None = None,
    seed: int = 0,
) -> OfflineTask:
    r"""Wrap a Design-Bench task as an :class:`OfflineTask`.

    If ``design_bench`` imports and no ``data_dir`` is given, the task comes
    from ``design_bench.make(name)``: its visible data, its ``predict`` as the
    oracle. Otherwise the dataset is read from the shards in ``data_dir``
    (default: design-bench's own ``design_bench_data`` folder) and the oracle is
    unavailable unless design-bench imports. ``y_min``/``y_max`` come from
    :data:`LITERATURE_Y_RANGE` where listed, else from the full on-disk dataset.

    Args:
        name: A Design-Bench task name, e.g. ``"Superconductor-RandomForest-v0"``.
        data_dir: A folder laid out like Design-Bench's data folder.
        seed: Seed of the subsample taken for datasets Design-Bench subsamples
            (shard route only).

    Returns:
        The task: continuous tasks have ``float64`` ``n x d`` designs and
        ``bounds=None``; discrete ones ``torch.long`` ids and
        ``num_categories``.

    Example:
        >>> task = make_design_bench_task(
        ...     "Superconductor-RandomForest-v0", data_dir="design_bench_data"
        ... )  # doctest: +SKIP
    """
    key = _parse_name(name)
    dataset = DESIGN_BENCH_DATASETS[key]
    module, reason = _import_design_bench()
    if module is not None and data_dir is None:
        return _from_design_bench(module, name, key)
    folder = Path(data_dir) if data_dir is not None else default_design_bench_data_dir()
    if folder is None:
        from botorch_roma.benchmarks.tasks.registry import list_tasks

        raise RoMAInputError(
            f"Design-bench task {name!r} needs design-bench and its cached data: "
            f"{reason} No data_dir was given. {_INSTALL_HINT} Design-bench tasks: "
            f"{', '.join(DESIGN_BENCH_TASKS)}. Built-in tasks that run anywhere: "
            f"{', '.join(list_tasks())}."
        )
    shards = load_design_bench_shards(name, folder, seed=seed)
    discrete = dataset.num_categories is not None
    X_full, Y_full = _to_tensors(shards.x, shards.y, discrete)
    visible = torch.as_tensor(shards.visible, dtype=torch.long)
    y_min, y_max = LITERATURE_Y_RANGE.get(
        key, (Y_full.min().item(), Y_full.max().item())
    )
    oracle_task, oracle_reason = None, reason
    if module is not None:  # design-bench imports, but the data came from data_dir
        try:
            oracle_task = module.make(name)
        except Exception as error:
            oracle_reason = (
                f"design_bench.make({name!r}) failed ({type(error).__name__}: {error})."
            )
    return OfflineTask(
        name=name,
        X=X_full[visible],
        Y=Y_full[visible],
        oracle=_DesignBenchOracle(name, oracle_task, oracle_reason),
        y_min=float(y_min),
        y_max=float(y_max),
        bounds=None,
        num_categories=dataset.num_categories,
        metadata={
            "source": "design-bench shards",
            "data_dir": str(folder),
            "files": shards.files,
            "n_total": int(Y_full.shape[0]),
            "oracle_available": oracle_task is not None,
            "y_range": "literature" if key in LITERATURE_Y_RANGE else "full dataset",
        },
    )


def _from_design_bench(module, name: str, key: str) -> OfflineTask:  # pragma: no cover
    r"""The ``design_bench.make`` route (not exercised where design-bench is absent)."""
    try:
        task = module.make(name)
    except Exception as error:
        raise RoMAInputError(
            f"design_bench.make({name!r}) failed ({type(error).__name__}: {error}). "
            f"{_INSTALL_HINT}"
        ) from error
    discrete = bool(getattr(task, "is_discrete", False))
    X, Y = _to_tensors(task.x, task.y, discrete)
    if key in LITERATURE_Y_RANGE:
        y_min, y_max = LITERATURE_Y_RANGE[key]
        y_range = "literature"
    else:
        data_dir = Path(module.disk_resource.DATA_DIR)
        full = load_design_bench_shards(name, data_dir)
        y_min, y_max = float(full.y.min()), float(full.y.max())
        y_range = "full dataset"
    return OfflineTask(
        name=name,
        X=X,
        Y=Y,
        oracle=_DesignBenchOracle(name, task),
        y_min=float(y_min),
        y_max=float(y_max),
        bounds=None,
        num_categories=int(task.num_classes) if discrete else None,
        metadata={
            "source": "design_bench.make",
            "oracle_available": True,
            "y_range": y_range,
        },
    )
