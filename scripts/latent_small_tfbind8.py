r"""The latent route on the small TFBind8-shaped task of its end-to-end test.

The visible data is the bottom half of the feasible sequences, subsampled to
1,000 rows; ``n = 32`` candidates; the latent defaults with 50 pre-training
epochs and 20 adaptation steps (as ``test/latent/test_roma.py``). Prints, per
task seed, the candidates' median true score, the data's top-32 median and
how each candidate was produced. ``--vae`` overrides the VAE options (JSON).

    python scripts/latent_small_tfbind8.py --seeds 5
    python scripts/latent_small_tfbind8.py --vae '{"latent_dim": 128, "beta": 0.01}'
"""

from __future__ import annotations

import argparse
import json
import warnings

import torch

from botorch_roma.benchmarks.tasks.ehrlich import TFBIND8_CONFIG, make_ehrlich_task
from botorch_roma.latent.roma import LatentRoMA


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="Task seeds 0..k-1")
    parser.add_argument("--vae", default="{}", help="VAE option overrides (JSON)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    vae = json.loads(args.vae)
    n = 32
    for seed in range(args.seeds):
        task = make_ehrlich_task(TFBIND8_CONFIG, seed=seed)
        gen = torch.Generator().manual_seed(seed)
        rows = torch.randperm(task.X.shape[0], generator=gen)[:1000]
        X, Y = task.X[rows], task.Y[rows]
        roma = LatentRoMA(
            vae_options=vae,
            model_options={"epochs": 50},
            ascent_options={"adapt_steps": 20},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            roma.fit(X, Y, num_categories=task.num_categories, seed=seed)
            seqs, _ = roma.generate(n=n, seed=seed)
        true = task.evaluate(seqs).squeeze(-1)
        top = Y.squeeze(-1).topk(n).values
        print(
            f"vae {vae} seed {seed}: median {true.median().item():.4g}, "
            f"top-{n} median {top.median().item():.4g}, "
            f"latent_dim {roma.vae.latent_dim}, routes {roma.last_generation}",
            flush=True,
        )


if __name__ == "__main__":
    main()
