r"""Robust pre-training of the RoMA proxy (paper Eq. 1, Algorithm 1 lines 1-5).

For every minibatch, Gaussian noise of scale ``sigma`` is added to the
(normalized) inputs. Starting from ``delta = 0``, ``inner_steps`` normalized
ascent steps on the loss move each weight tensor by exactly
``(epsilon / inner_steps) * ||theta_l||_F`` along its normalized gradient, so the
worst-case perturbation stays in the ball ``||delta_l||_F <= epsilon *
||theta_l||_F`` by construction. The gradient is then taken at
``theta + delta``, clipped per tensor, and applied to ``theta`` with Adam: the
"perturb, gradient, restore, step" pattern of adversarial weight perturbation
[Wu2020awp]_ used by RoMA [Yu2021roma]_.

The loss is the squared error (the paper), a Gaussian negative log-likelihood
(the authors' code) or the listwise ranking loss ListNet [Cao2007listnet]_,
which treats every minibatch as one list. ListNet only fixes predictions up to
a shift and scale, and RoMA's consistency term and trust radius read
prediction *values*, so after a ListNet fit the output layer is rescaled to
give mean 0 and standard deviation 1 on the training inputs: the scale of the
standardized targets (the z-normalization of [Tan2025ram]_).

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.

.. [Wu2020awp]
    D. Wu, S.-T. Xia, Y. Wang. Adversarial Weight Perturbation Helps Robust
    Generalization. NeurIPS 2020.

.. [Cao2007listnet]
    Z. Cao, T. Qin, T.-Y. Liu, M.-F. Tsai, H. Li. Learning to Rank: From
    Pairwise Approach to Listwise Approach. ICML 2007.

.. [Tan2025ram]
    R.-X. Tan, K. Xue, S.-H. Lyu, H. Shang, Y. Wang, Y. Wang, S. Fu, C. Qian.
    Offline Model-Based Optimization by Learning to Rank. ICLR 2025.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor
from torch.nn.functional import softplus
from tqdm.auto import tqdm

from botorch_roma.exceptions import RoMAInputError, RoMATrainingError
from botorch_roma.models.mlp import compute_dtype_of, mlp_forward
from botorch_roma.options import PretrainingOptions

__all__ = [
    "gaussian_nll",
    "listnet_loss",
    "robust_pretrain",
    "robust_pretrain_ensemble",
    "worst_case_perturbation",
]


def _soft_clamp_logstd(raw: Tensor, bounds: Tensor) -> Tensor:
    r"""Softly clamp a log-std between ``bounds[0]`` (min) and ``bounds[1]``."""
    lo, hi = bounds[0], bounds[1]
    out = hi - torch.nn.functional.softplus(hi - raw)
    return lo + torch.nn.functional.softplus(out - lo)


def gaussian_nll(output: Tensor, y: Tensor, logstd_bounds: Tensor) -> Tensor:
    r"""Mean Gaussian negative log-likelihood (without the constant).

    Args:
        output: ``n x 2`` network outputs (mean, raw log-std).
        y: ``n`` targets.
        logstd_bounds: ``2`` tensor of soft (min, max) log-std bounds.

    Returns:
        A scalar tensor.
    """
    logstd = _soft_clamp_logstd(output[..., 1], logstd_bounds)
    z = (y - output[..., 0]) * torch.exp(-logstd)
    return (0.5 * z.square() + logstd).mean()


def listnet_loss(pred: Tensor, target: Tensor) -> Tensor:
    r"""The ListNet loss [Cao2007listnet]_ of lists of predictions.

    Args:
        pred: ``batch_shape x m`` predictions.
        target: ``batch_shape x m`` true scores.

    Returns:
        The cross-entropy between ``softmax(target)`` and ``softmax(pred)``
        over the last dimension, averaged over ``batch_shape``.

    Example:
        >>> y = torch.tensor([[0.0, 1.0, 2.0]])
        >>> bool(listnet_loss(y, y) < listnet_loss(-y, y))
        True
    """
    log_p = torch.log_softmax(pred, dim=-1)
    return -(torch.softmax(target, dim=-1) * log_p).sum(dim=-1).mean()


def _loss(
    params: Sequence[Tensor],
    X: Tensor,
    y: Tensor,
    logstd_bounds: Tensor | None,
    listnet: bool = False,
) -> Tensor:
    out = mlp_forward(params, X)
    if listnet:
        return listnet_loss(out[..., 0], y)
    if logstd_bounds is None:
        return (out[..., 0] - y).square().mean()
    return gaussian_nll(out, y, logstd_bounds)


def _val_mse(mean: Tensor, y: Tensor, listnet: bool) -> Tensor:
    r"""Validation MSE over the last dimension; of the z-scored predictions
    for ListNet (its outputs have no scale until the fit is normalized)."""
    if listnet:
        mean = (mean - mean.mean(-1, keepdim=True)) / mean.std(-1, keepdim=True)
    return (mean - y).square().mean(-1)


def zscore_output_(params: Sequence[Tensor], X: Tensor) -> None:
    r"""Rescale the output layer so the first output has mean 0 and standard
    deviation 1 over ``X`` (in place; per member for stacked weights).

    Args:
        params: ``[W_1, b_1, ..., W_L, b_L]``, optionally with a leading
            member dimension ``m`` on every tensor.
        X: ``n x d`` inputs.
    """
    members = params[-1].dim() == 2
    with torch.no_grad():
        out = mlp_forward(params, X, members=members)[..., 0]  # (m x) n
        mu, sd = out.mean(-1), out.std(-1).clamp_min(1e-12)
        params[-2][..., 0].div_(sd.unsqueeze(-1))
        params[-1][..., 0].sub_(mu).div_(sd)


def worst_case_perturbation(
    params: Sequence[Tensor],
    X: Tensor,
    y: Tensor,
    epsilon: float,
    steps: int,
    logstd_bounds: Tensor | None = None,
    apply: bool = False,
    listnet: bool = False,
) -> list[Tensor]:
    r"""Find the worst-case weight perturbation inside the per-tensor ball.

    Takes ``steps`` normalized ascent steps on the loss, each moving tensor
    ``l`` by exactly ``(epsilon / steps) * ||theta_l||_F``, so the result
    satisfies ``||delta_l||_F <= epsilon * ||theta_l||_F``.

    Args:
        params: Leaf weight tensors ``theta``.
        X: ``b x d`` (noisy) inputs.
        y: ``b`` targets.
        epsilon: Relative radius of the ball.
        steps: Number of ascent steps ``K``.
        logstd_bounds: Soft log-std bounds for the NLL loss, else ``None``.
        apply: If True, leave ``params`` at ``theta + delta`` (the caller must
            subtract ``delta`` again); otherwise restore ``theta``.
        listnet: Ascend the ListNet loss of the list ``X`` instead.

    Returns:
        The perturbations ``delta_l``, one per tensor.
    """
    with torch.no_grad():
        etas = [epsilon / steps * p.norm() for p in params]
        deltas = [torch.zeros_like(p) for p in params]
    for _ in range(steps):
        loss = _loss(params, X, y, logstd_bounds, listnet)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, d, g, eta in zip(params, deltas, grads, etas):
                step = g * (eta / g.norm().clamp_min(1e-12))
                d.add_(step)
                p.add_(step)
    if not apply:
        with torch.no_grad():
            for p, d in zip(params, deltas):
                p.sub_(d)
    return deltas


def _diverged(epsilon: float, lr: float, where: str) -> RoMATrainingError:
    return RoMATrainingError(
        f"Robust pre-training diverged ({where}). Lower epsilon (now {epsilon}; "
        f"the paper picks the largest value for which pre-training is stable) "
        f"or the learning rate lr (now {lr})."
    )


# ---------------------------------------------------------------------------
# Fast path ("analytic" backend): closed-form forward and backward passes of
# the softplus MLP on one flat parameter buffer with a leading member row.
# ---------------------------------------------------------------------------

_ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults, as in the reference
_ADAM_EPS = 1e-8


class _FlatLayout:
    r"""Where each weight tensor lives in a flat ``m x numel`` buffer.

    The buffer is ``[W_0 | block]``: the first kernel (``d x H_1``), then an
    ``S x P`` block with one zero-padded row per other tensor (the log-std
    bounds if any, ``b_0``, ``W_1``, ``b_1``, ...; ``P`` is the largest size).
    Per-tensor sums of squares are then one ``sum(-1)`` and per-tensor scales
    one broadcast, with no index or segment ops in the inner loop. The output
    kernel is stored transposed (``out x in``): products with a 2-column
    result are several times slower than with a 2-row one. Row ``i`` of the
    buffer holds ensemble member ``i``.
    """

    def __init__(self, sizes: Sequence[int], n_extra: int) -> None:
        self.sizes, self.num_layers = list(sizes), len(sizes) - 1
        shapes = [(a, b) for a, b in zip(sizes, sizes[1:])]
        shapes[-1] = shapes[-1][::-1]
        rows = [("extra", (n_extra,))] if n_extra > 0 else []
        rows += [("b0", (sizes[1],))]
        for i in range(1, self.num_layers):
            rows += [(f"W{i}", shapes[i]), (f"b{i}", (sizes[i + 1],))]
        self.rows = {name: (r, shape) for r, (name, shape) in enumerate(rows)}
        self.W0_shape, self.start = shapes[0], math.prod(shapes[0])
        self.width = max(math.prod(shape) for _, shape in rows)
        self.numel = self.start + len(rows) * self.width

    def view(self, buf: Tensor, name: str) -> Tensor:
        r"""The ``m x *shape`` view of tensor ``name`` in ``buf``."""
        if name == "W0":
            return buf[:, : self.start].view(-1, *self.W0_shape)
        row, shape = self.rows[name]
        offset = self.start + row * self.width
        return buf[:, offset : offset + math.prod(shape)].view(-1, *shape)

    def block(self, buf: Tensor) -> Tensor:
        r"""The ``m x S x P`` block of all tensors but ``W_0``."""
        return buf[:, self.start :].view(buf.shape[0], -1, self.width)

    def weights(self, buf: Tensor) -> list[Tensor]:
        r"""Views ``[W_0, b_0, ..., W_{L-1}^T, b_{L-1}]`` into ``buf``."""
        names = [f"{k}{i}" for i in range(self.num_layers) for k in ("W", "b")]
        return [self.view(buf, name) for name in names]

    def natural(self, views: list[Tensor]) -> list[Tensor]:
        r"""The views with the output kernel as ``m x in x out``."""
        return [*views[:-2], views[-2].transpose(-1, -2), views[-1]]

    def sumsq(self, buf: Tensor) -> tuple[Tensor, Tensor]:
        r"""Per-tensor sums of squares: ``m`` for ``W_0``, ``m x S`` for the rest."""
        return self.view(buf, "W0").square().sum((1, 2)), self.block(buf).square().sum(
            -1
        )


class _TrainState:
    r"""Flat weights, perturbed copy, gradient and Adam state of m members."""

    def __init__(
        self, lay: _FlatLayout, theta: Tensor, options: PretrainingOptions, nll: bool
    ) -> None:
        self.lay, self.theta, self.options, self.nll = lay, theta, options, nll
        self.listnet = options.loss == "listnet"
        self.pert, self.grad = torch.empty_like(theta), torch.zeros_like(theta)
        self.exp_avg, self.exp_avg_sq = torch.zeros_like(theta), torch.zeros_like(theta)
        self.step = 0
        self.eps, self.K = options.epsilon, options.inner_steps
        self.perturb = self.eps > 0 and self.K > 0
        self.w, self.g = lay.weights(self.pert), lay.weights(self.grad)
        self.W0_theta = lay.view(theta, "W0")
        L = lay.num_layers
        self.bu = [self.w[2 * i + 1].unsqueeze(1) for i in range(L - 1)]
        self.bu.append(self.w[-1].unsqueeze(-1))
        self.wT = [W.transpose(1, 2) for W in self.w[0:-2:2]]
        self.gextra = lay.view(self.grad, "extra") if nll else None
        self.g_block, self.p_block = lay.block(self.grad), lay.block(self.pert)
        # The bounds are never perturbed: zero ball radius for their row.
        self.perturbed_rows = torch.ones(lay.block(theta).shape[1]).to(theta)
        if nll:
            self.perturbed_rows[lay.rows["extra"][0]] = 0.0


class _Head:
    r"""The loss head for ``m x out x B`` outputs, with per-minibatch constants."""

    def __init__(self, st: _TrainState, y: Tensor) -> None:
        self.y, self.nll, self.listnet = y, st.nll, st.listnet
        self.one = torch.ones((), dtype=y.dtype, device=y.device)
        if self.listnet:  # every member's minibatch is one list
            self.log_p = torch.log_softmax(y, -1)
            self.p = torch.exp(self.log_p)
        if self.nll:
            bounds = st.lay.view(st.theta, "extra")
            self.lo, self.hi = bounds[:, :1], bounds[:, 1:]
            self.H, self.c = torch.exp(self.hi - self.lo), torch.exp(-self.lo)

    def inner_grad(self, out: Tensor, gout: Tensor) -> None:
        r"""Write a positive multiple (per member) of ``dloss/dout`` to gout.

        Every inner step is normalized per tensor, so the ``1 / B`` of the mean
        is left out. With ``s = sigmoid(raw - hi)`` and ``H = exp(hi - lo)``,
        ``exp(-logstd) = exp(-lo) / (1 + H s)``: one transcendental per row.
        """
        if self.listnet:
            torch.sub(torch.softmax(out[:, 0], -1), self.p, out=gout[:, 0])
            return
        if not self.nll:
            torch.sub(out[:, 0], self.y, out=gout[:, 0])
            return
        s = torch.sigmoid_(out[:, 1] - self.hi)  # 1 - sigmoid(hi - raw)
        sm = torch.addcmul(self.one, s, self.H).reciprocal_()  # 1 - sigmoid(e)
        inv = sm * self.c  # exp(-logstd)
        r = (out[:, 0] - self.y).mul_(inv)  # -z
        torch.mul(r, inv, out=gout[:, 0])
        w = torch.addcmul(self.one, r, r, value=-1.0)  # 1 - z^2
        w.mul_(torch.addcmul(s, s, s, value=-1.0)).mul_(sm)  # * se * sa / H
        torch.mul(w, self.H, out=gout[:, 1])

    def outer_grad(self, out: Tensor, gout: Tensor, gextra: Tensor | None) -> Tensor:
        r"""Write ``dloss/dout`` to gout (and the bounds' gradient to gextra).

        Returns:
            The ``m`` minibatch losses.
        """
        mean, B = out[:, 0], out.shape[-1]
        if self.listnet:
            log_q = torch.log_softmax(mean, -1)
            torch.sub(torch.exp(log_q), self.p, out=gout[:, 0])
            return -(self.p * log_q).sum(-1)
        if not self.nll:
            r = mean - self.y
            torch.mul(r, 2.0 / B, out=gout[:, 0])
            return r.square().mean(-1)
        t1 = self.hi - out[:, 1]
        sa = torch.sigmoid(t1)
        sm = torch.sigmoid(softplus(t1).sub_(self.hi - self.lo))  # 1 - sigmoid(e)
        se = torch.rsub(sm, 1.0)
        logstd = self.lo - torch.log(sm)  # lo + softplus(e)
        inv = torch.exp(-logstd)
        r = (mean - self.y).mul_(inv)  # -z
        torch.mul(r, inv.div_(B), out=gout[:, 0])
        dlog = torch.addcmul(self.one, r, r, value=-1.0).div_(B)
        torch.mul(dlog * se, sa, out=gout[:, 1])
        torch.sum(dlog * sm, -1, out=gextra[:, 0])
        torch.sum(dlog * se * torch.rsub(sa, 1.0), -1, out=gextra[:, 1])
        return (0.5 * r.square() + logstd).mean(-1)


def _forward_backward(
    st: _TrainState, a1: Tensor, head: _Head, gout: Tensor, outer: bool = False
) -> tuple[Tensor, Tensor | None]:
    r"""One closed-form pass above the first layer's pre-activation ``a1``.

    Args:
        st: The training state; the gradients of every layer above the first
            are written to ``st.grad``, the perturbed weights ``st.pert`` used.
        a1: ``m x B x H_1`` first-layer pre-activations.
        head: The loss head.
        gout: ``m x out x B`` buffer for the output gradient.
        outer: Whether this is the outer pass (exact gradient and loss) or an
            inner one (a positive multiple of the gradient).

    Returns:
        ``dloss/da1`` (``m x B x H_1``) and, for the outer pass, the ``m``
        losses.
    """
    L, ss, hs, a = st.lay.num_layers, [], [], a1
    for layer in range(1, L):
        ss.append(torch.sigmoid(a))
        hs.append(softplus(a))
        if layer < L - 1:
            a = torch.baddbmm(st.bu[layer], hs[-1], st.w[2 * layer])
    out = torch.baddbmm(st.bu[-1], st.w[-2], hs[-1].transpose(1, 2))
    loss = None
    if outer:
        loss = head.outer_grad(out, gout, st.gextra)
    else:
        head.inner_grad(out, gout)
    torch.bmm(gout, hs[-1], out=st.g[-2])
    torch.sum(gout, -1, out=st.g[-1])
    da = torch.bmm(gout.transpose(1, 2), st.w[-2]).mul_(ss[-1])
    for layer in range(L - 2, 0, -1):
        torch.bmm(hs[layer - 1].transpose(1, 2), da, out=st.g[2 * layer])
        torch.sum(da, 1, out=st.g[2 * layer + 1])
        da = torch.bmm(da, st.wT[layer]).mul_(ss[layer - 1])
    return da, loss


def _scales(etas: Tensor, sumsq: Tensor) -> Tensor:
    r"""``eta / max(||g||, 1e-12)``, the reference's normalized step length."""
    return etas / sumsq.sqrt_().clamp_min_(1e-12)


def _ascend_dense(st: _TrainState, X: Tensor, head: _Head, gout: Tensor, etas):
    r"""The K normalized ascent steps, first layer perturbed explicitly."""
    eta0, eta_rows = etas
    for _ in range(st.K):
        a1 = torch.baddbmm(st.bu[0], X, st.w[0])
        da1, _ = _forward_backward(st, a1, head, gout)
        torch.bmm(X.transpose(1, 2), da1, out=st.g[0])
        torch.sum(da1, 1, out=st.g[1])
        sumsq0, sumsq = st.lay.sumsq(st.grad)
        st.w[0].addcmul_(st.g[0], _scales(eta0, sumsq0).view(-1, 1, 1))
        st.p_block.addcmul_(st.g_block, _scales(eta_rows, sumsq).unsqueeze(-1))


def _ascend_gram(st: _TrainState, X: Tensor, head: _Head, gout: Tensor, etas):
    r"""The K normalized ascent steps, first layer through the Gram matrix.

    Every step's first-kernel gradient is ``X^T da_1``, so the perturbation is
    ``X^T C`` and ``X (W_0 + X^T C) = X W_0 + G C`` with ``G = X X^T``; its
    norm is ``<da_1, G da_1>``. Nothing ``d``-dimensional is touched per step.

    Returns:
        The ``m x B x H_1`` products ``X (W_0 + delta_0)``.
    """
    eta0, eta_rows = etas
    G = torch.bmm(X, X.transpose(1, 2))
    XW = torch.bmm(X, st.W0_theta)
    for _ in range(st.K):
        da1, _ = _forward_backward(st, XW + st.bu[0], head, gout)
        Gda = torch.bmm(G, da1)
        torch.sum(da1, 1, out=st.g[1])
        sumsq = st.g_block.square().sum(-1)
        st.p_block.addcmul_(st.g_block, _scales(eta_rows, sumsq).unsqueeze(-1))
        XW.addcmul_(Gda, _scales(eta0, (da1 * Gda).sum((1, 2))).view(-1, 1, 1))
    return XW


def _clip_and_adam(st: _TrainState) -> None:
    r"""Per-tensor gradient clipping and one Adam step, as torch does them."""
    g, opts = st.grad, st.options
    if opts.grad_clip is not None:
        sumsq0, sumsq = st.lay.sumsq(g)
        for view, sq in (
            (st.g[0], sumsq0.view(-1, 1, 1)),
            (st.g_block, sumsq[..., None]),
        ):
            view.mul_((opts.grad_clip / (sq.sqrt_() + 1e-6)).clamp_(max=1.0))
    st.step += 1
    beta1, beta2 = _ADAM_BETAS
    st.exp_avg.lerp_(g, 1 - beta1)
    st.exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    bias_correction1 = 1 - beta1**st.step
    bias_correction2 = 1 - beta2**st.step
    denom = (st.exp_avg_sq.sqrt() / bias_correction2**0.5).add_(_ADAM_EPS)
    st.theta.addcdiv_(st.exp_avg, denom, value=-(opts.lr / bias_correction1))


def _minibatch_update(st: _TrainState, X: Tensor, y: Tensor) -> Tensor:
    r"""Perturb, take the gradient at ``theta + delta``, clip and step.

    Args:
        st: The training state (updated in place).
        X: ``m x B x d`` noisy inputs.
        y: ``m x B`` targets.

    Returns:
        The ``m`` losses at ``theta + delta``.
    """
    m, B, d = X.shape
    head = _Head(st, y)
    gout = X.new_zeros(m, st.lay.sizes[-1], B)
    st.pert.copy_(st.theta)
    XW = None
    if st.perturb:
        sumsq0, sumsq = st.lay.sumsq(st.theta)
        radius = st.eps / st.K
        etas = (sumsq0.sqrt_().mul_(radius), sumsq.sqrt_().mul_(radius))
        etas[1].mul_(st.perturbed_rows)
        if 2 * d > B:
            XW = _ascend_gram(st, X, head, gout, etas)
        else:
            _ascend_dense(st, X, head, gout, etas)
    a1 = XW + st.bu[0] if XW is not None else torch.baddbmm(st.bu[0], X, st.w[0])
    da1, loss = _forward_backward(st, a1, head, gout, outer=True)
    torch.bmm(X.transpose(1, 2), da1, out=st.g[0])
    torch.sum(da1, 1, out=st.g[1])
    _clip_and_adam(st)
    return loss


def _gaussian_nll_rows(output: Tensor, y: Tensor, bounds: Tensor) -> Tensor:
    r"""Per-member Gaussian NLL: ``m x n x 2`` outputs, ``m x 2`` bounds."""
    logstd = _soft_clamp_logstd(output[..., 1], bounds.T.unsqueeze(-1))
    z = (y - output[..., 0]) * torch.exp(-logstd)
    return (0.5 * z.square() + logstd).mean(-1)


def _flat_forward(lay: _FlatLayout, theta: Tensor, X: Tensor) -> Tensor:
    r"""``m x n x out`` outputs of the m members at the shared ``n x d`` X."""
    w, h = lay.natural(lay.weights(theta)), X
    for layer in range(lay.num_layers):
        a = torch.matmul(h, w[2 * layer]) + w[2 * layer + 1].unsqueeze(1)
        h = softplus(a) if layer < lay.num_layers - 1 else a
    return h


def _epoch_records(st: _TrainState, epoch: int, losses: Tensor, val_X, val_y):
    r"""One history record per member (host sync once per epoch)."""
    records = [{"epoch": epoch, "train_loss": v} for v in losses.tolist()]
    if any(not math.isfinite(r["train_loss"]) for r in records):
        raise _diverged(
            st.eps, st.options.lr, f"non-finite training loss at epoch {epoch}"
        )
    if val_X is not None and val_X.shape[0] > 0:
        out = _flat_forward(st.lay, st.theta, val_X.to(st.theta))
        val_y = val_y.to(st.theta)
        mse = _val_mse(out[..., 0], val_y, st.listnet)
        nll = None
        if st.nll:
            nll = _gaussian_nll_rows(out, val_y, st.lay.view(st.theta, "extra"))
        elif st.listnet:  # the validation rows as one list
            nll = -(torch.softmax(val_y, -1) * torch.log_softmax(out[..., 0], -1))
            nll = nll.sum(-1)
        for i, (r, v) in enumerate(zip(records, mse.tolist())):
            r["val_mse"] = v
            r["val_loss"] = v if nll is None else nll[i].item()
    return records


def _draw_noise(generators, B: int, d: int, like: Tensor) -> Tensor:
    r"""``m x B x d`` standard normal draws, member ``i`` from generator ``i``."""
    noise = like.new_empty(len(generators), B, d)
    for i, gen in enumerate(generators):
        torch.randn(B, d, generator=gen, out=noise[i])
    return noise


def _train_members(
    st: _TrainState, train_X, train_y, generators, val_X, val_y, progress, on_epoch
) -> list[list[dict]]:
    r"""The epoch loop of the fast path (the same random draws as the reference)."""
    opts, (n, d) = st.options, train_X.shape
    histories = [[] for _ in generators]
    epochs = tqdm(
        range(opts.num_epochs(n)), desc="RoMA pre-training", disable=not progress
    )
    for epoch in epochs:
        perm = torch.stack(
            [torch.randperm(n, generator=g, device=train_X.device) for g in generators]
        )
        total = st.theta.new_zeros(len(generators))
        for start in range(0, n, opts.batch_size):
            idx = perm[:, start : start + opts.batch_size]
            noise = _draw_noise(generators, idx.shape[1], d, train_X)
            X = torch.add(train_X[idx], noise.mul_(opts.sigma)).to(st.theta)
            loss = _minibatch_update(st, X, train_y[idx].to(st.theta))
            total += loss * idx.shape[1]
        records = _epoch_records(st, epoch, total / n, val_X, val_y)
        for history, record in zip(histories, records):
            history.append(record)
        if progress:
            epochs.set_postfix(loss=f"{records[0]['train_loss']:.4f}")
        on_epoch(records)
    if not torch.isfinite(st.theta).all():
        raise _diverged(st.eps, opts.lr, "non-finite weights after training")
    return histories


def _layer_sizes(params: Sequence[Tensor]) -> list[int]:
    return [params[0].shape[-2]] + [W.shape[-1] for W in params[0::2]]


def _pack(lay: _FlatLayout, params, logstd_bounds, m: int, **tkwargs) -> Tensor:
    theta = torch.zeros(m, lay.numel, **tkwargs)
    for view, p in zip(lay.natural(lay.weights(theta)), params):
        view.copy_(p.detach())
    if logstd_bounds is not None:
        lay.view(theta, "extra").copy_(logstd_bounds.detach())
    return theta


def _unpack_(lay: _FlatLayout, theta: Tensor, params, logstd_bounds) -> None:
    with torch.no_grad():
        for view, p in zip(lay.natural(lay.weights(theta)), params):
            p.copy_(view.reshape(p.shape))
        if logstd_bounds is not None:
            logstd_bounds.copy_(lay.view(theta, "extra").reshape(logstd_bounds.shape))


def robust_pretrain_ensemble(
    params: Sequence[Tensor],
    train_X: Tensor,
    train_y: Tensor,
    options: PretrainingOptions,
    logstd_bounds: Tensor | None = None,
    val_X: Tensor | None = None,
    val_y: Tensor | None = None,
    generators: Sequence[torch.Generator | None] | None = None,
    progress: bool = False,
    callback: Callable[[list[dict]], None] | None = None,
) -> list[list[dict]]:
    r"""Robustly pre-train ``m`` MLPs at once, as a leading batch dimension.

    Every member runs exactly the algorithm of :func:`robust_pretrain` with
    its own initialization, minibatch order, input noise (both drawn from its
    own generator), ball radii ``epsilon * ||theta_l^(i)||``, gradient
    clipping and Adam state; members share only the data. Member ``i`` gives
    the result of :func:`robust_pretrain` on its weights with generator
    ``generators[i]`` (up to round-off), in one vectorized pass.

    Args:
        params: Stacked weights ``[W_1, b_1, ..., W_L, b_L]`` with ``W_l`` of
            shape ``m x in x out`` and ``b_l`` of shape ``m x out`` (updated in
            place).
        train_X: ``n x d`` standardized training inputs (shared).
        train_y: ``n`` standardized training targets.
        options: The pre-training options.
        logstd_bounds: For the NLL loss, the ``m x 2`` soft log-std bounds
            (trained, never perturbed); ``None`` for the squared error.
        val_X: Optional ``n_val x d`` validation inputs.
        val_y: Optional ``n_val`` validation targets.
        generators: ``m`` random generators (or ``None`` entries for the
            global generator); default ``m`` times ``None``.
        progress: Show a tqdm progress bar over epochs.
        callback: Called after every epoch with the ``m`` members' records.

    Returns:
        ``m`` training histories, each as returned by :func:`robust_pretrain`.

    Example:
        >>> members = [init_mlp_params(5, (64, 64), 1) for _ in range(3)]
        >>> params = [torch.stack(ps) for ps in zip(*members)]
        >>> histories = robust_pretrain_ensemble(params, X, y, options)
    """
    params = list(params)
    m = params[0].shape[0]
    generators = [None] * m if generators is None else list(generators)
    if len(generators) != m or any(p.shape[0] != m for p in params):
        raise RoMAInputError(
            f"Expected {m} generators and weights with a leading dimension of "
            f"{m}, got {len(generators)} and {[tuple(p.shape) for p in params]}."
        )
    # The arithmetic runs in options.compute_dtype; the weights are written
    # back in their own dtype.
    dtype = compute_dtype_of(options.compute_dtype, params[0])
    tkwargs = {"dtype": dtype, "device": train_X.device}
    n_extra = 0 if logstd_bounds is None else logstd_bounds.shape[-1]
    lay = _FlatLayout(_layer_sizes(params), n_extra)
    theta = _pack(lay, params, logstd_bounds, m, **tkwargs)
    st = _TrainState(lay, theta, options, logstd_bounds is not None)

    def on_epoch(records: list[dict]) -> None:
        if callback is not None:
            _unpack_(lay, theta, params, logstd_bounds)
            callback(records)

    with torch.no_grad():
        histories = _train_members(
            st, train_X, train_y, generators, val_X, val_y, progress, on_epoch
        )
    _unpack_(lay, theta, params, logstd_bounds)
    if st.listnet:
        zscore_output_(params, train_X.to(params[0]))
    return histories


def robust_pretrain(
    params: Sequence[Tensor],
    train_X: Tensor,
    train_y: Tensor,
    options: PretrainingOptions,
    logstd_bounds: Tensor | None = None,
    val_X: Tensor | None = None,
    val_y: Tensor | None = None,
    generator: torch.Generator | None = None,
    progress: bool = False,
    callback: Callable[[dict], None] | None = None,
    backend: str = "analytic",
) -> list[dict]:
    r"""Train MLP weights in place with RoMA's robust objective (Eq. 1).

    Both backends run the same algorithm with the same random draws. The
    ``"analytic"`` backend (default) computes the forward and backward passes
    in closed form on one flat parameter buffer, with no host syncs inside an
    epoch, and takes the first layer's inner steps through the minibatch's
    Gram matrix when ``d > batch_size / 2``; the ``"autograd"`` backend is the
    plain ``torch.autograd`` reference. They agree to round-off.

    Args:
        params: Leaf tensors ``[W_1, b_1, ..., W_L, b_L]`` (updated in place).
        train_X: ``n x d`` standardized training inputs.
        train_y: ``n`` standardized training targets.
        options: The pre-training options.
        logstd_bounds: For ``loss="nll"``, the ``2`` trainable soft log-std
            bounds (trained, never perturbed); ``None`` for ``loss="mse"``.
        val_X: Optional ``m x d`` validation inputs (noise-free evaluation).
        val_y: Optional ``m`` validation targets.
        generator: Optional random generator for shuffling and noise.
        progress: Show a tqdm progress bar over epochs.
        callback: Called after every epoch with that epoch's history record.
        backend: ``"analytic"`` (fast, default; its arithmetic runs in
            ``options.compute_dtype``, the random draws and the returned
            weights keep their dtypes) or ``"autograd"`` (the reference, in the
            weights' dtype whatever ``options.compute_dtype`` says).

    Returns:
        The training history: one dict per epoch with ``epoch``,
        ``train_loss`` and, with validation data, ``val_loss`` and ``val_mse``.
    """
    if backend not in ("analytic", "autograd"):
        raise RoMAInputError(
            f"Unknown pre-training backend {backend!r}; use 'analytic' or 'autograd'."
        )
    if backend == "autograd":
        return _robust_pretrain_autograd(
            params,
            train_X,
            train_y,
            options,
            logstd_bounds,
            val_X,
            val_y,
            generator,
            progress,
            callback,
        )
    bounds = None if logstd_bounds is None else logstd_bounds.detach().unsqueeze(0)
    histories = robust_pretrain_ensemble(
        [p.detach().unsqueeze(0) for p in params],
        train_X,
        train_y,
        options,
        logstd_bounds=bounds,
        val_X=val_X,
        val_y=val_y,
        generators=[generator],
        progress=progress,
        callback=None if callback is None else (lambda records: callback(records[0])),
    )
    return histories[0]


def _robust_pretrain_autograd(
    params: Sequence[Tensor],
    train_X: Tensor,
    train_y: Tensor,
    options: PretrainingOptions,
    logstd_bounds: Tensor | None = None,
    val_X: Tensor | None = None,
    val_y: Tensor | None = None,
    generator: torch.Generator | None = None,
    progress: bool = False,
    callback: Callable[[dict], None] | None = None,
) -> list[dict]:
    r"""The reference implementation of :func:`robust_pretrain` (autograd).

    It takes the same arguments and returns the same history; the weights are
    ``torch.nn.Parameter``-style leaves stepped by ``torch.optim.Adam``.
    """
    params = list(params)
    trainable = params + ([logstd_bounds] if logstd_bounds is not None else [])
    optimizer = torch.optim.Adam(trainable, lr=options.lr)
    n = train_X.shape[0]
    eps, K = options.epsilon, options.inner_steps
    perturb = eps > 0 and K > 0
    listnet = options.loss == "listnet"
    history = []
    epochs = tqdm(
        range(options.num_epochs(train_X.shape[0])),
        desc="RoMA pre-training",
        disable=not progress,
    )
    for epoch in epochs:
        perm = torch.randperm(n, generator=generator, device=train_X.device)
        total, count = 0.0, 0
        for start in range(0, n, options.batch_size):
            idx = perm[start : start + options.batch_size]
            noise = torch.randn(
                len(idx),
                train_X.shape[-1],
                generator=generator,
                device=train_X.device,
                dtype=train_X.dtype,
            )
            xb = train_X[idx] + options.sigma * noise
            yb = train_y[idx]
            deltas = None
            if perturb:
                deltas = worst_case_perturbation(
                    params, xb, yb, eps, K, logstd_bounds, apply=True, listnet=listnet
                )
            optimizer.zero_grad(set_to_none=True)
            loss = _loss(params, xb, yb, logstd_bounds, listnet)
            loss.backward()
            if deltas is not None:
                with torch.no_grad():
                    for p, d in zip(params, deltas):
                        p.sub_(d)
            if options.grad_clip is not None:
                for p in trainable:
                    if p.grad is not None:
                        torch.nn.utils.clip_grad_norm_([p], options.grad_clip)
            optimizer.step()
            total += loss.detach() * len(idx)
            count += len(idx)
        record = {"epoch": epoch, "train_loss": (total / max(count, 1)).item()}
        if not math.isfinite(record["train_loss"]):
            raise _diverged(
                eps, options.lr, f"non-finite training loss at epoch {epoch}"
            )
        if val_X is not None and val_X.shape[0] > 0:
            with torch.no_grad():
                out = mlp_forward(params, val_X)
                record["val_mse"] = _val_mse(out[..., 0], val_y, listnet).item()
                record["val_loss"] = record["val_mse"]
                if listnet:
                    record["val_loss"] = listnet_loss(out[..., 0], val_y).item()
                elif logstd_bounds is not None:
                    record["val_loss"] = gaussian_nll(out, val_y, logstd_bounds).item()
        history.append(record)
        if progress:
            epochs.set_postfix(loss=f"{record['train_loss']:.4f}")
        if callback is not None:
            callback(record)
    if not all(torch.isfinite(p).all() for p in trainable):
        raise _diverged(eps, options.lr, "non-finite weights after training")
    if listnet:
        zscore_output_(params, train_X)
    return history
