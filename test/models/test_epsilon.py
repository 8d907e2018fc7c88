r"""Tests for ``botorch_roma/models/epsilon.py``: the offline epsilon rule."""

from __future__ import annotations

import math

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma import RoMAModel, select_epsilon
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.models.epsilon import EPSILON_GRID, rule_val_size, run_epsilon_rule

FAST = {"epochs": 6, "hidden_sizes": (8, 8), "inner_steps": 3, "batch_size": 32}


def _data(**tkwargs):
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(80, 3, generator=gen).to(**tkwargs)
    Y = -(X - 0.5).square().sum(-1, keepdim=True)
    return X, Y


class TestSelectEpsilon(BotorchTestCase):
    def test_rejects_dominating_perturbations(self):
        for dtype in (torch.float, torch.double):
            for loss in ("mse", "nll"):
                X, Y = _data(device=self.device, dtype=dtype)
                # A perturbation ball as large as the weights dominates the
                # robust loss, so the rule must fall back to the small value.
                selection = select_epsilon(X, Y, grid=(1.0, 1e-4), loss=loss, **FAST)
                self.assertAlmostEqual(selection.epsilon, 1e-4)
                self.assertEqual([t["epsilon"] for t in selection.trials], [1.0, 1e-4])
                self.assertFalse(selection.trials[0]["stable"])
                self.assertNotEqual(selection.trials[0]["reason"], "stable")
                self.assertTrue(selection.trials[1]["stable"])
                self.assertLessEqual(
                    {"train_loss", "val_loss", "val_mse", "level", "progress"},
                    set(selection.reference),
                )

    def test_picks_largest_stable_and_falls_back(self):
        X, Y = _data(device=self.device, dtype=torch.double)
        loose = select_epsilon(
            X, Y, grid=(1e-3, 1e-2), train_tolerance=1e6, val_tolerance=1e6, **FAST
        )
        self.assertAlmostEqual(loose.epsilon, 1e-2)  # largest value, tried first
        self.assertEqual(len(loose.trials), 1)
        with self.assertWarnsRegex(RuntimeWarning, "No epsilon"):
            none = select_epsilon(X, Y, grid=(1.0, 2.0), train_tolerance=0.0, **FAST)
        self.assertEqual(none.epsilon, 0.0)
        self.assertFalse(any(t["stable"] for t in none.trials))

    def test_bad_input(self):
        X, Y = _data(device=self.device, dtype=torch.double)
        for kwargs in ({"grid": ()}, {"grid": (0.0, 1e-3)}, {"epsilon": 1e-3}):
            with self.assertRaisesRegex(RoMAInputError, "grid"):
                select_epsilon(X, Y, **kwargs)
        with self.assertRaisesRegex(RoMAInputError, "tolerance"):
            select_epsilon(X, Y, val_tolerance=-1.0)
        self.assertIn(5e-3, EPSILON_GRID)
        self.assertIn(5e-4, EPSILON_GRID)

    def test_rule_on_histories(self):
        # The rule itself only reads the histories it is given.
        def fit(eps):
            base = [{"train_loss": 1.0 - 0.1 * i, "val_mse": 1.0} for i in range(10)]
            if eps >= 0.1:  # diverges
                return [{"train_loss": 1.0 + i, "val_mse": 1.0} for i in range(10)]
            if eps >= 0.01:  # validation blows up
                return [{**r, "val_mse": 2.0} for r in base]
            return base

        selection = run_epsilon_rule(fit, grid=(0.1, 0.01, 0.001))
        self.assertEqual(selection.epsilon, 0.001)
        self.assertEqual(selection.grid, [0.1, 0.01, 0.001])
        reasons = [t["reason"] for t in selection.trials]
        self.assertIn("diverged", reasons[0])
        self.assertIn("validation MSE", reasons[1])
        self.assertEqual(reasons[2], "stable")
        self.assertEqual(rule_val_size(100), 20)
        self.assertEqual(rule_val_size(20000), 500)

    def test_auto_epsilon_on_the_model(self):
        for dtype in (torch.float, torch.double):
            X, Y = _data(device=self.device, dtype=dtype)
            model = RoMAModel(X, Y, epsilon="auto", **FAST)
            self.assertIsNone(model.epsilon)  # not chosen yet
            model.fit(seed=0)
            selection = model.epsilon_selection
            self.assertIsNotNone(selection)
            self.assertIn(selection.epsilon, (0.0, *EPSILON_GRID))
            self.assertEqual(model.epsilon, selection.epsilon)
            self.assertEqual(model.options.epsilon, "auto")  # the setting is kept
            # The same rule as the function form with the same seed.
            again = select_epsilon(X, Y, seed=0, **FAST)
            self.assertEqual(again.epsilon, selection.epsilon)
            # The final fit uses the chosen value: identical to a fixed fit.
            fixed = RoMAModel(X, Y, epsilon=selection.epsilon, **FAST).fit(seed=0)
            for p, q in zip(model.params, fixed.params):
                self.assertTrue(torch.equal(p, q))
            self.assertTrue(
                all(math.isfinite(r["train_loss"]) for r in model.training_history)
            )
