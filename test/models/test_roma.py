import math
import warnings

import torch
from botorch.acquisition import qLogExpectedImprovement, qUpperConfidenceBound
from botorch.acquisition.objective import ScalarizedPosteriorTransform
from botorch.exceptions.errors import InputDataError, UnsupportedError
from botorch.models.transforms.input import Normalize
from botorch.optim import optimize_acqf
from botorch.posteriors.ensemble import EnsemblePosterior
from botorch.utils.testing import BotorchTestCase

from botorch_roma import RoMAFitWarning, RoMAInputError, RoMAModel, RoMATrainingError
from botorch_roma.generation import gen_candidates_roma
from botorch_roma.models.mlp import mlp_forward
from botorch_roma.models.pretraining import (
    PretrainingOptions,
    worst_case_perturbation,
)
from botorch_roma.models.roma import fit_divergence, negate_roma_model

FAST = {"epochs": 40, "inner_steps": 3, "batch_size": 16, "lr": 1e-2}


def _data(n=40, d=3, seed=0, **tkwargs):
    gen = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=gen).to(**tkwargs)
    Y = -(X - 0.6).square().sum(-1, keepdim=True) * 10 + 10.0
    return X, Y


class TestRoMAModel(BotorchTestCase):
    def test_shapes_dtypes_and_units(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            X, Y = _data(**tkwargs)
            model = RoMAModel(X, Y, **FAST).fit(seed=0)
            self.assertTrue(model.is_fitted)
            self.assertEqual(model.num_outputs, 1)
            self.assertEqual(model.batch_shape, torch.Size([]))
            self.assertTrue(all(p.dtype == dtype for p in model.parameters()))
            for shape in [(4, 3), (2, 5, 3), (3, 2, 1, 3)]:
                post = model.posterior(torch.rand(*shape, **tkwargs))
                self.assertIsInstance(post, EnsemblePosterior)
                self.assertEqual(post.mean.shape, (*shape[:-1], 1))
                self.assertEqual(post.mean.dtype, dtype)
            # Predictions are in the original units: the mean at the training
            # data matches the data's mean, not 0 (standardized units).
            pred = model.posterior(X).mean
            self.assertLess(abs(pred.mean().item() - Y.mean().item()), Y.std().item())
            self.assertGreater(pred.mean().item(), 3.0)
            # The proxy learned something: correlation with the data.
            corr = torch.corrcoef(torch.stack([pred.squeeze(-1), Y.squeeze(-1)]))
            self.assertGreater(corr[0, 1].item(), 0.5)
            self.assertEqual(len(model.training_history), 40)

    def test_default_and_custom_transforms(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        X, Y = _data(**tkwargs)
        X = X * 100 + 7
        model = RoMAModel(X, Y, **FAST)
        Z = model.input_transform(X)
        self.assertAllClose(Z.mean(0), torch.zeros(3, **tkwargs), atol=1e-6)
        self.assertAllClose(Z.std(0), torch.ones(3, **tkwargs), atol=1e-6)
        bounds = torch.tensor([[7.0] * 3, [107.0] * 3], **tkwargs)
        model = RoMAModel(X, Y, input_transform=Normalize(d=3, bounds=bounds), **FAST)
        self.assertGreaterEqual(model.input_transform(X).min().item(), 0.0)
        self.assertLessEqual(model.input_transform(X).max().item(), 1.0)
        model.fit(seed=0)
        self.assertEqual(model.posterior(X[:2]).mean.shape, (2, 1))

    def test_nll_loss(self):
        for dtype in (torch.float, torch.double):
            X, Y = _data(device=self.device, dtype=dtype)
            model = RoMAModel(X, Y, loss="nll", **FAST).fit(seed=0)
            self.assertEqual(model.params[-1].shape, (2,))
            self.assertEqual(model.posterior(X[:4]).mean.shape, (4, 1))
            self.assertTrue(torch.isfinite(model.logstd_bounds).all())

    def test_under_botorch_acquisitions(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            X, Y = _data(**tkwargs)
            model = RoMAModel(X, Y, **FAST).fit(seed=0)
            bounds = torch.stack([torch.zeros(3), torch.ones(3)]).to(**tkwargs)
            for acqf in (
                qLogExpectedImprovement(model, best_f=Y.max()),
                qUpperConfidenceBound(model, beta=0.1),
            ):
                cand, value = optimize_acqf(
                    acqf, bounds=bounds, q=2, num_restarts=2, raw_samples=16
                )
                self.assertEqual(cand.shape, (2, 3))
                self.assertTrue(torch.isfinite(value))
                self.assertTrue(((cand >= 0) & (cand <= 1)).all())

    def test_scalarized_posterior_transform(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            X, Y = _data(**tkwargs)
            model = RoMAModel(X, Y, **FAST).fit(seed=0)
            ptf = ScalarizedPosteriorTransform(
                weights=torch.tensor([-2.0], **tkwargs), offset=1.5
            )
            Xt = torch.rand(2, 4, 3, **tkwargs)
            plain = model.posterior(Xt).mean
            post = model.posterior(Xt, posterior_transform=ptf)
            self.assertAllClose(post.mean, -2.0 * plain + 1.5)
            acqf = qLogExpectedImprovement(model, best_f=-1.0, posterior_transform=ptf)
            self.assertEqual(acqf(Xt).shape, (2,))

    def test_ball_constraint_in_pretraining(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            X, Y = _data(**tkwargs)
            model = RoMAModel(X, Y, **FAST).fit(seed=0)
            params = [p.detach().clone().requires_grad_(True) for p in model.params]
            before = [p.detach().clone() for p in params]
            Z, y = model._train_Z, model._train_y_std
            for eps in (1e-3, 5e-2):
                deltas = worst_case_perturbation(params, Z, y, eps, steps=7)
                for p, d, b in zip(params, deltas, before):
                    self.assertLessEqual(
                        d.norm().item(), eps * b.norm().item() * (1 + 1e-4) + 1e-12
                    )
                    self.assertAllClose(p.detach(), b)  # restored
                # The perturbation is worst-case: it raises the loss.
                perturbed = [b + d for b, d in zip(before, deltas)]
                loss0 = (mlp_forward(before, Z)[..., 0] - y).square().mean()
                loss1 = (mlp_forward(perturbed, Z)[..., 0] - y).square().mean()
                self.assertGreater(loss1.item(), loss0.item())

    def test_determinism_under_seed(self):
        for dtype in (torch.float, torch.double):
            X, Y = _data(device=self.device, dtype=dtype)
            m1 = RoMAModel(X, Y, **FAST).fit(seed=3)
            m2 = RoMAModel(X, Y, **FAST).fit(seed=3)
            m3 = RoMAModel(X, Y, **FAST).fit(seed=4)
            for a, b in zip(m1.params, m2.params):
                self.assertTrue(torch.equal(a, b))
            self.assertFalse(torch.equal(m1.params[0], m3.params[0]))
            # Refitting the same model with the same seed reproduces it too.
            w = [p.detach().clone() for p in m1.params]
            m1.fit(seed=3)
            for a, b in zip(m1.params, w):
                self.assertTrue(torch.equal(a, b))

    def test_caller_tensors_not_modified(self):
        X, Y = _data(device=self.device, dtype=torch.double)
        X0, Y0 = X.clone(), Y.clone()
        model = RoMAModel(X, Y, **FAST).fit(seed=0)
        model.posterior(X)
        self.assertTrue(torch.equal(X, X0) and torch.equal(Y, Y0))
        self.assertIsNot(model.train_X, X)

    def test_auto_epochs(self):
        opts = PretrainingOptions()
        self.assertEqual(opts.num_epochs(17000), 50)  # 133 batches x 50 epochs
        self.assertEqual(opts.num_epochs(1000), math.ceil(2000 / 8))
        self.assertEqual(PretrainingOptions(epochs=7).num_epochs(10), 7)

    def test_unclear_inputs_get_clear_errors(self):
        X, Y = _data(dtype=torch.double, device=self.device)
        cases = [
            ((X.half(), Y.half()), "float16, too coarse"),
            ((X.bfloat16(), Y), "bfloat16, too coarse"),
            ((X, Y.T), r"one row of 40 scores.*train_Y.T"),
            ((X[:, :0], Y), "0 columns"),
            ((X, Y * 1e300), "too large a range"),
            ((X * 1e300, Y), "too large a range"),
        ]
        for (Xb, Yb), message in cases:
            with self.assertRaisesRegex(RoMAInputError, message):
                RoMAModel(Xb, Yb)
        model = RoMAModel(X, Y, **FAST)
        for seed in (1.7, "abc", -1, True):
            with self.assertRaisesRegex(RoMAInputError, "seed"):
                model.fit(seed=seed)
        # progress="no" would be truthy: refused rather than showing bars.
        with self.assertRaisesRegex(RoMAInputError, "progress must be a bool"):
            model.fit(seed=0, progress="no")
        self.assertFalse(model.is_fitted)

    def test_bad_input(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        X, Y = _data(**tkwargs)
        cases = [
            ((X, Y[:-1]), "rows"),
            ((X[:1], Y[:1]), "at least 2"),
            ((X.unsqueeze(0), Y), "2-d"),
            ((X, torch.full_like(Y, 2.0)), "constant"),
        ]
        Xn = X.clone()
        Xn[3, 1] = float("nan")
        Yi = Y.clone()
        Yi[5, 0] = float("inf")
        cases += [((Xn, Y), "NaN or inf"), ((X, Yi), "NaN or inf")]
        for (Xb, Yb), msg in cases:
            with self.assertRaisesRegex(RoMAInputError, msg):
                RoMAModel(Xb, Yb)
        # The package error is also a BoTorch InputDataError and a ValueError.
        with self.assertRaises(InputDataError):
            RoMAModel(X[:1], Y[:1])
        with self.assertRaises(ValueError):
            RoMAModel(X[:1], Y[:1])
        with self.assertRaisesRegex(UnsupportedError, "single objective"):
            RoMAModel(X, torch.cat([Y, -Y], dim=-1))
        with self.assertRaisesRegex(RoMAInputError, "Unknown RoMAModel option"):
            RoMAModel(X, Y, epsillon=1e-3)
        with self.assertRaisesRegex(RoMAInputError, "loss must be one of"):
            RoMAModel(X, Y, loss="huber")
        with self.assertRaisesRegex(RoMAInputError, "epsilon must be"):
            RoMAModel(X, Y, epsilon=-1.0)
        with self.assertRaisesRegex(RoMAInputError, "d=3"):
            RoMAModel(X, Y, **FAST).fit(seed=0).posterior(torch.rand(2, 4, **tkwargs))

    def test_divergence_raises(self):
        X, Y = _data(device=self.device, dtype=torch.float)
        model = RoMAModel(X, Y * 1e30, lr=1e35, grad_clip=None, epochs=3)
        with self.assertRaisesRegex(RoMATrainingError, "epsilon.*lr"):
            model.fit(seed=0)

    def test_silent_failures_are_caught_by_name(self):
        # A learning rate or perturbation ball so large that the proxy learns
        # a constant used to finish without a word.
        for dtype in (torch.float, torch.double):
            X, Y = _data(n=120, device=self.device, dtype=dtype)
            with self.assertRaisesRegex(RoMATrainingError, "collapsed"):
                RoMAModel(X, Y, epochs=30, lr=10.0).fit(seed=0)
            # A ball ten times the weights' size: the robust loss explodes.
            for loss in ("nll", "mse", "listnet"):
                with self.assertRaisesRegex(
                    RoMATrainingError, "robust training loss ended at .*Lower epsilon"
                ):
                    RoMAModel(X, Y, epochs=30, epsilon=10.0, loss=loss).fit(seed=0)
            # Pure noise explains almost nothing: a warning, not an error.
            gen = torch.Generator().manual_seed(1)
            noise = torch.randn(Y.shape, generator=gen).to(Y)
            with self.assertWarnsRegex(RoMAFitWarning, "explains"):
                RoMAModel(X, noise, epochs=5).fit(seed=0)
            for loss in ("nll", "mse", "listnet"):
                with warnings.catch_warnings():
                    warnings.simplefilter("error", RoMAFitWarning)
                    # A sane fit is quiet.
                    RoMAModel(X, Y, epochs=30, loss=loss).fit(seed=0)

    def test_epsilon_rule_trials_do_not_warn(self):
        # A rejected trial (epsilon 0.5 explains 7% here) used to surface as a
        # RoMAFitWarning naming that epsilon, though the model never used it.
        for dtype in (torch.float, torch.double):
            X, Y = _data(n=120, device=self.device, dtype=dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("error", RoMAFitWarning)
                selection = RoMAModel(X, Y, epochs=30).run_epsilon_rule(
                    grid=(0.5, 1e-4)
                )
            self.assertEqual(selection.epsilon, 1e-4)
            self.assertEqual([t["stable"] for t in selection.trials], [False, True])

    def test_fit_divergence_names_each_sign(self):
        options = PretrainingOptions(loss="mse")
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            y = torch.linspace(-1.5, 1.5, 20, **tkwargs)
            good = [
                {"epoch": 0, "train_loss": 2.0, "val_mse": 1.2},
                {"epoch": 1, "train_loss": 0.3, "val_mse": 0.4},
            ]
            self.assertIsNone(fit_divergence(0.9 * y, y, good, options))
            self.assertIsNone(fit_divergence(0.9 * y, y, [], options))  # no history
            cases = [
                (y + 20.0, good, "training MSE"),
                (0 * y + 1e-4 * y, good, "collapsed to a constant"),
                (torch.cat([y[:-1], y.new_tensor([9.0])]), good, "far outside"),
                (
                    0.9 * y,
                    [good[0], {**good[1], "val_mse": 50.0}],
                    "validation MSE rose from 1.2 .* to 50",
                ),
                (
                    0.9 * y,
                    [good[0], {**good[1], "val_mse": float("nan")}],
                    "validation MSE rose",
                ),
                (
                    0.9 * y,
                    [good[0], {**good[1], "train_loss": 5e3}],
                    "robust training loss ended at 5e\\+03",
                ),
            ]
            for pred, history, message in cases:
                with self.subTest(message=message, dtype=dtype):
                    self.assertRegex(fit_divergence(pred, y, history, options), message)
            # The loss scale depends on the loss: 5e3 is sane for nothing, but
            # an NLL at a small std may reach 100 without diverging.
            nll = PretrainingOptions(loss="nll")
            hist = [{"epoch": 0, "train_loss": 100.0}]
            self.assertIsNone(fit_divergence(0.9 * y, y, hist, nll))


class TestNegateRoMAModel(BotorchTestCase):
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
