r"""Benchmark methods: RoMA, its ablations and the offline-MBO baselines.

Importing this package registers the built-in methods in
:data:`~botorch_roma.benchmarks.methods.registry.METHODS` (see
:func:`register_method` to add or replace one). Each method validates its
options through an options class declared next to it
(:mod:`~botorch_roma.benchmarks.methods.options`).
"""

from botorch_roma.benchmarks.methods.bayesopt import (
    BOqEIOptions,
    GPqLogEIOptions,
    bo_qei,
    gp_qlogei,
)
from botorch_roma.benchmarks.methods.coms import COMsOptions, coms
from botorch_roma.benchmarks.methods.dataset import dataset_top_k
from botorch_roma.benchmarks.methods.ensemble import (
    GradientAscentEnsembleOptions,
    gradient_ascent_ensemble,
)
from botorch_roma.benchmarks.methods.gp_mean import (
    GPMeanAscentOptions,
    gp_mean_ascent,
)
from botorch_roma.benchmarks.methods.gradient_ascent import (
    GradientAscentOptions,
    gradient_ascent,
)
from botorch_roma.benchmarks.methods.options import MethodOptions, ProxyOptions
from botorch_roma.benchmarks.methods.ranking import ListNetOptions, listnet_ascent
from botorch_roma.benchmarks.methods.registry import (
    METHODS,
    Method,
    describe_methods,
    get_method,
    list_methods,
    register_method,
)
from botorch_roma.benchmarks.methods.roma import (
    RoMAMethodOptions,
    roma,
    roma_ensemble,
    roma_ensemble_adapt,
    roma_ensemble_mse,
    roma_ensemble_smoothing_only,
    roma_no_adapt,
    roma_smoothing_only,
)
from botorch_roma.benchmarks.methods.utils import (
    RELAXATIONS,
    ContinuousView,
    continuous_view,
    get_relaxation,
    register_relaxation,
)

__all__ = [
    "METHODS",
    "RELAXATIONS",
    "BOqEIOptions",
    "COMsOptions",
    "ContinuousView",
    "GPMeanAscentOptions",
    "GPqLogEIOptions",
    "GradientAscentEnsembleOptions",
    "GradientAscentOptions",
    "ListNetOptions",
    "Method",
    "MethodOptions",
    "ProxyOptions",
    "RoMAMethodOptions",
    "bo_qei",
    "coms",
    "continuous_view",
    "dataset_top_k",
    "describe_methods",
    "get_method",
    "get_relaxation",
    "gp_mean_ascent",
    "gp_qlogei",
    "gradient_ascent",
    "gradient_ascent_ensemble",
    "list_methods",
    "listnet_ascent",
    "register_method",
    "register_relaxation",
    "roma",
    "roma_ensemble",
    "roma_ensemble_adapt",
    "roma_ensemble_mse",
    "roma_ensemble_smoothing_only",
    "roma_no_adapt",
    "roma_smoothing_only",
]

# Registered on import: the built-in methods, in the order of the result tables.
_BUILTIN = [
    Method(
        "roma",
        roma,
        "RoMA: robust pre-training (epsilon by the paper's offline rule) + "
        "adapted ascent.",
        True,
    ),
    Method(
        "roma-ensemble",
        roma_ensemble,
        "RoMA under the package default preset 'ensemble': 5 robust proxies "
        "(ListNet loss), ascent of mean - std for 300 steps without weight "
        "adaptation, best iterate kept.",
        True,
    ),
    Method(
        "roma-ensemble-adapt",
        roma_ensemble_adapt,
        "RoMA under the preset 'ensemble-adapt': roma-ensemble with RoMA's "
        "per-candidate weight adaptation (the default before amendment 2).",
        True,
    ),
    Method(
        "roma-ensemble-mse",
        roma_ensemble_mse,
        "RoMA under the preset 'ensemble-mse': as roma-ensemble-adapt with the "
        "squared-error loss (the default before Hopper's selection runs).",
        True,
    ),
    Method(
        "roma-ensemble-smoothing-only",
        roma_ensemble_smoothing_only,
        "Ablation of roma-ensemble: input smoothing only (epsilon=0), no adaptation.",
        True,
    ),
    Method(
        "roma-no-adapt",
        roma_no_adapt,
        "RoMA ablation: robust pre-training, ascent without adaptation.",
        True,
    ),
    Method(
        "roma-smoothing-only",
        roma_smoothing_only,
        "RoMA ablation: Gaussian input smoothing only (epsilon=0), no adaptation.",
        True,
    ),
    Method(
        "grad-ascent",
        gradient_ascent,
        "Gradient ascent on an MSE-trained MLP proxy (design-baselines).",
        True,
    ),
    Method(
        "grad-ascent-ensemble",
        gradient_ascent_ensemble,
        "Gradient ascent on the mean of 5 MSE-trained MLP proxies "
        "(design-baselines' Grad. Ascent Mean).",
        True,
    ),
    Method(
        "listnet-ascent",
        listnet_ascent,
        "Gradient ascent on a ListNet-trained (learning-to-rank) MLP proxy, "
        "output z-scored (RaM, Tan et al. 2025).",
        True,
    ),
    Method(
        "coms",
        coms,
        "Conservative Objective Models (Trabucco et al. 2021).",
        True,
    ),
    Method(
        "bo-qei",
        bo_qei,
        "Design-Bench BO-qEI: GP + qEI over a proxy ensemble's pseudo-observations.",
        True,
    ),
    Method(
        "gp-qlogei",
        gp_qlogei,
        "SingleTaskGP on the (subsampled) data + qLogEI, q=n by sequential greedy.",
        True,
    ),
    Method(
        "gp-mean-ascent",
        gp_mean_ascent,
        "Adam ascent of a SingleTaskGP's posterior mean (subsampled data) from "
        "the top-n designs.",
        True,
    ),
    Method(
        "dataset-top128",
        dataset_top_k,
        "The dataset's best designs (top-n by score).",
        True,
    ),
]
for _method in _BUILTIN:
    register_method(_method, replace=True)
