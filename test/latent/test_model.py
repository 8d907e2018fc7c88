r"""Tests for ``botorch_roma/latent/model.py``: latent RoMA as a BoTorch model."""

from __future__ import annotations

import torch
from botorch.acquisition.objective import ScalarizedPosteriorTransform
from botorch.exceptions.errors import UnsupportedError
from botorch.models.transforms.outcome import Standardize
from botorch.utils.testing import BotorchTestCase

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.latent.model import LatentRoMAModel

TINY = {
    "vae_options": {"epochs": 3, "latent_dim": 2, "hidden_size": 8},
    "model_options": {"epochs": 2, "hidden_sizes": [4], "inner_steps": 1},
}


class TestLatentRoMAModel(BotorchTestCase):
    def test_fit_posterior_and_ids(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            gen = torch.Generator().manual_seed(0)
            X = torch.randint(4, (24, 5), generator=gen).to(**tkwargs)
            Y = (X == 2).sum(-1, keepdim=True).to(X)
            model = LatentRoMAModel(X, Y, num_categories=4, **TINY)
            self.assertFalse(model.is_fitted)
            with self.assertRaisesRegex(RoMAInputError, "not fitted"):
                model.posterior(X[:2])
            model.fit(seed=0)
            self.assertTrue(model.is_fitted)
            post = model.posterior(X[:6].reshape(2, 3, 5))
            self.assertEqual(post.mean.shape, (2, 3, 1))
            self.assertEqual(post.mean.dtype, dtype)
            # Ids are rounded and clamped to 0..C-1 outside training data.
            noisy = X[:3] + 0.3
            self.assertTrue(torch.equal(model.to_ids(noisy), X[:3].long()))
            self.assertEqual(model.to_ids(X[:1] + 10).max().item(), 3)
            weights = torch.tensor([-1.0], **tkwargs)
            neg = model.posterior(
                X[:3], posterior_transform=ScalarizedPosteriorTransform(weights)
            )
            self.assertAllClose(neg.mean, -model.posterior(X[:3]).mean)
            with self.assertRaisesRegex(RoMAInputError, "whole category ids"):
                LatentRoMAModel(X + 0.5, Y, num_categories=4)
            with self.assertRaisesRegex(RoMAInputError, "L=5"):
                model.posterior(X[:, :3])
            with self.assertRaises(UnsupportedError):
                LatentRoMAModel(
                    X, Y, num_categories=4, outcome_transform=Standardize(1)
                )
