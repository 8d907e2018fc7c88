r"""Time RoMA's compute kernels phase by phase (wall and CPU seconds).

Phases (pick with ``--phases``; each figure is the median of ``--repeats``):

- ``pretrain``: robust pre-training of the proxy on the Rosenbrock-86 suite
  task (17,010 visible rows of which 200 are held out, 50 epochs, K = 20), via
  ``RoMAModel.fit``;
- ``ascent``: the default adapted ascent (T = 100 updates, 100 per-candidate
  adaptation steps each, n = 128) on that model;
- ``schedule``: the authors' schedule, T = 500 updates of 100 adaptation steps
  (what ``scripts/adaptation_speed.py`` times);
- ``e2e``: ``RoMAModel(...).fit`` plus ``optimize_roma`` with every default;
- ``hopper``: the same end to end on a Hopper-shaped problem (d = 5,123,
  3,000 rows): the cached HopperController dataset when one exists, else
  random data of that shape (the cost does not depend on the values);
- ``ensemble``: ``robust_pretrain_ensemble`` with 1 and ``--members`` members.

``--backend autograd`` times the reference pre-training path (the code as it
was before issue #15); ``--compute-dtype`` sets the ``compute_dtype`` option
of both phases (default ``float32``, the package default; ``input`` runs the
inner loops in the data's dtype, as before issue #15). ``--device auto`` uses
CUDA when it is present; ``--device cuda`` fails clearly without it.

    python scripts/speed.py --phases pretrain ascent --dtype float --threads 1
    python scripts/speed.py --phases pretrain --backend autograd --repeats 3
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

# Use this checkout's package, not whichever one is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import botorch_roma.models.roma as roma_module
from botorch_roma import RoMAModel, optimize_roma
from botorch_roma.datasets import make_synthetic_task
from botorch_roma.generation.gen import gen_candidates_roma, select_starting_designs
from botorch_roma.models.mlp import init_mlp_params
from botorch_roma.models.pretraining import (
    PretrainingOptions,
    robust_pretrain,
    robust_pretrain_ensemble,
)

DTYPES = {"float": torch.float, "double": torch.double}


def pick_device(name: str) -> torch.device:
    r"""``cpu``, ``cuda`` (error if absent) or ``auto``."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit(
            "--device cuda was requested but torch.cuda.is_available() is False "
            f"(torch {torch.__version__}); use --device cpu or --device auto."
        )
    return torch.device(name)


