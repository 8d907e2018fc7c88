r"""Tests for botorch_roma/benchmarks/tasks/cache.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from botorch_roma.benchmarks.tasks.cache import (
    CACHE_ENV_VAR,
    cache_key,
    get_cache_dir,
    load_or_build,
)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_get_cache_dir(cache_dir, monkeypatch):
    assert get_cache_dir() == cache_dir
    monkeypatch.delenv(CACHE_ENV_VAR)
    assert get_cache_dir() == Path("~/.cache/botorch_roma").expanduser()


def test_cache_key_is_order_independent():
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})
    assert cache_key({"a": 1}) != cache_key({"a": 2})


def test_load_or_build_builds_once(cache_dir):
    calls = []

    def build() -> dict:
        calls.append(1)
        return {"X": torch.arange(6.0).reshape(3, 2), "seconds": 1.5}

    config = {"n": 3, "sizes": [1, 2]}
    first = load_or_build("demo", config, build)
    second = load_or_build("demo", config, build)
    assert len(calls) == 1
    assert torch.equal(first["X"], second["X"])
    assert second["seconds"] == 1.5
    assert Path(second["cache_path"]).parent == cache_dir / "demo"
    # A different config is a different file.
    load_or_build("demo", {"n": 4}, build)
    assert len(calls) == 2
    # cache=False always builds and reports no path.
    out = load_or_build("demo", config, build, cache=False)
    assert len(calls) == 3 and out["cache_path"] is None


def test_load_or_build_rebuilds_corrupt_file(cache_dir):
    config = {"n": 1}
    out = load_or_build("demo", config, lambda: {"v": torch.ones(1)})
    Path(out["cache_path"]).write_bytes(b"not a torch file")
    again = load_or_build("demo", config, lambda: {"v": torch.zeros(1)})
    assert torch.equal(again["v"], torch.zeros(1))
    # No temporary files are left behind.
    assert [p.suffix for p in (cache_dir / "demo").iterdir()] == [".pt"]
