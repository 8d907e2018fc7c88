r"""Tests for botorch_roma/latent/roma.py."""

from __future__ import annotations

import warnings

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.exceptions import RoMAFitWarning, RoMAInputError, RoMATrainingError
from botorch_roma.latent.roma import LatentRoMA, optimize_latent_roma
from botorch_roma.latent.vae import CategoricalVAE

L, C = 6, 3

# Tiny budgets: these tests check behaviour, not optimization quality.
TINY_VAE = {
    "latent_dim": 4,
    "hidden_size": 32,
    "beta": 0.1,
    "epochs": 30,
    "batch_size": 32,
}
TINY_MODEL = {"hidden_sizes": (16, 16), "epochs": 5, "inner_steps": 2}
TINY_ASCENT = {"steps": 10, "adapt_steps": 3, "lr": 0.05}


def _data(n: int, seed: int, **tkwargs) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Random sequences scored by the number of 2s (higher is better)."""
    gen = torch.Generator().manual_seed(seed)
    seqs = torch.randint(C, (n, L), generator=gen).to(tkwargs.get("device"))
    Y = (seqs == 2).sum(-1, keepdim=True).to(**tkwargs)
    return seqs, Y


def starts_with_two(seqs: torch.Tensor) -> torch.Tensor:
    r"""A module-level feasibility check: the first token is 2."""
    return seqs[:, 0] == 2


def _markov_data(n: int, seed: int, **tkwargs) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Sequences that never step from 0 to 2, scored by their number of 2s."""
    gen = torch.Generator().manual_seed(seed)
    seqs = torch.randint(C, (n, L), generator=gen)
    for j in range(1, L):
        forbidden = (seqs[:, j - 1] == 0) & (seqs[:, j] == 2)
        seqs[forbidden, j] = 1
    seqs = seqs.to(tkwargs.get("device"))
    return seqs, (seqs == 2).sum(-1, keepdim=True).to(**tkwargs)


def _tiny(**kwargs) -> LatentRoMA:
    options = {
        "vae_options": TINY_VAE,
        "model_options": TINY_MODEL,
        "ascent_options": TINY_ASCENT,
    }
    options.update(kwargs)
    return LatentRoMA(**options)


def _assert_valid_distinct(test, seqs: torch.Tensor, n: int) -> None:
    test.assertEqual(seqs.shape, torch.Size([n, L]))
    test.assertEqual(seqs.dtype, torch.long)
    test.assertTrue(((seqs >= 0) & (seqs < C)).all())
    test.assertEqual(torch.unique(seqs, dim=0).shape[0], n)


