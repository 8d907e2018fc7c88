r"""Tests for ``botorch_roma/ax/latent.py``: the latent route for sequence designs.

The pieces that take tensors (``latent_model_inputs``, ``LatentRoMAModel``,
``LatentRoMAAcquisition.optimize`` and ``LatentRoMA.generate``) are tested
directly in float32 and float64. The tests that drive whole Ax experiments do
not loop over dtypes (see :class:`TestLatentRouteThroughAx`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from ax.api.client import Client
from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig
from ax.core.parameter import ChoiceParameter, ParameterType
from ax.core.search_space import SearchSpace, SearchSpaceDigest
from ax.generation_strategy.generation_node import GenerationNode
from ax.generators.torch.botorch_modular.surrogate import Surrogate, SurrogateSpec
from ax.generators.torch_base import TorchOptConfig
from ax.service.ax_client import AxClient, ObjectiveProperties
from botorch.acquisition.analytic import PosteriorMean
from botorch.acquisition.objective import ScalarizedPosteriorTransform
from botorch.exceptions.errors import UnsupportedError
from botorch.utils.datasets import SupervisedDataset
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax import (
    LATENT_TRANSFORMS,
    LatentRoMAAcquisition,
    RoMAGenerationStep,
    SequenceToIds,
    attach_offline_data,
    generate_batch,
    latent_model_config,
    latent_model_inputs,
    roma_generation_strategy,
)
from botorch_roma.ax.data import experiment_of
from botorch_roma.ax.latent import latent_options
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.latent import LatentRoMA
from botorch_roma.latent.model import LatentRoMAModel
from botorch_roma.options import LatentOptions

REPO = Path(__file__).resolve().parents[2]

L = 6
VALUES = ["A", "C", "G", "T"]
NAMES = [f"p{i}" for i in range(L)]

#: Tiny latent budgets so the tests stay fast.
FAST_LATENT = {
    "latent": {"vae": {"epochs": 50, "lr": 1e-2, "latent_dim": 8, "hidden_size": 32}},
    "pretraining": {"epochs": 10, "hidden_sizes": [16, 16], "inner_steps": 2},
    "ascent": {"steps": 20, "adapt_steps": 2},
}


def no_leading_a(seqs: torch.Tensor) -> torch.Tensor:
    r"""A feasibility check on category ids: position p0 is not "A" (id 0)."""
    return seqs[:, 0] != 0


#: The latent options with a user feasibility check (by its importable name).
FEASIBLE_LATENT = {**FAST_LATENT["latent"], "feasibility": f"{__name__}:no_leading_a"}


def latent_strategy(**overrides):
    return roma_generation_strategy(**{**FAST_LATENT, "seed": 0, **overrides})


def sequence_data(n: int = 40, seed: int = 0) -> pd.DataFrame:
    r"""Random sequences scored by their number of G's."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.choice(VALUES, (n, L)), columns=NAMES)
    df["y"] = (df == "G").sum(axis=1).astype(float)
    return df


def sequence_parameters(fixed: bool = True, reverse_p1: bool = False) -> list:
    params = [
        ChoiceParameterConfig(
            name=name,
            parameter_type="str",
            # The same values, listed in another order for p1.
            values=VALUES[::-1] if (reverse_p1 and name == "p1") else VALUES,
            is_ordered=False,
        )
        for name in NAMES
    ]
    if fixed:
        params.append(
            ChoiceParameterConfig(name="fixed", parameter_type="float", values=[3.0])
        )
    return params


def sequence_client(
    parameters: list | None = None, minimize: bool = False, **overrides
) -> Client:
    client = Client(random_seed=0)
    client.configure_experiment(parameters=parameters or sequence_parameters())
    client.configure_optimization(objective="-y" if minimize else "y")
    client.set_generation_strategy(latent_strategy(**overrides))
    return client


def sequence_ax_client(minimize: bool = False, **overrides) -> AxClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = AxClient(
            generation_strategy=latent_strategy(**overrides),
            random_seed=0,
            verbose_logging=False,
        )
    client.create_experiment(
        parameters=[
            {
                "name": n,
                "type": "choice",
                "values": VALUES,
                "is_ordered": False,
                "sort_values": False,
            }
            for n in NAMES
        ]
        + [{"name": "fixed", "type": "fixed", "value": 3.0}],
        objectives={"y": ObjectiveProperties(minimize=minimize)},
    )
    return client


