r"""Tests for botorch_roma/latent/vae.py."""

from __future__ import annotations

import torch
from botorch.utils.testing import BotorchTestCase

from botorch_roma.exceptions import RoMAInputError
from botorch_roma.latent.vae import CategoricalVAE, as_sequences

L, C = 8, 4

# Reconstruction accuracy (argmax of the decoded posterior mean) that a small
# VAE must reach on its 64 training sequences. Measured: 1.0 in both dtypes.
RECONSTRUCTION_THRESHOLD = 0.95


def _random_sequences(n: int, seed: int, device: torch.device) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(C, (n, L), generator=gen).to(device)


def _small_vae(**tkwargs) -> CategoricalVAE:
    return CategoricalVAE(L, C, latent_dim=8, hidden_size=64, beta=0.1, **tkwargs)


class TestAsSequences(BotorchTestCase):
    def test_valid_inputs(self):
        seqs = as_sequences([[0, 1, 2], (2, 1, 0), torch.tensor([1, 1, 1])])
        self.assertEqual(seqs.dtype, torch.long)
        self.assertEqual(seqs.tolist(), [[0, 1, 2], [2, 1, 0], [1, 1, 1]])
        X = torch.tensor([[0, 1], [1, 0]], dtype=torch.int32)
        out = as_sequences(X, num_categories=2, seq_len=2)
        self.assertEqual(out.dtype, torch.long)
        self.assertEqual(X.dtype, torch.int32)  # caller's tensor untouched

    def test_bad_inputs(self):
        cases = {
            "empty list": ([], "empty"),
            "ragged": ([[0, 1, 2], [0, 1]], "ragged"),
            "zero length": (torch.zeros(3, 0, dtype=torch.long), "empty"),
            "zero rows": (torch.zeros(0, 4, dtype=torch.long), "empty"),
            "1-d": (torch.tensor([0, 1, 2]), "unsqueeze"),
            "float": (torch.tensor([[0.0, 1.0]]), "integer"),
            "negative": (torch.tensor([[0, -1]]), "non-negative"),
            "scalar rows": ([1, 2, 3], "list of sequences"),
        }
        for name, (value, match) in cases.items():
            with self.subTest(name), self.assertRaisesRegex(RoMAInputError, match):
                as_sequences(value)
        with self.assertRaisesRegex(RoMAInputError, "out of range for 3"):
            as_sequences(torch.tensor([[0, 3]]), num_categories=3)
        with self.assertRaisesRegex(RoMAInputError, "length 5"):
            as_sequences(torch.zeros(2, 4, dtype=torch.long), seq_len=5)
        # RoMAInputError is a ValueError.
        with self.assertRaises(ValueError):
            as_sequences([[0], [0, 1]])


