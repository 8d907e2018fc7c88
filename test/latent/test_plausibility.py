r"""Tests for botorch_roma/latent/plausibility.py."""

from __future__ import annotations

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.latent.plausibility import (
    TransitionCheck,
    check_mask,
    feasibility_name,
    resolve_feasibility,
)


def starts_with_one(seqs: torch.Tensor) -> torch.Tensor:
    r"""A module-level feasibility check: the first token is 1."""
    return seqs[:, 0] == 1


class TestTransitionCheck(BotorchTestCase):
    def test_adjacent_transitions(self):
        data = torch.tensor([[0, 1, 2, 0], [1, 2, 0, 1]], device=self.device)
        check = TransitionCheck(data, num_categories=3)
        # Seen transitions: 0->1, 1->2, 2->0.
        expected = torch.zeros(3, 3, dtype=torch.bool)
        expected[0, 1] = expected[1, 2] = expected[2, 0] = True
        self.assertTrue(torch.equal(check.seen[0], expected))
        candidates = torch.tensor(
            [[2, 0, 1, 2], [0, 0, 1, 2], [2, 1, 0, 2]], device=self.device
        )
        # Every training sequence is plausible; the others by their pairs.
        self.assertTrue(check(data).all())
        self.assertEqual(check.unseen(candidates).tolist(), [0, 1, 3])
        mask = check(candidates)
        self.assertEqual(mask.dtype, torch.bool)
        self.assertEqual(mask.device.type, self.device.type)
        self.assertEqual(mask.tolist(), [True, False, False])
        # Lists are accepted.
        self.assertEqual(check(candidates.tolist()).tolist(), [True, False, False])

    def test_lags(self):
        data = torch.tensor([[0, 1, 2, 0]])
        check = TransitionCheck(data, lags=(1, 2))
        self.assertEqual(check.num_categories, 3)  # max id + 1
        # (0, 2) at lag 2 is seen, (0, 0) at lag 2 is not.
        self.assertEqual(check.unseen(torch.tensor([[0, 1, 2, 0]])).tolist(), [0])
        self.assertEqual(check.unseen(torch.tensor([[0, 1, 0, 1]])).tolist(), [3])

    def test_bad_input(self):
        data = torch.tensor([[0, 1, 2]])
        for lags in [(), (0,), (3,), (1.5,), (True,)]:
            with self.assertRaisesRegex(RoMAInputError, "lags"):
                TransitionCheck(data, lags=lags)
        check = TransitionCheck(data, num_categories=4)
        with self.assertRaisesRegex(RoMAInputError, "length 3"):
            check(torch.tensor([[0, 1]]))
        with self.assertRaisesRegex(RoMAInputError, "out of range"):
            check(torch.tensor([[0, 1, 4]]))


class TestFeasibilityNames(BotorchTestCase):
    def test_resolve_and_name(self):
        name = f"{__name__}:starts_with_one"
        self.assertIs(resolve_feasibility(name), starts_with_one)
        self.assertIs(resolve_feasibility(starts_with_one), starts_with_one)
        self.assertIsNone(resolve_feasibility(None))
        self.assertEqual(feasibility_name(starts_with_one), name)
        self.assertEqual(feasibility_name(name), name)
        self.assertIsNone(feasibility_name(None))
        # Dotted attributes resolve too.
        check = resolve_feasibility("botorch_roma.latent:TransitionCheck.unseen")
        self.assertIs(check, TransitionCheck.unseen)

    def test_bad_names(self):
        with self.assertRaisesRegex(RoMAInputError, "module:function"):
            resolve_feasibility("no_colon")
        with self.assertRaisesRegex(RoMAInputError, "module:function"):
            resolve_feasibility(3)
        with self.assertRaisesRegex(RoMAInputError, "Cannot import"):
            resolve_feasibility("botorch_roma.no_such_module:f")
        with self.assertRaisesRegex(RoMAInputError, "has no"):
            resolve_feasibility(f"{__name__}:no_such_function")
        with self.assertRaisesRegex(RoMAInputError, "not callable"):
            resolve_feasibility("botorch_roma.latent.plausibility:__all__")
        with self.assertRaisesRegex(RoMAInputError, "lambda"):
            feasibility_name(lambda seqs: seqs[:, 0] == 0)

    def test_check_mask(self):
        ok = torch.tensor([True, False])
        self.assertIs(check_mask(ok, 2), ok)
        with self.assertRaisesRegex(RoMAInputError, "bool tensor"):
            check_mask(torch.tensor([1, 0]), 2)
        with self.assertRaisesRegex(RoMAInputError, "shape"):
            check_mask(ok, 3)
