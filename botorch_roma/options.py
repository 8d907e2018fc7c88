r"""One home for every option of botorch-roma.

Each option is declared exactly once, here: its name, type, default, allowed
range and a one-line description. Everything else derives from these
declarations:

- :class:`~botorch_roma.models.roma.RoMAModel`,
  :func:`~botorch_roma.generation.gen.optimize_roma`,
  :class:`~botorch_roma.latent.roma.LatentRoMA` and the Ax step validate their
  keyword options through :meth:`RoMAOptions.from_dict` (one unknown-name check,
  one type check, one range check, each naming the option and the fix);
- the command line builds its flags from the field declarations
  (``botorch_roma.cli.flags``), so the defaults shown by ``--help`` are the
  defaults used;
- the presets below (the latent route's defaults, the smoke budget of the
  tutorials and benchmarks, the built-in dataset's budget) are overrides of
  these classes, declared next to them.

The option classes:

- :class:`PretrainingOptions`: robust pre-training of the proxy (Eq. 1 of
  [Yu2021roma]_);
- :class:`AscentOptions`: the adapted gradient ascent (Eq. 2);
- :class:`VAEOptions`: the categorical VAE of the latent route;
- :class:`LatentOptions`: the latent route of the Ax step (VAE options and
  latent samples);
- :class:`RunOptions`: seed, progress bars and the ascent's time limit, as
  passed through Ax.

Example:
    >>> AscentOptions.from_dict({"steps": 50}).steps
    50
    >>> AscentOptions.from_dict({"steps": "50"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    botorch_roma.exceptions.RoMAInputError: Invalid RoMA ascent option(s): ...

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, ClassVar, Literal, TypeVar


def _input_error() -> type[Exception]:
    r""":class:`~botorch_roma.exceptions.RoMAInputError`, imported when needed.

    :mod:`botorch_roma.exceptions` loads BoTorch (and torch); the command line
    reads these declarations to build its flags, and its ``--help`` must not
    pay for that.
    """
    from botorch_roma.exceptions import RoMAInputError

    return RoMAInputError


__all__ = [
    "ADAPTATION_MODES",
    "AscentOptions",
    "BACKENDS",
    "BUILTIN_DATASET_BUDGET",
    "COMPUTE_DTYPES",
    "DEFAULT_LATENT_PRESET",
    "DEFAULT_PRESET",
    "LATENT_DEFAULTS",
    "LATENT_VAE_FALLBACK",
    "LOSSES",
    "LatentOptions",
    "PRESETS",
    "PretrainingOptions",
    "RoMAOptions",
    "RunOptions",
    "SMOKE_BUDGET",
    "VAEOptions",
    "option",
    "preset_overrides",
    "resolve_device",
    "split_options",
]

#: The supported pre-training losses.
LOSSES = ("mse", "nll", "listnet")
#: The supported adaptation modes.
ADAPTATION_MODES = ("per_candidate", "shared", "none")
#: The supported adaptation backends.
BACKENDS = ("analytic", "autograd")
#: The dtypes the inner loops can run in (``compute_dtype``).
COMPUTE_DTYPES = ("float32", "float64")


def option(
    default: Any,
    doc: str,
    *,
    low: float | None = None,
    high: float | None = None,
    strict: bool = False,
    choices: tuple | None = None,
    nonempty: bool = False,
    kind: str | None = None,
) -> Any:
    r"""Declare one option: its default, description and allowed range.

    Args:
        default: The default value.
        doc: A one-line description (shown by ``--help`` and in errors).
        low: The smallest allowed value (for sequences: of every element).
        high: The largest allowed value.
        strict: If ``True``, ``low`` itself is not allowed (``> low``).
        choices: The allowed values of a string option.
        nonempty: For sequences: at least one element.
        kind: How to name the expected type in errors (default: from the
            annotation).

    Returns:
        A dataclass ``field`` carrying the declaration in its metadata.
    """
    meta = {
        "doc": doc,
        "low": low,
        "high": high,
        "strict": strict,
        "choices": choices,
        "nonempty": nonempty,
        "kind": kind,
    }
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


_T = TypeVar("_T", bound="RoMAOptions")


class _Problem(Exception):
    r"""One invalid option value (collected, then raised together)."""


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def _type_name(hint: Any) -> str:
    if hint is type(None):
        return "None"
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if origin is Literal:
        return " or ".join(repr(a) for a in typing.get_args(hint))
    if origin is tuple:
        element = typing.get_args(hint)[0]
        return f"a list of {getattr(element, '__name__', element)}s"
    if hint is dict:
        return "a dict"
    if isinstance(hint, type) and issubclass(hint, RoMAOptions):
        return f"a dict of {hint.__name__}"
    return {"int": "an int", "float": "a number", "bool": "a bool", "str": "a str"}.get(
        getattr(hint, "__name__", str(hint)), str(hint)
    )


def _coerce(value: Any, hint: Any) -> Any:
    r"""``value`` converted to the declared type, or :class:`_Problem`."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            try:
                return _coerce(value, arg)
            except _Problem:
                continue
        raise _Problem(f"must be {_type_name(hint)}, got {_describe(value)}")
    if hint is type(None):
        if value is None:
            return None
        raise _Problem("must be None")
    if origin is Literal:
        if any(value == a and type(value) is type(a) for a in typing.get_args(hint)):
            return value
        raise _Problem(f"must be {_type_name(hint)}, got {_describe(value)}")
    if origin is tuple:
        if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
            raise _Problem(f"must be {_type_name(hint)}, got {_describe(value)}")
        try:
            return tuple(_coerce(v, typing.get_args(hint)[0]) for v in value)
        except _Problem:
            raise _Problem(
                f"must be {_type_name(hint)}, got {_describe(value)}"
            ) from None
    if hint is dict:
        if isinstance(value, Mapping):
            return dict(value)
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        if _is_whole_number(value):
            return int(value)
    elif hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if _is_real_number(value):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    elif isinstance(hint, type) and issubclass(hint, RoMAOptions):
        return hint.from_dict(value)
    raise _Problem(f"must be {_type_name(hint)}, got {_describe(value)}")


