r"""The ``botorch-roma`` command line.

``botorch-roma demo`` fits RoMA on a built-in offline task with a true oracle and
reports the candidates' predicted and true scores against the dataset's best.
Other subcommands (``design``, ``benchmark``) are registered by their
subpackages when those are installed.
"""

from __future__ import annotations

import click
import pandas as pd
import torch

from botorch_roma.benchmarks.cli import benchmark
from botorch_roma.benchmarks.tasks.synthetic import DEFAULT_TASK, make_synthetic_task
from botorch_roma.generation.adaptation import ADAPTATION_MODES
from botorch_roma.generation.gen import optimize_roma
from botorch_roma.models.roma import RoMAModel

__all__ = ["main"]


@click.group()
def main() -> None:
    r"""RoMA (Robust Model Adaptation) for offline batch design."""


@main.command()
@click.option("--function", default=DEFAULT_TASK["function"], show_default=True)
@click.option("--dim", default=DEFAULT_TASK["dim"], show_default=True)
@click.option("--n-total", default=DEFAULT_TASK["n_total"], show_default=True)
@click.option("-n", "--n", "n", default=128, show_default=True, help="Candidates.")
@click.option("--steps", default=100, show_default=True, help="Ascent updates T.")
@click.option("--adapt-steps", default=100, show_default=True)
@click.option(
    "--adaptation",
    type=click.Choice(ADAPTATION_MODES),
    default="per_candidate",
    show_default=True,
)
@click.option("--epochs", type=int, default=None, help="Default: automatic.")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="CSV.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo(
    function: str,
    dim: int,
    n_total: int,
    n: int,
    steps: int,
    adapt_steps: int,
    adaptation: str,
    epochs: int | None,
    seed: int,
    out: str | None,
    quiet: bool,
) -> None:
    r"""Run RoMA on a built-in offline task and score it with the true oracle.

    The default dataset is 10-d Styblinski-Tang: 1,600 visible rows, the
    bottom 80% of 2,000 uniform samples.
    """
    torch.manual_seed(seed)
    task = make_synthetic_task(function, dim=dim, n_total=n_total, seed=0)
    click.echo(
        f"Task {task.name}: {task.X.shape[0]} visible designs in {task.dim} dims; "
        f"best visible score {task.Y.max().item():.2f}."
    )
    model = RoMAModel(task.X, task.Y, epochs=epochs).fit(seed=seed, progress=not quiet)
    X, predicted = optimize_roma(
        model,
        bounds=task.bounds,
        n=n,
        seed=seed,
        steps=steps,
        adapt_steps=adapt_steps,
        adaptation=adaptation,
        progress=not quiet,
    )
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
    if out:
        frame = pd.DataFrame(X.cpu().numpy(), columns=[f"x{i}" for i in range(dim)])
        frame["predicted"] = predicted.cpu().numpy()
        frame["true"] = true.cpu().numpy()
        frame.to_csv(out, index=False)
        click.echo(f"Wrote {n} candidates to {out}.")


# Subcommands of the subpackages: `benchmark` always, `design` when the `ax`
# extra is installed.
try:
    from botorch_roma.ax.cli import design
except ImportError:  # pragma: no cover - the `ax` extra is not installed
    design = None
if design is not None:
    main.add_command(design)
main.add_command(benchmark)


if __name__ == "__main__":
    main()