class TestCategoricalVAE(BotorchTestCase):
    def test_constructor_errors(self):
        with self.assertRaisesRegex(RoMAInputError, "num_categories"):
            CategoricalVAE(4, 1)
        with self.assertRaisesRegex(RoMAInputError, "seq_len"):
            CategoricalVAE(0, 3)
        with self.assertRaisesRegex(RoMAInputError, "latent_dim"):
            CategoricalVAE(4, 3, latent_dim=0)
        with self.assertRaisesRegex(RoMAInputError, "beta"):
            CategoricalVAE(4, 3, beta=-1.0)

    def test_reconstruction_and_round_trip(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                seqs = _random_sequences(64, 0, self.device)
                seqs_copy = seqs.clone()
                vae = _small_vae(**tkwargs).fit(seqs, epochs=300, batch_size=16, seed=0)
                self.assertTrue(torch.equal(seqs, seqs_copy))
                self.assertTrue(vae.is_fitted)
                self.assertEqual(len(vae.loss_history), 300)
                self.assertLess(vae.loss_history[-1], vae.loss_history[0])
                acc = vae.reconstruction_accuracy(seqs)
                self.assertGreaterEqual(acc, RECONSTRUCTION_THRESHOLD)
                report = vae.reconstruction_report(seqs)
                self.assertEqual(report["position_accuracy"], acc)
                exact = (vae.decode(vae.encode(seqs)) == seqs).all(-1)
                self.assertEqual(
                    report["sequence_accuracy"], exact.double().mean().item()
                )
                # Round trip sequence -> latent mean -> argmax sequence.
                Z = vae.encode(seqs)
                self.assertEqual(Z.shape, torch.Size([64, 8]))
                self.assertEqual(Z.dtype, dtype)
                recon = vae.decode(Z)
                self.assertEqual(recon.dtype, torch.long)
                self.assertEqual(recon.shape, seqs.shape)
                self.assertGreaterEqual(
                    (recon == seqs).double().mean().item(), RECONSTRUCTION_THRESHOLD
                )
                # Round trip latent -> sequence -> latent is a fixed point of
                # decode(encode(.)) for the recovered sequences.
                again = vae.decode(vae.encode(recon))
                self.assertTrue(torch.equal(again, recon))
                # Lists of sequences are accepted.
                Z_list = vae.encode(seqs.tolist())
                self.assertTrue(torch.equal(Z_list, Z))

    def test_seeded_and_sampling(self):
        for dtype in (torch.float, torch.double):
            tkwargs = {"device": self.device, "dtype": dtype}
            with self.subTest(dtype=dtype):
                seqs = _random_sequences(32, 1, self.device)
                vae_a = _small_vae(**tkwargs).fit(seqs, epochs=5, seed=3)
                vae_b = _small_vae(**tkwargs).fit(seqs, epochs=5, seed=3)
                for p_a, p_b in zip(
                    vae_a.parameters(), vae_b.parameters(), strict=True
                ):
                    self.assertTrue(torch.equal(p_a, p_b))
                Z_s1 = vae_a.encode(seqs, sample=True, seed=1)
                Z_s2 = vae_a.encode(seqs, sample=True, seed=1)
                self.assertTrue(torch.equal(Z_s1, Z_s2))
                self.assertFalse(torch.equal(Z_s1, vae_a.encode(seqs)))
                # Sampled decodes: valid ids, shape follows batch dims, seeded.
                Z = vae_a.encode(seqs)
                draws = vae_a.decode(Z.expand(5, *Z.shape), sample=True, seed=2)
                self.assertEqual(draws.shape, torch.Size([5, 32, L]))
                self.assertTrue(((draws >= 0) & (draws < C)).all())
                self.assertTrue(
                    torch.equal(
                        draws,
                        vae_a.decode(Z.expand(5, *Z.shape), sample=True, seed=2),
                    )
                )
                log_probs = vae_a.decode_log_probs(Z)
                self.assertEqual(log_probs.shape, torch.Size([32, L, C]))
                self.assertAllClose(
                    log_probs.exp().sum(-1), torch.ones(32, L, **tkwargs)
                )
                # Arbitrary latent points decode to valid sequences.
                Z_rand = 3.0 * torch.randn(10, 8, **tkwargs)
                out = vae_a.decode(Z_rand)
                self.assertTrue(((out >= 0) & (out < C)).all())
                # Low temperature sampling collapses to the argmax wherever the
                # top two categories are not (nearly) tied.
                cold = vae_a.decode(Z, sample=True, seed=0, temperature=1e-4)
                top2 = log_probs.topk(2, dim=-1).values
                clear = (top2[..., 0] - top2[..., 1]) > 1e-2
                self.assertTrue(clear.any())
                self.assertTrue(torch.equal(cold[clear], vae_a.decode(Z)[clear]))

    def test_bad_input(self):
        vae = _small_vae(device=self.device)
        seqs = _random_sequences(8, 2, self.device)
        with self.assertRaisesRegex(RoMAInputError, "out of range for 4"):
            vae.fit(torch.full((4, L), C, device=self.device))
        with self.assertRaisesRegex(RoMAInputError, f"length {L}"):
            vae.encode(seqs[:, :5])
        with self.assertRaisesRegex(RoMAInputError, "ragged"):
            vae.fit([[0] * L, [0] * (L - 1)])
        with self.assertRaisesRegex(RoMAInputError, "empty"):
            vae.encode(seqs[:0])
        with self.assertRaisesRegex(RoMAInputError, "batch_shape x 8"):
            vae.decode(torch.zeros(3, 5, device=self.device))
        with self.assertRaisesRegex(RoMAInputError, "temperature"):
            vae.decode(
                torch.zeros(3, 8, device=self.device), sample=True, temperature=0
            )
        with self.assertRaisesRegex(RoMAInputError, "epochs"):
            vae.fit(seqs, epochs=0)
