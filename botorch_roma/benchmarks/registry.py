r"""One small registry pattern for the benchmark package.

Tasks, methods and the relaxations of discrete tasks are each looked up by
name in a :class:`Registry`: one place that registers an entry with a one-line
description, lists the names in registration order, and refuses an unknown
name with an error that names it and lists the registered ones.

Example:
    >>> colors = Registry("color")
    >>> _ = colors.register("red", (1, 0, 0), "The colour of RoMA's plots.")
    >>> colors.get("red")
    (1, 0, 0)
    >>> colors.get("blue")
    Traceback (most recent call last):
    ...
    botorch_roma.exceptions.RoMAInputError: Unknown color 'blue'. Available colors: red.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from botorch_roma.exceptions import RoMAInputError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    r"""Named entries with one-line descriptions, in registration order.

    Supports ``name in registry``, ``registry[name]`` (same as :meth:`get`),
    iteration over the names, ``len``, :meth:`items` and :meth:`pop`.
    """

    def __init__(
        self,
        kind: str,
        error: type[Exception] = RoMAInputError,
        hint: str | Callable[[], str] = "",
    ) -> None:
        r"""Create an empty registry.

        Args:
            kind: What the entries are, in the singular (``"task"``), for
                messages.
            error: The exception class raised for unknown names (e.g. BoTorch's
                ``UnsupportedError`` where the runner should record a run as
                unsupported rather than failed).
            hint: Text appended to the unknown-name error (or a function
                returning it, for hints that depend on other modules).
        """
        self.kind = kind
        self.error = error
        self.hint = hint
        self._entries: dict[str, T] = {}
        self._descriptions: dict[str, str] = {}

    def register(
        self, name: str, entry: T, description: str = "", replace: bool = False
    ) -> T:
        r"""Add an entry.

        Args:
            name: The registry name.
            entry: The entry.
            description: A one-line description (for ``--list``).
            replace: Allow replacing an existing entry of the same name.

        Returns:
            The entry, unchanged (so ``register`` can sit in a decorator).

        Raises:
            RoMAInputError: If the name is taken and ``replace`` is False.
        """
        if name in self._entries and not replace:
            raise RoMAInputError(
                f"A {self.kind} named {name!r} is already registered; pass "
                "replace=True to replace it or choose another name."
            )
        self._entries[name] = entry
        self._descriptions[name] = description
        return entry

    def get(self, name: str) -> T:
        r"""The entry registered under ``name``.

        Raises:
            The registry's ``error`` class (``RoMAInputError`` by default) for
            an unknown name; the message lists the registered names.
        """
        if name not in self._entries:
            hint = self.hint() if callable(self.hint) else self.hint
            raise self.error(
                f"Unknown {self.kind} {name!r}. Available {self.kind}s: "
                f"{', '.join(self._entries) or '(none)'}."
                + (f" {hint}" if hint else "")
            )
        return self._entries[name]

    def names(self) -> list[str]:
        r"""The registered names, in registration order."""
        return list(self._entries)

    def describe(self) -> dict[str, str]:
        r"""The one-line description of every entry, by name."""
        return dict(self._descriptions)

    def items(self) -> list[tuple[str, T]]:
        r"""``(name, entry)`` pairs, in registration order."""
        return list(self._entries.items())

    def pop(self, name: str, *default: T | None) -> T | None:
        r"""Remove an entry and return it (or ``default`` if absent)."""
        self._descriptions.pop(name, None)
        return self._entries.pop(name, *default)

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"
