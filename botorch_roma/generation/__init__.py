r"""RoMA's candidate generation: adapted gradient ascent."""

from botorch_roma.generation.adaptation import ADAPTATION_MODES, adapt_weights
from botorch_roma.generation.gen import (
    AscentOptions,
    gen_candidates_roma,
    optimize_roma,
    select_starting_designs,
)

__all__ = [
    "ADAPTATION_MODES",
    "AscentOptions",
    "adapt_weights",
    "gen_candidates_roma",
    "optimize_roma",
    "select_starting_designs",
]
