r"""Tests for ``botorch_roma/generation/feasibility.py``."""

from __future__ import annotations

import torch
from botorch.optim.parameter_constraints import project_to_feasible_space_via_slsqp
from botorch.utils.testing import BotorchTestCase

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.generation.feasibility import (
    FeasibilityRepair,
    check_constraints,
    equality_system,
    project_onto_equalities,
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

    def test_project_onto_equalities(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            gen = torch.Generator().manual_seed(0)
            d = 5
            X = (torch.rand(40, d, generator=gen) * 1.4 - 0.2).to(**tkwargs)
            X[0] = float("nan")
            lower, upper = torch.zeros(d, **tkwargs), torch.ones(d, **tkwargs)
            lower[2] = upper[2] = 0.1  # a fixed column
            # Fractions that sum to 1, and a second, mixed-sign equality.
            mixed = torch.tensor([2.0, -1.0, 3.0], **tkwargs)
            eq = [
                (torch.arange(d), torch.ones(d, **tkwargs), 1.0),
                (torch.tensor([0, 1, 3]), mixed, 0.5),
            ]
            A, b = equality_system(eq, d, X)
            self.assertEqual(A.shape, (2, d))
            P = project_onto_equalities(X, A, b, lower, upper)
            self.assertEqual(P.dtype, dtype)
            self.assertTrue(torch.isnan(P[0]).all())  # left unchanged
            P = P[1:].double()
            tol = 1e-12 if dtype == torch.double else 1e-6
            self.assertLess((P @ A.double().t() - b.double()).abs().max(), tol)
            self.assertTrue(((P >= lower.double()) & (P <= upper.double())).all())
            self.assertTrue((P[:, 2] == lower[2].double()).all())
            # It is the Euclidean projection: SLSQP finds the same points
            # (from points inside the box, which SLSQP needs).
            inside = torch.maximum(torch.minimum(X[1:6], upper), lower)
            P = project_onto_equalities(inside, A, b, lower, upper)
            for i in range(5):
                expected = project_to_feasible_space_via_slsqp(
                    inside[i : i + 1],
                    bounds=torch.stack([lower, upper]),
                    equality_constraints=eq,
                )
                self.assertAllClose(P[i : i + 1], expected, atol=1e-5, rtol=0)
            # One box per row: a pinned column stays where it is.
            rows_lower = lower.expand(39, d).clone()
            rows_upper = upper.expand(39, d).clone()
            rows_lower[:, 0] = rows_upper[:, 0] = 0.05
            P = project_onto_equalities(X[1:], A[:1], b[:1], rows_lower, rows_upper)
            self.assertTrue((P[:, 0] == rows_lower[0, 0]).all())
            self.assertLess((P.double().sum(-1) - 1).abs().max(), tol)

    def test_repair_holds_equalities(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            bounds = torch.tensor([[0.0] * 3, [1.0] * 3], **tkwargs)
            eq = [(torch.arange(3), torch.ones(3, **tkwargs), 1.0)]
            ineq = [(torch.tensor([0]), torch.tensor([-1.0], **tkwargs), -0.5)]
            repair = FeasibilityRepair(
                bounds, inequality_constraints=ineq, equality_constraints=eq
            )
            X = torch.tensor([[0.9, 0.9, 0.9], [0.1, 0.2, 0.3], [0.2, 0.2, 0.6]])
            out = repair(X.to(**tkwargs), starts=X.to(**tkwargs))
            self.assertTrue(repair.feasible(out).all())
            tol = 1e-12 if dtype == torch.double else 1e-6
            self.assertLess((out.double().sum(-1) - 1).abs().max(), tol)
            self.assertTrue((out[:, 0] <= 0.5 + 1e-6).all())
            # A feasible row is not moved.
            self.assertAllClose(out[2], X[2].to(**tkwargs))

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
