r"""p50 / p100 against the ascent length, with and without the offline choice.

Issue #14, item 3: for each task and seed, one RoMA ascent of ``--steps``
updates (default 500) on the benchmark's ``roma`` setup (the offline epsilon
rule, the task's bounds, jittered top-``n`` starts) gives, at every length T
in ``--lengths``:

- ``last``: the iterate after T updates (what ``steps=T, select="last"``
  returns), and
- ``best``: per candidate, the iterate among updates 1..T with the best
  pre-trained aggregate, ``mean - pessimism * std`` across members (what
  ``steps=T, select="best"`` returns; the offline choice of the length).

The trajectory's first T updates do not depend on the total length (constant
Adam step size, no schedule), so one long ascent replaces six runs. The
oracle only scores the designs. Continuous tasks only (the latent route's
iterates are codes, decoded differently).

    python scripts/ascent_length.py --tasks levy-20 rosenbrock-86 --seeds 0 1 \
        --option num_models=5 --option pessimism=1 --out results/ascent_length
    python scripts/ascent_length.py --preset ensemble --tasks hopper --seeds 0 1

``--preset`` starts from a :data:`~botorch_roma.options.PRESETS` entry (the
package default is ``ensemble``); ``--option`` wins over it, and ``--steps``
and both selection rules always apply.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botorch_roma.benchmarks.methods.roma import _choose_epsilon, _resolve_options
from botorch_roma.benchmarks.methods.utils import continuous_view
from botorch_roma.benchmarks.tasks.registry import get_task
from botorch_roma.generation.gen import _input_maps, optimize_roma, prepare_ascent
from botorch_roma.models.ensemble import build_proxy
from botorch_roma.options import AscentOptions, PretrainingOptions, preset_overrides


class Tracker:
    r"""Keeps the iterates at the requested lengths and the best so far."""

    def __init__(self, model, pessimism: float, lengths: list[int]) -> None:
        self.model, self.pessimism, self.lengths = model, pessimism, lengths
        self.to_model, _ = _input_maps(model)
        self.problem = None
        self.best_value = self.best_X = None
        self.last: dict[int, torch.Tensor] = {}
        self.best: dict[int, torch.Tensor] = {}

    def value(self, X: torch.Tensor) -> torch.Tensor:
        p = self.problem
        return p.aggregate(p.predict(p.theta, self.to_model(X)))[0]

    def __call__(self, t: int, X: torch.Tensor, values: torch.Tensor) -> None:
        X = X.detach().clone()
        if self.problem is None:  # t = 0: the starts, never a candidate
            self.problem = prepare_ascent(X, self.model, pessimism=self.pessimism)
            self.best_value = torch.full((X.shape[0],), -torch.inf).to(X)
            self.best_X = X.clone()
            return
        self.observe(t, X)

    def observe(self, t: int, X: torch.Tensor) -> None:
        r"""Record the iterate after ``t`` updates."""
        with torch.no_grad():
            value = self.value(X)
        better = value > self.best_value
        self.best_value = torch.where(better, value, self.best_value)
        self.best_X[better] = X[better]
        if t in self.lengths:
            self.last[t] = X
            self.best[t] = self.best_X.clone()


def run(task_name: str, seed: int, steps: int, lengths: list[int], options: dict):
    task = get_task(task_name)
    given = {k: v for k, v in options.items() if k != "preset"}
    run_opts, pre, asc, _ = _resolve_options(given, smoke=False)
    view = continuous_view(task, relaxation=run_opts.relaxation, seed=seed)
    key = (task.name, tuple(view.X.shape), float(view.Y.sum()))
    epsilon = _choose_epsilon(run_opts, pre, (view.X, view.Y), key, asc)
    t0 = time.process_time()
    model = build_proxy(view.X, view.Y, epsilon=epsilon, **pre).fit(seed=seed)
    tracker = Tracker(model, asc.get("pessimism", 0.0), lengths)
    bounds = None if view.bounds is None else view.bounds.to(view.X)
    asc = {**asc, "steps": steps, "select": "last"}
    X, _ = optimize_roma(
        model,
        bounds=bounds,
        n=128,
        seed=seed,
        duplicate_starts="jitter",
        callback=tracker,
        **asc,
    )
    tracker.observe(steps, X)
    cpu = time.process_time() - t0
    rows = []
    for T in lengths:
        for rule, designs in (("last", tracker.last[T]), ("best", tracker.best[T])):
            scores = task.normalize(task.evaluate(view.decode(designs))).squeeze(-1)
            rows.append(
                {
                    "task": task_name,
                    "seed": seed,
                    "T": T,
                    "select": rule,
                    "p50": float(scores.median()),
                    "p100": float(scores.max()),
                    "epsilon": float(epsilon),
                    "cpu_s": round(cpu, 1),
                    "options": json.dumps(options, sort_keys=True),
                }
            )
            print(
                f"{task_name} seed {seed} T={T:4d} {rule}: p50 {rows[-1]['p50']:.3f} "
                f"p100 {rows[-1]['p100']:.3f}",
                flush=True,
            )
    return rows


def parse_option(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", default=["levy-20", "rosenbrock-86"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--lengths", nargs="+", type=int, default=[100, 300, 500])
    parser.add_argument("--option", action="append", default=[], type=parse_option)
    parser.add_argument("--preset", default=None, help="A PRESETS entry to start from")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("results/ascent_length"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "ascent_length.csv"
    options = {}
    if args.preset is not None:
        options = {
            **preset_overrides(args.preset, PretrainingOptions),
            **preset_overrides(args.preset, AscentOptions),
            "preset": args.preset,
        }
        for name in ("steps", "select"):  # set by --steps and both rules
            options.pop(name, None)
    options.update(dict(args.option))
    for task_name in args.tasks:
        for seed in args.seeds:
            rows = run(task_name, seed, args.steps, args.lengths, options)
            new = not path.exists()
            with path.open("a", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                if new:
                    writer.writeheader()
                writer.writerows(rows)


if __name__ == "__main__":
    main()
