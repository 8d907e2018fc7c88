r"""Tests for ``botorch_roma/options.py``: one home for every option."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.options import (
    LATENT_DEFAULTS,
    SMOKE_BUDGET,
    AscentOptions,
    LatentOptions,
    PretrainingOptions,
    RunOptions,
    VAEOptions,
    resolve_device,
    split_options,
)

ALL = (PretrainingOptions, AscentOptions, VAEOptions, LatentOptions, RunOptions)


class TestOptions(BotorchTestCase):
    def test_defaults_are_declared_once_and_valid(self):
        for cls in ALL:
            defaults = cls.defaults()
            self.assertEqual(tuple(defaults), cls.names())
            self.assertEqual(cls.from_dict(None), cls(**defaults))
            self.assertTrue(all(cls.docs().values()))  # every option documented
        self.assertEqual(AscentOptions().steps, 100)
        self.assertEqual(PretrainingOptions().hidden_sizes, (64, 64))
        # Presets name only real options and give valid values.
        for preset in (LATENT_DEFAULTS, SMOKE_BUDGET):
            for cls, values in preset.items():
                cls.from_dict(values)

    def test_types_are_converted_and_checked(self):
        opts = PretrainingOptions.from_dict(
            {"hidden_sizes": [8, 4], "lr": 1, "epochs": np.int64(3)}
        )
        self.assertEqual(opts.hidden_sizes, (8, 4))
        self.assertIsInstance(opts.lr, float)
        self.assertIsInstance(opts.epochs, int)
        self.assertEqual(AscentOptions.from_dict({"steps": torch.tensor(7)}).steps, 7)
        self.assertEqual(PretrainingOptions(epsilon="auto").epsilon, "auto")
        bad = [
            (AscentOptions, {"steps": "100"}, "steps must be an int, got str '100'"),
            (AscentOptions, {"steps": 2.5}, "steps must be an int"),
            (AscentOptions, {"steps": True}, "steps must be an int"),
            (PretrainingOptions, {"epsilon": "0.01"}, "epsilon must be a number or"),
            (PretrainingOptions, {"hidden_sizes": 64}, "hidden_sizes must be a list"),
            (PretrainingOptions, {"hidden_sizes": []}, "must not be empty"),
            (PretrainingOptions, {"hidden_sizes": [0]}, ">= 1"),
            (PretrainingOptions, {"lr": 0.0}, "lr must be > 0"),
            (PretrainingOptions, {"sigma": float("nan")}, "finite"),
            (PretrainingOptions, {"loss": "l1"}, "loss must be one of"),
            (
                PretrainingOptions,
                {"epochs": torch.tensor(2.0)},
                "epochs must be an int",
            ),
            (RunOptions, {"seed": 1.7}, "seed must be an int or None"),
            (RunOptions, {"seed": "abc"}, "seed must be an int or None"),
            (RunOptions, {"progress": 1}, "progress must be a bool"),
            (LatentOptions, {"vae": [1]}, "dict of VAE options"),
            (LatentOptions, {"vae": {"beta": -1}}, "beta must be >= 0"),
        ]
        for cls, values, message in bad:
            with self.assertRaisesRegex(RoMAInputError, message):
                cls.from_dict(values)
        # Several problems are reported at once.
        with self.assertRaisesRegex(RoMAInputError, "steps .*; lr"):
            AscentOptions.from_dict({"steps": -1, "lr": -1})

    def test_unknown_names_suggest_the_close_one(self):
        with self.assertRaisesRegex(RoMAInputError, "did you mean 'steps'"):
            AscentOptions.from_dict({"step": 3})
        with self.assertRaisesRegex(RoMAInputError, "Unknown RoMAModel option"):
            PretrainingOptions.from_dict({"epsillon": 1e-3})
        with self.assertRaisesRegex(RoMAInputError, "must be given as a dict"):
            AscentOptions.from_dict([("steps", 3)])
        with self.assertRaisesRegex(RoMAInputError, "RoMA fit option"):
            RunOptions.check_names(
                {"timeout_sec": 1.0}, only=RunOptions.FIT, what="RoMA fit option(s)"
            )

    def test_overrides_replace_and_to_dict(self):
        given = {"steps": 3, "trust_radius": None}
        self.assertEqual(AscentOptions.overrides(given), given)
        self.assertEqual(AscentOptions.overrides(None), {})
        self.assertEqual(
            PretrainingOptions.overrides({"hidden_sizes": (4,)}, json=True),
            {"hidden_sizes": [4]},
        )
        full = AscentOptions.overrides(AscentOptions(steps=4))
        self.assertEqual(set(full), set(AscentOptions.names()))
        base = AscentOptions(steps=4)
        changed = base.replace(lr=0.1)
        self.assertEqual((changed.steps, changed.lr, base.lr), (4, 0.1, 3e-3))
        with self.assertRaises(RoMAInputError):
            base.replace(lr=-1.0)
        self.assertEqual(PretrainingOptions().to_dict()["hidden_sizes"], [64, 64])

    def test_split_options(self):
        pre, asc, rest = split_options(
            {"epochs": 5, "steps": 10, "seed": 1},
            PretrainingOptions,
            AscentOptions,
            extra=("seed",),
        )
        self.assertEqual((pre, asc, rest), ({"epochs": 5}, {"steps": 10}, {"seed": 1}))
        # A shared name goes to the first class.
        pre, asc, _ = split_options({"lr": 0.1}, PretrainingOptions, AscentOptions)
        self.assertEqual((pre, asc), ({"lr": 0.1}, {}))
        with self.assertRaisesRegex(RoMAInputError, "Unknown RoMAModel option"):
            split_options({"epoch": 5}, PretrainingOptions, AscentOptions)
        with self.assertRaisesRegex(RoMAInputError, "Unknown RoMA option"):
            split_options({"x": 5}, AscentOptions, what="RoMA option(s)")


def test_resolve_device():
    assert resolve_device(None) is None
    assert resolve_device("cpu") == torch.device("cpu")
    auto = resolve_device("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(RoMAInputError, match="not a torch device"):
        resolve_device("gpu-please")
    if not torch.cuda.is_available():
        with pytest.raises(RoMAInputError, match="no usable CUDA"):
            resolve_device("cuda:0")
