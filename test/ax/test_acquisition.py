r"""Tests for ``botorch_roma/ax/acquisition.py``: RoMA's ascent as an Acquisition.

The acquisition's ``optimize`` also runs end to end through Ax in
``test/ax/test_generation.py`` (always in float64, as Ax works); here it is
called directly on a fitted ``Surrogate``, in float32 and float64, and its
argument checks are tested.
"""

from __future__ import annotations

import torch
from ax.core.search_space import SearchSpaceDigest
from ax.generators.torch.botorch_modular.surrogate import Surrogate, SurrogateSpec
from ax.generators.torch_base import TorchOptConfig
from botorch.acquisition.analytic import PosteriorMean
from botorch.exceptions.errors import UnsupportedError
from botorch.utils.datasets import SupervisedDataset
from botorch.utils.testing import BotorchTestCase

import botorch_roma.ax  # noqa: F401  (registrations)
from botorch_roma.ax import RoMAAcquisition, roma_model_config
from botorch_roma.ax.acquisition import check_optimize_arguments
from botorch_roma.exceptions import RoMAInputError

NAMES = ["a", "b"]
DIGEST = SearchSpaceDigest(feature_names=NAMES, bounds=[(0.0, 1.0)] * 2)
OPTIONS = {"steps": 3, "adapt_steps": 1, "seed": 0}


class TestCheckOptimizeArguments(BotorchTestCase):
    def test_rejects_unsupported_arguments(self):
        check_optimize_arguments(3, None, None, None)  # fine
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                with self.assertRaisesRegex(UnsupportedError, "in-sample"):
                    check_optimize_arguments(
                        3, None, torch.zeros(2, 1, **tkwargs), None
                    )
        with self.assertRaisesRegex(UnsupportedError, "optimizer_options"):
            check_optimize_arguments(3, {"maxiter": 5}, None, None)
        with self.assertRaisesRegex(RoMAInputError, "positive"):
            check_optimize_arguments(0, None, None, None)


class TestRoMAAcquisition(BotorchTestCase):
    def _surrogate(self, **tkwargs) -> tuple[Surrogate, torch.Tensor]:
        r"""A tiny RoMA surrogate of ``y = a - (b - 0.5)^2`` and its inputs."""
        gen = torch.Generator().manual_seed(0)
        X = torch.rand(20, 2, generator=gen).to(**tkwargs)
        Y = X[:, :1] - (X[:, 1:] - 0.5).square()
        dataset = SupervisedDataset(X=X, Y=Y, feature_names=NAMES, outcome_names=["y"])
        config = roma_model_config({"epochs": 2, "hidden_sizes": (4,)}, seed=0)
        surrogate = Surrogate(surrogate_spec=SurrogateSpec(model_configs=[config]))
        surrogate.fit(datasets=[dataset], search_space_digest=DIGEST)
        return surrogate, X

    def _acquisition(self, surrogate, weight, pending=None, **config):
        X = surrogate.Xs[0]
        opt_config = TorchOptConfig(
            objective_weights=torch.tensor([[weight]]).to(X),
            pending_observations=None if pending is None else [pending],
            **config,
        )
        return RoMAAcquisition(
            surrogate=surrogate,
            search_space_digest=DIGEST,
            torch_opt_config=opt_config,
            botorch_acqf_class=PosteriorMean,
            options=OPTIONS,
        )

    def test_optimize_direction_and_distinct_candidates(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                surrogate, X = self._surrogate(**tkwargs)
                pending = torch.tensor([[0.9, 0.5], [0.95, 0.5]], **tkwargs)
                mean_a = {}
                for weight in (1.0, -1.0):
                    acq = self._acquisition(surrogate, weight, pending=pending)
                    self.assertIsInstance(acq.acqf, PosteriorMean)
                    candidates, values, weights = acq.optimize(
                        n=4, search_space_digest=DIGEST
                    )
                    self.assertEqual(candidates.shape, torch.Size([4, 2]))
                    self.assertEqual(candidates.dtype, dtype)
                    self.assertEqual(candidates.device.type, self.device.type)
                    self.assertTrue(((candidates >= 0) & (candidates <= 1)).all())
                    # Distinct, and none is a training point or a pending point.
                    self.assertEqual(len(torch.unique(candidates, dim=0)), 4)
                    seen = torch.cat([X, pending])
                    same = (candidates.unsqueeze(1) == seen.unsqueeze(0)).all(-1)
                    self.assertFalse(same.any())
                    # The values are the (maximization-aligned) posterior means.
                    self.assertEqual(values.shape, torch.Size([4]))
                    self.assertEqual(values.dtype, dtype)
                    with torch.no_grad():
                        expected = acq.acqf(candidates.unsqueeze(-2))
                    self.assertAllClose(values, expected)
                    self.assertEqual(weights.dtype, dtype)
                    self.assertTrue(
                        torch.equal(weights.cpu(), torch.ones(4, dtype=dtype))
                    )
                    mean_a[weight] = candidates[:, 0].mean().item()
                # y increases with a: the ascent follows the objective's direction.
                self.assertGreater(mean_a[1.0], 0.5)
                self.assertLess(mean_a[-1.0], 0.5)

    def test_rejects_outcome_constraints_and_optimizer_options(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                surrogate, _ = self._surrogate(**tkwargs)
                constraints = (
                    torch.tensor([[1.0]], **tkwargs),
                    torch.tensor([[0.0]], **tkwargs),
                )
                acq = self._acquisition(surrogate, 1.0, outcome_constraints=constraints)
                with self.assertRaisesRegex(
                    UnsupportedError, "RoMA does not support outcome constraints"
                ):
                    acq.optimize(n=2, search_space_digest=DIGEST)
                acq = self._acquisition(surrogate, 1.0)
                with self.assertRaisesRegex(UnsupportedError, "optimizer_options"):
                    acq.optimize(
                        n=2, search_space_digest=DIGEST, optimizer_options={"a": 1}
                    )
