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

The package default, the ``"ensemble"`` preset (no weight adaptation), runs
as ``roma-ensemble``; with RoMA's adaptation added it is
``roma-ensemble-adapt`` (preset ``"ensemble-adapt"``), and with smoothing only
``roma-ensemble-smoothing-only``, so the three give the paper's ablation
order for the ensemble; ``roma-ensemble-mse`` is the preset
``"ensemble-mse"``.

Options are split between :class:`~botorch_roma.options.PretrainingOptions`
(e.g. ``epochs``, ``loss``, ``hidden_sizes``),
:class:`~botorch_roma.options.AscentOptions` (e.g. ``steps``, ``alpha``,
``adaptation``) and the method's own :class:`RoMAMethodOptions`.
``select_epsilon=False`` skips the rule (faster) and uses ``epsilon`` (default:
``RoMAModel``'s). ``epsilon_scale`` multiplies the chosen value (used by the
sensitivity sweep). The offline selection always uses seed 0 and is
cached per process, so all seeds and entries of a sweep share one ``eps0`` per
task. The ascent's adaptation radius defaults to the pre-training ``epsilon``
(as in :func:`~botorch_roma.optimize_roma`); ``adaptation_epsilon`` sets it on
its own, as ``ascent_lr`` sets the ascent's learning rate (a bare ``lr`` is
the pre-training's). Each run records the ``epsilon`` it used, where it came
from, and the adaptation radius with
:func:`~botorch_roma.benchmarks.methods.utils.record_run_info` (the ``info``
column of the raw results).

Discrete tasks run in the latent space of a categorical VAE, as in the paper's
Section 2.4: by default through the package's
:class:`~botorch_roma.latent.roma.LatentRoMA` (the ``epsilon`` rule is then
applied to the latent codes of a seed-0 VAE). A relaxation registered under
the name given by ``relaxation`` (default ``"latent"``) with
:func:`~botorch_roma.benchmarks.methods.utils.register_relaxation` takes
precedence, so other latent spaces plug in without changing this module.

Smoke runs use the tiny budgets of :data:`~botorch_roma.options.SMOKE_BUDGET`
(pre-training, ascent and VAE) and a two-value ``epsilon`` grid
(:attr:`RoMAMethodOptions.SMOKE`); given options still win.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from botorch.exceptions.errors import UnsupportedError
from botorch.utils.sampling import manual_seed
from scipy.stats import spearmanr
from torch import Tensor

from botorch_roma.benchmarks.methods.options import MethodOptions
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
from botorch_roma.models.ensemble import RoMAEnsembleModel, build_proxy
from botorch_roma.models.epsilon import EPSILON_GRID, EpsilonSelection
from botorch_roma.models.roma import RoMAProxy, select_epsilon
from botorch_roma.options import (
    LATENT_DEFAULTS,
    SMOKE_BUDGET,
    AscentOptions,
    PretrainingOptions,
    VAEOptions,
    option,
    preset_overrides,
    split_options,
)

