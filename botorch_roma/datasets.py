r"""Offline datasets with a true oracle, and the built-in dataset.

An offline task bundles what an offline model-based optimization method may see
(the visible dataset, and the bounds or the number of categories) with what only
an evaluation may use: the true oracle and the score range of the *full*
dataset, including its hidden top part, which defines the normalized score
``(y - y_min) / (y_max - y_min)`` used throughout the literature.

Tasks are built the Design-Bench way: sample designs, score them, and keep
only the bottom ``visible_fraction`` of the scores as the visible dataset
(:func:`split_visible`, the one split helper of the package). The built-in
dataset of ``botorch-roma design`` and ``botorch-roma demo``
(:func:`builtin_dataset`) is such a task, built from a BoTorch synthetic
function; the benchmark suite builds its tasks on the same pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from botorch.test_functions import synthetic
from torch import Tensor

from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "BUILTIN_DATASET",
    "OfflineTask",
    "SYNTHETIC_FUNCTIONS",
    "builtin_dataset",
    "make_synthetic_task",
    "split_visible",
]


@dataclass
class OfflineTask:
    r"""An offline model-based optimization task with a true oracle.

    Attributes:
        name: The task's name.
        X: ``n x d`` visible designs: floating point for continuous tasks, or
            ``n x L`` integer category ids (``torch.long``) for discrete tasks.
        Y: ``n x 1`` visible scores (higher is better).
        oracle: Maps a ``b x d`` (or ``b x L``) tensor of designs to a ``b x 1``
            tensor of true scores, on the designs' device and dtype where
            meaningful.
        y_min: The minimum score over the FULL dataset (visible and hidden).
        y_max: The maximum score over the FULL dataset (visible and hidden).
        bounds: ``2 x d`` box bounds for continuous tasks, else ``None``.
        num_categories: The vocabulary size for discrete tasks, else ``None``.
        metadata: Free-form facts about how the task was built.
    """

    name: str
    X: Tensor
    Y: Tensor
    oracle: Callable[[Tensor], Tensor]
    y_min: float
    y_max: float
    bounds: Tensor | None = None
    num_categories: int | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def is_discrete(self) -> bool:
        r"""Whether designs are sequences of category ids."""
        return self.num_categories is not None

    @property
    def dim(self) -> int:
        r"""The design dimension ``d`` (or sequence length ``L``)."""
        return self.X.shape[-1]

    def evaluate(self, X: Tensor) -> Tensor:
        r"""Score designs with the true oracle.

        Args:
            X: ``b x d`` designs (``b x L`` category ids for discrete tasks).

        Returns:
            A ``b x 1`` tensor of true scores.
        """
        with torch.no_grad():
            return self.oracle(X).reshape(-1, 1)

    def normalize(self, y: Tensor) -> Tensor:
        r"""Map scores to the normalized scale ``(y - y_min) / (y_max - y_min)``."""
        return (y - self.y_min) / (self.y_max - self.y_min)


def split_visible(
    Y: Tensor, visible_fraction: float, generator: torch.Generator | None = None
) -> Tensor:
    r"""Indices of the bottom ``visible_fraction`` of a dataset, by score.

    Args:
        Y: ``n`` or ``n x 1`` scores of the full dataset.
        visible_fraction: The visible share, in ``(0, 1]``; at least 2 rows
            are kept.
        generator: If given, ties are broken at random (a random permutation
            first, then a stable sort); otherwise by position (a stable sort).

    Returns:
        The sorted indices of the visible rows.

    Example:
        >>> split_visible(torch.tensor([3.0, 1.0, 2.0, 0.0]), 0.5)
        tensor([1, 3])
    """
    if not 0.0 < visible_fraction <= 1.0:
        raise RoMAInputError(
            f"visible_fraction must be in (0, 1], got {visible_fraction}."
        )
    y = Y.reshape(-1)
    n_visible = max(2, int(round(visible_fraction * y.shape[0])))
    if generator is None:
        order = torch.argsort(y, stable=True)
    else:
        perm = torch.randperm(y.shape[0], generator=generator)
        order = perm[torch.argsort(y[perm], stable=True)]
    return order[:n_visible].sort().values


#: Names accepted by :func:`make_synthetic_task`, mapped to BoTorch classes.
SYNTHETIC_FUNCTIONS = {
    "levy": synthetic.Levy,
    "rastrigin": synthetic.Rastrigin,
    "styblinski_tang": synthetic.StyblinskiTang,
    "ackley": synthetic.Ackley,
    "rosenbrock": synthetic.Rosenbrock,
    "griewank": synthetic.Griewank,
}


def make_synthetic_task(
    function: str = "styblinski_tang",
    dim: int = 20,
    n_total: int = 2000,
    visible_fraction: float = 0.8,
    seed: int = 0,
    name: str | None = None,
) -> OfflineTask:
    r"""Build an offline task from a BoTorch synthetic function.

    Designs are sampled uniformly in the function's box and scored with the
    negated function (so higher is better); the bottom ``visible_fraction``
    is visible.

    Args:
        function: One of :data:`SYNTHETIC_FUNCTIONS`.
        dim: The design dimension ``d``.
        n_total: The size of the full (visible + hidden) dataset.
        visible_fraction: The bottom fraction of the full dataset, by score,
            that is visible to the method.
        seed: Seed for the uniform design sample (the task is deterministic).
        name: The task's name; defaults to ``f"{function}-{dim}"``.

    Returns:
        An :class:`OfflineTask` with ``float64`` data on the CPU.

    Example:
        >>> task = make_synthetic_task("levy", dim=10, n_total=500)
        >>> task.X.shape, task.Y.shape
        (torch.Size([400, 10]), torch.Size([400, 1]))
    """
    if function not in SYNTHETIC_FUNCTIONS:
        raise RoMAInputError(
            f"Unknown synthetic function {function!r}; choose one of "
            f"{sorted(SYNTHETIC_FUNCTIONS)}."
        )
    if dim < 1 or n_total < 2:
        raise RoMAInputError(f"Need dim >= 1 and n_total >= 2, got {dim}, {n_total}.")
    if not 0.0 < visible_fraction <= 1.0:
        raise RoMAInputError(
            f"visible_fraction must be in (0, 1], got {visible_fraction}."
        )
    test_fn = SYNTHETIC_FUNCTIONS[function](dim=dim, negate=True).to(torch.double)
    bounds = test_fn.bounds.to(torch.double)
    gen = torch.Generator().manual_seed(seed)
    U = torch.rand(n_total, dim, generator=gen, dtype=torch.double)
    X_full = bounds[0] + (bounds[1] - bounds[0]) * U
    Y_full = test_fn(X_full).unsqueeze(-1)
    visible = split_visible(Y_full, visible_fraction)

    def oracle(X: Tensor) -> Tensor:
        return test_fn.to(X)(X).unsqueeze(-1)

    return OfflineTask(
        name=name or f"{function}-{dim}",
        X=X_full[visible],
        Y=Y_full[visible],
        oracle=oracle,
        y_min=Y_full.min().item(),
        y_max=Y_full.max().item(),
        bounds=bounds,
        metadata={
            "function": function,
            "dim": dim,
            "n_total": n_total,
            "visible_fraction": visible_fraction,
            "seed": seed,
        },
    )


#: The built-in dataset: 10-d Styblinski-Tang, the bottom 80% of 2,000 uniform
#: samples in ``[-5, 5]^10``.
BUILTIN_DATASET = {
    "function": "styblinski_tang",
    "dim": 10,
    "n_total": 2000,
    "visible_fraction": 0.8,
    "seed": 0,
}


def builtin_dataset() -> OfflineTask:
    r"""The built-in dataset of the README's main command (with its oracle).

    A 10-dimensional Styblinski-Tang offline task (see :data:`BUILTIN_DATASET`):
    1,600 visible rows, the bottom 80% of 2,000 uniform samples, with the true
    function as the oracle.

    Returns:
        The :class:`OfflineTask`.
    """
    return make_synthetic_task(**BUILTIN_DATASET, name="styblinski_tang-10")