def timed(fn: Callable[[], object], device: torch.device) -> tuple[float, float]:
    r"""Wall and CPU (process) seconds of one call."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - w0, time.process_time() - c0


def rosenbrock86(dtype: torch.dtype, device: torch.device):
    task = make_synthetic_task(
        "rosenbrock", dim=86, n_total=21263, visible_fraction=0.8, seed=0
    )
    return task.X.to(dtype=dtype, device=device), task.Y.to(dtype=dtype, device=device)


#: The ``compute_dtype`` option of both phases (set from ``--compute-dtype``).
COMPUTE: dict[str, str | None] = {"compute_dtype": "float32"}


def patch_kernels(backend: str) -> None:
    r"""Route RoMAModel.fit through the requested pre-training backend."""
    roma_module.robust_pretrain = functools.partial(robust_pretrain, backend=backend)


def fit(X, Y, seed: int = 0) -> RoMAModel:
    return RoMAModel(X, Y, **COMPUTE).fit(seed=seed)


def ascent(model: RoMAModel, steps: int) -> None:
    X0 = select_starting_designs(model.train_X, model.train_Y, 128)
    gen_candidates_roma(X0, model, options={"steps": steps, **COMPUTE})


def design(model: RoMAModel) -> None:
    optimize_roma(model, n=128, seed=0, **COMPUTE)


def hopper_data(dtype: torch.dtype, device: torch.device, n: int = 3000):
    r"""The cached HopperController data if present, else random data."""
    from botorch_roma.benchmarks.tasks import hopper as hopper_module
    from botorch_roma.benchmarks.tasks.cache import cache_key, get_cache_dir

    config = hopper_module.HopperConfig()
    key = {
        **hopper_module.asdict(config),
        "generator_version": hopper_module._GENERATOR_VERSION,
        "hidden_sizes": list(config.hidden_sizes),
    }
    if (get_cache_dir() / "hopper" / f"{cache_key(key)}.pt").exists():
        task = hopper_module.make_hopper_task()
        return (
            task.X.to(dtype=dtype, device=device),
            task.Y.to(dtype=dtype, device=device),
            "cached HopperController data",
        )
    gen = torch.Generator().manual_seed(0)
    d = hopper_module.hopper_policy_dim(tuple(config.hidden_sizes))
    X = 0.1 * torch.randn(n, d, generator=gen, dtype=torch.double)
    Y = X[:, :64].sum(-1, keepdim=True) + 0.1 * torch.randn(n, 1, generator=gen).to(X)
    return (
        X.to(dtype=dtype, device=device),
        Y.to(dtype=dtype, device=device),
        (f"random data of the Hopper shape ({n} x {d})"),
    )


def ensemble_runner(X, Y, members: int) -> Callable[[], object]:
    Z = (X - X.mean(0)) / X.std(0)
    y = ((Y - Y.mean()) / Y.std()).squeeze(-1)
    options = PretrainingOptions(**COMPUTE)
    tkwargs = {"dtype": X.dtype, "device": X.device}

    def run() -> None:
        gens = [torch.Generator(device=X.device).manual_seed(i) for i in range(members)]
        inits = [init_mlp_params(86, (64, 64), 2, generator=g, **tkwargs) for g in gens]
        params = [torch.stack(ps) for ps in zip(*inits)]
        bounds = torch.tensor([[-2.3026, -1.6094]] * members, **tkwargs)
        robust_pretrain_ensemble(
            params, Z[200:], y[200:], options, bounds, Z[:200], y[:200], gens
        )

    return run


def phase_runners(args, dtype, device) -> dict[str, Callable[[], object]]:
    X, Y = rosenbrock86(dtype, device)
    runners: dict[str, Callable[[], object]] = {}
    model = None

    def fitted() -> RoMAModel:
        nonlocal model
        if model is None:
            model = fit(X, Y)
        return model

    runners["fitted"] = fitted
    runners["pretrain"] = lambda: fit(X, Y)
    runners["ascent"] = lambda: ascent(fitted(), 100)
    runners["schedule"] = lambda: ascent(fitted(), 500)
    runners["e2e"] = lambda: design(fit(X, Y))
    if "hopper" in args.phases:
        HX, HY, what = hopper_data(dtype, device)
        print(f"# hopper: {what}", flush=True)
        runners["hopper"] = lambda: design(fit(HX, HY))
    runners["ensemble-1"] = ensemble_runner(X, Y, 1)
    runners[f"ensemble-{args.members}"] = ensemble_runner(X, Y, args.members)
    return runners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--phases",
        nargs="*",
        default=["pretrain", "ascent", "e2e"],
        choices=["pretrain", "ascent", "schedule", "e2e", "hopper", "ensemble"],
    )
    parser.add_argument("--dtype", nargs="*", default=["float"], choices=DTYPES)
    parser.add_argument(
        "--backend", default="analytic", choices=["analytic", "autograd"]
    )
    parser.add_argument(
        "--compute-dtype",
        default="float32",
        choices=["float32", "float64", "input"],
        help="the compute_dtype option of both phases ('input': the data's dtype)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--out", type=Path, default=None, help="also append here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    COMPUTE["compute_dtype"] = (
        None if args.compute_dtype == "input" else args.compute_dtype
    )
    patch_kernels(args.backend)
    where = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    )
    lines = [
        f"# {where}, torch {torch.__version__}, {args.threads} thread(s), "
        f"backend={args.backend}, compute_dtype={args.compute_dtype}, "
        f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}"
    ]
    print(lines[0], flush=True)
    for dtype_name in args.dtype:
        runners = phase_runners(args, DTYPES[dtype_name], device)
        names = [p for p in args.phases if p != "ensemble"]
        if "ensemble" in args.phases:
            names += ["ensemble-1", f"ensemble-{args.members}"]
        for name in names:
            if name in ("ascent", "schedule"):
                runners["fitted"]()  # fit once, outside the timing
            results = [timed(runners[name], device) for _ in range(args.repeats)]
            walls, cpus = zip(*results)
            line = (
                f"{name:12s} {dtype_name:6s} wall {statistics.median(walls):8.2f} s "
                f"cpu {statistics.median(cpus):8.2f} s  (runs wall "
                f"{', '.join(f'{w:.2f}' for w in walls)}; cpu "
                f"{', '.join(f'{c:.2f}' for c in cpus)}; load "
                f"{os.getloadavg()[0]:.2f})"
            )
            print(line, flush=True)
            lines.append(line)
    if args.out is not None:
        with args.out.open("a") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
