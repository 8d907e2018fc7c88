r"""A HopperController-shaped offline task with a true, simulated oracle.

Design-Bench's HopperController task [Trabucco2022designbench]_ asks for the
weights of a fixed policy network that make the MuJoCo Hopper robot earn a high
return; its dataset came from perturbing policies along a training run. This
module rebuilds that task on software that runs anywhere: gymnasium's
``Hopper-v5`` with the ``mujoco`` package.

- **Design.** ``x`` is the flat weight vector of a fixed MLP policy, by default
  ``11 -> 64 -> 64 -> 3`` with tanh hidden units and a linear output clipped to
  the action box ``[-1, 1]`` (5,123 weights). The layout follows
  Design-Bench's: ``W1 (11 x 64), b1, W2 (64 x 64), b2, W3 (64 x 3), b3``, each
  row-major, with ``action = clip(tanh(tanh(obs @ W1 + b1) @ W2 + b2) @ W3 + b3)``.
  (Design-Bench's vector also carries 3 unused log-std entries; this one does
  not.)
- **Oracle.** The return of ONE episode of at most ``horizon`` steps (1000 by
  default, ``Hopper-v5``'s own limit; an episode ends early when the robot
  falls), with the environment reset with the fixed seed ``env_seed``, so the
  oracle is deterministic. The reward is ``Hopper-v5``'s default one.
- **Dataset.** A seeded evolution strategy (antithetic Gaussian perturbations,
  centred-rank fitness shaping, Adam; [Salimans2017es]_) trains the policy from
  a random initialisation, and every perturbed policy it evaluates becomes a
  row, so the returns span the whole training run: from policies that fall at
  once to policies that balance for the full episode. The weights are rounded
  to ``float32`` before their rollout, so the stored ``X`` reproduces ``Y``
  exactly. The dataset is cached on disk (see
  :mod:`botorch_roma.benchmarks.tasks.cache`). With the default configuration
  the returns range from about 6 (falls at once) to about 1,150, and the upper
  half sits on the "balance in place" plateau near 1,000-1,070. The returns
  are learnable from the weights, but not easily: a ridge regression on
  standardized weights reaches a held-out R^2 of about 0.5, while a plain
  64x64 MLP overfits the 5,123 inputs (R^2 about 0.1).

References:

.. [Trabucco2022designbench]
    B. Trabucco, X. Geng, A. Kumar, S. Levine. Design-Bench: Benchmarks for
    Data-Driven Offline Model-Based Optimization. ICML 2022.
.. [Salimans2017es]
    T. Salimans, J. Ho, X. Chen, S. Sidor, I. Sutskever. Evolution Strategies as
    a Scalable Alternative to Reinforcement Learning. arXiv:1703.03864, 2017.
.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import Tensor

from botorch_roma.benchmarks.tasks.cache import load_or_build
from botorch_roma.datasets import OfflineTask, split_visible
from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "HOPPER_ACTION_DIM",
    "HOPPER_OBS_DIM",
    "HopperConfig",
    "HopperOracle",
    "hopper_policy_dim",
    "make_hopper_task",
]

logger = logging.getLogger(__name__)

#: Observation and action sizes of gymnasium's ``Hopper-v5``.
HOPPER_OBS_DIM = 11
HOPPER_ACTION_DIM = 3

#: Bump when the generation procedure changes, so stale caches are not reused.
_GENERATOR_VERSION = 1


@dataclass(frozen=True)
class HopperConfig:
    r"""How the Hopper task's policy, oracle and dataset are defined.

    Attributes:
        hidden_sizes: Hidden layer widths of the policy MLP.
        horizon: The maximum episode length of the oracle's rollout.
        env_seed: The seed passed to ``env.reset`` before every rollout.
        n_iterations: Evolution-strategy iterations used to generate the data.
        population: Perturbed policies evaluated per iteration (even: they come
            in antithetic pairs). The dataset has
            ``n_iterations * population`` rows.
        sigma: Standard deviation of the weight perturbations.
        learning_rate: Adam step size of the evolution strategy.
        init_scale_output: Scale of the output layer's initial weights (small,
            so the initial policy acts gently).
        seed: Seed of the evolution strategy (initial policy and perturbations).
    """

    hidden_sizes: tuple[int, ...] = (64, 64)
    horizon: int = 1000
    env_seed: int = 0
    n_iterations: int = 100
    population: int = 32
    sigma: float = 0.05
    learning_rate: float = 0.02
    init_scale_output: float = 0.1
    seed: int = 0

    def validate(self) -> None:
        r"""Raise ``RoMAInputError`` if a setting is out of range."""
        if len(self.hidden_sizes) == 0 or min(self.hidden_sizes) < 1:
            raise RoMAInputError(
                f"hidden_sizes must be a non-empty tuple of positive widths, got "
                f"{self.hidden_sizes}."
            )
        if self.horizon < 1 or self.n_iterations < 1:
            raise RoMAInputError(
                f"horizon and n_iterations must be >= 1, got {self.horizon} and "
                f"{self.n_iterations}."
            )
        if self.population < 2 or self.population % 2:
            raise RoMAInputError(
                f"population must be an even number >= 2 (antithetic pairs), got "
                f"{self.population}."
            )
        if not (self.sigma > 0 and self.learning_rate > 0):
            raise RoMAInputError(
                f"sigma and learning_rate must be positive, got {self.sigma} and "
                f"{self.learning_rate}."
            )


#: A tiny configuration for tests and ``--smoke`` runs: 80 rollouts of at most
#: 100 steps (about a second or two).
SMOKE_CONFIG = HopperConfig(horizon=100, n_iterations=10, population=8)


def _layer_shapes(hidden_sizes: tuple[int, ...]) -> list[tuple[int, ...]]:
    sizes = [HOPPER_OBS_DIM, *hidden_sizes, HOPPER_ACTION_DIM]
    shapes: list[tuple[int, ...]] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return shapes


def hopper_policy_dim(hidden_sizes: tuple[int, ...] = (64, 64)) -> int:
    r"""The number of policy weights, i.e. the design dimension ``d``.

    Args:
        hidden_sizes: Hidden layer widths of the policy MLP.

    Returns:
        The length of the flat weight vector.

    Example:
        >>> hopper_policy_dim((64, 64))
        5123
    """
    return sum(math.prod(shape) for shape in _layer_shapes(tuple(hidden_sizes)))


def _unpack(weights: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    out, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        out.append(weights[start : start + size].reshape(shape))
        start += size
    return out


def _make_env(horizon: int):
    try:
        import gymnasium as gym
    except ImportError as error:  # pragma: no cover - depends on the install
        raise RoMAInputError(
            "The Hopper task needs gymnasium and mujoco: pip install "
            "'gymnasium[mujoco]>=1.0' (or botorch-roma[benchmarks])."
        ) from error
    try:
        return gym.make(
            "Hopper-v5", max_episode_steps=horizon, disable_env_checker=True
        )
    except Exception as error:  # pragma: no cover - depends on the install
        raise RoMAInputError(
            f"Could not create gymnasium's Hopper-v5 ({type(error).__name__}: "
            f"{error}). Install its dependencies: pip install "
            "'gymnasium[mujoco]>=1.0' (this includes mujoco and imageio)."
        ) from error


def _rollout(env, weights: np.ndarray, config: HopperConfig) -> tuple[float, int]:
    r"""Return and length of one deterministic episode of the policy ``weights``."""
    layers = _unpack(weights, _layer_shapes(config.hidden_sizes))
    obs, _ = env.reset(seed=config.env_seed)
    total, steps = 0.0, 0
    while steps < config.horizon:
        steps += 1
        h = obs
        for i in range(0, len(layers) - 2, 2):
            h = np.tanh(h @ layers[i] + layers[i + 1])
        action = np.clip(h @ layers[-2] + layers[-1], -1.0, 1.0)
        obs, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        if terminated or truncated:
            break
    return total, steps


def _rollout_batch(
    weights: np.ndarray, config_dict: dict
) -> tuple[np.ndarray, np.ndarray]:
    r"""Roll out each row of ``weights`` (``b x d``); module-level for pickling."""
    config = HopperConfig(**config_dict)
    config = replace(config, hidden_sizes=tuple(config.hidden_sizes))
    env = _make_env(config.horizon)
    try:
        results = [_rollout(env, row, config) for row in weights]
    finally:
        env.close()
    returns = np.array([r for r, _ in results], dtype=np.float64)
    lengths = np.array([n for _, n in results], dtype=np.int64)
    return returns, lengths


def _evaluate_policies(
    weights: np.ndarray,
    config: HopperConfig,
    n_jobs: int = 1,
    pool: ProcessPoolExecutor | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Returns and episode lengths of ``b x d`` policies (optionally in parallel)."""
    config_dict = asdict(config)
    if n_jobs <= 1 or len(weights) < 2:
        return _rollout_batch(weights, config_dict)
    chunks = np.array_split(weights, min(n_jobs, len(weights)))
    with ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=n_jobs))
        parts = list(pool.map(_rollout_batch, chunks, [config_dict] * len(chunks)))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


