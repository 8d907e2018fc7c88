r"""Tests for botorch_roma/benchmarks/methods/registry.py."""

import pytest

from botorch_roma.benchmarks.methods import (
    METHODS,
    Method,
    describe_methods,
    get_method,
    list_methods,
    register_method,
)
from botorch_roma.exceptions import RoMAInputError

BUILTIN = [
    "roma",
    "roma-ensemble",
    "roma-ensemble-adapt",
    "roma-ensemble-mse",
    "roma-ensemble-smoothing-only",
    "roma-no-adapt",
    "roma-smoothing-only",
    "grad-ascent",
    "grad-ascent-ensemble",
    "listnet-ascent",
    "coms",
    "bo-qei",
    "gp-qlogei",
    "gp-mean-ascent",
    "dataset-top128",
]


def test_builtin_methods_registered():
    assert list_methods()[: len(BUILTIN)] == BUILTIN
    descriptions = describe_methods()
    assert all(descriptions[name] for name in BUILTIN)
    assert get_method("coms").supports_discrete
    # RoMA handles discrete tasks through the package's VAE latent route.
    assert get_method("roma").supports_discrete


def test_unknown_method_lists_available():
    with pytest.raises(RoMAInputError, match="Available methods: roma"):
        get_method("no-such-method")


def test_register_and_replace():
    def first_rows(task, n, seed, smoke=False):
        return task.X[:n]

    method = Method("test-first-rows", first_rows, "First rows.", True)
    try:
        register_method(method)
        assert get_method("test-first-rows") is method
        with pytest.raises(RoMAInputError, match="already registered"):
            register_method(method)
        other = Method("test-first-rows", first_rows, "Replaced.")
        register_method(other, replace=True)
        assert describe_methods()["test-first-rows"] == "Replaced."
    finally:
        METHODS.pop("test-first-rows", None)
