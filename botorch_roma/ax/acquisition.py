r"""RoMA's candidate generation as an Ax ``Acquisition``.

RoMA has no acquisition function to optimize: candidates are the end points of
gradient ascent on the adapted proxy, started from the best designs in the data
[Yu2021roma]_. :class:`RoMAAcquisition` therefore keeps Ax's ``Acquisition``
machinery (a ``PosteriorMean`` acquisition function, so that Ax's own
evaluations and ``best_point`` stay meaningful) and replaces ``optimize`` with
:func:`~botorch_roma.generation.gen.gen_candidates_roma` from the top
designs (as :func:`~botorch_roma.generation.gen.optimize_roma` does), followed
by the steps that make every candidate a valid, distinct Ax arm:

1. **Direction.** The ascent maximizes. For a minimized objective it runs on a
   copy of the model with its output negated (the last layer and the
   outcome standardization flipped), which is exactly the proxy of ``-y``.
2. **Starts.** The ascent starts from the top ``n + p`` distinct designs, where
   ``p`` is the number of pending arms (generated earlier, not yet observed).
   In the default ``"per_candidate"`` adaptation mode every candidate is
   independent of the others, so candidates that reproduce a pending arm are
   skipped, and ``n`` one-arm trials in a row give the same designs as one
   ``n``-arm batch.
3. **Feasibility.** Each end point is clamped to the bounds, projected onto the
   linear parameter constraints (SLSQP), and rounded by Ax's ``rounding_func``
   (integers, one-hot choices, log scale). If rounding breaks a constraint,
   the rounded columns are kept and the others projected again. A point that
   still fails falls back to its latest feasible ascent iterate, then to the
   segment back toward its starting design.
4. **Distinctness.** Ax merges identical arms, so points equal to a training
   design, a pending arm, or an earlier candidate are dropped and replaced by
   ascents from the next-best designs, then by small random perturbations of
   the candidates. If even that cannot produce ``n`` new designs (a tiny
   discrete space), a ``RoMAInputError`` says so.

Options (``acquisition_options`` in Ax's generator kwargs) are the ascent
options of :class:`~botorch_roma.generation.gen.AscentOptions` plus ``seed``,
``progress`` and ``timeout_sec``.

**Latent route.** With a :class:`~botorch_roma.ax.latent.LatentRoMAModel`
surrogate (``RoMAGenerationStep(latent=...)``, which also sets the option
``latent=True``), the steps above are replaced by
:meth:`~botorch_roma.latent.roma.LatentRoMA.generate` on sequences of category
ids, excluding the training data and the pending arms; see
:mod:`botorch_roma.ax.latent`.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from ax.core.search_space import SearchSpaceDigest
from ax.generators.torch.botorch_modular.acquisition import Acquisition
from ax.generators.torch.botorch_modular.surrogate import Surrogate
from ax.generators.torch.botorch_modular.utils import validate_candidates
from ax.generators.torch_base import TorchOptConfig
from ax.utils.common.constants import Keys
from botorch.acquisition.acquisition import AcquisitionFunction
from botorch.acquisition.analytic import PosteriorMean
from botorch.acquisition.objective import ScalarizedPosteriorTransform
from botorch.exceptions.errors import CandidateGenerationError, UnsupportedError
from botorch.generation.sampling import SamplingStrategy
from botorch.models.transforms.outcome import Standardize
from botorch.optim.parameter_constraints import (
    evaluate_feasibility,
    project_to_feasible_space_via_slsqp,
)
from torch import Tensor

from botorch_roma.ax.latent import LatentRoMAModel
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation import (
    AscentOptions,
    gen_candidates_roma,
    select_starting_designs,
)
from botorch_roma.latent import DEFAULT_LATENT_ASCENT_OPTIONS
from botorch_roma.models import RoMAModel

__all__ = ["GEN_OPTION_NAMES", "RoMAAcquisition", "negate_roma_model"]

#: Options of :class:`RoMAAcquisition` besides the ascent options.
GEN_OPTION_NAMES = ("latent", "progress", "seed", "timeout_sec")

# Candidates closer than this (max-norm, in Ax's transformed space) are equal.
_DISTINCT_TOL = 1e-8
_N_SNAPSHOTS = 8
_MAX_EXTRA_ROUNDS = 3
_JITTER_SCALES = (1e-3, 1e-2, 3e-2, 0.1, 0.3)
_BACKTRACK = (0.5, 0.25, 0.125, 0.0625, 0.0)

Constraints = list[tuple[Tensor, Tensor, float]] | None


def negate_roma_model(model: RoMAModel) -> RoMAModel:
    r"""A copy of a fitted RoMA model that predicts ``-y`` instead of ``y``.

    The sign of the MLP's output (its last layer) and of the outcome
    standardization's mean are flipped, so every prediction, input gradient
    and adaptation step of the copy is that of the proxy of ``-y``.

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