def _is_real_number(value: Any) -> bool:
    r"""NumPy and 0-d torch scalars count as numbers, without importing them."""
    if isinstance(value, bool | str) or not hasattr(value, "__float__"):
        return False
    if getattr(value, "shape", ()) not in ((), None):
        return False
    return "bool" not in type(value).__name__ and "bool" not in str(
        getattr(value, "dtype", "")
    )


def _is_whole_number(value: Any) -> bool:
    r"""NumPy and 0-d torch integers count as ints (floats never do)."""
    return _is_real_number(value) and "int" in str(getattr(value, "dtype", ""))


def _plain(value: Any) -> Any:
    r"""``value`` with tuples turned into lists, recursively (for JSON)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _check_range(value: Any, meta: Mapping[str, Any]) -> None:
    values = value if isinstance(value, tuple) else (value,)
    if meta["nonempty"] and isinstance(value, tuple) and len(value) == 0:
        raise _Problem("must not be empty")
    for v in values:
        if v is None:  # allowed wherever the annotation allows it
            continue
        if not isinstance(v, int | float) or isinstance(v, bool):
            if meta["choices"] is not None and v not in meta["choices"]:
                raise _Problem(f"must be one of {meta['choices']}, got {v!r}")
            continue
        if isinstance(v, float) and not math.isfinite(v):
            raise _Problem(f"must be finite, got {v}")
        low, high = meta["low"], meta["high"]
        if low is not None and (v <= low if meta["strict"] else v < low):
            raise _Problem(f"must be {'>' if meta['strict'] else '>='} {low}, got {v}")
        if high is not None and v > high:
            raise _Problem(f"must be <= {high}, got {v}")


@dataclass(frozen=True)
class RoMAOptions:
    r"""Base class of the option dataclasses: one constructor, one check.

    Subclasses declare their fields with :func:`option`. Constructing an
    instance converts each value to its declared type (``5`` for a float
    option becomes ``5.0``, a list for a tuple option becomes a tuple) and
    checks its range; every problem is reported at once in a
    :class:`~botorch_roma.exceptions.RoMAInputError` naming the option.
    """

    #: What the options configure, for error messages.
    _what: ClassVar[str] = "RoMA option(s)"

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            try:
                value = _coerce(value, hints[f.name])
                _check_range(value, f.metadata)
            except _Problem as problem:
                kind = f.metadata.get("kind")
                if kind is not None and str(problem).startswith("must be"):
                    problem = f"must be {kind}, got {_describe(value)}"
                problems.append(f"{f.name} {problem}")
                continue
            except _input_error() as error:  # a nested options class
                problems.append(f"{f.name}: {str(error).rstrip('.')}")
                continue
            object.__setattr__(self, f.name, value)
        if not problems:
            problems = self._cross_check()
        if problems:
            raise _input_error()(f"Invalid {self._what}: " + "; ".join(problems) + ".")

    def _cross_check(self) -> list[str]:
        r"""Checks that involve several fields (override in subclasses)."""
        return []

    @classmethod
    def names(cls) -> tuple[str, ...]:
        r"""The option names, in declaration order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        r"""The declared defaults, by name."""
        return {
            f.name: f.default if f.default is not MISSING else f.default_factory()
            for f in fields(cls)
        }

    @classmethod
    def docs(cls) -> dict[str, str]:
        r"""The one-line description of every option, by name."""
        return {f.name: f.metadata["doc"] for f in fields(cls)}

    @classmethod
    def check_names(
        cls,
        names: Any,
        extra: tuple[str, ...] = (),
        only: tuple[str, ...] | None = None,
        what: str | None = None,
    ) -> None:
        r"""Raise a :class:`RoMAInputError` for names that are not options.

        Args:
            names: The names to check.
            extra: Further names accepted by the caller.
            only: Accept only these of the class's options.
            what: What the options configure (default: the class's).
        """
        valid = (*(cls.names() if only is None else only), *extra)
        unknown = sorted(set(names) - set(valid))
        if unknown:
            hints = []
            for name in unknown:
                close = difflib.get_close_matches(str(name), valid, n=1)
                if close:
                    hints.append(f"{name!r} -> did you mean {close[0]!r}?")
            raise _input_error()(
                f"Unknown {what or cls._what} {unknown}"
                + (f" ({'; '.join(hints)})" if hints else "")
                + f"; valid options are {sorted(valid)}."
            )

    @classmethod
    def from_dict(cls: type[_T], options: Any = None, **overrides: Any) -> _T:
        r"""Build options from a dict (or an instance, or ``None``).

        Args:
            options: ``None``, a mapping of option names to values, or an
                instance of this class.
            **overrides: Values that take precedence over ``options``.

        Returns:
            A validated instance.

        Raises:
            RoMAInputError: For unknown names, wrong types or values out of
                range; the message names each problem.
        """
        if options is None:
            values: dict[str, Any] = {}
        elif isinstance(options, cls):
            values = {f.name: getattr(options, f.name) for f in fields(cls)}
        elif isinstance(options, Mapping):
            values = dict(options)
        else:
            raise _input_error()(
                f"{cls.__name__} must be given as a dict of options (or a "
                f"{cls.__name__}), got {type(options).__name__}."
            )
        values.update(overrides)
        cls.check_names(values)
        return cls(**values)

    @classmethod
    def overrides(cls, options: Any = None, json: bool = False) -> dict[str, Any]:
        r"""Validate options given as overrides and return them as a dict.

        Unlike :meth:`from_dict`, only the names given are returned (an
        instance gives all of them), so the result can be layered on top of a
        preset such as :data:`LATENT_DEFAULTS`.

        Args:
            options: ``None``, a mapping or an instance.
            json: Return JSON-friendly values (tuples become lists), as Ax's
                storage needs.

        Returns:
            The given options, validated, as a plain dict.
        """
        checked = cls.from_dict(options)
        names = cls.names() if isinstance(options, cls) else list(options or {})
        values = {name: getattr(checked, name) for name in names}
        return {k: _plain(v) for k, v in values.items()} if json else values

    def to_dict(self) -> dict[str, Any]:
        r"""The options as a JSON-friendly dict (tuples become lists)."""
        return {k: _plain(v) for k, v in asdict(self).items()}

    def replace(self: _T, **changes: Any) -> _T:
        r"""A validated copy with some options changed."""
        return type(self).from_dict(self, **changes)


