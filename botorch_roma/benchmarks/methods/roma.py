r"""RoMA and its ablations as benchmark methods.

Three entries share one implementation [Yu2021roma]_:

- ``roma``: robust pre-training with ``epsilon`` chosen by the paper's offline
  rule (:func:`~botorch_roma.benchmarks.hyperparameters.select_epsilon`),
  then the adapted ascent with the core defaults of
  :func:`~botorch_roma.optimize_roma`;
- ``roma-no-adapt``: the same pre-training, ascent without adaptation
  (``adaptation="none"``);
- ``roma-smoothing-only``: Gaussian input smoothing only (``epsilon = 0``),
  ascent without adaptation.

Options are split between :class:`~botorch_roma.models.pretraining.PretrainingOptions`
(e.g. ``epochs``, ``loss``, ``hidden_sizes``) and
:class:`~botorch_roma.generation.gen.AscentOptions` (e.g. ``steps``, ``alpha``,
``adaptation``). ``select_epsilon=False`` skips the rule (faster) and uses
``epsilon`` (default: ``RoMAModel``'s). ``epsilon_scale`` multiplies the chosen
value (used by the sensitivity sweep). The offline selection always uses seed 0 and is
cached per process, so all seeds and entries of a sweep share one ``eps0`` per
task. The ascent's adaptation radius defaults to the pre-training ``epsilon``
(as in :func:`~botorch_roma.optimize_roma`); ``adaptation_epsilon`` sets it on
its own. Each run records the ``epsilon`` it used, where it came from, and the
adaptation radius with
:func:`~botorch_roma.benchmarks.methods.utils.record_run_info` (the ``info``
column of the raw results).

Discrete tasks run in the latent space of a categorical VAE, as in the paper's
Section 2.4: by default through the package's
:class:`~botorch_roma.latent.roma.LatentRoMA` (the ``epsilon`` rule is then
applied to the latent codes of a seed-0 VAE). A relaxation registered under
the name given by ``relaxation`` (default ``"latent"``) with
:func:`~botorch_roma.benchmarks.methods.utils.register_relaxation` takes
precedence, so other latent spaces plug in without changing this module.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botorch.exceptions.errors import UnsupportedError
from botorch.utils.sampling import manual_seed
from torch import Tensor

from botorch_roma.benchmarks.methods.utils import (
    RELAXATIONS,
    continuous_view,
    record_run_info,
)
from botorch_roma.datasets import OfflineTask
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.gen import optimize_roma
from botorch_roma.latent.roma import LatentRoMA
from botorch_roma.latent.vae import CategoricalVAE
from botorch_roma.models.epsilon import EPSILON_GRID, EpsilonSelection
from botorch_roma.models.roma import RoMAModel, select_epsilon
from botorch_roma.options import (
    LATENT_DEFAULTS,
    SMOKE_BUDGET,
    AscentOptions,
    PretrainingOptions,
    VAEOptions,
    split_options,
)

__all__ = [
    "DISCRETE_RELAXATION",
    "SMOKE_OPTIONS",
    "clear_epsilon_cache",
    "offline_epsilon",
    "roma",
    "roma_no_adapt",
    "roma_smoothing_only",
]

#: The relaxation the RoMA entries use on discrete tasks.
DISCRETE_RELAXATION = "latent"

#: Budget overrides in smoke mode (from :data:`~botorch_roma.options.SMOKE_BUDGET`).
SMOKE_OPTIONS: dict[str, Any] = {
    **SMOKE_BUDGET[PretrainingOptions],
    **SMOKE_BUDGET[AscentOptions],
}
_SMOKE_GRID = (1e-2, 1e-3)
_EPSILON_CACHE: dict[tuple, EpsilonSelection] = {}


def clear_epsilon_cache() -> None:
    r"""Forget the per-process cache of offline-selected ``epsilon`` values."""
    _EPSILON_CACHE.clear()


def offline_epsilon(
    data: tuple[Tensor, Tensor] | Callable[[], tuple[Tensor, Tensor]],
    key: tuple | None = None,
    grid: tuple[float, ...] = EPSILON_GRID,
    **model_options: Any,
) -> float:
    r"""The offline-selected ``epsilon`` (seed 0), cached under ``key``.

    The rule's evidence is recorded for the run in progress
    (:func:`~botorch_roma.benchmarks.methods.utils.record_run_info`, key
    ``epsilon_rule``): the reference fit's validation MSE and, per tried value,
    whether it was stable and its validation MSE.

    Args:
        data: The ``n x d`` designs and ``n x 1`` scores, or a function that
            builds them (only called on a cache miss).
        key: Cache key (e.g. the task's name); ``None`` disables caching.
        grid: The candidate values.
        **model_options: Pre-training options shared by all fits.

    Returns:
        The selected ``epsilon``.
    """
    full_key = None
    selection = None
    if key is not None:
        full_key = (key, tuple(grid), tuple(sorted(model_options.items())))
        selection = _EPSILON_CACHE.get(full_key)
    if selection is None:
        train_X, train_Y = data() if callable(data) else data
        selection = select_epsilon(train_X, train_Y, grid=grid, seed=0, **model_options)
        if full_key is not None:
            _EPSILON_CACHE[full_key] = selection
    record_run_info(
        epsilon_rule={
            "reference_val_mse": selection.reference.get("val_mse"),
            "trials": [
                {k: t[k] for k in ("epsilon", "stable", "val_mse")}
                for t in selection.trials
            ],
        }
    )
    return selection.epsilon


def _split_options(options: dict[str, Any]) -> tuple[dict, dict]:
    # The ascent's own epsilon is `adaptation_epsilon` here, so a bare
    # `epsilon` is the pre-training's.
    pre, asc, _ = split_options(
        options, PretrainingOptions, AscentOptions, what="RoMA option(s)"
    )
    return pre, asc


def roma(
    task: OfflineTask,
    n: int = 128,
    seed: int = 0,
    smoke: bool = False,
    select_epsilon: bool = True,
    epsilon_grid: tuple[float, ...] | None = None,
    epsilon_scale: float = 1.0,
    adaptation_epsilon: float | None = None,
    relaxation: str = DISCRETE_RELAXATION,
    vae_options: dict[str, Any] | None = None,
    **options: Any,
) -> Tensor:
    r"""RoMA with the paper's offline ``epsilon`` rule and the core defaults.

    Args:
        task: The offline task.
        n: The number of candidates.
        seed: Seed of the pre-training and the jittered starts.
        smoke: Use a tiny budget (see :data:`SMOKE_OPTIONS`; explicit options
            still win).
        select_epsilon: Choose ``epsilon`` by the offline rule; ``False`` uses
            ``options["epsilon"]`` (default: ``RoMAModel``'s default).
        epsilon_grid: The grid of the offline rule (default:
            :data:`~botorch_roma.benchmarks.hyperparameters.EPSILON_GRID`, or
            ``(1e-2, 1e-3)`` in smoke mode).
        epsilon_scale: Multiplies the chosen ``epsilon``.
        adaptation_epsilon: The ascent's relative adaptation radius
            (``AscentOptions.epsilon``); ``None`` uses the pre-training
            ``epsilon`` (after ``epsilon_scale``).
        relaxation: The relaxation used for discrete tasks. ``"latent"`` uses
            a registered relaxation of that name if there is one, else the
            package's VAE route (:class:`~botorch_roma.latent.roma.LatentRoMA`).
        vae_options: VAE options of the latent route (``latent_dim``,
            ``hidden_size``, ``beta``, ``negative_slope``, ``epochs``, ``lr``,
            ``batch_size``).
        **options: Pre-training options (``epochs``, ``loss``, ``epsilon``, ...)
            and ascent options (``steps``, ``alpha``, ``adaptation``, ...).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> roma(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    if epsilon_scale < 0:
        raise RoMAInputError(f"epsilon_scale must be >= 0, got {epsilon_scale}.")
    if adaptation_epsilon is not None and not adaptation_epsilon >= 0:
        raise RoMAInputError(
            f"adaptation_epsilon must be >= 0 (or None for the pre-training "
            f"epsilon), got {adaptation_epsilon}."
        )
    if epsilon_grid is None:
        epsilon_grid = _SMOKE_GRID if smoke else EPSILON_GRID
    if select_epsilon and epsilon_grid and "epsilon" in options:
        # The offline rule would silently overwrite it.
        raise RoMAInputError(
            f"epsilon={options['epsilon']} was given, but select_epsilon=True "
            "chooses epsilon by the offline rule; pass select_epsilon=False (CLI: "
            "--no-select-epsilon) to set it, or epsilon_grid to change the rule's "
            "candidates."
        )
    if smoke:
        # Tiny defaults; options given explicitly still win.
        options = {**SMOKE_OPTIONS, **options}
    pre, asc = _split_options(options)
    if adaptation_epsilon is not None:
        asc["epsilon"] = float(adaptation_epsilon)
    if task.is_discrete and relaxation not in RELAXATIONS:
        if relaxation == DISCRETE_RELAXATION:
            return _latent_roma(
                task, n, seed, smoke, select_epsilon, epsilon_grid, epsilon_scale,
                pre, asc, vae_options,
            )  # fmt: skip
        raise UnsupportedError(
            f"RoMA on discrete task {task.name!r} needs the {relaxation!r} "
            "relaxation (the VAE latent route of the paper's Section 2.4), which is "
            "not available; register one with "
            "botorch_roma.benchmarks.methods.register_relaxation, or use the "
            "baselines that support discrete tasks."
        )
    view = continuous_view(task, relaxation=relaxation, seed=seed, smoke=smoke)
    epsilon = pre.pop("epsilon", PretrainingOptions.epsilon)
    selected = bool(select_epsilon and epsilon_grid)
    if selected:
        key = (task.name, tuple(view.X.shape), float(view.Y.sum()))
        epsilon = offline_epsilon((view.X, view.Y), key=key, grid=epsilon_grid, **pre)
    epsilon = epsilon * epsilon_scale
    _record_epsilon(epsilon, selected, epsilon_grid, epsilon_scale, asc)
    with manual_seed(seed):
        model = RoMAModel(view.X, view.Y, epsilon=epsilon, **pre).fit(seed=seed)
        bounds = None if view.bounds is None else view.bounds.to(view.X)
        candidates, _ = optimize_roma(
            model,
            bounds=bounds,
            n=n,
            seed=seed,
            duplicate_starts="jitter",
            **asc,
        )
    return view.decode(candidates.detach())


def _record_epsilon(
    epsilon: float,
    selected: bool,
    grid: tuple[float, ...],
    scale: float,
    asc: dict[str, Any],
) -> None:
    r"""Record the run's pre-training ``epsilon``, its source and the radius."""
    record_run_info(
        epsilon=float(epsilon),
        epsilon_source="offline rule" if selected else "given",
        epsilon_grid=[float(g) for g in grid] if selected else None,
        epsilon_scale=float(scale),
        adaptation=asc.get("adaptation", AscentOptions.adaptation),
        adaptation_epsilon=float(asc.get("epsilon", epsilon)),
    )


def _latent_roma(
    task: OfflineTask,
    n: int,
    seed: int,
    smoke: bool,
    select: bool,
    grid: tuple[float, ...],
    scale: float,
    pre: dict[str, Any],
    asc: dict[str, Any],
    vae_options: dict[str, Any] | None,
) -> Tensor:
    r"""RoMA on a discrete task through the package's VAE latent route."""
    vae_options = dict(vae_options or {})
    if smoke:
        vae_options = {**SMOKE_BUDGET[VAEOptions], **vae_options}
    vae_init = {k: v for k, v in vae_options.items() if k in VAEOptions.ARCHITECTURE}
    vae_fit = {k: v for k, v in vae_options.items() if k in VAEOptions.TRAINING}
    Y = task.Y if task.Y.is_floating_point() else task.Y.double()
    seqs = task.X.long()
    model_options = {**LATENT_DEFAULTS[PretrainingOptions], **pre}
    epsilon = model_options.pop("epsilon", PretrainingOptions.epsilon)
    if select and grid:

        def latent_codes() -> tuple[Tensor, Tensor]:
            # The rule judges pre-training on the latent codes of a seed-0 VAE.
            vae = CategoricalVAE(
                seq_len=seqs.shape[-1],
                num_categories=int(task.num_categories),
                dtype=Y.dtype,
                **vae_init,
            )
            vae.fit(seqs, seed=0, **vae_fit)
            return vae.encode(seqs).to(Y), Y

        key = (task.name, "latent", tuple(seqs.shape), float(Y.sum()))
        key = (*key, tuple(sorted(vae_options.items())))
        epsilon = offline_epsilon(latent_codes, key=key, grid=grid, **model_options)
    _record_epsilon(epsilon * scale, bool(select and grid), grid, scale, asc)
    roma_latent = LatentRoMA(
        vae_options=vae_options,
        model_options={**model_options, "epsilon": epsilon * scale},
        ascent_options=asc,
    )
    with manual_seed(seed):
        roma_latent.fit(seqs, Y, num_categories=int(task.num_categories), seed=seed)
        candidates, _ = roma_latent.generate(n=n, seed=seed)
    return candidates.to(task.X)


def roma_no_adapt(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Ablation: RoMA's robust pre-training, ascent without adaptation.

    Args:
        task: The offline task.
        n: The number of candidates.
        seed: The run's seed.
        smoke: Use a tiny budget.
        **options: As for :func:`roma` (``adaptation`` is fixed to ``"none"``).

    Returns:
        ``n x d`` candidates.
    """
    return roma(task, n=n, seed=seed, smoke=smoke, **{**options, "adaptation": "none"})


def roma_smoothing_only(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Ablation: Gaussian input smoothing only (``epsilon = 0``), no adaptation.

    Args:
        task: The offline task.
        n: The number of candidates.
        seed: The run's seed.
        smoke: Use a tiny budget.
        **options: As for :func:`roma` (``epsilon`` is 0, ``adaptation`` is
            ``"none"``, and the offline rule is off).

    Returns:
        ``n x d`` candidates.
    """
    options = {**options, "epsilon": 0.0, "adaptation": "none"}
    options["select_epsilon"] = False
    return roma(task, n=n, seed=seed, smoke=smoke, **options)