class TestLatentRoMA(BotorchTestCase):
    def test_fit_generate(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                seqs, Y = _data(60, 0, **tkwargs)
                seqs_copy, Y_copy = seqs.clone(), Y.clone()
                roma = _tiny().fit(seqs, Y, num_categories=C, seed=0)
                self.assertTrue(torch.equal(seqs, seqs_copy))
                self.assertTrue(torch.equal(Y, Y_copy))
                self.assertEqual((roma.seq_len, roma.num_categories), (L, C))
                self.assertEqual(roma.model.train_X.dtype, dtype)
                self.assertEqual(roma.model.train_X.shape, torch.Size([60, 4]))
                out, values = roma.generate(n=8, seed=0)
                _assert_valid_distinct(self, out, 8)
                self.assertEqual(values.shape, torch.Size([8]))
                self.assertEqual(values.dtype, dtype)
                self.assertTrue(torch.isfinite(values).all())
                # Values are the proxy at the re-encoded sequences.
                self.assertAllClose(values, roma.predict(out))
                self.assertEqual(sum(roma.last_generation.values()), 8)
                # Reproducible under the same seeds.
                again = _tiny().fit(seqs, Y, num_categories=C, seed=0)
                out2, values2 = again.generate(n=8, seed=0)
                self.assertTrue(torch.equal(out, out2))
                self.assertAllClose(values, values2)
                # The callback sees the latent ascent.
                seen: list[tuple] = []

                def callback(t, Z, v, seen=seen):
                    seen.append((Z.shape, v.shape))

                roma.generate(n=4, callback=callback)
                self.assertEqual(len(seen), TINY_ASCENT["steps"])
                self.assertEqual(seen[0], (torch.Size([4, 4]), torch.Size([4])))

    def test_list_input_and_latent_samples(self):
        seqs, Y = _data(40, 1, dtype=torch.double)
        roma = _tiny(latent_samples=2).fit(seqs.tolist(), Y.squeeze(-1), seed=1)
        # num_categories inferred as max id + 1; proxy on 2 draws per sequence.
        self.assertEqual(roma.num_categories, C)
        self.assertEqual(roma.model.train_X.shape[0], 80)
        out, _ = roma.generate(n=5, seed=1)
        _assert_valid_distinct(self, out, 5)

    def test_fewer_distinct_sequences_than_n(self):
        base = torch.tensor(
            [[0, 1, 2, 0, 1, 2], [1, 1, 1, 1, 1, 1], [2, 2, 0, 0, 1, 1]]
        )
        seqs = base.repeat(4, 1)
        Y = torch.arange(12, dtype=torch.double).unsqueeze(-1)
        roma = _tiny().fit(seqs, Y, num_categories=C, seed=0)
        out, _ = roma.generate(n=10, seed=0)
        _assert_valid_distinct(self, out, 10)
        self.assertLessEqual(roma.last_generation["argmax"], 3)

    def test_collision_fallback(self):
        # A "fitted" VAE whose decoder ignores z and always prefers one sequence:
        # every ascended code decodes to it, so the fallback must fill the rest.
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                seqs, Y = _data(30, 2, **tkwargs)
                vae = CategoricalVAE(L, C, latent_dim=4, hidden_size=8, **tkwargs)
                vae.fit(seqs, epochs=2, seed=0)
                with torch.no_grad():
                    vae.dec2.weight.zero_()
                    vae.dec2.bias.copy_(torch.tensor([5.0, 0.0, 0.0]).repeat(L))
                roma = LatentRoMA(
                    vae=vae,
                    model_options=TINY_MODEL,
                    ascent_options=TINY_ASCENT,
                ).fit(seqs, Y, seed=0)
                self.assertIs(roma.vae, vae)  # a fitted VAE is used as is
                out, values = roma.generate(n=12, seed=0)
                _assert_valid_distinct(self, out, 12)
                counts = roma.last_generation
                self.assertEqual(counts["argmax"], 1)
                self.assertEqual(sum(counts.values()), 12)
                self.assertGreater(counts["sampled"], 0)
                self.assertTrue(torch.isfinite(values).all())
                # The whole space (3^6 = 729) can be asked for, minus training.
                roma.exclude_training = True
                out, _ = roma.generate(n=60, seed=1)
                _assert_valid_distinct(self, out, 60)
                train = {tuple(r) for r in seqs.tolist()}
                self.assertFalse(any(tuple(r) in train for r in out.tolist()))

    def test_vae_report(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                seqs, Y = _data(30, 4, **tkwargs)
                roma = _tiny().fit(seqs, Y, num_categories=C, seed=0)
                report = roma.vae_report(n=5)
                recon = roma.vae.decode(roma.vae.encode(seqs))
                hit = recon == seqs
                self.assertAlmostEqual(
                    report["position_accuracy"], hit.double().mean().item()
                )
                self.assertAlmostEqual(
                    report["sequence_accuracy"], hit.all(-1).double().mean().item()
                )
                self.assertEqual(report["starts"], 5)
                # A decoder that ignores z reproduces no start but its own.
                with torch.no_grad():
                    roma.vae.dec2.weight.zero_()
                    roma.vae.dec2.bias.copy_(torch.tensor([5.0, 0.0, 0.0]).repeat(L))
                report = roma.vae_report(n=5)
                self.assertEqual(report["start_reproduction"], 0.0)
                self.assertEqual(report["sequence_accuracy"], 0.0)
                self.assertAlmostEqual(
                    report["position_accuracy"], (seqs == 0).double().mean().item()
                )

    def test_vae_fallback_when_reconstruction_is_poor(self):
        seqs, Y = _data(30, 4, dtype=torch.double)
        short = {"epochs": 1, "hidden_size": 16}  # the default size and beta
        roma = _tiny(vae_options=short).fit(seqs, Y, num_categories=C, seed=0)
        # One epoch of the 32-d VAE gives back few starts: refitted as 128-d.
        self.assertTrue(roma.vae_fallback_used)
        self.assertEqual(roma.vae.latent_dim, 128)
        self.assertEqual(roma.vae.beta, 0.01)
        report = roma.vae_report()
        self.assertEqual((report["latent_dim"], report["vae_fallback"]), (128, 1))
        seqs_out, _ = roma.generate(n=4, seed=0)
        self.assertEqual(seqs_out.shape, torch.Size([4, L]))
        # A size or KL weight the user chose is kept.
        for given in ({"latent_dim": 8}, {"beta": 0.5}):
            roma = _tiny(vae_options={**short, **given}).fit(seqs, Y, seed=0)
            self.assertFalse(roma.vae_fallback_used)
            self.assertNotEqual(roma.vae.latent_dim, 128)
        # A default VAE that gives back the starts is kept.
        roma = _tiny(vae_options={"epochs": 300, "hidden_size": 64}).fit(
            seqs, Y, num_categories=C, seed=0
        )
        self.assertFalse(roma.vae_fallback_used)
        self.assertEqual(roma.vae.latent_dim, 32)

    def test_poor_reconstruction_warns(self):
        seqs, Y = _data(30, 4, dtype=torch.double)
        # One epoch: the VAE gives back almost no start.
        poor = {**TINY_VAE, "epochs": 1}
        with self.assertWarnsRegex(RoMAFitWarning, "latent_dim.*128.*anchored"):
            _tiny(vae_options=poor).fit(seqs, Y, num_categories=C, seed=0)
        with warnings.catch_warnings():
            # (The tiny proxy's own poor-fit warning is not what is tested.)
            warnings.filterwarnings("error", "The VAE", RoMAFitWarning)
            # Anchored decoding gives the starts back by construction.
            _tiny(vae_options=poor, anchored=True).fit(seqs, Y, num_categories=C)
            # A VAE that gives back the starts is quiet.
            good = {"latent_dim": 8, "hidden_size": 64, "beta": 0.01, "epochs": 300}
            roma = _tiny(vae_options=good).fit(seqs, Y, num_categories=C, seed=0)
        self.assertGreaterEqual(roma.vae_report()["start_reproduction"], 0.9)

    def test_feasibility_is_honoured(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                seqs, Y = _data(40, 5, **tkwargs)
                # As a callable at construction, or by name for one call.
                roma = _tiny(feasibility=starts_with_two).fit(seqs, Y, seed=0)
                out, values = roma.generate(n=12, seed=0)
                _assert_valid_distinct(self, out, 12)
                self.assertTrue((out[:, 0] == 2).all())
                self.assertTrue(torch.isfinite(values).all())
                self.assertEqual(sum(roma.last_generation.values()), 12)
                plain = _tiny().fit(seqs, Y, seed=0)
                by_name = plain.generate(
                    n=12, seed=0, feasibility=f"{__name__}:starts_with_two"
                )[0]
                self.assertTrue(torch.equal(by_name, out))
                # A check that nothing passes raises, naming the fixes.
                with self.assertRaisesRegex(RoMAInputError, "Found only 0 of n=4"):
                    plain.generate(
                        n=4, feasibility=lambda s: torch.zeros(len(s), dtype=bool)
                    )
                with self.assertRaisesRegex(RoMAInputError, "bool tensor"):
                    plain.generate(n=4, feasibility=lambda s: s[:, 0])

    def test_failing_decodings_fall_back_to_passing_iterates(self):
        seqs, Y = _data(40, 6, dtype=torch.double)
        ascent = {**TINY_ASCENT, "lr": 0.5, "steps": 20}
        roma = _tiny(ascent_options=ascent, plausibility="none").fit(seqs, Y, seed=0)
        first, _ = roma.generate(n=10, seed=0)
        moved = {tuple(r) for r in first.tolist()} - {tuple(r) for r in seqs.tolist()}
        self.assertGreater(len(moved), 0)

        def not_moved(s: torch.Tensor) -> torch.Tensor:
            return torch.tensor([tuple(r) not in moved for r in s.tolist()])

        # The same run, but the ascent's new decodings fail: each is replaced by
        # the best passing iterate along its own ascent, never returned.
        out, _ = roma.generate(n=10, seed=0, feasibility=not_moved)
        _assert_valid_distinct(self, out, 10)
        self.assertTrue(not_moved(out).all())
        self.assertEqual(roma.last_failed, len(moved))
        self.assertGreater(roma.last_generation["iterate"], 0)

    def test_anchored_decoding_keeps_the_starts(self):
        # A decoder that ignores z reproduces no start; anchored decoding keeps
        # every position whose decoding the ascent did not change, so the
        # candidates are the starting designs themselves.
        seqs, Y = _data(30, 2, dtype=torch.double)
        vae = CategoricalVAE(L, C, latent_dim=4, hidden_size=8, dtype=torch.double)
        vae.fit(seqs, epochs=2, seed=0)
        with torch.no_grad():
            vae.dec2.weight.zero_()
            vae.dec2.bias.copy_(torch.tensor([5.0, 0.0, 0.0]).repeat(L))
        options = {"model_options": TINY_MODEL, "ascent_options": TINY_ASCENT}
        roma = LatentRoMA(vae=vae, anchored=True, **options).fit(seqs, Y, seed=0)
        self.assertEqual(roma.vae_report(n=6)["start_reproduction"], 0.0)
        out, _ = roma.generate(n=6, seed=0)
        starts = roma._ranked_training_sequences()[1][:6]
        self.assertTrue(torch.equal(out, starts))
        self.assertEqual(roma.last_generation["argmax"], 6)
        plain = LatentRoMA(vae=vae, **options).fit(seqs, Y, seed=0)
        plain.generate(n=6, seed=0)
        self.assertEqual(plain.last_generation["argmax"], 1)
        with self.assertRaisesRegex(RoMAInputError, "anchored"):
            LatentRoMA(anchored="yes")

    def test_plausibility(self):
        seqs, Y = _markov_data(60, 7, dtype=torch.double)
        roma = _tiny(ascent_options={**TINY_ASCENT, "lr": 0.5}).fit(seqs, Y, seed=0)
        self.assertEqual(roma.plausibility, "transitions")
        self.assertFalse(roma.plausibility_check.seen[0, 0, 2])
        out, _ = roma.generate(n=30, seed=0)
        _assert_valid_distinct(self, out, 30)
        steps = torch.stack([out[:, :-1], out[:, 1:]], dim=-1).reshape(-1, 2)
        self.assertFalse(((steps[:, 0] == 0) & (steps[:, 1] == 2)).any())
        # Without the check, the same run returns the unseen transition.
        off = _tiny(ascent_options={**TINY_ASCENT, "lr": 0.5}, plausibility="none")
        off.fit(seqs, Y, seed=0)
        self.assertIsNone(off.plausibility_check)
        out, _ = off.generate(n=30, seed=0)
        self.assertTrue(((out[:, :-1] == 0) & (out[:, 1:] == 2)).any())
        with self.assertRaisesRegex(RoMAInputError, "plausibility"):
            _tiny(plausibility="motifs")

    def test_bad_input(self):
        seqs, Y = _data(20, 3, dtype=torch.double)
        with self.assertRaisesRegex(RoMAInputError, "not fitted"):
            _tiny().generate(n=2)
        with self.assertRaisesRegex(RoMAInputError, "Unknown VAE option"):
            LatentRoMA(vae_options={"latent_size": 3})
        with self.assertRaisesRegex(RoMAInputError, "Unknown RoMAModel option"):
            LatentRoMA(model_options={"hidden": 3})
        with self.assertRaisesRegex(RoMAInputError, "Unknown RoMA ascent option"):
            LatentRoMA(ascent_options={"step": 3})
        with self.assertRaisesRegex(RoMAInputError, "latent_samples"):
            LatentRoMA(latent_samples=-1)
        with self.assertRaisesRegex(RoMAInputError, "both a vae"):
            LatentRoMA(vae=CategoricalVAE(L, C), vae_options={"beta": 0.5})
        with self.assertRaisesRegex(RoMAInputError, "out of range for 2"):
            _tiny().fit(seqs, Y, num_categories=2)
        with self.assertRaisesRegex(RoMAInputError, "ragged"):
            _tiny().fit([[0, 1], [0]], torch.ones(2, 1))
        with self.assertRaisesRegex(RoMAInputError, "empty"):
            _tiny().fit(seqs[:0], Y[:0])
        with self.assertRaisesRegex(RoMAInputError, "n=20"):
            _tiny().fit(seqs, Y[:5])
        with self.assertRaisesRegex(RoMAInputError, "floating point"):
            _tiny().fit(seqs, Y.long())
        with self.assertRaisesRegex(RoMAInputError, "progress must be a bool"):
            _tiny().fit(seqs, Y, progress="no")
        bad_Y = Y.clone()
        bad_Y[3] = -float("inf")
        with self.assertRaisesRegex(RoMAInputError, "non-finite"):
            _tiny().fit(seqs, bad_Y)
        vae = CategoricalVAE(L + 1, C)
        with self.assertRaisesRegex(RoMAInputError, f"length {L + 1}"):
            LatentRoMA(vae=vae).fit(seqs, Y)
        with self.assertRaisesRegex(RoMAInputError, "differs from the VAE"):
            LatentRoMA(vae=CategoricalVAE(L, C)).fit(seqs, Y, num_categories=C + 1)
        # Generation-time checks against the fitted length and categories.
        roma = _tiny().fit(seqs, Y, num_categories=C, seed=0)
        with self.assertRaisesRegex(RoMAInputError, "length 7"):
            roma.generate(n=2, seq_len=7)
        with self.assertRaisesRegex(RoMAInputError, "4 categories"):
            roma.generate(n=2, num_categories=4)
        with self.assertRaisesRegex(RoMAInputError, "only 729 exist"):
            roma.generate(n=730)
        with self.assertRaisesRegex(RoMAInputError, "positive integer"):
            roma.generate(n=0)
        with self.assertRaisesRegex(RoMAInputError, f"length {L}"):
            roma.predict(seqs[:, :3])

    def test_diverged_latent_proxy_raises(self):
        # The latent proxy is checked like any RoMA proxy: a perturbation ball
        # ten times the weights' size, or a learning rate that blows it up.
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            seqs, Y = _data(60, 0, **tkwargs)
            for options, message in (
                ({"epsilon": 10.0}, "robust training loss ended at"),
                ({"lr": 10.0, "epochs": 30}, "training MSE"),
            ):
                with self.subTest(dtype=dtype, options=options):
                    roma = _tiny(model_options={**TINY_MODEL, **options})
                    with self.assertRaisesRegex(
                        RoMATrainingError, f"{message}.*Lower epsilon"
                    ):
                        roma.fit(seqs, Y, num_categories=C, seed=0)

    def test_optimize_latent_roma(self):
        seqs, Y = _data(40, 4, dtype=torch.double)
        out, values = optimize_latent_roma(
            seqs,
            Y,
            n=6,
            num_categories=C,
            seed=0,
            vae_options=TINY_VAE,
            model_options=TINY_MODEL,
            **TINY_ASCENT,
        )
        _assert_valid_distinct(self, out, 6)
        self.assertEqual(values.shape, torch.Size([6]))


class TestLatentRoMAEhrlich(BotorchTestCase):
    def test_end_to_end_beats_dataset_top_n(self):
        r"""On a small Ehrlich task the candidates' median beats the data's top-n.

        The task is the TFBind8-shaped Ehrlich function (4 states, length 8, two
        motifs of length 4; infeasible sequences score 0): the visible data is
        the bottom half of all feasible sequences, subsampled to 1,000 rows for
        speed. The budget is the latent defaults with 50 pre-training epochs and
        20 adaptation steps. Measured (seed 0): candidates' median 0.375 against
        0.25 for the top 32 visible designs. Over task seeds 0-4 this setting
        beat the top-n median on seeds 0, 1 and 2 and tied on 3 and 4 (see the
        report accompanying the latent module).
        """
        from botorch_roma.benchmarks.tasks.ehrlich import (
            TFBIND8_CONFIG,
            make_ehrlich_task,
        )

        n, seed = 32, 0
        task = make_ehrlich_task(TFBIND8_CONFIG, seed=seed)
        gen = torch.Generator().manual_seed(seed)
        rows = torch.randperm(task.X.shape[0], generator=gen)[:1000]
        X, Y = task.X[rows], task.Y[rows]
        roma = LatentRoMA(
            model_options={"epochs": 50}, ascent_options={"adapt_steps": 20}
        )
        roma.fit(X, Y, num_categories=task.num_categories, seed=seed)
        seqs, values = roma.generate(n=n, seed=seed)
        self.assertEqual(seqs.shape, torch.Size([n, 8]))
        self.assertEqual(torch.unique(seqs, dim=0).shape[0], n)
        self.assertTrue(((seqs >= 0) & (seqs < task.num_categories)).all())
        true = task.evaluate(seqs).squeeze(-1)
        top_n = Y.squeeze(-1).topk(n).values
        self.assertGreater(true.median().item(), top_n.median().item())
