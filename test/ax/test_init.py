r"""Tests for ``botorch_roma/ax/__init__.py``: RoMA's registrations with Ax.

Importing ``botorch_roma.ax`` registers RoMA's models with Ax's
``fit_botorch_model`` and ``submodel_input_constructor`` dispatchers, and its
models, acquisitions and transform with Ax's JSON/SQL storage registries.
"""

from __future__ import annotations

import copy

from ax.generators.torch.botorch_modular.acquisition import Acquisition
from ax.generators.torch.botorch_modular.surrogate import submodel_input_constructor
from ax.generators.torch.botorch_modular.utils import fit_botorch_model
from ax.storage.botorch_modular_registry import (
    CLASS_TO_REGISTRY,
    CLASS_TO_REVERSE_REGISTRY,
)
from ax.storage.json_store.decoder import object_from_json
from ax.storage.json_store.encoder import object_to_json
from ax.storage.transform_registry import (
    REVERSE_TRANSFORM_REGISTRY,
    TRANSFORM_REGISTRY,
)
from botorch.models.model import Model
from botorch.utils.testing import BotorchTestCase

import botorch_roma.ax
from botorch_roma.ax import (
    LatentRoMAAcquisition,
    RoMAAcquisition,
    SequenceToIds,
    fit_roma_model,
    latent_model_inputs,
    roma_model_inputs,
)
from botorch_roma.latent.model import LatentRoMAModel
from botorch_roma.models import RoMAModel


class TestRegistrations(BotorchTestCase):
    r"""Registries hold classes, not tensors, so there is no dtype loop."""

    def test_dispatchers_know_roma_models(self):
        for model_class in (RoMAModel, LatentRoMAModel):
            with self.subTest(model=model_class.__name__):
                self.assertIs(fit_botorch_model.dispatch(model_class), fit_roma_model)
        self.assertIs(submodel_input_constructor.dispatch(RoMAModel), roma_model_inputs)
        self.assertIs(
            submodel_input_constructor.dispatch(LatentRoMAModel), latent_model_inputs
        )

    def test_storage_registries_know_roma_classes(self):
        for base, classes in (
            (Model, (RoMAModel, LatentRoMAModel)),
            (Acquisition, (RoMAAcquisition, LatentRoMAAcquisition)),
        ):
            for cls in classes:
                with self.subTest(cls=cls.__name__):
                    self.assertEqual(CLASS_TO_REGISTRY[base][cls], cls.__name__)
                    self.assertIs(CLASS_TO_REVERSE_REGISTRY[base][cls.__name__], cls)
        self.assertIn(SequenceToIds, TRANSFORM_REGISTRY)
        self.assertIs(REVERSE_TRANSFORM_REGISTRY["SequenceToIds"], SequenceToIds)

    def test_classes_round_trip_through_json(self):
        for cls in (
            RoMAModel,
            LatentRoMAModel,
            RoMAAcquisition,
            LatentRoMAAcquisition,
            SequenceToIds,
        ):
            with self.subTest(cls=cls.__name__):
                encoded = object_to_json(cls)
                self.assertIn(cls.__name__, encoded.values())
                # The decoder consumes its input; decode a copy.
                self.assertIs(object_from_json(copy.deepcopy(encoded)), cls)

    def test_public_names(self):
        for name in botorch_roma.ax.__all__:
            with self.subTest(name=name):
                self.assertTrue(hasattr(botorch_roma.ax, name))