@dataclass(frozen=True)
class PretrainingOptions(RoMAOptions):
    r"""Options of the robust pre-training (Eq. 1 of [Yu2021roma]_).

    How the defaults were chosen is in the README ("Defaults, measured").
    """

    _what: ClassVar[str] = "RoMAModel option(s)"

    num_models: int = option(
        1,
        "Proxies in the model: 1 is RoMA's single proxy (RoMAModel), more make "
        "an ensemble (RoMAEnsembleModel) with a real predictive spread.",
        low=1,
    )
    hidden_sizes: tuple[int, ...] = option(
        (64, 64), "Widths of the hidden softplus layers.", low=1, nonempty=True
    )
    epsilon: float | Literal["auto"] = option(
        5e-3,
        "Relative radius of the per-tensor weight-perturbation ball (0: Gaussian "
        "smoothing only); 'auto' picks the largest stable value on "
        "EPSILON_GRID by the paper's offline rule.",
        low=0.0,
    )
    sigma: float = option(
        0.2, "Std of the Gaussian input noise, in standardized input units.", low=0.0
    )
    inner_steps: int = option(
        20, "Normalized ascent steps K of the worst-case perturbation.", low=0
    )
    epochs: int | None = option(
        None,
        "Passes over the data; None: 50, or more for at least min_updates updates.",
        low=0,
    )
    min_updates: int = option(
        2000, "The minimum number of Adam updates when epochs=None.", low=0
    )
    lr: float = option(1e-3, "Adam learning rate.", low=0.0, strict=True)
    batch_size: int = option(128, "Minibatch size.", low=1)
    loss: str = option(
        "nll",
        "'nll' (Gaussian NLL with a learned std, the authors' code), 'mse' "
        "(the paper's squared error) or 'listnet' (a listwise ranking loss over "
        "each minibatch; the output is then z-normalized on the training data).",
        choices=LOSSES,
    )
    grad_clip: float | None = option(
        1.0, "Clip each gradient tensor to this norm (None: off).", low=0.0, strict=True
    )
    val_size: int | None = option(
        None,
        "Rows held out to log a validation loss; None: min(200, n // 10) when "
        "n >= 50, else 0.",
        low=0,
    )
    compute_dtype: str | None = option(
        "float32",
        "Dtype of the training arithmetic: 'float32' (same designs as float64 "
        "within seed noise, 1.6x faster; README 'Speed'), 'float64', or None "
        "for the inputs' dtype. The model keeps the inputs' dtype.",
        choices=COMPUTE_DTYPES,
    )

    def num_epochs(self, n: int) -> int:
        r"""The number of epochs for ``n`` training rows."""
        if self.epochs is not None:
            return self.epochs
        batches = math.ceil(n / self.batch_size)
        return max(50, math.ceil(self.min_updates / max(batches, 1)))


