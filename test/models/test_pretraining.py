import math

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.models.mlp import init_mlp_params, mlp_forward
from botorch_roma.models.pretraining import (
    PretrainingOptions,
    listnet_loss,
    robust_pretrain,
    robust_pretrain_ensemble,
)

#: Small pre-training options, in the weights' dtype (for exact comparisons).
SMALL = {
    "epochs": 2,
    "epsilon": 0.05,
    "inner_steps": 3,
    "batch_size": 16,
    "compute_dtype": None,
}


def _data(d, n=90, **tkwargs):
    gen = torch.Generator().manual_seed(3)
    X = torch.randn(n, d, generator=gen, dtype=torch.double)
    y = X[:, 0] - 0.3 * X[:, 1:].square().sum(-1)
    y = (y - y.mean()) / y.std()
    return X.to(**tkwargs), y.to(**tkwargs)


def _weights(d, loss, seed, hidden=(12, 10), **tkwargs):
    gen = torch.Generator().manual_seed(seed)
    out = 2 if loss == "nll" else 1
    params = init_mlp_params(d, hidden, out, generator=gen, **tkwargs)
    params = [p.requires_grad_(True) for p in params]
    bounds = None
    if loss == "nll":
        bounds = torch.tensor([math.log(0.1), math.log(0.2)], **tkwargs)
        bounds.requires_grad_(True)
    return params, bounds


def _fit(backend, d, loss, seed=0, options=None, hidden=(12, 10), **tkwargs):
    X, y = _data(d, **tkwargs)
    params, bounds = _weights(d, loss, seed, hidden, **tkwargs)
    options = options or PretrainingOptions(
        epochs=2,
        epsilon=0.05,
        inner_steps=4,
        batch_size=16,
        loss=loss,
        compute_dtype=None,
    )
    history = robust_pretrain(
        params,
        X[:70],
        y[:70],
        options,
        logstd_bounds=bounds,
        val_X=X[70:],
        val_y=y[70:],
        generator=torch.Generator().manual_seed(seed),
        backend=backend,
    )
    return params, bounds, history


