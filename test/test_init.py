r"""Tests for the public names of ``botorch_roma`` and its subpackages."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "botorch_roma",
    "botorch_roma.models",
    "botorch_roma.generation",
    "botorch_roma.latent",
    "botorch_roma.options",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name):
    module = importlib.import_module(name)
    assert list(module.__all__) == sorted(module.__all__)
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.{public} is in __all__ but missing"


def test_top_level_exports_the_models():
    import botorch_roma

    for public in ("RoMAModel", "RoMAEnsembleModel", "optimize_roma"):
        assert public in botorch_roma.__all__
