"""Per-call CPU time of softplus forms and squared-norm reductions.

python scripts/softplus_forms.py
"""

import time

import torch
from torch.nn.functional import softplus

torch.set_num_threads(1)
a = torch.randn(1, 128, 64) * 3
z = torch.zeros(())


def t(f, n=20000):
    for _ in range(200):
        f()
    t0 = time.process_time()
    for _ in range(n):
        f()
    return (time.process_time() - t0) / n * 1e6


print("softplus", t(lambda: softplus(a)))
print("sigmoid", t(lambda: torch.sigmoid(a)))
print("logaddexp", t(lambda: torch.logaddexp(a, z)))
print("log1p(exp)", t(lambda: torch.log1p(torch.exp(a))))
print(
    "relu+log1p(exp(-abs))",
    t(lambda: torch.log1p(torch.exp(-a.abs())).add_(a.clamp_min(0))),
)
print("a - logsigmoid", t(lambda: a - torch.nn.functional.logsigmoid(a)))
print("-logsigmoid(-a)", t(lambda: torch.nn.functional.logsigmoid(-a).neg_()))
g = torch.randn(1, 6, 4096)
print("square.sum", t(lambda: g.square().sum(-1)))
print("mul.sum", t(lambda: (g * g).sum(-1)))
print("vector_norm", t(lambda: torch.linalg.vector_norm(g, dim=-1)))
print("vecdot", t(lambda: torch.linalg.vecdot(g, g)))
print("einsum", t(lambda: torch.einsum("msp,msp->ms", g, g)))
print("bmm diag", t(lambda: torch.bmm(g.view(6, 1, 4096), g.view(6, 4096, 1))))
w = torch.randn(1, 86, 64)
print("W0 square sum", t(lambda: w.square().sum((1, 2))))
print("W0 vnorm", t(lambda: torch.linalg.vector_norm(w, dim=(1, 2))))
b = a.abs() + 1
print("exp", t(lambda: torch.exp(a)))
print("log", t(lambda: torch.log(b)))
print("log1p", t(lambda: torch.log1p(b)))
s = torch.sigmoid(a)
print("log(s)", t(lambda: torch.log(s)))
# h = a - log(sigmoid(a)), with s computed anyway
print("a - log(s)", t(lambda: torch.sub(a, torch.log(s))))
print(
    "relu+log(1+exp(-abs))",
    t(lambda: torch.log(torch.exp(-a.abs()).add_(1)).add_(a.clamp_min(0))),
)
