r"""Tests for ``botorch_roma/ax/__init__.py``: RoMA's registrations with Ax.

Importing ``botorch_roma.ax`` registers RoMA's models with Ax's
``fit_botorch_model`` and ``submodel_input_constructor`` dispatchers, and its
models, acquisitions and transform with Ax's JSON/SQL storage registries.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
from pathlib import Path

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
    SAVED_NAME_HINT,
    LatentRoMAAcquisition,
    RoMAAcquisition,
    SequenceToIds,
    attach_offline_data,
    fit_roma_model,
    generate_batch,
    latent_model_inputs,
    roma_model_inputs,
)
from botorch_roma.latent.model import LatentRoMAModel
from botorch_roma.models import RoMAModel
from test.ax.helpers import float_client, float_data

REPO = Path(__file__).resolve().parents[2]

LOAD_WITHOUT_IMPORT = """
import sys, warnings
warnings.simplefilter("ignore")
import botorch_roma
if not any(m.startswith("botorch_roma.ax") for m in sys.modules):
    print("core import leaves Ax alone", flush=True)
from ax.api.client import Client
Client.load_from_json_file(sys.argv[1])
"""


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
                    saved = cls.__name__ + SAVED_NAME_HINT
                    self.assertEqual(CLASS_TO_REGISTRY[base][cls], saved)
                    # Loads under the hinted name and the plain one (older files).
                    self.assertIs(CLASS_TO_REVERSE_REGISTRY[base][saved], cls)
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
                name = encoded.get("index", encoded.get("transform_type"))
                self.assertTrue(name.startswith(cls.__name__))
                # The decoder consumes its input; decode a copy.
                self.assertIs(object_from_json(copy.deepcopy(encoded)), cls)
                if "index" in encoded:  # as saved before the hint
                    old = {**encoded, "index": cls.__name__}
                    self.assertIs(object_from_json(old), cls)

    def test_loading_without_the_import_names_the_fix(self):
        with tempfile.TemporaryDirectory() as tmp:
            client = float_client()
            attach_offline_data(client, float_data(n=12))
            generate_batch(client, n=2)
            path = Path(tmp) / "snapshot.json"
            client.save_to_json_file(str(path))
            env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
            result = subprocess.run(
                [sys.executable, "-c", LOAD_WITHOUT_IMPORT, str(path)],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
            )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("not registered in the reverse registry", result.stderr)
        self.assertIn("import botorch_roma.ax before loading", result.stderr)
        # The core package alone stays free of Ax (it registers nothing).
        self.assertIn("core import leaves Ax alone", result.stdout)

    def test_public_names(self):
        for name in botorch_roma.ax.__all__:
            with self.subTest(name=name):
                self.assertTrue(hasattr(botorch_roma.ax, name))
