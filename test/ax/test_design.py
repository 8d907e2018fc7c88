r"""Tests for ``botorch_roma/ax/design.py``: the spec and table helpers.

``run_design`` runs end to end through the ``design`` command in
``test/cli/test_design.py``; here it runs with equality constraints and
awkward column names. Only ``spec_for_bounds`` takes tensors, so only its test
loops over dtypes; the others read files and build Ax configs.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from ax.api.client import Client
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax import attach_offline_data
from botorch_roma.ax.data import experiment_of
from botorch_roma.ax.design import (
    design_client,
    index_columns,
    infer_spec,
    load_spec,
    nearest_distances,
    observed_values,
    pick_objective,
    read_table,
    round_designs,
    run_design,
    spec_for_bounds,
    spec_from_dict,
    spec_from_experiment,
    spec_to_dict,
)
from botorch_roma.ax.names import stored_names
from botorch_roma.exceptions import RoMAInputError
from test.ax.helpers import FAST, float_data, mixed_data

SPEC = {
    "parameters": [
        {"name": "x0", "type": "range", "bounds": [0.0, 1.0]},
        {"name": "lr", "type": "range", "bounds": [1e-4, 0.1], "log_scale": True},
        {"name": "k", "type": "range", "bounds": [1, 4], "value_type": "int"},
        {"name": "c", "type": "choice", "values": ["a", "b", "c"]},
        {"name": "size", "type": "choice", "values": [1, 2, 4], "is_ordered": True},
        {"name": "fixed", "type": "fixed", "value": 3.0},
    ],
    "parameter_constraints": ["x0 + k <= 3.5"],
    "objective": "y",
    "tracking_metrics": ["cost"],
}


class TestSpecAndTableHelpers(BotorchTestCase):
    r"""Spec files, tables and objectives (no tensors, so no dtype loop)."""

    def test_spec_and_table_helpers(self):
        with tempfile.TemporaryDirectory() as tmp:
            spec_path = Path(tmp) / "spec.json"
            spec_path.write_text(json.dumps(SPEC))
            spec = load_spec(spec_path)
            self.assertEqual([p.name for p in spec.parameters][:3], ["x0", "lr", "k"])
            self.assertEqual(spec.parameters[1].scaling, "log")
            self.assertEqual(spec.parameters[5].values, [3.0])
            self.assertEqual(spec.tracking_metrics, ["cost"])
            with self.assertRaisesRegex(RoMAInputError, "unknown key"):
                spec_path.write_text(json.dumps({**SPEC, "bogus": 1}))
                load_spec(spec_path)
            table = pd.DataFrame({"a": [0.0, 1.0], "b": [2.0, 2.0], "y": [1.0, 2.0]})
            inferred, notes = infer_spec(table, "y", [])
            self.assertEqual(inferred.parameters[0].bounds, (0.0, 1.0))
            self.assertIn("fixed", notes[1])
            csv = Path(tmp) / "t.csv"
            table.to_csv(csv, index=False)
            pd.testing.assert_frame_equal(read_table(csv), table)

    def test_malformed_spec_entries_name_the_entry(self):
        two = [{"name": "b", "bounds": [0, 1]}]
        cases = [
            ([{"name": "a", "bounds": ["a", "b"]}], r"numbers, got \[.a., .b.\]"),
            ([{"name": "a", "bounds": [0]}], "'a' needs 'bounds: \\[lower, upper\\]'"),
            ([{"name": "a", "bounds": "0, 1"}], "two finite numbers, got '0, 1'"),
            ([{"name": "a", "bounds": [0, float("inf")]}], "two finite numbers"),
            ([{"name": "a", "bounds": [1, 0]}], "lower bound must be below"),
            ([{"name": "a", "bounds": [0, 1], "log_scale": True}], "log scale"),
            ([{"name": "a", "bounds": [0, 1], "log_scale": "yes"}], "true or false"),
            (
                [{"name": "a", "bounds": [0.5, 3], "value_type": "int"}],
                "integer bounds",
            ),
            ([{"name": 7, "bounds": [0, 1]}], "non-empty strings, got 7"),
            ([{"name": "a", "type": "choice", "values": "xyz"}], "list of 'values'"),
            ([{"name": "a", "type": "choice", "values": [1, None]}], "\\[None\\]"),
            ([{"name": "a", "type": "choice", "values": [1, 1]}], "value twice"),
            (
                [{"name": "a", "type": "choice", "values": [1, 2], "value_type": "x"}],
                "value_type 'x'",
            ),
            ([{"name": "a", "type": "fixed"}], "needs a 'value'"),
            ([{"name": "a", "bounds": [0, 1]}] * 2, "\\['a'\\] twice"),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "spec.json"
            for parameters, match in cases:
                with self.subTest(match=match):
                    path.write_text(json.dumps({"parameters": parameters + two}))
                    with self.assertRaisesRegex(RoMAInputError, match):
                        load_spec(path)
            top = {"parameters": [{"name": "a", "bounds": [0, 1]}] + two}
            for key, value, match in (
                ("parameter_constraints", "a + b <= 1", "list of strings"),
                ("tracking_metrics", "cost", "tracking_metrics: \\[cost\\]"),
                ("minimize", "no", "true or false, got 'no'"),
                ("objective", 3, "column name, got 3"),
            ):
                with self.subTest(key=key):
                    path.write_text(json.dumps({**top, key: value}))
                    with self.assertRaisesRegex(RoMAInputError, match):
                        load_spec(path)
            # PyYAML reads 1e-4 as a string; it is still a number.
            yaml_path = Path(tmp) / "spec.yaml"
            yaml_path.write_text(
                "parameters:\n  - {name: a, bounds: [1e-4, 1], log_scale: true}\n"
            )
            self.assertEqual(load_spec(yaml_path).parameters[0].bounds, (1e-4, 1.0))

    def test_nearest_distances(self):
        table = pd.DataFrame({"a": [0.0, 2.0, 4.0], "b": [1.0, 1.0, 1.0]})
        designs = pd.DataFrame({"a": [2.0, 5.0, -1.0], "b": [9.0, 1.0, 1.0]})
        scale = table["a"].std(ddof=0)
        # "b" is constant in the table, so it is left out.
        expected = np.array([0.0, 1.0, 1.0]) / scale
        dist = nearest_distances(designs, table, ["a", "b"])
        np.testing.assert_allclose(dist, expected)
        self.assertIsNone(nearest_distances(designs, table, ["b"]))
        self.assertTrue(
            designs.equals(pd.DataFrame({"a": [2.0, 5.0, -1.0], "b": [9.0, 1.0, 1.0]}))
        )

    def test_index_columns(self):
        n = 6
        table = pd.DataFrame(
            {
                "Unnamed: 0": [3, 5, 8, 9, 11, 12],  # a saved, filtered index
                "a": np.linspace(0, 1, n),
                "row": np.arange(n),
                "k": np.arange(n)[::-1],  # not in order: a parameter
                "y": np.arange(n, dtype=float),  # the objective is kept
            }
        )
        found = index_columns(table, keep={"y"})
        self.assertEqual(sorted(found), ["Unnamed: 0", "row"])
        self.assertIn("no header", found["Unnamed: 0"])
        self.assertIn("row numbers 0..5", found["row"])
        # Tiny tables: a 0/1 column is a parameter.
        self.assertEqual(index_columns(table.iloc[:2][["row", "y"]], keep={"y"}), {})

    def test_parquet_input(self):
        # Skipped where pyarrow is missing or broken (e.g. built for NumPy 2).
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            self.skipTest("pyarrow is missing or broken")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "data.parquet"
            table = pd.DataFrame({"a": [0.0, 0.5, 1.0], "y": [1.0, 2.0, 0.0]})
            table.to_parquet(path)
            pd.testing.assert_frame_equal(read_table(path), table)

    def test_pick_objective(self):
        table = pd.DataFrame({"a": [0.0, 1.0], "y": [1.0, 2.0], "loss": [3.0, 4.0]})
        self.assertEqual(pick_objective(table, "loss"), ("loss", "given"))
        self.assertEqual(pick_objective(table, None), ("y", "the column named 'y'"))
        self.assertEqual(
            pick_objective(table.drop(columns="y"), None), ("loss", "the last column")
        )
        with self.assertRaisesRegex(RoMAInputError, "not in the data"):
            pick_objective(table, "z")


class TestSpecForBounds(BotorchTestCase):
    def test_spec_for_bounds(self):
        expected = [(0.0, 1.0), (-2.0, 0.5), (1.0, 3.0)]
        lower, upper = zip(*expected)
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                bounds = torch.tensor([lower, upper], **tkwargs)
                spec = spec_for_bounds(bounds, objective="score")
                self.assertEqual([p.name for p in spec.parameters], ["x0", "x1", "x2"])
                for p, b in zip(spec.parameters, expected):
                    self.assertEqual(p.bounds, b)
                    self.assertIsInstance(p.bounds[0], float)
                    self.assertEqual(p.parameter_type, "float")
                self.assertEqual(spec.objective, "score")
                self.assertEqual(spec.parameter_constraints, [])
        # A NumPy array works too.
        spec = spec_for_bounds(np.array([lower, upper]))
        self.assertEqual([p.bounds for p in spec.parameters], expected)
        self.assertEqual(spec.objective, "y")


#: Six composition fractions with names Ax cannot parse as they are.
FRACTIONS = ["Fe (%)", "Ni (%)", "yield", "temp °C", "a-b", "x 1"]
OBJECTIVE = "yield (%)"


def composition_table(n: int = 24, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.dirichlet(np.ones(len(FRACTIONS)), n)
    table = pd.DataFrame(X, columns=FRACTIONS)
    table[OBJECTIVE] = X @ np.linspace(-1.0, 1.0, len(FRACTIONS))
    table["cost €"] = rng.random(n)
    return table


def composition_spec(tmp: str, constraints: list[str]) -> Path:
    import yaml

    spec = {
        "parameters": [
            {"name": name, "type": "range", "bounds": [0.0, 1.0]} for name in FRACTIONS
        ],
        "parameter_constraints": constraints,
        "objective": OBJECTIVE,
        "tracking_metrics": ["cost €"],
    }
    path = Path(tmp) / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def _run(table: pd.DataFrame, spec, n: int = 5):
    return run_design(table, spec, n, FAST["pretraining"], FAST["ascent"], 0, False)


class TestRunDesign(BotorchTestCase):
    r"""``run_design`` with a composition that sums to 1 and awkward names."""

    def test_composition_sums_to_one_under_the_original_names(self):
        table = composition_table()
        total = " + ".join(FRACTIONS)
        with tempfile.TemporaryDirectory() as tmp:
            spec = load_spec(composition_spec(tmp, [f"{total} == 1", "yield <= 0.6"]))
            designs, client = _run(table, spec)
            self.assertEqual(
                list(designs.columns),
                [
                    "arm_name",
                    *FRACTIONS,
                    f"predicted_{OBJECTIVE}",
                    f"predicted_{OBJECTIVE}_sem",
                ],
            )
            self.assertEqual(len(designs), 5)
            self.assertLess((designs[FRACTIONS].sum(axis=1) - 1).abs().max(), 1e-9)
            self.assertTrue((designs["yield"] <= 0.6 + 1e-9).all())
            self.assertTrue((designs[FRACTIONS] >= 0).all().all())
            # Ax holds the equality as such and accepts every arm.
            experiment = client._maybe_experiment
            space = experiment.search_space
            equalities = [c for c in space.parameter_constraints if c.is_equality]
            self.assertEqual(len(equalities), 1)
            arms = experiment.trials[1].arms
            self.assertTrue(all(space.check_membership(a.parameters) for a in arms))
            # The mapping is on the experiment: saved to JSON, loaded, and lab
            # results attached under the table's own names.
            self.assertEqual(stored_names(experiment)[OBJECTIVE], "yield_pct")
            path = str(Path(tmp) / "client.json")
            client.save_to_json_file(path)
            loaded = Client.load_from_json_file(path)
            results = designs[FRACTIONS].copy()
            results[OBJECTIVE] = 0.5
            results["cost €"] = 1.0
            trial = attach_offline_data(loaded, results)
            self.assertEqual(len(trial.arms), 5)
            self.assertIn("yield_", trial.arms[0].parameters)
            # The saved experiment gives back the spec under the table's names
            # (what `design --experiment` uses), and the CLI's rounding and
            # observed values work under them too.
            back = spec_from_experiment(experiment)
            self.assertEqual([p.name for p in back.parameters], FRACTIONS)
            self.assertEqual(back.objective, OBJECTIVE)
            self.assertEqual(back.tracking_metrics, ["cost €"])
            self.assertTrue(any("==" in c for c in back.parameter_constraints))
            self.assertTrue(any("temp °C" in c for c in back.parameter_constraints))
            rounded = round_designs(designs, experiment, 3)
            self.assertLess((rounded[FRACTIONS].sum(axis=1) - 1).abs().max(), 1e-9)
            observed = observed_values(experiment, OBJECTIVE)
            self.assertEqual(len(observed), len(table))

    def test_bad_rows_and_constraints_are_named(self):
        table = composition_table(n=12)
        table.loc[[3, 8], "a-b"] += 0.01
        total = " + ".join(FRACTIONS)
        with tempfile.TemporaryDirectory() as tmp:
            spec = load_spec(composition_spec(tmp, [f"{total} == 1"]))
            with self.assertRaisesRegex(
                RoMAInputError,
                r"off the equality constraint 'Fe \(%\) \+ .* \+ yield == 1' in 2 "
                r"row\(s\), e.g. index 3, 8 \(by up to 0.01.*renormalize",
            ):
                _run(table, spec)
            for constraints, match in [
                ([f"{total} = 1"], "must compare with '<=', '>=' or '=='"),
                (["yield < 0.5"], "must compare with"),
                (["yield + zinc <= 0.5"], r"names \['zinc'\], which are not"),
                (["yield ** 2 <= 0.5"], "Could not read the parameter constraint"),
            ]:
                spec = load_spec(composition_spec(tmp, constraints))
                with self.assertRaisesRegex(RoMAInputError, match):
                    _run(composition_table(n=12), spec)


class TestSpecRoundTrips(BotorchTestCase):
    r"""Specs as dicts and from experiments, and rounded designs."""

    def test_spec_dict_round_trip(self):
        spec = spec_from_dict(SPEC)
        raw = spec_to_dict(spec)
        self.assertEqual(spec_from_dict(raw), spec)
        self.assertEqual(raw["parameters"][2], SPEC["parameters"][2])  # int bounds
        self.assertEqual(raw["parameters"][5], SPEC["parameters"][5])  # fixed
        self.assertNotIn("minimize", raw)  # defaults are left out
        with self.assertRaisesRegex(RoMAInputError, "mapping with a 'parameters'"):
            spec_from_dict([1, 2])

    def test_spec_from_experiment_gives_the_spec_back(self):
        spec = spec_from_dict({**SPEC, "minimize": True})
        spec.parameter_constraints = ["x0 - 2.5*k <= 0.125"]
        client = design_client(_mixed_table(), spec, seed=0)
        again = spec_from_experiment(experiment_of(client))
        expected = spec_to_dict(spec)
        got = spec_to_dict(again)
        # Ax makes is_ordered explicit and adds the tracking metric's column.
        expected["parameters"][3]["is_ordered"] = False
        self.assertEqual(got, expected)
        # The constraint string parses back to the same constraint.
        client2 = design_client(_mixed_table(), again, seed=0)
        (c1,) = experiment_of(client).search_space.parameter_constraints
        (c2,) = experiment_of(client2).search_space.parameter_constraints
        self.assertEqual(c1.constraint_dict, c2.constraint_dict)
        self.assertEqual(c1.bound, c2.bound)

    def test_round_designs(self):
        spec = spec_from_dict(SPEC)
        client = design_client(_mixed_table(), spec, seed=0)
        experiment = experiment_of(client)
        designs = pd.DataFrame(
            {
                "arm_name": ["1_0", "1_1", "1_2"],
                "x0": [0.123456789, 0.99999999, 0.5],
                "lr": [0.0123456789, 1e-4, 0.05],
                "k": [1, 2, 3],
                "c": ["a", "b", "c"],
                "size": [1, 2, 4],
                "fixed": [3.0, 3.0, 3.0],
                "predicted_y": [1.23456789, -2.0, 1e-7 / 3],
            }
        )
        original = designs.copy()
        out = round_designs(designs, experiment, 3)
        pd.testing.assert_frame_equal(designs, original)  # not modified
        self.assertEqual(out["x0"].iloc[0], 0.123)
        self.assertEqual(out["x0"].iloc[1], 1.0)  # inside the bounds
        self.assertEqual(out["lr"].iloc[0], 0.0123)
        self.assertEqual(out["predicted_y"].tolist(), [1.23, -2.0, 3.33e-8])
        for name in ("arm_name", "k", "c", "size", "fixed"):
            pd.testing.assert_series_equal(out[name], designs[name])
        pd.testing.assert_frame_equal(round_designs(designs, experiment, 0), designs)

    def test_round_designs_keeps_rows_inside_the_constraints(self):
        spec = spec_from_dict(
            {
                "parameters": [
                    {"name": "x0", "bounds": [0, 1]},
                    {"name": "x1", "bounds": [0, 1]},
                ],
                "parameter_constraints": ["x0 + x1 <= 0.995"],
                "objective": "y",
            }
        )
        table = float_data(n=40)
        table = table[table.x0 + table.x1 <= 0.99].reset_index(drop=True)
        experiment = experiment_of(design_client(table, spec, seed=0))
        designs = pd.DataFrame({"x0": [0.5551, 0.1234], "x1": [0.4351, 0.4321]})
        out = round_designs(designs, experiment, 2)
        # Rounding row 0 to 0.56 + 0.44 would break the constraint: kept exact.
        self.assertEqual(out.iloc[0].tolist(), [0.5551, 0.4351])
        self.assertEqual(out.iloc[1].tolist(), [0.12, 0.43])


def _mixed_table() -> pd.DataFrame:
    table = mixed_data(n=12)
    table["cost"] = np.arange(12.0)
    table["k"] = np.minimum(table["k"], 1)  # meets x0 - 2.5*k <= 0.125 as well
    return table
