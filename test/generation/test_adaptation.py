import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.generation.adaptation import adapt_weights, adaptation_objective
from botorch_roma.models.mlp import (
    SpanKernel,
    init_mlp_params,
    mlp_forward,
    mlp_value_and_input_grad,
)


def _setup(n=6, d=4, **tkwargs):
    gen = torch.Generator().manual_seed(1)
    theta = init_mlp_params(d, (16, 16), 1, generator=gen, **tkwargs)
    theta = [p + 0.05 * torch.randn(p.shape, generator=gen).to(p) for p in theta]
    X = torch.randn(n, d, generator=gen).to(**tkwargs)
    target = mlp_value_and_input_grad(theta, X)[0]
    return theta, X, target


class TestAdaptWeights(BotorchTestCase):
    def test_ball_constraint(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            theta, X, target = _setup(**tkwargs)
            for mode in ("per_candidate", "shared"):
                for eps in (1e-3, 0.1):
                    adapted = adapt_weights(theta, X, target, eps, steps=25, mode=mode)
                    for a, p in zip(adapted, theta):
                        delta = a - p
                        if mode == "per_candidate":
                            self.assertEqual(a.shape, (X.shape[0], *p.shape))
                            norms = delta.reshape(X.shape[0], -1).norm(dim=-1)
                        else:
                            self.assertEqual(a.shape, p.shape)
                            norms = delta.norm().reshape(1)
                        limit = eps * p.norm().item()
                        self.assertTrue((norms <= limit * (1 + 1e-3) + 1e-7).all())
                        # The steps use the budget: the ball is not trivially met.
                        self.assertGreater(norms.max().item(), 0.5 * limit)

    def test_adaptation_lowers_input_gradient_norm(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            theta, X, target = _setup(**tkwargs)
            g0 = mlp_value_and_input_grad(theta, X)[1].norm(dim=-1)
            for mode in ("per_candidate", "shared"):
                adapted = adapt_weights(
                    theta, X, target, 0.05, alpha=1.0, steps=50, mode=mode
                )
                g1 = mlp_value_and_input_grad(adapted, X)[1].norm(dim=-1)
                obj0 = adaptation_objective(theta, X, target, 1.0).detach()
                obj1 = adaptation_objective(adapted, X, target, 1.0).detach()
                if mode == "per_candidate":
                    # Every candidate's own objective and gradient norm drop.
                    self.assertTrue((g1 < g0).all())
                    self.assertTrue((obj1 < obj0).all())
                else:
                    self.assertLess(g1.mean().item(), g0.mean().item())
                    self.assertLess(obj1.mean().item(), obj0.mean().item())

    def test_per_candidate_and_shared_agree_for_one_candidate(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            theta, X, target = _setup(n=1, **tkwargs)
            a = adapt_weights(theta, X, target, 0.05, steps=20, mode="per_candidate")
            b = adapt_weights(theta, X, target, 0.05, steps=20, mode="shared")
            for pa, pb in zip(a, b):
                self.assertAllClose(pa[0], pb, atol=1e-6, rtol=1e-4)

    def test_analytic_matches_autograd_backend(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        theta, X, target = _setup(**tkwargs)
        for mode in ("per_candidate", "shared"):
            a = adapt_weights(theta, X, target, 0.05, steps=10, mode=mode)
            b = adapt_weights(
                theta, X, target, 0.05, steps=10, mode=mode, backend="autograd"
            )
            for pa, pb in zip(a, b):
                self.assertAllClose(pa, pb, atol=1e-10, rtol=1e-8)

    def test_none_mode_and_theta_untouched(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        theta, X, target = _setup(**tkwargs)
        copies = [p.clone() for p in theta]
        self.assertIs(adapt_weights(theta, X, target, 0.05, mode="none")[0], theta[0])
        adapt_weights(theta, X, target, 0.05, steps=5)
        for p, c in zip(theta, copies):
            self.assertTrue(torch.equal(p, c))
        with self.assertRaisesRegex(ValueError, "adaptation mode"):
            adapt_weights(theta, X, target, 0.05, mode="each")


def _wide_setup(n=5, d=20, hidden=(8, 6), **tkwargs):
    # d above the first hidden width: per-candidate adaptation takes the span form
    gen = torch.Generator().manual_seed(2)
    theta = init_mlp_params(d, hidden, 2, generator=gen, **tkwargs)
    theta = [p + 0.05 * torch.randn(p.shape, generator=gen).to(p) for p in theta]
    X = torch.randn(n, d, generator=gen).to(**tkwargs)
    target = mlp_value_and_input_grad(theta, X)[0] + 0.1
    return theta, X, target


class TestSpanAdaptation(BotorchTestCase):
    def test_span_matches_dense_autograd(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            tol = (
                {"atol": 1e-8, "rtol": 1e-8}
                if dtype == torch.double
                else {"atol": 1e-5, "rtol": 1e-3}
            )
            for hidden in ((8, 6), (8, 8)):
                theta, X, target = _wide_setup(hidden=hidden, **tkwargs)
                a = adapt_weights(theta, X, target, 0.02, steps=15)
                b = adapt_weights(theta, X, target, 0.02, steps=15, backend="autograd")
                for pa, pb in zip(a, b):
                    self.assertEqual(pa.shape, pb.shape)
                    self.assertAllClose(pa, pb, **tol)

    def test_factored_kernel(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        theta, X, target = _wide_setup(**tkwargs)
        dense = adapt_weights(theta, X, target, 0.05, steps=10)
        factored = adapt_weights(theta, X, target, 0.05, steps=10, factored=True)
        self.assertIsInstance(factored[0], SpanKernel)
        self.assertEqual(factored[0].shape, dense[0].shape)
        self.assertAllClose(factored[0].dense(), dense[0])
        for Z in (X, X + 0.3):
            f1, g1 = mlp_value_and_input_grad(factored, Z)
            f2, g2 = mlp_value_and_input_grad(dense, Z)
            self.assertAllClose(f1, f2)
            self.assertAllClose(g1, g2)
            self.assertAllClose(mlp_forward(factored, Z), mlp_forward(dense, Z))
        # The ball holds per candidate and per tensor.
        for a, p in zip(dense, theta):
            delta = (a - p[..., : a.shape[-1]]).reshape(X.shape[0], -1)
            limit = 0.05 * p.norm()
            self.assertTrue((delta.norm(dim=-1) <= limit * (1 + 1e-6)).all())

    def test_members(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            tol = {} if dtype == torch.double else {"atol": 1e-5, "rtol": 1e-4}
            for d in (4, 20):  # explicit and span first kernels
                theta, X, target = _wide_setup(d=d, **tkwargs)
                m = 3
                stacked = [
                    torch.stack([p * (1 + 0.1 * i) for i in range(m)]) for p in theta
                ]
                targets = torch.stack([target + 0.05 * i for i in range(m)])
                for mode in ("per_candidate", "shared", "none"):
                    for backend in ("analytic", "autograd"):
                        out = adapt_weights(
                            stacked,
                            X,
                            targets,
                            0.03,
                            steps=8,
                            mode=mode,
                            backend=backend,
                            members=True,
                        )
                        for i in range(m):
                            ref = adapt_weights(
                                [p[i] for p in stacked],
                                X,
                                targets[i],
                                0.03,
                                steps=8,
                                mode=mode,
                                backend=backend,
                            )
                            for a, b in zip(out, ref):
                                self.assertAllClose(a[i], b, **tol)
                        if mode == "per_candidate":
                            self.assertEqual(out[2].shape, (m, X.shape[0], 8, 6))

    def test_compute_dtype(self):
        theta, X, target = _wide_setup(dtype=torch.double, device=self.device)
        for d_setup in (
            (theta, X, target),
            _setup(dtype=torch.double, device=self.device),
        ):
            ref = adapt_weights(*d_setup, 0.05, steps=10)
            low = adapt_weights(*d_setup, 0.05, steps=10, compute_dtype=torch.float)
            for a, b in zip(ref, low):
                self.assertEqual(b.dtype, torch.double)
                self.assertAllClose(a, b, atol=1e-3, rtol=1e-3)
