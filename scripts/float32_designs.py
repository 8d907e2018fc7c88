r"""Do float32 inner loops change RoMA's designs on float64 data beyond noise?

For each seed, RoMA runs twice on the Rosenbrock-86 suite task (float64 data,
the suite's epsilon 0.01, bounds, jittered starts): once in float64 throughout
and once with ``compute_dtype="float32"`` for pre-training and adaptation
(the x ascent stays float64). Reported per run: the true normalized p100/p50 of
the 128 candidates, and the mean distance (standardized input units) between
the float32 and float64 candidates of the same seed, against the same distance
between float64 runs of different seeds (seed noise) and the candidates'
mean displacement from their starts.

    python scripts/float32_designs.py --seeds 0 1 2 3
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botorch_roma import RoMAModel, optimize_roma
from botorch_roma.datasets import make_synthetic_task
from botorch_roma.generation.gen import select_starting_designs


def run(task, seed: int, compute_dtype: str | None, epsilon: float):
    t0 = time.process_time()
    model = RoMAModel(task.X, task.Y, epsilon=epsilon, compute_dtype=compute_dtype).fit(
        seed=seed
    )
    X, values = optimize_roma(
        model,
        bounds=task.bounds,
        n=128,
        seed=seed,
        duplicate_starts="jitter",
        compute_dtype=compute_dtype,
    )
    cpu = time.process_time() - t0
    scores = task.normalize(task.evaluate(X)).squeeze(-1)
    return X, values, scores, cpu, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3])
    parser.add_argument("--epsilon", type=float, default=0.01)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    task = make_synthetic_task(
        "rosenbrock", dim=86, n_total=21263, visible_fraction=0.8, seed=0
    )
    scale = task.X.std(0)
    runs = {}
    for seed in args.seeds:
        for name, dtype in (("float64", "float64"), ("float32", "float32")):
            X, values, scores, cpu, model = run(task, seed, dtype, args.epsilon)
            runs[seed, name] = (X, scores)
            X0 = select_starting_designs(task.X, task.Y, 128)
            move = ((X - X0) / scale).norm(dim=-1).mean().item()
            print(
                f"seed {seed} {name}: p100 {scores.max():.4f} p50 "
                f"{scores.median():.4f} mean {scores.mean():.4f} proxy mean "
                f"{values.mean():.3f} displacement {move:.3f} cpu {cpu:.1f} s "
                f"final train_loss {model.training_history[-1]['train_loss']:.4f}",
                flush=True,
            )
    same = [
        ((runs[s, "float32"][0] - runs[s, "float64"][0]) / scale).norm(dim=-1).mean()
        for s in args.seeds
    ]
    cross = [
        ((runs[a, "float64"][0] - runs[b, "float64"][0]) / scale).norm(dim=-1).mean()
        for a, b in itertools.combinations(args.seeds, 2)
    ]
    for name in ("float64", "float32"):
        p100 = [runs[s, name][1].max().item() for s in args.seeds]
        p50 = [runs[s, name][1].median().item() for s in args.seeds]
        print(
            f"{name}: p100 {statistics.mean(p100):.4f} +- "
            f"{statistics.pstdev(p100):.4f}, p50 {statistics.mean(p50):.4f} +- "
            f"{statistics.pstdev(p50):.4f} over seeds {args.seeds}"
        )
    print(
        f"mean candidate distance float32 vs float64, same seed: "
        f"{statistics.mean(float(v) for v in same):.4f} (per seed "
        f"{', '.join(f'{float(v):.4f}' for v in same)}); float64 between seeds: "
        f"{statistics.mean(float(v) for v in cross) if cross else float('nan'):.4f}"
    )


if __name__ == "__main__":
    main()