def _sequences(arms) -> list[tuple[str, ...]]:
    return [tuple(a.parameters[n] for n in NAMES) for a in arms]


LOAD_AND_GENERATE = """
import sys, warnings
warnings.simplefilter("ignore")
import botorch_roma.ax as rax
from ax.api.client import Client
from ax.service.ax_client import AxClient
for kind, path in zip(sys.argv[1::2], sys.argv[2::2]):
    if kind == "ax_client":
        client = AxClient.load_from_json_file(path, verbose_logging=False)
    else:
        client = Client.load_from_json_file(path)
    kwargs = client._generation_strategy._nodes[0].generator_specs[0].generator_kwargs
    assert kwargs["transforms"] == rax.LATENT_TRANSFORMS
    trial = rax.generate_batch(client, n=3)
    for arm in trial.arms:
        assert all(arm.parameters[f"p{i}"] in "ACGT" for i in range(6))
        assert kind == "ax_client" or arm.parameters["p0"] != "A"  # feasibility
        assert arm.parameters["fixed"] == 3.0
    seqs = {tuple(sorted(a.parameters.items())) for a in trial.arms}
    experiment = rax.data.experiment_of(client)
    old = {
        tuple(sorted(a.parameters.items()))
        for t in experiment.trials.values() if t.index != trial.index
        for a in t.arms
    }
    assert len(seqs) == 3 and not seqs & old
    print("OK", kind, len(experiment.trials))
"""


class TestLatentOptionsAndEncoding(BotorchTestCase):
    r"""Options, the generation node and the ``SequenceToIds`` transform.

    No dtype loop: these build Ax objects and option dicts, no tensors.
    """

    def test_options_and_step(self):
        self.assertIsNone(latent_options(None))
        self.assertIsNone(latent_options(False))
        checks = {"plausibility": "transitions", "anchored": False}
        checks["feasibility"] = None
        self.assertEqual(
            latent_options(True), {"vae": {}, "latent_samples": 0, **checks}
        )
        self.assertEqual(
            latent_options(LatentOptions(vae={"epochs": 5}, latent_samples=2)),
            {"vae": {"epochs": 5}, "latent_samples": 2, **checks},
        )
        # A module-level feasibility function is stored by its importable name.
        name = f"{__name__}:no_leading_a"
        for feasibility in (no_leading_a, name):
            options = latent_options({"feasibility": feasibility})
            self.assertEqual(options["feasibility"], name)
        for bad, match in (
            ({"epochs": 5}, "Unknown latent option"),
            ({"vae": {"not_an_option": 1}}, "Unknown VAE option"),
            ({"vae": [1]}, "dict of VAE options"),
            ({"latent_samples": -1}, "latent_samples"),
            ({"plausibility": "motifs"}, "plausibility"),
            ({"feasibility": "no_such_module:f"}, "Cannot import"),
            ({"feasibility": lambda seqs: seqs[:, 0] > 0}, "lambda"),
            ("yes", "latent must be"),
        ):
            with self.subTest(bad=bad):
                with self.assertRaisesRegex(RoMAInputError, match):
                    latent_options(bad)
        with self.assertRaisesRegex(RoMAInputError, "timeout_sec"):
            RoMAGenerationStep(latent=True, timeout_sec=1.0)
        with self.assertRaises(RoMAInputError):
            RoMAGenerationStep(latent=True, pretraining={"not_an_option": 3})
        node = RoMAGenerationStep(latent={"vae": {"epochs": 7}}, ascent={"steps": 3})
        self.assertIsInstance(node, GenerationNode)
        kwargs = node.generator_specs[0].generator_kwargs
        self.assertIs(kwargs["acquisition_class"], LatentRoMAAcquisition)
        self.assertEqual(kwargs["acquisition_options"]["steps"], 3)
        self.assertEqual(kwargs["transforms"], LATENT_TRANSFORMS)
        config = kwargs["surrogate_spec"].model_configs[0]
        self.assertIs(config.botorch_model_class, LatentRoMAModel)
        self.assertEqual(config.model_options["vae_options"], {"epochs": 7})
        self.assertEqual(config.model_options["plausibility"], "transitions")
        self.assertIsNone(config.model_options["feasibility"])
        config = latent_model_config(None, {"hidden_sizes": (4, 4)})
        self.assertEqual(config.model_options["model_options"]["hidden_sizes"], [4, 4])

    def test_sequence_to_ids_shares_one_alphabet(self):
        space = SearchSpace(
            parameters=[
                ChoiceParameter("a", ParameterType.STRING, VALUES, is_ordered=False),
                ChoiceParameter(
                    "b", ParameterType.STRING, VALUES[::-1], is_ordered=False
                ),
                ChoiceParameter("c", ParameterType.INT, [0, 1, 2, 3], is_ordered=True),
            ]
        )
        with self.assertRaisesRegex(RoMAInputError, "'c'"):
            SequenceToIds(search_space=space)
        space = SearchSpace(parameters=list(space.parameters.values())[:2])
        t = SequenceToIds(search_space=space)
        self.assertEqual(t.alphabet, VALUES)
        self.assertEqual(t.encoded_parameters["a"], t.encoded_parameters["b"])
        new = t.transform_search_space(space.clone())
        for name in ("a", "b"):
            p = new.parameters[name]
            self.assertEqual(p.values, [0, 1, 2, 3])
            self.assertFalse(p.is_ordered)


