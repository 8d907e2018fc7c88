r"""Tests for ``botorch_roma/ax/results.py`` (attaching a batch's results).

The batch is made by hand (no RoMA fit), so these tests are fast; the
command-line loop with real RoMA batches is in ``test/cli/test_attach.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ax.core.arm import Arm
from ax.core.generator_run import GeneratorRun
from ax.core.trial_status import TrialStatus
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax import attach_offline_data, attach_results
from botorch_roma.ax.data import experiment_of
from botorch_roma.ax.design import PROPERTY_KEY, observed_values
from botorch_roma.ax.results import match_tolerance, open_trials
from botorch_roma.exceptions import RoMAInputError
from test.ax.helpers import float_client, float_data

X0 = [0.123456789, 0.234567891, 0.345678912, 0.456789123]


def _batch(digits: int | None = 6):
    r"""A client with offline data (and a cost metric) and one open 4-arm batch."""
    client = float_client(d=2)
    data = float_data(n=12)
    data["cost"] = np.arange(12.0)
    attach_offline_data(client, data, tracking_metrics=["cost"])
    experiment = experiment_of(client)
    arms = [Arm(parameters={"x0": x, "x1": 0.5}) for x in X0]
    trial = experiment.new_batch_trial(generator_run=GeneratorRun(arms=arms))
    if digits is not None:
        trial._properties[PROPERTY_KEY] = {"digits": digits}
    designs = pd.DataFrame(
        {"arm_name": [a.name for a in trial.arms], "x0": X0, "x1": 0.5}
    )
    return client, experiment, trial, designs


class TestAttachResults(BotorchTestCase):
    r"""Matching, checks and statuses (no tensors, so no dtype loop)."""

    def test_by_name_partial_then_complete(self):
        client, experiment, trial, designs = _batch()
        results = designs.assign(y=[1.0, 2.0, 3.0, 4.0], predicted_y=0.0)
        results["cost"] = [1.0, np.nan, 2.0, 3.0]
        original = results.copy()
        (done,) = attach_results(client, results.iloc[:3])
        pd.testing.assert_frame_equal(results, original)  # not modified
        self.assertEqual(done.attached, ["1_0", "1_1", "1_2"])
        self.assertEqual(done.missing, ["1_3"])
        self.assertEqual(done.status, "RUNNING")
        self.assertEqual(trial.status, TrialStatus.RUNNING)
        y = observed_values(experiment, "y")
        self.assertEqual(y["1_1"], 2.0)
        self.assertEqual(len(y), 12 + 3)
        cost = observed_values(experiment, "cost")
        self.assertNotIn("1_1", cost.index)  # a missing tracking value is left out
        with self.assertRaisesRegex(RoMAInputError, r"\['1_0'\] already have a result"):
            attach_results(client, results.iloc[[0, 3]])
        (done,) = attach_results(client, results.iloc[[3]])
        self.assertEqual((done.status, done.missing), ("COMPLETED", []))
        self.assertEqual(open_trials(experiment), {})
        with self.assertRaisesRegex(RoMAInputError, "already completed"):
            attach_results(client, results.iloc[[3]])
        with self.assertRaisesRegex(RoMAInputError, "no open batch"):
            attach_results(client, results.drop(columns="arm_name"))

    def test_abandon_missing(self):
        client, experiment, trial, designs = _batch()
        results = designs.assign(y=1.0).iloc[:2]
        (done,) = attach_results(client, results, abandon_missing=True)
        self.assertEqual(done.abandoned, ["1_2", "1_3"])
        self.assertEqual((done.status, done.missing), ("COMPLETED", []))
        self.assertEqual({a.name for a in trial.abandoned_arms}, {"1_2", "1_3"})

    def test_match_by_values_within_the_written_precision(self):
        client, experiment, trial, designs = _batch(digits=6)
        self.assertAlmostEqual(match_tolerance(experiment, [trial]), 1e-5)
        written = designs.drop(columns="arm_name").assign(y=[1.0, 2.0, 3.0, 4.0])
        written["x0"] = [float(f"{v:.6g}") for v in written["x0"]]
        written = written.iloc[::-1]  # any row order
        (done,) = attach_results(client, written)
        self.assertEqual(done.attached, ["1_3", "1_2", "1_1", "1_0"])
        self.assertEqual(observed_values(experiment, "y")["1_0"], 1.0)
        # Full precision: values rounded to 6 digits no longer match.
        client, experiment, trial, designs = _batch(digits=None)
        self.assertEqual(match_tolerance(experiment, [trial]), 1e-9)
        with self.assertRaisesRegex(RoMAInputError, "match no design"):
            attach_results(client, written)

    def test_errors_change_nothing(self):
        client, experiment, trial, designs = _batch()
        results = designs.assign(y=[1.0, 2.0, 3.0, 4.0])
        cases = [
            (results.drop(columns="y"), "no column 'y', the experiment's objective"),
            (results.iloc[:0], "no rows"),
            (results.assign(y=[1.0, np.nan, 3.0, 4.0]), "missing or non-finite"),
            (results.assign(y=["1", "a", "3", "4"]), "non-numeric values"),
            (results.assign(arm_name=["1_0", "9_9", "1_2", "1_3"]), "not in the"),
            (results.assign(arm_name=["1_0", "0_1", "1_2", "1_3"]), "trial 0 is the"),
            (results.iloc[[0, 1, 0]], r"\['1_0'\] have more than one row"),
            (results.assign(arm_name=[None, "1_1", "1_2", "1_3"]), "is empty"),
            (results.assign(x1=0.7), "contradicts the named arm"),
            (results.drop(columns=["arm_name", "x1"]), r"lack the parameter"),
            (results.drop(columns="arm_name").assign(x0=0.9), "match no design"),
            (results.assign(y_sem=-1.0), "negative"),
        ]
        for table, match in cases:
            with self.subTest(match=match):
                with self.assertRaisesRegex(RoMAInputError, match):
                    attach_results(client, table)
                self.assertEqual(trial.status, TrialStatus.CANDIDATE)
                self.assertEqual(len(observed_values(experiment, "y")), 12)
        # Two designs that the written precision cannot tell apart.
        experiment.trials[1].mark_abandoned(unsafe=True)
        arms = [Arm(parameters={"x0": 0.1, "x1": 0.5 + d}) for d in (0.0, 1e-7)]
        experiment.new_batch_trial(generator_run=GeneratorRun(arms=arms))
        table = pd.DataFrame({"x0": [0.1], "x1": [0.5], "y": [1.0]})
        with self.assertRaisesRegex(RoMAInputError, "match several designs"):
            attach_results(client, table, rtol=1e-5)
        with self.assertRaisesRegex(RoMAInputError, "DataFrame"):
            attach_results(client, table.to_dict())
