r"""A categorical variational autoencoder for integer-encoded sequences.

RoMA handles discrete designs, such as protein or DNA sequences, by running its
robust model adaptation in the continuous latent space of a variational
autoencoder [Yu2021roma]_ (Section 2.4). The architecture follows the authors'
code: the one-hot sequence (``L x C``, flattened) goes through one dense layer
of 256 units with a LeakyReLU to a diagonal Gaussian over a 32-dimensional
latent code; the decoder mirrors it, with one dense layer of 256 units and a
LeakyReLU, to per-position logits over the ``C`` categories. It is trained as a
beta-VAE [Higgins2017beta]_ (``beta = 1`` by default, the plain ELBO) with Adam
(learning rate ``1e-3``, batch size 128).

Decoding takes the most likely category at each position (``argmax``), or draws
each position from its categorical distribution (``sample=True``). Both always
give valid sequences: length ``L`` with every id in ``{0, ..., C - 1}``.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.

.. [Higgins2017beta]
    I. Higgins, L. Matthey, A. Pal, C. Burgess, X. Glorot, M. Botvinick,
    S. Mohamed, A. Lerchner. beta-VAE: Learning Basic Visual Concepts with a
    Constrained Variational Framework. ICLR 2017.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor
from torch.nn import Linear, Module
from torch.nn.functional import leaky_relu, log_softmax, one_hot
from torch.nn.utils import skip_init

from botorch_roma.exceptions import RoMAInputError, RoMATrainingError
from botorch_roma.options import VAEOptions

__all__ = ["CategoricalVAE", "as_sequences"]


def _stack_rows(sequences: Sequence[Sequence[int]]) -> Tensor:
    r"""Stack a list of equal-length sequences into an ``n x L`` tensor."""
    try:
        rows = list(sequences)
    except TypeError:
        raise RoMAInputError(
            f"Expected an n x L tensor of category ids or a list of equal-length "
            f"sequences, got {type(sequences).__name__}."
        ) from None
    if len(rows) == 0:
        raise RoMAInputError(
            "Got an empty list of sequences; pass at least one sequence."
        )
    lengths = []
    for row in rows:
        try:
            lengths.append(len(row))
        except TypeError:
            raise RoMAInputError(
                "Each sequence must be a list, tuple or 1-d tensor of category "
                f"ids, got {type(row).__name__}; pass a list of sequences "
                "(for a single sequence, wrap it in a list)."
            ) from None
    if len(set(lengths)) > 1:
        raise RoMAInputError(
            f"Got ragged sequences with lengths {sorted(set(lengths))}; all "
            "sequences must have the same length L. Pad or truncate them to a "
            "common length first."
        )
    try:
        return torch.stack([torch.as_tensor(row) for row in rows])
    except (TypeError, ValueError, RuntimeError) as e:
        raise RoMAInputError(
            f"Could not convert the sequences to a tensor of category ids ({e}); "
            "pass integer category ids."
        ) from None


def as_sequences(
    sequences: Tensor | Sequence[Sequence[int]],
    num_categories: int | None = None,
    seq_len: int | None = None,
    device: torch.device | str | None = None,
) -> Tensor:
    r"""Check integer-encoded sequences and return them as a long tensor.

    The result is always a new tensor, so the caller's data is never shared or
    modified.

    Args:
        sequences: An ``n x L`` tensor of integer category ids, or a list of
            ``n`` equal-length sequences of ints (lists, tuples, 1-d tensors or
            arrays).
        num_categories: If given, every id must lie in ``{0, ..., C - 1}``.
        seq_len: If given, the sequences must have this length ``L``.
        device: The device of the returned tensor (default: the input's, or
            the CPU for lists).

    Returns:
        An ``n x L`` ``torch.long`` tensor.

    Example:
        >>> as_sequences([[0, 1, 2], [2, 1, 0]], num_categories=3)
        tensor([[0, 1, 2],
                [2, 1, 0]])
    """
    seqs = sequences if isinstance(sequences, Tensor) else _stack_rows(sequences)
    if seqs.dim() != 2:
        raise RoMAInputError(
            f"Expected an n x L tensor of sequences, got shape {tuple(seqs.shape)}. "
            "For a single sequence use seq.unsqueeze(0)."
        )
    if seqs.shape[0] == 0 or seqs.shape[1] == 0:
        raise RoMAInputError(
            f"Got empty sequences (shape {tuple(seqs.shape)}); need n >= 1 "
            "sequences of length L >= 1."
        )
    if seqs.dtype == torch.bool or seqs.is_floating_point() or seqs.is_complex():
        raise RoMAInputError(
            f"Sequences must hold integer category ids, got dtype {seqs.dtype}. "
            "Convert them with .long() after checking they are whole numbers."
        )
    if seq_len is not None and seqs.shape[1] != seq_len:
        raise RoMAInputError(
            f"Got sequences of length {seqs.shape[1]}, but the model was built for "
            f"length {seq_len}. Pass sequences of length {seq_len}, or fit a new "
            "model on this length."
        )
    seqs = seqs.detach().to(device=device, dtype=torch.long, copy=True)
    lo, hi = seqs.min().item(), seqs.max().item()
    if lo < 0:
        raise RoMAInputError(
            f"Category ids must be non-negative, got a minimum of {lo}. Encode the "
            "categories as 0, ..., C - 1."
        )
    if num_categories is not None and hi >= num_categories:
        raise RoMAInputError(
            f"Category id {hi} is out of range for {num_categories} categories "
            f"(ids must be in 0, ..., {num_categories - 1}). Check the encoding, "
            "or fit a model with a larger num_categories."
        )
    return seqs


def _only(options: dict[str, Any], allowed: tuple[str, ...], elsewhere: str) -> None:
    r"""Reject VAE options that belong to the other half (architecture/training)."""
    VAEOptions.check_names(options)
    misplaced = sorted(set(options) - set(allowed))
    if misplaced:
        raise RoMAInputError(
            f"VAE option(s) {misplaced} are not accepted here; pass them to "
            f"{elsewhere} instead."
        )


def _glorot_(W: Tensor, generator: torch.Generator | None) -> None:
    fan_out, fan_in = W.shape
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        W.copy_(
            (
                2.0
                * torch.rand(
                    W.shape, generator=generator, dtype=W.dtype, device=W.device
                )
                - 1.0
            )
            * limit
        )


class CategoricalVAE(Module):
    r"""A beta-VAE over integer-encoded sequences of a fixed length.

    Used by :class:`~botorch_roma.latent.roma.LatentRoMA` to run RoMA on
    discrete designs [Yu2021roma]_. Its parameters set the dtype and device of
    latent codes; move it with ``vae.to(device=..., dtype=...)``.

    Example:
        >>> seqs = torch.randint(4, (64, 8))
        >>> vae = CategoricalVAE(seq_len=8, num_categories=4, latent_dim=8)
        >>> _ = vae.fit(seqs, epochs=20, seed=0)
        >>> Z = vae.encode(seqs)  # 64 x 8 latent means
        >>> vae.decode(Z).shape  # argmax decoding
        torch.Size([64, 8])
    """

    def __init__(
        self,
        seq_len: int,
        num_categories: int,
        dtype: torch.dtype = torch.float,
        device: torch.device | str | None = None,
        **options: Any,
    ) -> None:
        r"""Build an untrained VAE.

        Args:
            seq_len: The sequence length ``L``.
            num_categories: The number of categories ``C`` (ids ``0..C-1``).
            dtype: The floating point dtype of the weights and latent codes.
            device: The device of the weights.
            **options: Architecture options of
                :class:`~botorch_roma.options.VAEOptions` (``latent_dim``,
                ``hidden_size``, ``beta``, ``negative_slope``); the training
                options go to :meth:`fit`.
        """
        super().__init__()
        for name, value in (("seq_len", seq_len), ("num_categories", num_categories)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RoMAInputError(
                    f"{name} must be a positive integer, got {value!r}."
                )
        if num_categories < 2:
            raise RoMAInputError(
                f"num_categories must be an integer >= 2, got {num_categories}."
            )
        _only(options, VAEOptions.ARCHITECTURE, "fit()")
        #: The VAE's options (architecture fixed here, training defaults for fit).
        self.options = VAEOptions.from_dict(options)
        self.seq_len = int(seq_len)
        self.num_categories = int(num_categories)
        self.latent_dim = self.options.latent_dim
        self.hidden_size = self.options.hidden_size
        self.beta = self.options.beta
        self.negative_slope = self.options.negative_slope
        if device is None:  # the default device, as torch.empty would use
            device = torch.empty(0).device
        tkwargs: dict[str, Any] = {"dtype": dtype, "device": device}
        d_in = self.seq_len * self.num_categories
        k, h = self.latent_dim, self.hidden_size
        # skip_init: no draw from the global RNG (reset_parameters seeds its own).
        self.enc1 = skip_init(Linear, d_in, h, **tkwargs)
        self.enc2 = skip_init(Linear, h, 2 * k, **tkwargs)
        self.dec1 = skip_init(Linear, k, h, **tkwargs)
        self.dec2 = skip_init(Linear, h, d_in, **tkwargs)
        self.loss_history: list[float] = []
        self.is_fitted = False
        self.reset_parameters(seed=0)

    @property
    def device(self) -> torch.device:
        r"""The device of the weights (and of the codes and sequences made here)."""
        return self.enc1.weight.device

    @property
    def _tkwargs(self) -> dict[str, Any]:
        return {"dtype": self.enc1.weight.dtype, "device": self.device}

    def _generator(self, seed: int | None) -> torch.Generator | None:
        if seed is None:
            return None
        return torch.Generator(device=self.device).manual_seed(int(seed))

    def reset_parameters(self, seed: int | None = None) -> None:
        r"""Re-initialize the weights: Glorot-uniform kernels and zero biases.

        Args:
            seed: Seed for the initialization.
        """
        generator = self._generator(seed)
        for name, param in self.named_parameters():
            if name.endswith("weight"):
                _glorot_(param, generator)
            else:
                with torch.no_grad():
                    param.zero_()
        self.loss_history = []
        self.is_fitted = False

    def _check_latent(self, Z: Tensor) -> Tensor:
        if not isinstance(Z, Tensor) or Z.dim() < 1 or Z.shape[-1] != self.latent_dim:
            shape = tuple(Z.shape) if isinstance(Z, Tensor) else type(Z).__name__
            raise RoMAInputError(
                f"Expected latent codes of shape batch_shape x {self.latent_dim}, got "
                f"{shape}. Pass codes from this VAE's encode()."
            )
        return Z.to(**self._tkwargs)

    def _one_hot(self, seqs: Tensor) -> Tensor:
        return one_hot(seqs, self.num_categories).to(self.enc1.weight).flatten(-2)

    def encode_distribution(
        self, sequences: Tensor | Sequence[Sequence[int]]
    ) -> tuple[Tensor, Tensor]:
        r"""The encoder's diagonal Gaussian ``q(z | x)``.

        Args:
            sequences: ``n x L`` category ids (or a list of equal-length
                sequences).

        Returns:
            A two-element tuple of the ``n x k`` means and ``n x k`` log variances.
        """
        seqs = as_sequences(
            sequences,
            num_categories=self.num_categories,
            seq_len=self.seq_len,
            device=self.device,
        )
        return self._encode(seqs)

    def _encode(self, seqs: Tensor) -> tuple[Tensor, Tensor]:
        h = leaky_relu(self.enc1(self._one_hot(seqs)), self.negative_slope)
        out = self.enc2(h)
        return out[..., : self.latent_dim], out[..., self.latent_dim :]

    def encode(
        self,
        sequences: Tensor | Sequence[Sequence[int]],
        sample: bool = False,
        seed: int | None = None,
    ) -> Tensor:
        r"""Map sequences to latent codes.

        Args:
            sequences: ``n x L`` category ids (or a list of equal-length
                sequences).
            sample: If ``False`` return the posterior means, else one draw
                from ``q(z | x)`` per sequence.
            seed: Seed for the draw (only used with ``sample=True``).

        Returns:
            An ``n x k`` tensor of latent codes (the VAE's dtype and device).
        """
        with torch.no_grad():
            mean, log_var = self.encode_distribution(sequences)
            if not sample:
                return mean
            noise = torch.randn(
                mean.shape, generator=self._generator(seed), **self._tkwargs
            )
            return mean + (0.5 * log_var).exp() * noise

    def _decode_log_probs(self, Z: Tensor) -> Tensor:
        h = leaky_relu(self.dec1(Z), self.negative_slope)
        logits = self.dec2(h)
        logits = logits.reshape(*Z.shape[:-1], self.seq_len, self.num_categories)
        return log_softmax(logits, dim=-1)

    def decode_log_probs(self, Z: Tensor) -> Tensor:
        r"""Per-position log-probabilities ``log p(x_j = c | z)``.

        Args:
            Z: A ``batch_shape x k`` tensor of latent codes.

        Returns:
            A ``batch_shape x L x C`` tensor of log-probabilities.
        """
        return self._decode_log_probs(self._check_latent(Z))

    def decode(
        self,
        Z: Tensor,
        sample: bool = False,
        seed: int | None = None,
        temperature: float = 1.0,
    ) -> Tensor:
        r"""Map latent codes to sequences.

        Args:
            Z: A ``batch_shape x k`` tensor of latent codes. For several draws
                per code, expand it, e.g. ``Z.expand(s, *Z.shape)``.
            sample: If ``False`` take the most likely category per position
                (argmax), else draw each position from ``p(x_j | z)``.
            seed: Seed for the draws (only used with ``sample=True``).
            temperature: Divides the log-probabilities before sampling; lower
                values concentrate the draws around the argmax.

        Returns:
            A ``batch_shape x L`` ``torch.long`` tensor of category ids.
        """
        if not temperature > 0.0:
            raise RoMAInputError(f"temperature must be positive, got {temperature}.")
        with torch.no_grad():
            log_probs = self.decode_log_probs(Z)
            if not sample:
                return log_probs.argmax(dim=-1)
            flat = (log_probs / temperature).reshape(-1, self.num_categories)
            draws = torch.multinomial(
                torch.softmax(flat, dim=-1), 1, generator=self._generator(seed)
            )
            return draws.reshape(log_probs.shape[:-1])

    def loss(self, sequences: Tensor, seed: int | None = None) -> Tensor:
        r"""The beta-VAE loss (negative ELBO for ``beta = 1``) per sequence, averaged.

        Args:
            sequences: ``n x L`` category ids.
            seed: Seed for the reparameterization noise.

        Returns:
            A scalar: mean over sequences of the summed per-position
            cross-entropy plus ``beta`` times the KL divergence to ``N(0, I)``.
        """
        seqs = as_sequences(
            sequences, self.num_categories, self.seq_len, device=self.device
        )
        return self._loss(seqs, self._generator(seed))

    def _loss(self, seqs: Tensor, generator: torch.Generator | None) -> Tensor:
        mean, log_var = self._encode(seqs)
        noise = torch.randn(mean.shape, generator=generator, **self._tkwargs)
        Z = mean + (0.5 * log_var).exp() * noise
        log_probs = self._decode_log_probs(Z)
        nll = -log_probs.gather(-1, seqs.unsqueeze(-1)).squeeze(-1).sum(-1)
        kl = 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(-1)
        return (nll + self.beta * kl).mean()

    def fit(
        self,
        sequences: Tensor | Sequence[Sequence[int]],
        seed: int | None = 0,
        progress: bool = False,
        **options: Any,
    ) -> CategoricalVAE:
        r"""Train the VAE from scratch with Adam on minibatches.

        The weights are re-initialized from ``seed`` first, so the same seed and
        data give the same VAE.

        Args:
            sequences: ``n x L`` training category ids (or a list of
                equal-length sequences).
            seed: Seed for the initialization, shuffling and noise.
            progress: Show a progress bar over epochs.
            **options: Training options of
                :class:`~botorch_roma.options.VAEOptions` (``epochs``, ``lr``,
                ``batch_size``).

        Returns:
            The fitted VAE (``self``), in eval mode.
        """
        _only(options, VAEOptions.TRAINING, "the constructor")
        opts = self.options.replace(**options)
        if opts.epochs < 1:
            raise RoMAInputError(
                f"epochs must be a positive integer, got {opts.epochs}."
            )
        epochs, batch_size = opts.epochs, opts.batch_size
        seqs = as_sequences(
            sequences, self.num_categories, self.seq_len, device=self.device
        )
        self.reset_parameters(seed=seed)
        generator = self._generator(seed)
        optimizer = torch.optim.Adam(self.parameters(), lr=opts.lr)
        n = seqs.shape[0]
        iterator = range(int(epochs))
        if progress:
            from tqdm.auto import tqdm

            iterator = tqdm(iterator, desc="VAE epochs")
        self.train()
        history = []
        for _ in iterator:
            perm = torch.randperm(n, generator=generator, device=seqs.device)
            total = 0.0
            for start in range(0, n, int(batch_size)):
                batch = seqs[perm[start : start + int(batch_size)]]
                optimizer.zero_grad()
                loss = self._loss(batch, generator)
                if not torch.isfinite(loss):
                    raise RoMATrainingError(
                        "VAE training diverged (non-finite loss); lower lr or beta."
                    )
                loss.backward()
                optimizer.step()
                total += loss.item() * batch.shape[0]
            history.append(total / n)
        self.eval()
        self.loss_history = history
        self.is_fitted = True
        return self

    def reconstruction_accuracy(
        self, sequences: Tensor | Sequence[Sequence[int]]
    ) -> float:
        r"""The fraction of positions recovered by ``decode(encode(x))``.

        Uses the posterior means and argmax decoding.

        Args:
            sequences: ``n x L`` category ids.

        Returns:
            The per-position accuracy in ``[0, 1]``.
        """
        seqs = as_sequences(
            sequences, self.num_categories, self.seq_len, device=self.device
        )
        recon = self.decode(self.encode(seqs))
        return (recon == seqs).double().mean().item()

    def reconstruction_report(
        self, sequences: Tensor | Sequence[Sequence[int]]
    ) -> dict[str, float]:
        r"""How well ``decode(encode(x))`` gives the sequences back.

        Uses the posterior means and argmax decoding, as the latent route does
        for its starting designs.

        Args:
            sequences: ``n x L`` category ids.

        Returns:
            A dict with ``position_accuracy`` (the fraction of positions
            recovered) and ``sequence_accuracy`` (the fraction of sequences
            recovered exactly), both in ``[0, 1]``.

        Example:
            >>> vae.reconstruction_report(seqs)
            {'position_accuracy': 0.998, 'sequence_accuracy': 0.984}
        """
        seqs = as_sequences(
            sequences, self.num_categories, self.seq_len, device=self.device
        )
        hit = self.decode(self.encode(seqs)) == seqs
        return {
            "position_accuracy": hit.double().mean().item(),
            "sequence_accuracy": hit.all(dim=-1).double().mean().item(),
        }