def _id_dataset(n: int = 24, length: int = 5, **tkwargs) -> SupervisedDataset:
    r"""``n`` random sequences of category ids in ``0..3``, scored by their 2s."""
    gen = torch.Generator().manual_seed(0)
    X = torch.randint(4, (n, length), generator=gen).to(**tkwargs)
    Y = (X == 2).to(**tkwargs).sum(-1, keepdim=True)
    names = [f"p{i}" for i in range(length)]
    return SupervisedDataset(X=X, Y=Y, feature_names=names, outcome_names=["y"])


def _id_digest(length: int = 5, choices: list[int] | None = None):
    choices = [0, 1, 2, 3] if choices is None else choices
    return SearchSpaceDigest(
        feature_names=[f"p{i}" for i in range(length)],
        bounds=[(float(min(choices)), float(max(choices)))] * length,
        categorical_features=list(range(length)),
        discrete_choices={i: list(choices) for i in range(length)},
    )


class TestLatentModelInputs(BotorchTestCase):
    def test_inputs_need_shared_category_ids(self):
        config = latent_model_config(
            {"vae": {"epochs": 3}, "latent_samples": 2}, {"epochs": 1}, seed=0
        )
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                dataset = _id_dataset(**tkwargs)
                inputs = latent_model_inputs(
                    LatentRoMAModel, config, dataset, _id_digest(), None
                )
                self.assertIs(inputs["train_X"], dataset.X)
                self.assertIs(inputs["train_Y"], dataset.Y)
                self.assertEqual(inputs["num_categories"], 4)
                self.assertEqual(inputs["vae_options"], {"epochs": 3})
                self.assertEqual(inputs["latent_samples"], 2)
                model = LatentRoMAModel(**inputs)
                self.assertEqual(model.train_X.dtype, dtype)
                # Columns over different ids, ids not 0..C-1, or a single id.
                digest = _id_digest()
                digest.discrete_choices[4] = [0, 1, 2]
                for bad in (digest, _id_digest(choices=[1, 2, 3, 4])):
                    with self.assertRaisesRegex(RoMAInputError, "same category ids"):
                        latent_model_inputs(LatentRoMAModel, config, dataset, bad, None)
                with self.assertRaisesRegex(RoMAInputError, "same category ids"):
                    latent_model_inputs(
                        LatentRoMAModel, config, dataset, _id_digest(choices=[0]), None
                    )


