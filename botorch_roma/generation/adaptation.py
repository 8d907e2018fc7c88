r"""Model adaptation: RoMA's per-step weight perturbation (paper Eq. 2).

Before every ascent step, RoMA perturbs the pre-trained weights ``theta`` inside
the per-layer ball ``||delta_l||_F <= eps * ||theta_l||_F`` so that the proxy is
locally smooth at the candidates [Yu2021roma]_: it descends on

``||grad_x f(x; theta + delta)||_2 + alpha * (f(x; theta + delta) - target)^2``

with ``adapt_steps`` normalized steps of length
``(eps / adapt_steps) * ||theta_l||_F`` per weight tensor, so the ball holds by
construction. Three modes are offered:

- ``"per_candidate"``: one perturbation per candidate (Eq. 2 read literally),
  as a batch of weight tensors with a leading candidate dimension;
- ``"shared"``: one perturbation for the whole batch, descending on the batch
  mean, as in the authors' code;
- ``"none"``: no adaptation (the ablation).

The ``"analytic"`` backend uses the closed-form gradients of
:mod:`botorch_roma.models.mlp`; the ``"autograd"`` backend uses double
backpropagation through ``torch.autograd`` and serves as a reference.

Per-candidate adaptation never needs the candidates' ``d x H`` first kernels.
With ``x_i`` fixed during an ascent step, every gradient of the objective with
respect to the first kernel is ``v u^T + x_i a^T`` with ``v`` the normalized
input gradient ``W_i u / ||W_i u||``, so by induction the adapted kernel stays
``W_i = W_0 (I + Q_i) + x_i p_i^T`` (``Q_i`` is ``H x H``, ``p_i`` in
``R^H``). Forward values (``x_i W_i``), input-gradient norms and Frobenius
norms of the steps all follow from the Gram quantities ``K = W_0^T W_0``,
``z_i = x_i W_0`` and ``||x_i||^2``, so the per-step cost does not grow with
``d`` (this is what makes the 5,123-dimensional Hopper task affordable). The
analytic backend uses this form for proxies with two hidden layers (the
default) when ``d`` exceeds the first hidden width, and explicit
``n x d x H`` kernels otherwise.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor
from torch.nn.functional import softplus

from botorch_roma.models.mlp import SpanKernel, adaptation_grads, mlp_forward
from botorch_roma.options import ADAPTATION_MODES, BACKENDS

__all__ = ["adapt_weights", "adaptation_objective"]

_NORM_EPS = 1e-30  # floor of a squared step norm
_GRAD_EPS = 1e-12  # added to ||grad_x f||^2 before the square root, as in mlp


def adaptation_objective(
    params: Sequence[Tensor],
    X: Tensor,
    target: Tensor,
    alpha: float,
    members: bool = False,
) -> Tensor:
    r"""The per-candidate adaptation objective, computed with autograd.

    Args:
        params: Shared or per-candidate MLP weights.
        X: An ``n x d`` tensor of candidates.
        target: An ``n`` tensor of consistency targets.
        alpha: The weight of the consistency term.
        members: Whether the weights carry a leading member dimension ``m``.

    Returns:
        An ``n`` tensor ``||grad_x f(x_i)||_2 + alpha * (f(x_i) - target_i)^2``
        (``m x n`` for members), differentiable with respect to ``params``.
    """
    with torch.enable_grad():
        if members and X.dim() == 2:  # one copy per member: separate gradients
            X = X.expand(params[0].shape[0], *X.shape)
        X = X.detach().requires_grad_(True)
        f = mlp_forward(params, X, members)[..., 0]
        (g,) = torch.autograd.grad(f.sum(), X, create_graph=True)
        return g.square().sum(-1).add(1e-12).sqrt() + alpha * (f - target).square()


def _step_sizes(
    theta: Sequence[Tensor], epsilon: float, steps: int, members: bool
) -> list[Tensor]:
    r"""``(epsilon / steps) ||theta_l||``: a scalar, or ``m`` for members."""
    if not members:
        return [epsilon / steps * p.norm() for p in theta]
    return [epsilon / steps * p.flatten(1).norm(dim=-1) for p in theta]


def _scaled(grad: Tensor, eta: Tensor, lead: int) -> Tensor:
    r"""``eta * grad / ||grad||`` with one norm per index of the lead dims."""
    rest = grad.dim() - lead
    norm = torch.linalg.vector_norm(
        grad, dim=tuple(range(lead, grad.dim())), keepdim=True
    )
    eta = eta.reshape(*eta.shape, *([1] * rest))
    return grad * (eta / norm.clamp_min(_NORM_EPS**0.5))


def _analytic_step(params: list[Tensor], X, target, alpha, etas, shared, members):
    grads = adaptation_grads(params, X, target, alpha, shared=shared, members=members)
    lead = int(members) + int(not shared)
    for p, g, eta in zip(params, grads.dense, etas):
        if g is not None:
            p.sub_(_scaled(g, eta, lead))
    for layer, ((a1, a2), (b1, b2)) in enumerate(
        zip(grads.kernel_left, grads.kernel_right)
    ):
        # ||a1 b1^T + a2 b2^T||_F^2 from inner products: no n x in x out tensor.
        sq = (
            a1.square().sum(-1) * b1.square().sum(-1)
            + a2.square().sum(-1) * b2.square().sum(-1)
            + 2.0 * (a1 * a2).sum(-1) * (b1 * b2).sum(-1)
        )
        scale = (etas[2 * layer] / sq.clamp_min(_NORM_EPS).sqrt()).unsqueeze(-1)
        # Stacking along dim -2 and transposing is much cheaper than dim -1.
        left = torch.stack([a1 * scale, a2 * scale], dim=-2).transpose(-1, -2)
        right = torch.stack([b1, b2], dim=-2)  # n x 2 x out
        W = params[2 * layer]
        W.view(-1, *W.shape[-2:]).baddbmm_(
            left.reshape(-1, *left.shape[-2:]),
            right.reshape(-1, *right.shape[-2:]),
            alpha=-1.0,
        )


def _autograd_step(params: list[Tensor], X, target, alpha, etas, shared, members):
    with torch.enable_grad():
        leaves = [p.detach().requires_grad_(True) for p in params]
        loss = adaptation_objective(leaves, X, target, alpha, members)
        loss = loss.mean(-1).sum() if shared else loss.sum()
        grads = torch.autograd.grad(loss, leaves)
    lead = int(members) + int(not shared)
    for p, g, eta in zip(params, grads, etas):
        p.sub_(_scaled(g, eta, lead))


class _SpanState:
    r"""Per-candidate weights with the first kernel as ``W_0 (I + Q) + x p^T``.

    Vectors are ``N x H`` and per-candidate scalars ``N x 1``, with ``N`` the
    number of candidates (``m n`` for members); ``Q`` (``N x H_1 x H_1``) and
    ``W_2`` (``N x H_1 x H_2``) are the only per-candidate matrices.
    """

    def __init__(self, theta, X: Tensor, target: Tensor, etas, members: bool):
        W1, b1, W2, b2, W3, b3 = theta
        Z = torch.matmul(X, W1)  # x_i W_0: n x H, or m x n x H for members
        self.batch, H1, H2 = Z.shape[:-1], W1.shape[-1], W2.shape[-1]
        N = self.batch.numel()

        def rows(v: Tensor) -> Tensor:  # one row per candidate
            v = v.unsqueeze(-2) if members else v
            return v.expand(*self.batch, v.shape[-1]).reshape(N, -1).clone()

        self.base, self.x, self.members = W1, X, members
        self.Z, self.p = Z.reshape(N, H1), Z.new_zeros(N, H1)
        self.t = self.Z.clone()
        self.r = X.square().sum(-1).expand(self.batch).reshape(N, 1)
        self.K = W1.transpose(-1, -2) @ W1
        self.Q = Z.new_zeros(N, H1, H1)
        self.b1, self.b2, self.w3 = rows(b1), rows(b2), rows(W3[..., 0])
        self.b3 = rows(b3[..., :1])
        W2 = W2.unsqueeze(-3) if members else W2
        self.W2 = W2.expand(*self.batch, H1, H2).reshape(N, H1, H2).clone()
        self.target = target.expand(self.batch).reshape(N, 1)
        self.etas = torch.stack([e.expand(self.batch).reshape(N) for e in etas], -1)
        self.same_width = H1 == H2

    def times_K(self, w: Tensor) -> Tensor:
        r"""``w K`` per candidate (``K = W_0^T W_0``, one per member)."""
        if not self.members:
            return w @ self.K
        m = self.K.shape[0]
        return torch.matmul(w.view(m, -1, w.shape[-1]), self.K).view(w.shape)

    def weights(self) -> list:
        r"""The adapted weights, the first kernel as a :class:`SpanKernel`."""
        b, H1, H2 = self.batch, *self.W2.shape[-2:]
        return [
            SpanKernel(self.base, self.Q.view(*b, H1, H1), self.x, self.p.view(*b, H1)),
            self.b1.view(*b, H1),
            self.W2.view(*b, H1, H2),
            self.b2.view(*b, H2),
            self.w3.view(*b, H2, 1),
            self.b3.view(*b, 1),
        ]


def _rowdots(left: list[Tensor], right: list[Tensor]) -> Tensor:
    r"""``N x k`` row-wise dot products of k pairs, in one reduction."""
    return (torch.stack(left, 1) * torch.stack(right, 1)).sum(-1)


def _bvm(v: Tensor, M: Tensor) -> Tensor:
    r"""Per-row ``v_i M_i`` for ``N x in`` vectors and ``N x in x out`` M."""
    return torch.bmm(v.unsqueeze(1), M).squeeze(1)


def _span_grads(st: _SpanState, alpha: float) -> tuple:
    r"""The forward, input-gradient and adjoint sweeps of one span step."""
    a1 = st.t + st.b1
    s1, h1 = torch.sigmoid(a1), softplus(a1)
    a2 = torch.baddbmm(st.b2.unsqueeze(1), h1.unsqueeze(1), st.W2).squeeze(1)
    s2, h2 = torch.sigmoid(a2), softplus(a2)
    u2 = s2 * st.w3
    v1 = _bvm(u2, st.W2.transpose(1, 2))  # W_2 u_2
    u1 = s1 * v1
    u1_ = u1.unsqueeze(1)
    w = torch.baddbmm(u1_, u1_, st.Q.transpose(1, 2)).squeeze(1)  # (I + Q) u_1
    Kw = st.times_K(w)
    left, right = [st.p, st.Z, w], [u1, w, Kw]
    if st.same_width:
        gamma, zw, wKw, f = _rowdots([*left, h2], [*right, st.w3]).split(1, -1)
    else:
        gamma, zw, wKw = _rowdots(left, right).split(1, -1)
        f = (h2 * st.w3).sum(-1, keepdim=True)
    c = (f + st.b3 - st.target).mul_(2.0 * alpha)  # dL/df
    q = torch.addcmul(zw, gamma, st.r)  # x . g with g = W_0 w + gamma x
    inv = torch.addcmul(wKw, gamma, zw + q).add_(_GRAD_EPS).rsqrt_()  # 1 / ||g||
    y = torch.addcmul(Kw, gamma, st.Z)  # g^T W_0
    y_ = y.unsqueeze(1)
    ubar1 = torch.baddbmm(y_, y_, st.Q).squeeze(1).mul_(inv)
    ubar1.addcmul_(st.p, q * inv)  # g^T W_i / ||g||
    sbar1, vbar1 = ubar1 * v1, ubar1 * s1
    ubar2 = _bvm(vbar1, st.W2)
    sbar2 = ubar2 * st.w3
    abar2 = torch.addcmul(c * u2, sbar2, torch.addcmul(s2, s2, s2, value=-1.0))
    dw3 = torch.addcmul(ubar2.mul_(s2), c, h2)
    hbar1 = _bvm(abar2, st.W2.transpose(1, 2))
    abar1 = torch.addcmul(hbar1.mul_(s1), sbar1, torch.addcmul(s1, s1, s1, value=-1.0))
    b = torch.addcmul(abar1, gamma * inv, u1)  # x-coordinate of the W_1 step
    return u1, w, inv, q, wKw, zw, b, abar1, vbar1, h1, u2, abar2, dw3, c


def _span_norms(st: _SpanState, parts: tuple) -> tuple[Tensor, Tensor, Tensor]:
    r"""Squared Frobenius norms of the six weight steps, from row dot products.

    Returns:
        The ``N x 6`` squared norms and the ``N x 2 x H_1``, ``N x 2 x H_2``
        left and right factors ``[vbar_1, h_1]``, ``[u_2, abar_2]`` of the
        second kernel's step ``vbar_1 u_2^T + h_1 abar_2^T``.
    """
    u1, w, inv, q, wKw, zw, b, abar1, vbar1, h1, u2, abar2, dw3, c = parts
    # One stack of the distinct vectors gives every dot product (and the
    # factors of the W_2 step as views): squares, then adjacent pairs.
    if st.same_width:
        V = torch.stack([u1, b, vbar1, h1, u2, abar2, abar1, dw3], 1)
        V1, V2 = V[:, :4], V[:, 4:6]
        sq = V.square().sum(-1)  # u1 b vbar1 h1 u2 abar2 abar1 dw3
        cross = (V[:, 0:6:2] * V[:, 1:6:2]).sum(-1)  # u1.b vbar1.h1 u2.abar2
    else:
        V1, V2 = torch.stack([u1, b, vbar1, h1], 1), torch.stack([u2, abar2], 1)
        extra = [abar1.square().sum(-1, True), dw3.square().sum(-1, True)]
        sq = torch.cat([V1.square().sum(-1), V2.square().sum(-1), *extra], -1)
        cross = torch.cat(
            [(V1[:, 0:4:2] * V1[:, 1:4:2]).sum(-1), _rowdots([u2], [abar2])], -1
        )
    # ||W_0 (w u_1^T / ||g||) + x b^T||^2 and ||vbar1 u2^T + h1 abar2^T||^2
    sq_w1 = wKw * inv.square() * sq[:, 0:1] + 2.0 * zw * inv * cross[:, 0:1]
    sq_w1.addcmul_(st.r, sq[:, 1:2])
    sq_w2 = (sq[:, 2:4] * sq[:, 4:6]).sum(-1, keepdim=True)
    sq_w2.addcmul_(cross[:, 1:2], cross[:, 2:3], value=2.0)
    sqs = torch.cat([sq_w1, sq[:, 6:7], sq_w2, sq[:, 5:6], sq[:, 7:8], c * c], -1)
    return sqs, V1[:, 2:4], V2


def _span_step(st: _SpanState, alpha: float) -> None:
    r"""One normalized descent step of every candidate's objective."""
    parts = _span_grads(st, alpha)
    u1, w, inv, q, wKw, zw, b, abar1, vbar1, h1, u2, abar2, dw3, c = parts
    sqs, left, right = _span_norms(st, parts)
    beta = (st.etas / sqs.clamp_min_(_NORM_EPS).sqrt_()).split(1, -1)
    st.Q.baddbmm_((w * (beta[0] * inv)).unsqueeze(-1), u1.unsqueeze(1), alpha=-1.0)
    st.p.addcmul_(b, beta[0], value=-1.0)
    st.t.addcmul_(torch.addcmul(q * inv * u1, st.r, abar1), beta[0], value=-1.0)
    st.b1.addcmul_(abar1, beta[1], value=-1.0)
    left = (left * beta[2].unsqueeze(-1)).transpose(1, 2)
    st.W2.baddbmm_(left, right, alpha=-1.0)
    st.b2.addcmul_(abar2, beta[3], value=-1.0)
    st.w3.addcmul_(dw3, beta[4], value=-1.0)
    st.b3.addcmul_(c, beta[5], value=-1.0)


