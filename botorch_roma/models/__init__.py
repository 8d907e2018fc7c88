r"""RoMA's proxy models (one proxy or an ensemble), their robust pre-training
and the offline epsilon rule."""

from botorch_roma.models.ensemble import RoMAEnsembleModel, build_proxy
from botorch_roma.models.epsilon import EPSILON_GRID, EpsilonSelection
from botorch_roma.models.pretraining import robust_pretrain, robust_pretrain_ensemble
from botorch_roma.models.roma import RoMAModel, select_epsilon, validate_training_data

__all__ = [
    "EPSILON_GRID",
    "EpsilonSelection",
    "RoMAEnsembleModel",
    "RoMAModel",
    "build_proxy",
    "robust_pretrain",
    "robust_pretrain_ensemble",
    "select_epsilon",
    "validate_training_data",
]
