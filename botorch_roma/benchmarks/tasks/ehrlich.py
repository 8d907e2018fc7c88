r"""Discrete sequence-design tasks from closed-form Ehrlich functions.

Ehrlich functions [Stanton2024ehrlich]_ (package ``pytorch-holo``) are
closed-form stand-ins for biological sequence objectives. A sequence of ``L``
tokens from a vocabulary of ``v`` states scores the product, over ``c`` hidden
spaced motifs of length ``k``, of the (quantized) fraction of each motif that is
present; the optimum is 1.0. A banded transition matrix makes some sequences
*infeasible* (they contain a forbidden transition): the raw function returns
``-inf`` for them. Here the oracle returns ``infeasible_score`` instead (0.0 by
default, the lowest score a feasible sequence can have), so every score is
finite and an infeasible design counts as the worst possible one.

Two shapes mirror the paper's discrete benchmarks [Yu2021roma]_:

- **TFBind8-shaped** (:data:`TFBIND8_CONFIG`: ``v = 4``, ``L = 8``, 2 motifs of
  length 4). All ``4^8`` sequences are enumerated; the dataset is every
  *feasible* one (8,748 of 65,536 for the default instance), so ``y_min`` and
  ``y_max`` are exact (0 and 1). The bottom 50% is visible, as in Design-Bench.
- **GFP-shaped** (:data:`GFP_CONFIG`: ``v = 20``, ``L = 128``, 4 motifs of length
  8). Uniform sequences are almost never feasible and sequences sampled from the
  feasible Markov process score low, so the dataset is recorded along a seeded
  genetic algorithm run (tournament selection, uniform crossover, point
  mutations, infeasible children discarded) started from Markov-process
  samples: its 10,000 distinct sequences span low to high scores, like a
  dataset collected during an optimization campaign. ``y_min``/``y_max`` are
  over the whole generated dataset; the bottom 50% is visible. The generated
  dataset is cached on disk.

References:

.. [Stanton2024ehrlich]
    S. Stanton, R. Alberstein, N. Frey, et al. Closed-Form Test Functions for
    Biophysical Sequence Design. arXiv:2407.00236, 2024.
.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from botorch_roma.benchmarks.tasks.cache import load_or_build
from botorch_roma.datasets import OfflineTask, split_visible
from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "GFP_CONFIG",
    "TFBIND8_CONFIG",
    "EhrlichConfig",
    "EhrlichOracle",
    "make_ehrlich_task",
]

#: Bump when the dataset generation changes, so stale caches are not reused.
_GENERATOR_VERSION = 1

#: Genetic algorithm settings used to generate datasets (part of the cache key).
_GA_SETTINGS = {"population": 128, "mutations_per_child": 1.0}

#: Enumerate the full design space only up to this many sequences.
_MAX_ENUMERATION = 2**22


@dataclass(frozen=True)
class EhrlichConfig:
    r"""An Ehrlich function instance.

    Attributes:
        num_states: The vocabulary size ``v``.
        length: The sequence length ``L``.
        num_motifs: The number of hidden motifs ``c``.
        motif_length: The motif length ``k``.
        quantization: The motif-presence quantization (``None``: ``k`` levels).
        epistasis_factor: Holo's epistasis factor (0: additive within a motif).
        function_seed: Seed of the instance (transition matrix, motifs,
            spacings).
    """

    num_states: int = 4
    length: int = 8
    num_motifs: int = 2
    motif_length: int = 4
    quantization: int | None = None
    epistasis_factor: float = 0.0
    function_seed: int = 0

    def build(self):
        r"""Instantiate the ``holo`` Ehrlich function."""
        try:
            from holo.test_functions.closed_form import Ehrlich
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RoMAInputError(
                "Ehrlich tasks need the pytorch-holo package: pip install "
                "pytorch-holo (or botorch-roma[benchmarks])."
            ) from error
        try:
            return Ehrlich(
                num_states=self.num_states,
                dim=self.length,
                num_motifs=self.num_motifs,
                motif_length=self.motif_length,
                quantization=self.quantization,
                epistasis_factor=self.epistasis_factor,
                random_seed=self.function_seed,
            )
        except (ValueError, RuntimeError) as error:
            raise RoMAInputError(
                f"Invalid Ehrlich configuration {self}: {error}. Use a length of "
                "at least num_motifs * motif_length and num_states >= 3."
            ) from error


#: The TFBind8-shaped instance: vocabulary 4, length 8.
TFBIND8_CONFIG = EhrlichConfig(num_states=4, length=8, num_motifs=2, motif_length=4)

#: The GFP-shaped instance: vocabulary 20, length 128.
GFP_CONFIG = EhrlichConfig(num_states=20, length=128, num_motifs=4, motif_length=8)

#: The small GFP-shaped instance used for tests and ``--smoke`` runs.
GFP_SMOKE_CONFIG = EhrlichConfig(num_states=20, length=32, num_motifs=2, motif_length=4)


class EhrlichOracle:
    r"""The true oracle of an Ehrlich task, with finite scores.

    Picklable: it rebuilds the (deterministic) holo function lazily in each
    process.
    """

    def __init__(self, config: EhrlichConfig, infeasible_score: float = 0.0) -> None:
        r"""Create the oracle.

        Args:
            config: The Ehrlich instance.
            infeasible_score: The score given to infeasible sequences.
        """
        self.config = config
        self.infeasible_score = float(infeasible_score)
        self._function = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_function": None}

    @property
    def function(self):
        r"""The underlying holo ``Ehrlich`` function."""
        if self._function is None:
            self._function = self.config.build()
        return self._function

    def raw(self, X: Tensor) -> Tensor:
        r"""Holo's scores: in ``[0, 1]``, ``-inf`` for infeasible sequences.

        Args:
            X: ``b x L`` category ids (CPU ``torch.long``).

        Returns:
            A ``b`` tensor of scores.
        """
        return self.function._evaluate_true(X)

    def __call__(self, X: Tensor) -> Tensor:
        r"""Score sequences.

        Args:
            X: ``b x L`` category ids in ``[0, num_states)``: ``torch.long`` or
                integral floating point values.

        Returns:
            A ``b x 1`` ``float64`` tensor on ``X``'s device (floating point
            ``X`` keeps its dtype); infeasible sequences get
            ``infeasible_score``.
        """
        config = self.config
        if X.ndim != 2 or X.shape[-1] != config.length:
            raise RoMAInputError(
                f"Ehrlich designs must be a b x {config.length} tensor of category "
                f"ids, got shape {tuple(X.shape)}. For one-hot or logit designs "
                "(b x L x v) pass X.argmax(dim=-1)."
            )
        ids = X.detach().cpu()
        if ids.is_floating_point():
            if not torch.equal(ids, ids.round()):
                raise RoMAInputError(
                    "Ehrlich designs must hold integer category ids; round or "
                    "argmax continuous relaxations before evaluating."
                )
        ids = ids.long()
        if ids.numel() and (ids.min() < 0 or ids.max() >= config.num_states):
            raise RoMAInputError(
                f"Category ids must lie in [0, {config.num_states}), got values in "
                f"[{ids.min().item()}, {ids.max().item()}]."
            )
        scores = self.raw(ids).to(torch.double)
        scores = torch.where(
            torch.isfinite(scores),
            scores,
            torch.full_like(scores, self.infeasible_score),
        )
        dtype = X.dtype if X.is_floating_point() else torch.double
        return scores.to(device=X.device, dtype=dtype).unsqueeze(-1)


def _enumerate_feasible(oracle: EhrlichOracle) -> tuple[Tensor, Tensor, int]:
    r"""All feasible sequences and their scores (and the size of the space)."""
    config = oracle.config
    n_space = config.num_states**config.length
    if n_space > _MAX_ENUMERATION:
        raise RoMAInputError(
            f"Cannot enumerate {config.num_states}^{config.length} = {n_space} "
            f"sequences (limit {_MAX_ENUMERATION}); pass n_total to generate a "
            "dataset instead."
        )
    # Row i spells i in base num_states, most significant position first.
    index = torch.arange(n_space)
    powers = config.num_states ** torch.arange(config.length - 1, -1, -1)
    X = (index.unsqueeze(-1) // powers) % config.num_states
    scores = torch.cat([oracle.raw(chunk) for chunk in X.split(2**16)])
    feasible = torch.isfinite(scores)
    return X[feasible], scores[feasible].to(torch.double), n_space


def _dedupe(X: Tensor, seen: set[bytes]) -> Tensor:
    r"""Indices of the rows of ``X`` not yet in ``seen``; adds them to ``seen``."""
    keep = []
    for i, row in enumerate(X.numpy()):
        key = row.tobytes()
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return torch.tensor(keep, dtype=torch.long)


def _tournament(scores: Tensor, n: int, gen: torch.Generator) -> Tensor:
    r"""Indices of ``n`` binary-tournament winners (higher score wins)."""
    pairs = torch.randint(len(scores), (n, 2), generator=gen)
    first_wins = scores[pairs[:, 0]] >= scores[pairs[:, 1]]
    return torch.where(first_wins, pairs[:, 0], pairs[:, 1])


def _evolve_dataset(
    oracle: EhrlichOracle,
    n_total: int,
    seed: int,
    population: int = 128,
    mutations_per_child: float = 1.0,
) -> dict:
    r"""Record ``n_total`` distinct feasible sequences along a seeded GA run."""
    function = oracle.function
    config = oracle.config
    from holo.test_functions.elemental import sample_dmp

    gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    n_init = max(population, min(2000, n_total // 5))
    init = sample_dmp(
        initial_dist=function.stationary_dist.squeeze(-1),
        transition_matrix=function.transition_matrix,
        num_steps=config.length,
        num_samples=n_init,
        generator=gen,
    )
    init_y = oracle.raw(init)
    ok = torch.isfinite(init_y)
    init, init_y = init[ok], init_y[ok]
    seen: set[bytes] = set()
    keep = _dedupe(init, seen)
    xs, ys = [init[keep]], [init_y[keep]]
    gens = [torch.zeros(len(keep), dtype=torch.long)]
    n_recorded = len(keep)
    order = init_y.argsort(descending=True, stable=True)[:population]
    pop_x, pop_y = init[order], init_y[order]
    generation, max_generations = 0, 50 * math.ceil(n_total / population) + 100
    L, v = config.length, config.num_states
    while n_recorded < n_total:
        generation += 1
        if generation > max_generations:
            raise RoMAInputError(
                f"Could not collect {n_total} distinct feasible sequences for "
                f"{config} after {max_generations} generations; ask for fewer."
            )
        mothers = pop_x[_tournament(pop_y, population, gen)]
        fathers = pop_x[_tournament(pop_y, population, gen)]
        cross = torch.rand(population, L, generator=gen) < 0.5
        children = torch.where(cross, mothers, fathers)
        mutate = torch.rand(population, L, generator=gen) < mutations_per_child / L
        children = torch.where(
            mutate, torch.randint(v, (population, L), generator=gen), children
        )
        child_y = oracle.raw(children)
        ok = torch.isfinite(child_y)
        children, child_y = children[ok], child_y[ok]
        keep = _dedupe(children, seen)
        if len(keep):
            xs.append(children[keep])
            ys.append(child_y[keep])
            gens.append(torch.full((len(keep),), generation, dtype=torch.long))
            n_recorded += len(keep)
        # Elitist replacement: the best of parents and children survive.
        all_x, all_y = torch.cat([pop_x, children]), torch.cat([pop_y, child_y])
        order = all_y.argsort(descending=True, stable=True)[:population]
        pop_x, pop_y = all_x[order], all_y[order]
    return {
        "X": torch.cat(xs)[:n_total],
        "Y": torch.cat(ys)[:n_total].to(torch.double).unsqueeze(-1),
        "generation": torch.cat(gens)[:n_total],
        "generation_seconds": time.perf_counter() - start,
    }


def make_ehrlich_task(
    config: EhrlichConfig = TFBIND8_CONFIG,
    n_total: int | None = None,
    visible_fraction: float = 0.5,
    seed: int = 0,
    infeasible_score: float = 0.0,
    cache: bool = True,
    name: str | None = None,
) -> OfflineTask:
    r"""Build an offline task from an Ehrlich function.

    Args:
        config: The Ehrlich instance.
        n_total: ``None`` enumerates every sequence and keeps the feasible ones
            (only for small spaces, ``v^L <= 2^22``); an integer records that
            many distinct feasible sequences along a seeded genetic algorithm
            run (cached on disk).
        visible_fraction: The bottom fraction of the dataset, by score, that is
            visible (ties at the cut are broken at random, with ``seed``).
        seed: Seed of the dataset generation and of the tie-breaking.
        infeasible_score: The oracle's score for infeasible sequences.
        cache: Read and write the on-disk cache (generated datasets only).
        name: The task's name; defaults to ``"ehrlich-{v}-{L}"``.

    Returns:
        A discrete :class:`OfflineTask`: ``X`` is ``n x L`` ``torch.long``, ``Y``
        is ``n x 1`` ``float64``, ``num_categories = v`` and ``bounds = None``.

    Example:
        >>> task = make_ehrlich_task(TFBIND8_CONFIG)
        >>> task.X.shape, task.num_categories, (task.y_min, task.y_max)
        (torch.Size([4374, 8]), 4, (0.0, 1.0))
    """
    if not 0.0 < visible_fraction <= 1.0:  # before a costly generation
        raise RoMAInputError(
            f"visible_fraction must be in (0, 1], got {visible_fraction}."
        )
    oracle = EhrlichOracle(config, infeasible_score=infeasible_score)
    X_full, Y_full, how = _full_dataset(oracle, n_total, seed, cache)
    metadata = {
        "config": asdict(config),
        "infeasible_score": infeasible_score,
        **how,
    }
    generator = torch.Generator().manual_seed(seed)
    visible = split_visible(Y_full, visible_fraction, generator=generator)
    function = oracle.function
    metadata.update(
        n_total=X_full.shape[0],
        visible_fraction=visible_fraction,
        seed=seed,
        optimal_value=1.0,
        motifs=[m.tolist() for m in function.motifs],
        spacings=[s.tolist() for s in function.spacings],
    )
    return OfflineTask(
        name=name or f"ehrlich-{config.num_states}-{config.length}",
        X=X_full[visible],
        Y=Y_full[visible],
        oracle=oracle,
        y_min=Y_full.min().item(),
        y_max=Y_full.max().item(),
        bounds=None,
        num_categories=config.num_states,
        metadata=metadata,
    )


def _full_dataset(
    oracle: EhrlichOracle, n_total: int | None, seed: int, cache: bool
) -> tuple[Tensor, Tensor, dict]:
    r"""The full dataset: ``N x L`` ids, ``N x 1`` scores, and how it was made.

    ``n_total=None`` enumerates the feasible sequences; an integer records
    that many along a seeded genetic algorithm run (cached on disk).
    """
    config = oracle.config
    if n_total is None:
        X_full, Y_full, n_space = _enumerate_feasible(oracle)
        how = {"dataset": "all feasible sequences", "n_space": n_space}
        return X_full, Y_full.unsqueeze(-1), how
    if n_total < 2:
        raise RoMAInputError(f"n_total must be >= 2, got {n_total}.")
    key = {
        **asdict(config),
        "n_total": n_total,
        "seed": seed,
        "generator_version": _GENERATOR_VERSION,
        **_GA_SETTINGS,
    }
    data = load_or_build(
        "ehrlich",
        key,
        lambda: _evolve_dataset(oracle, n_total, seed, **_GA_SETTINGS),
        cache,
    )
    how = {
        "dataset": "genetic algorithm run from Markov-process samples",
        "generation_seconds": float(data["generation_seconds"]),
        "cache_path": data["cache_path"],
    }
    return data["X"].long(), data["Y"].to(torch.double), how
