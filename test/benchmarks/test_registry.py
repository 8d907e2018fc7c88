r"""Tests for botorch_roma/benchmarks/registry.py."""

import pytest
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.benchmarks.registry import Registry
from botorch_roma.exceptions import RoMAInputError


def test_register_get_names_describe():
    registry = Registry("color")
    assert len(registry) == 0 and registry.names() == []
    red = registry.register("red", (1, 0, 0), "Red.")
    assert red == (1, 0, 0)
    registry.register("blue", (0, 0, 1))
    assert registry.get("red") == (1, 0, 0) and registry["blue"] == (0, 0, 1)
    assert registry.names() == ["red", "blue"] == list(registry)
    assert registry.describe() == {"red": "Red.", "blue": ""}
    assert registry.items() == [("red", (1, 0, 0)), ("blue", (0, 0, 1))]
    assert "red" in registry and "green" not in registry and len(registry) == 2


def test_unknown_name_lists_the_registered_ones():
    registry = Registry("color", hint="Register one first.")
    with pytest.raises(RoMAInputError, match=r"Available colors: \(none\)"):
        registry.get("red")
    registry.register("red", 1)
    registry.register("blue", 2)
    message = r"Unknown color 'green'\. Available colors: red, blue\. Register one"
    with pytest.raises(RoMAInputError, match=message):
        registry.get("green")
    with pytest.raises(RoMAInputError, match="Unknown color 'green'"):
        registry["green"]


def test_error_class_and_callable_hint():
    registry = Registry("relaxation", error=UnsupportedError, hint=lambda: "Later.")
    with pytest.raises(UnsupportedError, match="Later"):
        registry.get("latent")


def test_replace_and_pop():
    registry = Registry("color")
    registry.register("red", 1, "First.")
    with pytest.raises(RoMAInputError, match="already registered"):
        registry.register("red", 2)
    assert registry.get("red") == 1
    registry.register("red", 2, "Second.", replace=True)
    assert registry.get("red") == 2 and registry.describe() == {"red": "Second."}
    assert registry.pop("red") == 2
    assert "red" not in registry and registry.describe() == {}
    assert registry.pop("red", None) is None
    with pytest.raises(KeyError):
        registry.pop("red")
