r"""Tests for ``botorch_roma/ax/names.py``: any column name through Ax.

No test here loops over dtypes: the module maps strings and builds no tensors.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from ax.api.client import Client
from ax.api.configs import RangeParameterConfig
from ax.core.parameter_constraint import ParameterConstraint
from ax.storage.json_store.load import load_experiment
from ax.storage.json_store.save import save_experiment
from ax.utils.common.sympy import (
    extract_metric_names_from_objective_expr,
    parse_objective_expression,
)
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax.names import (
    NAMES_PROPERTY,
    ax_expression,
    ax_names,
    is_ax_safe,
    original_names,
    store_names,
    stored_names,
    to_ax_columns,
)
from botorch_roma.exceptions import RoMAInputError

#: Names that Ax's SymPy parser cannot read as themselves.
AWKWARD = [
    "yield",  # a Python keyword
    "yield (%)",
    "temp °C",
    "a-b",  # Ax reads it as a - b
    "x 1",
    "beta",  # a SymPy name
    "E",
    "abs",  # a builtin
    "1st",
    "%",
    "µ",  # not in NFKC form (the micro sign)
    "a__dot__b",  # holds an Ax placeholder
    "x²",
]


def _reads_as_itself(name: str) -> bool:
    r"""Whether Ax parses ``name`` as one parameter / metric called ``name``."""
    constraint = ParameterConstraint(inequality=f"{name} + 2*zz <= 1")
    equality = ParameterConstraint(equality=f"{name} - zz == 1")
    objective = parse_objective_expression(f"-{name}")
    return (
        set(constraint.constraint_dict) == {name, "zz"}
        and set(equality.constraint_dict) == {name, "zz"}
        and extract_metric_names_from_objective_expr(objective) == [name]
    )


class TestNames(BotorchTestCase):
    def test_safe_names_map_to_themselves(self):
        safe = ["x0", "x1", "y", "lr", "cost", "size", "_x", "my__var", "α", "match"]
        self.assertTrue(all(is_ax_safe(n) for n in safe))
        self.assertEqual(ax_names(safe), {n: n for n in safe})
        self.assertTrue(all(_reads_as_itself(n) for n in safe))
        self.assertFalse(any(is_ax_safe(n) for n in AWKWARD))

    def test_awkward_names_get_distinct_readable_ax_names(self):
        names = ax_names([*AWKWARD, "x1"])
        self.assertEqual(names["yield"], "yield_")
        self.assertEqual(names["yield (%)"], "yield_pct")
        self.assertEqual(names["temp °C"], "temp_C")
        self.assertEqual(names["a-b"], "a_b")
        self.assertEqual(names["x 1"], "x_1")
        self.assertEqual(names["1st"], "x_1st")
        self.assertEqual(names["x1"], "x1")
        self.assertEqual(len(set(names.values())), len(names))
        for name in names.values():
            self.assertTrue(is_ax_safe(name), name)
            self.assertTrue(_reads_as_itself(name), name)
        # Deterministic, and repeated names collapse.
        self.assertEqual(ax_names([*AWKWARD, "x1", "x1"]), names)

    def test_clashes_keep_safe_names_and_number_the_rest(self):
        names = ax_names(["a-b", "a_b", "a b", "a_b_2"])
        self.assertEqual(
            names, {"a-b": "a_b_3", "a_b": "a_b", "a b": "a_b_4", "a_b_2": "a_b_2"}
        )
        # Two names that differ only in characters Ax cannot read.
        names = ax_names(["rate (%)", "rate %"])
        self.assertEqual(names, {"rate (%)": "rate_pct", "rate %": "rate_pct_2"})
        with self.assertRaisesRegex(RoMAInputError, "non-empty strings, got \\[' '\\]"):
            ax_names(["x", " "])
        with self.assertRaisesRegex(RoMAInputError, "non-empty strings, got \\[3\\]"):
            ax_names(["x", 3])

    def test_expressions_match_whole_names_longest_first(self):
        names = ax_names(["x1", "x10", "x 1", "yield (%)", "a-b", "a", "b"])
        self.assertEqual(
            ax_expression("x10 + x 1 - 2*x1 + 3 * yield (%) == 1", names),
            "x10 + x_1 - 2*x1 + 3 * yield_pct == 1",
        )
        # "a-b" is the name; "a - b" (with spaces) is a difference.
        self.assertEqual(ax_expression("a-b + a - b <= 1", names), "a_b + a - b <= 1")
        # Names inside longer words are not touched.
        names = ax_names(["x 1", "temp", "temp °C"])
        self.assertEqual(
            ax_expression("temp °C + temp + tempo + x 10 <= 1", names),
            "temp_C + temp + tempo + x 10 <= 1",
        )
        self.assertEqual(ax_expression("x + y <= 1", {"x": "x"}), "x + y <= 1")

    def test_table_columns_and_inverse(self):
        names = ax_names(["yield (%)", "temp °C", "x1"])
        table = pd.DataFrame(
            {"temp °C": [1.0], "x1": [2.0], "yield (%)": [3.0], "yield (%)_sem": [0.1]}
        )
        renamed = to_ax_columns(table, names)
        self.assertEqual(
            list(renamed.columns), ["temp_C", "x1", "yield_pct", "yield_pct_sem"]
        )
        self.assertEqual(list(table.columns)[0], "temp °C")  # not mutated
        inverse = original_names(names)
        self.assertEqual(inverse["yield_pct_sem"], "yield (%)_sem")
        self.assertEqual(list(renamed.rename(columns=inverse).columns), list(table))

    def test_mapping_is_stored_on_the_experiment_and_survives_json(self):
        client = Client()
        client.configure_experiment(
            parameters=[
                RangeParameterConfig(
                    name="temp_C", parameter_type="float", bounds=(0, 1)
                )
            ]
        )
        client.configure_optimization(objective="yield_pct")
        experiment = client._maybe_experiment
        self.assertEqual(stored_names(experiment), {})
        names = ax_names(["temp °C", "yield (%)", "x1"])
        store_names(experiment, names)
        self.assertEqual(
            experiment._properties[NAMES_PROPERTY],
            {"temp °C": "temp_C", "yield (%)": "yield_pct"},
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "client.json")
            client.save_to_json_file(path)
            loaded = Client.load_from_json_file(path)
            self.assertEqual(
                stored_names(loaded._maybe_experiment), stored_names(experiment)
            )
            path = str(Path(tmp) / "experiment.json")
            save_experiment(experiment, path)
            self.assertEqual(
                stored_names(load_experiment(path)), stored_names(experiment)
            )
        # Safe names only: nothing is stored.
        store_names(experiment, ax_names(["x1"]))
        self.assertNotIn(NAMES_PROPERTY, experiment._properties)
