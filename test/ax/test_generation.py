r"""Tests for ``botorch_roma/ax/generation.py``: RoMA through real Ax clients.

No test here loops over dtypes: each drives a whole Ax experiment (or builds an
Ax generation node), and Ax always hands its models float64 tensors, so a
float32 pass would only rerun the same code, at twice the cost. The float32
paths are tested directly in ``test_acquisition.py`` and ``test_surrogate.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import torch
from ax.api.client import Client
from ax.api.configs import RangeParameterConfig
from ax.core.trial_status import TrialStatus
from ax.generation_strategy.generation_node import GenerationNode
from botorch.exceptions.errors import UnsupportedError
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax import (
    RoMAGenerationStep,
    attach_offline_data,
    generate_batch,
    generation,
    roma_generation_strategy,
)
from botorch_roma.ax.data import experiment_of
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.options import (
    DEFAULT_PRESET,
    PRESETS,
    AscentOptions,
    PretrainingOptions,
)
from test.ax.helpers import (
    FAST,
    fast_strategy,
    float_ax_client,
    float_client,
    float_data,
    mixed_client,
    mixed_data,
)

REPO = Path(__file__).resolve().parents[2]

LOAD_AND_GENERATE = """
import sys, warnings
warnings.simplefilter("ignore")
import botorch_roma.ax as rax
kind, path = sys.argv[1], sys.argv[2]
if kind == "ax_client":
    from ax.service.ax_client import AxClient
    client = AxClient.load_from_json_file(path, verbose_logging=False)
else:
    from ax.api.client import Client
    client = Client.load_from_json_file(path)
trial = rax.generate_batch(client, n=3)
assert len({a.signature for a in trial.arms}) == 3
print("OK", len(client._experiment.trials) if kind != "ax_client" else
      len(client.experiment.trials))
"""


class TestRoMAGenerationStep(BotorchTestCase):
    r"""The step's Ax node and options (no tensors, so no dtype loop)."""

    def test_step_is_a_generation_node_and_validates_options(self):
        node = RoMAGenerationStep(
            pretraining={"epochs": 2}, ascent=AscentOptions(steps=3), seed=1
        )
        self.assertIsInstance(node, GenerationNode)
        kwargs = node.generator_specs[0].generator_kwargs
        self.assertEqual(kwargs["acquisition_options"]["steps"], 3)
        self.assertEqual(kwargs["acquisition_options"]["seed"], 1)
        self.assertIs(kwargs["fit_tracking_metrics"], False)
        with self.assertRaisesRegex(RoMAInputError, "Unknown RoMA ascent"):
            RoMAGenerationStep(ascent={"T": 3})
        with self.assertRaises(RoMAInputError):
            RoMAGenerationStep(pretraining={"not_an_option": 3})
        with self.assertRaisesRegex(RoMAInputError, "dict"):
            RoMAGenerationStep(ascent=[1, 2])
        strategy = roma_generation_strategy(seed=0)
        self.assertEqual([n.name for n in strategy._nodes], ["GenerationStep_0_RoMA"])
        # Bad run options fail here, at construction, not later in generate_batch.
        for kwargs, match in (
            ({"seed": "abc"}, "seed must be an int or None, got str 'abc'"),
            ({"seed": 1.7}, "seed must be an int or None, got float 1.7"),
            ({"seed": -1, "latent": True}, "seed must be >= 0"),
            ({"timeout_sec": 0}, "timeout_sec must be > 0"),
        ):
            for build in (RoMAGenerationStep, roma_generation_strategy):
                with self.subTest(build=build.__name__, **kwargs):
                    with self.assertRaisesRegex(RoMAInputError, match):
                        build(**kwargs)

    def test_presets(self):
        def parts(node):
            kwargs = node.generator_specs[0].generator_kwargs
            config = kwargs["surrogate_spec"].model_configs[0]
            return config, kwargs["acquisition_options"]

        config, ascent = parts(RoMAGenerationStep(preset="paper"))
        self.assertEqual(config.botorch_model_class.__name__, "RoMAModel")
        self.assertNotIn("pessimism", ascent)
        for name, overrides in PRESETS.items():
            config, ascent = parts(RoMAGenerationStep(preset=name))
            for key, value in overrides.get(PretrainingOptions, {}).items():
                self.assertEqual(config.model_options[key], value)
            for key, value in overrides.get(AscentOptions, {}).items():
                self.assertEqual(ascent[key], value)
        # The default preset, and explicit options winning over a preset.
        self.assertEqual(
            parts(RoMAGenerationStep())[1],
            parts(RoMAGenerationStep(preset=DEFAULT_PRESET))[1],
        )
        config, ascent = parts(
            RoMAGenerationStep(
                preset="ensemble", pretraining={"num_models": 3}, ascent={"steps": 7}
            )
        )
        self.assertEqual(config.botorch_model_class.__name__, "RoMAEnsembleModel")
        self.assertEqual((config.model_options["num_models"], ascent["steps"]), (3, 7))
        with self.assertRaisesRegex(RoMAInputError, "Unknown preset 'best'"):
            RoMAGenerationStep(preset="best")

    def test_device_goes_to_ax_and_survives_json(self):
        node = RoMAGenerationStep(device="cpu")
        kwargs = node.generator_specs[0].generator_kwargs
        self.assertEqual(kwargs["torch_device"], torch.device("cpu"))
        self.assertNotIn(
            "torch_device", RoMAGenerationStep().generator_specs[0].generator_kwargs
        )
        with self.assertRaisesRegex(RoMAInputError, "not a torch device"):
            RoMAGenerationStep(device="gpu-please")
        if not torch.cuda.is_available():
            with self.assertRaisesRegex(RoMAInputError, "no usable CUDA"):
                RoMAGenerationStep(device="cuda")
        # A batch on the named device, saved and loaded with the device.
        client = float_client(device="auto")
        attach_offline_data(client, float_data(n=12))
        trial = generate_batch(client, n=2)
        self.assertEqual(len(trial.arms), 2)
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "client.json")
            client.save_to_json_file(path)
            loaded = Client.load_from_json_file(path)
        spec = loaded._generation_strategy._nodes[0].generator_specs[0]
        self.assertEqual(spec.generator_kwargs["torch_device"].type, trial_device())

    def test_fast_budgets_are_in_use(self):
        # Guard: the helpers' budgets stay tiny (the suite must stay fast).
        self.assertLessEqual(FAST["pretraining"]["epochs"], 5)
        self.assertLessEqual(FAST["ascent"]["steps"], 10)


