r"""The naive offline baseline: propose the best designs of the dataset itself.

Every offline model-based optimization method starts from (or competes with)
the visible dataset's top designs; the paper's tables report the dataset's
maximum as the bar to clear [Yu2021roma]_.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from botorch_roma.benchmarks.methods.options import MethodOptions
from botorch_roma.benchmarks.methods.utils import pad_to, top_k_indices
from botorch_roma.datasets import OfflineTask

__all__ = ["dataset_top_k"]


def dataset_top_k(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""The ``n`` best visible designs by score (continuous or discrete).

    Args:
        task: The offline task.
        n: The number of candidates; rows repeat cyclically if the dataset has
            fewer than ``n`` designs.
        seed: Unused (the method is deterministic).
        smoke: Unused.
        **options: None are accepted (the method has no options; a clear
            error names any given).

    Returns:
        An ``n x d`` tensor of designs (a copy of the dataset's rows).

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=50)
        >>> dataset_top_k(task, n=8).shape
        torch.Size([8, 3])
    """
    MethodOptions.for_run(options)
    return pad_to(task.X[top_k_indices(task.Y, n)].clone(), n)