__all__ = [
    "DISCRETE_RELAXATION",
    "SMOKE_OPTIONS",
    "RoMAMethodOptions",
    "clear_epsilon_cache",
    "offline_epsilon",
    "record_calibration",
    "roma",
    "roma_ensemble",
    "roma_ensemble_adapt",
    "roma_ensemble_mse",
    "roma_ensemble_smoothing_only",
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
_EPSILON_CACHE: dict[tuple, EpsilonSelection] = {}
#: The latent route's decoding options and checks (declared in
#: :class:`~botorch_roma.options.LatentOptions`), used on discrete tasks.
_LATENT_CHECKS = ("plausibility", "feasibility", "anchored")


@dataclass(frozen=True)
class RoMAMethodOptions(MethodOptions):
    r"""The ``roma`` method's own options (on top of the pre-training and
    ascent options of :mod:`botorch_roma.options`)."""

    _what: ClassVar[str] = "RoMA option(s)"

    select_epsilon: bool = option(
        True,
        "Choose epsilon by the paper's offline rule; False uses the option "
        "`epsilon` (default: RoMAModel's).",
    )
    epsilon_grid: tuple[float, ...] | None = option(
        None, "The offline rule's grid (None: EPSILON_GRID).", low=0.0
    )
    epsilon_scale: float = option(1.0, "Multiplies the chosen epsilon.", low=0.0)
    adaptation_epsilon: float | None = option(
        None,
        "The ascent's relative adaptation radius (AscentOptions.epsilon); None: "
        "the pre-training epsilon (after epsilon_scale).",
        low=0.0,
    )
    ascent_lr: float | None = option(
        None,
        "The ascent's Adam learning rate (AscentOptions.lr); None: the ascent's "
        "default. A bare `lr` is the pre-training's.",
        low=0.0,
        strict=True,
    )
    relaxation: str = option(
        DISCRETE_RELAXATION,
        "The relaxation used on discrete tasks: a registered one of that name, "
        "else (for 'latent') the package's VAE route (LatentRoMA).",
    )
    vae_options: dict | None = option(
        None, "VAE options of the latent route (see VAEOptions).", kind="a dict"
    )

    SMOKE: ClassVar[dict[str, Any]] = {"epsilon_grid": (1e-2, 1e-3)}

    @classmethod
    def for_run(
        cls, options: dict[str, Any] | None = None, smoke: bool = False
    ) -> RoMAMethodOptions:
        r"""As for :class:`MethodOptions`; smoke runs also get the VAE's budget
        (under the given VAE options), and ``epsilon_grid=None`` means the smoke
        grid there."""
        run = super().for_run(options, smoke)
        if smoke:
            grid = run.epsilon_grid
            run = run.replace(
                epsilon_grid=cls.SMOKE["epsilon_grid"] if grid is None else grid,
                vae_options={**SMOKE_BUDGET[VAEOptions], **(run.vae_options or {})},
            )
        return run

    @property
    def grid(self) -> tuple[float, ...]:
        r"""The offline rule's grid."""
        return EPSILON_GRID if self.epsilon_grid is None else self.epsilon_grid

    @property
    def selects_epsilon(self) -> bool:
        r"""Whether the offline rule chooses ``epsilon`` (on a non-empty grid)."""
        return bool(self.select_epsilon and self.grid)


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


def _resolve_options(
    options: dict[str, Any], smoke: bool
) -> tuple[RoMAMethodOptions, dict[str, Any], dict[str, Any], dict[str, Any]]:
    r"""The method's options, and the pre-training, ascent and latent route's
    checks' option overrides."""
    # The ascent's own epsilon is `adaptation_epsilon` here, so a bare
    # `epsilon` is the pre-training's.
    pre, asc, own = split_options(
        {**SMOKE_OPTIONS, **options} if smoke else options,
        PretrainingOptions,
        AscentOptions,
        extra=(*RoMAMethodOptions.names(), *_LATENT_CHECKS),
        what="RoMA option(s)",
    )
    checks = {k: own.pop(k) for k in _LATENT_CHECKS if k in own}
    run = RoMAMethodOptions.for_run(own, smoke)
    if run.selects_epsilon and "epsilon" in options:
        # The offline rule would silently overwrite it.
        raise RoMAInputError(
            f"epsilon={options['epsilon']} was given, but select_epsilon=True "
            "chooses epsilon by the offline rule; pass select_epsilon=False (CLI: "
            "--no-select-epsilon) to set it, or epsilon_grid to change the rule's "
            "candidates."
        )
    if run.adaptation_epsilon is not None:
        asc["epsilon"] = run.adaptation_epsilon
    if run.ascent_lr is not None:
        asc["lr"] = run.ascent_lr
    return run, pre, asc, checks


#: The smoothing-only ablation's overrides: no robust perturbation, no
#: adaptation, and no offline rule to choose an ``epsilon`` that is not used.
_SMOOTHING_ONLY: dict[str, Any] = {
    "epsilon": 0.0,
    "adaptation": "none",
    "select_epsilon": False,
}


def roma(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""RoMA with the paper's offline ``epsilon`` rule and the core defaults.

    Args:
        task: The offline task.
        n: The number of candidates.
        seed: Seed of the pre-training and the jittered starts.
        smoke: Use a tiny budget (see :data:`SMOKE_OPTIONS` and
            :attr:`RoMAMethodOptions.SMOKE`; explicit options still win).
        **options: :class:`RoMAMethodOptions` (``select_epsilon``,
            ``epsilon_grid``, ``epsilon_scale``, ``adaptation_epsilon``,
            ``ascent_lr``, ``relaxation``, ``vae_options``), pre-training
            options (``epochs``, ``loss``, ``epsilon``, ...), ascent options
            (``steps``, ``alpha``, ``adaptation``, ...) and, on discrete
            tasks, the latent route's checks (``plausibility``,
            ``feasibility``, ``anchored``; see
            :class:`~botorch_roma.options.LatentOptions`).

    Returns:
        ``n x d`` candidates in the task's design space.

    Example:
        >>> from botorch_roma.benchmarks.tasks import make_synthetic_task
        >>> task = make_synthetic_task("levy", dim=3, n_total=60)
        >>> roma(task, n=4, smoke=True).shape
        torch.Size([4, 3])
    """
    run, pre, asc, checks = _resolve_options(options, smoke)
    if task.is_discrete and run.relaxation not in RELAXATIONS:
        if run.relaxation == DISCRETE_RELAXATION:
            return _latent_roma(task, n, seed, run, pre, asc, checks)
        raise UnsupportedError(
            f"RoMA on discrete task {task.name!r} needs the {run.relaxation!r} "
            "relaxation (the VAE latent route of the paper's Section 2.4), which is "
            "not available; register one with "
            "botorch_roma.benchmarks.methods.register_relaxation, or use the "
            "baselines that support discrete tasks."
        )
    view = continuous_view(task, relaxation=run.relaxation, seed=seed, smoke=smoke)
    key = (task.name, tuple(view.X.shape), float(view.Y.sum()))
    epsilon = _choose_epsilon(run, pre, (view.X, view.Y), key, asc)
    with manual_seed(seed):
        model = build_proxy(view.X, view.Y, epsilon=epsilon, **pre).fit(seed=seed)
        bounds = None if view.bounds is None else view.bounds.to(view.X)
        candidates, _ = optimize_roma(
            model,
            bounds=bounds,
            n=n,
            seed=seed,
            duplicate_starts="jitter",
            **asc,
        )
    record_calibration(model)
    return view.decode(candidates.detach())


def record_calibration(model: RoMAProxy) -> None:
    r"""Record how well an ensemble's spread ranks its errors on held-out rows.

    For a :class:`~botorch_roma.models.ensemble.RoMAEnsembleModel`, the
    Spearman correlation between the predicted standard deviation and the
    absolute error of the predicted mean on the rows held out of its fit
    (``model.validation_indices``) is recorded as ``calibration_spearman``
    (with ``calibration_rows``); nothing for a single proxy.
    """
    idx = model.validation_indices
    if not isinstance(model, RoMAEnsembleModel) or idx.numel() < 3:
        return
    with torch.no_grad():
        posterior = model.posterior(model.train_X[idx])
    err = (posterior.mean - model.train_Y[idx]).abs().squeeze(-1)
    std = posterior.variance.sqrt().squeeze(-1)
    rho = spearmanr(std.cpu().numpy(), err.cpu().numpy()).statistic
    record_run_info(calibration_spearman=float(rho), calibration_rows=int(idx.numel()))


def _choose_epsilon(
    run: RoMAMethodOptions,
    model_options: dict[str, Any],
    data: tuple[Tensor, Tensor] | Callable[[], tuple[Tensor, Tensor]],
    key: tuple,
    asc: dict[str, Any],
) -> float:
    r"""The run's pre-training ``epsilon``: given or chosen, scaled and recorded.

    Pops ``epsilon`` from ``model_options``; with the offline rule on, the
    rule picks it for ``data`` (cached under ``key``) by fitting single
    proxies, also for an ensemble (``num_models``), so every RoMA variant
    shares the ``roma`` entry's value. Records the value, its source and the
    adaptation radius with :func:`record_run_info`.
    """
    epsilon = model_options.pop("epsilon", PretrainingOptions.epsilon)
    if run.selects_epsilon:
        rule_options = {k: v for k, v in model_options.items() if k != "num_models"}
        epsilon = offline_epsilon(data, key=key, grid=run.grid, **rule_options)
    epsilon = epsilon * run.epsilon_scale
    record_run_info(
        epsilon=float(epsilon),
        epsilon_source="offline rule" if run.selects_epsilon else "given",
        epsilon_grid=[float(g) for g in run.grid] if run.selects_epsilon else None,
        epsilon_scale=float(run.epsilon_scale),
        adaptation=asc.get("adaptation", AscentOptions.adaptation),
        adaptation_epsilon=float(asc.get("epsilon", epsilon)),
    )
    return epsilon


def _latent_roma(
    task: OfflineTask,
    n: int,
    seed: int,
    run: RoMAMethodOptions,
    pre: dict[str, Any],
    asc: dict[str, Any],
    checks: dict[str, Any],
) -> Tensor:
    r"""RoMA on a discrete task through the package's VAE latent route."""
    vae_options = dict(run.vae_options or {})
    vae_init = {k: v for k, v in vae_options.items() if k in VAEOptions.ARCHITECTURE}
    vae_fit = {k: v for k, v in vae_options.items() if k in VAEOptions.TRAINING}
    Y = task.Y if task.Y.is_floating_point() else task.Y.double()
    seqs = task.X.long()

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

    model_options = {**LATENT_DEFAULTS[PretrainingOptions], **pre}
    key = (task.name, "latent", tuple(seqs.shape), float(Y.sum()))
    key = (*key, tuple(sorted(vae_options.items())))
    epsilon = _choose_epsilon(run, model_options, latent_codes, key, asc)
    roma_latent = LatentRoMA(
        vae_options=vae_options,
        model_options={**model_options, "epsilon": epsilon},
        ascent_options=asc,
        **checks,
    )
    with manual_seed(seed):
        roma_latent.fit(seqs, Y, num_categories=int(task.num_categories), seed=seed)
        candidates, _ = roma_latent.generate(n=n, seed=seed)
    record_calibration(roma_latent.model)  # on held-out latent codes
    record_run_info(
        vae=roma_latent.vae_report(n),
        plausibility=roma_latent.plausibility,
        anchored=roma_latent.anchored,
        failed_checks=roma_latent.last_failed,
        routes=roma_latent.last_generation,
    )
    return candidates.to(task.X)


def _roma_preset(
    preset: str,
    task: OfflineTask,
    n: int,
    seed: int,
    smoke: bool,
    options: dict[str, Any],
) -> Tensor:
    r"""RoMA under a :data:`~botorch_roma.options.PRESETS` entry (explicit
    options, and the smoke budget's ``steps``, win over the preset's)."""
    overrides = {
        **preset_overrides(preset, PretrainingOptions),
        **preset_overrides(preset, AscentOptions),
    }
    if smoke:
        overrides.pop("steps", None)
    return roma(task, n=n, seed=seed, smoke=smoke, **{**overrides, **options})


def roma_ensemble(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""RoMA under the package's default ``"ensemble"`` preset.

    The preset (:data:`~botorch_roma.options.PRESETS`) pre-trains 5 robust
    proxies (ListNet loss) and climbs mean - std for 300 steps without weight
    adaptation, keeping each candidate's best iterate; ``epsilon`` still
    comes from the offline rule (on single proxies).

    Args:
        task: The offline task.
        n: The number of candidates.
        seed: The run's seed.
        smoke: Use a tiny budget (explicit options and the smoke budget's
            ``steps`` win over the preset's).
        **options: As for :func:`roma`; they override the preset.

    Returns:
        ``n x d`` candidates.
    """
    return _roma_preset("ensemble", task, n, seed, smoke, options)


def roma_ensemble_mse(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""RoMA under the ``"ensemble-mse"`` preset: as
    :func:`roma_ensemble_adapt` with the squared-error loss (selection
    candidate (d)).

    Args:
        task: The offline task.
        n: The number of candidates.
        seed: The run's seed.
        smoke: Use a tiny budget.
        **options: As for :func:`roma`; they override the preset.

    Returns:
        ``n x d`` candidates.
    """
    return _roma_preset("ensemble-mse", task, n, seed, smoke, options)


def roma_ensemble_adapt(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""RoMA under the ``"ensemble-adapt"`` preset: :func:`roma_ensemble` with
    RoMA's per-candidate weight adaptation (selection candidate (e)); the
    default with the paper's adaptation added, i.e. "full RoMA" in the
    ablation order.

    Args:
        task: The offline task.
        n: The number of candidates.
        seed: The run's seed.
        smoke: Use a tiny budget.
        **options: As for :func:`roma`; they override the preset.

    Returns:
        ``n x d`` candidates.
    """
    return _roma_preset("ensemble-adapt", task, n, seed, smoke, options)


def roma_ensemble_smoothing_only(
    task: OfflineTask, n: int = 128, seed: int = 0, smoke: bool = False, **options: Any
) -> Tensor:
    r"""Ablation of the default: :func:`roma_ensemble` with Gaussian input
    smoothing only (``epsilon = 0``, the offline rule off; no adaptation, as
    in the default).

    Args:
        task: The offline task.
        n: The number of candidates.
        seed: The run's seed.
        smoke: Use a tiny budget.
        **options: As for :func:`roma_ensemble` (``epsilon`` is 0,
            ``adaptation`` is ``"none"``, ``select_epsilon`` is ``False``).

    Returns:
        ``n x d`` candidates.
    """
    options = {**options, **_SMOOTHING_ONLY}
    return _roma_preset("ensemble", task, n, seed, smoke, options)


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
    options = {**options, **_SMOOTHING_ONLY}
    return roma(task, n=n, seed=seed, smoke=smoke, **options)
