r"""An ensemble of robustly pre-trained RoMA proxies, as a BoTorch model.

:class:`RoMAEnsembleModel` holds ``num_models`` RoMA proxies [Yu2021roma]_,
each robustly pre-trained by Eq. 1 on the same data but from its own
initialization, minibatch order and input noise. The members' weights are
stacked with a leading member dimension and trained in one vectorized pass
(:func:`~botorch_roma.models.pretraining.robust_pretrain_ensemble`), so an
ensemble costs far less than ``num_models`` separate fits.

As a BoTorch ``EnsembleModel`` its posterior at ``X`` holds one prediction per
member: the mean is the ensemble mean and the variance the spread across
members, so it works under ``qLogExpectedImprovement``,
``qLogNoisyExpectedImprovement``, ``qUpperConfidenceBound`` and
``optimize_acqf``, and Ax reports a real SEM for its predictions. RoMA's own
ascent on the ensemble (:func:`~botorch_roma.generation.gen.optimize_roma`)
adapts every member at every candidate and climbs ``mean - beta * std``
across members (``AscentOptions.pessimism``).

Ensembles of gradient-ascent proxies are among what lifts such methods in
independent re-runs of offline model-based optimization benchmarks
[Tan2025ram]_.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.

.. [Tan2025ram]
    R.-X. Tan, K. Xue, S.-H. Lyu, H. Shang, Y. Wang, Y. Wang, S. Fu, C. Qian.
    Offline Model-Based Optimization by Learning to Rank. ICLR 2025.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from botorch.models.ensemble import EnsembleModel
from botorch.models.transforms.input import InputTransform
from botorch.models.transforms.outcome import OutcomeTransform
from torch import Tensor

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.models.mlp import init_mlp_params, mlp_forward
from botorch_roma.models.pretraining import robust_pretrain_ensemble
from botorch_roma.models.roma import _LOGSTD_INIT, RoMAModel, RoMAProxy
from botorch_roma.options import PretrainingOptions

__all__ = ["DEFAULT_NUM_MODELS", "RoMAEnsembleModel", "build_proxy", "member_seeds"]

#: Members of a RoMAEnsembleModel built without ``num_models``.
DEFAULT_NUM_MODELS = 5


def member_seeds(seed: int | None, num_models: int) -> list[int | None]:
    r"""The members' seeds: ``seed * num_models + i`` (``None`` if unseeded).

    Seeds of different ensemble seeds never overlap.
    """
    if seed is None:
        return [None] * num_models
    return [seed * num_models + i for i in range(num_models)]


class RoMAEnsembleModel(RoMAProxy, EnsembleModel):
    r"""An ensemble of ``num_models`` robust RoMA proxies [Yu2021roma]_.

    Example:
        >>> train_X = torch.rand(200, 5, dtype=torch.double)
        >>> train_Y = -(train_X - 0.5).square().sum(-1, keepdim=True)
        >>> model = RoMAEnsembleModel(train_X, train_Y, num_models=5, epochs=20)
        >>> post = model.fit(seed=0).posterior(train_X[:3])
        >>> post.mean.shape, post.variance.shape
        (torch.Size([3, 1]), torch.Size([3, 1]))
    """

    def __init__(
        self,
        train_X: Tensor,
        train_Y: Tensor,
        input_transform: InputTransform | None = None,
        outcome_transform: OutcomeTransform | None = None,
        **options: Any,
    ) -> None:
        r"""
        Args:
            train_X: An ``n x d`` tensor of evaluated designs.
            train_Y: An ``n x 1`` tensor of their scores (higher is better).
            input_transform: An input transform; defaults to BoTorch's
                ``InputStandardize`` fitted on ``train_X``.
            outcome_transform: An outcome transform; defaults to
                ``Standardize(m=1)`` fitted on ``train_Y``.
            **options: Pre-training options of every member, see
                :class:`~botorch_roma.options.PretrainingOptions`;
                ``num_models`` (at least 2, default 5) is the number of
                members ``s``.
        """
        super().__init__()
        options = {"num_models": DEFAULT_NUM_MODELS, **options}
        if PretrainingOptions.from_dict(options).num_models < 2:
            raise RoMAInputError(
                f"num_models must be >= 2, got {options['num_models']}; for one "
                "proxy use RoMAModel."
            )
        self._setup(train_X, train_Y, input_transform, outcome_transform, options)
        #: Every member's training history (``training_history`` is their mean).
        self.member_histories: list[list[dict]] = []

    @property
    def num_models(self) -> int:
        r"""The number of members ``s``."""
        return self.options.num_models

    def _init_weights(self, d: int, out_features: int, **tkwargs: Any) -> None:
        members = [
            init_mlp_params(d, self.options.hidden_sizes, out_features, **tkwargs)
            for _ in range(self.num_models)
        ]
        self.params = torch.nn.ParameterList(
            torch.nn.Parameter(torch.stack(ps)) for ps in zip(*members)
        )
        self.logstd_bounds = None
        if self.options.loss == "nll":
            bounds = torch.tensor(_LOGSTD_INIT, **tkwargs)
            self.logstd_bounds = torch.nn.Parameter(
                bounds.expand(self.num_models, 2).clone()
            )

    def _reset_weights(self, generators: list[torch.Generator | None]) -> None:
        r"""Re-initialize every member from its own generator."""
        Z = self._train_Z
        with torch.no_grad():
            for i, generator in enumerate(generators):
                fresh = init_mlp_params(
                    Z.shape[-1],
                    self.options.hidden_sizes,
                    self.params[-1].shape[-1],
                    generator=generator,
                    dtype=Z.dtype,
                    device=Z.device,
                )
                for p, new in zip(self.params, fresh):
                    p[i].copy_(new)
            if self.logstd_bounds is not None:
                self.logstd_bounds.copy_(torch.tensor(_LOGSTD_INIT).to(Z))

    def _train(
        self,
        options: PretrainingOptions,
        seed: int | None,
        progress: bool,
        callback: Callable[[dict], None] | None,
    ) -> list[dict]:
        Z, y = self._train_Z, self._train_y_std
        generators = [
            None if s is None else torch.Generator(device=Z.device).manual_seed(s)
            for s in member_seeds(seed, self.num_models)
        ]
        self._reset_weights(generators)
        split = None
        if seed is not None:
            split = torch.Generator(device=Z.device).manual_seed(seed)
        val_idx, train_idx = self._split(options, split)

        def on_epoch(records: list[dict]) -> None:
            if callback is not None:
                callback(_mean_record(records))

        self.member_histories = robust_pretrain_ensemble(
            list(self.params),
            Z[train_idx],
            y[train_idx],
            options,
            logstd_bounds=self.logstd_bounds,
            val_X=Z[val_idx],
            val_y=y[val_idx],
            generators=generators,
            progress=progress,
            callback=on_epoch,
        )
        return [_mean_record(r) for r in zip(*self.member_histories)]

    def forward(self, X: Tensor) -> Tensor:
        r"""Every member's prediction in standardized outcome units.

        Args:
            X: A ``batch_shape x n x d`` tensor of (transformed) inputs.

        Returns:
            A ``batch_shape x s x n x 1`` tensor, ``s`` the number of members.
        """
        return mlp_forward(list(self.params), X.unsqueeze(-3), members=True)[..., :1]


def build_proxy(
    train_X: Tensor, train_Y: Tensor, **options: Any
) -> RoMAModel | RoMAEnsembleModel:
    r"""A :class:`~botorch_roma.models.roma.RoMAModel` (``num_models=1``, the
    default) or a :class:`RoMAEnsembleModel` (``num_models >= 2``).

    Args:
        train_X: An ``n x d`` tensor of designs.
        train_Y: An ``n x 1`` tensor of scores.
        **options: Pre-training options (and transforms), as for the classes.

    Returns:
        The unfitted model.
    """
    cls = RoMAEnsembleModel if options.get("num_models", 1) != 1 else RoMAModel
    return cls(train_X, train_Y, **options)


def _mean_record(records: list[dict] | tuple[dict, ...]) -> dict:
    r"""The members' per-epoch records averaged key by key."""
    out = {k: sum(r[k] for r in records) / len(records) for k in records[0]}
    out["epoch"] = records[0]["epoch"]
    return out
