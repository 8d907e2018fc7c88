import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.generation.adaptation import adapt_weights, adaptation_objective
from botorch_roma.models.mlp import init_mlp_params, mlp_value_and_input_grad


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
