r"""Tests for ``botorch_roma/ax/acquisition.py``: RoMA's ascent as an Acquisition.

The acquisition's ``optimize`` runs end to end through Ax in
``test/ax/test_generation.py``; here its argument checks.
"""

from __future__ import annotations

import torch
from botorch.exceptions.errors import UnsupportedError
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax.acquisition import check_optimize_arguments
from botorch_roma.exceptions import RoMAInputError


class TestCheckOptimizeArguments(BotorchTestCase):
    def test_rejects_unsupported_arguments(self):
        check_optimize_arguments(3, None, None, None)  # fine
        with self.assertRaisesRegex(UnsupportedError, "in-sample"):
            check_optimize_arguments(3, None, torch.zeros(2, 1), None)
        with self.assertRaisesRegex(UnsupportedError, "optimizer_options"):
            check_optimize_arguments(3, {"maxiter": 5}, None, None)
        with self.assertRaisesRegex(RoMAInputError, "positive"):
            check_optimize_arguments(0, None, None, None)