class TestLatentRoMAModel(BotorchTestCase):
    def test_fit_and_posterior(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            gen = torch.Generator().manual_seed(0)
            X = torch.randint(4, (32, 5), generator=gen).to(**tkwargs)
            Y = (X == 2).to(**tkwargs).sum(-1, keepdim=True)
            X_in, Y_in = X.clone(), Y.clone()
            model = LatentRoMAModel(
                X,
                Y,
                num_categories=4,
                vae_options={"epochs": 5, "latent_dim": 3, "hidden_size": 8},
                model_options={"epochs": 2, "hidden_sizes": [4], "inner_steps": 1},
            )
            with self.assertRaisesRegex(RoMAInputError, "not fitted"):
                model.posterior(X[:2])
            self.assertIs(model.fit(seed=0), model)
            self.assertTrue(torch.equal(X, X_in) and torch.equal(Y, Y_in))
            post = model.posterior(X[:3])
            self.assertEqual(post.mean.shape, torch.Size([3, 1]))
            self.assertEqual(post.mean.dtype, dtype)
            self.assertEqual(
                model.posterior(X[:6].view(2, 3, 5)).mean.shape[:2], (2, 3)
            )
            expected = model.latent.predict(X[:3].long())
            self.assertTrue(torch.allclose(post.mean.squeeze(-1), expected))
            neg = model.posterior(
                X[:3],
                posterior_transform=ScalarizedPosteriorTransform(
                    torch.tensor([-1.0], **tkwargs)
                ),
            )
            self.assertTrue(torch.allclose(neg.mean.squeeze(-1), -expected))
            # Refitting with the same seed gives the same model.
            self.assertTrue(
                torch.equal(model.fit(seed=0).posterior(X[:3]).mean, post.mean)
            )
            with self.assertRaisesRegex(RoMAInputError, "L=5"):
                model.posterior(X[:, :4])
            with self.assertRaisesRegex(RoMAInputError, "whole category ids"):
                LatentRoMAModel(X + 0.5, Y, num_categories=4)
            with self.assertRaisesRegex(RoMAInputError, "whole category ids"):
                LatentRoMAModel(X + 4, Y, num_categories=4)
            with self.assertRaises(UnsupportedError):
                LatentRoMAModel(X, Y, num_categories=4, outcome_transform=object())

    def test_generate_excludes_given_sequences(self):
        gen = torch.Generator().manual_seed(0)
        seqs = torch.randint(2, (12, 3), generator=gen)
        train = {tuple(r) for r in seqs.tolist()}
        free = [s for s in torch.cartesian_prod(*[torch.arange(2)] * 3).tolist()]
        free = [s for s in free if tuple(s) not in train]
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                Y = seqs.sum(-1, keepdim=True).to(**tkwargs)
                roma = LatentRoMA(
                    vae_options={"epochs": 5, "latent_dim": 2, "hidden_size": 8},
                    model_options={"epochs": 2, "hidden_sizes": [4], "inner_steps": 1},
                    ascent_options={"steps": 3},
                    exclude_training=True,
                ).fit(seqs.to(self.device), Y, num_categories=2, seed=0)
                exclude = torch.tensor(free[:1], device=self.device)
                out, _ = roma.generate(n=len(free) - 1, seed=0, exclude=exclude)
                got = {tuple(r) for r in out.tolist()}
                self.assertEqual(got, {tuple(s) for s in free[1:]})
                with self.assertRaisesRegex(RoMAInputError, "excluding the given"):
                    roma.generate(n=len(free), seed=0, exclude=exclude)


class TestLatentRoMAAcquisition(BotorchTestCase):
    def _surrogate(self, **tkwargs) -> tuple[Surrogate, torch.Tensor]:
        r"""A tiny latent RoMA surrogate fitted on 24 sequences of length 5."""
        dataset = _id_dataset(**tkwargs)
        config = latent_model_config(
            {"vae": {"epochs": 5, "latent_dim": 3, "hidden_size": 8}},
            {"epochs": 2, "hidden_sizes": [4], "inner_steps": 1},
            seed=0,
        )
        surrogate = Surrogate(surrogate_spec=SurrogateSpec(model_configs=[config]))
        surrogate.fit(datasets=[dataset], search_space_digest=_id_digest())
        return surrogate, dataset.X

    def _acquisition(self, surrogate, weight, pending=None, **options):
        X = surrogate.Xs[0]
        return LatentRoMAAcquisition(
            surrogate=surrogate,
            search_space_digest=_id_digest(),
            torch_opt_config=TorchOptConfig(
                objective_weights=torch.tensor([[weight]]).to(X),
                pending_observations=None if pending is None else [pending],
            ),
            botorch_acqf_class=PosteriorMean,
            options={"steps": 3, "adapt_steps": 1, "seed": 0, **options},
        )

    def test_optimize_new_distinct_sequences(self):
        digest = _id_digest()
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                surrogate, X = self._surrogate(**tkwargs)
                pending = torch.tensor([[2, 2, 2, 2, 2], [2, 2, 2, 2, 1]], **tkwargs)
                for weight in (1.0, -1.0):
                    acq = self._acquisition(surrogate, weight, pending=pending)
                    candidates, values, weights = acq.optimize(
                        n=4, search_space_digest=digest
                    )
                    self.assertEqual(candidates.shape, torch.Size([4, 5]))
                    self.assertEqual(candidates.dtype, dtype)
                    self.assertEqual(candidates.device.type, self.device.type)
                    # Whole category ids, distinct, new (not trained on, not
                    # pending).
                    self.assertTrue(torch.equal(candidates, candidates.round()))
                    self.assertTrue(((candidates >= 0) & (candidates <= 3)).all())
                    self.assertEqual(len(torch.unique(candidates, dim=0)), 4)
                    seen = torch.cat([X, pending])
                    same = (candidates.unsqueeze(1) == seen.unsqueeze(0)).all(-1)
                    self.assertFalse(same.any())
                    self.assertEqual(values.shape, torch.Size([4]))
                    self.assertEqual(values.dtype, dtype)
                    with torch.no_grad():
                        expected = acq.acqf(candidates.unsqueeze(-2))
                    self.assertAllClose(values, expected)
                    self.assertEqual(weights.dtype, dtype)
                    self.assertTrue(
                        torch.equal(weights.cpu(), torch.ones(4, dtype=dtype))
                    )

    def test_optimize_rejects_constraints_fixed_features_and_timeout(self):
        digest = _id_digest()
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                surrogate, _ = self._surrogate(**tkwargs)
                acq = self._acquisition(surrogate, 1.0)
                constraint = [
                    (
                        torch.tensor([0, 1], device=self.device),
                        torch.tensor([1.0, 1.0], **tkwargs),
                        1.0,
                    )
                ]
                for kwargs in (
                    {"inequality_constraints": constraint},
                    {"equality_constraints": constraint},
                    {"fixed_features": {0: 1.0}},
                ):
                    with self.assertRaisesRegex(
                        UnsupportedError, "parameter constraints"
                    ):
                        acq.optimize(n=2, search_space_digest=digest, **kwargs)
                acq = self._acquisition(surrogate, 1.0, timeout_sec=5.0)
                with self.assertRaisesRegex(UnsupportedError, "timeout_sec"):
                    acq.optimize(n=2, search_space_digest=digest)


class TestLatentRouteThroughAx(BotorchTestCase):
    r"""The latent route end to end through ``Client`` and ``AxClient``.

    No dtype loop: every test runs a whole Ax experiment, which always hands
    the model float64 tensors, so a float32 pass would rerun the same code at
    twice the cost (the float32 paths are tested directly above).
    """

    def _assert_valid_distinct_new(self, client, trial, n):
        experiment = experiment_of(client)
        self.assertEqual(len(trial.arms), n)
        seqs = _sequences(trial.arms)
        self.assertEqual(len(set(seqs)), n)
        others = {
            s
            for t in experiment.trials.values()
            if t.index != trial.index
            for s in _sequences(t.arms)
        }
        self.assertFalse(others & set(seqs))
        for arm in trial.arms:
            self.assertTrue(
                experiment.search_space.check_membership(
                    arm.parameters, raise_error=True
                )
            )
            self.assertTrue(all(arm.parameters[n] in VALUES for n in NAMES))
            self.assertEqual(arm.parameters["fixed"], 3.0)

    def test_feasibility_is_honoured(self):
        client = sequence_client(latent=FEASIBLE_LATENT)
        attach_offline_data(client, sequence_data())
        trial = generate_batch(client, n=8)
        self._assert_valid_distinct_new(client, trial, 8)
        self.assertTrue(all(arm.parameters["p0"] != "A" for arm in trial.arms))

    def test_client_batch_per_trial_and_reproducible(self):
        df = sequence_data()
        client = sequence_client(parameters=sequence_parameters(reverse_p1=True))
        attach_offline_data(client, df)
        trial = generate_batch(client, n=8)
        self._assert_valid_distinct_new(client, trial, 8)
        predictions = trial.generator_runs[0].model_predictions[0]["y"]
        self.assertEqual(len(predictions), 8)
        self.assertTrue(np.isfinite(predictions).all())
        # The per-trial path avoids the candidate batch and earlier trials.
        trials = client.get_next_trials(max_trials=2)
        self.assertEqual(len(trials), 2)
        seqs = [
            s for t in experiment_of(client).trials.values() for s in _sequences(t.arms)
        ]
        self.assertEqual(len(seqs), 40 + 8 + 2)
        self.assertEqual(len(set(seqs)), 40 + 8 + 2)
        # Seeded: a fresh client on the same data proposes the same batch.
        again = sequence_client(parameters=sequence_parameters(reverse_p1=True))
        attach_offline_data(again, df)
        self.assertEqual(
            _sequences(generate_batch(again, n=8).arms), _sequences(trial.arms)
        )

    def test_ax_client_and_direction(self):
        df = sequence_data(n=60, seed=1)
        mean_g = {}
        for minimize in (False, True):
            with self.subTest(minimize=minimize):
                client = sequence_ax_client(minimize=minimize)
                attach_offline_data(client, df)
                trial = generate_batch(client, n=8)
                self._assert_valid_distinct_new(client, trial, 8)
                mean_g[minimize] = np.mean(
                    [s.count("G") for s in _sequences(trial.arms)]
                )
                params, index = client.get_next_trial()
                self.assertTrue(all(params[n] in VALUES for n in NAMES))
                self.assertEqual(params["fixed"], 3.0)
        # The ascent starts from the best sequences in the objective's direction.
        self.assertTrue(mean_g[False] > df.y.mean() > mean_g[True], mean_g)
        self.assertGreaterEqual(mean_g[False] - mean_g[True], 1.0, mean_g)

    def test_bad_spaces_raise_clearly(self):
        df = sequence_data(n=20)
        cases = [
            (
                sequence_parameters()
                + [
                    RangeParameterConfig(
                        name="x", parameter_type="float", bounds=(0, 1)
                    )
                ],
                "non-choice parameter.*'x'",
            ),
            (
                sequence_parameters()[:-1]
                + [
                    ChoiceParameterConfig(
                        name="q", parameter_type="str", values=["A", "C", "G", "U"]
                    )
                ],
                "'q' have values other than 'p0'",
            ),
        ]
        for parameters, match in cases:
            with self.subTest(match=match):
                client = sequence_client(parameters=parameters)
                data = df.assign(x=0.5, q="A")[
                    [p.name for p in parameters if p.name != "fixed"] + ["y"]
                ]
                attach_offline_data(client, data)
                with self.assertRaisesRegex(RoMAInputError, match):
                    generate_batch(client, n=2)
        # A space too small for n new sequences says so.
        client = Client(random_seed=0)
        client.configure_experiment(
            parameters=[
                ChoiceParameterConfig(name=n, parameter_type="int", values=[0, 1])
                for n in ("a", "b")
            ]
        )
        client.configure_optimization(objective="y")
        client.set_generation_strategy(latent_strategy())
        attach_offline_data(
            client, pd.DataFrame({"a": [0, 1], "b": [0, 0], "y": [0, 1]})
        )
        with self.assertRaisesRegex(RoMAInputError, "lower n"):
            generate_batch(client, n=3)
        # Both new sequences hold a transition the two rows never show (0 -> 1,
        # 1 -> 1), so the default plausibility check leaves none and says so.
        with self.assertRaisesRegex(RoMAInputError, "plausibility='none'"):
            generate_batch(client, n=2)
        latent = {**FAST_LATENT["latent"], "plausibility": "none"}
        client.set_generation_strategy(latent_strategy(latent=latent))
        trial = generate_batch(client, n=2)
        self.assertEqual(
            {tuple(a.parameters.values()) for a in trial.arms}, {(0, 1), (1, 1)}
        )

    def test_json_round_trip_in_fresh_process(self):
        args = []
        with tempfile.TemporaryDirectory() as tmp:
            for kind in ("ax_client", "client"):
                client = (
                    sequence_ax_client()
                    if kind == "ax_client"
                    else sequence_client(latent=FEASIBLE_LATENT)
                )
                attach_offline_data(client, sequence_data(n=20))
                generate_batch(client, n=2)
                path = Path(tmp) / f"{kind}.json"
                client.save_to_json_file(str(path))
                args += [kind, str(path)]
            env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
            result = subprocess.run(
                [sys.executable, "-c", textwrap.dedent(LOAD_AND_GENERATE), *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
            )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertEqual(
            result.stdout.split(), ["OK", "ax_client", "3", "OK", "client", "3"]
        )
