r"""Offline tasks built from BoTorch's closed-form synthetic test functions.

They are built the Design-Bench way: sample designs uniformly in the box, score
them with the (negated, so higher is better) test function, and keep only the
bottom ``visible_fraction`` of the scores as the visible dataset. The hidden top
part still counts for ``y_min``/``y_max``, so a normalized score above the
visible maximum means the method found designs better than anything it saw.
"""

from __future__ import annotations

import torch
from botorch.test_functions import synthetic

from botorch_roma.benchmarks.tasks.base import OfflineTask
from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "DEFAULT_TASK",
    "SYNTHETIC_FUNCTIONS",
    "make_default_task",
    "make_synthetic_task",
]

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
    if not 0.0 < visible_fraction <= 1.0:
        raise RoMAInputError(
            f"visible_fraction must be in (0, 1], got {visible_fraction}."
        )
    if dim < 1 or n_total < 2:
        raise RoMAInputError(f"Need dim >= 1 and n_total >= 2, got {dim}, {n_total}.")
    test_fn = SYNTHETIC_FUNCTIONS[function](dim=dim, negate=True).to(torch.double)
    bounds = test_fn.bounds.to(torch.double)
    gen = torch.Generator().manual_seed(seed)
    U = torch.rand(n_total, dim, generator=gen, dtype=torch.double)
    X_full = bounds[0] + (bounds[1] - bounds[0]) * U
    Y_full = test_fn(X_full).unsqueeze(-1)
    n_visible = max(2, int(round(visible_fraction * n_total)))
    order = torch.argsort(Y_full.squeeze(-1))
    visible = order[:n_visible].sort().values

    def oracle(X: torch.Tensor) -> torch.Tensor:
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


#: The built-in default dataset: 10-d Styblinski-Tang, bottom 80% of 2,000 rows.
DEFAULT_TASK = {
    "function": "styblinski_tang",
    "dim": 10,
    "n_total": 2000,
    "visible_fraction": 0.8,
    "seed": 0,
}


def make_default_task() -> OfflineTask:
    r"""The built-in default dataset used by the README's main command.

    A 10-dimensional Styblinski-Tang offline task (see :data:`DEFAULT_TASK`):
    1,600 visible rows, the bottom 80% of 2,000 uniform samples in
    ``[-5, 5]^10``, with the true function as the oracle.

    Returns:
        The default :class:`OfflineTask`.
    """
    return make_synthetic_task(**DEFAULT_TASK, name="styblinski_tang-10")
