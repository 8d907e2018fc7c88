r"""RoMA as an Ax generation step, and one-batch offline design with Ax clients.

:class:`RoMAGenerationStep` is used where an Ax ``GenerationStep`` is used. Like
``GenerationStep`` in Ax 1.3 it is a factory: calling it returns a plain
``GenerationNode`` for ``Generators.BOTORCH_MODULAR`` whose generator kwargs
plug in the RoMA proxy (through ``SurrogateSpec``/``ModelConfig`` and the fit
registered on import) and RoMA's ascent (through :class:`RoMAAcquisition`).
Because the node is a stock Ax object, generation strategies that use it save
to and load from JSON like any other, provided ``botorch_roma.ax`` is imported
before loading.

:func:`roma_generation_strategy` wraps that single step (no Sobol stage, since
the data already exists), and :func:`generate_batch` turns one call into one
``BatchTrial`` of ``n`` distinct designs.

For sequence designs (many choice parameters over the same values),
``RoMAGenerationStep(latent=True)`` runs RoMA in the latent space of a
categorical VAE instead; see :mod:`botorch_roma.ax.latent`.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from typing import Any

from ax.adapter.registry import Generators
from ax.api.client import Client
from ax.core.batch_trial import BatchTrial
from ax.core.experiment import Experiment
from ax.core.trial_status import TrialStatus
from ax.generation_strategy.generation_node import GenerationNode, GenerationStep
from ax.generation_strategy.generation_strategy import GenerationStrategy
from ax.generators.torch.botorch_modular.surrogate import SurrogateSpec
from ax.service.ax_client import AxClient
from ax.utils.common.random import with_rng_seed
from botorch.acquisition.analytic import PosteriorMean

from botorch_roma.ax._arms import memoized_arm_signatures
from botorch_roma.ax.acquisition import RoMAAcquisition
from botorch_roma.ax.data import check_single_objective, experiment_of
from botorch_roma.ax.latent import (
    LATENT_TRANSFORMS,
    LatentRoMAAcquisition,
    latent_model_config,
    latent_options,
)
from botorch_roma.ax.surrogate import ROMA_TRANSFORMS, roma_model_config
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.gen import check_n
from botorch_roma.models.roma import RoMAProxy
from botorch_roma.options import (
    DEFAULT_LATENT_PRESET,
    DEFAULT_PRESET,
    AscentOptions,
    LatentOptions,
    PretrainingOptions,
    RunOptions,
    preset_overrides,
    resolve_device,
)

__all__ = [
    "RoMAGenerationStep",
    "fitted_roma_model",
    "generate_batch",
    "roma_generation_strategy",
]

#: The name of the RoMA generation node.
ROMA_NODE_NAME = "RoMA"


class RoMAGenerationStep(GenerationStep):
    r"""A generation step running RoMA; returns an Ax ``GenerationNode``.

    The step fits a :class:`~botorch_roma.models.roma.RoMAModel` to the
    experiment's data and proposes candidates by RoMA's adapted gradient
    ascent [Yu2021roma]_, with the Ax transforms described in
    :mod:`botorch_roma.ax.surrogate`.

    Example:
        >>> step = RoMAGenerationStep(
        ...     pretraining={"epochs": 50, "epsilon": 5e-4},
        ...     ascent={"steps": 300, "adaptation": "per_candidate"},
        ...     seed=0,
        ... )
        >>> gs = GenerationStrategy(nodes=[step])
    """

    def __new__(
        cls,
        pretraining: dict[str, Any] | Any | None = None,
        ascent: dict[str, Any] | Any | None = None,
        seed: int | None = 0,
        progress: bool = False,
        timeout_sec: float | None = None,
        num_trials: int = -1,
        latent: bool | dict[str, Any] | LatentOptions | None = None,
        preset: str | None = None,
        device: str | Any | None = None,
    ) -> GenerationNode:
        r"""Build the generation node.

        Args:
            pretraining: Pre-training options, a dict or a
                :class:`~botorch_roma.options.PretrainingOptions`
                (``{"epsilon": "auto"}`` applies the paper's offline rule).
            ascent: Ascent options, a dict or an
                :class:`~botorch_roma.options.AscentOptions`.
            seed: Seed of the pre-training, the jittered starts and the
                fallbacks; ``None`` for unseeded runs (see
                :class:`~botorch_roma.options.RunOptions`).
            progress: Show progress bars for pre-training and ascent.
            timeout_sec: Stop each ascent after this many seconds.
            num_trials: How many trials the step may generate (-1: unlimited).
            latent: Run RoMA in the latent space of a categorical VAE, for a
                search space of choice parameters over the same values (a
                sequence; fixed parameters are passed through): ``True``, or a
                dict / :class:`~botorch_roma.options.LatentOptions` with
                ``vae`` options and ``latent_samples``. ``pretraining`` and
                ``ascent`` then configure the latent proxy and the latent
                ascent (on top of the latent route's defaults). See
                :mod:`botorch_roma.ax.latent`.
            preset: A named configuration from
                :data:`~botorch_roma.options.PRESETS` (``"paper"``: RoMA as
                published; ``"ensemble"``: five ListNet-trained robust
                proxies, a pessimistic aggregate and the offline choice of the
                ascent length, without weight adaptation;
                ``"ensemble-adapt"``: the same with RoMA's adaptation;
                ``"ensemble-mse"``: that with the squared error) that
                ``pretraining`` and ``ascent`` override; ``None``:
                :data:`~botorch_roma.options.DEFAULT_PRESET` (with ``latent``,
                :data:`~botorch_roma.options.DEFAULT_LATENT_PRESET`). The node stores
                the resolved options, so it saves to JSON without the name.
            device: Where the fit and the ascent run: a ``torch.device`` or its
                name (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"auto"``: CUDA when
                available). Ax's adapter puts the data there
                (``torch_device``); ``None``: Ax's default, the CPU.

        Returns:
            A ``GenerationNode`` named ``"RoMA"``.
        """
        latent = latent_options(latent)
        if preset is None:
            preset = DEFAULT_PRESET if latent is None else DEFAULT_LATENT_PRESET
        ascent_options = {
            **preset_overrides(preset, AscentOptions),
            **AscentOptions.overrides(ascent, json=True),
        }
        pretraining = {
            **preset_overrides(preset, PretrainingOptions),
            **PretrainingOptions.overrides(pretraining, json=True),
        }
        run = RunOptions.overrides(
            {"seed": seed, "progress": progress, "timeout_sec": timeout_sec}
        )
        device = resolve_device(device)
        if latent is not None:
            return _latent_step(
                latent, pretraining, ascent_options, run, num_trials, device
            )
        surrogate_spec = SurrogateSpec(
            model_configs=[
                roma_model_config(pretraining, seed=seed, progress=run["progress"])
            ]
        )
        acquisition_options = {**ascent_options, **run}
        return GenerationStep(
            generator=Generators.BOTORCH_MODULAR,
            num_trials=num_trials,
            generator_kwargs={
                "surrogate_spec": surrogate_spec,
                "acquisition_class": RoMAAcquisition,
                "acquisition_options": acquisition_options,
                "botorch_acqf_class": PosteriorMean,
                "transforms": ROMA_TRANSFORMS,
                "fit_tracking_metrics": False,
                **_device_kwargs(device),
            },
            generator_name=ROMA_NODE_NAME,
        )


def _device_kwargs(device: Any) -> dict[str, Any]:
    r"""Ax's ``torch_device`` generator kwarg (none for Ax's default device)."""
    return {} if device is None else {"torch_device": device}


def _latent_step(
    latent: dict[str, Any],
    pretraining: dict[str, Any],
    ascent_options: dict[str, Any],
    run: dict[str, Any],
    num_trials: int,
    device: Any = None,
) -> GenerationNode:
    r"""The generation node of the latent route (see :mod:`botorch_roma.ax.latent`)."""
    if run["timeout_sec"] is not None:
        raise RoMAInputError(
            "timeout_sec is not supported with latent=...; lower the ascent steps "
            "instead, or drop timeout_sec."
        )
    surrogate_spec = SurrogateSpec(
        model_configs=[
            latent_model_config(
                latent, pretraining, seed=run["seed"], progress=run["progress"]
            )
        ]
    )
    return GenerationStep(
        generator=Generators.BOTORCH_MODULAR,
        num_trials=num_trials,
        generator_kwargs={
            "surrogate_spec": surrogate_spec,
            "acquisition_class": LatentRoMAAcquisition,
            "acquisition_options": {
                **ascent_options,
                "seed": run["seed"],
                "progress": run["progress"],
            },
            "botorch_acqf_class": PosteriorMean,
            "transforms": LATENT_TRANSFORMS,
            "fit_tracking_metrics": False,
            **_device_kwargs(device),
        },
        generator_name=ROMA_NODE_NAME,
    )


def roma_generation_strategy(**step_options: Any) -> GenerationStrategy:
    r"""A generation strategy with a single RoMA step and no Sobol stage.

    Args:
        **step_options: Passed to :class:`RoMAGenerationStep`.

    Returns:
        The generation strategy.

    Example:
        >>> gs = roma_generation_strategy(ascent={"steps": 100}, seed=0)
        >>> client.set_generation_strategy(gs)
    """
    return GenerationStrategy(
        name="RoMA (offline)", nodes=[RoMAGenerationStep(**step_options)]
    )


def _generation_strategy_of(
    client: AxClient | Client, experiment: Experiment
) -> GenerationStrategy:
    r"""The client's generation strategy, set to RoMA's defaults if unset."""
    if isinstance(client, Client):
        strategy = client._maybe_generation_strategy
        if strategy is None:
            strategy = roma_generation_strategy()
            client.set_generation_strategy(strategy)
    else:
        strategy = client._generation_strategy
        if strategy is None:
            strategy = roma_generation_strategy()
            client._generation_strategy = strategy
            strategy.experiment = experiment
    return strategy


def generate_batch(client: AxClient | Client, n: int = 128) -> BatchTrial:
    r"""Generate one ``BatchTrial`` of ``n`` distinct designs with the client.

    Uses the client's generation strategy; if it has none, sets
    :func:`roma_generation_strategy` with default options. The trial is left
    in status ``CANDIDATE``: deploy it (``trial.mark_running(...)``) when the
    designs go out for evaluation.

    Args:
        client: An ``ax.api.Client`` or an ``AxClient`` with offline data
            attached (see :func:`~botorch_roma.ax.data.attach_offline_data`).
        n: The number of designs.

    Returns:
        The new ``BatchTrial`` with ``n`` arms.

    Example:
        >>> attach_offline_data(client, df)
        >>> trial = generate_batch(client, n=128)
        >>> len(trial.arms)
        128
    """
    n = check_n(n)
    if not isinstance(client, AxClient | Client):
        raise RoMAInputError(
            f"Expected an ax.api.Client or an AxClient, got {type(client).__name__}."
        )
    experiment = experiment_of(client)
    objective = check_single_objective(experiment)
    completed = experiment.trial_indices_by_status[TrialStatus.COMPLETED]
    data = experiment.lookup_data(trial_indices=completed)
    if data.empty or objective not in data.metric_names:
        raise RoMAInputError(
            f"The experiment has no completed data for the objective {objective!r}; "
            "attach evaluated designs first with `attach_offline_data(client, df)`."
        )
    strategy = _generation_strategy_of(client, experiment)
    with memoized_arm_signatures(), with_rng_seed(seed=client._random_seed):
        run = strategy.gen_single_trial(experiment=experiment, n=n)
        if len(run.arms) != n:
            raise RoMAInputError(
                f"The generation strategy returned {len(run.arms)} distinct arms "
                f"instead of {n} (Ax merges identical candidates); lower n."
            )
        trial = experiment.new_batch_trial(generator_run=run)
    client._save_or_update_trial_in_db_if_possible(experiment=experiment, trial=trial)
    client._save_generation_strategy_to_db_if_possible(generation_strategy=strategy)
    return trial


def fitted_roma_model(client: AxClient | Client) -> RoMAProxy | None:
    r"""The RoMA proxy fitted for the client's last generated batch.

    Args:
        client: An ``ax.api.Client`` or an ``AxClient`` after
            :func:`generate_batch`.

    Returns:
        The fitted :class:`~botorch_roma.models.roma.RoMAModel` or
        :class:`~botorch_roma.models.ensemble.RoMAEnsembleModel` (in Ax's
        transformed input space, original outcome units), or ``None`` when
        the client's strategy holds no fitted RoMA model (reached through Ax's
        generation node, whose attributes are not public API).

    Example:
        >>> trial = generate_batch(client, n=8)
        >>> model = fitted_roma_model(client)
        >>> model.validation_indices.shape
    """
    strategy = (
        client._maybe_generation_strategy
        if isinstance(client, Client)
        else client._generation_strategy
    )
    try:
        adapter = strategy._curr.generator_spec_to_gen_from.fitted_adapter
        model = adapter.generator.surrogate.model
    except (AttributeError, ValueError):
        return None
    return model if isinstance(model, RoMAProxy) else None
