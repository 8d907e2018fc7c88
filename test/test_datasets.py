r"""Tests for ``botorch_roma/datasets.py``: offline tasks and the split helper."""

from __future__ import annotations

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.datasets import (
    BUILTIN_DATASET,
    builtin_dataset,
    make_synthetic_task,
    split_visible,
)
from botorch_roma.exceptions import RoMAInputError


class TestDatasets(BotorchTestCase):
    def test_split_visible(self):
        y = torch.tensor([3.0, 1.0, 2.0, 0.0, 5.0])
        self.assertEqual(split_visible(y, 0.4).tolist(), [1, 3])
        self.assertEqual(split_visible(y.unsqueeze(-1), 1.0).tolist(), [0, 1, 2, 3, 4])
        self.assertEqual(len(split_visible(y, 0.01)), 2)  # at least two rows
        # Random tie-breaking: every tie order can come up, each reproducibly.
        ties = torch.zeros(6)
        picks = {
            tuple(split_visible(ties, 0.5, torch.Generator().manual_seed(s)).tolist())
            for s in range(20)
        }
        self.assertGreater(len(picks), 1)
        again = split_visible(ties, 0.5, torch.Generator().manual_seed(3))
        self.assertTrue(
            torch.equal(
                again, split_visible(ties, 0.5, torch.Generator().manual_seed(3))
            )
        )
        for bad in (0.0, 1.5):
            with self.assertRaisesRegex(RoMAInputError, "visible_fraction"):
                split_visible(y, bad)

    def test_synthetic_task_hides_its_top(self):
        task = make_synthetic_task("levy", dim=3, n_total=200, visible_fraction=0.5)
        self.assertEqual(task.X.shape, (100, 3))
        self.assertEqual(task.name, "levy-3")
        self.assertLess(task.Y.max().item(), task.y_max)  # the top is hidden
        self.assertAllClose(task.evaluate(task.X), task.Y)
        self.assertTrue(((task.X >= task.bounds[0]) & (task.X <= task.bounds[1])).all())
        self.assertAlmostEqual(task.normalize(torch.tensor(task.y_max)).item(), 1.0)
        with self.assertRaisesRegex(RoMAInputError, "Unknown synthetic function"):
            make_synthetic_task("nope")
        with self.assertRaisesRegex(RoMAInputError, "n_total"):
            make_synthetic_task("levy", n_total=1)

    def test_builtin_dataset(self):
        task = builtin_dataset()
        n_visible = round(
            BUILTIN_DATASET["n_total"] * BUILTIN_DATASET["visible_fraction"]
        )
        self.assertEqual(task.X.shape, (n_visible, BUILTIN_DATASET["dim"]))
        self.assertTrue(torch.equal(task.X, builtin_dataset().X))  # deterministic
