r"""How the latent route's ascent moves the decoded sequences (no oracle).

Fits :class:`~botorch_roma.latent.roma.LatentRoMA` once on a discrete task's
visible data (``--vae`` and ``--epsilon`` fix the VAE and the pre-training
radius), then runs :meth:`~botorch_roma.latent.roma.LatentRoMA.generate` with
each ascent configuration of ``--grid`` and prints, per configuration, where
the ``n`` returned sequences came from (``last_generation``: the ascent's own
argmax decodings, best passing iterates, sampled decodes, ...), how many of
the ascent's final decodings are distinct, how many equal their starting
design, and their mean Hamming distance from it. The oracle is never called:
this shows what the ascent does, not how good its designs are.

    python scripts/latent_ascent_moves.py ehrlich-gfp --seed 5 \
        --vae '{"latent_dim": 128, "beta": 0.01}' --epsilon 0.005 \
        --grid '[{}, {"lr": 0.01}, {"trust_radius": 10.0}]'
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from botorch_roma.benchmarks.tasks.registry import get_task
from botorch_roma.latent.roma import LatentRoMA
from botorch_roma.options import LATENT_DEFAULTS, AscentOptions


def moves(roma: LatentRoMA, n: int, options: dict, seed: int) -> dict:
    r"""Generate with ``options`` on top of the latent ascent defaults and
    describe how far the ascent's decodings moved from their starts."""
    roma.ascent = AscentOptions.from_dict(
        LATENT_DEFAULTS[AscentOptions], **AscentOptions.overrides(options)
    )
    _, ranked = roma._ranked_training_sequences()
    starts = ranked[:n]
    finals: list = []

    def last(t: int, Z: torch.Tensor, values: torch.Tensor) -> None:
        finals[:] = [Z.detach().clone(), values.detach().clone()]

    start = time.perf_counter()
    seqs, values = roma.generate(n=n, seed=seed, callback=last)
    seconds = time.perf_counter() - start
    decoded = roma.vae.decode(finals[0])
    distance = (decoded != starts.to(decoded.device)).sum(-1).double()
    return {
        "options": options,
        "routes": roma.last_generation,
        "failed_checks": roma.last_failed,
        "distinct_decodes": int(torch.unique(decoded, dim=0).shape[0]),
        "unchanged": int((distance == 0).sum()),
        "hamming_mean": round(float(distance.mean()), 2),
        "hamming_max": int(distance.max()),
        "predicted_median": round(float(values.median()), 4),
        "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", help="A discrete benchmark task, e.g. ehrlich-gfp")
    parser.add_argument("--vae", default="{}", help="VAE options (JSON)")
    parser.add_argument("--epsilon", type=float, default=None)
    parser.add_argument("--grid", default="[{}]", help="Ascent options (JSON list)")
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=None, help="Fitted model file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.cache is not None and args.cache.is_file():
        roma = torch.load(args.cache, weights_only=False)
    else:
        task = get_task(args.task)
        model_options = {} if args.epsilon is None else {"epsilon": args.epsilon}
        roma = LatentRoMA(vae_options=json.loads(args.vae), model_options=model_options)
        torch.manual_seed(args.seed)
        start = time.perf_counter()
        roma.fit(
            task.X.long(),
            task.Y.double(),
            num_categories=int(task.num_categories),
            seed=args.seed,
        )
        print(f"fit {time.perf_counter() - start:.0f} s; vae {roma.vae_report(args.n)}")
        if args.cache is not None:
            torch.save(roma, args.cache)
    for options in json.loads(args.grid):
        torch.manual_seed(args.seed)
        print(json.dumps(moves(roma, args.n, options, args.seed)), flush=True)


if __name__ == "__main__":
    main()
