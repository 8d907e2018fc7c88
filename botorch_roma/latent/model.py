r"""Latent RoMA as a BoTorch model over sequences of category ids.

:class:`LatentRoMAModel` wraps a fitted
:class:`~botorch_roma.latent.roma.LatentRoMA` (a categorical VAE and a robust
proxy on its latent codes, [Yu2021roma]_ Section 2.4) as a BoTorch ``Model``
whose inputs are sequences of category ids given as floats. Ax's ``Surrogate``
builds and fits it on the latent route of the Ax step (see
:mod:`botorch_roma.ax.latent`); it works as a model anywhere else too.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from typing import Any

import torch
from botorch.acquisition.objective import PosteriorTransform
from botorch.exceptions.errors import UnsupportedError
from botorch.models.model import Model
from botorch.models.transforms.input import InputTransform
from botorch.models.transforms.outcome import OutcomeTransform
from botorch.posteriors.ensemble import EnsemblePosterior
from torch import Tensor

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.latent.plausibility import Feasibility
from botorch_roma.latent.roma import LatentRoMA
from botorch_roma.options import LatentOptions

__all__ = ["LatentRoMAModel"]


class LatentRoMAModel(Model):
    r"""Latent RoMA as a BoTorch model over sequences of category ids.

    Wraps a :class:`~botorch_roma.latent.roma.LatentRoMA` so that Ax's
    ``Surrogate`` can build and fit it: :meth:`fit` trains the VAE and the
    latent proxy [Yu2021roma]_, and :meth:`posterior` at ``X`` (category ids
    as floats, rounded) is the proxy at the sequences' latent means, in the
    original outcome units. The fitted object is :attr:`latent`.

    The model holds no parameters of its own (its ``state_dict`` is empty), so
    Ax's cross-validation with ``refit_on_cv=False`` is not supported; refit
    instead.

    Example:
        >>> train_X = torch.randint(4, (64, 6)).double()  # 64 sequences, L=6
        >>> train_Y = (train_X == 2).double().sum(-1, keepdim=True)
        >>> model = LatentRoMAModel(train_X, train_Y, num_categories=4).fit(seed=0)
        >>> model.posterior(train_X[:3]).mean.shape
        torch.Size([3, 1])
    """

    _num_outputs = 1

    def __init__(
        self,
        train_X: Tensor,
        train_Y: Tensor,
        num_categories: int,
        vae_options: dict[str, Any] | None = None,
        model_options: dict[str, Any] | None = None,
        latent_samples: int = 0,
        plausibility: str = LatentOptions.plausibility,
        feasibility: str | Feasibility | None = None,
        anchored: bool = LatentOptions.anchored,
        input_transform: InputTransform | None = None,
        outcome_transform: OutcomeTransform | None = None,
    ) -> None:
        r"""
        Args:
            train_X: An ``n x L`` floating point tensor of category ids
                (whole numbers in ``0, ..., C - 1``).
            train_Y: An ``n x 1`` tensor of scores (higher is better).
            num_categories: The number of categories ``C``.
            vae_options: VAE options, see
                :class:`~botorch_roma.latent.roma.LatentRoMA`.
            model_options: The latent proxy's pre-training options.
            latent_samples: Latent draws per sequence for the proxy's data.
            plausibility: The data-derived check of generated sequences, see
                :class:`~botorch_roma.latent.roma.LatentRoMA`.
            feasibility: A feasibility check of generated sequences (a
                callable or an importable ``"module:function"`` name), see
                :class:`~botorch_roma.latent.roma.LatentRoMA`.
            anchored: Decode candidates as edits of their starting designs,
                see :class:`~botorch_roma.latent.roma.LatentRoMA`.
            input_transform: Not supported (must be ``None``).
            outcome_transform: Not supported (must be ``None``; the latent
                proxy standardizes its outcome itself).
        """
        super().__init__()
        if input_transform is not None or outcome_transform is not None:
            raise UnsupportedError(
                "LatentRoMAModel takes no input or outcome transform (the latent "
                "proxy standardizes its own data); pass input_transform_classes=None "
                "and no outcome transforms in the ModelConfig."
            )
        if not isinstance(train_X, Tensor) or train_X.dim() != 2:
            raise RoMAInputError(
                "train_X must be an n x L tensor of category ids, got "
                f"{getattr(train_X, 'shape', type(train_X).__name__)}."
            )
        self.num_categories = int(num_categories)
        self._ids = self.to_ids(train_X, strict=True)
        self.register_buffer("train_X", train_X.detach().clone(), persistent=False)
        self.register_buffer("train_Y", train_Y.detach().clone(), persistent=False)
        self.latent = LatentRoMA(
            vae_options=vae_options,
            model_options=model_options,
            latent_samples=latent_samples,
            plausibility=plausibility,
            feasibility=feasibility,
            anchored=anchored,
        )

    @property
    def batch_shape(self) -> torch.Size:
        r"""The model's batch shape (always empty)."""
        return torch.Size([])

    @property
    def is_fitted(self) -> bool:
        r"""Whether :meth:`fit` has run."""
        return self.latent.model is not None

    def to_ids(self, X: Tensor, strict: bool = False) -> Tensor:
        r"""Category ids from their float encoding.

        Args:
            X: A ``batch_shape x L`` tensor of (float) category ids.
            strict: Raise unless every entry is a whole id in ``0..C-1``;
                otherwise round to the nearest id and clamp.

        Returns:
            A ``batch_shape x L`` ``torch.long`` tensor.
        """
        ids = X.detach().round()
        if strict:
            bad = (ids != X) | (ids < 0) | (ids >= self.num_categories)
            if bad.any():
                raise RoMAInputError(
                    f"train_X must hold whole category ids in 0, ..., "
                    f"{self.num_categories - 1}; got e.g. "
                    f"{X[bad][:5].tolist()}. Through Ax, use the latent route's "
                    "transforms (LATENT_TRANSFORMS)."
                )
        return ids.clamp(0, self.num_categories - 1).long()

    def fit(self, seed: int | None = 0, progress: bool = False) -> LatentRoMAModel:
        r"""Train the VAE and robustly pre-train the latent proxy.

        Args:
            seed: Seed of the VAE and the proxy.
            progress: Show progress bars.

        Returns:
            The fitted model (``self``).
        """
        self.latent.vae = None  # refitting trains a fresh VAE
        self.latent.fit(
            self._ids,
            self.train_Y,
            num_categories=self.num_categories,
            seed=seed,
            progress=progress,
        )
        return self

    def posterior(
        self,
        X: Tensor,
        output_indices: list[int] | None = None,
        posterior_transform: PosteriorTransform | None = None,
        **kwargs: Any,
    ) -> EnsemblePosterior:
        r"""The latent proxy's (deterministic) posterior at sequences ``X``.

        Args:
            X: A ``batch_shape x q x L`` tensor of category ids (rounded to the
                nearest id and clamped to ``0, ..., C - 1``).
            output_indices: Output indices to keep (only ``[0]`` exists).
            posterior_transform: An optional posterior transform (Ax's
                ``ScalarizedPosteriorTransform`` is supported).

        Returns:
            An ``EnsemblePosterior`` with ``batch_shape x 1 x q x 1`` values.
        """
        L = self.train_X.shape[-1]
        if X.dim() < 2 or X.shape[-1] != L:
            raise RoMAInputError(
                f"X must be a `batch_shape x q x L` tensor with L={L}, got shape "
                f"{tuple(X.shape)}."
            )
        if not self.is_fitted:
            raise RoMAInputError("LatentRoMAModel is not fitted; call fit() first.")
        Z = self.latent.encode(self.to_ids(X).reshape(-1, L))
        Z = Z.reshape(*X.shape[:-1], Z.shape[-1])
        return self.latent.model.posterior(
            Z,
            output_indices=output_indices,
            posterior_transform=posterior_transform,
            **kwargs,
        )
