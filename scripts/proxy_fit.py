r"""How well does each proxy predict held-out designs of a continuous task?

An offline optimizer can only be as good as its proxy's ranking of designs near
the data. This script fits, on a random 80 % of a task's visible rows, and
scores on the other 20 %:

- ``roma``: RoMA's robust pre-training (``RoMAModel`` with its defaults and the
  given ``--epsilon``, default 1e-2, the top of the offline rule's grid; the
  value the rule chose per task is in the ``info`` column of the suite's
  ``raw_results.csv``);
- ``roma-eps0``: the same with ``epsilon = 0`` (Gaussian input noise only, the
  ``roma-smoothing-only`` ablation's proxy);
- ``gp``: BoTorch's ``SingleTaskGP`` on at most ``--gp-points`` random training
  rows (the ``gp-qlogei`` baseline's model), fitted by ``fit_gpytorch_mll``;
- ``ridge``: z-scored linear ridge regression, the penalty picked from a grid on
  a validation slice of the training split (never the test split);

and reports the test R² and Spearman rank correlation, median over
``--splits`` random splits. On Hopper (5,123 dims) the GP fit alone takes
over 25 minutes on one core; leave it out with ``--proxies roma,roma-eps0,ridge``.

    python scripts/proxy_fit.py   # levy-20, rosenbrock-86, hopper
    python scripts/proxy_fit.py --tasks levy-20 --splits 5 --proxies roma,gp
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import pandas as pd
import torch
from botorch import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms import Normalize, Standardize
from gpytorch.mlls import ExactMarginalLogLikelihood

from botorch_roma import RoMAModel
from botorch_roma.benchmarks.runner import resolve_task

RIDGE_PENALTIES = (1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3, 1e4)


def r2_score(pred: torch.Tensor, y: torch.Tensor) -> float:
    r"""Coefficient of determination of ``n`` predictions of ``n`` targets."""
    return (1 - (pred - y).square().sum() / (y - y.mean()).square().sum()).item()


def spearman(pred: torch.Tensor, y: torch.Tensor) -> float:
    r"""Spearman rank correlation (no tie correction; scores are continuous)."""
    return pd.Series(pred.tolist()).corr(pd.Series(y.tolist()), method="spearman")


def ridge_fit_predict(
    X: torch.Tensor, y: torch.Tensor, X_test: torch.Tensor, seed: int
) -> torch.Tensor:
    r"""Ridge regression on z-scored inputs, penalty chosen on a validation slice.

    Args:
        X: ``n x d`` training inputs.
        y: ``n`` training targets.
        X_test: ``m x d`` test inputs.
        seed: Seed of the validation slice.

    Returns:
        ``m`` predictions.
    """
    mean, std = X.mean(0), X.std(0).clamp_min(1e-12)
    Z, Z_test = (X - mean) / std, (X_test - mean) / std
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(X.shape[0], generator=gen)
    n_val = max(1, X.shape[0] // 5)
    val, fit = perm[:n_val], perm[n_val:]

    def solve(Zf: torch.Tensor, yf: torch.Tensor, lam: float):
        y0 = yf.mean()
        A = Zf.T @ Zf + lam * torch.eye(Zf.shape[1], dtype=Zf.dtype)
        w = torch.linalg.solve(A, Zf.T @ (yf - y0))
        return w, y0

    errors = {}
    for lam in RIDGE_PENALTIES:
        w, y0 = solve(Z[fit], y[fit], lam)
        errors[lam] = (Z[val] @ w + y0 - y[val]).square().mean().item()
    best = min(errors, key=errors.get)
    w, y0 = solve(Z, y, best)
    return Z_test @ w + y0


def gp_fit_predict(
    X: torch.Tensor, y: torch.Tensor, X_test: torch.Tensor, points: int, seed: int
) -> torch.Tensor:
    r"""Posterior mean of a ``SingleTaskGP`` fitted on ``points`` random rows."""
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randperm(X.shape[0], generator=gen)[:points]
    bounds = torch.stack([X.min(0).values, X.max(0).values])
    model = SingleTaskGP(
        X[idx],
        y[idx, None],
        input_transform=Normalize(X.shape[-1], bounds=bounds),
        outcome_transform=Standardize(m=1),
    )
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    with torch.no_grad():
        return model.posterior(X_test).mean.reshape(-1)


def roma_fit_predict(
    X: torch.Tensor,
    y: torch.Tensor,
    X_test: torch.Tensor,
    epsilon: float,
    seed: int,
    **options: float,
) -> torch.Tensor:
    r"""Prediction of a ``RoMAModel`` pre-trained with the given ``epsilon``."""
    model = RoMAModel(X, y[:, None], epsilon=epsilon, **options).fit(seed=seed)
    with torch.no_grad():
        return model.posterior(X_test).mean.reshape(-1)


PROXIES = ("roma", "roma-eps0", "gp", "ridge")


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="levy-20,rosenbrock-86,hopper")
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--epsilon", type=float, default=1e-2)
    parser.add_argument("--proxies", default=",".join(PROXIES))
    parser.add_argument("--gp-points", type=int, default=1000)
    parser.add_argument(
        "--sigma",
        type=float,
        default=None,
        help="RoMA's input-noise std (default: 0.2)",
    )
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument(
        "--out", default=None, help="Optional CSV of every split (updated per split)."
    )
    args = parser.parse_args(argv)
    if not 0 < args.test_fraction < 1:
        parser.error(f"--test-fraction must be in (0, 1), got {args.test_fraction}")
    if args.splits < 1:
        parser.error(f"--splits must be >= 1, got {args.splits}")
    proxies = [p.strip() for p in args.proxies.split(",") if p.strip()]
    unknown = sorted(set(proxies) - set(PROXIES))
    if unknown or not proxies:
        parser.error(f"unknown proxies {unknown}; choose from {list(PROXIES)}")
    roma_options = {} if args.sigma is None else {"sigma": args.sigma}
    fitters = {
        "roma": lambda X, y, Xt, s: roma_fit_predict(
            X, y, Xt, args.epsilon, s, **roma_options
        ),
        "roma-eps0": lambda X, y, Xt, s: roma_fit_predict(
            X, y, Xt, 0.0, s, **roma_options
        ),
        "gp": lambda X, y, Xt, s: gp_fit_predict(X, y, Xt, args.gp_points, s),
        "ridge": ridge_fit_predict,
    }
    rows = []
    for name in [t.strip() for t in args.tasks.split(",") if t.strip()]:
        task = resolve_task(name)
        if task.is_discrete:
            parser.error(f"{name} is discrete; this script compares continuous proxies")
        X, y = task.X.double(), task.Y.double().reshape(-1)
        n_test = max(2, int(round(args.test_fraction * X.shape[0])))
        for split in range(args.splits):
            perm = torch.randperm(
                X.shape[0], generator=torch.Generator().manual_seed(split)
            )
            test, train = perm[:n_test], perm[n_test:]
            for proxy in proxies:
                start = time.perf_counter()
                pred = fitters[proxy](X[train], y[train], X[test], split)
                rows.append(
                    {
                        "task": name,
                        "split": split,
                        "proxy": proxy,
                        "r2": r2_score(pred, y[test]),
                        "spearman": spearman(pred, y[test]),
                        "fit_s": time.perf_counter() - start,
                    }
                )
            if args.out:
                # Written after every split, so a long run keeps what it has.
                pd.DataFrame(rows).to_csv(args.out, index=False)
            done = rows[-len(proxies) :]
            print(
                f"{name} split {split}: "
                + ", ".join(
                    f"{r['proxy']} R2={r['r2']:.3f} rho={r['spearman']:.3f}"
                    for r in done
                ),
                flush=True,
            )
    df = pd.DataFrame(rows)
    table = df.groupby(["task", "proxy"], sort=False)[["r2", "spearman", "fit_s"]]
    print(
        f"\nMedian over {args.splits} random {1 - args.test_fraction:.0%}/"
        f"{args.test_fraction:.0%} splits (RoMA epsilon={args.epsilon}, "
        f"sigma={'0.2 (default)' if args.sigma is None else args.sigma}):"
    )
    print(table.median().round(3).to_string())
    print(
        f"\nHardware: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}"
    )
    return df


if __name__ == "__main__":
    main()
