r"""RoMA's candidate generation as an Ax ``Acquisition``.

RoMA has no acquisition function to optimize: candidates are the end points of
gradient ascent on the adapted proxy, started from the best designs in the data
[Yu2021roma]_. :class:`RoMAAcquisition` therefore keeps Ax's ``Acquisition``
machinery (a ``PosteriorMean`` acquisition function, so that Ax's own
evaluations and ``best_point`` stay meaningful) and replaces ``optimize`` with
:func:`~botorch_roma.generation.batch.generate_distinct_candidates`, which
makes every candidate a valid, distinct Ax arm (feasible for the linear
parameter constraints, rounded by Ax's ``rounding_func``, unlike the data and
the pending arms). For a minimized objective the ascent runs on a copy of the
model with its output negated
(:func:`~botorch_roma.models.roma.negate_roma_model`), which is exactly the
proxy of ``-y``.

Options (``acquisition_options`` in Ax's generator kwargs) are the ascent
options of :class:`~botorch_roma.options.AscentOptions` plus the run options
of :class:`~botorch_roma.options.RunOptions`. The latent route for sequences
has its own acquisition, :class:`~botorch_roma.ax.latent.LatentRoMAAcquisition`.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

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
from botorch.exceptions.errors import UnsupportedError
from botorch.generation.sampling import SamplingStrategy
from torch import Tensor

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.batch import generate_distinct_candidates
from botorch_roma.generation.feasibility import Constraints, FeasibilityRepair
from botorch_roma.models.roma import RoMAProxy, negate_roma_model
from botorch_roma.options import AscentOptions, RunOptions, split_options

__all__ = ["RoMAAcquisition"]


class RoMAAcquisition(Acquisition):
    r"""RoMA's adapted gradient ascent in place of acquisition optimization.

    See the module docstring; use it through
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

    def _roma_options(
        self, defaults: dict[str, Any] | None = None
    ) -> tuple[AscentOptions, RunOptions]:
        r"""The ascent and run options from ``acquisition_options``.

        Args:
            defaults: Ascent options that replace the class defaults (e.g. the
                latent route's), below the given ones.
        """
        options = {k: v for k, v in self.options.items() if k != Keys.SUBSET_MODEL}
        ascent, run, _ = split_options(options, AscentOptions, RunOptions)
        ascent = AscentOptions.from_dict(defaults, **ascent)
        return ascent, RunOptions.from_dict(run)

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

    def _maximization_model(self) -> RoMAProxy:
        model = self._model
        if not isinstance(model, RoMAProxy):
            raise UnsupportedError(
                "RoMAAcquisition needs a single RoMAModel or RoMAEnsembleModel, got "
                f"{type(model).__name__};"
                " RoMA supports one objective and no outcome constraints (pass "
                "fit_tracking_metrics=False to model tracking metrics not at all)."
            )
        weights = self._single_objective_weights()
        return model if weights[0] > 0 else negate_roma_model(model)

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
        check_optimize_arguments(n, optimizer_options, candidate_set, sampling_strategy)
        ascent, run = self._roma_options()
        model = self._maximization_model()
        bounds = torch.tensor(search_space_digest.bounds).to(model.train_X).t()
        repair = FeasibilityRepair(
            bounds,
            inequality_constraints=inequality_constraints,
            equality_constraints=equality_constraints,
            fixed_features=fixed_features,
            rounding_func=rounding_func,
            discrete_choices=search_space_digest.discrete_choices,
        )
        candidates = generate_distinct_candidates(
            model, n, bounds, repair, ascent, run, fixed_features, self._all_pending
        )
        return self._checked(
            candidates,
            search_space_digest,
            inequality_constraints,
            equality_constraints,
        )

    def _checked(
        self,
        candidates: Tensor,
        search_space_digest: SearchSpaceDigest,
        inequality_constraints: Constraints = None,
        equality_constraints: Constraints = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        r"""Ax's checks of the candidates, their values and unit arm weights."""
        with torch.no_grad():
            validate_candidates(
                candidates=candidates,
                bounds=torch.tensor(search_space_digest.bounds).to(candidates).t(),
                discrete_choices=search_space_digest.discrete_choices or None,
                inequality_constraints=inequality_constraints,
                feature_names=search_space_digest.feature_names,
                task_features=search_space_digest.task_features,
                equality_constraints=equality_constraints,
            )
            values = self.acqf(candidates.unsqueeze(-2))
        return candidates, values, torch.ones_like(candidates[:, 0])


def check_optimize_arguments(
    n: int,
    optimizer_options: dict[str, Any] | None,
    candidate_set: Tensor | None,
    sampling_strategy: SamplingStrategy | None,
) -> None:
    r"""Reject the ``optimize`` arguments RoMA's acquisitions do not support."""
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
