r"""The offline task protocol shared by all benchmark tasks.

An offline task bundles what an offline model-based optimization method may see
(the visible dataset, and the bounds or the number of categories) with what only
the evaluation may use: the true oracle and the score range of the *full*
dataset, including its hidden top part, which defines the normalized score
``(y - y_min) / (y_max - y_min)`` used throughout the literature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

__all__ = ["OfflineTask"]


@dataclass
class OfflineTask:
    r"""An offline model-based optimization task with a true oracle.

    Attributes:
        name: The task's registry name.
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
