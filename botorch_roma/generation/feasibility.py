r"""Feasible and distinct candidates: bounds, linear constraints, rounding.

RoMA's ascent (:func:`~botorch_roma.generation.gen.gen_candidates_roma`) moves
candidates inside a box. Real design spaces also have linear constraints
(e.g. composition fractions that sum to at most 1), discrete values and
designs that must not be proposed twice. This module turns ascent end points
into designs that satisfy all of them; both
:func:`~botorch_roma.generation.gen.optimize_roma` and the Ax acquisition use
it.

1. **Repair** (:class:`FeasibilityRepair`). Each point is clamped to the
   bounds, fixed features are set, the point is projected onto the equality
   constraints and the box together (:func:`project_onto_equalities`, exact to
   round-off and vectorized), then rows that still break a constraint are
   projected onto all of them (SLSQP, one small problem per row) and rounded by an
   optional ``rounding_func`` (e.g. Ax's integers, one-hot choices, log scale).
   If rounding breaks a constraint, the rounded columns are kept and the
   others projected again. A point that still fails backs off along the
   segment toward its starting design.
2. **Fallback along the ascent** (:func:`repair_ascent`). A point that cannot
   be repaired falls back to its latest feasible ascent iterate.
3. **Distinctness** (:func:`select_distinct`). Points equal to an excluded
   design (training data, pending arms) or to an earlier candidate are
   dropped.

Constraints use BoTorch's format: a list of ``(indices, coefficients, rhs)``
tuples meaning ``sum_i X[indices[i]] * coefficients[i] >= rhs`` (inequality)
or ``== rhs`` (equality). Equality constraints (e.g. composition fractions that
sum to exactly 1) are also held *during* the ascent, which projects every
iterate with :func:`project_onto_equalities`.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np
import torch
from botorch.exceptions.errors import CandidateGenerationError
from botorch.optim.parameter_constraints import (
    evaluate_feasibility,
    project_to_feasible_space_via_slsqp,
)
from torch import Tensor

from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "Constraints",
    "FeasibilityRepair",
    "check_constraints",
    "check_fixed_features",
    "equality_system",
    "project_onto_equalities",
    "repair_ascent",
    "select_distinct",
]

#: Linear constraints in BoTorch's ``(indices, coefficients, rhs)`` format.
Constraints = list[tuple[Tensor, Tensor, float]] | None

#: Candidates closer than this (max-norm) count as equal.
DISTINCT_TOL = 1e-8
# Fractions of the way from the start to the point tried when backing off.
_BACKTRACK = (0.5, 0.25, 0.125, 0.0625, 0.0)
# Newton iterations (and step halvings per iteration) of the projection onto
# equality constraints and a box; a few suffice once the active set is found.
_PROJECTION_ITERATIONS = 50
_PROJECTION_HALVINGS = 30


def check_fixed_features(
    fixed_features: dict[int, float] | None,
    d: int,
    lower: Tensor | None = None,
    upper: Tensor | None = None,
) -> dict[int, float] | None:
    r"""Validate ``{column: value}`` fixed features against ``d`` and the box.

    Args:
        fixed_features: The fixed features, or ``None``.
        d: The design dimension.
        lower: ``d`` lower bounds (or ``None``).
        upper: ``d`` upper bounds (or ``None``).

    Returns:
        The fixed features with int keys and float values, or ``None``.
    """
    if not fixed_features:
        return None
    if not isinstance(fixed_features, dict):
        raise RoMAInputError(
            "fixed_features must be a dict {column index: value}, got "
            f"{type(fixed_features).__name__}."
        )
    out = {}
    for raw, value in fixed_features.items():
        try:
            key = None if isinstance(raw, bool) else operator.index(raw)
        except TypeError:
            key = None
        if key is None or not 0 <= key < d:
            raise RoMAInputError(
                f"fixed_features has column {raw!r}, but the designs have columns "
                f"0, ..., {d - 1}; use column indices."
            )
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise RoMAInputError(
                f"fixed_features[{key}] must be a number, got {value!r}."
            ) from None
        if not torch.isfinite(torch.tensor(value)):
            raise RoMAInputError(
                f"fixed_features[{key}] is {value}; give a finite value."
            )
        lo = -float("inf") if lower is None else float(lower[key])
        hi = float("inf") if upper is None else float(upper[key])
        if not lo <= value <= hi:
            raise RoMAInputError(
                f"fixed_features[{key}] = {value} lies outside the bounds "
                f"[{lo:g}, {hi:g}] of column {key}; fix it inside them or widen "
                "the bounds."
            )
        out[key] = value
    return out


def check_constraints(
    constraints: Constraints, d: int, what: str, bounds: Tensor | None = None
) -> Constraints:
    r"""Validate linear constraints in BoTorch's format.

    Args:
        constraints: ``None`` or a list of ``(indices, coefficients, rhs)``.
        d: The design dimension.
        what: The argument's name, for error messages.
        bounds: Optional ``2 x d`` bounds: each constraint must be satisfiable
            inside them (taken alone).

    Returns:
        The constraints, or ``None`` if there are none.
    """
    if not constraints:
        return None
    if not isinstance(constraints, list | tuple):
        raise RoMAInputError(
            f"{what} must be a list of (indices, coefficients, rhs) tuples, got "
            f"{type(constraints).__name__}."
        )
    for i, c in enumerate(constraints):
        if not (isinstance(c, tuple | list) and len(c) == 3):
            raise RoMAInputError(
                f"{what}[{i}] must be an (indices, coefficients, rhs) tuple, got {c!r}."
            )
        indices, coefficients, rhs = c
        if not isinstance(indices, Tensor) or not isinstance(coefficients, Tensor):
            raise RoMAInputError(
                f"{what}[{i}]: indices and coefficients must be tensors (as in "
                "BoTorch's optimize_acqf)."
            )
        if indices.dim() != 1 or indices.shape != coefficients.shape:
            raise RoMAInputError(
                f"{what}[{i}]: indices and coefficients must be 1-d tensors of the "
                f"same length, got shapes {tuple(indices.shape)} and "
                f"{tuple(coefficients.shape)}."
            )
        if len(indices) and (indices.min() < 0 or indices.max() >= d):
            raise RoMAInputError(
                f"{what}[{i}] refers to column {indices.max().item()}, but the "
                f"designs have d={d} columns."
            )
        if not torch.isfinite(coefficients).all() or not torch.isfinite(
            torch.as_tensor(float(rhs))
        ):
            raise RoMAInputError(f"{what}[{i}] has non-finite coefficients or rhs.")
        if bounds is not None:
            _check_satisfiable(what, i, indices, coefficients, float(rhs), bounds)
    return list(constraints)


def _check_satisfiable(
    what: str, i: int, indices: Tensor, coefficients: Tensor, rhs: float, bounds
) -> None:
    r"""Raise if ``coefficients @ X[indices]`` cannot reach ``rhs`` in the box."""
    w = coefficients.to(bounds)
    ends = w * bounds[:, indices.to(bounds.device)]  # 2 x k
    low, high = ends.min(0).values.sum().item(), ends.max(0).values.sum().item()
    tol = 1e-9 * max(1.0, abs(rhs))
    equality = what.startswith("equality")
    if high < rhs - tol or (equality and low > rhs + tol):
        reach = f"[{low:g}, {high:g}]"
        raise RoMAInputError(
            f"{what}[{i}] cannot be met inside the bounds: its left-hand side "
            f"ranges over {reach} there, and must {'equal' if equality else 'reach'} "
            f"{rhs:g}. Check the signs (BoTorch's format means sum >= rhs), loosen "
            "it, or widen the bounds."
        )


def equality_system(
    constraints: Constraints, d: int, like: Tensor
) -> tuple[Tensor, Tensor] | None:
    r"""Equality constraints in BoTorch's format as a linear system ``A x = b``.

    Args:
        constraints: ``(indices, coefficients, rhs)`` tuples meaning
            ``sum_i x[indices[i]] * coefficients[i] == rhs``, or ``None``.
        d: The design dimension.
        like: A tensor whose dtype and device ``A`` and ``b`` take.

    Returns:
        ``A`` (``k x d``) and ``b`` (``k``), or ``None`` without constraints.

    Example:
        >>> sum_to_1 = [(torch.arange(3), torch.ones(3), 1.0)]
        >>> A, b = equality_system(sum_to_1, 3, torch.zeros(1))
        >>> A
        tensor([[1., 1., 1.]])
    """
    if not constraints:
        return None
    A = torch.zeros(len(constraints), d, dtype=like.dtype, device=like.device)
    b = torch.zeros(len(constraints), dtype=like.dtype, device=like.device)
    for row, (indices, coefficients, rhs) in enumerate(constraints):
        A[row].index_add_(0, indices.to(like.device), coefficients.to(A))
        b[row] = float(rhs)
    return A, b


def project_onto_equalities(
    X: Tensor,
    A: Tensor,
    b: Tensor,
    lower: Tensor | None = None,
    upper: Tensor | None = None,
) -> Tensor:
    r"""The closest points to ``X`` that satisfy ``A x = b`` inside a box.

    Each row is projected (in the Euclidean norm) onto ``{x : A x = b,
    lower <= x <= upper}``. The projection is ``x(lam) = clamp(X - lam A,
    lower, upper)`` for the multipliers ``lam`` that make ``A x(lam) = b``;
    they are found by a semismooth Newton ascent on the (concave) dual, with
    step halving. Once the coordinates that sit at a bound are identified, the
    last Newton step solves for the rest exactly, so the constraints hold to
    round-off. It runs in float64 whatever ``X``'s dtype and is vectorized
    over rows; a column with equal lower and upper bounds is held fixed.

    Args:
        X: ``n x d`` points.
        A: ``k x d`` constraint matrix (see :func:`equality_system`).
        b: ``k`` right-hand sides.
        lower: ``d`` (or ``n x d``, one box per row) lower bounds, or ``None``
            (unbounded below).
        upper: ``d`` (or ``n x d``) upper bounds, or ``None`` (unbounded
            above).

    Returns:
        ``n x d`` projected points, in ``X``'s dtype. Every point lies inside
        the box; a row for which the constraints cannot be met there is left
        at the point the iterations reached (rows with NaN or inf are
        returned unchanged).

    Example:
        >>> A, b = torch.ones(1, 3, dtype=torch.double), torch.ones(1).double()
        >>> X = torch.tensor([[0.9, 0.6, 0.0]], dtype=torch.double)
        >>> project_onto_equalities(X, A, b, torch.zeros(3), torch.ones(3))
        tensor([[0.6500, 0.3500, 0.0000]], dtype=torch.float64)
    """
    Y = X.detach().double()
    A, b = A.double().to(Y.device), b.double().to(Y.device)
    d = Y.shape[-1]
    inf = torch.full_like(Y, float("inf"))
    lo = -inf if lower is None else lower.double().to(Y.device).expand_as(Y)
    hi = inf if upper is None else upper.double().to(Y.device).expand_as(Y)
    finite = torch.isfinite(Y).all(-1)
    Y, lo, hi = Y[finite], lo[finite], hi[finite]
    eps = torch.finfo(torch.double).eps

    def point(lam: Tensor, rows: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        shifted = Y[rows] - lam @ A
        x = torch.minimum(torch.maximum(shifted, lo[rows]), hi[rows])
        return x, shifted, x @ A.t() - b

    def dual(x: Tensor, lam: Tensor, residual: Tensor, rows: Tensor) -> Tensor:
        return 0.5 * (x - Y[rows]).square().sum(-1) + (lam * residual).sum(-1)

    everything = torch.ones(Y.shape[0], dtype=torch.bool, device=Y.device)
    lam = Y.new_zeros(Y.shape[0], A.shape[0])
    x, shifted, residual = point(lam, everything)
    for _ in range(_PROJECTION_ITERATIONS):
        tol = 4 * d * eps * (x.abs() @ A.abs().t() + b.abs())
        active = (residual.abs() > tol).any(-1)
        if not active.any():
            break
        rows = active.nonzero().squeeze(-1)
        free = ((shifted[rows] > lo[rows]) & (shifted[rows] < hi[rows])).double()
        # The dual's (negated) generalized Hessian, regularized for constraints
        # whose coordinates all sit at a bound.
        H = torch.einsum("kd,nd,jd->nkj", A, free + 1e-9, A)
        step = torch.linalg.solve(H, residual[rows].unsqueeze(-1)).squeeze(-1)
        slope = (residual[rows] * step).sum(-1)
        base = dual(x[rows], lam[rows], residual[rows], rows)
        t = torch.ones_like(slope)
        taken = torch.zeros_like(slope, dtype=torch.bool)
        for _ in range(_PROJECTION_HALVINGS):
            trial = lam[rows] + t.unsqueeze(-1) * step
            xt, _, rt = point(trial, rows)
            met = (rt.abs() <= tol[rows]).all(-1)
            armijo = dual(xt, trial, rt, rows) >= base + 1e-4 * t * slope
            take = ~taken & (met | armijo)
            lam[rows[take]] = trial[take]
            taken |= take
            if taken.all():
                break
            t = torch.where(taken, t, 0.5 * t)
        if not taken.any():
            break  # no progress in round-off: as close as it gets
        x, shifted, residual = point(lam, everything)
    out = X.detach().clone()
    out[finite] = x.to(X)
    return out


class FeasibilityRepair:
    r"""Clamp, project, round, and repair candidates into feasible points.

    Example:
        >>> bounds = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
        >>> sum_le_1 = [(torch.tensor([0, 1]), torch.tensor([-1.0, -1.0]), -1.0)]
        >>> repair = FeasibilityRepair(bounds, inequality_constraints=sum_le_1)
        >>> X = repair(torch.tensor([[0.9, 0.9]]), starts=torch.tensor([[0.1, 0.1]]))
        >>> bool(X.sum() <= 1.0 + 1e-6)
        True
    """

    def __init__(
        self,
        bounds: Tensor | None,
        inequality_constraints: Constraints = None,
        equality_constraints: Constraints = None,
        fixed_features: dict[int, float] | None = None,
        rounding_func: Callable[[Tensor], Tensor] | None = None,
        discrete_choices: dict[int, list] | None = None,
    ) -> None:
        r"""
        Args:
            bounds: ``2 x d`` box bounds, or ``None`` (no box; linear
                constraints then need bounds).
            inequality_constraints: ``sum_i X[indices[i]] * coefficients[i] >=
                rhs`` constraints.
            equality_constraints: The same with ``== rhs``.
            fixed_features: ``{column: value}`` pairs held fixed.
            rounding_func: Maps an ``n x d`` tensor to valid (rounded) points.
            discrete_choices: ``{column: allowed values}``, checked exactly.
        """
        self.bounds = bounds
        self.inequality_constraints = inequality_constraints or None
        self.equality_constraints = equality_constraints or None
        self.fixed_features = fixed_features or None
        self.rounding_func = rounding_func
        self.discrete_choices = discrete_choices or {}
        if self._constrained and bounds is None:
            raise RoMAInputError(
                "Linear constraints need bounds; pass a 2 x d `bounds` tensor."
            )
        if self._constrained:
            self._check_jointly_feasible()

    def _check_jointly_feasible(self) -> None:
        r"""Raise if no design in the box meets all the constraints (one LP)."""
        from scipy.optimize import linprog

        lower, upper = self.bounds.detach().double().cpu().numpy()
        box = list(zip(lower.tolist(), upper.tolist()))
        for column, value in (self.fixed_features or {}).items():
            box[column] = (value, value)
        d = len(box)

        def rows(constraints: Constraints, sign: float) -> tuple:
            if not constraints:
                return None, None
            A = np.zeros((len(constraints), d))
            for row, (indices, coefficients, _) in enumerate(constraints):
                A[row, indices.cpu().numpy()] = sign * coefficients.double().cpu()
            b = np.array([sign * float(rhs) for *_, rhs in constraints])
            return A, b

        A_ub, b_ub = rows(self.inequality_constraints, -1.0)  # sum >= rhs
        A_eq, b_eq = rows(self.equality_constraints, 1.0)
        result = linprog(
            np.zeros(d), A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=box
        )
        if result.status == 2:
            raise RoMAInputError(
                "No design inside the bounds"
                + (" with the fixed features" if self.fixed_features else "")
                + " meets all the linear constraints together; check their signs "
                "(BoTorch's format means sum_i X[indices[i]] * coefficients[i] >= "
                "rhs) and loosen or drop one of them."
            )

    @property
    def _constrained(self) -> bool:
        return bool(self.inequality_constraints or self.equality_constraints)

    def _clamp(self, X: Tensor) -> Tensor:
        return X if self.bounds is None else X.clamp(self.bounds[0], self.bounds[1])

    def _project(self, X: Tensor, fixed: Tensor | None = None) -> Tensor:
        r"""Project infeasible rows onto the linear constraints; ``fixed`` marks
        columns to keep.

        Equality constraints are met first for all rows at once (exactly, see
        :func:`project_onto_equalities`); rows that then break an inequality
        are projected onto all constraints, one SLSQP problem per row (SLSQP
        scales badly with ``n * d``).
        """
        if not self._constrained:
            return X
        if self.equality_constraints:
            X = self._project_equalities(X, fixed)
        for i in (~self.feasible(X)).nonzero().squeeze(-1).tolist():
            keep = dict(self.fixed_features or {})
            if fixed is not None:
                keep.update(
                    {j: X[i, j].item() for j in fixed[i].nonzero().flatten().tolist()}
                )
            try:
                X[i] = project_to_feasible_space_via_slsqp(
                    X[i : i + 1],
                    bounds=self.bounds,
                    inequality_constraints=self.inequality_constraints,
                    equality_constraints=self.equality_constraints,
                    fixed_features=keep or None,
                )[0]
            except CandidateGenerationError:
                pass  # left infeasible: the caller backs off or drops the row
        return X

    def _project_equalities(self, X: Tensor, fixed: Tensor | None) -> Tensor:
        r"""Rows of ``X`` projected onto the equality constraints in the box,
        with the fixed features and the columns marked in ``fixed`` kept."""
        A, b = equality_system(self.equality_constraints, X.shape[-1], X)
        lower = self.bounds[0].expand_as(X).clone()
        upper = self.bounds[1].expand_as(X).clone()
        for column, value in (self.fixed_features or {}).items():
            lower[:, column] = upper[:, column] = value
        if fixed is not None:
            lower = torch.where(fixed, X, lower)
            upper = torch.where(fixed, X, upper)
        return project_onto_equalities(X, A, b, lower, upper)

    def _round(self, X: Tensor) -> Tensor:
        X = self._clamp(X)
        if self.fixed_features:
            for i, v in self.fixed_features.items():
                X[:, i] = v
        X = self._project(X)
        if self.rounding_func is None:
            return X
        R = self._clamp(self.rounding_func(X))
        if self._constrained:
            # Rounding can break a constraint: keep the rounded columns, move
            # only the others back onto the constraints, and round again.
            bad = ~self.feasible(R)
            if bad.any():
                moved = (R[bad] - X[bad]).abs() > 1e-9
                repaired = self._project(R[bad].clone(), fixed=moved)
                R[bad] = self._clamp(self.rounding_func(repaired))
        return R

    def feasible(self, X: Tensor) -> Tensor:
        r"""An ``n`` boolean tensor: finite, allowed choices, linear constraints.

        Args:
            X: ``n x d`` points.

        Returns:
            Whether each point is feasible.
        """
        ok = torch.isfinite(X).all(-1)
        for i, allowed in self.discrete_choices.items():
            values = torch.tensor(allowed).to(X)
            ok &= torch.isclose(X[:, i : i + 1], values).any(-1)
        if self._constrained:
            ok &= evaluate_feasibility(
                X.unsqueeze(-2),
                inequality_constraints=self.inequality_constraints,
                equality_constraints=self.equality_constraints,
            )
        return ok

    def __call__(self, X: Tensor, starts: Tensor) -> Tensor:
        r"""Feasible versions of ``X``; rows that cannot be repaired become NaN.

        Args:
            X: ``n x d`` raw candidates.
            starts: ``n x d`` their starting designs, used to back off from
                points that cannot be repaired.

        Returns:
            An ``n x d`` tensor of feasible points, NaN rows where no feasible
            point was found on the segment back to the start.
        """
        X = X.detach().clone()
        out = self._round(X.clone())
        ok = self.feasible(out)
        for lam in _BACKTRACK:
            if ok.all():
                break
            bad = ~ok
            trial = self._round(starts[bad] + lam * (X[bad] - starts[bad]))
            fixed = self.feasible(trial)
            rows = bad.nonzero().squeeze(-1)[fixed]
            out[rows] = trial[fixed]
            ok[rows] = True
        out[~ok] = torch.nan
        return out


def repair_ascent(
    X: Tensor, starts: Tensor, snapshots: list[Tensor], repair: FeasibilityRepair
) -> Tensor:
    r"""Repair ascent end points, falling back to the latest feasible iterate.

    Args:
        X: ``n x d`` ascent end points.
        starts: ``n x d`` their starting designs.
        snapshots: Earlier ``n x d`` iterates of the same ascent, oldest first.
        repair: The repair step.

    Returns:
        ``n x d`` feasible points, NaN rows where neither the end point nor any
        snapshot could be repaired.
    """
    with torch.no_grad():
        out = repair(X, starts)
        for snap in reversed(snapshots):
            missing = ~torch.isfinite(out).all(-1)
            if not missing.any():
                break
            out[missing] = repair(snap[missing], starts[missing])
    return out


def select_distinct(pool: list[Tensor], seen: Tensor | None, n: int) -> Tensor:
    r"""The first ``n`` feasible rows of the pool unlike ``seen`` and each other.

    Args:
        pool: ``m_j x d`` tensors of candidates (NaN rows are skipped), in
            order of preference.
        seen: ``s x d`` excluded designs (e.g. training data), or ``None``.
        n: The number of rows wanted.

    Returns:
        An ``n' x d`` tensor with ``n' <= n`` distinct rows (max-norm distance
        above ``1e-8`` from each other and from ``seen``).
    """
    chosen: list[Tensor] = []
    for X in pool:
        X = X[torch.isfinite(X).all(-1)]
        if X.shape[0] == 0:
            continue
        new = torch.ones(X.shape[0], dtype=torch.bool, device=X.device)
        if seen is not None and seen.numel() > 0:
            seen = seen.reshape(-1, X.shape[-1])
            for chunk in torch.split(seen, 4096):
                distance = torch.cdist(X, chunk.to(X), p=float("inf"))
                new &= distance.min(-1).values > DISTINCT_TOL
        for i in new.nonzero().squeeze(-1).tolist():
            x = X[i]
            if chosen and (torch.stack(chosen) - x).abs().amax(-1).min() <= (
                DISTINCT_TOL
            ):
                continue
            chosen.append(x)
            if len(chosen) == n:
                return torch.stack(chosen)
    if not chosen:
        return pool[0][:0]
    return torch.stack(chosen)
