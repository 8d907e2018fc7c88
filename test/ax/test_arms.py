r"""Tests for ``botorch_roma/ax/_arms.py``: scoped memoized arm signatures and a
paused garbage collector.

No test here loops over dtypes: arms and the garbage collector hold no tensors.
"""

from __future__ import annotations

import gc

from ax.core.arm import Arm
from botorch.utils.testing import BotorchTestCase

from botorch_roma.ax._arms import gc_paused, memoized_arm_signatures


class TestMemoizedArmSignatures(BotorchTestCase):
    r"""Ax arms only (no tensors), so there is no dtype to loop over."""

    def test_signatures_match_ax_and_patch_is_scoped(self):
        original = Arm.__dict__["signature"]
        params = [{"x": 0.5, "k": 1, "c": "a"}, {"x": 0.5, "k": 1.0, "c": "a"}]
        expected = [Arm(parameters=p).signature for p in params]
        with memoized_arm_signatures():
            with memoized_arm_signatures():  # re-entrant
                arms = [Arm(parameters=p) for p in params]
                self.assertEqual([a.signature for a in arms], expected)
                # memoized path
                self.assertEqual([a.signature for a in arms], expected)
            self.assertIsNot(Arm.__dict__["signature"], original)
            # int 1 and float 1.0 differ in Ax's signature; so do the memos.
            self.assertNotEqual(arms[0].signature, arms[1].signature)
            clone = arms[0].clone()
            self.assertEqual(clone.signature, expected[0])
            # A changed parameterization is never served a stale signature.
            arms[0]._parameters["x"] = 0.25
            self.assertEqual(arms[0].signature, Arm.md5hash(arms[0]._parameters))
            self.assertNotEqual(arms[0].signature, expected[0])
        self.assertIs(Arm.__dict__["signature"], original)
        self.assertEqual(arms[1].signature, expected[1])

    def test_patch_restored_on_error(self):
        original = Arm.__dict__["signature"]
        original_clone = Arm.__dict__["clone"]
        with self.assertRaisesRegex(RuntimeError, "boom"):
            with memoized_arm_signatures():
                raise RuntimeError("boom")
        self.assertIs(Arm.__dict__["signature"], original)
        self.assertIs(Arm.__dict__["clone"], original_clone)


class TestGcPaused(BotorchTestCase):
    r"""The garbage collector's state only (no tensors), so no dtype loop."""

    def test_pauses_and_restores_the_collector(self):
        was_enabled = gc.isenabled()
        try:
            gc.enable()
            with gc_paused():
                self.assertFalse(gc.isenabled())
                with gc_paused():  # nested: still off, and left off
                    self.assertFalse(gc.isenabled())
                self.assertFalse(gc.isenabled())
            self.assertTrue(gc.isenabled())
            # Restored on error too.
            with self.assertRaisesRegex(RuntimeError, "boom"):
                with gc_paused():
                    raise RuntimeError("boom")
            self.assertTrue(gc.isenabled())
            # A collector that was off stays off.
            gc.disable()
            with gc_paused():
                self.assertFalse(gc.isenabled())
            self.assertFalse(gc.isenabled())
        finally:
            if was_enabled:
                gc.enable()
            else:
                gc.disable()
