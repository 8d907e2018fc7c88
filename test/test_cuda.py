r"""Rerun the core test suite on CUDA (skipped where no GPU is present)."""

import unittest
from pathlib import Path

import torch
from botorch.utils.testing import BotorchTestCase

CORE_TEST_DIRS = ("models", "generation")


@unittest.skipIf(not torch.cuda.is_available(), "no CUDA device on this machine")
class TestCuda(unittest.TestCase):
    def test_core_suite_on_cuda(self):
        root = Path(__file__).parent
        suite = unittest.TestSuite()
        for name in CORE_TEST_DIRS:
            suite.addTests(
                unittest.defaultTestLoader.discover(
                    start_dir=str(root / name),
                    pattern="test_*.py",
                    top_level_dir=str(root.parent),
                )
            )
        old = BotorchTestCase.device
        BotorchTestCase.device = torch.device("cuda")
        try:
            result = unittest.TextTestRunner(verbosity=1).run(suite)
        finally:
            BotorchTestCase.device = old
        self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
