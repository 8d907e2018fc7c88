r"""RoMA's robust MLP proxy as a BoTorch model.

:class:`RoMAModel` is a :class:`~botorch.models.deterministic.DeterministicModel`
around a small softplus MLP ``f(x; theta)`` [Yu2021roma]_. ``fit`` runs RoMA's
robust pre-training (Gaussian input smoothing under worst-case per-layer weight
perturbations, Eq. 1), after which the model works anywhere a BoTorch model
does: its posterior is a point mass at the proxy's prediction, in the original
outcome units, so it can be used under ``qLogExpectedImprovement``,
``qUpperConfidenceBound`` and ``optimize_acqf``. RoMA's own candidate
generation, which adapts the weights at every candidate before each ascent
step, is :func:`~botorch_roma.generation.gen.optimize_roma`.

By default the inputs are standardized per dimension (BoTorch's
``InputStandardize``) and the outcome is standardized (``Standardize``), as in
the authors' code: the noise scale ``sigma = 0.2`` and the ascent learning rate
are in those standardized units.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

import torch
from botorch.acquisition.objective import (
    PosteriorTransform,
    ScalarizedPosteriorTransform,
)
from botorch.exceptions.errors import UnsupportedError
from botorch.models.deterministic import DeterministicModel
from botorch.models.model import Model
from botorch.models.transforms.input import InputStandardize, InputTransform
from botorch.models.transforms.outcome import OutcomeTransform, Standardize
from botorch.posteriors.ensemble import EnsemblePosterior
from torch import Tensor

from botorch_roma.exceptions import RoMAFitWarning, RoMAInputError, RoMATrainingError
from botorch_roma.models.epsilon import (
    EPSILON_GRID,
    EpsilonSelection,
    rule_val_size,
    run_epsilon_rule,
)
from botorch_roma.models.mlp import init_mlp_params, mlp_forward
from botorch_roma.models.pretraining import robust_pretrain
from botorch_roma.options import PretrainingOptions, RunOptions

__all__ = [
    "RoMAModel",
    "RoMAProxy",
    "check_seed",
    "fit_divergence",
    "negate_roma_model",
    "select_epsilon",
    "validate_training_data",
]

#: A fit whose training MSE (standardized units; predicting the mean scores 1)
#: exceeds this has diverged.
DIVERGED_MSE = 100.0
#: A fit whose predictions spread less than this across the training designs
#: (standardized units; the data's spread is 1) has collapsed to a constant.
COLLAPSED_STD = 1e-2
#: A fit with a training R^2 (1 - standardized MSE) below this warns.
POOR_FIT_R2 = 0.1
#: A fit whose last validation MSE exceeds this many times its first epoch's
#: (or 1, the MSE of predicting the mean) has diverged.
DIVERGED_VAL_RATIO = 10.0
#: A fit whose predictions on its own training designs leave the range of the
#: training scores by more than this many times the range's width has diverged.
OUTSIDE_RANGE_WIDTHS = 1.0
#: A fit whose last (robust) training loss exceeds this many times the loss of
#: predicting the mean has been overwhelmed by its weight perturbations.
EXPLODED_LOSS_RATIO = 1e3

# Soft bounds of the log-std head for loss="nll", as in the authors' code.
_LOGSTD_INIT = (math.log(0.1), math.log(0.2))


def _constant_loss(options: PretrainingOptions, n: int) -> float:
    r"""About the training loss of predicting the mean (standardized units)."""
    if options.loss == "nll":  # unit-variance errors at the smallest std
        return 0.5 * math.exp(-2 * _LOGSTD_INIT[0]) + _LOGSTD_INIT[0]
    if options.loss == "listnet":  # a uniform ranking of one minibatch
        return math.log(max(2, min(options.batch_size, n)))
    return 1.0


def fit_divergence(
    pred: Tensor, target: Tensor, history: list[dict], options: PretrainingOptions
) -> str | None:
    r"""What went wrong with a pre-training run, or ``None`` if nothing did.

    In standardized units, predicting the data's mean scores a mean squared
    error of 1 and a prediction spread of 0. A fit has diverged if

    - its training MSE exceeds :data:`DIVERGED_MSE`;
    - its last robust training loss exceeds :data:`EXPLODED_LOSS_RATIO` times
      the loss of predicting the mean, so the worst-case weight perturbations
      overwhelm the fit;
    - its predictions spread less than :data:`COLLAPSED_STD` across the
      training designs: it collapsed to a constant, and its ascent could not
      move;
    - its predictions on the training designs leave the range of the
      training scores by more than :data:`OUTSIDE_RANGE_WIDTHS` times the
      range's width;
    - or its last validation MSE exceeds :data:`DIVERGED_VAL_RATIO` times the
      first epoch's (or 1, if that was smaller; ``loss="listnet"`` records a
      scale-free validation MSE, of z-scored predictions, so this fires for
      it only if the validation predictions become non-finite).

    Args:
        pred: ``n`` predictions at the training designs (standardized).
        target: ``n`` standardized training scores.
        history: The per-epoch records of the fit (``train_loss``, and
            ``val_mse`` with validation rows).
        options: The pre-training options of the fit.

    Returns:
        A description of the problem, or ``None``.
    """
    mse = (pred - target).square().mean().item()
    if not mse <= DIVERGED_MSE:
        return f"training MSE {mse:.3g} in standardized units"
    constant = _constant_loss(options, target.shape[-1])
    if history and not history[-1]["train_loss"] <= EXPLODED_LOSS_RATIO * constant:
        return (
            f"the robust training loss ended at {history[-1]['train_loss']:.3g}, "
            f"over {EXPLODED_LOSS_RATIO:g} times what predicting the mean scores "
            f"(about {constant:.2g}): the worst-case weight perturbations "
            "overwhelm the fit"
        )
    spread = pred.std().item()
    if not spread >= COLLAPSED_STD:
        return (
            f"the predictions collapsed to a constant (spread {spread:.2g} in "
            "standardized units)"
        )
    lo, hi = target.min().item(), target.max().item()
    beyond = max(pred.max().item() - hi, lo - pred.min().item())
    if not beyond <= OUTSIDE_RANGE_WIDTHS * (hi - lo):
        return (
            f"its predictions on the training designs span [{pred.min().item():.3g}, "
            f"{pred.max().item():.3g}], far outside the training scores' range "
            f"[{lo:.3g}, {hi:.3g}] (standardized units)"
        )
    val = [r["val_mse"] for r in history if "val_mse" in r]
    if val and not val[-1] <= DIVERGED_VAL_RATIO * max(val[0], 1.0):
        return (
            f"the validation MSE rose from {val[0]:.3g} after the first epoch to "
            f"{val[-1]:.3g} after the last (standardized units)"
        )
    return None


def check_seed(seed: Any) -> int | None:
    r"""A seed: a non-negative int or ``None`` (floats and strings are refused)."""
    return RunOptions.from_dict({"seed": seed}).seed


def validate_training_data(train_X: Tensor, train_Y: Tensor) -> tuple[Tensor, Tensor]:
    r"""Check offline training data and return validated copies.

    Args:
        train_X: An ``n x d`` tensor of designs.
        train_Y: An ``n x 1`` (or ``n``) tensor of scores.

    Returns:
        Cloned ``n x d`` and ``n x 1`` tensors (the caller's are never touched).

    Raises:
        RoMAInputError: For wrong shapes, mismatched sizes, fewer than 2 points,
            NaN/inf values or a constant objective.
        UnsupportedError: For multi-output ``train_Y``.
    """
    if not isinstance(train_X, Tensor) or not isinstance(train_Y, Tensor):
        raise RoMAInputError("train_X and train_Y must be torch tensors.")
    if train_X.dim() != 2:
        raise RoMAInputError(
            f"train_X must be a 2-d `n x d` tensor, got shape {tuple(train_X.shape)}; "
            "reshape it (e.g. `X.reshape(n, -1)`)."
        )
    if not train_X.is_floating_point():
        raise RoMAInputError(
            f"train_X must be floating point, got {train_X.dtype}; convert it with "
            "`.double()` (for category ids, use the latent route in "
            "`botorch_roma.latent`)."
        )
    for name, T in (("train_X", train_X), ("train_Y", train_Y)):
        if T.dtype in (torch.float16, torch.bfloat16):
            raise RoMAInputError(
                f"{name} is {T.dtype}, too coarse for RoMA's second-order "
                "computations; convert it with `.float()` or `.double()`."
            )
    if train_X.shape[-1] == 0:
        raise RoMAInputError(
            "train_X has 0 columns; pass at least one design parameter."
        )
    if train_Y.dim() == 1:
        train_Y = train_Y.unsqueeze(-1)
    if train_Y.dim() != 2:
        raise RoMAInputError(
            f"train_Y must be an `n x 1` tensor, got shape {tuple(train_Y.shape)}."
        )
    if train_Y.shape[0] == 1 and train_Y.shape[1] == train_X.shape[0] > 1:
        raise RoMAInputError(
            f"train_Y has shape {tuple(train_Y.shape)}: one row of {train_Y.shape[1]} "
            "scores. Pass one score per row, `train_Y.T` (shape "
            f"({train_Y.shape[1]}, 1))."
        )
    if train_Y.shape[-1] != 1:
        raise UnsupportedError(
            f"RoMAModel supports a single objective, got train_Y with "
            f"{train_Y.shape[-1]} columns; fit one RoMAModel per outcome or "
            "scalarize the outcomes first."
        )
    if train_X.shape[0] != train_Y.shape[0]:
        raise RoMAInputError(
            f"train_X has {train_X.shape[0]} rows but train_Y has {train_Y.shape[0]}; "
            "pass one score per design."
        )
    if train_X.shape[0] < 2:
        raise RoMAInputError(
            f"RoMA needs at least 2 training points, got {train_X.shape[0]}; "
            "collect more evaluated designs."
        )
    for name, T in (("train_X", train_X), ("train_Y", train_Y)):
        bad = ~torch.isfinite(T)
        if bad.any():
            rows = bad.reshape(T.shape[0], -1).any(-1).nonzero().flatten()
            raise RoMAInputError(
                f"{name} contains NaN or inf values in {len(rows)} row(s) (first: "
                f"{rows[:5].tolist()}); drop or impute those rows before fitting."
            )
    if (train_Y == train_Y[0]).all():
        raise RoMAInputError(
            "train_Y is constant, so there is nothing to optimize; check that the "
            "objective column is the right one."
        )
    for name, T in (("train_X", train_X), ("train_Y", train_Y)):
        spread = T.double().std(0)
        if not torch.isfinite(spread).all():
            raise RoMAInputError(
                f"{name} spans too large a range to standardize (its standard "
                "deviation overflows); rescale it, e.g. divide by its largest "
                "absolute value or take a logarithm."
            )
    return train_X.detach().clone(), train_Y.detach().clone().to(train_X)


class RoMAProxy(Model):
    r"""What every RoMA proxy model shares: data, transforms, fitting, posterior.

    Subclasses (:class:`RoMAModel`, one proxy, and
    :class:`~botorch_roma.models.ensemble.RoMAEnsembleModel`, several) hold
    the MLP weights and implement ``_init_weights`` (build them),
    ``_reset_weights`` (re-initialize them from a seed) and ``_train`` (the
    robust pre-training of Eq. 1 [Yu2021roma]_ on the standardized data).
    """

    _num_outputs = 1

    def _setup(
        self,
        train_X: Tensor,
        train_Y: Tensor,
        input_transform: InputTransform | None,
        outcome_transform: OutcomeTransform | None,
        options: dict[str, Any],
    ) -> None:
        r"""Check the data and options, fit the transforms, build the weights."""
        self.options = PretrainingOptions.from_dict(options)
        train_X, train_Y = validate_training_data(train_X, train_Y)
        tkwargs = {"dtype": train_X.dtype, "device": train_X.device}
        d = train_X.shape[-1]
        if input_transform is None:
            input_transform = InputStandardize(d=d)
        if outcome_transform is None:
            outcome_transform = Standardize(m=1)
        input_transform = input_transform.to(**tkwargs)
        outcome_transform = outcome_transform.to(**tkwargs)
        # Fit both transforms on the training data (train mode), then freeze.
        input_transform.train()
        with torch.no_grad():
            Z = input_transform(train_X)
        outcome_transform.train()
        Y_std, _ = outcome_transform(train_Y)
        self.input_transform = input_transform
        self.outcome_transform = outcome_transform
        # Data buffers move with .to() but stay out of the state dict, so the
        # weights of a model fitted on one data set load into another (Ax's
        # cross-validation does exactly that).
        self.register_buffer("train_X", train_X, persistent=False)
        self.register_buffer("train_Y", train_Y, persistent=False)
        self.register_buffer("_train_Z", Z.detach(), persistent=False)
        self.register_buffer(
            "_train_y_std", Y_std.detach().squeeze(-1), persistent=False
        )
        out_features = 2 if self.options.loss == "nll" else 1
        self._init_weights(d, out_features, **tkwargs)
        d_dev = train_X.device
        self.training_history: list[dict] = []
        #: The offline rule's choice and evidence when ``epsilon="auto"``.
        self.epsilon_selection: EpsilonSelection | None = None
        #: Rows of ``train_X`` held out of the last fit (validation loss,
        #: calibration checks); empty when ``val_size`` is 0.
        self.validation_indices = torch.zeros(0, dtype=torch.long, device=d_dev)
        self.is_fitted = False
        self.eval()

    @property
    def batch_shape(self) -> torch.Size:
        r"""The model's batch shape (always empty)."""
        return torch.Size([])

    def _set_transformed_inputs(self) -> None:
        r"""No-op: the proxy keeps its standardized data itself (as BoTorch's
        ``DeterministicModel`` does), so there are no ``train_inputs``."""
        return None

    @property
    def epsilon(self) -> float | None:
        r"""The relative weight-perturbation radius used in pre-training.

        With ``epsilon="auto"`` this is the value the offline rule chose
        (``None`` before :meth:`fit`).
        """
        if self.options.epsilon != "auto":
            return self.options.epsilon
        return (
            None if self.epsilon_selection is None else self.epsilon_selection.epsilon
        )

    def pretrained_weights(self) -> list[Tensor]:
        r"""The pre-trained weights ``[W_1, b_1, ..., W_L, b_L]``, detached."""
        return [p.detach() for p in self.params]

    def fit(
        self,
        seed: int | None = None,
        progress: bool = False,
        callback: Callable[[dict], None] | None = None,
    ) -> RoMAProxy:
        r"""Run the robust pre-training (paper Eq. 1) and return the model.

        The weights are re-initialized first, so fitting twice with the same
        seed gives the same model. With ``epsilon="auto"`` the offline rule
        (:meth:`run_epsilon_rule`) runs first, with the same seed, and the
        model is then fitted with the chosen value.

        Args:
            seed: Seed for the initialization, the validation split, shuffling
                and the input noise.
            progress: Show a progress bar.
            callback: Called with each epoch's history record.

        Returns:
            The fitted model (``self``).

        Raises:
            RoMATrainingError: If the fit diverged or collapsed (see
                :func:`fit_divergence`): non-finite loss or weights, exploding
                training or validation error, predictions far outside the
                data, or a constant proxy; lower ``epsilon`` or ``lr``.
        """
        run = RunOptions.from_dict({"seed": seed, "progress": progress})
        seed, progress = run.seed, run.progress
        options = self.options
        if options.epsilon == "auto":
            self.epsilon_selection = self.run_epsilon_rule(seed=seed)
            options = options.replace(epsilon=self.epsilon_selection.epsilon)
        self.training_history = self._pretrain(options, seed, progress, callback)
        self.is_fitted = True
        return self

    def run_epsilon_rule(
        self,
        seed: int | None = 0,
        grid: tuple[float, ...] = EPSILON_GRID,
        val_size: int | None = None,
        train_tolerance: float = 0.25,
        val_tolerance: float = 0.1,
    ) -> EpsilonSelection:
        r"""Choose ``epsilon`` by the paper's offline rule on this model's data.

        Fits the proxy once with ``epsilon = 0`` and then for each grid value
        (largest first) until one is stable; see
        :mod:`botorch_roma.models.epsilon`. The other pre-training options are
        this model's. The model's weights are left at the last trial's fit, so
        call :meth:`fit` afterwards.

        Args:
            seed: Seed of every fit (they differ only in ``epsilon``).
            grid: Candidate values (> 0).
            val_size: Held-out rows for the validation loss; ``None`` uses
                :func:`~botorch_roma.models.epsilon.rule_val_size`.
            train_tolerance: See :func:`~botorch_roma.models.epsilon.run_epsilon_rule`.
            val_tolerance: See :func:`~botorch_roma.models.epsilon.run_epsilon_rule`.

        Returns:
            An :class:`~botorch_roma.models.epsilon.EpsilonSelection`.
        """
        if val_size is None:
            val_size = rule_val_size(self._train_Z.shape[0])
        base = self.options.replace(epsilon=0.0, val_size=val_size)

        def trial(eps: float) -> list[dict]:
            # A trial fit that explains little is judged by the rule, not
            # reported: only the final fit (in :meth:`fit`) warns.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RoMAFitWarning)
                return self._pretrain(base.replace(epsilon=eps), seed)

        return run_epsilon_rule(
            trial,
            grid=grid,
            train_tolerance=train_tolerance,
            val_tolerance=val_tolerance,
        )

    def _split(
        self, options: PretrainingOptions, generator: torch.Generator | None
    ) -> tuple[Tensor, Tensor]:
        r"""Validation and training row indices (a random split)."""
        n = self._train_Z.shape[0]
        val_size = options.val_size
        if val_size is None:
            val_size = min(200, n // 10) if n >= 50 else 0
        if val_size >= n - 1:
            raise RoMAInputError(
                f"val_size={val_size} leaves fewer than 2 training rows out of {n}; "
                "lower val_size."
            )
        perm = torch.randperm(n, generator=generator, device=self._train_Z.device)
        self.validation_indices = perm[:val_size]
        return perm[:val_size], perm[val_size:]

    def _pretrain(
        self,
        options: PretrainingOptions,
        seed: int | None,
        progress: bool = False,
        callback: Callable[[dict], None] | None = None,
    ) -> list[dict]:
        r"""Re-initialize and robustly pre-train the weights; return the history."""
        self.train()
        try:
            history = self._train(options, seed, progress, callback)
        finally:
            self.eval()
        self._check_fit(options, history)
        return history

    def _check_fit(self, options: PretrainingOptions, history: list[dict]) -> None:
        r"""Raise if the fit diverged or collapsed; warn if it fits poorly.

        Judged on the training designs and the training history by
        :func:`fit_divergence`; a fit that explains less than
        :data:`POOR_FIT_R2` of the training scores' variance warns
        (:class:`~botorch_roma.exceptions.RoMAFitWarning`).
        """
        with torch.no_grad():
            f = self.forward(self._train_Z)[..., 0]
            f = f.mean(-2) if f.dim() > 1 else f  # an ensemble's mean
        where = fit_divergence(f, self._train_y_std, history, options)
        mse = (f - self._train_y_std).square().mean().item()
        if where is None and 1.0 - mse < POOR_FIT_R2:
            warnings.warn(
                f"The proxy explains {max(1.0 - mse, 0.0):.0%} of the variance of "
                "its training scores, so its designs are unlikely to improve on "
                "the data; check the objective column, raise epochs, or lower "
                f"epsilon (now {options.epsilon}) or lr (now {options.lr}).",
                RoMAFitWarning,
                stacklevel=4,
            )
        if where is not None:
            raise RoMATrainingError(
                f"Robust pre-training diverged ({where}). Lower epsilon (now "
                f"{options.epsilon}; the paper picks the largest value for which "
                f"pre-training is stable, epsilon='auto') or the learning rate lr "
                f"(now {options.lr})."
            )

    def posterior(
        self,
        X: Tensor,
        output_indices: list[int] | None = None,
        posterior_transform: PosteriorTransform | None = None,
        **kwargs: Any,
    ) -> EnsemblePosterior:
        r"""The posterior at X, in the original outcome units.

        Args:
            X: A ``batch_shape x q x d`` tensor of designs.
            output_indices: Output indices to keep (only ``[0]`` exists).
            posterior_transform: An optional posterior transform. A
                ``ScalarizedPosteriorTransform`` (which Ax always passes) is
                applied to the values directly, since BoTorch's
                ``scalarize_posterior`` rejects ensemble posteriors.

        Returns:
            An ``EnsemblePosterior`` with ``batch_shape x s x q x 1`` values
            (``s = 1`` for a single proxy, the number of members for an
            ensemble).
        """
        if X.dim() < 2 or X.shape[-1] != self._train_Z.shape[-1]:
            raise RoMAInputError(
                f"X must be a `batch_shape x q x d` tensor with d="
                f"{self._train_Z.shape[-1]}, got shape {tuple(X.shape)}."
            )
        if isinstance(posterior_transform, ScalarizedPosteriorTransform):
            posterior = super().posterior(X, output_indices=output_indices, **kwargs)
            weights = posterior_transform.weights.to(posterior.values)
            values = posterior.values @ weights.unsqueeze(-1)
            return EnsemblePosterior(values=values + posterior_transform.offset)
        return super().posterior(
            X,
            output_indices=output_indices,
            posterior_transform=posterior_transform,
            **kwargs,
        )


class RoMAModel(RoMAProxy, DeterministicModel):
    r"""The RoMA proxy: a robustly pre-trained MLP as a BoTorch model.

    The proxy is the MLP of [Yu2021roma]_ (two hidden layers of 64 softplus
    units by default). Call :meth:`fit` for the robust pre-training, then use
    it as a BoTorch model or pass it to
    :func:`~botorch_roma.generation.gen.optimize_roma`.

    Example:
        >>> train_X = torch.rand(200, 5, dtype=torch.double)
        >>> train_Y = -(train_X - 0.5).square().sum(-1, keepdim=True)
        >>> model = RoMAModel(train_X, train_Y, epochs=20).fit(seed=0)
        >>> model.posterior(train_X[:3]).mean.shape
        torch.Size([3, 1])
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
                ``InputStandardize`` (z-score per dimension, fitted on
                ``train_X``). Pass an already configured transform to override.
            outcome_transform: An outcome transform; defaults to
                ``Standardize(m=1)``, fitted on ``train_Y``.
            **options: Pre-training options, see
                :class:`~botorch_roma.options.PretrainingOptions` for the
                names, defaults and ranges. ``epsilon="auto"`` chooses
                ``epsilon`` in :meth:`fit` by the paper's offline rule (see
                :mod:`botorch_roma.models.epsilon`) and keeps the evidence as
                :attr:`epsilon_selection`.
        """
        super().__init__()
        if options.get("num_models", 1) != 1:
            raise RoMAInputError(
                f"RoMAModel is one proxy, got num_models={options['num_models']!r}; "
                "use RoMAEnsembleModel (or build_proxy) for an ensemble."
            )
        self._setup(train_X, train_Y, input_transform, outcome_transform, options)

    def _init_weights(self, d: int, out_features: int, **tkwargs: Any) -> None:
        self.params = torch.nn.ParameterList(
            torch.nn.Parameter(p)
            for p in init_mlp_params(
                d, self.options.hidden_sizes, out_features, **tkwargs
            )
        )
        self.logstd_bounds = (
            torch.nn.Parameter(torch.tensor(_LOGSTD_INIT, **tkwargs))
            if self.options.loss == "nll"
            else None
        )

    def _reset_weights(self, generator: torch.Generator | None) -> None:
        r"""Re-initialize the MLP weights (and the log-std bounds)."""
        Z = self._train_Z
        with torch.no_grad():
            fresh = init_mlp_params(
                Z.shape[-1],
                self.options.hidden_sizes,
                self.params[-1].shape[-1],
                generator=generator,
                dtype=Z.dtype,
                device=Z.device,
            )
            for p, new in zip(self.params, fresh):
                p.copy_(new)
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
        generator = None
        if seed is not None:
            generator = torch.Generator(device=Z.device).manual_seed(int(seed))
        self._reset_weights(generator)
        val_idx, train_idx = self._split(options, generator)
        return robust_pretrain(
            list(self.params),
            Z[train_idx],
            y[train_idx],
            options,
            logstd_bounds=self.logstd_bounds,
            val_X=Z[val_idx],
            val_y=y[val_idx],
            generator=generator,
            progress=progress,
            callback=callback,
        )

    def forward(self, X: Tensor) -> Tensor:
        r"""The proxy's prediction in standardized outcome units.

        Args:
            X: A ``batch_shape x n x d`` tensor of (transformed) inputs.

        Returns:
            A ``batch_shape x n x 1`` tensor.
        """
        return mlp_forward(list(self.params), X)[..., :1]


def select_epsilon(
    train_X: Tensor,
    train_Y: Tensor,
    grid: tuple[float, ...] = EPSILON_GRID,
    seed: int | None = 0,
    val_size: int | None = None,
    train_tolerance: float = 0.25,
    val_tolerance: float = 0.1,
    **model_options: Any,
) -> EpsilonSelection:
    r"""The paper's offline rule: the largest ``epsilon`` with stable pre-training.

    A function form of ``RoMAModel(train_X, train_Y, epsilon="auto")``; see
    :mod:`botorch_roma.models.epsilon` for the stability checks. Only training
    and validation losses are used; no oracle is queried.

    Args:
        train_X: An ``n x d`` tensor of designs.
        train_Y: An ``n x 1`` tensor of scores.
        grid: Candidate values (> 0), tried from the largest down.
        seed: Seed of every fit.
        val_size: Held-out rows for the validation loss; ``None`` picks
            ``min(500 if n >= 10000 else 200, max(2, n // 5))``.
        train_tolerance: See :func:`~botorch_roma.models.epsilon.run_epsilon_rule`.
        val_tolerance: See :func:`~botorch_roma.models.epsilon.run_epsilon_rule`.
        **model_options: Further pre-training options (``epochs``,
            ``hidden_sizes``, ``loss``, ...), shared by all fits.

    Returns:
        An :class:`~botorch_roma.models.epsilon.EpsilonSelection`.

    Example:
        >>> X = torch.rand(100, 3, dtype=torch.double)
        >>> Y = -(X - 0.5).square().sum(-1, keepdim=True)
        >>> selection = select_epsilon(X, Y, grid=(1e-2, 1e-3), epochs=5)
        >>> selection.epsilon in (0.0, 1e-3, 1e-2)
        True
    """
    if "epsilon" in model_options:
        raise RoMAInputError(
            "select_epsilon chooses epsilon itself; pass candidate values via "
            "`grid` instead of `epsilon`."
        )
    model = RoMAModel(train_X, train_Y, **model_options)
    return model.run_epsilon_rule(
        seed=seed,
        grid=grid,
        val_size=val_size,
        train_tolerance=train_tolerance,
        val_tolerance=val_tolerance,
    )


def negate_roma_model(model: RoMAModel) -> RoMAModel:
    r"""A copy of a fitted RoMA model that predicts ``-y`` instead of ``y``.

    The sign of the MLP's output (its last layer) and of the outcome
    standardization's mean are flipped, so every prediction, input gradient
    and adaptation step of the copy is that of the proxy of ``-y``. Used to
    minimize with an ascent that maximizes.

    Args:
        model: A fitted :class:`RoMAModel` with a ``Standardize`` outcome
            transform.

    Returns:
        The negated copy (the input model is not modified).

    Example:
        >>> neg = negate_roma_model(model)
        >>> torch.allclose(neg.posterior(X).mean, -model.posterior(X).mean)
        True
    """
    if not isinstance(model.outcome_transform, Standardize):
        raise UnsupportedError(
            "Minimizing with RoMA needs a model with a Standardize outcome transform,"
            f" got {type(model.outcome_transform).__name__}."
        )
    negated = copy.deepcopy(model)
    with torch.no_grad():
        negated.params[-2][..., 0].neg_()  # W_L: in x out, column 0 is the mean
        negated.params[-1][..., 0].neg_()
        negated.outcome_transform.means.neg_()
        negated.train_Y.neg_()
    return negated
