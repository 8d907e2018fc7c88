r"""How far to trust a batch of RoMA designs: a trust report.

Before a batch goes to the lab, three questions can be answered without an
oracle:

- **Does the proxy predict rows it has not seen?** The rows held out of the
  fit (``model.validation_indices``) give an out-of-sample R² and Spearman
  correlation, and, for an ensemble, whether its spread ranks its errors.
- **Where do the designs' predictions sit against the data?** A prediction
  far above the best measured score is an extrapolation the proxy has no
  evidence for (RoMA's trust radius bounds it, it does not remove it).
- **How far did the designs move** from their starting designs, in
  standardized input units (the proxy is least reliable far from the data)?

:func:`trust_report` computes these and :class:`TrustReport` writes them as
Markdown (with a PNG of predicted against actual held-out scores when
matplotlib is installed) and as a few summary lines; warnings name what to
check. The thresholds are :data:`MIN_SPEARMAN` and :data:`MAX_EXCESS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr
from torch import Tensor

from botorch_roma.models.roma import RoMAProxy

__all__ = ["MAX_EXCESS", "MIN_SPEARMAN", "TrustReport", "heldout_fit", "trust_report"]

#: A held-out Spearman correlation below this warns: the proxy barely ranks
#: designs it has not seen.
MIN_SPEARMAN = 0.3
#: Predictions more than this many data standard deviations above the best
#: measured score warn: an extrapolation without evidence.
MAX_EXCESS = 2.0


@dataclass
class TrustReport:
    r"""The numbers behind a batch's trust report (see :func:`trust_report`).

    Attributes:
        heldout_actual: ``m`` held-out scores (empty if none were held out).
        heldout_predicted: ``m`` predictions at them.
        heldout_std: ``m`` predicted standard deviations (ensemble), else
            ``None``.
        r2: Out-of-sample R² on the held-out rows (``nan`` if none).
        spearman: Spearman correlation of predicted and actual held-out scores.
        spread_spearman: Spearman correlation of the predicted standard
            deviation and the absolute error (ensemble), else ``None``.
        predicted: ``n`` predicted scores of the designs.
        predicted_std: ``n`` predicted standard deviations, else ``None``.
        data_quantiles: The data's min, median, 90th percentile and max score.
        data_std: The data's score standard deviation.
        moved: ``n`` distances of the designs from their starts in
            standardized input units, or ``None``.
        warnings: Plain-language warnings.
        nearest: ``n`` distances of the designs from the nearest design in
            the data, in standardized units of the numeric inputs, or ``None``.
    """

    heldout_actual: np.ndarray
    heldout_predicted: np.ndarray
    heldout_std: np.ndarray | None
    r2: float
    spearman: float
    spread_spearman: float | None
    predicted: np.ndarray
    predicted_std: np.ndarray | None
    data_quantiles: dict[str, float]
    data_std: float
    moved: np.ndarray | None
    warnings: list[str] = field(default_factory=list)
    nearest: np.ndarray | None = None

    @classmethod
    def build(
        cls,
        heldout_actual: np.ndarray,
        heldout_predicted: np.ndarray,
        heldout_std: np.ndarray | None,
        predicted: np.ndarray,
        predicted_std: np.ndarray | None,
        data_y: np.ndarray,
        moved: np.ndarray | None = None,
        nearest: np.ndarray | None = None,
    ) -> TrustReport:
        r"""Build a report from arrays, e.g. predictions made through Ax.

        Args:
            heldout_actual: ``m`` held-out scores.
            heldout_predicted: ``m`` predictions at them.
            heldout_std: ``m`` predicted standard deviations, or ``None``.
            predicted: ``n`` predicted scores of the designs.
            predicted_std: ``n`` predicted standard deviations, or ``None``.
            data_y: ``N`` scores of the data.
            moved: ``n`` distances moved from the starts, or ``None``.
            nearest: ``n`` distances from the nearest design in the data, or
                ``None``.

        Returns:
            The report, with its warnings.
        """
        actual, pred, std, y = heldout_actual, heldout_predicted, heldout_std, data_y
        r2 = float("nan")
        if len(actual) > 1 and actual.var() > 0:
            r2 = float(1.0 - ((pred - actual) ** 2).mean() / actual.var())
        spread = None if std is None else _spearman(std, np.abs(pred - actual))
        quantiles = {
            "min": float(y.min()),
            "median": float(np.median(y)),
            "p90": float(np.quantile(y, 0.9)),
            "max": float(y.max()),
        }
        report = cls(
            heldout_actual=actual,
            heldout_predicted=pred,
            heldout_std=std,
            r2=r2,
            spearman=_spearman(pred, actual),
            spread_spearman=spread,
            predicted=predicted,
            predicted_std=predicted_std,
            data_quantiles=quantiles,
            data_std=float(y.std()),
            moved=moved,
            nearest=nearest,
        )
        report.warnings = _warnings(report)
        return report

    def summary(self) -> list[str]:
        r"""A few lines for the end of a run."""
        q = self.data_quantiles
        lines = []
        if len(self.heldout_actual):
            lines.append(
                f"Held-out fit ({len(self.heldout_actual)} rows not used in "
                f"training): R2 {self.r2:.2f}, Spearman {self.spearman:.2f}"
                + (
                    ""
                    if self.spread_spearman is None
                    else f", spread vs error Spearman {self.spread_spearman:.2f}"
                )
                + "."
            )
        else:
            lines.append("No rows were held out, so the fit is not checked.")
        lines.append(
            f"Designs' predicted scores: median {np.median(self.predicted):.4g}, "
            f"max {self.predicted.max():.4g} (data: median {q['median']:.4g}, "
            f"max {q['max']:.4g}); {self.above_data()} of {len(self.predicted)} "
            "predicted above the data's best."
        )
        if self.moved is not None:
            lines.append(
                f"Moved from their starting designs: median {np.median(self.moved):.2f}"
                f", max {self.moved.max():.2f} standardized units."
            )
        if self.nearest is not None:
            lines.append(
                "Distance to the nearest design in the data: median "
                f"{np.median(self.nearest):.2f}, max {self.nearest.max():.2f} "
                "standardized units (numeric inputs; 0 = a design already in the "
                "data)."
            )
        lines += [f"Warning: {w}" for w in self.warnings]
        return lines

    def above_data(self) -> int:
        r"""How many designs are predicted above the data's best score."""
        return int((self.predicted > self.data_quantiles["max"]).sum())

    def to_markdown(self, path: str | Path, plot: bool = True) -> Path:
        r"""Write the report as Markdown (and a PNG next to it, if possible).

        Args:
            path: The ``.md`` file to write.
            plot: Also write ``<stem>.png``, predicted against actual held-out
                scores (needs matplotlib; skipped with a note otherwise).

        Returns:
            The path written.
        """
        path = Path(path)
        lines = ["# Trust report", ""] + [f"- {line}" for line in self.summary()]
        lines += ["", "| data score | value |", "|---|---:|"]
        lines += [f"| {k} | {v:.4g} |" for k, v in self.data_quantiles.items()]
        if plot and len(self.heldout_actual):
            png = path.with_suffix(".png")
            if self._plot(png):
                lines += ["", f"![Held-out predictions]({png.name})"]
            else:
                lines += ["", "(Install matplotlib for the held-out plot.)"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def _plot(self, png: Path) -> bool:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return False
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.errorbar(
            self.heldout_actual,
            self.heldout_predicted,
            yerr=self.heldout_std,
            fmt="o",
            ms=3,
            alpha=0.6,
        )
        lo = min(self.heldout_actual.min(), self.heldout_predicted.min())
        hi = max(self.heldout_actual.max(), self.heldout_predicted.max())
        ax.plot([lo, hi], [lo, hi], "k--", lw=1)
        ax.set_xlabel("actual (held out)")
        ax.set_ylabel("predicted")
        ax.set_title(f"R2 {self.r2:.2f}, Spearman {self.spearman:.2f}")
        fig.tight_layout()
        fig.savefig(png, dpi=120)
        plt.close(fig)
        return True


def _mean_std(model: RoMAProxy, X: Tensor) -> tuple[np.ndarray, np.ndarray | None]:
    with torch.no_grad():
        post = model.posterior(X)
    mean = post.mean.squeeze(-1).cpu().double().numpy()
    if model.options.num_models < 2:
        return mean, None
    return mean, post.variance.sqrt().squeeze(-1).cpu().double().numpy()


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def trust_report(
    model: RoMAProxy, designs: Tensor, starts: Tensor | None = None
) -> TrustReport:
    r"""Build the trust report of a batch of designs.

    Args:
        model: The fitted :class:`~botorch_roma.models.roma.RoMAModel` or
            :class:`~botorch_roma.models.ensemble.RoMAEnsembleModel` that
            proposed the designs.
        designs: ``n x d`` designs (in the model's original input space).
        starts: Optional ``n x d`` starting designs of the ascent (for
            ``optimize_roma``, the top-``n`` distinct designs).

    Returns:
        A :class:`TrustReport`.

    Example:
        >>> model = RoMAModel(train_X, train_Y).fit(seed=0)
        >>> X, _ = optimize_roma(model, bounds=bounds, n=16, seed=0)
        >>> print("\n".join(trust_report(model, X).summary()))
    """
    predicted, predicted_std = _mean_std(model, designs.to(model.train_X))
    moved = None
    if starts is not None:
        scale = model.train_X.std(0).clamp_min(1e-12)
        moved = ((designs - starts) / scale).norm(dim=-1).cpu().double().numpy()
    return TrustReport.build(
        *heldout_fit(model),
        predicted=predicted,
        predicted_std=predicted_std,
        data_y=model.train_Y.squeeze(-1).cpu().double().numpy(),
        moved=moved,
    )


def heldout_fit(model: RoMAProxy) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    r"""The rows held out of the model's fit: actual and predicted scores.

    Args:
        model: A fitted RoMA proxy.

    Returns:
        A three-element tuple of ``m`` actual scores, ``m`` predictions and
        ``m`` predicted standard deviations (``None`` for a single proxy), in
        the model's outcome units.
    """
    idx = model.validation_indices
    actual = model.train_Y[idx].squeeze(-1).cpu().double().numpy()
    return actual, *_mean_std(model, model.train_X[idx])


def _warnings(report: TrustReport) -> list[str]:
    out = []
    if len(report.heldout_actual) == 0:
        out.append(
            "no held-out rows, so the proxy's fit is unchecked; set val_size "
            "(e.g. 10% of the rows) to check it."
        )
    elif not report.spearman >= MIN_SPEARMAN:
        out.append(
            f"the proxy ranks held-out rows poorly (Spearman {report.spearman:.2f} "
            f"< {MIN_SPEARMAN}); treat its designs as exploratory."
        )
    limit = report.data_quantiles["max"] + MAX_EXCESS * report.data_std
    far = int((report.predicted > limit).sum())
    if far:
        out.append(
            f"{far} design(s) are predicted more than {MAX_EXCESS} data standard "
            "deviations above the best measured score: extrapolations with no "
            "data behind them."
        )
    return out