class TestRobustPretrain(BotorchTestCase):
    def assertSameFit(self, a, b, **tol):
        (pa, ba, ha), (pb, bb, hb) = a, b
        for x, y in zip(pa, pb):
            self.assertAllClose(x.detach(), y.detach(), **tol)
        if ba is not None:
            self.assertAllClose(ba.detach(), bb.detach(), **tol)
        self.assertEqual(len(ha), len(hb))
        for ra, rb in zip(ha, hb):
            self.assertEqual(set(ra), set(rb))
            for key in ra:
                self.assertAllClose(torch.tensor(ra[key]), torch.tensor(rb[key]), **tol)

    def test_analytic_matches_autograd(self):
        # d=4 < batch/2 perturbs the first kernel explicitly; d=20 > batch/2
        # goes through the minibatch Gram matrix.
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            tol = (
                {"atol": 1e-8, "rtol": 1e-8}
                if dtype == torch.double
                else {"atol": 2e-3, "rtol": 2e-3}
            )
            for d in (4, 20):
                for loss in ("nll", "mse", "listnet"):
                    ref = _fit("autograd", d, loss, **tkwargs)
                    fast = _fit("analytic", d, loss, **tkwargs)
                    self.assertSameFit(ref, fast, **tol)

    def test_analytic_matches_autograd_edge_options(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        for kwargs in (
            {"grad_clip": None},
            {"epsilon": 0.0},
            {"inner_steps": 0},
            {"batch_size": 7, "grad_clip": 0.05},
        ):
            options = PretrainingOptions(**{**SMALL, **kwargs})
            for d in (4, 20):
                ref = _fit("autograd", d, "nll", options=options, **tkwargs)
                fast = _fit("analytic", d, "nll", options=options, **tkwargs)
                self.assertSameFit(ref, fast, atol=1e-8, rtol=1e-8)

    def test_analytic_matches_autograd_depths(self):
        tkwargs = {"device": self.device, "dtype": torch.double}
        options = PretrainingOptions(
            epochs=1, epsilon=0.05, inner_steps=3, batch_size=16, compute_dtype=None
        )
        for hidden in ((8,), (8, 6, 5)):
            for d in (4, 20):
                ref = _fit(
                    "autograd", d, "nll", options=options, hidden=hidden, **tkwargs
                )
                fast = _fit(
                    "analytic", d, "nll", options=options, hidden=hidden, **tkwargs
                )
                self.assertSameFit(ref, fast, atol=1e-8, rtol=1e-8)

    def test_ensemble_members_match_single_fits(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            tol = {"atol": 1e-8, "rtol": 1e-8} if dtype == torch.double else {}
            options = PretrainingOptions(**SMALL)
            X, y = _data(20, **tkwargs)
            for m in (1, 3):
                members = [_weights(20, "nll", seed, **tkwargs) for seed in range(m)]
                params = [
                    torch.stack(ps).detach() for ps in zip(*(p for p, _ in members))
                ]
                bounds = torch.stack([b for _, b in members]).detach()
                records = []
                histories = robust_pretrain_ensemble(
                    params,
                    X[:70],
                    y[:70],
                    options,
                    logstd_bounds=bounds,
                    val_X=X[70:],
                    val_y=y[70:],
                    generators=[torch.Generator().manual_seed(s) for s in range(m)],
                    callback=records.append,
                )
                self.assertEqual(len(histories), m)
                self.assertEqual(len(records), options.epochs)
                self.assertEqual(len(records[0]), m)
                for seed in range(m):
                    single = _fit(
                        "analytic", 20, "nll", seed=seed, options=options, **tkwargs
                    )
                    member = ([p[seed] for p in params], bounds[seed], histories[seed])
                    self.assertSameFit(single, member, **tol)

    def test_compute_dtype(self):
        X, y = _data(20, dtype=torch.double, device=self.device)
        fits = {}
        for compute_dtype in (None, "float32"):
            options = PretrainingOptions(**{**SMALL, "compute_dtype": compute_dtype})
            params, bounds = _weights(
                20, "nll", 0, dtype=torch.double, device=self.device
            )
            robust_pretrain(
                params,
                X,
                y,
                options,
                logstd_bounds=bounds,
                generator=torch.Generator().manual_seed(0),
            )
            self.assertTrue(all(p.dtype == torch.double for p in params))
            fits[compute_dtype] = params
        for a, b in zip(fits[None], fits["float32"]):
            self.assertAllClose(a, b, atol=1e-4, rtol=1e-3)
            self.assertFalse(torch.equal(a, b))

    def test_listnet_loss(self):
        for dtype in (torch.float, torch.double):
            gen = torch.Generator().manual_seed(0)
            y = torch.randn(3, 5, generator=gen, dtype=dtype)
            # Constant predictions: the cross-entropy with a uniform distribution.
            flat = listnet_loss(torch.zeros_like(y), y)
            self.assertAllClose(flat, torch.tensor(math.log(5), dtype=dtype))
            # Only differences within a list count; the right order beats the
            # reverse.
            self.assertAllClose(listnet_loss(y + 3.0, y), listnet_loss(y, y))
            self.assertLess(listnet_loss(2 * y, y), flat)
            self.assertLess(flat, listnet_loss(-2 * y, y))

    def test_listnet_fit_ranks_and_is_z_normalized(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            options = PretrainingOptions(
                epochs=30, epsilon=0.01, inner_steps=2, batch_size=16, loss="listnet"
            )
            for backend in ("analytic", "autograd"):
                params, _, history = _fit(
                    backend, 4, "listnet", options=options, **tkwargs
                )
                X, y = _data(4, **tkwargs)
                with torch.no_grad():
                    pred = mlp_forward(params, X[:70])[..., 0]
                # The output is z-normalized on the training inputs ...
                self.assertAllClose(pred.mean(), torch.zeros((), **tkwargs), atol=1e-4)
                self.assertAllClose(pred.std(), torch.ones((), **tkwargs), atol=1e-4)
                # ... and ranks held-out rows: a scale-free validation MSE of
                # the z-scored predictions well below that of a constant (~1).
                self.assertLess(history[-1]["val_mse"], 0.5)
                self.assertLess(history[-1]["train_loss"], history[0]["train_loss"])

    def test_invalid_backend(self):
        params, bounds = _weights(4, "nll", 0, dtype=torch.double)
        X, y = _data(4, dtype=torch.double)
        options = PretrainingOptions(epochs=1)
        with self.assertRaisesRegex(RoMAInputError, "backend"):
            robust_pretrain(params, X, y, options, bounds, backend="jax")
        with self.assertRaisesRegex(RoMAInputError, "generators"):
            stacked = [p.detach().unsqueeze(0) for p in params]
            robust_pretrain_ensemble(stacked, X, y, options, generators=[None, None])
