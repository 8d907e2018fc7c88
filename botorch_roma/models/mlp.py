r"""A functional softplus MLP with analytic input gradients.

RoMA's proxy is a small multi-layer perceptron ``f(x; theta)`` [Yu2021roma]_.
Both of RoMA's inner problems need more than a forward pass:

- the adapted ascent needs the input gradient ``grad_x f(x; theta)``, and
- the model adaptation needs the gradient, with respect to the weights, of
  ``||grad_x f(x; theta)||_2 + alpha * (f(x; theta) - target)^2``, i.e. a
  second-order (double-backprop) quantity.

For a softplus MLP both have closed forms, written out here as a handful of
batched matrix products. The weights are plain tensors in a flat list
``[W_1, b_1, ..., W_L, b_L]`` with ``W_l`` of shape ``in x out``. Every function
also accepts *per-candidate* weights, with an extra leading dimension ``n``
(``n x in x out`` and ``n x out``), one weight set per row of the input. This is
how all candidates are adapted at once without a Python loop.

With ``members=True`` every weight carries one more leading dimension ``m``, one
ensemble member per slice: member-stacked shared weights are ``m x in x out``
and ``m x out``, member-stacked per-candidate weights ``m x n x in x out`` and
``m x n x out``. The input is ``n x d`` (shared by the members) or ``m x n x d``,
and the outputs are ``m x n x ...``.

A per-candidate first-layer kernel may also be a :class:`SpanKernel`, the
factored form ``W_0 (I + Q_i) + x_i p_i^T`` that the per-candidate adaptation
produces (its size does not grow with ``d``).

The gradient of the adaptation objective with respect to a per-candidate weight
matrix is a sum of two outer products (one from the forward pass, one from the
input-gradient pass), so it is never materialized: its Frobenius norm is
computed from inner products, and the normalized step is applied as a batched
rank-2 update.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn.functional import softplus

__all__ = [
    "AdaptationGrads",
    "SpanKernel",
    "adaptation_grads",
    "compute_dtype_of",
    "init_mlp_params",
    "mlp_forward",
    "mlp_value_and_input_grad",
]

_NORM_EPS = 1e-12


def compute_dtype_of(name: str | None, like: Tensor) -> torch.dtype:
    r"""The torch dtype of a ``compute_dtype`` option.

    Args:
        name: ``"float32"``, ``"float64"`` or ``None`` (the dtype of ``like``).
        like: A tensor whose dtype ``None`` stands for.

    Returns:
        The dtype the inner loops run in.

    Example:
        >>> compute_dtype_of("float32", torch.zeros(1, dtype=torch.double))
        torch.float32
    """
    return like.dtype if name is None else getattr(torch, name)


def init_mlp_params(
    in_features: int,
    hidden_sizes: Sequence[int],
    out_features: int = 1,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.double,
    device: torch.device | str | None = None,
) -> list[Tensor]:
    r"""Initialize MLP weights: Glorot-uniform kernels and zero biases.

    Args:
        in_features: The input dimension ``d``.
        hidden_sizes: Widths of the hidden layers.
        out_features: The output dimension.
        generator: Optional random generator (on ``device``) for seeding.
        dtype: The weights' dtype.
        device: The weights' device.

    Returns:
        A list ``[W_1, b_1, ..., W_L, b_L]`` with ``W_l`` of shape ``in x out``.

    Example:
        >>> params = init_mlp_params(5, (64, 64))
        >>> [p.shape for p in params][:2]
        [torch.Size([5, 64]), torch.Size([64])]
    """
    sizes = [in_features, *hidden_sizes, out_features]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        W = torch.rand(fan_in, fan_out, generator=generator, dtype=dtype, device=device)
        params.append((2.0 * W - 1.0) * limit)
        params.append(torch.zeros(fan_out, dtype=dtype, device=device))
    return params


@dataclass
class SpanKernel:
    r"""A factored per-candidate kernel ``W_i = W_0 (I + Q_i) + x_i p_i^T``.

    RoMA's per-candidate adaptation only ever moves the first kernel along
    ``x_i`` and the range of ``W_0`` (see
    :mod:`botorch_roma.generation.adaptation`), so each candidate's kernel is
    stored in ``O(H^2)`` instead of ``O(d H)``.

    Attributes:
        base: The shared ``d x H`` kernel ``W_0`` (``m x d x H`` for members).
        coef: ``batch x H x H`` coefficients ``Q_i``.
        x: ``batch x d`` candidates ``x_i`` (broadcastable, e.g. ``n x d``
            for ``m x n`` members and candidates).
        p: ``batch x H`` coefficients ``p_i``.
    """

    base: Tensor
    coef: Tensor
    x: Tensor
    p: Tensor

    @property
    def dtype(self) -> torch.dtype:
        r"""The dtype of the coefficients."""
        return self.coef.dtype

    @property
    def shape(self) -> torch.Size:
        r"""The shape ``batch x d x H`` of the dense kernels."""
        return torch.Size([*self.coef.shape[:-2], *self.base.shape[-2:]])

    def left(self, h: Tensor) -> Tensor:
        r"""``h_i W_i`` for a ``batch x d`` input."""
        hw = torch.matmul(h, self.base)
        return hw + _vec_mat(hw, self.coef) + (h * self.x).sum(-1, True) * self.p

    def right(self, u: Tensor) -> Tensor:
        r"""``W_i u_i`` for a ``batch x H`` vector (a ``batch x d`` result)."""
        w = u + _vec_mat(u, self.coef.transpose(-1, -2))
        proj = torch.matmul(w, self.base.transpose(-1, -2))
        return proj + (self.p * u).sum(-1, True) * self.x

    def dense(self) -> Tensor:
        r"""The dense ``batch x d x H`` kernels."""
        base = self.base.unsqueeze(-3) if self.base.dim() == 3 else self.base
        outer = self.x.unsqueeze(-1) * self.p.unsqueeze(-2)
        return base + torch.matmul(base, self.coef) + outer

    def to(self, *args, **kwargs) -> SpanKernel:
        r"""A copy with every tensor moved/cast as ``Tensor.to``."""
        return SpanKernel(
            *(t.to(*args, **kwargs) for t in (self.base, self.coef, self.x, self.p))
        )


def _vec_mat(v: Tensor, W: Tensor) -> Tensor:
    r"""Per-row ``v_i W_i``: ``batch x in`` times ``batch x in x out``."""
    return torch.matmul(v.unsqueeze(-2), W).squeeze(-2)


def _per_candidate(W: Tensor | SpanKernel, members: bool) -> bool:
    return isinstance(W, SpanKernel) or W.dim() - int(members) == 3


def _linear(h: Tensor, W: Tensor, b: Tensor, members: bool = False) -> Tensor:
    r"""``h @ W + b`` for shared (``in x out``) or per-row (``n x in x out``) W."""
    if isinstance(W, SpanKernel):
        return W.left(h) + b
    if W.dim() == 2:
        return torch.matmul(h, W) + b
    if W.dim() == 3 and not members:
        return torch.baddbmm(b.unsqueeze(-2), h.unsqueeze(-2), W).squeeze(-2)
    if _per_candidate(W, members):
        return _vec_mat(h, W) + b
    return torch.matmul(h, W) + b.unsqueeze(-2)


def _linear_t(v: Tensor, W: Tensor, members: bool = False) -> Tensor:
    r"""``v @ W^T`` for shared or per-row W (back-propagation through a layer)."""
    if isinstance(W, SpanKernel):
        return W.right(v)
    if not _per_candidate(W, members):
        return torch.matmul(v, W.transpose(-1, -2))
    return _vec_mat(v, W.transpose(-1, -2))


def mlp_forward(params: Sequence[Tensor], X: Tensor, members: bool = False) -> Tensor:
    r"""Evaluate the MLP.

    Args:
        params: ``[W_1, b_1, ..., W_L, b_L]``; shared weights (``in x out``)
            accept any ``batch_shape x d`` input, per-candidate weights
            (``n x in x out``) need an ``n x d`` input.
        X: A ``batch_shape x d`` input.
        members: Whether the weights carry a leading ensemble-member dimension
            ``m``; X is then ``n x d`` or ``m x n x d`` (generally, a batch
            shape that broadcasts with ``m`` as its last dimension).

    Returns:
        A ``batch_shape x out`` output (``m x n x out`` for members).
    """
    h = X
    n_layers = len(params) // 2
    for layer in range(n_layers):
        a = _linear(h, params[2 * layer], params[2 * layer + 1], members)
        h = softplus(a) if layer < n_layers - 1 else a
    return h


@dataclass
class _Cache:
    r"""Intermediate values of the forward and input-gradient passes."""

    hs: list[Tensor]  # inputs of each layer: h_0 = x, h_1, ..., h_{L-1}
    ss: list[Tensor]  # sigmoid(a_l) for the hidden layers
    vs: list[Tensor]  # input-gradient adjoints v_l = df/dh_l, v_0 = grad_x f
    us: list[Tensor]  # u_l = s_l * v_l (df/da_l)


def _value_and_input_grad(
    params: Sequence[Tensor], X: Tensor, members: bool = False
) -> tuple:
    n_layers = len(params) // 2
    hs, ss = [X], []
    h = X
    for layer in range(n_layers - 1):
        a = _linear(h, params[2 * layer], params[2 * layer + 1], members)
        ss.append(torch.sigmoid(a))
        h = softplus(a)
        hs.append(h)
    W_out, b_out = params[-2], params[-1]
    f = _linear(h, W_out, b_out, members)[..., 0]
    # df/dh_{L-1} is the first column of the output kernel.
    v = W_out[..., 0]
    if not _per_candidate(W_out, members):
        v = v.unsqueeze(-2)
    v = v.expand(h.shape)
    vs, us = [v], []
    for layer in reversed(range(n_layers - 1)):
        u = ss[layer] * v
        v = _linear_t(u, params[2 * layer], members)
        us.append(u)
        vs.append(v)
    vs.reverse()  # vs[l] = df/dh_l, vs[0] = grad_x f
    us.reverse()  # us[l] = df/da_{l+1} for hidden layer l
    return f, vs[0], _Cache(hs=hs, ss=ss, vs=vs, us=us)


def mlp_value_and_input_grad(
    params: Sequence[Tensor], X: Tensor, members: bool = False
) -> tuple[Tensor, Tensor]:
    r"""The MLP's first output and its analytic gradient with respect to X.

    Args:
        params: Shared or per-candidate weights (see :func:`mlp_forward`).
        X: A ``batch_shape x d`` input (``n x d`` for per-candidate weights).
        members: Whether the weights carry a leading member dimension ``m``.

    Returns:
        A two-element tuple of the ``batch_shape`` values ``f(X)[..., 0]`` and
        the ``batch_shape x d`` input gradients ``grad_x f`` (``m x n`` and
        ``m x n x d`` for members).
    """
    f, g, _ = _value_and_input_grad(params, X, members)
    return f, g


@dataclass
class AdaptationGrads:
    r"""Gradients of the adaptation objective with respect to the weights.

    For hidden layer ``l`` the per-candidate kernel gradient is
    ``kernel_left[l][0] kernel_right[l][0]^T + kernel_left[l][1]
    kernel_right[l][1]^T``; in shared mode ``dense[2 l]`` holds it instead.

    Attributes:
        loss: ``n`` per-candidate objective values.
        values: ``n`` MLP outputs ``f(x_i)``.
        input_grads: ``n x d`` input gradients ``grad_x f(x_i)``.
        dense: Per-parameter gradients that are materialized (all of them in
            shared mode; biases and the output kernel in per-candidate mode).
        kernel_left: Per hidden layer, the two ``n x in`` left factors.
        kernel_right: Per hidden layer, the two ``n x out`` right factors.
    """

    loss: Tensor
    values: Tensor
    input_grads: Tensor
    dense: list[Tensor | None]
    kernel_left: list[tuple[Tensor, Tensor]]
    kernel_right: list[tuple[Tensor, Tensor]]


def adaptation_grads(
    params: Sequence[Tensor],
    X: Tensor,
    target: Tensor,
    alpha: float,
    shared: bool,
    members: bool = False,
) -> AdaptationGrads:
    r"""Analytic gradient of RoMA's adaptation objective (paper Eq. 2).

    The objective per candidate is
    ``L_i = ||grad_x f(x_i)||_2 + alpha * (f(x_i) - target_i)^2``.
    With ``shared=False`` (per-candidate weights, ``n x in x out``) each
    candidate's gradient is with respect to its own weights. With
    ``shared=True`` (shared weights, ``in x out``) the gradient is that of the
    batch mean ``mean_i L_i``.

    Args:
        params: Per-candidate weights (``shared=False``) or shared weights.
        X: An ``n x d`` tensor of candidates.
        target: An ``n`` tensor of consistency targets (``m x n`` for members).
        alpha: The weight of the consistency term.
        shared: Whether the weights are shared by all candidates.
        members: Whether the weights carry a leading member dimension ``m``
            (then every result has a leading ``m`` too; a shared gradient is
            each member's own batch mean).

    Returns:
        An :class:`AdaptationGrads`.
    """
    f, g, cache = _value_and_input_grad(params, X, members)
    n_layers = len(params) // 2
    g_norm = g.square().sum(-1).add(_NORM_EPS).sqrt()
    resid = f - target
    loss = g_norm + alpha * resid.square()
    scale = 1.0 / X.shape[-2] if shared else 1.0
    c = (2.0 * alpha * scale) * resid  # dL/df
    # Upward sweep through the input-gradient pass: adjoints of v_l and s_l.
    v_bar = g * (scale / g_norm).unsqueeze(-1)  # dL/dv_0
    v_bars, s_bars = [v_bar], []
    for layer in range(n_layers - 1):
        W = params[2 * layer]
        u_bar = torch.matmul(v_bar, W) if shared else _vec_mat(v_bar, W)
        s_bars.append(u_bar * cache.vs[layer + 1])
        v_bar = u_bar * cache.ss[layer]
        v_bars.append(v_bar)
    # Output layer: v_{L-1} is the output kernel's first column; f is linear.
    h_top = cache.hs[-1]
    dW_out_col = v_bars[-1] + c.unsqueeze(-1) * h_top
    n_out = params[-2].shape[-1]
    if n_out == 1:
        db_out = c.unsqueeze(-1)
    else:  # only the first output (the mean) enters the objective
        db_out = torch.zeros_like(c.unsqueeze(-1).expand(*c.shape, n_out))
        db_out[..., 0] = c
    # Downward sweep through the forward pass.
    a_bars = [None] * (n_layers - 1)
    h_bar = c.unsqueeze(-1) * cache.vs[-1]
    for layer in reversed(range(n_layers - 1)):
        s = cache.ss[layer]
        a_bar = h_bar * s + s_bars[layer] * s * (1.0 - s)
        a_bars[layer] = a_bar
        if layer > 0:
            h_bar = _linear_t(a_bar, params[2 * layer], members)
    dense: list[Tensor | None] = [None] * len(params)
    kernel_left, kernel_right = [], []
    for layer in range(n_layers - 1):
        left = (v_bars[layer], cache.hs[layer])
        right = (cache.us[layer], a_bars[layer])
        if shared:
            dense[2 * layer] = _outer_sum(left[0], right[0]) + _outer_sum(
                left[1], right[1]
            )
            dense[2 * layer + 1] = a_bars[layer].sum(-2)
        else:
            kernel_left.append(left)
            kernel_right.append(right)
            dense[2 * layer + 1] = a_bars[layer]
    if n_out == 1:
        dW_out = dW_out_col.unsqueeze(-1)
    else:
        dW_out = torch.zeros_like(h_top.unsqueeze(-1).expand(*h_top.shape, n_out))
        dW_out[..., 0] = dW_out_col
    if shared:
        dense[-2] = dW_out.sum(-3)
        dense[-1] = db_out.sum(-2)
    else:
        dense[-2] = dW_out
        dense[-1] = db_out
    return AdaptationGrads(
        loss=loss,
        values=f,
        input_grads=g,
        dense=dense,
        kernel_left=kernel_left,
        kernel_right=kernel_right,
    )


def _outer_sum(left: Tensor, right: Tensor) -> Tensor:
    r"""``sum_i left_i right_i^T`` over the candidate (second-to-last) dim."""
    return torch.matmul(left.transpose(-1, -2), right)
