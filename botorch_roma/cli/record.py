r"""The ``<output>_run.json`` record of a command: what ran, with what, how long.

:class:`RunRecord` starts a wall and CPU clock when a command starts and
writes, next to its output, every setting the command used, the versions of
the packages involved, the SHA-256 of its input file, the command line and
the time it took, so that a batch of designs can be traced and rerun.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["RunRecord", "command_line", "package_versions", "sha256_of"]

#: Distribution name -> key in the record's ``versions``.
_DISTRIBUTIONS = {
    "torch": "torch",
    "botorch": "botorch",
    "ax-platform": "ax",
    "gpytorch": "gpytorch",
    "numpy": "numpy",
    "pandas": "pandas",
}


def package_versions() -> dict[str, str | None]:
    r"""Versions of botorch_roma, its main dependencies and Python.

    Read from the installed distributions' metadata, so nothing is imported.

    Returns:
        ``{"botorch_roma": ..., "torch": ..., ..., "python": ...}`` (``None``
        for a package that is not installed).
    """
    import botorch_roma

    versions: dict[str, str | None] = {"botorch_roma": botorch_roma.__version__}
    for dist, key in _DISTRIBUTIONS.items():
        try:
            versions[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[key] = None
    versions["python"] = platform.python_version()
    return versions


def sha256_of(path: str | Path) -> str:
    r"""The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def command_line(argv: list[str] | None = None) -> str:
    r"""The command line as a shell would take it (``botorch-roma ...``)."""
    argv = list(sys.argv if argv is None else argv)
    if argv and Path(argv[0]).name in ("botorch-roma", "__main__.py"):
        argv[0] = "botorch-roma"
    return shlex.join(argv)


@dataclass
class RunRecord:
    r"""A command's record, started when the command starts.

    Attributes:
        command: The command line.
        started: The start time (local, ISO 8601 with the UTC offset).
        fields: What the command adds (settings, data, spec, outputs).

    Example:
        >>> record = RunRecord.start()
        >>> record.fields["settings"] = {"seed": 0}
        >>> text = record.to_json()
    """

    command: str
    started: str
    _wall: float
    _cpu: float
    fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls) -> RunRecord:
        r"""Start the clocks."""
        return cls(
            command=command_line(),
            started=datetime.now(timezone.utc)
            .astimezone()
            .isoformat(timespec="seconds"),
            _wall=time.perf_counter(),
            _cpu=time.process_time(),
        )

    def to_dict(self) -> dict[str, Any]:
        r"""The record so far, with the wall and CPU seconds up to now."""
        return {
            "command": self.command,
            "started": self.started,
            "wall_seconds": round(time.perf_counter() - self._wall, 3),
            "cpu_seconds": round(time.process_time() - self._cpu, 3),
            **self.fields,
            "versions": package_versions(),
        }

    def to_json(self) -> str:
        r"""The record as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, default=str) + "\n"
