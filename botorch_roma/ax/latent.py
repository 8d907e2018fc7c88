r"""The latent route through Ax: RoMA on sequence designs given as choice parameters.

A search space of ``L`` choice parameters that share the same ``C`` values
(a DNA sequence of ``L`` positions over ``A, C, G, T``, say) is a discrete
design space. ``RoMAGenerationStep(latent=...)`` runs RoMA on it in the latent
space of a categorical VAE (:class:`~botorch_roma.latent.roma.LatentRoMA`,
[Yu2021roma]_ Section 2.4) instead of relaxing the one-hot encoding. Three
pieces plug it into Ax's modular BoTorch stack:

1. **Encoding.** :class:`SequenceToIds`, an Ax transform, checks the search
   space (every non-fixed parameter a choice parameter over the same values)
   and maps each value to its category id ``0, ..., C - 1``, using one shared
   alphabet (the values in the order of the first choice parameter). The
   generation step uses :data:`LATENT_TRANSFORMS` (``RemoveFixed``, then
   :class:`SequenceToIds`), so the model sees ``n x L`` category ids, and Ax's
   own untransform maps generated ids back to each parameter's values, as it
   does for every arm. Fixed parameters are removed before and restored after
   generation. This is more robust than decoding Ax's one-hot columns (whose
   layout and names are internal to Ax's ``OneHot``) or reading raw arms from
   the experiment (which the generator never sees): data, pending arms and
   candidates all go through the same Ax code path.
2. **Model.** :class:`LatentRoMAModel` is the BoTorch model Ax's ``Surrogate``
   builds and fits (through the dispatchers registered on ``import
   botorch_roma.ax``): fitting trains the VAE and the robustly pre-trained
   latent proxy, and its posterior at ``X`` (category ids) is the proxy at the
   sequences' latent means, so Ax's own predictions of the generated arms
   come from the same model that generated them.
3. **Generation.** :class:`~botorch_roma.ax.acquisition.RoMAAcquisition`
   recognizes the model and calls
   :meth:`~botorch_roma.latent.roma.LatentRoMA.generate` (on a copy of the
   proxy with its output negated for a minimized objective), excluding the
   training data and the pending arms, so every arm is a valid, distinct, new
   sequence.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from ax.adapter.data_utils import ExperimentData
from ax.adapter.transforms.base import Transform
from ax.adapter.transforms.choice_encode import ChoiceToNumericChoice
from ax.adapter.transforms.remove_fixed import RemoveFixed
from ax.adapter.transforms.utils import construct_new_search_space
from ax.core.parameter import ChoiceParameter, Parameter, ParameterType
from ax.core.search_space import SearchSpace, SearchSpaceDigest
from ax.generators.torch.botorch_modular.surrogate import Surrogate
from ax.generators.torch.botorch_modular.utils import ModelConfig
from ax.generators.types import TConfig
from botorch.acquisition.objective import PosteriorTransform
from botorch.exceptions.errors import UnsupportedError
from botorch.models.model import Model
from botorch.models.transforms.input import InputTransform
from botorch.models.transforms.outcome import OutcomeTransform
from botorch.posteriors.ensemble import EnsemblePosterior
from botorch.utils.datasets import SupervisedDataset
from gpytorch.mlls.marginal_log_likelihood import MarginalLogLikelihood
from torch import Tensor

from botorch_roma.ax.surrogate import FIT_OPTION_NAMES
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.latent import LatentRoMA

if TYPE_CHECKING:
    from ax.adapter.base import Adapter

__all__ = [
    "LATENT_TRANSFORMS",
    "LatentOptions",
    "LatentRoMAModel",
    "SequenceToIds",
    "fit_latent_model",
    "latent_model_config",
    "latent_model_inputs",
    "latent_options",
]

_MAX_LISTED = 5


@dataclass
class LatentOptions:
    r"""Options of the latent route of :class:`RoMAGenerationStep`.

    The proxy's pre-training options and the ascent options are the step's
    ``pretraining`` and ``ascent`` (on top of
    :data:`~botorch_roma.latent.roma.DEFAULT_LATENT_MODEL_OPTIONS` and
    :data:`~botorch_roma.latent.roma.DEFAULT_LATENT_ASCENT_OPTIONS`).

    Example:
        >>> LatentOptions(vae={"latent_dim": 16, "epochs": 100})
        LatentOptions(vae={'latent_dim': 16, 'epochs': 100}, latent_samples=0)
    """

    #: VAE options: ``latent_dim``, ``hidden_size``, ``beta``,
    #: ``negative_slope`` (constructor) and ``epochs``, ``lr``, ``batch_size``
    #: (training); see :class:`~botorch_roma.latent.roma.LatentRoMA`.
    vae: dict[str, Any] = field(default_factory=dict)
    #: ``0`` trains the proxy on the latent means, ``k > 0`` on ``k`` draws
    #: from ``q(z | x)`` per sequence.
    latent_samples: int = 0


def latent_options(latent: bool | dict[str, Any] | LatentOptions | None) -> dict | None:
    r"""Normalize the ``latent`` argument of the generation step to a dict.

    Args:
        latent: ``None`` or ``False`` (the continuous route), ``True`` (the
            latent route with default options), a dict with the fields of
            :class:`LatentOptions`, or a :class:`LatentOptions`.

    Returns:
        ``None`` for the continuous route, else a JSON-serializable dict
        ``{"vae": {...}, "latent_samples": k}``.

    Example:
        >>> latent_options(True)
        {'vae': {}, 'latent_samples': 0}
    """
    if latent is None or latent is False:
        return None
    if latent is True:
        return asdict(LatentOptions())
    if isinstance(latent, LatentOptions):
        options = asdict(latent)
    elif isinstance(latent, dict):
        unknown = sorted(set(latent) - {"vae", "latent_samples"})
        if unknown:
            raise RoMAInputError(
                f"Unknown latent option(s) {unknown}; valid options are ['vae', "
                "'latent_samples'] (VAE options such as latent_dim or epochs go in "
                "latent={'vae': {...}})."
            )
        options = asdict(LatentOptions(**latent))
    else:
        raise RoMAInputError(
            "latent must be True, False, None, a dict or a LatentOptions, got "
            f"{type(latent).__name__}."
        )
    if not isinstance(options["vae"], dict):
        raise RoMAInputError(
            f"latent['vae'] must be a dict of VAE options, got "
            f"{type(options['vae']).__name__}."
        )
    options["vae"] = dict(options["vae"])
    LatentRoMA(vae_options=options["vae"], latent_samples=options["latent_samples"])
    options["latent_samples"] = int(options["latent_samples"])
    return options


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_MAX_LISTED])
    more = len(names) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


class SequenceToIds(ChoiceToNumericChoice):
    r"""Encode a sequence of choice parameters over shared values as category ids.

    Every (non-fixed) parameter must be a choice parameter over the same set
    of values; each becomes an unordered integer choice parameter over
    ``0, ..., C - 1``. Id ``c`` means the same value at every position: the
    ``c``-th value of the first choice parameter. Ordered choices are treated
    as categories too (the VAE ignores order). Untransforming maps ids back to
    each parameter's own values (keeping, e.g., its int or float type).

    Used by the latent route of :class:`RoMAGenerationStep` after Ax's
    ``RemoveFixed``; registered for Ax's JSON storage on ``import
    botorch_roma.ax``. [Yu2021roma]_
    """

    def __init__(
        self,
        search_space: SearchSpace | None = None,
        experiment_data: ExperimentData | None = None,
        adapter: Adapter | None = None,
        config: TConfig | None = None,
    ) -> None:
        r"""Check the search space and build the shared encoding.

        Args:
            search_space: The search space (after ``RemoveFixed``).
            experiment_data: Unused.
            adapter: Unused.
            config: Unused.
        """
        if search_space is None:
            raise RoMAInputError("SequenceToIds needs a search space.")
        self.alphabet = _check_sequence_space(search_space)
        Transform.__init__(
            self,
            search_space=search_space,
            experiment_data=experiment_data,
            adapter=adapter,
            config=config,
        )
        self.encoded_parameters = {}
        self.encoded_parameters_inverse = {}
        for p in search_space.parameters.values():
            if not self._should_encode(p):
                continue
            ids = {v: _index(self.alphabet, v) for v in p.values}
            self.encoded_parameters[p.name] = ids
            self.encoded_parameters_inverse[p.name] = {i: v for v, i in ids.items()}

    def _should_encode(self, p: Parameter) -> bool:
        return isinstance(p, ChoiceParameter)

    def transform_search_space(self, search_space: SearchSpace) -> SearchSpace:
        r"""Replace each sequence parameter by an integer choice over its ids."""
        parameters: dict[str, Parameter] = {}
        for name, p in search_space.parameters.items():
            if name in self.encoded_parameters and isinstance(p, ChoiceParameter):
                encoding = self.encoded_parameters[name]
                parameters[name] = ChoiceParameter(
                    name=name,
                    parameter_type=ParameterType.INT,
                    values=sorted(encoding[v] for v in p.values),
                    is_ordered=False,
                    sort_values=True,
                )
            else:
                parameters[name] = p
        return construct_new_search_space(
            search_space=search_space,
            parameters=list(parameters.values()),
            parameter_constraints=[],
        )


def _index(alphabet: list, value: Any) -> int:
    for i, a in enumerate(alphabet):
        if a == value:
            return i
    raise RoMAInputError(f"Value {value!r} is not in the alphabet {alphabet}.")


def _check_sequence_space(search_space: SearchSpace) -> list:
    r"""The shared alphabet of a sequence search space; raise if it is not one."""
    params = list(search_space.parameters.values())
    fix = (
        "The latent route needs every non-fixed parameter to be a choice "
        "parameter over the same values (one per sequence position); "
    )
    if not params:
        raise RoMAInputError(fix + "the search space has no tunable parameters.")
    other = [p.name for p in params if not isinstance(p, ChoiceParameter)]
    if other:
        raise RoMAInputError(
            fix + f"got non-choice parameter(s) {_names(other)}. Make them choice "
            "parameters over the shared values, fix them, or use the continuous "
            "route (RoMAGenerationStep without latent=...)."
        )
    special = [p.name for p in params if p.is_task or p.is_hierarchical]
    if special:
        raise RoMAInputError(
            fix + f"got task or hierarchical parameter(s) {_names(special)}; remove "
            "them or use the continuous route."
        )
    if search_space.parameter_constraints:
        raise RoMAInputError(
            fix + "parameter constraints are not supported; remove them."
        )
    first = params[0]
    alphabet = list(first.values)
    differ = [
        p.name
        for p in params[1:]
        if len(p.values) != len(alphabet)
        or any(not any(v == a for a in alphabet) for v in p.values)
    ]
    if differ:
        raise RoMAInputError(
            fix + f"parameter(s) {_names(differ)} have values other than "
            f"{first.name!r}'s {alphabet}. Give every position the same values, or "
            "use the continuous route."
        )
    return alphabet


#: Ax transforms of the latent route: fixed parameters removed, the sequence
#: encoded as category ids (see :class:`SequenceToIds`).
LATENT_TRANSFORMS: list[type[Transform]] = [RemoveFixed, SequenceToIds]


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
        self._ids = self._to_ids(train_X, strict=True)
        self.register_buffer("train_X", train_X.detach().clone(), persistent=False)
        self.register_buffer("train_Y", train_Y.detach().clone(), persistent=False)
        self.latent = LatentRoMA(
            vae_options=vae_options,
            model_options=_tuple_hidden_sizes(model_options),
            latent_samples=latent_samples,
        )

    @property
    def batch_shape(self) -> torch.Size:
        r"""The model's batch shape (always empty)."""
        return torch.Size([])

    @property
    def is_fitted(self) -> bool:
        r"""Whether :meth:`fit` has run."""
        return self.latent.model is not None

    def _to_ids(self, X: Tensor, strict: bool = False) -> Tensor:
        ids = X.detach().round()
        if strict:
            bad = (ids != X) | (ids < 0) | (ids >= self.num_categories)
            if bad.any():
                raise RoMAInputError(
                    f"train_X must hold whole category ids in 0, ..., "
                    f"{self.num_categories - 1}; got e.g. "
                    f"{X[bad][:_MAX_LISTED].tolist()}. Use the latent route's "
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
        Z = self.latent.encode(self._to_ids(X).reshape(-1, L))
        Z = Z.reshape(*X.shape[:-1], Z.shape[-1])
        return self.latent.model.posterior(
            Z,
            output_indices=output_indices,
            posterior_transform=posterior_transform,
            **kwargs,
        )


def _tuple_hidden_sizes(options: dict[str, Any] | None) -> dict[str, Any]:
    options = dict(options or {})
    if "hidden_sizes" in options:
        options["hidden_sizes"] = tuple(int(h) for h in options["hidden_sizes"])
    return options


def latent_model_config(
    latent: dict[str, Any] | None = None,
    pretraining: dict[str, Any] | None = None,
    seed: int | None = 0,
    progress: bool = False,
) -> ModelConfig:
    r"""An Ax ``ModelConfig`` for a :class:`LatentRoMAModel`.

    Args:
        latent: Latent options, see :func:`latent_options`.
        pretraining: The latent proxy's pre-training options.
        seed: Seed of the VAE and the proxy.
        progress: Show progress bars while fitting.

    Returns:
        The model config, with the options validated and JSON-serializable.

    Example:
        >>> config = latent_model_config({"vae": {"epochs": 50}}, seed=0)
        >>> config.botorch_model_class.__name__
        'LatentRoMAModel'
    """
    options = latent_options(latent if latent is not None else True)
    model_options = dict(pretraining or {})
    LatentRoMA(model_options=_tuple_hidden_sizes(model_options))  # fail fast
    if "hidden_sizes" in model_options:
        model_options["hidden_sizes"] = [int(h) for h in model_options["hidden_sizes"]]
    return ModelConfig(
        botorch_model_class=LatentRoMAModel,
        model_options={
            "vae_options": options["vae"],
            "model_options": model_options,
            "latent_samples": options["latent_samples"],
        },
        mll_options={"seed": seed, "progress": bool(progress)},
        input_transform_classes=None,
        name="LatentRoMA",
    )


def latent_model_inputs(
    botorch_model_class: type[LatentRoMAModel],
    model_config: ModelConfig,
    dataset: SupervisedDataset,
    search_space_digest: SearchSpaceDigest,
    surrogate: Surrogate,
) -> dict[str, Any]:
    r"""Constructor inputs of a :class:`LatentRoMAModel` inside Ax's ``Surrogate``.

    Registered for ``submodel_input_constructor`` on ``import botorch_roma.ax``.

    Args:
        botorch_model_class: ``LatentRoMAModel`` (or a subclass).
        model_config: The config from :func:`latent_model_config`.
        dataset: The training data: ``n x L`` category ids and ``n x 1``.
        search_space_digest: Ax's digest; every column must be a choice over
            the same ids ``0, ..., C - 1`` (as :class:`SequenceToIds` makes it).
        surrogate: Unused.

    Returns:
        Keyword arguments for ``LatentRoMAModel(...)``.
    """
    d = dataset.X.shape[-1]
    choices = search_space_digest.discrete_choices
    id_sets = {tuple(choices.get(i, ())) for i in range(d)}
    ids = list(next(iter(id_sets)))
    if len(id_sets) != 1 or len(ids) < 2 or ids != list(range(len(ids))):
        raise RoMAInputError(
            "LatentRoMAModel needs every input column to be a choice over the same "
            f"category ids 0, ..., C - 1, got {choices}. Use the latent route's "
            "transforms (LATENT_TRANSFORMS), e.g. RoMAGenerationStep(latent=True)."
        )
    return {
        "train_X": dataset.X,
        "train_Y": dataset.Y,
        "num_categories": len(ids),
        **model_config.model_options,
    }


def fit_latent_model(
    model: LatentRoMAModel,
    mll_class: type[MarginalLogLikelihood] | None = None,
    mll_options: dict[str, Any] | None = None,
) -> None:
    r"""Fit a :class:`LatentRoMAModel` (VAE, then latent proxy) for Ax's Surrogate.

    Registered for ``fit_botorch_model`` on ``import botorch_roma.ax``.

    Args:
        model: The model to fit.
        mll_class: Ignored (Ax fills in a GP likelihood by default).
        mll_options: ``{"seed": int | None, "progress": bool}``.
    """
    options = dict(mll_options or {})
    unknown = sorted(set(options) - set(FIT_OPTION_NAMES))
    if unknown:
        raise RoMAInputError(
            f"Unknown latent RoMA fit option(s) {unknown} in mll_options; valid "
            f"options are {list(FIT_OPTION_NAMES)}."
        )
    model.fit(seed=options.get("seed"), progress=bool(options.get("progress", False)))
