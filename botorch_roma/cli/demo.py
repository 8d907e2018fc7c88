r"""``botorch-roma demo``: RoMA on the built-in dataset through BoTorch.

Fits a :class:`~botorch_roma.models.roma.RoMAModel`, runs
:func:`~botorch_roma.generation.gen.optimize_roma` and reports the
candidates' predicted and *true* scores against the dataset's top designs
(the built-in dataset has a known oracle, :mod:`botorch_roma.datasets`).
"""

from __future__ import annotations

from typing import Any

import click
import pandas as pd
import torch
from botorch.exceptions.errors import UnsupportedError

from botorch_roma.cli.flags import collect_options, roma_flags
from botorch_roma.cli.output import check_output, overwrite_flag, write_csv
from botorch_roma.datasets import BUILTIN_DATASET, OfflineTask, make_synthetic_task
from botorch_roma.exceptions import RoMAError
from botorch_roma.generation.gen import optimize_roma, select_starting_designs
from botorch_roma.models.roma import RoMAModel, check_seed
from botorch_roma.options import AscentOptions, PretrainingOptions, resolve_device

__all__ = ["demo"]


def _report(task: OfflineTask, model: RoMAModel, X: torch.Tensor, predicted) -> None:
    r"""Print the candidates' true and predicted scores against the top-n."""
    n = X.shape[0]
    true = task.evaluate(X).squeeze(-1)
    order = task.Y.squeeze(-1).argsort(descending=True)[:n]
    top = task.Y.squeeze(-1)[order]
    with torch.no_grad():
        top_predicted = model.posterior(task.X[order]).mean.squeeze(-1)
    rows = pd.DataFrame(
        {
            "": [f"dataset top-{n}", f"RoMA candidates ({n})"],
            "true median": [top.median().item(), true.median().item()],
            "true max": [top.max().item(), true.max().item()],
            "predicted median": [
                top_predicted.median().item(),
                predicted.median().item(),
            ],
            "normalized p50": [
                task.normalize(top.median()).item(),
                task.normalize(true.median()).item(),
            ],
            "normalized p100": [
                task.normalize(top.max()).item(),
                task.normalize(true.max()).item(),
            ],
        }
    )
    click.echo(rows.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    gain = true.median().item() - top.median().item()
    click.echo(
        f"Median true score {'+' if gain >= 0 else ''}{gain:.2f} vs the dataset's "
        f"top-{n} (normalized scores use the full dataset's min/max, including "
        "its hidden top 20%)."
    )


@click.command("demo")
@click.option("--function", default=BUILTIN_DATASET["function"], show_default=True)
@click.option("--dim", default=BUILTIN_DATASET["dim"], show_default=True)
@click.option("--n-total", default=BUILTIN_DATASET["n_total"], show_default=True)
@click.option("-n", "--n", "n", default=128, show_default=True, help="Candidates.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option(
    "-o", "--output", "--out", "output", type=click.Path(dir_okay=False), help="CSV."
)
@overwrite_flag
@click.option(
    "--device",
    default=None,
    help="Torch device of the fit and the ascent: cpu, cuda, cuda:N, or auto "
    "(CUDA when available). Default: the CPU.",
)
@click.option("--quiet", "--no-progress", "quiet", is_flag=True, help="No bars.")
@roma_flags
def demo(**flags: Any) -> None:
    r"""Run RoMA on a built-in offline task and score it with the true oracle.

    The default dataset is 10-d Styblinski-Tang: 1,600 visible rows, the
    bottom 80% of 2,000 uniform samples.
    """
    pretraining, ascent = collect_options(flags, PretrainingOptions, AscentOptions)
    if flags["output"]:
        check_output(flags["output"], flags["overwrite"])
    try:
        resolve_device(flags["device"])  # before any work
        _run(flags, pretraining, ascent)
    except (RoMAError, UnsupportedError) as e:
        raise click.ClickException(str(e)) from e


def _run(
    flags: dict[str, Any], pretraining: dict[str, Any], ascent: dict[str, Any]
) -> None:
    pretraining = PretrainingOptions.overrides(pretraining)
    ascent = AscentOptions.overrides(ascent)
    seed, n, progress = check_seed(flags["seed"]), flags["n"], not flags["quiet"]
    torch.manual_seed(seed)
    task = make_synthetic_task(
        flags["function"], dim=flags["dim"], n_total=flags["n_total"], seed=0
    )
    select_starting_designs(task.X, task.Y, n)  # checks n before the fit
    click.echo(
        f"Task {task.name}: {task.X.shape[0]} visible designs in {task.dim} dims; "
        f"best visible score {task.Y.max().item():.2f}."
    )
    device = resolve_device(flags["device"])
    data = (task.X, task.Y, task.bounds)
    if device is not None:  # the model and the ascent follow their inputs
        data = tuple(t.to(device) for t in data)
    model = RoMAModel(data[0], data[1], **pretraining).fit(seed=seed, progress=progress)
    X, predicted = optimize_roma(
        model, bounds=data[2], n=n, seed=seed, progress=progress, **ascent
    )
    X, predicted = X.cpu(), predicted.cpu()
    _report(task, model, X, predicted)
    if flags["output"]:
        frame = pd.DataFrame(
            X.cpu().numpy(), columns=[f"x{i}" for i in range(task.dim)]
        )
        frame["predicted"] = predicted.cpu().numpy()
        frame["true"] = task.evaluate(X).squeeze(-1).cpu().numpy()
        write_csv(frame, flags["output"], flags["overwrite"])
        click.echo(f"Wrote {n} candidates to {flags['output']}.")
