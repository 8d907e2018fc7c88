r"""Property tests (Hypothesis): random problems through the BoTorch and Ax routes.

For random shapes, dtypes, bounds, linear constraints, fixed features and
seeds, every design is finite, in bounds, feasible and (through Ax) distinct;
the same seed gives the same designs; the caller's tensors are never
modified; options round-trip through their dict form. Budgets are tiny: the
properties are about the plumbing, not the quality of the designs.
"""

from __future__ import annotations

import tempfile
import unittest
import warnings

import numpy as np
import pandas as pd
import torch
from ax.api.client import Client
from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botorch_roma import RoMAModel, optimize_roma
from botorch_roma.ax import (
    attach_offline_data,
    generate_batch,
    roma_generation_strategy,
)
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.options import AscentOptions, PretrainingOptions

FIT = {"epochs": 2, "inner_steps": 1, "hidden_sizes": (4,), "batch_size": 16}
ASCENT = {"steps": 3, "adapt_steps": 1, "lr": 0.2}
AX_FAST = {
    "pretraining": {"epochs": 2, "hidden_sizes": [4], "inner_steps": 1},
    "ascent": {"steps": 3, "adapt_steps": 1, "lr": 0.1},
}
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def problems(draw):
    r"""A random offline problem: data inside random bounds, maybe constrained."""
    d = draw(st.integers(1, 4))
    n = draw(st.integers(6, 30))
    dtype = draw(st.sampled_from([torch.float, torch.double]))
    seed = draw(st.integers(0, 2**16))
    gen = torch.Generator().manual_seed(seed)
    lower = torch.rand(d, generator=gen) * 4 - 2
    width = torch.rand(d, generator=gen) * 3 + 0.1
    bounds = torch.stack([lower, lower + width]).to(dtype)
    X = (bounds[0] + (bounds[1] - bounds[0]) * torch.rand(n, d, generator=gen)).to(
        dtype
    )
    Y = torch.sin(3 * X).sum(-1, keepdim=True) + 0.1 * torch.rand(n, 1, generator=gen)
    constraint = None
    if d >= 2 and draw(st.booleans()):
        # x0 + x1 <= the data's median of x0 + x1: half the rows are feasible.
        s = X[:, :2].sum(-1)
        rhs = float(s.median())
        idx = torch.tensor([0, 1])
        constraint = [(idx, torch.tensor([-1.0, -1.0], dtype=dtype), -rhs)]
        keep = s <= rhs
        X, Y = X[keep], Y[keep]
    fixed = None
    if d >= 2 and draw(st.booleans()):
        col = d - 1
        fixed = {col: float(bounds[0, col] + 0.5 * (bounds[1, col] - bounds[0, col]))}
    return X, Y.to(dtype), bounds, constraint, fixed, seed


class TestProperties(unittest.TestCase):
    @SETTINGS
    @given(problem=problems(), n=st.integers(1, 4))
    def test_designs_are_valid_reproducible_and_data_untouched(self, problem, n):
        X, Y, bounds, constraint, fixed, seed = problem
        n = min(n, X.shape[0])
        X_copy, Y_copy, b_copy = X.clone(), Y.clone(), bounds.clone()
        model = RoMAModel(X, Y, **FIT).fit(seed=seed % 1000)
        kwargs = dict(
            bounds=bounds,
            n=n,
            inequality_constraints=constraint,
            fixed_features=fixed,
            seed=seed % 1000,
            **ASCENT,
        )
        designs, values = optimize_roma(model, **kwargs)
        self.assertEqual(designs.shape, (n, X.shape[-1]))
        self.assertEqual(designs.dtype, X.dtype)
        self.assertTrue(torch.isfinite(designs).all() and torch.isfinite(values).all())
        self.assertTrue((designs >= bounds[0]).all() and (designs <= bounds[1]).all())
        if constraint is not None:
            self.assertTrue((designs[:, :2].sum(-1) <= -constraint[0][2] + 1e-5).all())
        if fixed is not None:
            ((col, value),) = fixed.items()
            self.assertTrue(torch.allclose(designs[:, col], torch.tensor(value).to(X)))
        again, _ = optimize_roma(model, **kwargs)
        self.assertTrue(torch.equal(designs, again))
        for a, b in ((X, X_copy), (Y, Y_copy), (bounds, b_copy)):
            self.assertTrue(torch.equal(a, b))

    @SETTINGS
    @given(
        steps=st.integers(0, 500),
        lr=st.floats(1e-6, 1.0),
        adaptation=st.sampled_from(["per_candidate", "shared", "none"]),
        trust_radius=st.one_of(st.none(), st.floats(0.1, 50.0)),
    )
    def test_options_round_trip(self, steps, lr, adaptation, trust_radius):
        opts = AscentOptions(
            steps=steps, lr=lr, adaptation=adaptation, trust_radius=trust_radius
        )
        self.assertEqual(AscentOptions.from_dict(opts.to_dict()), opts)
        self.assertEqual(AscentOptions.from_dict(opts), opts)

    @SETTINGS
    @given(
        value=st.one_of(
            st.text(max_size=3),
            st.floats(allow_nan=True),
            st.lists(st.integers(), max_size=2),
            st.none(),
        )
    )
    def test_bad_values_raise_input_errors(self, value):
        # Any value is either accepted (and then valid) or refused clearly.
        for name in ("epochs", "lr", "hidden_sizes", "loss"):
            try:
                opts = PretrainingOptions.from_dict({name: value})
            except RoMAInputError as error:
                self.assertIn(name, str(error))
            else:
                self.assertEqual(PretrainingOptions.from_dict(opts.to_dict()), opts)


