import warnings

import numpy as np
import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma import (
    RoMAInputError,
    RoMAInputWarning,
    RoMAModel,
    gen_candidates_roma,
    optimize_roma,
)
from botorch_roma.benchmarks import make_synthetic_task
from botorch_roma.generation.gen import select_starting_designs

FAST_FIT = {"epochs": 40, "inner_steps": 3, "batch_size": 16, "lr": 1e-2}
FAST_ASCENT = {"steps": 8, "adapt_steps": 4}


def _model(dtype, device, n=40, d=3):
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(n, d, generator=gen).to(device=device, dtype=dtype)
    Y = -(X - 0.6).square().sum(-1, keepdim=True)
    return RoMAModel(X, Y, **FAST_FIT).fit(seed=0)


class TestOptimizeRoMA(BotorchTestCase):
    def test_linear_constraints(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            model = _model(**tkwargs)
            bounds = torch.tensor([[0.0] * 3, [1.0] * 3], **tkwargs)
            # The optimum (0.6, 0.6, 0.6) breaks x0 + x1 <= 1, so the ascent
            # pushes candidates across it: all of them must come back feasible.
            idx = torch.tensor([0, 1])
            ineq = [(idx, torch.tensor([-1.0, -1.0], **tkwargs), -1.0)]
            feasible = model.train_X[:, :2].sum(-1) <= 1.0
            X, values = optimize_roma(
                model,
                bounds=bounds,
                n=8,
                train_X=model.train_X[feasible],
                train_Y=model.train_Y[feasible],
                inequality_constraints=ineq,
                seed=0,
                steps=30,
                adapt_steps=2,
                lr=0.05,
            )
            self.assertEqual(X.shape, (8, 3))
            self.assertTrue((X[:, :2].sum(-1) <= 1.0 + 1e-6).all())
            self.assertTrue(((X >= 0) & (X <= 1)).all())
            expected = model.posterior(X).mean.squeeze(-1)
            self.assertAllClose(values, expected, atol=1e-5, rtol=1e-5)
            # Without the constraint some candidates do cross it.
            free, _ = optimize_roma(
                model,
                bounds=bounds,
                n=8,
                train_X=model.train_X[feasible],
                train_Y=model.train_Y[feasible],
                seed=0,
                steps=30,
                adapt_steps=2,
                lr=0.05,
            )
            self.assertTrue((free[:, :2].sum(-1) > 1.0 + 1e-6).any())
            # A constraint that no design in the box meets (x0 + x1 >= 5) is
            # named before any ascent; so is a set that cannot hold together.
            impossible = [(idx, torch.tensor([1.0, 1.0], **tkwargs), 5.0)]
            with self.assertRaisesRegex(
                RoMAInputError,
                r"inequality_constraints\[0\] cannot be met inside the bounds: its "
                r"left-hand side ranges over \[0, 2\] there, and must reach 5",
            ):
                optimize_roma(
                    model, bounds=bounds, n=4, inequality_constraints=impossible
                )
            clash = [ineq[0], (idx, torch.tensor([1.0, 1.0], **tkwargs), 1.5)]
            with self.assertRaisesRegex(RoMAInputError, "together; check their signs"):
                optimize_roma(model, bounds=bounds, n=4, inequality_constraints=clash)
            with self.assertRaisesRegex(RoMAInputError, "with the fixed features"):
                optimize_roma(
                    model,
                    bounds=bounds,
                    n=4,
                    inequality_constraints=ineq,
                    fixed_features={0: 0.8, 1: 0.8},
                )
            with self.assertRaisesRegex(RoMAInputError, "must equal 3"):
                optimize_roma(
                    model,
                    bounds=bounds,
                    n=4,
                    equality_constraints=[(idx, ineq[0][1].neg(), 3.0)],
                )

    def test_equality_constraints_hold_during_the_ascent(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            # Six fractions that sum to 1; rows are off by up to 1e-3, so the
            # starts must be projected first.
            d = 6
            gen = torch.Generator().manual_seed(0)
            X = torch.rand(30, d, generator=gen).to(**tkwargs)
            X = X / X.sum(-1, keepdim=True) * (1 + 1e-3 * torch.rand(30, 1).to(X))
            weights = torch.linspace(-1.0, 1.0, d, **tkwargs)
            Y = X @ weights.unsqueeze(-1) - (X - 0.3).square().sum(-1, keepdim=True)
            model = RoMAModel(X, Y, **FAST_FIT).fit(seed=0)
            bounds = torch.stack([torch.zeros(d), torch.ones(d)]).to(**tkwargs)
            eq = [(torch.arange(d), torch.ones(d, **tkwargs), 1.0)]
            tol = 1e-9 if dtype == torch.double else 1e-5
            iterates = []
            kwargs = {
                "bounds": bounds,
                "n": 8,
                "equality_constraints": eq,
                "seed": 0,
                "steps": 20,
                "adapt_steps": 2,
                "lr": 0.05,
            }
            C, values = optimize_roma(
                model,
                callback=lambda t, Xt, v, seen=iterates: seen.append(Xt.clone()),
                **kwargs,
            )
            self.assertEqual(C.shape, (8, d))
            self.assertLess((C.double().sum(-1) - 1).abs().max(), tol)
            self.assertTrue(((C >= 0) & (C <= 1)).all())
            # Every iterate satisfies it, not only the repaired end points.
            path = torch.stack(iterates).double()
            self.assertLess((path.sum(-1) - 1).abs().max(), tol)
            self.assertGreater((path[-1] - path[0]).abs().max(), 1e-3)  # it moved
            # Reproducible with a seed; the model is not changed.
            C2, values2 = optimize_roma(model, **kwargs)
            self.assertTrue(torch.equal(C, C2) and torch.equal(values, values2))
            self.assertTrue(torch.equal(model.train_X, X))
            # With a fixed feature in the constraint, the rest makes up the sum.
            C3, _ = optimize_roma(model, fixed_features={0: 0.4}, **kwargs)
            self.assertTrue((C3[:, 0] == 0.4).all())
            self.assertLess((C3.double().sum(-1) - 1).abs().max(), tol)
            # gen_candidates_roma projects its starts and iterates too.
            C4, _ = gen_candidates_roma(
                X[:4],
                model,
                bounds[0],
                bounds[1],
                options=FAST_ASCENT,
                equality_constraints=eq,
            )
            self.assertLess((C4.double().sum(-1) - 1).abs().max(), tol)
            with self.assertRaisesRegex(RoMAInputError, "with the fixed features"):
                gen_candidates_roma(
                    X[:4],
                    model,
                    bounds[0],
                    bounds[1],
                    options=FAST_ASCENT,
                    fixed_features={0: 0.7, 1: 0.7},
                    equality_constraints=eq,
                )

    def test_shapes_bounds_and_values(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            model = _model(**tkwargs)
            bounds = torch.tensor([[0.0] * 3, [1.0] * 3], **tkwargs)
            for mode in ("per_candidate", "shared", "none"):
                X, values = optimize_roma(
                    model, bounds=bounds, n=8, adaptation=mode, **FAST_ASCENT
                )
                self.assertEqual(X.shape, (8, 3))
                self.assertEqual(values.shape, (8,))
                self.assertEqual(X.dtype, dtype)
                self.assertTrue(((X >= 0) & (X <= 1)).all())
                self.assertEqual(torch.unique(X, dim=0).shape[0], 8)
                self.assertAllClose(
                    values, model.posterior(X).mean.squeeze(-1), atol=1e-4, rtol=1e-4
                )
            # A big lr drives candidates onto the bounds; they stay inside. Most
            # training designs lie outside these bounds, and the candidates
            # meet in a corner: both warn.
            tight = torch.tensor([[0.2] * 3, [0.5] * 3], **tkwargs)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                X, _ = optimize_roma(model, bounds=tight, n=4, lr=1.0, **FAST_ASCENT)
            self.assertTrue(((X >= 0.2) & (X <= 0.5)).all())
            messages = " ".join(str(w.message) for w in caught)
            self.assertIn("training designs lie outside the bounds", messages)
            self.assertIn("of the 4 candidates are distinct", messages)

    def test_ascent_raises_prediction(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            model = _model(**tkwargs)
            X0 = select_starting_designs(model.train_X, model.train_Y, 8)
            before = model.posterior(X0).mean.squeeze(-1)
            seen = []
            X, values = gen_candidates_roma(
                X0,
                model,
                options={"steps": 20, "adapt_steps": 4, "lr": 0.05},
                callback=lambda t, Xt, v, seen=seen: seen.append(
                    (t, Xt.shape, v.shape)
                ),
            )
            self.assertGreater(values.mean().item(), before.mean().item())
            self.assertEqual([s[0] for s in seen], list(range(20)))
            self.assertEqual(seen[0][1:], ((8, 3), (8,)))

    def test_determinism_under_seed(self):
        for dtype in (torch.float, torch.double):
            model = _model(device=self.device, dtype=dtype)
            kw = dict(n=60, duplicate_starts="jitter", **FAST_ASCENT)
            a = optimize_roma(model, seed=5, **kw)[0]
            b = optimize_roma(model, seed=5, **kw)[0]
            c = optimize_roma(model, seed=6, **kw)[0]
            self.assertTrue(torch.equal(a, b))
            self.assertFalse(torch.equal(a, c))

    def test_starting_designs(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        X = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [2.0, 2.0]], **tkwargs)
        Y = torch.tensor([[5.0], [1.0], [3.0], [2.0]], **tkwargs)
        starts = select_starting_designs(X, Y, 3)
        self.assertAllClose(starts, X[[0, 3, 1]])
        with self.assertRaisesRegex(RoMAInputError, "duplicate_starts='jitter'"):
            select_starting_designs(X, Y, 4)
        bounds = torch.tensor([[0.0, 0.0], [2.0, 2.0]], **tkwargs)
        gen = torch.Generator().manual_seed(0)
        starts = select_starting_designs(
            X, Y, 7, duplicate_starts="jitter", bounds=bounds, generator=gen
        )
        self.assertEqual(torch.unique(starts, dim=0).shape[0], 7)
        self.assertTrue(((starts >= 0) & (starts <= 2)).all())

    def test_fixed_features_and_shapes(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        model = _model(**tkwargs)
        X0 = select_starting_designs(model.train_X, model.train_Y, 4)
        X, _ = gen_candidates_roma(
            X0.unsqueeze(1),
            model,
            options={**FAST_ASCENT, "lr": 0.5},
            fixed_features={1: 0.25},
        )
        self.assertEqual(X.shape, (4, 1, 3))
        self.assertAllClose(X[:, 0, 1], torch.full((4,), 0.25, **tkwargs))
        self.assertFalse(torch.allclose(X[:, 0, 0], X0[:, 0]))

    def test_caller_tensors_not_modified(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        model = _model(**tkwargs)
        X, Y = model.train_X.clone(), model.train_Y.clone()
        X_in, Y_in = X.clone(), Y.clone()
        bounds = torch.tensor([[0.0] * 3, [1.0] * 3], **tkwargs)
        b_in = bounds.clone()
        optimize_roma(model, bounds=bounds, n=5, train_X=X, train_Y=Y, **FAST_ASCENT)
        self.assertTrue(torch.equal(X, X_in) and torch.equal(Y, Y_in))
        self.assertTrue(torch.equal(bounds, b_in))

    def test_bad_fixed_features_and_n(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        model = _model(**tkwargs)
        bounds = torch.tensor([[0.0] * 3, [1.0] * 3], **tkwargs)
        for fixed, message in (
            ({0: 5.0}, r"outside the bounds \[0, 1\] of column 0"),
            ({7: 0.5}, "columns 0, ..., 2"),
            ({"x0": 0.5}, "column 'x0'"),
            ({1: float("nan")}, "finite"),
            ([(0, 0.5)], "must be a dict"),
        ):
            with self.assertRaisesRegex(RoMAInputError, message):
                optimize_roma(model, bounds=bounds, n=2, fixed_features=fixed)
        for n in (2.5, True, "3", 0):
            with self.assertRaisesRegex(RoMAInputError, "positive integer"):
                optimize_roma(model, bounds=bounds, n=n)
        # A NumPy integer is an integer.
        X, _ = optimize_roma(model, bounds=bounds, n=np.int64(2), **FAST_ASCENT)
        self.assertEqual(X.shape, (2, 3))
        # Options given positionally land in train_X: say so.
        with self.assertRaisesRegex(
            RoMAInputError, "train_X must be a tensor, got dict"
        ):
            optimize_roma(model, bounds, 2, {"steps": 3})
        with self.assertRaisesRegex(RoMAInputError, "timeout_sec must be > 0"):
            optimize_roma(model, bounds=bounds, n=2, timeout_sec=-1)
        with self.assertRaisesRegex(RoMAInputError, "seed must be an int"):
            optimize_roma(model, bounds=bounds, n=2, seed=1.5)
        # In bounds, a fixed feature is held.
        X, _ = optimize_roma(
            model, bounds=bounds, n=3, fixed_features={2: 0.25}, **FAST_ASCENT
        )
        self.assertTrue((X[:, 2] == 0.25).all())

    def test_training_designs_outside_the_bounds(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            gen = torch.Generator().manual_seed(0)
            X = (2 * torch.rand(40, 2, generator=gen)).to(**tkwargs)  # in [0, 2]^2
            Y = -(X - 1.8).square().sum(-1, keepdim=True)  # best designs outside
            model = RoMAModel(X, Y, **FAST_FIT).fit(seed=0)
            bounds = torch.tensor([[0.0, 0.0], [1.0, 1.0]], **tkwargs)
            outside = int((X > 1.0).any(-1).sum())
            # Clamped, many of the best designs are the corner (1, 1): they
            # become one start, so the 20 starts stay distinct (a short ascent
            # keeps them apart), and the caller hears how many rows lay outside.
            with self.assertWarnsRegex(
                RoMAInputWarning, f"{outside} of the 40 training designs lie outside"
            ):
                C, _ = optimize_roma(
                    model, bounds=bounds, n=20, seed=0, steps=2, adapt_steps=1
                )
            self.assertEqual(torch.unique(C, dim=0).shape[0], 20)
            self.assertTrue(((C >= 0) & (C <= 1)).all())
            # A long, fast ascent drives them into the corner: fewer distinct
            # designs than asked is never silent.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                C, _ = optimize_roma(
                    model, bounds=bounds, n=20, seed=0, steps=40, lr=0.5
                )
            distinct = torch.unique(C, dim=0).shape[0]
            self.assertLess(distinct, 20)
            messages = [str(w.message) for w in caught]
            self.assertIn(
                f"Only {distinct} of the 20 candidates are distinct", "".join(messages)
            )
            # Designs inside the bounds (up to round-off) do not warn.
            with warnings.catch_warnings():
                warnings.simplefilter("error", RoMAInputWarning)
                wide = torch.tensor([[0.0, 0.0], [2.0, 2.0]], **tkwargs)
                optimize_roma(model, bounds=wide, n=5, seed=0, **FAST_ASCENT)

    def test_fixed_features_merge_starts_first(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        model = _model(**tkwargs)
        X = model.train_X[:6].repeat(2, 1)
        X[6:, 0] += 0.01  # the copies differ only in the fixed column
        Y = model.train_Y[:6].repeat(2, 1)
        bounds = torch.tensor([[0.0] * 3, [2.0] * 3], **tkwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RoMAInputWarning)
            C, _ = optimize_roma(
                model,
                bounds=bounds,
                n=6,
                train_X=X,
                train_Y=Y,
                fixed_features={0: 0.5},
                **FAST_ASCENT,
            )
        self.assertEqual(torch.unique(C, dim=0).shape[0], 6)
        with self.assertRaisesRegex(RoMAInputError, "larger than the 6 distinct"):
            optimize_roma(
                model, bounds=bounds, n=7, train_X=X, train_Y=Y, fixed_features={0: 0.5}
            )

    def test_bad_input(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        model = _model(**tkwargs)
        ok = torch.tensor([[0.0] * 3, [1.0] * 3], **tkwargs)
        bad_bounds = ok.clone()
        bad_bounds[0, 2] = 1.0
        with self.assertRaisesRegex(
            RoMAInputError, r"lower >= upper.*\[2\].*fixed_features"
        ):
            optimize_roma(model, bounds=bad_bounds, n=2)
        with self.assertRaisesRegex(RoMAInputError, "2 x d"):
            optimize_roma(model, bounds=ok[:, :2], n=2)
        nan_bounds = ok.clone()
        nan_bounds[1, 0] = float("nan")
        with self.assertRaisesRegex(RoMAInputError, "NaN or inf"):
            optimize_roma(model, bounds=nan_bounds, n=2)
        with self.assertRaisesRegex(RoMAInputError, "40 distinct designs"):
            optimize_roma(model, n=41)
        with self.assertRaisesRegex(RoMAInputError, "positive"):
            optimize_roma(model, n=0)
        with self.assertRaisesRegex(RoMAInputError, "Unknown RoMA ascent option"):
            optimize_roma(model, n=2, step=3)
        with self.assertRaisesRegex(RoMAInputError, "adaptation must be"):
            optimize_roma(model, n=2, adaptation="each")
        with self.assertRaisesRegex(RoMAInputError, "both train_X and train_Y"):
            optimize_roma(model, n=2, train_X=model.train_X)
        X, Y = model.train_X.clone(), model.train_Y.clone()
        Y[0] = float("nan")
        with self.assertRaisesRegex(RoMAInputError, "NaN"):
            optimize_roma(model, n=2, train_X=X, train_Y=Y)
        unfitted = RoMAModel(model.train_X, model.train_Y)
        with self.assertRaisesRegex(RoMAInputError, "not fitted"):
            optimize_roma(unfitted, n=2)
        X0 = model.train_X[:2].clone()
        X0[0, 0] = float("inf")
        with self.assertRaisesRegex(RoMAInputError, "NaN or inf"):
            gen_candidates_roma(X0, model, options=FAST_ASCENT)


class TestEndToEnd(BotorchTestCase):
    def test_beats_dataset_top128_on_synthetic_task(self):
        # A small offline task with a true oracle: 8-d Styblinski-Tang, the
        # visible data is the bottom 80% of 1,500 uniform samples.
        task = make_synthetic_task("styblinski_tang", dim=8, n_total=1500, seed=0)
        # A reduced budget: 1,000 updates and K=5 inner steps.
        model = RoMAModel(task.X, task.Y, min_updates=1000, inner_steps=5)
        model.fit(seed=0)
        X, _ = optimize_roma(
            model, bounds=task.bounds, n=128, seed=0, steps=100, adapt_steps=20
        )
        top = task.Y.squeeze(-1).sort(descending=True).values[:128]
        true = task.evaluate(X).squeeze(-1)
        self.assertTrue(((X >= task.bounds[0]) & (X <= task.bounds[1])).all())
        self.assertGreater(true.median().item(), top.median().item())
