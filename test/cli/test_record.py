r"""Tests for ``botorch_roma/cli/record.py`` (the ``_run.json`` record)."""

from __future__ import annotations

import hashlib
import json

from botorch_roma.cli.record import (
    RunRecord,
    command_line,
    package_versions,
    sha256_of,
)

PACKAGES = {"botorch_roma", "torch", "botorch", "ax", "gpytorch", "numpy", "pandas"}


def test_versions_hash_and_command_line(tmp_path):
    versions = package_versions()
    assert set(versions) == PACKAGES | {"python"}
    assert all(isinstance(v, str) and v for v in versions.values())
    path = tmp_path / "data.csv"
    path.write_bytes(b"x,y\n1,2\n")
    assert sha256_of(path) == hashlib.sha256(b"x,y\n1,2\n").hexdigest()
    assert command_line(["/usr/bin/botorch-roma", "design", "a b.csv"]) == (
        "botorch-roma design 'a b.csv'"
    )
    assert command_line(["x/botorch_roma/cli/__main__.py", "attach"]) == (
        "botorch-roma attach"
    )


def test_record_times_the_run():
    record = RunRecord.start()
    sum(range(10**5))
    record.fields["settings"] = {"seed": 0}
    data = json.loads(record.to_json())
    assert data["settings"] == {"seed": 0}
    assert data["wall_seconds"] >= 0 and data["cpu_seconds"] >= 0
    assert data["started"][:2] == "20" and "T" in data["started"]
    assert set(data["versions"]) == PACKAGES | {"python"}
