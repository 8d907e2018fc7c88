r"""Tests for ``botorch_roma/cli/spec.py`` (the starter spec)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from botorch_roma.ax.design import infer_spec, load_spec, read_table, spec_to_dict
from botorch_roma.cli import main
from botorch_roma.cli.spec import yaml_scalar


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {
            "x0": rng.random(15),
            "tiny": 1e-5 * (1 + rng.random(15)),  # written as 1.0e-05, a float
            "lr": 10 ** np.linspace(-4, -1, 15),
            "k": rng.integers(1, 5, 15).astype(float),
            "yes": 0.5 + rng.random(15),  # a YAML 1.1 boolean word: quoted
            "const": 3.0,
            "cost": rng.random(15),
            "y": rng.normal(size=15),
        }
    )


def _spec(tmp_path, table, *args):
    csv = tmp_path / "data.csv"
    table.to_csv(csv, index=False)
    result = CliRunner().invoke(main, ["spec", str(csv), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_printed_spec_loads_back_as_the_inferred_one(tmp_path):
    table = _table()
    text = _spec(tmp_path, table, "--tracking-metrics", "cost", "--minimize")
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    loaded = load_spec(path)
    inferred, _ = infer_spec(read_table(tmp_path / "data.csv"), "y", ["cost"])
    inferred.tracking_metrics, inferred.minimize = ["cost"], True
    assert spec_to_dict(loaded) == spec_to_dict(inferred)
    raw = yaml.safe_load(text)
    assert set(raw) == {
        "parameters",
        "parameter_constraints",
        "objective",
        "minimize",
        "tracking_metrics",
    }
    # Every key of the format is named, and the likely edits are suggested.
    for word in ("value_type", "log_scale", "is_ordered", "type: fixed"):
        assert word in text
    assert "whole numbers only" in text and "only 4 distinct values" in text
    assert "spanning" in text and "log_scale: true" in text
    assert '{name: "yes", type: range' in text
    assert "{name: const, type: fixed, value: 3.0}" in text


def test_text_columns_become_choices_and_index_columns_are_dropped(tmp_path):
    table = pd.DataFrame(
        {
            "id": range(6),
            "x0": np.linspace(0, 1, 6),
            "color": ["red", "green", "blue", "red", "green", "blue"],
            "y": np.arange(6.0),
        }
    )
    text = _spec(tmp_path, table)
    assert "Dropped column 'id': it holds the row numbers" in text
    raw = yaml.safe_load(text)
    assert [p["name"] for p in raw["parameters"]] == ["x0", "color"]
    assert raw["parameters"][1] == {
        "name": "color",
        "type": "choice",
        "values": ["blue", "green", "red"],
    }
    # The starter is a valid spec for `design`.
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    assert load_spec(path).parameters[1].values == ["blue", "green", "red"]


def test_output_file_and_errors(tmp_path):
    table = _table()
    out = tmp_path / "spec.yaml"
    text = _spec(tmp_path, table, "-o", str(out))
    assert text == f"Wrote {out}.\n"
    assert load_spec(out).objective == "y"
    csv = str(tmp_path / "data.csv")
    result = CliRunner().invoke(main, ["spec", csv, "-o", str(out)])
    assert result.exit_code == 1 and "already exists" in result.output
    result = CliRunner().invoke(main, ["spec", csv, "--tracking-metrics", "nope"])
    assert result.exit_code == 1 and "not in the data" in result.output
    result = CliRunner().invoke(main, ["spec", csv, "--objective", "z"])
    assert result.exit_code == 1 and "not in the data" in result.output


@pytest.mark.parametrize(
    "value",
    [1e-05, 1.5e20, -0.1, 3.0, 7, True, "x0", "y", "no", "a b", "1_0", "é", "~"],
)
def test_yaml_scalars_read_back_as_the_same_value(value):
    assert yaml.safe_load(f"v: {yaml_scalar(value)}")["v"] == value