@st.composite
def ax_problems(draw):
    r"""A random Ax problem: float, int and choice parameters, maybe a constraint."""
    d = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 1000))
    rng = np.random.default_rng(seed)
    parameters, columns = [], {}
    for i in range(d):
        lo = float(draw(st.integers(-3, 2)))
        parameters.append(
            RangeParameterConfig(
                name=f"x{i}", parameter_type="float", bounds=(lo, lo + 1.0)
            )
        )
        columns[f"x{i}"] = lo + rng.random(25)
    with_int = draw(st.booleans())
    if with_int:
        parameters.append(
            RangeParameterConfig(name="k", parameter_type="int", bounds=(0, 5))
        )
        columns["k"] = rng.integers(0, 6, 25)
    if draw(st.booleans()):
        parameters.append(
            ChoiceParameterConfig(
                name="c", parameter_type="str", values=["a", "b"], is_ordered=False
            )
        )
        columns["c"] = rng.choice(["a", "b"], 25)
    data = pd.DataFrame(columns)
    data["y"] = np.sin(3 * data["x0"]) + rng.random(25) * 0.1
    constraint = None
    if with_int and draw(st.booleans()):
        constraint = f"x0 + k <= {float(data['x0'].min()) + 3.0}"
        data = data[data["x0"] + data["k"] <= float(data["x0"].min()) + 3.0]
    return parameters, constraint, data, seed


class TestAxProperties(unittest.TestCase):
    r"""The Ax route on random problems (few examples: an Ax run takes seconds)."""

    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(problem=ax_problems(), n=st.integers(1, 5))
    def test_arms_valid_distinct_reproducible_and_saved(self, problem, n):
        parameters, constraint, data, seed = problem
        copy = data.copy()

        def batch():
            client = Client(random_seed=seed)
            client.configure_experiment(
                parameters=parameters,
                parameter_constraints=[constraint] if constraint else None,
            )
            client.configure_optimization(objective="y")
            client.set_generation_strategy(
                roma_generation_strategy(**AX_FAST, seed=seed)
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                attach_offline_data(client, data)
                return client, generate_batch(client, n=n)

        client, trial = batch()
        arms = pd.DataFrame([arm.parameters for arm in trial.arms])
        self.assertEqual(len(arms), n)
        self.assertFalse(arms.duplicated().any())
        for p in parameters:
            if isinstance(p, RangeParameterConfig):
                lo, hi = p.bounds
                self.assertTrue(arms[p.name].between(lo, hi).all())
            else:
                self.assertTrue(arms[p.name].isin(p.values).all())
        if constraint is not None:
            rhs = float(constraint.split("<=")[1])
            self.assertTrue((arms["x0"] + arms["k"] <= rhs + 1e-6).all())
        known = data[[p.name for p in parameters]].astype(str)
        self.assertFalse(arms.astype(str).apply(tuple, 1).isin(
            known.apply(tuple, 1)).any())  # fmt: skip
        _, again = batch()
        self.assertEqual(
            [a.parameters for a in trial.arms], [a.parameters for a in again.arms]
        )
        pd.testing.assert_frame_equal(data, copy)
        with tempfile.TemporaryDirectory() as tmp:
            path = f"{tmp}/client.json"
            client.save_to_json_file(path)
            loaded = Client.load_from_json_file(path)
            self.assertEqual(len(loaded._experiment.trials), 2)
