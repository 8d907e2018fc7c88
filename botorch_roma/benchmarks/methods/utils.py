r"""Shared pieces of the benchmark methods.

- :class:`ContinuousView`: the continuous design space a method optimizes over.
  Continuous tasks are their own view. Discrete tasks are mapped through a
  *relaxation*: the design-baselines logit relaxation ships here (soft one-hot
  probabilities turned into ``V - 1`` logits per position, decoded by argmax),
  and further relaxations plug in with :func:`register_relaxation` (the RoMA
  entries use a relaxation registered as ``"latent"`` before their built-in
  VAE route [Yu2021roma]_).
- :func:`standardize`: the view in z-scored units, through BoTorch's
  ``AffineInputTransform`` (:func:`zscore_transform`).
- :func:`top_k_indices` (the best designs, best first), the one top-``k``
  selection of the methods, and :func:`stratified_subsample` built on it.
- A small MLP proxy trained with the squared error, as in design-baselines
  [Trabucco2022designbench]_: :func:`build_mlp`, :func:`minibatches` (shared
  with COMs' training) and :func:`train_mse_proxy`.
- :func:`record_run_info`: lets a method report the settings it chose during a
  run (e.g. RoMA's offline-selected ``epsilon``); the runner stores them in the
  ``info`` column of the raw results.

The visible/hidden split of a task's dataset is not here: it is
:func:`botorch_roma.datasets.split_visible`, used by every task builder.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
.. [Trabucco2022designbench]
    B. Trabucco, X. Geng, A. Kumar, S. Levine. Design-Bench: Benchmarks for
    Data-Driven Offline Model-Based Optimization. ICML 2022.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import torch
from botorch.exceptions.errors import UnsupportedError
from botorch.models.transforms.input import AffineInputTransform
from torch import Tensor, nn

from botorch_roma.benchmarks.methods.options import ProxyOptions
from botorch_roma.benchmarks.registry import Registry
from botorch_roma.datasets import OfflineTask
from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "MIN_STD",
    "RELAXATIONS",
    "ContinuousView",
    "StandardizedView",
    "build_mlp",
    "collect_run_info",
    "continuous_view",
    "freeze",
    "get_relaxation",
    "logit_relaxation",
    "minibatches",
    "pad_to",
    "proxy_mlp",
    "record_run_info",
    "register_relaxation",
    "standardize",
    "stratified_subsample",
    "top_k_indices",
    "train_mse_proxy",
    "zscore_transform",
]


#: The info dict of the run in progress (per thread / task context).
_RUN_INFO: ContextVar[dict[str, Any] | None] = ContextVar("_RUN_INFO", default=None)


@contextmanager
def collect_run_info() -> Iterator[dict[str, Any]]:
    r"""Collect what :func:`record_run_info` reports inside the ``with`` block.

    Yields:
        A dict that fills with the recorded values (JSON-serializable values
        keep the raw results readable).

    Example:
        >>> with collect_run_info() as info:
        ...     record_run_info(epsilon=0.01)
        >>> info
        {'epsilon': 0.01}
    """
    info: dict[str, Any] = {}
    token = _RUN_INFO.set(info)
    try:
        yield info
    finally:
        _RUN_INFO.reset(token)


def record_run_info(**values: Any) -> None:
    r"""Report settings a method chose during a run (no-op outside a run).

    Args:
        **values: Names and values to record, e.g. ``epsilon=0.01``.
    """
    info = _RUN_INFO.get()
    if info is not None:
        info.update(values)


@dataclass
class ContinuousView:
    r"""A continuous design space for a task.

    Attributes:
        X: ``n x p`` continuous training inputs.
        Y: ``n x 1`` training scores.
        bounds: ``2 x p`` bounds of the space, or ``None`` if unbounded.
        decode: Maps ``m x p`` points of this space to ``m x d`` task designs
            (clamped to the task's bounds, or category ids for discrete tasks).
    """

    X: Tensor
    Y: Tensor
    bounds: Tensor | None
    decode: Callable[[Tensor], Tensor]


#: Relaxations of discrete tasks by name:
#: ``factory(task, seed, smoke) -> ContinuousView``. Unknown names raise
#: BoTorch's ``UnsupportedError``, so the runner records such runs as
#: unsupported.
RELAXATIONS: Registry[Callable[..., ContinuousView]] = Registry(
    "relaxation",
    error=UnsupportedError,
    hint="Register one with botorch_roma.benchmarks.methods.register_relaxation, "
    "or use a method that supports discrete tasks.",
)


def register_relaxation(
    name: str, factory: Callable[..., ContinuousView], replace: bool = False
) -> None:
    r"""Register a relaxation of discrete tasks into a continuous space.

    Args:
        name: The relaxation's name (the RoMA entries use ``"latent"`` if it is
            registered).
        factory: ``factory(task, seed, smoke) -> ContinuousView``.
        replace: Allow replacing an existing relaxation of the same name.
    """
    RELAXATIONS.register(name, factory, replace=replace)


def get_relaxation(name: str) -> Callable[..., ContinuousView]:
    r"""Look up a registered relaxation, raising ``UnsupportedError`` if absent."""
    return RELAXATIONS.get(name)


def logit_relaxation(
    task: OfflineTask,
    seed: int = 0,
    smoke: bool = False,
    soft_interpolation: float = 0.6,
) -> ContinuousView:
    r"""Design-Bench's logit relaxation of a discrete task.

    Each category id becomes the soft one-hot vector
    ``soft_interpolation * onehot + (1 - soft_interpolation) / V``, whose log
    probabilities relative to category 0 give ``V - 1`` logits per position.
    Decoding appends the zero logit of category 0 and takes the argmax.

    Args:
        task: A discrete task with ``n x L`` category ids.
        seed: Unused (the relaxation is deterministic).
        smoke: Unused.
        soft_interpolation: The weight of the one-hot vector.

    Returns:
        A :class:`ContinuousView` with ``p = L * (V - 1)`` dimensions and bounds
        spanning the data's logit range.
    """
    if not task.is_discrete:
        raise RoMAInputError(f"Task {task.name!r} is continuous; no relaxation needed.")
    V, L = int(task.num_categories), task.dim
    dtype = torch.double if not task.Y.is_floating_point() else task.Y.dtype
    onehot = torch.nn.functional.one_hot(task.X.long(), V).to(dtype)
    probs = soft_interpolation * onehot + (1.0 - soft_interpolation) / V
    logits = probs.log()
    logits = (logits[..., 1:] - logits[..., :1]).reshape(task.X.shape[0], -1)
    hi = math.log(soft_interpolation + (1.0 - soft_interpolation) / V)
    lo = math.log((1.0 - soft_interpolation) / V)
    span = hi - lo
    bounds = torch.tensor([[-span], [span]], dtype=dtype, device=task.X.device)
    bounds = bounds.expand(2, logits.shape[-1])

    def decode(Z: Tensor) -> Tensor:
        Z = Z.reshape(Z.shape[0], L, V - 1)
        Z = torch.cat([torch.zeros_like(Z[..., :1]), Z], dim=-1)
        return Z.argmax(dim=-1).to(task.X)

    return ContinuousView(X=logits, Y=task.Y.to(dtype), bounds=bounds, decode=decode)


# Registered on import: the built-in relaxation used by the baselines.
register_relaxation("logits", logit_relaxation)


def continuous_view(
    task: OfflineTask, relaxation: str = "logits", seed: int = 0, smoke: bool = False
) -> ContinuousView:
    r"""The continuous space a gradient- or GP-based method works in.

    Args:
        task: The task.
        relaxation: For discrete tasks, the name of the relaxation to use.
        seed: Seed passed to learned relaxations.
        smoke: Whether to use a tiny budget (passed to learned relaxations).

    Returns:
        The task itself (with clamping decode) for continuous tasks, else the
        relaxation's view.
    """
    if task.is_discrete:
        return get_relaxation(relaxation)(task, seed=seed, smoke=smoke)
    bounds = task.bounds

    def decode(Z: Tensor) -> Tensor:
        Z = Z.to(task.X)
        if bounds is None:
            return Z
        b = bounds.to(Z)
        return torch.minimum(torch.maximum(Z, b[0]), b[1])

    return ContinuousView(X=task.X, Y=task.Y, bounds=bounds, decode=decode)


#: The smallest standard deviation :func:`zscore_transform` divides by.
MIN_STD = 1e-6


def zscore_transform(X: Tensor, min_std: float = MIN_STD) -> AffineInputTransform:
    r"""BoTorch's affine transform that z-scores the columns of ``X``.

    The offset is the column mean and the coefficient the sample standard
    deviation clamped at ``min_std`` (``1`` for a single row). BoTorch's
    ``InputStandardize`` and ``Standardize`` fit the same statistics, but
    computed in another order (``torch.std_mean``, ``nanstd``) they differ
    in the last bits, which is enough to flip some argmax-decoded candidates
    of full-budget runs on discrete tasks; this keeps the benchmark's numbers
    reproducible.

    Args:
        X: ``n x p`` data (``n x 1`` for scores).
        min_std: The smallest standard deviation to divide by.

    Returns:
        The transform (``transform`` z-scores, ``untransform`` maps back).

    Example:
        >>> X = torch.tensor([[0.0], [2.0], [4.0]], dtype=torch.double)
        >>> zscore_transform(X)(X).squeeze(-1).tolist()
        [-1.0, 0.0, 1.0]
    """
    mean = X.mean(dim=0, keepdim=True)
    std = X.std(dim=0, keepdim=True) if X.shape[0] > 1 else torch.ones_like(mean)
    return AffineInputTransform(
        d=X.shape[-1], coefficient=std.clamp_min(min_std), offset=mean
    )


@dataclass
class StandardizedView:
    r"""A :class:`ContinuousView` in z-scored units.

    Attributes:
        view: The view in its own units.
        input_transform: The inputs' z-scoring (see :func:`zscore_transform`).
        X: ``n x p`` z-scored inputs.
        Y: ``n x 1`` z-scored scores.
        bounds: ``2 x p`` z-scored bounds, or ``None``.
    """

    view: ContinuousView
    input_transform: AffineInputTransform
    X: Tensor
    Y: Tensor
    bounds: Tensor | None

    def decode(self, Z: Tensor) -> Tensor:
        r"""Map ``m x p`` z-scored points to ``m x d`` task designs."""
        return self.view.decode(self.input_transform.untransform(Z))


def standardize(
    view: ContinuousView, dtype: torch.dtype | None = None
) -> StandardizedView:
    r"""Z-score a view's inputs, scores and bounds (see :func:`zscore_transform`).

    Args:
        view: The view.
        dtype: Cast the data to this dtype first (default: keep it).

    Returns:
        The :class:`StandardizedView`.
    """
    X, Y = view.X, view.Y
    if dtype is not None:
        X, Y = X.to(dtype), Y.to(dtype)
    x_tf = zscore_transform(X)
    Yz = zscore_transform(Y)(Y)
    bounds = None if view.bounds is None else x_tf(view.bounds.to(X))
    return StandardizedView(view, x_tf, x_tf(X), Yz, bounds)


def top_k_indices(Y: Tensor, k: int) -> Tensor:
    r"""Indices of the ``k`` highest scores (best first; NaN scores last).

    Args:
        Y: ``n x 1`` (or ``n``) scores.
        k: How many; capped at ``n``.

    Returns:
        A ``min(k, n)`` index tensor.
    """
    y = Y.reshape(-1)
    y = torch.where(torch.isnan(y), torch.full_like(y, -math.inf), y)
    return torch.topk(y, min(k, y.shape[0])).indices


def pad_to(X: Tensor, n: int) -> Tensor:
    r"""Repeat the rows of an ``m x d`` tensor cyclically to exactly ``n`` rows."""
    if X.shape[0] == 0:
        raise RoMAInputError("Cannot pad an empty set of candidates.")
    if X.shape[0] >= n:
        return X[:n]
    reps = math.ceil(n / X.shape[0])
    return X.repeat(reps, *([1] * (X.dim() - 1)))[:n]


def stratified_subsample(
    Y: Tensor, max_points: int, generator: torch.Generator | None = None
) -> Tensor:
    r"""Indices of at most ``max_points`` rows: the best half and a random rest.

    Exact GPs scale cubically in the number of points, so large offline datasets
    are subsampled: the top ``max_points // 2`` rows by score are kept (where an
    acquisition function looks), and the rest is a uniform sample of the
    remaining rows (for the global fit).

    Args:
        Y: ``n x 1`` scores.
        max_points: The subsample size.
        generator: Random generator for the uniform part.

    Returns:
        A sorted index tensor with ``min(n, max_points)`` entries.
    """
    n = Y.shape[0]
    if n <= max_points:
        return torch.arange(n)
    top = top_k_indices(Y, max_points // 2)
    mask = torch.ones(n, dtype=torch.bool)
    mask[top] = False
    rest = mask.nonzero().squeeze(-1)
    perm = torch.randperm(rest.shape[0], generator=generator)
    chosen = rest[perm[: max_points - top.shape[0]]]
    return torch.cat([top, chosen]).sort().values


#: The proxies' activations (the choices of ``ProxyOptions.activation``).
_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "softplus": nn.Softplus,
    "tanh": nn.Tanh,
}


def build_mlp(
    in_features: int,
    hidden_sizes: Sequence[int] = (256, 256),
    activation: str = "leaky_relu",
    dtype: torch.dtype = torch.double,
    device: torch.device | str | None = None,
) -> nn.Sequential:
    r"""A plain MLP ``in_features -> hidden_sizes -> 1``.

    Args:
        in_features: The input dimension.
        hidden_sizes: Widths of the hidden layers.
        activation: One of ``relu``, ``leaky_relu``, ``softplus``, ``tanh``.
        dtype: The weights' dtype.
        device: The weights' device.

    Returns:
        An ``nn.Sequential`` mapping ``batch x in_features`` to ``batch x 1``.
    """
    if activation not in _ACTIVATIONS:
        raise RoMAInputError(
            f"Unknown activation {activation!r}; choose one of {sorted(_ACTIVATIONS)}."
        )
    layers: list[nn.Module] = []
    sizes = [in_features, *hidden_sizes]
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), _ACTIVATIONS[activation]()]
    layers.append(nn.Linear(sizes[-1], 1))
    return nn.Sequential(*layers).to(dtype=dtype, device=device)


def proxy_mlp(options: ProxyOptions, X: Tensor) -> nn.Sequential:
    r"""A new MLP proxy for ``n x p`` inputs ``X`` (on their dtype and device)."""
    return build_mlp(
        X.shape[-1], options.hidden_sizes, options.activation, X.dtype, X.device
    )


def freeze(model: nn.Module) -> nn.Module:
    r"""Put a trained proxy in eval mode and stop tracking its weights' grads."""
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def minibatches(
    X: Tensor,
    Y: Tensor,
    batch_size: int,
    noise_std: float = 0.0,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[Tensor, Tensor, Tensor]]:
    r"""One epoch of shuffled minibatches, with optional Gaussian input noise.

    Args:
        X: ``n x p`` inputs.
        Y: ``n x 1`` scores.
        batch_size: Minibatch size.
        noise_std: Standard deviation of the noise added to every minibatch.
        generator: Random generator for the shuffling and the noise.

    Yields:
        ``(indices, inputs, scores)`` of each minibatch.
    """
    perm = torch.randperm(X.shape[0], generator=generator).to(X.device)
    for start in range(0, X.shape[0], batch_size):
        idx = perm[start : start + batch_size]
        xb = X[idx]
        if noise_std > 0:
            noise = torch.randn(xb.shape, generator=generator, dtype=xb.dtype)
            xb = xb + noise_std * noise.to(xb.device)
        yield idx, xb, Y[idx]


def train_mse_proxy(
    model: nn.Module,
    X: Tensor,
    Y: Tensor,
    options: ProxyOptions | Mapping[str, Any] | None = None,
    generator: torch.Generator | None = None,
    **overrides: Any,
) -> list[float]:
    r"""Train a proxy with the mean squared error (Adam, shuffled minibatches).

    Args:
        model: Maps ``batch x p`` to ``batch x 1``.
        X: ``n x p`` standardized inputs.
        Y: ``n x 1`` standardized scores.
        options: The proxy's :class:`~.options.ProxyOptions` (training uses
            ``epochs``, ``lr`` and ``batch_size``).
        generator: Random generator for shuffling.
        **overrides: Options that take precedence over ``options``.

    Returns:
        The mean training loss of each epoch.
    """
    options = ProxyOptions.from_dict(options, **overrides)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr)
    n = X.shape[0]
    history = []
    for _ in range(options.epochs):
        total = 0.0
        for idx, xb, yb in minibatches(X, Y, options.batch_size, generator=generator):
            loss = (model(xb) - yb).square().mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * idx.shape[0]
        history.append(total / n)
    return history
