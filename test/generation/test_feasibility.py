r"""Tests for ``botorch_roma/generation/feasibility.py``."""

from __future__ import annotations

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.feasibility import (
    FeasibilityRepair,
    check_constraints,
    repair_ascent,
    select_distinct,
)


class TestFeasibility(BotorchTestCase):
    def test_repair_projects_rounds_and_backs_off(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            bounds = torch.tensor([[0.0, 0.0], [1.0, 1.0]], **tkwargs)
            # x0 + x1 <= 1, i.e. -x0 - x1 >= -1; x1 lives on the grid {0, .5, 1}.
            ineq = [(torch.tensor([0, 1]), torch.tensor([-1.0, -1.0], **tkwargs), -1.0)]

            def rounding(X):
                X = X.clone()
                X[..., 1] = (X[..., 1] * 2).round() / 2
                return X

            finalize = FeasibilityRepair(
                bounds, inequality_constraints=ineq, rounding_func=rounding
            )
            X = torch.tensor([[0.9, 0.9], [0.2, 0.3], [1.5, -0.2]], **tkwargs)
            starts = torch.tensor([[0.1, 0.0], [0.2, 0.0], [0.0, 0.5]], **tkwargs)
            out = finalize(X, starts)
            self.assertTrue(torch.isfinite(out).all())
            self.assertTrue(finalize.feasible(out).all())
            self.assertTrue(((out[:, 1] * 2).round() == out[:, 1] * 2).all())
            self.assertTrue((out >= 0).all() and (out <= 1).all())
            # With fixed features, the fixed column is kept.
            fixed = FeasibilityRepair(
                bounds,
                inequality_constraints=ineq,
                fixed_features={0: 0.25},
                rounding_func=rounding,
            )
            self.assertTrue((fixed(X, starts)[:, 0] == 0.25).all())

    def testselect_distinct(self):
        for dtype in (torch.float, torch.double):
            seen = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=dtype)
            first = torch.tensor(
                [[0.0, 0.0], [0.5, 0.5], [0.5, 0.5], [float("nan")] * 2], dtype=dtype
            )
            second = torch.tensor([[0.2, 0.2], [0.3, 0.3]], dtype=dtype)
            out = select_distinct([first, second], seen, 2)
            self.assertTrue(torch.equal(out, torch.cat([first[1:2], second[:1]])))
            out = select_distinct([first], seen, 5)
            self.assertEqual(out.shape, torch.Size([1, 2]))
            self.assertEqual(select_distinct([first[:1]], seen, 2).shape[0], 0)

    def test_repair_ascent_falls_back_to_feasible_iterates(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            bounds = torch.tensor([[0.0, 0.0], [1.0, 1.0]], **tkwargs)
            # x0 >= 0.5 can never be repaired by rounding columns 0 to {0}...
            ineq = [(torch.tensor([0]), torch.tensor([1.0], **tkwargs), 0.5)]

            def zero_first(X):
                X = X.clone()
                X[..., 0] = torch.where(X[..., 0] < 0.7, 0.0, X[..., 0])
                return X

            repair = FeasibilityRepair(
                bounds, inequality_constraints=ineq, rounding_func=zero_first
            )
            starts = torch.tensor([[0.6, 0.1], [0.6, 0.2]], **tkwargs)
            end = torch.tensor([[0.6, 0.9], [0.6, 0.8]], **tkwargs)
            # ... except for points whose first column is >= 0.7: the second
            # snapshot is repairable for row 0 only, the first for no row.
            early = torch.tensor([[0.6, 0.3], [0.6, 0.4]], **tkwargs)
            late = torch.tensor([[0.8, 0.5], [0.6, 0.6]], **tkwargs)
            self.assertFalse(torch.isfinite(repair(end, starts)).any())
            out = repair_ascent(end, starts, [early, late], repair)
            self.assertTrue(torch.equal(out[0], late[0]))
            self.assertTrue(torch.isnan(out[1]).all())
            self.assertTrue(repair.feasible(out[:1]).all())

    def test_check_constraints(self):
        idx, coef = torch.tensor([0, 1]), torch.tensor([1.0, 1.0])
        self.assertIsNone(check_constraints(None, 2, "c"))
        self.assertIsNone(check_constraints([], 2, "c"))
        self.assertEqual(len(check_constraints([(idx, coef, 1.0)], 2, "c")), 1)
        bad = [
            ((idx, coef), "tuple"),
            ([(idx, coef, 1.0, 2.0)], "tuple"),
            ([([0, 1], [1.0, 1.0], 1.0)], "tensors"),
            ([(idx, coef[:1], 1.0)], "same length"),
            ([(torch.tensor([0, 2]), coef, 1.0)], "d=2"),
            ([(idx, torch.tensor([1.0, float("nan")]), 1.0)], "non-finite"),
            ([(idx, coef, float("inf"))], "non-finite"),
        ]
        for constraints, message in bad:
            with self.assertRaisesRegex(RoMAInputError, message):
                check_constraints(constraints, 2, "c")
        with self.assertRaisesRegex(RoMAInputError, "need bounds"):
            FeasibilityRepair(None, inequality_constraints=[(idx, coef, 1.0)])