class TestGenerateBatch(BotorchTestCase):
    r"""Offline batches through ``Client`` and ``AxClient``.

    No dtype loop: every test runs a whole Ax experiment, which works in
    float64 only (see the module docstring).
    """

    def _assert_valid_distinct(self, client, trial, n):
        experiment = experiment_of(client)
        self.assertEqual(len(trial.arms), n)
        self.assertEqual(len({arm.signature for arm in trial.arms}), n)
        observed = {
            arm.signature
            for t in experiment.trials.values()
            if t.index != trial.index
            for arm in t.arms
        }
        self.assertFalse(observed & {arm.signature for arm in trial.arms})
        for arm in trial.arms:
            self.assertTrue(
                experiment.search_space.check_membership(
                    arm.parameters, raise_error=True
                )
            )

    def test_client_mixed_space_batch_and_per_trial(self):
        client = mixed_client()
        df = mixed_data(n=30)
        df["cost"] = np.linspace(0.0, 1.0, 30)  # a tracking metric
        attach_offline_data(client, df, tracking_metrics=["cost"])
        trial = generate_batch(client, n=12)
        self.assertEqual(trial.status, TrialStatus.CANDIDATE)
        self._assert_valid_distinct(client, trial, 12)
        for arm in trial.arms:
            p = arm.parameters
            self.assertLessEqual(p["x0"] + p["k"], 3.5 + 1e-6)
            self.assertIsInstance(p["k"], int)
            self.assertIn(p["size"], (1, 2, 4))
            self.assertTrue(1e-4 <= p["lr"] <= 1e-1)
            self.assertEqual(p["fixed"], 3.0)
        predictions = trial.generator_runs[0].model_predictions[0]
        self.assertEqual(set(predictions), {"y"})
        # The standard per-trial path works and avoids pending arms.
        trials = client.get_next_trials(max_trials=2)
        self.assertEqual(len(trials), 2)
        all_arms = [
            a.signature for t in experiment_of(client).trials.values() for a in t.arms
        ]
        self.assertEqual(len(all_arms), len(set(all_arms)))

    def test_per_trial_path_reproduces_the_batch(self):
        df = float_data(n=20, d=3)
        batch_client = float_client(d=3)
        attach_offline_data(batch_client, df)
        batch = generate_batch(batch_client, n=3)
        trial_client = float_client(d=3)
        attach_offline_data(trial_client, df)
        per_trial = trial_client.get_next_trials(max_trials=3)
        # The same designs, up to float round-off (BLAS paths differ with n).
        batch_params = [a.parameters for a in batch.arms]
        trial_params = list(per_trial.values())
        self.assertEqual(
            [sorted(p) for p in batch_params], [sorted(p) for p in trial_params]
        )
        for a, b in zip(batch_params, trial_params):
            np.testing.assert_allclose(
                [a[k] for k in sorted(a)], [b[k] for k in sorted(a)], rtol=0, atol=1e-9
            )

    def test_ax_client_minimize_and_direction(self):
        for minimize in (False, True):
            with self.subTest(minimize=minimize):
                client = float_ax_client(d=2, minimize=minimize)
                df = float_data(n=30, d=2)  # y increases with x0
                attach_offline_data(client, df)
                trial = generate_batch(client, n=4)
                self._assert_valid_distinct(client, trial, 4)
                x0 = np.array([a.parameters["x0"] for a in trial.arms])
                # The ascent starts from the best designs, in the objective's
                # direction.
                if minimize:
                    self.assertLess(x0.mean(), 0.5)
                else:
                    self.assertGreater(x0.mean(), 0.5)
                arms = client.get_next_trials(max_trials=1)[0]
                self.assertEqual(len(arms), 1)

    def test_tiny_discrete_space_gives_distinct_new_designs_or_a_clear_error(self):
        def client():
            c = Client(random_seed=0)
            c.configure_experiment(
                parameters=[
                    RangeParameterConfig(name=n, parameter_type="int", bounds=(0, 2))
                    for n in ("a", "b")
                ]
            )
            c.configure_optimization(objective="y")
            c.set_generation_strategy(fast_strategy())
            return c

        df = pd.DataFrame({"a": [0, 1, 2, 0, 1], "b": [0, 0, 0, 1, 1]})
        df["y"] = df.a + df.b
        c = client()
        attach_offline_data(c, df)
        trial = generate_batch(c, n=4)  # exactly the 4 unseen designs
        self._assert_valid_distinct(c, trial, 4)
        c = client()
        attach_offline_data(c, df)
        with self.assertRaisesRegex(RoMAInputError, "distinct new designs"):
            generate_batch(c, n=5)

    def test_generate_batch_bad_input(self):
        client = float_client()
        with self.assertRaisesRegex(RoMAInputError, "no completed data"):
            generate_batch(client, n=4)
        attach_offline_data(client, float_data())
        for n in (0, -3, 2.5, True):
            with self.subTest(n=n):
                with self.assertRaisesRegex(RoMAInputError, "positive integer"):
                    generate_batch(client, n=n)
        with self.assertRaisesRegex(RoMAInputError, "Client"):
            generate_batch(experiment_of(client), n=2)
        moo = Client()
        moo.configure_experiment(
            parameters=[
                RangeParameterConfig(name="x0", parameter_type="float", bounds=(0, 1))
            ]
        )
        moo.configure_optimization(objective="a, b")
        with self.assertRaisesRegex(UnsupportedError, "multi-objective"):
            generate_batch(moo, n=2)
        self.assertEqual(len(experiment_of(client).trials), 1)

    def test_default_strategy_is_set_when_missing(self):
        client = Client(random_seed=0)
        client.configure_experiment(
            parameters=[
                RangeParameterConfig(name="x0", parameter_type="float", bounds=(0, 1)),
                RangeParameterConfig(name="x1", parameter_type="float", bounds=(0, 1)),
            ]
        )
        client.configure_optimization(objective="y")
        attach_offline_data(client, float_data(n=10))
        # Keep the default strategy's budgets tiny in this test.
        with mock.patch.object(generation, "roma_generation_strategy", fast_strategy):
            trial = generate_batch(client, n=2)
        self.assertEqual(len(trial.arms), 2)
        self.assertEqual(client._generation_strategy.name, "RoMA (offline)")

    def test_json_round_trip_in_fresh_process(self):
        for kind in ("ax_client", "client"):
            with self.subTest(kind=kind), tempfile.TemporaryDirectory() as tmp:
                client = float_ax_client() if kind == "ax_client" else float_client()
                attach_offline_data(client, float_data(n=12))
                generate_batch(client, n=2)
                path = Path(tmp) / "snapshot.json"
                client.save_to_json_file(str(path))
                env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
                result = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        textwrap.dedent(LOAD_AND_GENERATE),
                        kind,
                        str(path),
                    ],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=300,
                )
                self.assertEqual(result.returncode, 0, result.stderr[-3000:])
                self.assertEqual(result.stdout.split()[:2], ["OK", "3"])


def trial_device() -> str:
    r"""The device type that ``device="auto"`` resolves to here."""
    return "cuda" if torch.cuda.is_available() else "cpu"