@dataclass(frozen=True)
class AscentOptions(RoMAOptions):
    r"""Options of RoMA's adapted gradient ascent (Eq. 2 of [Yu2021roma]_).

    How the defaults were chosen is in the README ("Defaults, measured").
    """

    _what: ClassVar[str] = "RoMA ascent option(s)"

    steps: int = option(100, "Ascent updates T (paper 300, authors' code 500).", low=0)
    adapt_steps: int = option(
        100, "Normalized weight-adaptation steps before each update.", low=0
    )
    alpha: float = option(
        1.0, "Weight of the consistency term in the adaptation objective.", low=0.0
    )
    lr: float = option(
        3e-3,
        "Adam learning rate on the candidates, in standardized input units.",
        low=0.0,
        strict=True,
    )
    adaptation: str = option(
        "per_candidate",
        "'per_candidate' (Eq. 2), 'shared' (one perturbation, the authors' code) "
        "or 'none' (ablation).",
        choices=ADAPTATION_MODES,
    )
    trust_radius: float | None = option(
        4.0,
        "Step-size decay radius r in standardized outcome units (None: off).",
        low=0.0,
        strict=True,
    )
    epsilon: float | None = option(
        None, "Relative adaptation radius; None: the model's epsilon.", low=0.0
    )
    backend: str = option(
        "analytic",
        "'analytic' (closed-form gradients) or 'autograd' (double backprop).",
        choices=BACKENDS,
    )
    compute_dtype: str | None = option(
        "float32",
        "Dtype of the adaptation arithmetic (analytic backend): 'float32', "
        "'float64', or None for the inputs' dtype; the ascent itself runs in "
        "the inputs' dtype.",
        choices=COMPUTE_DTYPES,
    )
    pessimism: float = option(
        0.0,
        "beta of the ensemble aggregate the ascent climbs, mean - beta * std "
        "across members (no effect for a single proxy).",
        low=0.0,
    )
    select: str = option(
        "last",
        "Which iterate each candidate returns: 'last' (the paper), or 'best', "
        "the iterate with the best pre-trained aggregate along its ascent (an "
        "offline choice of the ascent length).",
        choices=("last", "best"),
    )


