r"""Tests for ``botorch_roma/report.py`` (the trust report)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma import RoMAEnsembleModel, RoMAModel, optimize_roma
from botorch_roma.report import MIN_SPEARMAN, trust_report

FIT = {"epochs": 80, "hidden_sizes": (16, 16), "inner_steps": 2, "val_size": 12}


def _data(n=60, d=2, **tkwargs):
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(n, d, generator=gen, dtype=torch.double).to(**tkwargs)
    Y = -(X - 0.4).square().sum(-1, keepdim=True)
    return X, Y


class TestTrustReport(BotorchTestCase):
    def test_report_of_a_batch(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            X, Y = _data(**tkwargs)
            bounds = torch.tensor([[0.0, 0.0], [1.0, 1.0]], **tkwargs)
            for model in (
                RoMAModel(X, Y, **FIT).fit(seed=0),
                RoMAEnsembleModel(X, Y, num_models=3, **FIT).fit(seed=0),
            ):
                designs, _ = optimize_roma(
                    model, bounds=bounds, n=8, seed=0, steps=5, adapt_steps=2
                )
                starts = X[Y.squeeze(-1).argsort(descending=True)[:8]]
                report = trust_report(model, designs, starts)
                self.assertEqual(len(report.heldout_actual), 12)
                # A smooth quadratic: the proxy ranks unseen rows well.
                self.assertGreater(report.spearman, MIN_SPEARMAN)
                self.assertTrue(math.isfinite(report.r2))
                self.assertEqual(report.predicted.shape, (8,))
                self.assertEqual(report.moved.shape, (8,))
                self.assertTrue((report.moved >= 0).all())
                ensemble = model.options.num_models > 1
                self.assertEqual(report.predicted_std is not None, ensemble)
                self.assertEqual(report.spread_spearman is not None, ensemble)
                self.assertEqual(report.data_quantiles["max"], Y.max().item())
                text = "\n".join(report.summary())
                self.assertIn("Held-out fit (12 rows", text)
                with tempfile.TemporaryDirectory() as tmp:
                    path = report.to_markdown(Path(tmp) / "trust.md")
                    self.assertIn("# Trust report", path.read_text())
                    self.assertTrue((Path(tmp) / "trust.png").exists())

    def test_warnings_name_the_problem(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        X, Y = _data(**tkwargs)
        # No held-out rows: the fit is unchecked.
        model = RoMAModel(X, Y, **{**FIT, "val_size": 0}).fit(seed=0)
        report = trust_report(model, X[:4])
        self.assertIn("no held-out rows", report.warnings[0])
        self.assertIsNone(report.moved)
        # Scores unrelated to the designs: a poor held-out ranking.
        noise = torch.randn(60, 1, generator=torch.Generator().manual_seed(1))
        model = RoMAModel(X, noise.to(X), **FIT).fit(seed=0)
        report = trust_report(model, X[:4])
        self.assertTrue(any("ranks held-out rows poorly" in w for w in report.warnings))
        # Designs predicted far above the data: extrapolation.
        model = RoMAModel(X, Y, **FIT).fit(seed=0)
        far = torch.full((2, 2), 50.0, **tkwargs)
        report = trust_report(model, far)
        if (report.predicted > Y.max().item() + 2 * Y.std().item()).any():
            self.assertTrue(any("extrapolations" in w for w in report.warnings))
