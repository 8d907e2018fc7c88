r"""Ax's own overhead in the offline RoMA flow, and the offline attach time.

For 1k / 5k / 20k offline rows (d = 8 float parameters), this script

1. attaches the rows to an ``ax.api.Client`` with ``attach_offline_data``
   (timed: the "attach" column), and
2. generates one 128-arm batch with ``generate_batch`` (timed: "batch"),
   while timing RoMA's own work inside it: the robust pre-training
   (``RoMAModel.fit``) and the adapted ascent (``gen_candidates_roma``).

"Ax overhead" is the batch time minus RoMA's fit and ascent time, i.e. Ax's
data extraction, transforms, model bridging and arm bookkeeping, plus this
package's feasibility repair and de-duplication. Each figure is given as wall
time and as this process's CPU time ("cpu"), which is what the wall time would
be on an idle machine (everything here runs on one thread). RoMA's budgets
are cut to the bone (they are subtracted anyway), so the script runs in about
a minute.

Run it with::

    OMP_NUM_THREADS=1 python scripts/ax_overhead.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import torch
from ax.api.client import Client
from ax.api.configs import RangeParameterConfig

import botorch_roma.ax.acquisition as roma_acquisition
from botorch_roma.ax import (
    attach_offline_data,
    generate_batch,
    roma_generation_strategy,
)
from botorch_roma.models import RoMAModel

_TIMES: dict[str, float] = {}


class _Clock:
    r"""Wall-clock and process CPU time since creation."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _timed(name, fn):
    def wrapper(*args, **kwargs):
        clock = _Clock()
        try:
            return fn(*args, **kwargs)
        finally:
            wall, cpu = clock.stop()
            _TIMES[name] = _TIMES.get(name, 0.0) + wall
            _TIMES[name + "_cpu"] = _TIMES.get(name + "_cpu", 0.0) + cpu

    return wrapper


def _client(d: int) -> Client:
    client = Client(random_seed=0)
    client.configure_experiment(
        parameters=[
            RangeParameterConfig(name=f"x{i}", parameter_type="float", bounds=(0, 1))
            for i in range(d)
        ]
    )
    client.configure_optimization(objective="y")
    client.set_generation_strategy(
        roma_generation_strategy(
            pretraining={"epochs": 1},
            ascent={"steps": 2, "adapt_steps": 1},
            seed=0,
        )
    )
    return client


def _data(rows: int, d: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.random((rows, d)), columns=[f"x{i}" for i in range(d)])
    df["y"] = -((df - 0.5) ** 2).sum(axis=1)
    return df


def measure(rows: int, d: int, n: int) -> dict[str, float]:
    r"""One attach and one n-arm batch; returns the timings in seconds."""
    df = _data(rows, d)
    client = _client(d)
    clock = _Clock()
    attach_offline_data(client, df)
    attach, attach_cpu = clock.stop()
    _TIMES.clear()
    clock = _Clock()
    trial = generate_batch(client, n=n)
    batch, batch_cpu = clock.stop()
    assert len(trial.arms) == n
    roma = _TIMES.get("fit", 0.0) + _TIMES.get("ascent", 0.0)
    roma_cpu = _TIMES.get("fit_cpu", 0.0) + _TIMES.get("ascent_cpu", 0.0)
    return {
        "attach": attach,
        "attach_cpu": attach_cpu,
        "batch": batch,
        "roma": roma,
        "ax_overhead": batch - roma,
        "ax_overhead_cpu": batch_cpu - roma_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--d", type=int, default=8)
    parser.add_argument("-n", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("ax").setLevel(logging.WARNING)
    torch.set_num_threads(1)
    RoMAModel.fit = _timed("fit", RoMAModel.fit)
    roma_acquisition.gen_candidates_roma = _timed(
        "ascent", roma_acquisition.gen_candidates_roma
    )
    measure(200, args.d, 8)  # warm-up (imports, first-call costs)
    print(
        f"d={args.d}, n={args.n}, median of {args.repeats} runs, seconds; 'cpu' is "
        f"this process's CPU time (torch threads: {torch.get_num_threads()}, "
        f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    columns = [
        "attach",
        "attach_cpu",
        "batch",
        "roma",
        "ax_overhead",
        "ax_overhead_cpu",
    ]
    print(f"{'rows':>7} " + " ".join(f"{c:>15}" for c in columns))
    for rows in args.rows:
        runs = [measure(rows, args.d, args.n) for _ in range(args.repeats)]
        med = {k: statistics.median(r[k] for r in runs) for k in columns}
        print(f"{rows:>7} " + " ".join(f"{med[c]:>15.2f}" for c in columns))


if __name__ == "__main__":
    main()
