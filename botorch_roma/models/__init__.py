r"""RoMA's proxy model and its robust pre-training."""

from botorch_roma.models.pretraining import PretrainingOptions, robust_pretrain
from botorch_roma.models.roma import RoMAModel, validate_training_data

__all__ = [
    "PretrainingOptions",
    "RoMAModel",
    "robust_pretrain",
    "validate_training_data",
]