@dataclass(frozen=True)
class VAEOptions(RoMAOptions):
    r"""Options of the categorical VAE of the latent route.

    The architecture follows the authors' code (Dense 256 + LeakyReLU to a
    32-d diagonal Gaussian); ``beta = 1`` is the plain ELBO. The latent route
    uses ``beta = 0.1`` (:data:`LATENT_DEFAULTS`), refitted as
    :data:`LATENT_VAE_FALLBACK` when it reconstructs too little.
    """

    _what: ClassVar[str] = "VAE option(s)"

    latent_dim: int = option(32, "Dimension k of the latent code.", low=1)
    hidden_size: int = option(256, "Units of the encoder/decoder layer.", low=1)
    beta: float = option(1.0, "Weight of the KL term (beta-VAE).", low=0.0)
    negative_slope: float = option(0.3, "LeakyReLU slope.", low=0.0)
    epochs: int = option(200, "Training epochs.", low=0)
    lr: float = option(1e-3, "Adam learning rate.", low=0.0, strict=True)
    batch_size: int = option(128, "Minibatch size.", low=1)

    #: The options of the constructor (the rest configure training).
    ARCHITECTURE: ClassVar[tuple[str, ...]] = (
        "latent_dim",
        "hidden_size",
        "beta",
        "negative_slope",
    )
    #: The options of :meth:`~botorch_roma.latent.vae.CategoricalVAE.fit`.
    TRAINING: ClassVar[tuple[str, ...]] = ("epochs", "lr", "batch_size")


@dataclass(frozen=True)
class LatentOptions(RoMAOptions):
    r"""Options of the latent route of the Ax step.

    The latent proxy's pre-training and ascent options are the step's
    ``pretraining`` and ``ascent``, on top of :data:`LATENT_DEFAULTS`.

    Example:
        >>> LatentOptions.from_dict({"vae": {"latent_dim": 16}}).vae["latent_dim"]
        16
    """

    _what: ClassVar[str] = "latent option(s)"

    vae: dict = option(
        {},
        "VAE options (see VAEOptions), on top of the latent route's defaults.",
        kind="a dict of VAE options",
    )
    latent_samples: int = option(
        0,
        "0: fit the proxy on the latent means; k > 0: on k draws from q(z|x) per "
        "sequence.",
        low=0,
    )
    plausibility: str = option(
        "transitions",
        "'transitions': never return a sequence with an adjacent token pair "
        "unseen in the data; 'none': no data-derived check.",
        choices=("transitions", "none"),
    )
    anchored: bool = option(
        False,
        "Decode each ascended code as its starting design with only the "
        "positions whose argmax decoding the ascent changed.",
    )
    feasibility: str | None = option(
        None,
        "An importable 'module:function' check (m x L long sequences to an m "
        "bool mask); sequences it rejects are never returned.",
    )

    def _cross_check(self) -> list[str]:
        try:
            VAEOptions.from_dict(self.vae)
        except _input_error() as error:
            return [f"vae: {str(error).rstrip('.')}"]
        return []


@dataclass(frozen=True)
class RunOptions(RoMAOptions):
    r"""How a fit or a generation runs (not what it computes)."""

    _what: ClassVar[str] = "RoMA run option(s)"

    seed: int | None = option(
        0, "Seed of the pre-training, the starts and the fallbacks.", low=0
    )
    progress: bool = option(False, "Show progress bars.")
    timeout_sec: float | None = option(
        None, "Stop each ascent after this many seconds.", low=0.0, strict=True
    )

    #: The run options that apply to fitting (Ax's ``mll_options``).
    FIT: ClassVar[tuple[str, ...]] = ("seed", "progress")


