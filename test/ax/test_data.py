r"""Tests for ``botorch_roma/ax/data.py``: validated, fast offline attach.

No test here loops over dtypes: they attach pandas tables to Ax experiments
and build no tensors (Ax's data and models work in float64).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from ax.api.client import Client
from ax.api.configs import RangeParameterConfig
from ax.core.parameter_constraint import ParameterConstraint
from ax.core.trial_status import TrialStatus
from ax.service.ax_client import AxClient, ObjectiveProperties
from botorch.exceptions.errors import UnsupportedError
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax import (
    attach_offline_data,
    generate_batch,
    validate_offline_data,
)
from botorch_roma.ax.data import experiment_of
from botorch_roma.ax.names import ax_names, store_names
from botorch_roma.exceptions import RoMAInputError, RoMAInputWarning
from test.ax.helpers import (
    float_ax_client,
    float_client,
    float_data,
    mixed_client,
    mixed_data,
)


def _attached(client) -> int:
    return len(experiment_of(client).trials)


class TestAttachOfflineData(BotorchTestCase):
    r"""Offline tables attached to Ax experiments.

    No dtype loop: the tests drive Ax clients with pandas tables and build no
    tensors; Ax stores the data in float64 whatever the caller's dtype.
    """

    def test_attach_mixed_space_with_client(self):
        client = mixed_client()
        df = mixed_data(n=25)
        before = df.copy(deep=True)
        trial = attach_offline_data(client, df)
        pd.testing.assert_frame_equal(df, before)  # caller's frame untouched
        self.assertEqual(trial.status, TrialStatus.COMPLETED)
        self.assertEqual(len(trial.arms), 25)
        experiment = experiment_of(client)
        for arm in trial.arms:
            params = arm.parameters
            self.assertIsInstance(params["k"], int)
            self.assertIsInstance(params["size"], int)
            self.assertIn(params["c"], ("a", "b", "c"))
            self.assertEqual(params["fixed"], 3.0)
        data = experiment.lookup_data().df
        self.assertEqual(set(data["metric_name"]), {"y"})
        by_arm = data.set_index("arm_name")["mean"]
        first = trial.arms[0]
        row = df.index[(df["x0"] == first.parameters["x0"])][0]
        self.assertAlmostEqual(by_arm[first.name], df.loc[row, "y"])
        # The fixed column may be left out.
        client2 = mixed_client()
        attach_offline_data(client2, df.drop(columns="fixed"))
        self.assertEqual(_attached(client2), 1)

    def test_attach_with_ax_client_sems_and_tracking_metrics(self):
        client = float_ax_client()
        df = float_data(n=12)
        df["y_sem"] = 0.1
        df["cost"] = np.arange(12.0)
        df.loc[3, "cost"] = np.nan  # missing tracking values are skipped
        trial = attach_offline_data(client, df, tracking_metrics=["cost"])
        experiment = client.experiment
        self.assertIn("cost", experiment.tracking_metrics[0].name)
        data = experiment.lookup_data(trial_indices=[trial.index]).df
        self.assertTrue((data[data.metric_name == "y"]["sem"] == 0.1).all())
        self.assertEqual(len(data[data.metric_name == "cost"]), 11)

    def test_duplicated_designs_are_merged(self):
        client = float_client()
        df = float_data(n=6)
        df = pd.concat([df, df.iloc[[0]].assign(y=df.loc[0, "y"] + 2.0)])
        trial = attach_offline_data(client, df)
        self.assertEqual(len(trial.arms), 6)
        data = experiment_of(client).lookup_data().df.set_index("arm_name")["mean"]
        self.assertAlmostEqual(data[trial.arms[0].name], df.iloc[0]["y"] + 1.0)

    def test_bad_input_attaches_nothing(self):
        cases = [
            (lambda df: df.iloc[:0], "no rows"),
            (lambda df: df.iloc[:1], "at least 2"),
            (lambda df: df.assign(y=np.where(df.index == 2, np.nan, df.y)), "NaN"),
            (lambda df: df.drop(columns="x1"), "missing parameter"),
            (lambda df: df.assign(z=1.0), "neither parameters"),
            (lambda df: df.assign(x0=df.x0 + 1.0), "outside the bounds"),
            (lambda df: df.assign(x1="abc"), "non-numeric"),
            (lambda df: df.rename(columns={"y": "score"}), "no objective column"),
        ]
        for mutate, match in cases:
            with self.subTest(match=match):
                client = float_client()
                df = mutate(float_data(n=8))
                with self.assertRaisesRegex(RoMAInputError, match):
                    attach_offline_data(client, df)
                self.assertEqual(_attached(client), 0)

    def test_bad_values_in_mixed_space(self):
        cases = [
            ("c", "d", "not among the choices"),
            ("size", 3, "not among the choices"),
            ("k", 2.5, "fractional"),
            ("fixed", 4.0, "not among the fixed value"),
            ("lr", 0.5, "outside the bounds"),
        ]
        for column, value, match in cases:
            with self.subTest(column=column, value=value):
                client = mixed_client()
                df = mixed_data(n=8)
                df[column] = df[column].astype(object)
                df.loc[4, column] = value
                with self.assertRaisesRegex(RoMAInputError, match):
                    attach_offline_data(client, df)
                self.assertEqual(_attached(client), 0)

    def test_rows_breaking_a_parameter_constraint(self):
        def client_with(constraint: str):
            client = Client()
            client.configure_experiment(
                parameters=[
                    RangeParameterConfig(name=n, parameter_type="float", bounds=(0, 1))
                    for n in ("a", "b")
                ],
                parameter_constraints=[constraint],
            )
            client.configure_optimization(objective="y")
            return client

        def ax_client_with(constraint: str):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                client = AxClient(verbose_logging=False)
            client.create_experiment(
                parameters=[
                    {"name": n, "type": "range", "bounds": [0.0, 1.0]}
                    for n in ("a", "b")
                ],
                objectives={"y": ObjectiveProperties(minimize=False)},
                parameter_constraints=[constraint],
            )
            return client

        rows = pd.DataFrame(
            {"a": [0.1, 0.9, 0.5, 0.8], "b": [0.2, 0.1, 0.4, 0.5], "y": [1, 2, 3, 4]}
        )
        for make in (client_with, ax_client_with):
            with self.subTest(client=make.__name__):
                client = make("a + b <= 0.9")
                with self.assertRaisesRegex(
                    RoMAInputError,
                    r"breaks the parameter constraint 'a \+ b <= 0.9' in 2 row\(s\), "
                    r"e.g. index 1, 3 \(by up to 0.4; tolerance 1e-06 relative.*"
                    "Drop those rows",
                ):
                    attach_offline_data(client, rows)
                self.assertEqual(_attached(client), 0)
                # Round-off on the boundary is accepted.
                ok = rows.drop(index=[1, 3])
                ok.loc[0, "b"] = 0.8 + 1e-9
                attach_offline_data(client, ok)
                self.assertEqual(_attached(client), 1)
        # Negative weights are checked the same way.
        client = client_with("a - b <= 0.25")
        with self.assertRaisesRegex(RoMAInputError, "'a - b <= 0.25' in 2 row.*by up"):
            attach_offline_data(client, rows)
        # The mixed space's constraint couples a float and an int column.
        bad = mixed_data(n=12)
        bad.loc[[3, 7], "k"] = 4
        with self.assertRaisesRegex(RoMAInputError, "'k \\+ x0 <= 3.5' in 2 row"):
            attach_offline_data(mixed_client(), bad)

    def test_rows_off_an_equality_constraint(self):
        client = Client()
        client.configure_experiment(
            parameters=[
                RangeParameterConfig(name=n, parameter_type="float", bounds=(0, 1))
                for n in ("a", "b", "c")
            ]
        )
        client.configure_optimization(objective="y")
        experiment = experiment_of(client)
        experiment.search_space.set_parameter_constraints(
            [ParameterConstraint(equality="a + b + c == 1")]
        )
        rows = pd.DataFrame(
            {
                "a": [0.2, 0.5, 0.1, 0.3],
                "b": [0.3, 0.5, 0.1, 0.3],
                "c": [0.5, 0.0, 0.7, 0.5],
                "y": [1.0, 2.0, 3.0, 4.0],
            }
        )
        with self.assertRaisesRegex(
            RoMAInputError,
            r"off the equality constraint 'a \+ b \+ c == 1' in 2 row\(s\), e.g. "
            r"index 2, 3 \(by up to 0.1; tolerance 1e-06 relative.*renormalize those "
            r"rows.*divide each row by its sum.*loosen it into two inequalities, "
            r"e.g. 'a \+ b \+ c >= 0.99' and 'a \+ b \+ c <= 1.01'",
        ):
            attach_offline_data(client, rows)
        self.assertEqual(_attached(client), 0)
        # Rows within the tolerance are attached as they are.
        ok = rows.copy()
        ok.loc[2, "c"] = 0.8 + 5e-7
        ok.loc[3, "c"] = 0.4 - 5e-7
        before = ok.copy()
        trial = attach_offline_data(client, ok)
        pd.testing.assert_frame_equal(ok, before)
        self.assertEqual(trial.arms[2].parameters["c"], 0.8 + 5e-7)

    def test_columns_under_their_original_names(self):
        names = ax_names(["temp °C", "yield", "yield (%)", "cost €"])
        client = Client()
        client.configure_experiment(
            parameters=[
                RangeParameterConfig(
                    name=names[n], parameter_type="float", bounds=(0, 1)
                )
                for n in ("temp °C", "yield")
            ]
        )
        client.configure_optimization(objective=names["yield (%)"])
        store_names(experiment_of(client), names)
        table = pd.DataFrame(
            {
                "temp °C": [0.1, 0.5, 0.9],
                "yield": [0.2, 0.4, 0.6],
                "yield (%)": [1.0, 2.0, 3.0],
                "yield (%)_sem": [0.1, 0.1, 0.2],
                "cost €": [5.0, 6.0, 7.0],
            }
        )
        bad = table.copy()
        bad.loc[1, "temp °C"] = 2.0
        with self.assertRaisesRegex(
            RoMAInputError, "Parameter column 'temp °C' has values outside"
        ):
            attach_offline_data(client, bad, tracking_metrics=["cost €"])
        with self.assertRaisesRegex(RoMAInputError, r"Column\(s\) \['cost €'\]"):
            attach_offline_data(client, table)
        trial = attach_offline_data(client, table, tracking_metrics=["cost €"])
        self.assertEqual(set(trial.arms[0].parameters), {"temp_C", "yield_"})
        data = experiment_of(client).lookup_data().df
        self.assertEqual(set(data.metric_name), {"yield_pct", "cost"})
        sem = data[data.metric_name == "yield_pct"]["sem"].tolist()
        self.assertEqual(sem, [0.1, 0.1, 0.2])
        self.assertIn("temp °C", table.columns)  # the caller's table is kept

    def test_repeated_attach_warns(self):
        client = float_client()
        df = float_data(n=10)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RoMAInputWarning)
            attach_offline_data(client, df)
        with self.assertWarnsRegex(
            RoMAInputWarning, "10 of the 10 designs already have completed data"
        ):
            attach_offline_data(client, df)
        self.assertEqual(_attached(client), 2)
        # Evaluated designs of a generated batch are new data: no warning.
        trial = generate_batch(client, n=np.int64(2))
        evaluated = pd.DataFrame([arm.parameters for arm in trial.arms])
        evaluated["y"] = [0.1, 0.2]
        with warnings.catch_warnings():
            warnings.simplefilter("error", RoMAInputWarning)
            attach_offline_data(client, evaluated)

    def test_config_errors(self):
        client = Client()
        client.configure_experiment(
            parameters=[
                RangeParameterConfig(name="x0", parameter_type="float", bounds=(0, 1))
            ]
        )
        df = pd.DataFrame({"x0": [0.1, 0.2], "a": [1.0, 2.0], "b": [0.0, 1.0]})
        with self.assertRaisesRegex(RoMAInputError, "no objective"):
            attach_offline_data(client, df)
        client.configure_optimization(objective="a, b")
        with self.assertRaisesRegex(UnsupportedError, "multi-objective"):
            attach_offline_data(client, df)
        self.assertEqual(_attached(client), 0)
        with self.assertRaisesRegex(RoMAInputError, "Client"):
            attach_offline_data("not a client", df)
        with self.assertRaisesRegex(RoMAInputError, "no experiment"):
            attach_offline_data(Client(), df)
        other = float_client()
        with self.assertRaisesRegex(RoMAInputError, "objective metric"):
            attach_offline_data(other, float_data(), objective="x0")
        with self.assertRaisesRegex(RoMAInputError, "DataFrame"):
            attach_offline_data(other, float_data().to_dict())

    def test_validate_offline_data_does_not_attach(self):
        client = float_client()
        params, means, sems, new = validate_offline_data(
            experiment_of(client), float_data(n=5)
        )
        self.assertEqual(len(params), 5)
        self.assertEqual(set(means), {"y"})
        self.assertEqual(new, [])
        self.assertTrue(np.isnan(sems["y"]).all())
        self.assertEqual(_attached(client), 0)
