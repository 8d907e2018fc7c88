r"""botorch-roma: RoMA (Robust Model Adaptation) for BoTorch and Ax.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from botorch_roma.exceptions import RoMAError, RoMAInputError, RoMATrainingError
from botorch_roma.generation import (
    adapt_weights,
    gen_candidates_roma,
    optimize_roma,
)
from botorch_roma.models import EpsilonSelection, RoMAModel, select_epsilon
from botorch_roma.options import AscentOptions, PretrainingOptions

__version__ = "0.1.0"

__all__ = [
    "AscentOptions",
    "EpsilonSelection",
    "PretrainingOptions",
    "RoMAError",
    "RoMAInputError",
    "RoMAModel",
    "RoMATrainingError",
    "adapt_weights",
    "gen_candidates_roma",
    "optimize_roma",
    "select_epsilon",
]
