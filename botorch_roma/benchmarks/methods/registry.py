r"""A registry of named offline model-based optimization methods.

Every benchmark method is a plain function with the signature
``method(task, n, seed, smoke, **options) -> Tensor`` that proposes ``n``
designs for an :class:`~botorch_roma.datasets.OfflineTask`:
``n x d`` floating point designs inside ``task.bounds`` for continuous tasks, or
``n x L`` category ids (``torch.long``) for discrete tasks. ``smoke=True`` asks
for a tiny budget (for CI), ``options`` override the method's defaults (each
method validates them through its options class, see
:mod:`~botorch_roma.benchmarks.methods.options`).

A method that cannot handle a task raises BoTorch's ``UnsupportedError`` with a
message saying why; the benchmark runner records such runs as unsupported
instead of failing the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botorch_roma.benchmarks.registry import Registry

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
        supports_discrete: Whether the method handles discrete tasks.
    """

    name: str
    fn: Callable
    description: str
    supports_discrete: bool = False

    def __call__(self, task, n: int, seed: int, smoke: bool = False, **options):
        return self.fn(task, n=n, seed=seed, smoke=smoke, **options)


#: All registered methods by name (in registration order).
METHODS: Registry[Method] = Registry("method")


def register_method(method: Method, replace: bool = False) -> Method:
    r"""Add a method to the registry.

    Args:
        method: The method to register.
        replace: Allow replacing an existing entry of the same name.

    Returns:
        The registered method.

    Example:
        >>> def first_rows(task, n, seed, smoke=False):
        ...     return task.X[:n]
        >>> _ = register_method(Method("first-rows", first_rows, "First rows."))
        >>> _ = METHODS.pop("first-rows")
    """
    return METHODS.register(method.name, method, method.description, replace)


def list_methods() -> list[str]:
    r"""The names of all registered methods, in registration order."""
    return METHODS.names()


def describe_methods() -> dict[str, str]:
    r"""A one-line description of every registered method, by name."""
    return METHODS.describe()


def get_method(name: str) -> Method:
    r"""Look up a registered method by name.

    Raises:
        RoMAInputError: If no method of that name is registered; the message
            lists the available names.
    """
    return METHODS.get(name)