class HopperOracle:
    r"""The true oracle of the Hopper task: the simulated return of a policy.

    Picklable (it holds only its configuration), so it can be shipped to worker
    processes.
    """

    def __init__(self, config: HopperConfig, n_jobs: int = 1) -> None:
        r"""Create the oracle.

        Args:
            config: The task configuration (policy shape, horizon, env seed).
            n_jobs: Worker processes used to roll out a batch (1: in-process).
        """
        self.config = config
        self.n_jobs = n_jobs
        self.dim = hopper_policy_dim(config.hidden_sizes)

    def __call__(self, X: Tensor) -> Tensor:
        r"""Roll out each policy once.

        Args:
            X: ``b x d`` flat policy weights.

        Returns:
            A ``b x 1`` tensor of returns, on ``X``'s device and dtype.
        """
        if X.ndim != 2 or X.shape[-1] != self.dim:
            raise RoMAInputError(
                f"Hopper designs must be a b x {self.dim} tensor of policy "
                f"weights, got shape {tuple(X.shape)}."
            )
        weights = X.detach().to(device="cpu", dtype=torch.double).numpy()
        if not np.isfinite(weights).all():
            raise RoMAInputError(
                "Hopper designs contain NaN or infinite weights; only finite "
                "policies can be simulated. Check the method that produced them."
            )
        returns, _ = _evaluate_policies(weights, self.config, self.n_jobs)
        out_dtype = X.dtype if X.is_floating_point() else torch.double
        return torch.as_tensor(returns, dtype=out_dtype, device=X.device).unsqueeze(-1)