class RoMAAcquisition(Acquisition):
    r"""RoMA's adapted gradient ascent in place of acquisition optimization.

    See the module docstring for the steps; use it through
    :func:`~botorch_roma.ax.generation.RoMAGenerationStep`. [Yu2021roma]_
    """

    def __init__(
        self,
        surrogate: Surrogate,
        search_space_digest: SearchSpaceDigest,
        torch_opt_config: TorchOptConfig,
        botorch_acqf_class: type[AcquisitionFunction] | None,
        **kwargs: Any,
    ) -> None:
        r"""See Ax's ``Acquisition``; RoMA keeps *all* pending points.

        Ax's ``X_pending`` drops pending points that violate a linear
        constraint by round-off, which would let RoMA propose them again.
        """
        super().__init__(
            surrogate=surrogate,
            search_space_digest=search_space_digest,
            torch_opt_config=torch_opt_config,
            botorch_acqf_class=botorch_acqf_class,
            **kwargs,
        )
        pending = [p for p in torch_opt_config.pending_observations or [] if len(p)]
        self._all_pending: Tensor | None = (
            torch.unique(torch.cat(pending), dim=0) if pending else None
        )

    def _instantiate_acquisition(self) -> None:
        r"""Build a ``PosteriorMean`` of the objective (RoMA ignores pending points)."""
        self.acqf = PosteriorMean(
            model=self._model,
            posterior_transform=ScalarizedPosteriorTransform(
                weights=self._objective_weights.reshape(-1)
            ),
        )
        self.models_used = [self.surrogate.model_name_by_metric]
        self.acq_function_sequence = None

    def _split_options(self) -> tuple[dict[str, Any], dict[str, Any]]:
        options = {k: v for k, v in self.options.items() if k != Keys.SUBSET_MODEL}
        gen_options = {k: options.pop(k) for k in GEN_OPTION_NAMES if k in options}
        AscentOptions.from_dict(options)  # unknown names raise RoMAInputError
        return options, gen_options

    def _maximization_model(self) -> RoMAModel:
        model = self._model
        if not isinstance(model, RoMAModel):
            raise UnsupportedError(
                f"RoMAAcquisition needs a single RoMAModel, got {type(model).__name__};"
                " RoMA supports one objective and no outcome constraints (pass "
                "fit_tracking_metrics=False to model tracking metrics not at all)."
            )
        weights = self._single_objective_weights()
        return model if weights[0] > 0 else negate_roma_model(model)

    def _single_objective_weights(self) -> Tensor:
        r"""The objective weights, after checking RoMA's one-objective setting."""
        if self._outcome_constraints is not None:
            raise UnsupportedError(
                "RoMA does not support outcome constraints; remove them from the "
                "optimization config."
            )
        weights = self._objective_weights.reshape(-1)
        if weights.numel() != 1 or weights[0] == 0:
            raise UnsupportedError(
                f"RoMA needs one objective, got objective weights {weights.tolist()}."
            )
        return weights

    def optimize(
        self,
        n: int,
        search_space_digest: SearchSpaceDigest,
        inequality_constraints: Constraints = None,
        equality_constraints: Constraints = None,
        fixed_features: dict[int, float] | None = None,
        rounding_func: Callable[[Tensor], Tensor] | None = None,
        optimizer_options: dict[str, Any] | None = None,
        candidate_set: Tensor | None = None,
        sampling_strategy: SamplingStrategy | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        r"""Generate ``n`` distinct, feasible RoMA candidates.

        Args:
            n: The number of candidates.
            search_space_digest: Ax's digest of the transformed search space.
            inequality_constraints: ``(indices, coefficients, rhs)`` tuples for
                ``sum_i X[indices[i]] * coefficients[i] >= rhs``.
            equality_constraints: The same for ``== rhs``.
            fixed_features: ``{column: value}`` pairs held fixed.
            rounding_func: Ax's round trip through its transforms, mapping an
                ``n x d`` tensor to valid points.
            optimizer_options: Not supported (pass RoMA options as
                ``acquisition_options``).
            candidate_set: Not supported.
            sampling_strategy: Not supported.

        Returns:
            A three-element tuple: the ``n x d`` candidates (in Ax's transformed
            space), their ``n`` predicted objective values (maximization-aligned)
            and ``n`` unit arm weights.
        """
        if candidate_set is not None or sampling_strategy is not None:
            raise UnsupportedError(
                "RoMAAcquisition generates new designs; in-sample selection "
                "(candidate_set / sampling_strategy) is not supported."
            )
        if optimizer_options:
            raise UnsupportedError(
                f"RoMAAcquisition takes no optimizer_options, got "
                f"{sorted(optimizer_options)}; pass RoMA options as "
                "acquisition_options (see RoMAGenerationStep)."
            )
        if n < 1:
            raise RoMAInputError(f"n must be a positive number of designs, got {n}.")
        if isinstance(self._model, LatentRoMAModel) or self.options.get("latent"):
            return self._optimize_latent(
                n,
                search_space_digest,
                inequality_constraints=inequality_constraints,
                equality_constraints=equality_constraints,
                fixed_features=fixed_features,
            )
        ascent_options, gen_options = self._split_options()
        model = self._maximization_model()
        seed = gen_options.get("seed")
        bounds = torch.tensor(search_space_digest.bounds).to(model.train_X).t()
        train_X, train_Y = model.train_X, model.train_Y
        pending = self._all_pending
        seen = train_X if pending is None else torch.cat([train_X, pending.to(train_X)])
        n_pending = 0 if pending is None else pending.shape[0]
        finalize = _Finalizer(
            bounds=bounds,
            inequality_constraints=inequality_constraints,
            equality_constraints=equality_constraints,
            fixed_features=fixed_features,
            rounding_func=rounding_func,
            discrete_choices=search_space_digest.discrete_choices,
        )
        steps = AscentOptions.from_dict(ascent_options).steps
        every = max(1, steps // _N_SNAPSHOTS)

        def ascend(starts: Tensor) -> Tensor:
            r"""Feasible end points; an infeasible one falls back to its latest
            feasible iterate (NaN rows if there is none)."""
            snapshots: list[Tensor] = []

            def keep(t: int, X: Tensor, values: Tensor) -> None:
                if t > 0 and t % every == 0:
                    snapshots.append(X.detach().clone())

            X, _ = gen_candidates_roma(
                starts,
                model,
                lower_bounds=bounds[0],
                upper_bounds=bounds[1],
                options=ascent_options,
                callback=keep,
                fixed_features=fixed_features,
                timeout_sec=gen_options.get("timeout_sec"),
                progress=bool(gen_options.get("progress", False)),
            )
            with torch.no_grad():
                out = finalize(X, starts)
                for snap in reversed(snapshots):
                    missing = ~torch.isfinite(out).all(-1)
                    if not missing.any():
                        break
                    out[missing] = finalize(snap[missing], starts[missing])
            return out

        # All distinct designs, best first; the first n + p are the starts.
        ranked = select_starting_designs(
            train_X, train_Y, torch.unique(train_X, dim=0).shape[0]
        )
        n_starts = n + n_pending
        generator = None
        if seed is not None:
            generator = torch.Generator(device=train_X.device).manual_seed(int(seed))
        starts = select_starting_designs(
            train_X,
            train_Y,
            n_starts,
            duplicate_starts="jitter" if n_starts > ranked.shape[0] else "error",
            bounds=bounds,
            generator=generator,
        )
        pool = [ascend(starts)]
        candidates = _select_distinct(pool, seen, n)
        used = starts.shape[0]
        for _ in range(_MAX_EXTRA_ROUNDS):
            # Candidates lost to infeasibility or duplication: start more
            # ascents from the next-best designs.
            if candidates.shape[0] >= n or used >= ranked.shape[0]:
                break
            more = ranked[used : used + 2 * (n - candidates.shape[0])]
            used += more.shape[0]
            pool.append(ascend(more))
            candidates = _select_distinct(pool, seen, n)
        with torch.no_grad():
            jitter_gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
            for scale in _JITTER_SCALES:
                if candidates.shape[0] >= n:
                    break
                base = torch.cat([p[torch.isfinite(p).all(-1)] for p in pool])
                noise = torch.randn(base.shape, generator=jitter_gen).to(base)
                jittered = base + scale * (bounds[1] - bounds[0]) * noise
                pool.append(finalize(jittered, base))
                candidates = _select_distinct(pool, seen, n)
            if candidates.shape[0] < n:
                raise RoMAInputError(
                    f"Could only find {candidates.shape[0]} distinct new designs "
                    f"(not in the data or pending) for n={n}; the search space is "
                    "too small or too constrained, lower n."
                )
            validate_candidates(
                candidates=candidates,
                bounds=bounds,
                discrete_choices=search_space_digest.discrete_choices or None,
                inequality_constraints=inequality_constraints,
                feature_names=search_space_digest.feature_names,
                task_features=search_space_digest.task_features,
                equality_constraints=equality_constraints,
            )
            values = self.acqf(candidates.unsqueeze(-2))
        return candidates, values, torch.ones(n, dtype=candidates.dtype)

    def _optimize_latent(
        self,
        n: int,
        search_space_digest: SearchSpaceDigest,
        inequality_constraints: Constraints = None,
        equality_constraints: Constraints = None,
        fixed_features: dict[int, float] | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        r"""The latent route: ``n`` new, distinct sequences from latent RoMA.

        See :mod:`botorch_roma.ax.latent`. The candidates are category ids
        (``n x L``), which Ax's ``SequenceToIds`` transform maps back to the
        parameters' values.
        """
        model = self._model
        if not isinstance(model, LatentRoMAModel):
            raise UnsupportedError(
                "The latent route needs a LatentRoMAModel surrogate, got "
                f"{type(model).__name__}; build the step with "
                "RoMAGenerationStep(latent=...) instead of setting the option by hand."
            )
        if inequality_constraints or equality_constraints or fixed_features:
            raise UnsupportedError(
                "The latent route generates whole sequences: parameter constraints "
                "and fixed features (e.g. fixed_parameters in get_next_trials) are "
                "not supported; drop them or use the continuous route."
            )
        weights = self._single_objective_weights()
        ascent_options, gen_options = self._split_options()
        if gen_options.get("timeout_sec") is not None:
            raise UnsupportedError(
                "timeout_sec is not supported on the latent route; lower the ascent "
                "steps instead."
            )
        # A shallow copy: the fitted VAE is shared, the options are not.
        roma = copy.copy(model.latent)
        if weights[0] < 0:
            roma.model = negate_roma_model(roma.model)
            roma.train_Y = -roma.train_Y
        roma.ascent_options = {**DEFAULT_LATENT_ASCENT_OPTIONS, **ascent_options}
        roma.exclude_training = True
        pending = self._all_pending
        exclude = None if pending is None else model._to_ids(pending)
        seqs, _ = roma.generate(
            n=n,
            seed=gen_options.get("seed"),
            exclude=exclude,
            progress=bool(gen_options.get("progress", False)),
        )
        candidates = seqs.to(model.train_X)
        with torch.no_grad():
            validate_candidates(
                candidates=candidates,
                bounds=torch.tensor(search_space_digest.bounds).to(candidates).t(),
                discrete_choices=search_space_digest.discrete_choices or None,
                inequality_constraints=None,
                feature_names=search_space_digest.feature_names,
                task_features=search_space_digest.task_features,
                equality_constraints=None,
            )
            values = self.acqf(candidates.unsqueeze(-2))
        return candidates, values, torch.ones(n, dtype=candidates.dtype)


class _Finalizer:
    r"""Clamp, project, round, and repair candidates into feasible points."""

    def __init__(
        self,
        bounds: Tensor,
        inequality_constraints: Constraints,
        equality_constraints: Constraints,
        fixed_features: dict[int, float] | None,
        rounding_func: Callable[[Tensor], Tensor] | None,
        discrete_choices: dict[int, list] | None,
    ) -> None:
        self.bounds = bounds
        self.inequality_constraints = inequality_constraints or None
        self.equality_constraints = equality_constraints or None
        self.fixed_features = fixed_features or None
        self.rounding_func = rounding_func
        self.discrete_choices = discrete_choices or {}

    @property
    def _constrained(self) -> bool:
        return bool(self.inequality_constraints or self.equality_constraints)

    def _project(self, X: Tensor, fixed: Tensor | None = None) -> Tensor:
        r"""Project infeasible rows onto the linear constraints, one QP per row
        (SLSQP scales badly with ``n * d``); ``fixed`` marks columns to keep."""
        if not self._constrained:
            return X
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

    def _round(self, X: Tensor) -> Tensor:
        X = X.clamp(self.bounds[0], self.bounds[1])
        if self.fixed_features:
            for i, v in self.fixed_features.items():
                X[:, i] = v
        X = self._project(X)
        if self.rounding_func is None:
            return X
        R = self.rounding_func(X).clamp(self.bounds[0], self.bounds[1])
        if self._constrained:
            # Rounding can break a constraint: keep the rounded columns, move
            # only the others back onto the constraints, and round again.
            bad = ~self.feasible(R)
            if bad.any():
                moved = (R[bad] - X[bad]).abs() > 1e-9
                repaired = self._project(R[bad].clone(), fixed=moved)
                R[bad] = self.rounding_func(repaired).clamp(
                    self.bounds[0], self.bounds[1]
                )
        return R

    def feasible(self, X: Tensor) -> Tensor:
        r"""An ``n`` boolean tensor: bounds, choices and linear constraints hold."""
        ok = torch.isfinite(X).all(-1)
        for i, allowed in self.discrete_choices.items():
            values = torch.tensor(allowed).to(X)
            ok &= torch.isclose(X[:, i : i + 1], values).any(-1)
        if self.inequality_constraints or self.equality_constraints:
            ok &= evaluate_feasibility(
                X.unsqueeze(-2),
                inequality_constraints=self.inequality_constraints,
                equality_constraints=self.equality_constraints,
            )
        return ok

    def __call__(self, X: Tensor, starts: Tensor) -> Tensor:
        r"""Feasible versions of ``X`` (``n x d``); infeasible rows become NaN.

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


def _select_distinct(pool: list[Tensor], seen: Tensor, n: int) -> Tensor:
    r"""The first ``n`` feasible rows of the pool unlike ``seen`` and each other."""
    chosen: list[Tensor] = []
    seen = seen.reshape(-1, seen.shape[-1])
    for X in pool:
        X = X[torch.isfinite(X).all(-1)]
        if X.shape[0] == 0:
            continue
        new = torch.ones(X.shape[0], dtype=torch.bool, device=X.device)
        for chunk in torch.split(seen, 4096):
            new &= torch.cdist(X, chunk.to(X), p=float("inf")).min(-1).values > (
                _DISTINCT_TOL
            )
        for i in new.nonzero().squeeze(-1).tolist():
            x = X[i]
            if chosen and (torch.stack(chosen) - x).abs().amax(-1).min() <= (
                _DISTINCT_TOL
            ):
                continue
            chosen.append(x)
            if len(chosen) == n:
                return torch.stack(chosen)
    if not chosen:
        return pool[0][:0]
    return torch.stack(chosen)
