r"""Tests for ``botorch_roma/ax/latent.py``: the latent route for sequence designs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from ax.api.client import Client
from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig
from ax.core.parameter import ChoiceParameter, ParameterType
from ax.core.search_space import SearchSpace
from ax.generation_strategy.generation_node import GenerationNode
from ax.service.ax_client import AxClient, ObjectiveProperties
from botorch.acquisition.objective import ScalarizedPosteriorTransform
from botorch.exceptions.errors import UnsupportedError
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax import (
    LATENT_TRANSFORMS,
    LatentRoMAAcquisition,
    RoMAGenerationStep,
    SequenceToIds,
    attach_offline_data,
    generate_batch,
    latent_model_config,
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


def _assert_valid_distinct_new(client, trial, n):
    experiment = experiment_of(client)
    assert len(trial.arms) == n
    seqs = _sequences(trial.arms)
    assert len(set(seqs)) == n
    others = {
        s
        for t in experiment.trials.values()
        if t.index != trial.index
        for s in _sequences(t.arms)
    }
    assert not others & set(seqs)
    for arm in trial.arms:
        assert experiment.search_space.check_membership(
            arm.parameters, raise_error=True
        )
        assert all(arm.parameters[n] in VALUES for n in NAMES)
        assert arm.parameters["fixed"] == 3.0


def test_options_and_step():
    assert latent_options(None) is None and latent_options(False) is None
    assert latent_options(True) == {"vae": {}, "latent_samples": 0}
    assert latent_options(LatentOptions(vae={"epochs": 5}, latent_samples=2)) == {
        "vae": {"epochs": 5},
        "latent_samples": 2,
    }
    for bad, match in (
        ({"epochs": 5}, "Unknown latent option"),
        ({"vae": {"not_an_option": 1}}, "Unknown VAE option"),
        ({"vae": [1]}, "dict of VAE options"),
        ({"latent_samples": -1}, "latent_samples"),
        ("yes", "latent must be"),
    ):
        with pytest.raises(RoMAInputError, match=match):
            latent_options(bad)
    with pytest.raises(RoMAInputError, match="timeout_sec"):
        RoMAGenerationStep(latent=True, timeout_sec=1.0)
    with pytest.raises(RoMAInputError):
        RoMAGenerationStep(latent=True, pretraining={"not_an_option": 3})
    node = RoMAGenerationStep(latent={"vae": {"epochs": 7}}, ascent={"steps": 3})
    assert isinstance(node, GenerationNode)
    kwargs = node.generator_specs[0].generator_kwargs
    assert kwargs["acquisition_class"] is LatentRoMAAcquisition
    assert kwargs["acquisition_options"]["steps"] == 3
    assert kwargs["transforms"] == LATENT_TRANSFORMS
    config = kwargs["surrogate_spec"].model_configs[0]
    assert config.botorch_model_class is LatentRoMAModel
    assert config.model_options["vae_options"] == {"epochs": 7}
    config = latent_model_config(None, {"hidden_sizes": (4, 4)})
    assert config.model_options["model_options"]["hidden_sizes"] == [4, 4]


def test_sequence_to_ids_shares_one_alphabet():
    space = SearchSpace(
        parameters=[
            ChoiceParameter("a", ParameterType.STRING, VALUES, is_ordered=False),
            ChoiceParameter("b", ParameterType.STRING, VALUES[::-1], is_ordered=False),
            ChoiceParameter("c", ParameterType.INT, [0, 1, 2, 3], is_ordered=True),
        ]
    )
    with pytest.raises(RoMAInputError, match="'c'"):
        SequenceToIds(search_space=space)
    space = SearchSpace(parameters=list(space.parameters.values())[:2])
    t = SequenceToIds(search_space=space)
    assert t.alphabet == VALUES
    assert t.encoded_parameters["a"] == t.encoded_parameters["b"]
    new = t.transform_search_space(space.clone())
    for name in ("a", "b"):
        p = new.parameters[name]
        assert p.values == [0, 1, 2, 3] and not p.is_ordered


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
        Y = seqs.sum(-1, keepdim=True).double()
        roma = LatentRoMA(
            vae_options={"epochs": 5, "latent_dim": 2, "hidden_size": 8},
            model_options={"epochs": 2, "hidden_sizes": [4], "inner_steps": 1},
            ascent_options={"steps": 3},
            exclude_training=True,
        ).fit(seqs, Y, num_categories=2, seed=0)
        train = {tuple(r) for r in seqs.tolist()}
        free = [s for s in torch.cartesian_prod(*[torch.arange(2)] * 3).tolist()]
        free = [s for s in free if tuple(s) not in train]
        out, _ = roma.generate(n=len(free) - 1, seed=0, exclude=torch.tensor(free[:1]))
        got = {tuple(r) for r in out.tolist()}
        self.assertEqual(got, {tuple(s) for s in free[1:]})
        with self.assertRaisesRegex(RoMAInputError, "excluding the given"):
            roma.generate(n=len(free), seed=0, exclude=torch.tensor(free[:1]))


def test_client_batch_per_trial_and_reproducible():
    df = sequence_data()
    client = sequence_client(parameters=sequence_parameters(reverse_p1=True))
    attach_offline_data(client, df)
    trial = generate_batch(client, n=8)
    _assert_valid_distinct_new(client, trial, 8)
    predictions = trial.generator_runs[0].model_predictions[0]["y"]
    assert len(predictions) == 8 and np.isfinite(predictions).all()
    # The per-trial path avoids the candidate batch and earlier trials.
    trials = client.get_next_trials(max_trials=2)
    assert len(trials) == 2
    seqs = [
        s for t in experiment_of(client).trials.values() for s in _sequences(t.arms)
    ]
    assert len(seqs) == len(set(seqs)) == 40 + 8 + 2
    # Seeded: a fresh client on the same data proposes the same batch.
    again = sequence_client(parameters=sequence_parameters(reverse_p1=True))
    attach_offline_data(again, df)
    assert _sequences(generate_batch(again, n=8).arms) == _sequences(trial.arms)


def test_ax_client_and_direction():
    df = sequence_data(n=60, seed=1)
    mean_g = {}
    for minimize in (False, True):
        client = sequence_ax_client(minimize=minimize)
        attach_offline_data(client, df)
        trial = generate_batch(client, n=8)
        _assert_valid_distinct_new(client, trial, 8)
        mean_g[minimize] = np.mean([s.count("G") for s in _sequences(trial.arms)])
        params, index = client.get_next_trial()
        assert all(params[n] in VALUES for n in NAMES) and params["fixed"] == 3.0
    # The ascent starts from the best sequences in the objective's direction.
    assert mean_g[False] > df.y.mean() > mean_g[True], mean_g
    assert mean_g[False] - mean_g[True] >= 1.0, mean_g


def test_bad_spaces_raise_clearly():
    df = sequence_data(n=20)
    cases = [
        (
            sequence_parameters()
            + [RangeParameterConfig(name="x", parameter_type="float", bounds=(0, 1))],
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
        client = sequence_client(parameters=parameters)
        data = df.assign(x=0.5, q="A")[
            [p.name for p in parameters if p.name != "fixed"] + ["y"]
        ]
        attach_offline_data(client, data)
        with pytest.raises(RoMAInputError, match=match):
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
    attach_offline_data(client, pd.DataFrame({"a": [0, 1], "b": [0, 0], "y": [0, 1]}))
    with pytest.raises(RoMAInputError, match="lower n"):
        generate_batch(client, n=3)
    trial = generate_batch(client, n=2)
    assert {tuple(a.parameters.values()) for a in trial.arms} == {(0, 1), (1, 1)}


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


def test_json_round_trip_in_fresh_process(tmp_path):
    args = []
    for kind in ("ax_client", "client"):
        client = sequence_ax_client() if kind == "ax_client" else sequence_client()
        attach_offline_data(client, sequence_data(n=20))
        generate_batch(client, n=2)
        path = tmp_path / f"{kind}.json"
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
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["OK", "ax_client", "3", "OK", "client", "3"]
