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
2. **Model.** :class:`~botorch_roma.latent.model.LatentRoMAModel` is the
   BoTorch model Ax's ``Surrogate`` builds and fits (through the dispatchers
   registered on ``import botorch_roma.ax``): fitting trains the VAE and the
   robustly pre-trained latent proxy, and its posterior at ``X`` (category
   ids) is the proxy at the sequences' latent means, so Ax's own predictions
   of the generated arms come from the same model that generated them.
3. **Generation.** :class:`LatentRoMAAcquisition` calls
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

import copy
from typing import TYPE_CHECKING, Any

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
from botorch.exceptions.errors import UnsupportedError
from botorch.generation.sampling import SamplingStrategy
from botorch.utils.datasets import SupervisedDataset
from torch import Tensor

from botorch_roma.ax.acquisition import RoMAAcquisition, check_optimize_arguments
from botorch_roma.ax.surrogate import fit_options
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.feasibility import Constraints
from botorch_roma.latent.model import LatentRoMAModel
from botorch_roma.latent.plausibility import feasibility_name
from botorch_roma.options import (
    LATENT_DEFAULTS,
    AscentOptions,
    LatentOptions,
    PretrainingOptions,
)

if TYPE_CHECKING:
    from ax.adapter.base import Adapter

__all__ = [
    "LATENT_TRANSFORMS",
    "LatentRoMAAcquisition",
    "SequenceToIds",
    "latent_model_config",
    "latent_model_inputs",
    "latent_options",
]

_MAX_LISTED = 5


def latent_options(latent: bool | dict[str, Any] | LatentOptions | None) -> dict | None:
    r"""Normalize the ``latent`` argument of the generation step to a dict.

    Args:
        latent: ``None`` or ``False`` (the continuous route), ``True`` (the
            latent route with default options), a dict with the fields of
            :class:`~botorch_roma.options.LatentOptions`, or a
            :class:`~botorch_roma.options.LatentOptions`.

    Returns:
        ``None`` for the continuous route, else a JSON-serializable dict
        ``{"vae": {...}, "latent_samples": k, "plausibility": ...,
        "feasibility": ...}``. A ``feasibility`` function is stored by its
        importable ``"module:function"`` name (see
        :func:`~botorch_roma.latent.plausibility.feasibility_name`).

    Example:
        >>> latent_options(True)["plausibility"]
        'transitions'
    """
    if latent is None or latent is False:
        return None
    if latent is True:
        return LatentOptions().to_dict()
    if not isinstance(latent, dict | LatentOptions):
        raise RoMAInputError(
            "latent must be True, False, None, a dict or a LatentOptions, got "
            f"{type(latent).__name__}."
        )
    if isinstance(latent, dict) and callable(latent.get("feasibility")):
        latent = {**latent, "feasibility": feasibility_name(latent["feasibility"])}
    options = LatentOptions.from_dict(latent).to_dict()
    feasibility_name(options["feasibility"])  # fails early on a bad name
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
    model_options = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in PretrainingOptions.overrides(pretraining).items()
    }
    return ModelConfig(
        botorch_model_class=LatentRoMAModel,
        model_options={
            "vae_options": options["vae"],
            "model_options": model_options,
            "latent_samples": options["latent_samples"],
            "plausibility": options["plausibility"],
            "feasibility": options["feasibility"],
            "anchored": options["anchored"],
        },
        mll_options=fit_options(seed, progress),
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


class LatentRoMAAcquisition(RoMAAcquisition):
    r"""The latent route's generation: ``n`` new, distinct, valid sequences.

    The surrogate is a :class:`~botorch_roma.latent.model.LatentRoMAModel`;
    ``optimize`` calls :meth:`~botorch_roma.latent.roma.LatentRoMA.generate`
    (on a copy of the proxy with its output negated for a minimized
    objective), excluding the training data and the pending arms. The
    candidates are category ids (``n x L``), which Ax's :class:`SequenceToIds`
    transform maps back to the parameters' values. [Yu2021roma]_
    """

    def optimize(
        self,
        n: int,
        search_space_digest: SearchSpaceDigest,
        inequality_constraints: Constraints = None,
        equality_constraints: Constraints = None,
        fixed_features: dict[int, float] | None = None,
        rounding_func: Any = None,
        optimizer_options: dict[str, Any] | None = None,
        candidate_set: Tensor | None = None,
        sampling_strategy: SamplingStrategy | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        r"""Generate ``n`` new, distinct sequences from latent RoMA.

        Args:
            n: The number of sequences.
            search_space_digest: Ax's digest (choices over the same ids).
            inequality_constraints: Not supported.
            equality_constraints: Not supported.
            fixed_features: Not supported (fixed parameters are removed by
                Ax's ``RemoveFixed`` before this point).
            rounding_func: Unused (ids are whole numbers).
            optimizer_options: Not supported.
            candidate_set: Not supported.
            sampling_strategy: Not supported.

        Returns:
            The ``n x L`` candidates, their ``n`` predicted objective values
            (maximization-aligned) and ``n`` unit arm weights.
        """
        check_optimize_arguments(n, optimizer_options, candidate_set, sampling_strategy)
        model = self._model
        if not isinstance(model, LatentRoMAModel):
            raise UnsupportedError(
                "The latent route needs a LatentRoMAModel surrogate, got "
                f"{type(model).__name__}; build the step with "
                "RoMAGenerationStep(latent=...)."
            )
        if inequality_constraints or equality_constraints or fixed_features:
            raise UnsupportedError(
                "The latent route generates whole sequences: parameter constraints "
                "and fixed features (e.g. fixed_parameters in get_next_trials) are "
                "not supported; drop them or use the continuous route."
            )
        weights = self._single_objective_weights()
        ascent, run = self._roma_options(LATENT_DEFAULTS[AscentOptions])
        if run.timeout_sec is not None:
            raise UnsupportedError(
                "timeout_sec is not supported on the latent route; lower the ascent "
                "steps instead."
            )
        roma = model.latent.negated() if weights[0] < 0 else copy.copy(model.latent)
        roma.ascent = ascent
        roma.exclude_training = True
        pending = self._all_pending
        seqs, _ = roma.generate(
            n=n,
            seed=run.seed,
            exclude=None if pending is None else model.to_ids(pending),
            progress=run.progress,
        )
        return self._checked(seqs.to(model.train_X), search_space_digest)
