r"""Tests for ``botorch_roma/ax/acquisition.py``: RoMA's ascent as an Acquisition."""

from __future__ import annotations

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax.acquisition import (
    _Finalizer,
    _select_distinct,
    negate_roma_model,
)
from botorch_roma.generation import gen_candidates_roma
from botorch_roma.models import RoMAModel


class TestRoMAAcquisitionHelpers(BotorchTestCase):
    def test_negate_roma_model(self):
        for dtype in (torch.float, torch.double):
            for loss in ("mse", "nll"):
                tkwargs = {"device": self.device, "dtype": dtype}
                gen = torch.Generator().manual_seed(0)
                X = torch.rand(16, 2, generator=gen).to(**tkwargs)
                Y = X.sum(-1, keepdim=True) + 3.0
                model = RoMAModel(X, Y, epochs=2, hidden_sizes=(4,), loss=loss)
                model.fit(seed=0)
                neg = negate_roma_model(model)
                mean = model.posterior(X).mean
                self.assertTrue(torch.allclose(neg.posterior(X).mean, -mean))
                self.assertTrue(torch.equal(neg.train_Y, -model.train_Y))
                self.assertTrue(torch.equal(model.posterior(X).mean, mean))  # intact
                # The ascent on the negated model descends the original one.
                opts = {"steps": 5, "adapt_steps": 2, "lr": 0.1}
                up, _ = gen_candidates_roma(X[:4], model, 0.0, 1.0, options=opts)
                down, _ = gen_candidates_roma(X[:4], neg, 0.0, 1.0, options=opts)

                def f(Z, model=model):
                    return model.posterior(Z).mean.squeeze(-1)

                self.assertTrue((f(down) <= f(X[:4]) + 1e-6).all())
                self.assertTrue((f(up) >= f(X[:4]) - 1e-6).all())

    def test_finalizer_projects_rounds_and_backs_off(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            bounds = torch.tensor([[0.0, 0.0], [1.0, 1.0]], **tkwargs)
            # x0 + x1 <= 1, i.e. -x0 - x1 >= -1; x1 lives on the grid {0, .5, 1}.
            ineq = [(torch.tensor([0, 1]), torch.tensor([-1.0, -1.0], **tkwargs), -1.0)]

            def rounding(X):
                X = X.clone()
                X[..., 1] = (X[..., 1] * 2).round() / 2
                return X

            finalize = _Finalizer(bounds, ineq, None, None, rounding, {})
            X = torch.tensor([[0.9, 0.9], [0.2, 0.3], [1.5, -0.2]], **tkwargs)
            starts = torch.tensor([[0.1, 0.0], [0.2, 0.0], [0.0, 0.5]], **tkwargs)
            out = finalize(X, starts)
            self.assertTrue(torch.isfinite(out).all())
            self.assertTrue(finalize.feasible(out).all())
            self.assertTrue(((out[:, 1] * 2).round() == out[:, 1] * 2).all())
            self.assertTrue((out >= 0).all() and (out <= 1).all())
            # With fixed features, the fixed column is kept.
            fixed = _Finalizer(bounds, ineq, None, {0: 0.25}, rounding, {})
            self.assertTrue((fixed(X, starts)[:, 0] == 0.25).all())

    def test_select_distinct(self):
        for dtype in (torch.float, torch.double):
            seen = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=dtype)
            first = torch.tensor(
                [[0.0, 0.0], [0.5, 0.5], [0.5, 0.5], [float("nan")] * 2], dtype=dtype
            )
            second = torch.tensor([[0.2, 0.2], [0.3, 0.3]], dtype=dtype)
            out = _select_distinct([first, second], seen, 2)
            self.assertTrue(torch.equal(out, torch.cat([first[1:2], second[:1]])))
            out = _select_distinct([first], seen, 5)
            self.assertEqual(out.shape, torch.Size([1, 2]))
            self.assertEqual(_select_distinct([first[:1]], seen, 2).shape[0], 0)
