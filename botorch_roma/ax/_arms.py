r"""A scoped speed-up for Ax experiments with tens of thousands of arms.

Ax 1.3 recomputes an arm's signature (an MD5 hash of its JSON-dumped
parameters) every time the arm is hashed, and a ``BatchTrial`` re-hashes all of
its arms each time its ``arms`` are read. Attaching 20,000 offline rows as one
batch trial computes about 16 signatures per arm, and every later model fit
reads the trial's arms again, so the hashing dominates Ax's own overhead.

:func:`memoized_arm_signatures` is a context manager that, *only while it is
active*, makes ``Arm.signature`` remember its value on the arm. The memo is
keyed on the arm's current parameters (names, values and value types), so a
changed parameterization is never served a stale signature, and the signatures
are bit-for-bit those Ax computes. ``attach_offline_data`` and
``generate_batch`` use it; nothing is changed outside it.

:func:`gc_paused` pauses Python's cyclic garbage collector while tens of
thousands of small Ax objects are created at once (the collector otherwise
re-scans the growing heap several times, adding up to 50% to the attach).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ax.core.arm import Arm

__all__ = ["gc_paused", "memoized_arm_signatures"]

_MEMO_ATTR = "_roma_signature_memo"
_ORIGINAL_SIGNATURE = Arm.signature
_ORIGINAL_CLONE = Arm.clone
_lock = threading.Lock()
_depth = 0


def _memoized_signature(self: Arm) -> str:
    parameters = self._parameters
    memo = self.__dict__.get(_MEMO_ATTR)
    # Valid while the parameters compare equal *and* keep their value types
    # (1 == 1.0, but Ax's signature tells them apart).
    if (
        memo is not None
        and parameters == memo[0]
        and tuple(map(type, parameters.values())) == memo[1]
    ):
        return memo[2]
    signature = Arm.md5hash(parameters)
    types = tuple(map(type, parameters.values()))
    self.__dict__[_MEMO_ATTR] = (dict(parameters), types, signature)
    return signature


def _memoized_clone(self: Arm, clear_name: bool = False) -> Arm:
    arm = _ORIGINAL_CLONE(self, clear_name=clear_name)
    memo = self.__dict__.get(_MEMO_ATTR)
    if memo is not None:
        # Re-validated against the clone's own parameters on first use.
        arm.__dict__[_MEMO_ATTR] = memo
    return arm


@contextmanager
def memoized_arm_signatures() -> Iterator[None]:
    r"""Memoize ``Arm.signature`` (and carry the memo through ``Arm.clone``).

    Re-entrant; the original Ax behaviour is restored when the outermost
    context exits, also on error.

    Example:
        >>> with memoized_arm_signatures():
        ...     trial = experiment.new_batch_trial(generator_run=run)
    """
    global _depth
    with _lock:
        if _depth == 0:
            Arm.signature = property(_memoized_signature)
            Arm.clone = _memoized_clone
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                Arm.signature = _ORIGINAL_SIGNATURE
                Arm.clone = _ORIGINAL_CLONE


@contextmanager
def gc_paused() -> Iterator[None]:
    r"""Disable the cyclic garbage collector inside the block (if it was on).

    Example:
        >>> with gc_paused():
        ...     arms = [Arm(parameters=p) for p in parameterizations]
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
