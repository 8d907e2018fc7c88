r"""Does ``torch.compile`` speed up robust pre-training? (issue #15)

Times the closed-form pre-training loop (``robust_pretrain_ensemble``) per
epoch in CPU seconds, eager against ``torch.compile`` of the K inner ascent
steps (``_ascend_gram`` / ``_ascend_dense``; compiling the whole minibatch
update recompiles at every Adam step and falls back to eager), on random data
of the Rosenbrock-86 shape (``--rows`` x 86), one torch thread. ``first`` is
the first epoch, which holds the compilation (fast when inductor's on-disk
cache is warm from an earlier run).

    python scripts/compile_trial.py --members 1 5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import botorch_roma.models.pretraining as pretraining  # noqa: E402
from botorch_roma.models.mlp import init_mlp_params  # noqa: E402
from botorch_roma.options import PretrainingOptions  # noqa: E402


def run(members: int, rows: int, epochs: int, compiled: bool) -> list[float]:
    r"""CPU seconds of each epoch (the first holds any compilation)."""
    torch.manual_seed(0)
    X, y = torch.randn(rows, 86), torch.randn(rows)
    params = [
        torch.stack(ps)
        for ps in zip(*(init_mlp_params(86, (64, 64), 1) for _ in range(members)))
    ]
    saved = pretraining._ascend_gram, pretraining._ascend_dense
    if compiled:
        pretraining._ascend_gram = torch.compile(saved[0], dynamic=False)
        pretraining._ascend_dense = torch.compile(saved[1], dynamic=False)
    marks = [time.process_time()]
    try:
        pretraining.robust_pretrain_ensemble(
            params,
            X,
            y,
            PretrainingOptions(epochs=epochs, epsilon=5e-3),
            callback=lambda records: marks.append(time.process_time()),
        )
    finally:
        pretraining._ascend_gram, pretraining._ascend_dense = saved
    return [b - a for a, b in zip(marks, marks[1:])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, load {os.getloadavg()[0]:.2f}, one thread")
    for m in args.members:
        for compiled in (False, True):
            t = run(m, args.rows, args.epochs, compiled)
            later = sorted(t[1:])[len(t[1:]) // 2]
            print(
                f"members={m} {'compiled' if compiled else 'eager':8s} "
                f"first epoch {t[0]:6.2f} CPU-s, later epochs (median) {later:.3f}"
            )


if __name__ == "__main__":
    main()
