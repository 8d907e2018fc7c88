r"""Exceptions raised by botorch-roma.

Bad input raises :class:`RoMAInputError`, a subclass of BoTorch's
``InputDataError`` (and of ``ValueError``), so existing BoTorch error handling
catches it. Unsupported configurations raise BoTorch's ``UnsupportedError``.
A pre-training run that diverges raises :class:`RoMATrainingError`; one that
finishes but explains little of the data warns with :class:`RoMAFitWarning`.
Input that is usable but may not give what the caller expects (training
designs outside the given bounds, candidates that coincide) warns with
:class:`RoMAInputWarning`, saying what was done.
"""

from __future__ import annotations

from botorch.exceptions.errors import BotorchError, InputDataError

__all__ = [
    "RoMAError",
    "RoMAFitWarning",
    "RoMAInputError",
    "RoMAInputWarning",
    "RoMATrainingError",
]


class RoMAError(BotorchError):
    r"""Base class for all errors raised by botorch-roma."""


class RoMAInputError(RoMAError, InputDataError, ValueError):
    r"""Invalid user input: the message names the problem and the fix."""


class RoMATrainingError(RoMAError, RuntimeError):
    r"""Robust pre-training diverged or collapsed; the message names the sign
    (non-finite loss, exploding training or validation error, predictions far
    outside the data, a constant proxy) and the option to lower."""


class RoMAFitWarning(RuntimeWarning):
    r"""The proxy fits its training data poorly; its designs deserve less trust."""


class RoMAInputWarning(UserWarning):
    r"""The input is usable but questionable; the message says what was done."""