def _use_span(theta: Sequence[Tensor], mode: str, backend: str) -> bool:
    return (
        mode == "per_candidate"
        and backend == "analytic"
        and len(theta) == 6
        and theta[0].shape[-2] > theta[0].shape[-1]
    )


def adapt_weights(
    theta: Sequence[Tensor],
    X: Tensor,
    target: Tensor,
    epsilon: float,
    alpha: float = 1.0,
    steps: int = 100,
    mode: str = "per_candidate",
    backend: str = "analytic",
    members: bool = False,
    factored: bool = False,
    compute_dtype: torch.dtype | None = None,
) -> list[Tensor]:
    r"""Adapt the weights inside the ball around ``theta`` at the candidates X.

    Args:
        theta: The pre-trained weights ``[W_1, b_1, ..., W_L, b_L]`` (not
            modified).
        X: An ``n x d`` tensor of candidates (in the model's input space).
        target: An ``n`` tensor of consistency targets ``f(x_i; theta_{t-1})``
            (``m x n`` for members).
        epsilon: The relative radius of the per-tensor ball.
        alpha: The weight of the consistency term.
        steps: The number of normalized descent steps.
        mode: One of :data:`~botorch_roma.options.ADAPTATION_MODES`.
        backend: ``"analytic"`` (closed form, fast) or ``"autograd"``.
        members: Whether ``theta`` carries a leading ensemble-member dimension
            ``m`` (``m x in x out`` kernels); every member is adapted inside
            its own ball.
        factored: Allow the first adapted kernel to be returned as a
            :class:`~botorch_roma.models.mlp.SpanKernel` (per-candidate mode
            with ``d`` above the first hidden width), which every function of
            :mod:`botorch_roma.models.mlp` accepts; saves materializing
            ``n x d x H`` kernels.
        compute_dtype: Dtype of the adaptation arithmetic (e.g. ``torch.float``
            for ``float64`` weights); the result is returned in theta's dtype.

    Returns:
        The adapted weights: per-candidate (``n x in x out`` kernels, ``m x n x
        in x out`` for members) for ``"per_candidate"``, otherwise shared like
        ``theta``, keeping only the first output (the mean). For ``"none"`` (or
        ``epsilon == 0`` or ``steps == 0``) these are ``theta`` itself.

    Example:
        >>> theta = init_mlp_params(3, (8, 8))
        >>> X = torch.rand(4, 3, dtype=torch.double)
        >>> target = mlp_forward(theta, X)[..., 0]
        >>> adapted = adapt_weights(theta, X, target, epsilon=1e-2, steps=10)
        >>> adapted[0].shape
        torch.Size([4, 3, 8])
    """
    if mode not in ADAPTATION_MODES:
        raise ValueError(f"Unknown adaptation mode {mode!r}; use {ADAPTATION_MODES}.")
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend {backend!r}; use one of {BACKENDS}.")
    if mode == "none" or epsilon == 0.0 or steps == 0:
        return list(theta)
    out_dtype = theta[0].dtype
    if compute_dtype is not None:
        theta = [p.to(compute_dtype) for p in theta]
        X, target = X.to(compute_dtype), target.to(compute_dtype)
    with torch.no_grad():
        # Step lengths come from the full tensors; only the first output (the
        # mean) enters the objective, so a second (log-std) output column has a
        # zero gradient and is dropped from the adapted copy.
        etas = _step_sizes(theta, epsilon, steps, members)
        if members and mode == "per_candidate":
            etas = [eta.unsqueeze(-1) for eta in etas]
        theta = [*theta[:-2], theta[-2][..., :1], theta[-1][..., :1]]
        if _use_span(theta, mode, backend):
            st = _SpanState([p.detach() for p in theta], X, target, etas, members)
            for _ in range(steps):
                _span_step(st, alpha)
            params = st.weights()
            if not factored:
                params[0] = params[0].dense()
        else:
            params = _dense_adapt(
                theta, X, target, alpha, etas, steps, mode, backend, members
            )
    if params[1].dtype != out_dtype:  # only with compute_dtype
        params = [p.to(out_dtype) for p in params]
    return params


def _dense_adapt(theta, X, target, alpha, etas, steps, mode, backend, members):
    r"""Adaptation with explicit (``n x in x out``) per-candidate kernels."""
    shared = mode == "shared"
    n = X.shape[-2]
    if shared:
        params = [p.detach().clone() for p in theta]
    elif members:
        params = [
            p.detach().unsqueeze(1).expand(p.shape[0], n, *p.shape[1:]).clone()
            for p in theta
        ]
    else:
        params = [p.detach().expand(n, *p.shape).clone() for p in theta]
    step_fn = _analytic_step if backend == "analytic" else _autograd_step
    for _ in range(steps):
        step_fn(params, X, target, alpha, etas, shared, members)
    return params