def _generate_dataset(config: HopperConfig, n_jobs: int = 1) -> dict:
    r"""Run the seeded evolution strategy and record every perturbed policy."""
    rng = np.random.default_rng(config.seed)
    shapes = _layer_shapes(config.hidden_sizes)
    parts = []
    for index, shape in enumerate(shapes):
        if len(shape) == 1:
            parts.append(np.zeros(shape))
            continue
        scale = 1.0 / math.sqrt(shape[0])
        if index == len(shapes) - 2:
            scale *= config.init_scale_output
        parts.append(rng.normal(0.0, scale, shape))
    theta = np.concatenate([p.ravel() for p in parts])
    dim = theta.size
    half = config.population // 2
    adam_m, adam_v = np.zeros(dim), np.zeros(dim)
    beta1, beta2 = 0.9, 0.999
    xs, ys, lengths, iterations = [], [], [], []
    start = time.perf_counter()
    with ExitStack() as stack:
        pool = None
        if n_jobs > 1:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=n_jobs))
        for it in range(config.n_iterations):
            eps = rng.standard_normal((half, dim))
            candidates = np.concatenate(
                [theta + config.sigma * eps, theta - config.sigma * eps]
            )
            # Round to float32 first so the stored designs reproduce their returns.
            candidates = candidates.astype(np.float32).astype(np.float64)
            returns, steps = _evaluate_policies(candidates, config, n_jobs, pool)
            xs.append(candidates.astype(np.float32))
            ys.append(returns)
            lengths.append(steps)
            iterations.append(np.full(len(returns), it, dtype=np.int64))
            # Centred ranks in [-0.5, 0.5]: invariant to the scale of the returns.
            ranks = np.empty(len(returns))
            ranks[np.argsort(returns, kind="stable")] = np.arange(len(returns))
            ranks = ranks / (len(returns) - 1) - 0.5
            grad = (ranks[:half] - ranks[half:]) @ eps
            grad = grad / (config.population * config.sigma)
            adam_m = beta1 * adam_m + (1 - beta1) * grad
            adam_v = beta2 * adam_v + (1 - beta2) * grad**2
            m_hat = adam_m / (1 - beta1 ** (it + 1))
            v_hat = adam_v / (1 - beta2 ** (it + 1))
            theta = theta + config.learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)
            logger.debug(
                "Hopper ES iteration %d: mean return %.1f, max %.1f",
                it,
                returns.mean(),
                returns.max(),
            )
    seconds = time.perf_counter() - start
    steps_all = np.concatenate(lengths)
    return {
        "X": torch.from_numpy(np.concatenate(xs)),
        "Y": torch.from_numpy(np.concatenate(ys)).unsqueeze(-1),
        "iteration": torch.from_numpy(np.concatenate(iterations)),
        "episode_length": torch.from_numpy(steps_all),
        "generation_seconds": seconds,
        "env_steps": int(steps_all.sum()),
    }


