r"""Copy a benchmark result folder with one method renamed.

When a method's definition changes between rounds (the suite's first
``roma-ensemble`` runs ran the ``"ensemble-mse"`` preset, before the default
became ``"ensemble"``), the earlier runs keep their evidence under the name of
what they ran. This writes ``raw_results.csv`` and ``run.json`` (what
``scripts/combine_results.py`` reads) into a new folder, with the method
renamed and the renaming recorded in ``run.json`` (``settings["relabeled"]``).
The source folder is not changed.

Usage::

    python scripts/relabel_part.py results/parts2/levy-20-roma-ensemble-s0 \
        results/relabeled/levy-20-roma-ensemble-mse-s0 \
        --method roma-ensemble=roma-ensemble-mse --reason "ran the ensemble-mse preset"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd


def relabel(src: Path, dst: Path, old: str, new: str, reason: str) -> None:
    r"""Write ``src``'s results into ``dst`` with method ``old`` renamed ``new``."""
    raw = pd.read_csv(src / "raw_results.csv")
    if old not in set(raw["method"]):
        raise SystemExit(f"{src} holds no run of method {old!r}.")
    if dst.exists():
        raise SystemExit(f"{dst} exists; remove it or choose another folder.")
    for column in ("method", "method_name"):
        if column in raw:
            raw[column] = raw[column].where(raw[column] != old, new)
    run = json.loads((src / "run.json").read_text(encoding="utf-8"))
    settings = run.setdefault("settings", {})
    settings["methods"] = [new if m == old else m for m in settings.get("methods", [])]
    settings["relabeled"] = {
        "from": old,
        "to": new,
        "source": str(src),
        "reason": reason,
    }
    dst.mkdir(parents=True)
    raw.to_csv(dst / "raw_results.csv", index=False)
    (dst / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="A benchmark result folder.")
    parser.add_argument("dst", type=Path, help="The new folder (must not exist).")
    parser.add_argument("--method", required=True, help="OLD=NEW method names.")
    parser.add_argument("--reason", required=True, help="Why, recorded in run.json.")
    args = parser.parse_args(argv)
    old, sep, new = args.method.partition("=")
    if not (sep and old and new):
        raise SystemExit(f"--method must read OLD=NEW, got {args.method!r}.")
    relabel(args.src, args.dst, old, new, args.reason)
    print(args.dst)


if __name__ == "__main__":
    main()
