r"""How faithfully the latent route's VAE gives back a discrete task's data.

Fits a :class:`~botorch_roma.latent.vae.CategoricalVAE` with the latent route's
defaults (:data:`~botorch_roma.options.LATENT_DEFAULTS`, plus any ``--vae``
overrides) on a task's visible sequences and prints the per-position and
whole-sequence reconstruction accuracy (posterior mean, argmax decoding) of
the data and of the top-``n`` distinct sequences the ascent starts from, as
:meth:`~botorch_roma.latent.roma.LatentRoMA.vae_report` does, without fitting
the proxy.

    python scripts/vae_reconstruction.py ehrlich-gfp --vae '{"beta": 0.01}'
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from botorch_roma.benchmarks.tasks.registry import get_task
from botorch_roma.latent.vae import CategoricalVAE
from botorch_roma.options import LATENT_DEFAULTS, VAEOptions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", help="A discrete benchmark task, e.g. ehrlich-gfp")
    parser.add_argument("--vae", default="{}", help="VAE option overrides (JSON)")
    parser.add_argument("--n", type=int, default=128, help="Number of starts")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    task = get_task(args.task)
    seqs, Y = task.X.long(), task.Y.double()
    options = {**LATENT_DEFAULTS[VAEOptions], **json.loads(args.vae)}
    start = time.perf_counter()
    vae = CategoricalVAE(
        seqs.shape[1],
        int(task.num_categories),
        dtype=torch.double,
        **{k: v for k, v in options.items() if k in VAEOptions.ARCHITECTURE},
    )
    vae.fit(
        seqs,
        seed=args.seed,
        **{k: v for k, v in options.items() if k in VAEOptions.TRAINING},
    )
    data = vae.reconstruction_report(seqs)
    # The starts: the top-n distinct sequences, best score first.
    uniq, inverse = torch.unique(seqs, dim=0, return_inverse=True)
    best = torch.full((uniq.shape[0],), -torch.inf, dtype=Y.dtype)
    best = best.scatter_reduce(0, inverse, Y.squeeze(-1), reduce="amax")
    starts = uniq[best.argsort(descending=True, stable=True)[: args.n]]
    starts_report = vae.reconstruction_report(starts)
    print(
        f"{args.task} VAE {options} on {seqs.shape[0]} sequences "
        f"(L = {seqs.shape[1]}, C = {task.num_categories}), seed {args.seed}: "
        f"positions {data['position_accuracy']:.1%}, sequences "
        f"{data['sequence_accuracy']:.1%}; top-{starts.shape[0]} starts: "
        f"positions {starts_report['position_accuracy']:.1%}, sequences "
        f"{starts_report['sequence_accuracy']:.1%} "
        f"({time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()
