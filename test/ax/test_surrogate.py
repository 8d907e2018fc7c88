r"""Tests for ``botorch_roma/ax/surrogate.py``: RoMA in Ax's Surrogate."""

from __future__ import annotations

import torch
from ax.core.search_space import SearchSpaceDigest
from ax.generators.torch.botorch_modular.surrogate import Surrogate, SurrogateSpec
from botorch.utils.datasets import SupervisedDataset
from botorch.utils.testing import BotorchTestCase

import botorch_roma.ax  # noqa: F401  (registrations)
from botorch_roma.ax import fit_roma_model, roma_model_config, roma_model_inputs
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.models import RoMAModel


class TestRoMASurrogate(BotorchTestCase):
    r"""RoMA in Ax's ``Surrogate``, fitted in float32 and float64.

    ``test_bad_pretraining_value`` checks an option only (no tensors), so it
    does not loop over dtypes.
    """

    def _dataset(self, **tkwargs) -> SupervisedDataset:
        X = torch.rand(20, 3, generator=torch.Generator().manual_seed(0)).to(**tkwargs)
        Y = (X[:, :1] - 0.5).square().neg()
        return SupervisedDataset(
            X=X, Y=Y, feature_names=["a", "b", "c"], outcome_names=["y"]
        )

    def test_surrogate_builds_and_fits_roma(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            dataset = self._dataset(**tkwargs)
            config = roma_model_config(
                {"epochs": 2, "hidden_sizes": (4,)}, seed=0, progress=False
            )
            surrogate = Surrogate(surrogate_spec=SurrogateSpec(model_configs=[config]))
            surrogate.fit(
                datasets=[dataset],
                search_space_digest=SearchSpaceDigest(
                    feature_names=["a", "b", "c"], bounds=[(0.0, 1.0)] * 3
                ),
            )
            model = surrogate.model
            self.assertIsInstance(model, RoMAModel)
            self.assertTrue(model.is_fitted)
            self.assertEqual(model.train_X.dtype, dtype)
            self.assertEqual(model.options.hidden_sizes, (4,))
            mean, _ = surrogate.predict(dataset.X[:5])
            self.assertEqual(mean.shape, torch.Size([5, 1]))

    def test_inputs_and_fit_options(self):
        config = roma_model_config({"epochs": 1}, seed=3)
        self.assertEqual(config.mll_options, {"seed": 3, "progress": False})
        self.assertIsNone(config.input_transform_classes)
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                dataset = self._dataset(**tkwargs)
                inputs = roma_model_inputs(RoMAModel, config, dataset, None, None)
                self.assertIs(inputs["train_X"], dataset.X)
                self.assertIs(inputs["train_Y"], dataset.Y)
                self.assertEqual(inputs["epochs"], 1)
                model = RoMAModel(**inputs)
                self.assertEqual(model.train_X.dtype, dtype)
                fit_roma_model(model, None, {"seed": 0})
                first = [p.detach().clone() for p in model.params]
                fit_roma_model(model, None, {"seed": 0})
                for a, b in zip(first, model.params):
                    self.assertTrue(torch.equal(a, b))  # seeded fits are reproducible
                with self.assertRaisesRegex(RoMAInputError, "Unknown RoMA fit option"):
                    fit_roma_model(model, None, {"lr": 1.0})
        with self.assertRaises(RoMAInputError):
            roma_model_config({"not_an_option": 1})

    def test_bad_pretraining_value(self):
        with self.assertRaises(RoMAInputError):
            roma_model_config({"epochs": -1})
