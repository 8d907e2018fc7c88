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

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it. Names are imported on first use
#: (PEP 562), so ``import botorch_roma`` loads neither torch nor BoTorch: the
#: command line imports this package, and its ``--help`` must stay fast.
_EXPORTS = {
    "AscentOptions": "botorch_roma.options",
    "EpsilonSelection": "botorch_roma.models",
    "PretrainingOptions": "botorch_roma.options",
    "RoMAEnsembleModel": "botorch_roma.models",
    "RoMAError": "botorch_roma.exceptions",
    "RoMAFitWarning": "botorch_roma.exceptions",
    "RoMAInputError": "botorch_roma.exceptions",
    "RoMAInputWarning": "botorch_roma.exceptions",
    "RoMAModel": "botorch_roma.models",
    "RoMATrainingError": "botorch_roma.exceptions",
    "TrustReport": "botorch_roma.report",
    "adapt_weights": "botorch_roma.generation",
    "gen_candidates_roma": "botorch_roma.generation",
    "optimize_roma": "botorch_roma.generation",
    "select_epsilon": "botorch_roma.models",
    "trust_report": "botorch_roma.report",
}


def __getattr__(name: str) -> Any:
    r"""Import a public name (or a subpackage) on first use."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # the names above, for type checkers and editors
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
