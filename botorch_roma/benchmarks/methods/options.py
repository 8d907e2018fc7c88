r"""The option classes of the benchmark methods.

Every method declares its tuning knobs once, in a :class:`MethodOptions`
subclass next to it (e.g. :class:`~botorch_roma.benchmarks.methods.coms.COMsOptions`),
with :func:`~botorch_roma.options.option` like the core's option classes: the
name, default, type, range and a one-line description. A method takes
``(task, n, seed, smoke, **options)`` and validates ``options`` with
:meth:`MethodOptions.for_run`, which also layers the class's smoke budget
(:attr:`MethodOptions.SMOKE`) under the given options when ``smoke=True``;
explicit options always win, as for RoMA's own
:data:`~botorch_roma.options.SMOKE_BUDGET`.

:class:`ProxyOptions` holds the knobs of the plain MLP proxy that gradient
ascent, COMs and BO-qEI's pseudo-oracle share (design-baselines' proxy).

Example:
    >>> ProxyOptions.for_run({"epochs": 3}).epochs
    3
    >>> ProxyOptions.for_run({"epoch": 3})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    botorch_roma.exceptions.RoMAInputError: Unknown proxy option(s) ['epoch'] ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from botorch_roma.options import RoMAOptions, option

__all__ = ["ACTIVATIONS", "MethodOptions", "ProxyOptions"]

#: The activations of the MLP proxies (see ``utils.build_mlp``).
ACTIVATIONS = ("relu", "leaky_relu", "softplus", "tanh")

_T = TypeVar("_T", bound="MethodOptions")


@dataclass(frozen=True)
class MethodOptions(RoMAOptions):
    r"""Base class of the benchmark methods' option classes."""

    _what: ClassVar[str] = "method option(s)"

    #: Option overrides for smoke runs: tiny budgets that check the pipeline
    #: runs, not what it finds.
    SMOKE: ClassVar[dict[str, Any]] = {}

    @classmethod
    def for_run(
        cls: type[_T], options: Mapping[str, Any] | None = None, smoke: bool = False
    ) -> _T:
        r"""The validated options of one run.

        Args:
            options: The options given to the method.
            smoke: Put the class's smoke budget (:attr:`SMOKE`) under them.

        Returns:
            A validated instance.
        """
        options = dict(options or {})
        return cls.from_dict({**cls.SMOKE, **options} if smoke else options)


@dataclass(frozen=True)
class ProxyOptions(MethodOptions):
    r"""An MLP proxy trained with the squared error, as in design-baselines."""

    _what: ClassVar[str] = "proxy option(s)"

    hidden_sizes: tuple[int, ...] = option(
        (256, 256),
        "Widths of the proxy's hidden layers (design-baselines uses 2048; 256 "
        "keeps CPU runs short).",
        low=1,
        nonempty=True,
    )
    activation: str = option(
        "leaky_relu", "The proxy's activation.", choices=ACTIVATIONS
    )
    epochs: int = option(100, "Proxy training epochs.", low=0)
    lr: float = option(1e-3, "Proxy learning rate (Adam).", low=0.0, strict=True)
    batch_size: int = option(128, "Proxy minibatch size.", low=1)

    SMOKE: ClassVar[dict[str, Any]] = {"hidden_sizes": (32, 32), "epochs": 2}
