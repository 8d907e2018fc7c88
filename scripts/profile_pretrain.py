"""Op-level profile of robust pre-training (4,000 Rosenbrock-86 rows, one thread).

python scripts/profile_pretrain.py
"""

import sys
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import speed  # noqa: E402

from botorch_roma import RoMAModel  # noqa: E402

torch.set_num_threads(1)
X, Y = speed.rosenbrock86(torch.double, torch.device("cpu"))
model = RoMAModel(X[:4000], Y[:4000], compute_dtype="float32")
with profile(activities=[ProfilerActivity.CPU]) as prof:
    model.fit(seed=0)
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))
