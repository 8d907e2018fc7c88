r"""Checks that keep decoded sequences close to the data's support.

A decoded latent code is always a *valid* sequence (length ``L``, every id in
``0..C-1``), but it can still be unlike anything in the data: the VAE's
decoder extrapolates wherever the ascent takes the code, and a sequence design
is only useful if it can be made and measured [Yu2021roma]_. Two kinds of
check are supported here:

- :class:`TransitionCheck`, derived from the data alone: the pairs of tokens
  ``(a, b)`` seen at positions ``j`` and ``j + lag`` in the training
  sequences (adjacent transitions for ``lag = 1``). A candidate that contains
  a pair never seen in the data is *implausible*. For grammars with forbidden
  neighbours (codon constraints, banded transition matrices, chemical
  valence) this is a cheap, oracle-free guard; where the data is small, it
  also rejects pairs that are merely unobserved.
- a user-supplied *feasibility* callable (``m x L`` long tensor to an ``m``
  bool tensor, ``True`` for feasible designs), given as a Python callable or
  as an importable ``"module:function"`` string (which keeps Ax generation
  steps JSON-serializable); see :func:`resolve_feasibility`.

:class:`~botorch_roma.latent.roma.LatentRoMA` never returns a candidate that
fails the checks in use.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.latent.vae import as_sequences

__all__ = [
    "TransitionCheck",
    "feasibility_name",
    "resolve_feasibility",
]

#: A feasibility check: ``m x L`` long sequences to an ``m`` bool mask.
Feasibility = Callable[[Tensor], Tensor]


class TransitionCheck:
    r"""Flag sequences with token pairs never seen in the data.

    For each ``lag`` in ``lags``, the check records which ordered pairs
    ``(a, b)`` occur as ``(x_j, x_{j + lag})`` in the training sequences; a
    sequence is plausible if every such pair in it was seen. With the default
    ``lags=(1,)`` these are the adjacent transitions. The check is derived
    from the data only (no oracle), so it suits any alphabet; see the module
    docstring for when it helps. [Yu2021roma]_

    Example:
        >>> check = TransitionCheck([[0, 1, 2], [1, 2, 0]], num_categories=3)
        >>> check(torch.tensor([[0, 1, 2], [2, 1, 0]]))
        tensor([ True, False])
        >>> check.unseen(torch.tensor([[2, 1, 0]]))
        tensor([2])
    """

    def __init__(
        self,
        sequences: Tensor | Sequence[Sequence[int]],
        num_categories: int | None = None,
        lags: Sequence[int] = (1,),
    ) -> None:
        r"""Record the token pairs of the data.

        Args:
            sequences: ``n x L`` category ids (or a list of equal-length
                sequences): the data whose support defines plausibility.
            num_categories: The number of categories ``C`` (default:
                ``max id + 1``).
            lags: The position offsets of the pairs (each ``1 <= lag < L``).
        """
        seqs = as_sequences(sequences, num_categories=num_categories)
        L = seqs.shape[-1]
        lags = tuple(lags)
        if not lags or any(
            isinstance(g, bool) or int(g) != g or not 1 <= g < L for g in lags
        ):
            raise RoMAInputError(
                f"lags must be a non-empty list of integers in 1, ..., L - 1 = "
                f"{L - 1}, got {lags!r}."
            )
        if num_categories is None:
            num_categories = int(seqs.max().item()) + 1
        self.num_categories = int(num_categories)
        self.seq_len = L
        self.lags = tuple(int(g) for g in lags)
        C = self.num_categories
        #: ``len(lags) x C x C`` bools: ``seen[i, a, b]`` if ``(a, b)`` occurs
        #: at offset ``lags[i]`` in the data.
        self.seen = torch.zeros(len(self.lags), C, C, dtype=torch.bool)
        for i, lag in enumerate(self.lags):
            pairs = (seqs[:, :-lag] * C + seqs[:, lag:]).reshape(-1).cpu()
            self.seen[i].view(-1)[pairs.unique()] = True

    def unseen(self, sequences: Tensor | Sequence[Sequence[int]]) -> Tensor:
        r"""The number of pairs in each sequence that the data never showed.

        Args:
            sequences: ``m x L`` category ids.

        Returns:
            An ``m`` long tensor (on the sequences' device).
        """
        seqs = as_sequences(
            sequences, num_categories=self.num_categories, seq_len=self.seq_len
        )
        C = self.num_categories
        seen = self.seen.to(seqs.device)
        count = torch.zeros(seqs.shape[0], dtype=torch.long, device=seqs.device)
        for i, lag in enumerate(self.lags):
            pairs = seqs[:, :-lag] * C + seqs[:, lag:]
            count += (~seen[i].view(-1)[pairs]).sum(-1)
        return count

    def __call__(self, sequences: Tensor | Sequence[Sequence[int]]) -> Tensor:
        r"""Whether each sequence holds only pairs seen in the data.

        Args:
            sequences: ``m x L`` category ids.

        Returns:
            An ``m`` bool tensor, ``True`` for plausible sequences.
        """
        return self.unseen(sequences) == 0


def feasibility_name(feasibility: str | Feasibility | None) -> str | None:
    r"""The importable ``"module:function"`` name of a feasibility check.

    Used where options must stay JSON-serializable (the Ax generation step):
    a string is checked and returned as is; a module-level function is named
    by its module and qualified name.

    Args:
        feasibility: ``None``, a ``"module:function"`` string, or a
            module-level function.

    Returns:
        ``None`` or the ``"module:function"`` string.

    Example:
        >>> feasibility_name("my_lab.rules:synthesizable")
        'my_lab.rules:synthesizable'
    """
    if feasibility is None or isinstance(feasibility, str):
        if feasibility is not None:
            resolve_feasibility(feasibility)
        return feasibility
    module = getattr(feasibility, "__module__", None)
    qualname = getattr(feasibility, "__qualname__", "")
    if not callable(feasibility) or not module or "<" in qualname:
        raise RoMAInputError(
            f"Cannot name the feasibility check {feasibility!r} for storage; pass "
            "an importable 'module:function' string (a function defined at a "
            "module's top level), not a lambda, closure or instance."
        )
    name = f"{module}:{qualname}"
    if resolve_feasibility(name) is not feasibility:
        raise RoMAInputError(
            f"The feasibility check {name!r} does not import back to the given "
            "function; pass an importable 'module:function' string."
        )
    return name


def resolve_feasibility(feasibility: str | Feasibility | None) -> Feasibility | None:
    r"""A feasibility callable from a callable or a ``"module:function"`` string.

    Args:
        feasibility: ``None``, a callable (``m x L`` long tensor to an ``m``
            bool tensor) or an importable ``"module:function"`` string
            (``function`` may be dotted, e.g. ``"pkg.mod:Rules.check"``).

    Returns:
        ``None`` or the callable.

    Example:
        >>> check = resolve_feasibility("my_lab.rules:synthesizable")
        >>> check(torch.tensor([[0, 1, 2]]))
        tensor([True])
    """
    if feasibility is None or (
        callable(feasibility) and not isinstance(feasibility, str)
    ):
        return feasibility
    if not isinstance(feasibility, str) or feasibility.count(":") != 1:
        raise RoMAInputError(
            "feasibility must be a callable or an importable 'module:function' "
            f"string, got {feasibility!r}."
        )
    module_name, _, attribute = feasibility.partition(":")
    try:
        target = importlib.import_module(module_name)
    except ImportError as error:
        raise RoMAInputError(
            f"Cannot import the module of the feasibility check {feasibility!r} "
            f"({error}); make it importable (on PYTHONPATH) or fix the name."
        ) from None
    try:
        for part in attribute.split("."):
            target = getattr(target, part)
    except AttributeError:
        raise RoMAInputError(
            f"Module {module_name!r} has no {attribute!r} for the feasibility "
            f"check {feasibility!r}; fix the name."
        ) from None
    if not callable(target):
        raise RoMAInputError(
            f"The feasibility check {feasibility!r} is not callable "
            f"({type(target).__name__})."
        )
    return target


def check_mask(mask: object, m: int, name: str = "feasibility") -> Tensor:
    r"""Check a feasibility check's answer for ``m`` sequences.

    Args:
        mask: What the check returned.
        m: The number of sequences it was given.
        name: How to name the check in errors.

    Returns:
        An ``m`` bool tensor.
    """
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
        raise RoMAInputError(
            f"The {name} check must return a bool tensor (one entry per "
            f"sequence), got {getattr(mask, 'dtype', type(mask).__name__)}."
        )
    if mask.shape != torch.Size([m]):
        raise RoMAInputError(
            f"The {name} check must return a bool tensor of shape ({m},) for "
            f"{m} sequences, got shape {tuple(mask.shape)}."
        )
    return mask
