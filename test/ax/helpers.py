r"""Small Ax experiments shared by the tests of ``botorch_roma.ax``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from ax.api.client import Client
from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig
from ax.service.ax_client import AxClient, ObjectiveProperties

from botorch_roma.ax import roma_generation_strategy

#: Tiny RoMA budgets so the tests stay fast.
FAST = {
    "pretraining": {"epochs": 3, "hidden_sizes": [8, 8], "inner_steps": 2},
    "ascent": {"steps": 6, "adapt_steps": 2, "lr": 0.05},
}


def fast_strategy(**overrides):
    options = {**FAST, "seed": 0, **overrides}
    return roma_generation_strategy(**options)


def mixed_parameters() -> list:
    r"""Float, log-scale float, int, unordered and ordered choice, fixed."""
    return [
        RangeParameterConfig(name="x0", parameter_type="float", bounds=(0.0, 1.0)),
        RangeParameterConfig(
            name="lr", parameter_type="float", bounds=(1e-4, 1e-1), scaling="log"
        ),
        RangeParameterConfig(name="k", parameter_type="int", bounds=(1, 4)),
        ChoiceParameterConfig(
            name="c", parameter_type="str", values=["a", "b", "c"], is_ordered=False
        ),
        ChoiceParameterConfig(
            name="size", parameter_type="int", values=[1, 2, 4], is_ordered=True
        ),
        ChoiceParameterConfig(name="fixed", parameter_type="float", values=[3.0]),
    ]


#: A linear constraint of the mixed space; the data below satisfies it (Ax
#: refuses rows that break it), and its optimum lies across it.
MIXED_CONSTRAINT = "x0 + k <= 3.5"


def mixed_data(n: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x0": rng.random(n),
            "lr": 10 ** rng.uniform(-4, -1, n),
            "k": rng.integers(1, 5, n),
            "c": rng.choice(["a", "b", "c"], n),
            "size": rng.choice([1, 2, 4], n),
            "fixed": 3.0,
        }
    )
    df["k"] = np.minimum(df["k"], np.floor(3.5 - df["x0"])).astype(np.int64)
    df["y"] = (
        -((df.x0 - 0.3) ** 2)
        - 0.1 * (np.log10(df.lr) + 2.5) ** 2
        + 0.2 * df.k
        + (df.c == "b")
        + 0.1 * df["size"]
    )
    return df


def mixed_client(constraint: bool = True, **strategy_overrides) -> Client:
    client = Client(random_seed=0)
    client.configure_experiment(
        parameters=mixed_parameters(),
        parameter_constraints=[MIXED_CONSTRAINT] if constraint else None,
    )
    client.configure_optimization(objective="y")
    client.set_generation_strategy(fast_strategy(**strategy_overrides))
    return client


def float_data(n: int = 24, d: int = 2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.random((n, d)), columns=[f"x{i}" for i in range(d)])
    df["y"] = df["x0"] - (df.drop(columns="x0") - 0.5).pow(2).sum(axis=1)
    return df


def float_client(d: int = 2, minimize: bool = False, **strategy_overrides) -> Client:
    client = Client(random_seed=0)
    client.configure_experiment(
        parameters=[
            RangeParameterConfig(name=f"x{i}", parameter_type="float", bounds=(0, 1))
            for i in range(d)
        ]
    )
    client.configure_optimization(objective="-y" if minimize else "y")
    client.set_generation_strategy(fast_strategy(**strategy_overrides))
    return client


def float_ax_client(d: int = 2, minimize: bool = False, **overrides) -> AxClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = AxClient(
            generation_strategy=fast_strategy(**overrides),
            random_seed=0,
            verbose_logging=False,
        )
    client.create_experiment(
        parameters=[
            {"name": f"x{i}", "type": "range", "bounds": [0.0, 1.0]} for i in range(d)
        ],
        objectives={"y": ObjectiveProperties(minimize=minimize)},
    )
    return client
