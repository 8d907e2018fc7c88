r"""A registry of named offline model-based optimization methods.

Every benchmark method is a plain function with the signature
``method(task, n, seed, smoke, **options) -> Tensor`` that proposes ``n``
designs for an :class:`~botorch_roma.datasets.OfflineTask`:
``n x d`` floating point designs inside ``task.bounds`` for continuous tasks, or
``n x L`` category ids (``torch.long``) for discrete tasks. ``smoke=True`` asks
for a tiny budget (for CI), ``options`` override the method's defaults.

A method that cannot handle a task raises BoTorch's ``UnsupportedError`` with a
message saying why; the benchmark runner records such runs as unsupported
instead of failing the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botorch_roma.exceptions import RoMAInputError

__all__ = [
    "METHODS",
    "Method",
    "describe_methods",
    "get_method",
    "list_methods",
    "register_method",
]


@dataclass(frozen=True)
class Method:
    r"""A named benchmark method.

    Attributes:
        name: The registry name, e.g. ``"roma"``.
        fn: ``fn(task, n, seed, smoke, **options) -> Tensor`` returning ``n``
            candidate designs.
        description: A one-line description for ``--list``.
        supports_discrete: Whether the method handles discrete tasks, or a
            zero-argument callable that decides it when asked (used by the RoMA
            entries, which handle discrete tasks once a latent relaxation is
            registered).
    """

    name: str
    fn: Callable
    description: str
    supports_discrete: bool | Callable[[], bool] = False

    def handles_discrete(self) -> bool:
        r"""Whether the method can currently run on discrete tasks."""
        if callable(self.supports_discrete):
            return bool(self.supports_discrete())
        return bool(self.supports_discrete)

    def __call__(self, task, n: int, seed: int, smoke: bool = False, **options):
        return self.fn(task, n=n, seed=seed, smoke=smoke, **options)


#: All registered methods by name (in registration order).
METHODS: dict[str, Method] = {}


def register_method(method: Method, replace: bool = False) -> Method:
    r"""Add a method to the registry.

    Args:
        method: The method to register.
        replace: Allow replacing an existing entry of the same name (e.g. to plug
            in a discrete-capable ``roma``).

    Returns:
        The registered method.

    Example:
        >>> def random_top(task, n, seed, smoke=False):
        ...     return task.X[:n]
        >>> _ = register_method(Method("first-rows", random_top, "First rows."))
    """
    if method.name in METHODS and not replace:
        raise RoMAInputError(
            f"A method named {method.name!r} is already registered; pass "
            "replace=True to replace it or choose another name."
        )
    METHODS[method.name] = method
    return method


def list_methods() -> list[str]:
    r"""The names of all registered methods, in registration order."""
    return list(METHODS)


def describe_methods() -> dict[str, str]:
    r"""A one-line description of every registered method, by name."""
    return {name: method.description for name, method in METHODS.items()}


def get_method(name: str) -> Method:
    r"""Look up a registered method by name.

    Args:
        name: The method's registry name.

    Returns:
        The :class:`Method`.

    Raises:
        RoMAInputError: If no method of that name is registered; the message
            lists the available names.
    """
    try:
        return METHODS[name]
    except KeyError:
        raise RoMAInputError(
            f"Unknown method {name!r}. Available methods: {', '.join(list_methods())}."
        ) from None
