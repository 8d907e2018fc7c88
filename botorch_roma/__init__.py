r"""botorch-roma: RoMA (Robust Model Adaptation) for BoTorch and Ax.

A map of the algorithm [Yu2021roma]_:

- Robust pre-training, Eq. 1: :mod:`botorch_roma.models.pretraining`, behind
  :class:`~botorch_roma.models.roma.RoMAModel` (``fit``) and its ensemble
  :class:`~botorch_roma.models.ensemble.RoMAEnsembleModel`.
- Model adaptation, Eq. 2: :mod:`botorch_roma.generation.adaptation`, with the
  closed-form gradients of :mod:`botorch_roma.models.mlp`.
- The adapted ascent (Algorithm 1, lines 6-11):
  :mod:`botorch_roma.generation.gen` (``optimize_roma``).
- Ax: :mod:`botorch_roma.ax` (``RoMAGenerationStep``).
- Sequences, in a VAE's latent space (Section 2.4): :mod:`botorch_roma.latent`.

Every option is declared once in :mod:`botorch_roma.options`; how far to trust
a batch is in :mod:`botorch_roma.report`.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from botorch_roma.exceptions import (
    RoMAError,
    RoMAFitWarning,
    RoMAInputError,
    RoMAInputWarning,
    RoMATrainingError,
)
from botorch_roma.generation import (
    adapt_weights,
    gen_candidates_roma,
    optimize_roma,
)
from botorch_roma.models import (
    EpsilonSelection,
    RoMAEnsembleModel,
    RoMAModel,
    select_epsilon,
)
from botorch_roma.options import AscentOptions, PretrainingOptions
from botorch_roma.report import TrustReport, trust_report

__version__ = "0.1.0"

__all__ = [
    "AscentOptions",
    "EpsilonSelection",
    "PretrainingOptions",
    "RoMAEnsembleModel",
    "RoMAError",
    "RoMAFitWarning",
    "RoMAInputError",
    "RoMAInputWarning",
    "RoMAModel",
    "RoMATrainingError",
    "TrustReport",
    "adapt_weights",
    "gen_candidates_roma",
    "optimize_roma",
    "select_epsilon",
    "trust_report",
]