def make_hopper_task(
    config: HopperConfig | None = None,
    visible_fraction: float = 1.0,
    smoke: bool = False,
    cache: bool = True,
    n_jobs: int = 1,
    name: str | None = None,
) -> OfflineTask:
    r"""Build the HopperController-shaped task (generating its data if needed).

    The first call with a given configuration runs the evolution strategy
    (``n_iterations * population`` rollouts; about 3,200 rollouts and a few
    minutes on two CPU cores for the default) and caches the result; later
    calls load it from disk. As in Design-Bench, the whole dataset is visible by
    default (``visible_fraction=1.0``), so ``y_max`` is the best return in the
    data. The ``bounds`` are the visible data's per-weight range widened by 10%
    on each side: a convenience box for methods that need one, derived from
    the visible data only.

    Args:
        config: The task configuration; ``HopperConfig()`` by default.
        visible_fraction: The bottom fraction of the dataset, by return, that is
            visible (the rest only counts for ``y_min``/``y_max``).
        smoke: Use a tiny configuration (80 rollouts of at most 100 steps) for
            tests and smoke runs; ignored when ``config`` is given.
        cache: Read and write the on-disk cache (``$BOTORCH_ROMA_CACHE``).
        n_jobs: Worker processes for the rollouts, for generation and for the
            returned task's oracle. The results do not depend on it.
        name: The task's name; ``"hopper"`` by default.

    Returns:
        An :class:`OfflineTask` with ``float64`` data: ``X`` is ``n x 5123``
        (default policy) and ``Y`` is ``n x 1``.

    Example:
        >>> task = make_hopper_task(smoke=True)
        >>> task.X.shape
        torch.Size([80, 5123])
        >>> y = task.evaluate(task.X[:2])  # two short rollouts
    """
    if config is None:
        config = SMOKE_CONFIG if smoke else HopperConfig()
    config = replace(config, hidden_sizes=tuple(config.hidden_sizes))
    config.validate()
    if not 0.0 < visible_fraction <= 1.0:  # before a costly generation
        raise RoMAInputError(
            f"visible_fraction must be in (0, 1], got {visible_fraction}."
        )
    data = _load_dataset(config, n_jobs, cache)
    X_full = data["X"].to(torch.double)
    Y_full = data["Y"].to(torch.double)
    visible = split_visible(Y_full, visible_fraction)
    X, Y = X_full[visible], Y_full[visible]
    return OfflineTask(
        name=name or "hopper",
        X=X,
        Y=Y,
        oracle=HopperOracle(config, n_jobs=n_jobs),
        y_min=Y_full.min().item(),
        y_max=Y_full.max().item(),
        bounds=_widened_box(X),
        metadata={
            "env": "Hopper-v5",
            "policy": (
                f"{HOPPER_OBS_DIM} -> {' -> '.join(map(str, config.hidden_sizes))}"
                f" -> {HOPPER_ACTION_DIM}, tanh hidden, linear output clipped to "
                "[-1, 1]"
            ),
            "config": asdict(config),
            "n_total": X_full.shape[0],
            "visible_fraction": visible_fraction,
            "iteration": data["iteration"][visible],
            "generation_seconds": float(data["generation_seconds"]),
            "env_steps": int(data["env_steps"]),
            "cache_path": data["cache_path"],
            "bounds_rule": "visible per-weight range widened by 10% on each side",
        },
    )


def _load_dataset(config: HopperConfig, n_jobs: int, cache: bool) -> dict:
    r"""The cached dataset of ``config``, generated on a cache miss."""
    key = {**asdict(config), "generator_version": _GENERATOR_VERSION}
    key["hidden_sizes"] = list(config.hidden_sizes)
    return load_or_build(
        "hopper", key, lambda: _generate_dataset(config, n_jobs), cache=cache
    )


def _widened_box(X: Tensor, margin: float = 0.1) -> Tensor:
    r"""The ``2 x d`` per-column range of ``X`` widened by ``margin`` on each side."""
    low, high = X.min(dim=0).values, X.max(dim=0).values
    pad = margin * (high - low).clamp_min(1e-6)
    return torch.stack([low - pad, high + pad])
