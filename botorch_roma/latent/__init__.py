r"""RoMA for discrete designs, in the latent space of a categorical VAE.

:class:`CategoricalVAE` maps integer-encoded sequences to a continuous latent
space and back; :class:`LatentRoMA` (and the one-call
:func:`optimize_latent_roma`) runs RoMA's robust pre-training and adapted ascent
there and returns distinct, valid sequences [Yu2021roma]_ (Section 2.4);
:class:`TransitionCheck` and a user ``feasibility`` check keep those sequences
within the data's support (:mod:`~botorch_roma.latent.plausibility`).

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from botorch_roma.latent.plausibility import (
    TransitionCheck,
    feasibility_name,
    resolve_feasibility,
)
from botorch_roma.latent.roma import LatentRoMA, optimize_latent_roma
from botorch_roma.latent.vae import CategoricalVAE, as_sequences

__all__ = [
    "CategoricalVAE",
    "LatentRoMA",
    "TransitionCheck",
    "as_sequences",
    "feasibility_name",
    "optimize_latent_roma",
    "resolve_feasibility",
]