#: The latent route's defaults, as overrides of the option classes: a
#: ``beta = 0.1`` VAE (more informative codes; refitted as
#: :data:`LATENT_VAE_FALLBACK` when it gives back too few of the starting
#: designs), 100 pre-training epochs (the
#: authors' setting for GFP and molecules), and a longer ascent with larger
#: steps and a wider trust radius, since latent codes must travel further
#: before their argmax decoding changes (measurements in
#: :mod:`botorch_roma.latent.roma`).
LATENT_DEFAULTS: dict[type[RoMAOptions], dict[str, Any]] = {
    VAEOptions: {"beta": 0.1},
    PretrainingOptions: {"epochs": 100},
    AscentOptions: {"lr": 2e-2, "steps": 200, "trust_radius": 20.0},
}

#: The VAE the latent route refits when the default one (32-d code, ``beta =
#: 0.1``) decodes fewer than 90% of the top starting designs back to
#: themselves, unless the user set ``latent_dim`` or ``beta``: on GFP-shaped
#: data (L = 128, 20 tokens) it gives back 99.9% of the sequences where the
#: default gives back 30%. Chosen as the README records ("How the latent VAE
#: size will be chosen" and its amendment).
LATENT_VAE_FALLBACK: dict[str, Any] = {"latent_dim": 128, "beta": 0.01}

#: Tiny budgets for smoke runs (tutorials and benchmarks with ``SMOKE_TEST``
#: or ``--smoke``): they check that the pipeline runs, not what it finds.
SMOKE_BUDGET: dict[type[RoMAOptions], dict[str, Any]] = {
    PretrainingOptions: {"epochs": 2, "inner_steps": 2, "hidden_sizes": (16, 16)},
    AscentOptions: {"steps": 5, "adapt_steps": 3},
    VAEOptions: {"epochs": 2, "hidden_size": 16, "latent_dim": 4},
}

#: Named configurations of the Ax step (``RoMAGenerationStep(preset=...)``)
#: and the command line (``--preset``), as overrides of the option classes;
#: options given explicitly override them. ``"paper"`` is RoMA as published:
#: one robust proxy (Eq. 1) and the adapted ascent (Eq. 2) at the option
#: classes' defaults, which is also what ``RoMAModel`` + ``optimize_roma`` do.
#: ``"ensemble"`` trains five robust proxies with the ListNet ranking loss
#: (output z-scored) and climbs a pessimistic aggregate (mean - std) for 300
#: steps without weight adaptation, keeping each candidate's best iterate:
#: candidate (f), the winner of the README's written selection rule on
#: Levy-20, Rosenbrock-86 and Hopper once it was added (amendment 2).
#: ``"ensemble-adapt"`` is the same with RoMA's per-candidate adaptation,
#: candidate (e), the winner before (f) was added (the suite's
#: ``roma-ensemble-adapt`` rows); ``"ensemble-mse"`` is (e) with the
#: squared-error loss, candidate (d), the winner before Hopper's selection
#: runs finished (``roma-ensemble-mse``). How they were chosen, and against
#: which alternatives, is in the README ("How the ensemble defaults will be
#: chosen").
PRESETS: dict[str, dict[type[RoMAOptions], dict[str, Any]]] = {
    "paper": {},
    "ensemble": {
        PretrainingOptions: {"num_models": 5, "loss": "listnet"},
        AscentOptions: {
            "pessimism": 1.0,
            "select": "best",
            "steps": 300,
            "adaptation": "none",
        },
    },
    "ensemble-adapt": {
        PretrainingOptions: {"num_models": 5, "loss": "listnet"},
        AscentOptions: {"pessimism": 1.0, "select": "best", "steps": 300},
    },
    "ensemble-mse": {
        PretrainingOptions: {"num_models": 5},
        AscentOptions: {"pessimism": 1.0, "select": "best", "steps": 300},
    },
}

#: The preset the Ax step and the command line use when none is given: the
#: winner of the README's written selection rule (see "How the ensemble
#: defaults will be chosen" and the results below it).
DEFAULT_PRESET = "ensemble"

#: The default preset of the latent (sequence) route: the selection has not
#: finished on the discrete tasks, so sequences keep RoMA as published until
#: it has.
DEFAULT_LATENT_PRESET = "paper"


