r"""Tests for ``botorch_roma/models/ensemble.py``: an ensemble of RoMA proxies."""

from __future__ import annotations

import torch
from botorch.acquisition import (
    qLogExpectedImprovement,
    qLogNoisyExpectedImprovement,
    qUpperConfidenceBound,
)
from botorch.acquisition.objective import ScalarizedPosteriorTransform
from botorch.models.ensemble import EnsembleModel
from botorch.optim import optimize_acqf
from botorch.posteriors.ensemble import EnsemblePosterior
from botorch.utils.testing import BotorchTestCase

from botorch_roma import RoMAModel, optimize_roma
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.models.ensemble import (
    RoMAEnsembleModel,
    build_proxy,
    member_seeds,
)
from botorch_roma.models.roma import negate_roma_model

FAST = {"epochs": 15, "inner_steps": 2, "batch_size": 16, "hidden_sizes": (8, 8)}


def _data(n=40, d=3, **tkwargs):
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(n, d, generator=gen).to(**tkwargs)
    Y = -(X - 0.6).square().sum(-1, keepdim=True) * 10 + 10.0
    return X, Y


class TestRoMAEnsembleModel(BotorchTestCase):
    def test_members_posterior_and_reproducibility(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            X, Y = _data(**tkwargs)
            model = RoMAEnsembleModel(X, Y, num_models=4, **FAST).fit(seed=0)
            self.assertIsInstance(model, EnsembleModel)
            self.assertEqual(model.num_models, 4)
            self.assertEqual(model.params[0].shape, (4, 3, 8))
            post = model.posterior(torch.rand(2, 5, 3, **tkwargs))
            self.assertIsInstance(post, EnsemblePosterior)
            self.assertEqual(post.values.shape, (2, 4, 5, 1))
            self.assertEqual(post.mean.shape, (2, 5, 1))
            self.assertEqual(post.mean.dtype, dtype)
            # Members differ, so the spread is real; the mean is the members'.
            self.assertTrue((post.variance > 0).all())
            self.assertAllClose(post.mean, post.values.mean(-3))
            self.assertEqual(len(model.member_histories), 4)
            self.assertEqual(len(model.training_history), 15)
            again = RoMAEnsembleModel(X, Y, num_models=4, **FAST).fit(seed=0)
            for p, q in zip(model.params, again.params):
                self.assertTrue(torch.equal(p, q))
            other = RoMAEnsembleModel(X, Y, num_models=4, **FAST).fit(seed=1)
            self.assertFalse(torch.equal(model.params[0], other.params[0]))
            # A scalarized transform (Ax's) applies to every member.
            weights = torch.tensor([-2.0], **tkwargs)
            tf = ScalarizedPosteriorTransform(weights, offset=1.0)
            scaled = model.posterior(X[:4], posterior_transform=tf)
            self.assertAllClose(scaled.mean, 1.0 - 2.0 * model.posterior(X[:4]).mean)

    def test_botorch_acquisitions(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        X, Y = _data(**tkwargs)
        model = RoMAEnsembleModel(X, Y, num_models=3, **FAST).fit(seed=0)
        bounds = torch.tensor([[0.0] * 3, [1.0] * 3], **tkwargs)
        for acqf in (
            qLogExpectedImprovement(model, best_f=Y.max()),
            qLogNoisyExpectedImprovement(model, X_baseline=X[:10]),
            qUpperConfidenceBound(model, beta=2.0),
        ):
            X_new, value = optimize_acqf(
                acqf, bounds=bounds, q=2, num_restarts=2, raw_samples=16
            )
            self.assertEqual(X_new.shape, (2, 3))
            self.assertTrue(torch.isfinite(value).all())

    def test_ascent_on_the_ensemble(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            X, Y = _data(**tkwargs)
            model = RoMAEnsembleModel(X, Y, num_models=3, **FAST).fit(seed=0)
            bounds = torch.tensor([[0.0] * 3, [1.0] * 3], **tkwargs)
            common = {"n": 6, "seed": 0, "steps": 10, "adapt_steps": 3, "lr": 0.05}
            for mode in ("per_candidate", "shared", "none"):
                for pessimism in (0.0, 2.0):
                    Xc, values = optimize_roma(
                        model,
                        bounds=bounds,
                        adaptation=mode,
                        pessimism=pessimism,
                        **common,
                    )
                    self.assertEqual(Xc.shape, (6, 3))
                    self.assertTrue(((Xc >= 0) & (Xc <= 1)).all())
                    mean = model.posterior(Xc).mean.squeeze(-1)
                    self.assertAllClose(values, mean, atol=1e-4, rtol=1e-4)
            # Pessimism changes where the candidates go.
            a, _ = optimize_roma(model, bounds=bounds, pessimism=0.0, **common)
            b, _ = optimize_roma(model, bounds=bounds, pessimism=5.0, **common)
            self.assertFalse(torch.allclose(a, b))
            # select="best" returns each candidate's best iterate by the
            # pessimistic pre-trained aggregate, so never a worse one than the
            # last iterate.
            best, _ = optimize_roma(
                model, bounds=bounds, pessimism=1.0, select="best", **common
            )
            last, _ = optimize_roma(model, bounds=bounds, pessimism=1.0, **common)
            # The ascent's std is the population one across members.
            vb = model.posterior(best).values.squeeze(-1)
            vl = model.posterior(last).values.squeeze(-1)
            agg_b = vb.mean(0) - vb.std(0, unbiased=False)
            agg_l = vl.mean(0) - vl.std(0, unbiased=False)
            self.assertTrue((agg_b >= agg_l - 1e-4).all())

    def test_build_proxy_negation_and_bad_input(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        X, Y = _data(**tkwargs)
        self.assertIsInstance(build_proxy(X, Y, **FAST), RoMAModel)
        ensemble = build_proxy(X, Y, num_models=2, **FAST)
        self.assertIsInstance(ensemble, RoMAEnsembleModel)
        self.assertEqual(RoMAEnsembleModel(X, Y, **FAST).num_models, 5)  # default
        ensemble.fit(seed=0)
        neg = negate_roma_model(ensemble)
        self.assertAllClose(
            neg.posterior(X[:3]).values, -ensemble.posterior(X[:3]).values
        )
        with self.assertRaisesRegex(RoMAInputError, "use RoMAModel"):
            RoMAEnsembleModel(X, Y, num_models=1)
        with self.assertRaisesRegex(RoMAInputError, "num_models must be an int"):
            RoMAEnsembleModel(X, Y, num_models=2.5)
        with self.assertRaisesRegex(RoMAInputError, "RoMAEnsembleModel"):
            RoMAModel(X, Y, num_models=3)
        self.assertEqual(member_seeds(2, 3), [6, 7, 8])
        self.assertEqual(member_seeds(None, 2), [None, None])
