r"""How Ax's modular BoTorch stack builds and fits a :class:`RoMAModel`.

Ax's ``Surrogate`` builds its BoTorch model from a ``ModelConfig`` through the
``submodel_input_constructor`` dispatcher and fits it through the
``fit_botorch_model`` dispatcher. RoMA's proxy is not a GP, so both get a RoMA
case (registered on ``import botorch_roma.ax``):

- :func:`roma_model_inputs` passes the training data and the pre-training
  options from ``ModelConfig.model_options`` to :class:`RoMAModel`; SEMs are
  ignored (RoMA models the mean only) and the model keeps its own transforms;
- :func:`fit_roma_model` runs the robust pre-training, with ``seed`` and
  ``progress`` taken from ``ModelConfig.mll_options`` (no likelihood is used).

Transforms. Inside Ax the model sees data after Ax's own transforms. RoMA uses
:data:`ROMA_TRANSFORMS`: Ax's ``Cont_X_trans`` (fixed parameters removed,
ordered choices and integers relaxed to floats, unordered choices one-hot,
log-scale parameters logged, everything mapped to the unit cube) and *no*
outcome transform. Ax's default outcome transforms for BoTorch models,
``Winsorize`` and ``BilogY``, are left out on purpose: winsorization clips the
top of the data, which is exactly where offline optimization starts its
ascent, and ``BilogY`` warps the outcome scale in which RoMA's trust radius is
expressed. The model then z-scores its inputs (``InputStandardize``) and its
outcome (``Standardize``) itself, as in the paper, so Ax passes
``input_transform_classes=None``.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from typing import Any

from ax.adapter.registry import Cont_X_trans
from ax.adapter.transforms.base import Transform
from ax.core.search_space import SearchSpaceDigest
from ax.generators.torch.botorch_modular.surrogate import Surrogate
from ax.generators.torch.botorch_modular.utils import ModelConfig
from botorch.models.transforms.outcome import Standardize
from botorch.utils.datasets import SupervisedDataset
from gpytorch.mlls.marginal_log_likelihood import MarginalLogLikelihood

from botorch_roma.latent.model import LatentRoMAModel
from botorch_roma.models.ensemble import RoMAEnsembleModel
from botorch_roma.models.roma import RoMAModel, RoMAProxy
from botorch_roma.options import PretrainingOptions, RunOptions

__all__ = [
    "ROMA_TRANSFORMS",
    "fit_roma_model",
    "roma_model_config",
    "roma_model_inputs",
]

#: Ax transforms used by the RoMA generation step (see the module docs).
ROMA_TRANSFORMS: list[type[Transform]] = list(Cont_X_trans)


def roma_model_config(
    pretraining: dict[str, Any] | None = None,
    seed: int | None = 0,
    progress: bool = False,
) -> ModelConfig:
    r"""An Ax ``ModelConfig`` for a :class:`RoMAModel` (or, with
    ``num_models >= 2``, a
    :class:`~botorch_roma.models.ensemble.RoMAEnsembleModel`).

    Args:
        pretraining: Pre-training options, see
            :class:`~botorch_roma.options.PretrainingOptions`.
        seed: Seed of the pre-training.
        progress: Show a progress bar during pre-training.

    Returns:
        The model config, with the options validated.

    Example:
        >>> config = roma_model_config({"epochs": 20}, seed=0)
        >>> config.botorch_model_class.__name__
        'RoMAModel'
    """
    options = PretrainingOptions.overrides(pretraining, json=True)
    ensemble = options.get("num_models", 1) > 1
    return ModelConfig(
        botorch_model_class=RoMAEnsembleModel if ensemble else RoMAModel,
        model_options=options,
        mll_options=fit_options(seed, progress),
        input_transform_classes=None,
        name="RoMA",
    )


def roma_model_inputs(
    botorch_model_class: type[RoMAProxy],
    model_config: ModelConfig,
    dataset: SupervisedDataset,
    search_space_digest: SearchSpaceDigest,
    surrogate: Surrogate,
) -> dict[str, Any]:
    r"""Constructor inputs of a :class:`RoMAModel` inside Ax's ``Surrogate``.

    Registered for ``submodel_input_constructor`` on ``import botorch_roma.ax``.

    Args:
        botorch_model_class: ``RoMAModel`` or ``RoMAEnsembleModel``.
        model_config: The config; its ``model_options`` are pre-training
            options.
        dataset: The (Ax-transformed) training data, ``n x d`` and ``n x 1``.
        search_space_digest: Unused; Ax's transforms already encoded it.
        surrogate: Unused.

    Returns:
        Keyword arguments for ``RoMAModel(...)``.
    """
    options = PretrainingOptions.overrides(model_config.model_options)
    return {
        "train_X": dataset.X,
        "train_Y": dataset.Y,
        "outcome_transform": Standardize(m=dataset.Y.shape[-1]),
        **options,
    }


def fit_options(seed: int | None, progress: bool) -> dict[str, Any]:
    r"""Validated ``mll_options`` for :func:`fit_roma_model`."""
    return RunOptions.overrides({"seed": seed, "progress": progress})


def fit_roma_model(
    model: RoMAProxy | LatentRoMAModel,
    mll_class: type[MarginalLogLikelihood] | None = None,
    mll_options: dict[str, Any] | None = None,
) -> None:
    r"""Fit a RoMA model (continuous or latent) for Ax's ``Surrogate``.

    Registered for ``fit_botorch_model`` on ``import botorch_roma.ax``, for
    :class:`~botorch_roma.models.roma.RoMAModel` (robust pre-training) and
    :class:`~botorch_roma.latent.model.LatentRoMAModel` (VAE, then latent
    proxy).

    Args:
        model: The model to fit.
        mll_class: Ignored (Ax fills in a GP likelihood by default).
        mll_options: The fit's run options, ``{"seed": int | None,
            "progress": bool}`` (see :class:`~botorch_roma.options.RunOptions`).
    """
    options = dict(mll_options or {})
    RunOptions.check_names(
        options, only=RunOptions.FIT, what="RoMA fit option(s) in mll_options"
    )
    run = RunOptions.from_dict(options, seed=options.get("seed"))
    model.fit(seed=run.seed, progress=run.progress)