def resolve_device(device: Any) -> Any:
    r"""A torch device from a name (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"auto"``).

    Args:
        device: A ``torch.device``, its name, ``"auto"`` (CUDA when available,
            else the CPU), or ``None``.

    Returns:
        The ``torch.device``, or ``None`` for ``None``.

    Raises:
        RoMAInputError: If the name is not a device, or CUDA is asked for but
            not available.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
    """
    import torch

    if device is None or isinstance(device, torch.device) and device.type == "cpu":
        return device
    if isinstance(device, str) and device.strip().lower() == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as e:
        from botorch_roma.exceptions import RoMAInputError

        raise RoMAInputError(
            f"{device!r} is not a torch device ({e}); use 'cpu', 'cuda', 'cuda:N' "
            "or 'auto'."
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        from botorch_roma.exceptions import RoMAInputError

        raise RoMAInputError(
            f"Device {device!r} was asked for, but this torch has no usable CUDA "
            f"(torch {torch.__version__}, torch.cuda.is_available() is False); use "
            "'cpu' (or 'auto'), or install a CUDA build of torch."
        )
    return resolved


def preset_overrides(name: str | None, cls: type[RoMAOptions]) -> dict[str, Any]:
    r"""The option overrides of preset ``name`` for the option class ``cls``.

    Args:
        name: A key of :data:`PRESETS`, or ``None`` for :data:`DEFAULT_PRESET`.
        cls: The option class.

    Returns:
        A (new) dict of option overrides.

    Example:
        >>> preset_overrides("ensemble", PretrainingOptions)
        {'num_models': 5, 'loss': 'listnet'}
    """
    name = DEFAULT_PRESET if name is None else name
    if name not in PRESETS:
        raise _input_error()(
            f"Unknown preset {name!r}; use one of {sorted(PRESETS)} (or None for "
            f"the default, {DEFAULT_PRESET!r})."
        )
    return dict(PRESETS[name].get(cls, {}))


#: The ascent budget of ``botorch-roma design`` on its built-in dataset (it
#: overrides the preset's ``steps``), so the README's main command stays short
#: on two CPU cores (203 CPU-s with the ListNet default at load 1.4-2; 82
#: with ``"ensemble-mse"`` and 38 with ``--preset paper`` at load 2.4).
BUILTIN_DATASET_BUDGET: dict[type[RoMAOptions], dict[str, Any]] = {
    AscentOptions: {"steps": 100, "adapt_steps": 50},
}


def split_options(
    options: Mapping[str, Any],
    *classes: type[RoMAOptions],
    extra: tuple[str, ...] = (),
    what: str | None = None,
) -> list[dict[str, Any]]:
    r"""Split a flat dict of options among option classes, by name.

    Names that belong to none of the classes (and are not in ``extra``) raise
    one error listing every valid name. A name declared by several classes
    goes to the first.

    Args:
        options: The flat options.
        *classes: The option classes, in order of precedence.
        extra: Further names the caller handles itself; they are returned
            last.
        what: What the options configure, for the error message (default:
            the first class's).

    Returns:
        One dict per class, then one dict of the ``extra`` names.

    Example:
        >>> pre, asc, rest = split_options(
        ...     {"epochs": 5, "steps": 10, "seed": 1},
        ...     PretrainingOptions, AscentOptions, extra=("seed",),
        ... )
        >>> pre, asc, rest
        ({'epochs': 5}, {'steps': 10}, {'seed': 1})
    """
    valid = [name for cls in classes for name in cls.names()] + list(extra)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        sources = " / ".join(cls.__name__ for cls in classes)
        hints = [
            f"{name!r} -> did you mean {close[0]!r}?"
            for name in unknown
            if (close := difflib.get_close_matches(str(name), valid, n=1))
        ]
        raise _input_error()(
            f"Unknown {what or classes[0]._what} {unknown}"
            + (f" ({'; '.join(hints)})" if hints else "")
            + f"; valid options ({sources}"
            + (", and " + ", ".join(extra) if extra else "")
            + f") are {sorted(set(valid))}."
        )
    parts: list[dict[str, Any]] = []
    taken: set[str] = set()
    for cls in classes:
        names = set(cls.names()) - taken
        parts.append({k: v for k, v in options.items() if k in names})
        taken |= names
    parts.append({k: v for k, v in options.items() if k in extra and k not in taken})
    return parts
