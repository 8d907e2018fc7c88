r"""Time RoMA's solution phase: adapted ascent for 128 candidates in 86 dims.

The schedule is the authors': T = 500 ascent updates, each preceded by 100
weight-adaptation steps. Three implementations are timed:

- ``per_candidate``: every candidate adapts its own weights, batched as one
  weight tensor per candidate (this package's default);
- ``shared``: one perturbation for the whole batch (the authors' code);
- ``naive-loop``: a Python loop over candidates, adapting one copy of the
  model per candidate with double backprop through autograd (the obvious
  route). It is far too slow for the whole schedule, so it runs
  ``--naive-updates`` updates and its per-update time is extrapolated to T.

The model is a real ``RoMAModel`` fitted briefly on an 86-dimensional
Levy task (weight quality does not change the cost). Each figure is the median
over ``--repeats`` runs.

    python scripts/adaptation_speed.py
    python scripts/adaptation_speed.py --dtype double --backends analytic autograd
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch

from botorch_roma import RoMAModel, gen_candidates_roma
from botorch_roma.benchmarks import make_synthetic_task
from botorch_roma.generation.adaptation import adapt_weights
from botorch_roma.generation.gen import select_starting_designs
from botorch_roma.models.mlp import mlp_forward, mlp_value_and_input_grad


def naive_loop(model: RoMAModel, X0: torch.Tensor, updates: int, adapt_steps: int):
    r"""Per-candidate adaptation as a Python loop with autograd double backprop."""
    theta = model.pretrained_weights()
    Z = model.input_transform(X0).clone()
    f0 = mlp_forward(theta, Z)[..., 0]
    target = f0.clone()
    Z.requires_grad_(True)
    opt = torch.optim.Adam([Z], lr=3e-3)
    for _ in range(updates):
        grads, new_target = [], []
        for i in range(Z.shape[0]):
            zi = Z.detach()[i : i + 1]
            adapted = adapt_weights(
                theta,
                zi,
                target[i : i + 1],
                model.epsilon,
                1.0,
                adapt_steps,
                mode="shared",
                backend="autograd",
            )
            f, g = mlp_value_and_input_grad(adapted, zi)
            grads.append(-g * (1.0 - (f - f0[i]) / 4.0).unsqueeze(-1))
            new_target.append(adapted)
        Z.grad = torch.cat(grads)
        opt.step()
        with torch.no_grad():
            target = torch.cat(
                [
                    mlp_forward(p, Z.detach()[i : i + 1])[..., 0]
                    for i, p in enumerate(new_target)
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--dim", type=int, default=86)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--adapt-steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-updates", type=int, default=2)
    parser.add_argument("--dtype", choices=["float", "double"], default="float")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument(
        "--backends", nargs="*", default=["analytic"], choices=["analytic", "autograd"]
    )
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dtype = torch.float if args.dtype == "float" else torch.double
    task = make_synthetic_task("levy", dim=args.dim, n_total=2000, seed=0)
    model = RoMAModel(task.X.to(dtype), task.Y.to(dtype), epochs=1).fit(seed=0)
    X0 = select_starting_designs(model.train_X, model.train_Y, args.n)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {args.threads} threads, {args.dtype}, "
        f"n={args.n}, d={args.dim}, T={args.steps}, adapt_steps={args.adapt_steps}"
    )
    results = {}
    for backend in args.backends:
        for mode in ("per_candidate", "shared"):
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                gen_candidates_roma(
                    X0,
                    model,
                    options={
                        "steps": args.steps,
                        "adapt_steps": args.adapt_steps,
                        "adaptation": mode,
                        "backend": backend,
                    },
                )
                times.append(time.perf_counter() - t0)
            key = f"{mode} ({backend})"
            results[key] = statistics.median(times)
            print(
                f"{key:28s} median {results[key]:8.1f} s for the whole schedule "
                f"({1e3 * results[key] / args.steps:.1f} ms/update; runs: "
                f"{', '.join(f'{t:.1f}' for t in times)})",
                flush=True,
            )
    if not args.skip_naive:
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            naive_loop(model, X0, args.naive_updates, args.adapt_steps)
            times.append((time.perf_counter() - t0) / args.naive_updates)
        per_update = statistics.median(times)
        results["naive-loop"] = per_update * args.steps
        print(
            f"{'naive-loop (autograd)':28s} median {results['naive-loop']:8.1f} s "
            f"extrapolated ({1e3 * per_update:.1f} ms/update over "
            f"{args.naive_updates} updates)"
        )
    pc = results.get("per_candidate (analytic)")
    if pc is not None:
        print(f"per_candidate / shared = {pc / results['shared (analytic)']:.2f}")
        if "naive-loop" in results:
            print(f"naive-loop / per_candidate = {results['naive-loop'] / pc:.1f}")


if __name__ == "__main__":
    main()
