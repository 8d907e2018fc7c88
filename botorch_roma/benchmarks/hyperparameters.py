r"""The grid of the paper's sensitivity study (Figure 5 of [Yu2021roma]_).

``T in {300, 500}``, ``alpha in {1, 0.1}``, ``epsilon in {eps0, 0.2 eps0}``,
where ``eps0`` is chosen by the offline rule of
:mod:`botorch_roma.models.epsilon`.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SENSITIVITY_GRID",
    "SensitivityConfig",
    "sensitivity_configs",
]


@dataclass(frozen=True)
class SensitivityConfig:
    r"""One point of the sensitivity grid.

    Attributes:
        label: A short label, e.g. ``"A T=300"`` (the paper's letters: A =
            (alpha0, eps0), B = (alpha0, 0.2 eps0), C = (0.1 alpha0, eps0),
            D = (0.1 alpha0, 0.2 eps0)).
        steps: The number ``T`` of ascent updates.
        alpha: The adaptation's consistency weight.
        epsilon_scale: The factor applied to the offline-selected ``eps0``.
    """

    label: str
    steps: int
    alpha: float
    epsilon_scale: float

    def options(self) -> dict[str, Any]:
        r"""The options to pass to the ``roma`` method."""
        return {
            "steps": self.steps,
            "alpha": self.alpha,
            "epsilon_scale": self.epsilon_scale,
        }


#: The paper's Figure 5 grid: letters for (alpha, epsilon), times T.
SENSITIVITY_GRID: dict[str, tuple[float, float]] = {
    "A": (1.0, 1.0),
    "B": (1.0, 0.2),
    "C": (0.1, 1.0),
    "D": (0.1, 0.2),
}


def sensitivity_configs(
    steps: Sequence[int] = (300, 500), alpha0: float = 1.0
) -> list[SensitivityConfig]:
    r"""The sensitivity grid of the paper's Figure 5.

    Args:
        steps: The values of ``T``.
        alpha0: The default ``alpha``.

    Returns:
        ``4 * len(steps)`` configurations (A-D for each ``T``).

    Example:
        >>> [c.label for c in sensitivity_configs()][:2]
        ['A T=300', 'B T=300']
    """
    return [
        SensitivityConfig(
            label=f"{letter} T={T}",
            steps=int(T),
            alpha=alpha_factor * alpha0,
            epsilon_scale=eps_factor,
        )
        for T in steps
        for letter, (alpha_factor, eps_factor) in SENSITIVITY_GRID.items()
    ]
