r"""RoMA's proxy model, its robust pre-training and the offline epsilon rule."""

from botorch_roma.models.epsilon import EPSILON_GRID, EpsilonSelection
from botorch_roma.models.pretraining import robust_pretrain
from botorch_roma.models.roma import RoMAModel, select_epsilon, validate_training_data

__all__ = [
    "EPSILON_GRID",
    "EpsilonSelection",
    "RoMAModel",
    "robust_pretrain",
    "select_epsilon",
    "validate_training_data",
]
