r"""An on-disk cache for benchmark datasets that are costly to generate.

Some built-in tasks (the Hopper controller task, the GFP-shaped Ehrlich task)
generate their dataset by running an optimizer against the true oracle. The
generation is deterministic given its configuration, so the result is stored
once under a key derived from that configuration and reused afterwards.

The cache folder is ``$BOTORCH_ROMA_CACHE`` if set, else
``~/.cache/botorch_roma``. Files are written atomically (to a temporary file,
then renamed), so concurrent workers that build the same dataset never read a
half-written file; at worst they build it twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

__all__ = ["CACHE_ENV_VAR", "cache_key", "get_cache_dir", "load_or_build"]

logger = logging.getLogger(__name__)

#: The environment variable that overrides the cache folder.
CACHE_ENV_VAR = "BOTORCH_ROMA_CACHE"


def get_cache_dir() -> Path:
    r"""The folder where generated benchmark datasets are cached.

    Returns:
        ``Path($BOTORCH_ROMA_CACHE)`` if the variable is set and non-empty, else
        ``~/.cache/botorch_roma``. The folder is not created here.

    Example:
        >>> cache_dir = get_cache_dir()  # e.g. ~/.cache/botorch_roma
    """
    value = os.environ.get(CACHE_ENV_VAR, "").strip()
    if value:
        return Path(value).expanduser()
    return Path("~/.cache/botorch_roma").expanduser()


def cache_key(config: dict[str, Any]) -> str:
    r"""A short, stable hash of a JSON-serializable configuration.

    Args:
        config: The generation configuration (JSON-serializable values only).

    Returns:
        The first 16 hex digits of the SHA-256 of the sorted JSON encoding.

    Example:
        >>> cache_key({"a": 1, "b": 2}) == cache_key({"b": 2, "a": 1})
        True
    """
    encoded = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:16]


def load_or_build(
    namespace: str,
    config: dict[str, Any],
    build: Callable[[], dict[str, Any]],
    cache: bool = True,
) -> dict[str, Any]:
    r"""Load a cached dataset, or build it and cache it.

    The file is ``<cache dir>/<namespace>/<cache_key(config)>.pt`` and holds
    the dictionary returned by ``build`` plus the ``config`` itself. A file that
    cannot be read (e.g. truncated) is rebuilt.

    Args:
        namespace: A sub-folder name, e.g. ``"hopper"``.
        config: The JSON-serializable generation configuration; it determines
            the cache key, so every setting that changes the data must be in it.
        build: A zero-argument function returning a dictionary of tensors and
            plain Python values.
        cache: If False, always build and never read or write the cache.

    Returns:
        The dictionary from ``build`` (or from the cache), with an added entry
        ``"cache_path"`` (``None`` when ``cache=False``).
    """
    if not cache:
        return {**build(), "cache_path": None}
    folder = get_cache_dir() / namespace
    path = folder / f"{cache_key(config)}.pt"
    if path.exists():
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # a truncated or foreign file: rebuild it
            logger.warning("Rebuilding unreadable cache file %s (%s).", path, error)
        else:
            if data.get("config") == json.loads(json.dumps(config)):
                return {**data, "cache_path": str(path)}
            logger.warning("Rebuilding cache file %s: its config differs.", path)
    data = {**build(), "config": config}
    folder.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=folder, prefix=path.stem, suffix=".tmp")
    os.close(handle)
    try:
        torch.save(data, tmp_name)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)
    logger.info("Cached generated dataset at %s.", path)
    return {**data, "cache_path": str(path)}
