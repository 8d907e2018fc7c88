r"""A batch of ``n`` new, distinct, feasible RoMA designs.

:func:`optimize_roma` returns one ascent end point per starting design. A
design campaign (and Ax, which merges identical arms) needs more: ``n``
designs that are all feasible, differ from each other, and are neither in the
data nor already awaiting evaluation. :func:`generate_distinct_candidates`
provides that guarantee [Yu2021roma]_:

1. **Starts.** The ascent starts from the top ``n + p`` distinct designs,
   where ``p`` is the number of pending designs. In the default
   ``"per_candidate"`` adaptation mode every candidate is independent of the
   others, so candidates that reproduce a pending design are skipped, and
   ``n`` single-design calls in a row give the same designs as one ``n``-design
   call.
2. **Feasibility.** End points are repaired (clamped, projected onto the
   linear constraints, rounded), falling back to their latest feasible ascent
   iterate (:mod:`botorch_roma.generation.feasibility`).
3. **Distinctness.** Points equal to a training design, a pending design, or
   an earlier candidate are dropped and replaced by ascents from the
   next-best designs, then by small random perturbations of the candidates.
   If even that cannot produce ``n`` new designs (a tiny discrete space), a
   :class:`~botorch_roma.exceptions.RoMAInputError` says so.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import torch
from torch import Tensor

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.feasibility import FeasibilityRepair, select_distinct
from botorch_roma.generation.gen import ascend_and_repair, select_starting_designs
from botorch_roma.models.roma import RoMAModel
from botorch_roma.options import AscentOptions, RunOptions

__all__ = ["generate_distinct_candidates"]

# Rounds of extra ascents from the next-best designs, then of jitter (scales
# relative to the bounds' widths) when candidates are lost.
_MAX_EXTRA_ROUNDS = 3
_JITTER_SCALES = (1e-3, 1e-2, 3e-2, 0.1, 0.3)


def generate_distinct_candidates(
    model: RoMAModel,
    n: int,
    bounds: Tensor,
    repair: FeasibilityRepair,
    options: AscentOptions,
    run: RunOptions,
    fixed_features: dict[int, float] | None = None,
    pending: Tensor | None = None,
) -> Tensor:
    r"""``n`` feasible designs, distinct from each other, the data and ``pending``.

    Args:
        model: A fitted RoMA model; its training data are the starts.
        n: The number of designs.
        bounds: ``2 x d`` bounds.
        repair: The repair step (constraints, rounding, fixed features).
        options: The ascent options.
        run: The run options (``seed`` of the jittered starts and fills,
            ``progress``, ``timeout_sec``).
        fixed_features: ``{column: value}`` pairs held fixed.
        pending: ``p x d`` designs awaiting evaluation, never returned.

    Returns:
        An ``n x d`` tensor of designs.

    Raises:
        RoMAInputError: If fewer than ``n`` new distinct designs can be found.
    """
    train_X, train_Y = model.train_X, model.train_Y
    seen = train_X if pending is None else torch.cat([train_X, pending.to(train_X)])
    n_pending = 0 if pending is None else pending.shape[0]
    # All distinct designs, best first; the first n + p are the starts.
    ranked = select_starting_designs(
        train_X, train_Y, torch.unique(train_X, dim=0).shape[0]
    )
    n_starts = n + n_pending
    generator = None
    if run.seed is not None:
        generator = torch.Generator(device=train_X.device).manual_seed(run.seed)
    starts = select_starting_designs(
        train_X,
        train_Y,
        n_starts,
        duplicate_starts="jitter" if n_starts > ranked.shape[0] else "error",
        bounds=bounds,
        generator=generator,
    )

    def ascend(X0: Tensor) -> Tensor:
        args = (model, bounds, repair, options, run, fixed_features)
        return ascend_and_repair(X0, *args)[0]

    pool = [ascend(starts)]
    candidates = select_distinct(pool, seen, n)
    used = starts.shape[0]
    for _ in range(_MAX_EXTRA_ROUNDS):
        # Candidates lost to infeasibility or duplication: start more ascents
        # from the next-best designs.
        if candidates.shape[0] >= n or used >= ranked.shape[0]:
            break
        more = ranked[used : used + 2 * (n - candidates.shape[0])]
        used += more.shape[0]
        pool.append(ascend(more))
        candidates = select_distinct(pool, seen, n)
    candidates = _fill_by_jitter(pool, candidates, seen, n, bounds, repair, run.seed)
    if candidates.shape[0] < n:
        raise RoMAInputError(
            f"Could only find {candidates.shape[0]} distinct new designs (not in "
            f"the data or pending) for n={n}; the search space is too small or "
            "too constrained, lower n."
        )
    return candidates


def _fill_by_jitter(
    pool: list[Tensor],
    candidates: Tensor,
    seen: Tensor,
    n: int,
    bounds: Tensor,
    repair: FeasibilityRepair,
    seed: int | None,
) -> Tensor:
    r"""Top up ``candidates`` with repaired random perturbations of the pool."""
    with torch.no_grad():
        generator = torch.Generator().manual_seed(0 if seed is None else seed)
        for scale in _JITTER_SCALES:
            if candidates.shape[0] >= n:
                break
            base = torch.cat([p[torch.isfinite(p).all(-1)] for p in pool])
            noise = torch.randn(base.shape, generator=generator).to(base)
            jittered = base + scale * (bounds[1] - bounds[0]) * noise
            pool.append(repair(jittered, base))
            candidates = select_distinct(pool, seen, n)
    return candidates
