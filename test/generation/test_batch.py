r"""Tests for ``botorch_roma/generation/batch.py``: n new, distinct designs."""

from __future__ import annotations

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma import RoMAModel
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.batch import generate_distinct_candidates
from botorch_roma.generation.feasibility import FeasibilityRepair
from botorch_roma.options import AscentOptions, RunOptions

FAST_FIT = {"epochs": 20, "inner_steps": 2, "batch_size": 16, "hidden_sizes": (8,)}
ASCENT = AscentOptions(steps=6, adapt_steps=2, lr=0.05)


def _model(**tkwargs):
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(30, 2, generator=gen).to(**tkwargs)
    Y = -(X - 0.7).square().sum(-1, keepdim=True)
    return RoMAModel(X, Y, **FAST_FIT).fit(seed=0)


class TestGenerateDistinctCandidates(BotorchTestCase):
    def test_distinct_new_feasible_and_reproducible(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            model = _model(**tkwargs)
            bounds = torch.tensor([[0.0, 0.0], [1.0, 1.0]], **tkwargs)
            # A coarse grid (rounding) makes collisions certain.
            repair = FeasibilityRepair(
                bounds, rounding_func=lambda X: (X * 4).round() / 4
            )
            pending = torch.tensor([[0.75, 0.75]], **tkwargs)
            run = RunOptions(seed=0)
            X = generate_distinct_candidates(
                model, 10, bounds, repair, ASCENT, run, pending=pending
            )
            self.assertEqual(X.shape, (10, 2))
            self.assertTrue(torch.equal((X * 4).round() / 4, X))  # on the grid
            self.assertEqual(torch.unique(X, dim=0).shape[0], 10)  # distinct
            seen = torch.cat([model.train_X, pending])
            self.assertGreater(torch.cdist(X, seen, p=float("inf")).min().item(), 0)
            again = generate_distinct_candidates(
                model, 10, bounds, repair, ASCENT, run, pending=pending
            )
            self.assertTrue(torch.equal(X, again))
            # The 5 x 5 grid has 25 points: asking for more than are new fails.
            with self.assertRaisesRegex(RoMAInputError, "distinct new designs"):
                generate_distinct_candidates(model, 30, bounds, repair, ASCENT, run)
