r"""Tests for botorch_roma/benchmarks/methods/options.py."""

from dataclasses import dataclass
from typing import ClassVar

import pytest

from botorch_roma.benchmarks.methods.options import (
    ACTIVATIONS,
    MethodOptions,
    ProxyOptions,
)
from botorch_roma.benchmarks.methods.utils import build_mlp
from botorch_roma.exceptions import RoMAInputError
from botorch_roma.options import option


@dataclass(frozen=True)
class _Budget(MethodOptions):
    _what: ClassVar[str] = "test option(s)"

    steps: int = option(100, "Steps.", low=0)
    width: int = option(64, "Width.", low=1)

    SMOKE: ClassVar[dict] = {"steps": 2, "width": 4}


def test_for_run_layers_the_smoke_budget_under_given_options():
    assert _Budget.for_run() == _Budget(steps=100, width=64)
    assert _Budget.for_run({"steps": 7}) == _Budget(steps=7, width=64)
    assert _Budget.for_run(None, smoke=True) == _Budget(steps=2, width=4)
    # Given options win over the smoke budget.
    assert _Budget.for_run({"steps": 7}, smoke=True) == _Budget(steps=7, width=4)


def test_for_run_validates():
    with pytest.raises(RoMAInputError, match=r"Unknown test option\(s\) \['step'\]"):
        _Budget.for_run({"step": 1})
    with pytest.raises(RoMAInputError, match="width must be >= 1"):
        _Budget.for_run({"width": 0}, smoke=True)
    with pytest.raises(RoMAInputError, match="steps must be an int"):
        _Budget.for_run({"steps": "3"})


def test_proxy_options():
    options = ProxyOptions.for_run({"hidden_sizes": [8, 8], "lr": 1})
    assert options.hidden_sizes == (8, 8) and options.lr == 1.0
    smoke = ProxyOptions.for_run(smoke=True)
    assert smoke.hidden_sizes == (32, 32) and smoke.epochs == 2
    with pytest.raises(RoMAInputError, match="activation must be one of"):
        ProxyOptions.for_run({"activation": "gelu"})
    # Every declared activation builds.
    for activation in ACTIVATIONS:
        build_mlp(2, (4,), activation=activation)
