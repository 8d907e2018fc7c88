r"""RoMA's candidate generation: adapted gradient ascent."""

from botorch_roma.generation.adaptation import adapt_weights
from botorch_roma.generation.gen import (
    gen_candidates_roma,
    optimize_roma,
    select_starting_designs,
)

__all__ = [
    "adapt_weights",
    "gen_candidates_roma",
    "optimize_roma",
    "select_starting_designs",
]
