import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.generation.adaptation import adaptation_objective
from botorch_roma.models.mlp import (
    SpanKernel,
    adaptation_grads,
    init_mlp_params,
    mlp_forward,
    mlp_value_and_input_grad,
)


def _random_params(d, hidden, out, **tkwargs):
    gen = torch.Generator().manual_seed(0)
    params = init_mlp_params(d, hidden, out, generator=gen, **tkwargs)
    # Non-zero biases so every term of the analytic gradient is exercised.
    return [p + 0.1 * torch.randn(p.shape, generator=gen).to(p) for p in params]


class TestMLP(BotorchTestCase):
    def test_init_shapes_and_glorot(self):
        for dtype in (torch.float, torch.double):
            params = init_mlp_params(5, (64, 32), 2, dtype=dtype)
            self.assertEqual(
                [tuple(p.shape) for p in params],
                [(5, 64), (64,), (64, 32), (32,), (32, 2), (2,)],
            )
            self.assertTrue(all(p.dtype == dtype for p in params))
            self.assertTrue(all((p == 0).all() for p in params[1::2]))
            limit = (6.0 / (5 + 64)) ** 0.5
            self.assertLessEqual(params[0].abs().max().item(), limit)

    def test_input_grad_matches_autograd(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            params = _random_params(4, (8, 6), 1, **tkwargs)
            X = torch.randn(7, 4, **tkwargs).requires_grad_(True)
            f, g = mlp_value_and_input_grad(params, X)
            (g_ref,) = torch.autograd.grad(mlp_forward(params, X).sum(), X)
            self.assertAllClose(g, g_ref, atol=1e-5, rtol=1e-4)
            self.assertAllClose(f, mlp_forward(params, X)[..., 0].detach())

    def test_per_candidate_weights_match_shared(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            params = _random_params(3, (5,), 1, **tkwargs)
            X = torch.randn(4, 3, **tkwargs)
            batched = [p.expand(4, *p.shape).clone() for p in params]
            self.assertAllClose(mlp_forward(batched, X), mlp_forward(params, X))
            f1, g1 = mlp_value_and_input_grad(batched, X)
            f2, g2 = mlp_value_and_input_grad(params, X)
            self.assertAllClose(f1, f2)
            self.assertAllClose(g1, g2)

    def test_adaptation_grads_match_double_backprop(self):
        for dtype, out, hidden in [
            (torch.float, 1, (8, 6)),
            (torch.double, 2, (8, 6)),
            (torch.double, 1, (5, 4, 3)),
        ]:
            tkwargs = {"device": self.device, "dtype": dtype}
            params = _random_params(4, hidden, out, **tkwargs)
            n = 5
            X = torch.randn(n, 4, **tkwargs)
            target = torch.randn(n, **tkwargs)
            tol = {"atol": 1e-5, "rtol": 1e-3} if dtype == torch.float else {}
            # Shared weights: the gradient of the batch mean.
            grads = adaptation_grads(params, X, target, 0.7, shared=True)
            leaves = [p.clone().requires_grad_(True) for p in params]
            loss = adaptation_objective(leaves, X, target, 0.7)
            ref = torch.autograd.grad(loss.mean(), leaves)
            self.assertAllClose(grads.loss, loss.detach(), **tol)
            for a, b in zip(grads.dense, ref):
                self.assertAllClose(a, b, **tol)
            # Per-candidate weights: each candidate's own gradient.
            batched = [p.expand(n, *p.shape).clone() for p in params]
            grads = adaptation_grads(batched, X, target, 0.7, shared=False)
            leaves = [p.clone().requires_grad_(True) for p in batched]
            loss = adaptation_objective(leaves, X, target, 0.7)
            ref = torch.autograd.grad(loss.sum(), leaves)
            for i, (a, b) in enumerate(zip(grads.dense, ref)):
                if a is None:  # a hidden kernel, kept as two outer products
                    (a1, a2), (b1, b2) = (
                        grads.kernel_left[i // 2],
                        grads.kernel_right[i // 2],
                    )
                    a = a1.unsqueeze(-1) * b1.unsqueeze(-2) + a2.unsqueeze(
                        -1
                    ) * b2.unsqueeze(-2)
                self.assertAllClose(a, b, **tol)

    def test_member_stacked_weights(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            tol = {} if dtype == torch.double else {"atol": 1e-6, "rtol": 1e-4}
            m, n = 3, 5
            members = [_random_params(4, (8, 6), 2, **tkwargs) for _ in range(m)]
            members = [[p * (1 + 0.2 * i) for p in ps] for i, ps in enumerate(members)]
            stacked = [torch.stack(ps) for ps in zip(*members)]
            X = torch.randn(n, 4, **tkwargs)
            Xm = torch.randn(m, n, 4, **tkwargs)
            out = mlp_forward(stacked, X, members=True)
            f, g = mlp_value_and_input_grad(stacked, X, members=True)
            fm, gm = mlp_value_and_input_grad(stacked, Xm, members=True)
            self.assertEqual(out.shape, (m, n, 2))
            self.assertEqual(g.shape, (m, n, 4))
            for i, ps in enumerate(members):
                self.assertAllClose(out[i], mlp_forward(ps, X), **tol)
                f1, g1 = mlp_value_and_input_grad(ps, X)
                self.assertAllClose(f[i], f1, **tol)
                self.assertAllClose(g[i], g1, **tol)
                f2, g2 = mlp_value_and_input_grad(ps, Xm[i])
                self.assertAllClose(fm[i], f2, **tol)
                self.assertAllClose(gm[i], g2, **tol)
            # Per-candidate member weights: m x n x in x out.
            per = [p.unsqueeze(1).expand(m, n, *p.shape[1:]).clone() for p in stacked]
            self.assertAllClose(mlp_forward(per, X, members=True), out, **tol)
            self.assertAllClose(
                mlp_value_and_input_grad(per, X, members=True)[1], g, **tol
            )
            # Shared adaptation gradients: each member's own batch mean.
            target = torch.randn(m, n, **tkwargs)
            grads = adaptation_grads(stacked, X, target, 0.7, shared=True, members=True)
            for i, ps in enumerate(members):
                ref = adaptation_grads(ps, X, target[i], 0.7, shared=True)
                for a, b in zip(grads.dense, ref.dense):
                    self.assertAllClose(a[i], b, **tol)

    def test_span_kernel(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            tol = {} if dtype == torch.double else {"atol": 1e-6, "rtol": 1e-4}
            n, d, H = 4, 7, 3
            base = torch.randn(d, H, **tkwargs)
            kernel = SpanKernel(
                base,
                0.1 * torch.randn(n, H, H, **tkwargs),
                torch.randn(n, d, **tkwargs),
                torch.randn(n, H, **tkwargs),
            )
            dense = (
                base
                + base @ kernel.coef
                + kernel.x.unsqueeze(-1) * kernel.p.unsqueeze(-2)
            )
            self.assertEqual(kernel.shape, (n, d, H))
            self.assertAllClose(kernel.dense(), dense, **tol)
            h, u = torch.randn(n, d, **tkwargs), torch.randn(n, H, **tkwargs)
            self.assertAllClose(
                kernel.left(h), (h.unsqueeze(-2) @ dense).squeeze(-2), **tol
            )
            self.assertAllClose(
                kernel.right(u), (dense @ u.unsqueeze(-1)).squeeze(-1), **tol
            )
            rest = _random_params(H, (5,), 1, **tkwargs)
            params = [kernel, torch.randn(n, H, **tkwargs), *rest]
            dense_params = [dense, *params[1:]]
            self.assertAllClose(
                mlp_forward(params, h), mlp_forward(dense_params, h), **tol
            )
            f1, g1 = mlp_value_and_input_grad(params, h)
            f2, g2 = mlp_value_and_input_grad(dense_params, h)
            self.assertAllClose(f1, f2, **tol)
            self.assertAllClose(g1, g2, **tol)
