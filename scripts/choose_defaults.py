r"""Measure RoMA's pre-training loss, epsilon and ascent length on synthetic tasks.

Used to choose the package defaults (see README, "Defaults"). For each task and
setting it fits a RoMAModel, runs the adapted ascent for ``--steps`` updates from
the top-128 designs and records the true normalized 50th/100th percentile of the
candidates every 25 updates (the oracle is only used for this report).

    python scripts/choose_defaults.py --out results/defaults.csv
"""

from __future__ import annotations

import argparse
import itertools
import time

import pandas as pd
import torch

from botorch_roma import RoMAModel, optimize_roma
from botorch_roma.benchmarks import make_synthetic_task

TASKS = {
    "styblinski_tang-10": dict(function="styblinski_tang", dim=10, n_total=2000),
    "levy-20": dict(function="levy", dim=20, n_total=4000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="results/defaults.csv")
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    parser.add_argument("--losses", nargs="*", default=["mse", "nll"])
    parser.add_argument("--epsilons", nargs="*", type=float, default=[5e-4, 5e-3, 5e-2])
    parser.add_argument("--modes", nargs="*", default=["per_candidate", "none"])
    parser.add_argument(
        "--adapt-epsilons",
        nargs="*",
        type=float,
        default=[None],
        help="Adaptation radius (default: the pre-training epsilon).",
    )
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for task_name, seed in itertools.product(args.tasks, range(args.seeds)):
        task = make_synthetic_task(**TASKS[task_name], seed=seed)
        top = task.normalize(task.Y.squeeze(-1).sort(descending=True).values[:128])
        for loss, eps in itertools.product(args.losses, args.epsilons):
            t0 = time.perf_counter()
            model = RoMAModel(task.X, task.Y, loss=loss, epsilon=eps).fit(seed=seed)
            fit_s = time.perf_counter() - t0
            hist = model.training_history[-1]
            for mode, adapt_eps in itertools.product(args.modes, args.adapt_epsilons):
                if mode == "none" and adapt_eps != args.adapt_epsilons[0]:
                    continue
                traj = {}

                def callback(t, X, values, traj=traj, task=task):
                    if t % 25 == 0 or t == args.steps - 1:
                        traj[t] = task.normalize(task.evaluate(X)).squeeze(-1)

                X, _ = optimize_roma(
                    model,
                    bounds=task.bounds,
                    n=128,
                    steps=args.steps,
                    adaptation=mode,
                    callback=callback,
                    epsilon=adapt_eps,
                )
                traj[args.steps] = task.normalize(task.evaluate(X)).squeeze(-1)
                for t, y in traj.items():
                    rows.append(
                        dict(
                            task=task_name,
                            seed=seed,
                            loss=loss,
                            epsilon=eps,
                            adaptation=mode,
                            adapt_epsilon=adapt_eps or eps,
                            t=t,
                            p50=y.median().item(),
                            p100=y.max().item(),
                            top128_p50=top.median().item(),
                            top128_p100=top.max().item(),
                            val_mse=hist.get("val_mse"),
                            fit_s=fit_s,
                        )
                    )
                print(
                    task_name,
                    seed,
                    loss,
                    eps,
                    mode,
                    adapt_eps,
                    {
                        t: round(y.median().item(), 3)
                        for t, y in traj.items()
                        if t % 100 == 0 or t == args.steps
                    },
                    flush=True,
                )
            pd.DataFrame(rows).to_csv(args.out, index=False)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
