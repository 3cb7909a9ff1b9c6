"""The defense registry and :class:`Defended`, a classifier wrapped with one defense.

``list_defenses()`` names every defense; ``get_defense(name)`` returns its :class:`DefenseSpec`;
``Defended(model, "dld", tau=6.0)`` is a callable from a batch of inputs to defended logits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from micropulse.errors import InputError, MicropulseError
from micropulse.registry import Registry
from micropulse.trust import defenses as D
from micropulse.trust.models import as_logit_fn, checked_logits

IN_RND_DEFAULTS = {"nu": 0.02, "lo": 0.0, "hi": 1.0}  # RND input noise std and the input clip range


class LabelChangedError(MicropulseError):
    """A label-preserving defense changed a predicted label (a bug; raised in debug mode)."""


@dataclass(frozen=True)
class DefenseSpec:
    """One registered defense.

    Attributes:
        name: registry name.
        summary: one line for listings.
        defaults: parameter names and default values (units in the function docstrings).
        kind: ``"output"`` (post-processes logits) or ``"input"`` (perturbs the input before the model).
        label_preserving: the predicted label can never change.
        deterministic: equal inputs give equal outputs.
        apply: ``(logits or inputs, rng, **params) -> array``.
        invert_margin: ``(defended top-1 margins, **params) -> true margins`` for an attacker who knows
            the parameters named in ``invert_params``; None when no exact inverse exists.
    """

    name: str
    summary: str
    defaults: Mapping[str, float]
    kind: str
    label_preserving: bool
    deterministic: bool
    apply: Callable[..., np.ndarray] = field(repr=False)
    invert_margin: Callable[..., np.ndarray] | None = field(default=None, repr=False)
    invert_params: tuple[str, ...] = ()

    def params(self, given: Mapping[str, Any]) -> dict[str, float]:
        """Defaults updated with ``given``; unknown names raise :class:`InputError` listing the known ones."""
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            known = ", ".join(self.defaults) or "(none)"
            raise InputError(
                f"defense {self.name!r} has no parameter(s) {', '.join(unknown)}; known: {known}"
            )
        out = dict(self.defaults)
        for k, v in given.items():
            try:
                out[k] = float(v)
            except (TypeError, ValueError):
                raise InputError(f"defense parameter {k} must be a number, got {v!r}") from None
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "summary": self.summary, "defaults": dict(self.defaults), "kind": self.kind,
            "label_preserving": self.label_preserving, "deterministic": self.deterministic,
            "invertible_with": list(self.invert_params) if self.invert_margin is not None else None,
        }  # fmt: skip


DEFENSES: Registry[DefenseSpec] = Registry("defense")


def _register(spec: DefenseSpec) -> None:
    DEFENSES.register(spec.name)(spec)


def _in_rnd_apply(x: np.ndarray, rng: np.random.Generator, nu: float, lo: float, hi: float) -> np.ndarray:
    if not np.isfinite(nu) or nu < 0:
        raise InputError(f"nu (input noise std) must be a finite number >= 0, got {nu!r}")
    if not lo < hi:
        raise InputError(f"the input range must satisfy lo < hi, got lo={lo}, hi={hi}")
    return np.clip(x + nu * rng.standard_normal(np.shape(x)), lo, hi)


_register(DefenseSpec("none", "no defense (the model's own logits)", MappingProxyType({}), "output",
                      True, True, lambda z, rng: D.identity(z)))  # fmt: skip
_register(DefenseSpec(
    "dld", "Dashed Line Defense: ambiguous margin trend, labels kept", MappingProxyType(D.DLD_DEFAULTS),
    "output", True, True, lambda z, rng, **p: D.dld(z, **p),
    lambda m, tau, h, **_: D.dld_invert_margin(m, tau=tau, h=h), ("tau", "h"),
))  # fmt: skip
_register(DefenseSpec(
    "aaa-linear", "AAA, linear reversal about the attractor (closed form)",
    MappingProxyType(D.AAA_LINEAR_DEFAULTS), "output", True, True, lambda z, rng, **p: D.aaa_linear(z, **p),
    lambda m, tau, lam, **_: D.aaa_linear_invert_margin(m, tau=tau, lam=lam), ("tau", "lam"),
))  # fmt: skip
_register(DefenseSpec(
    "aaa-sine", "AAA, sine reversal about the attractor (closed form)", MappingProxyType(D.AAA_SINE_DEFAULTS),
    "output", True, True, lambda z, rng, **p: D.aaa_sine(z, **p),
))  # fmt: skip
_register(DefenseSpec(
    "out-rnd", "RND output noise z + N(0, sigma^2); may change labels", MappingProxyType(D.OUT_RND_DEFAULTS),
    "output", False, False, lambda z, rng, **p: D.out_rnd(z, rng=rng, **p),
))  # fmt: skip
_register(DefenseSpec(
    "in-rnd", "RND input noise clip(x + N(0, nu^2), lo, hi); may change labels",
    MappingProxyType(IN_RND_DEFAULTS), "input", False, False, _in_rnd_apply,
))  # fmt: skip


def list_defenses() -> list[str]:
    """Names of the registered defenses."""
    return DEFENSES.names()


def get_defense(name: str) -> DefenseSpec:
    """The :class:`DefenseSpec` registered as ``name`` (:class:`UnknownNameError` lists the known ones)."""
    return DEFENSES.get(name)


class Defended:
    """A classifier with a defense: ``Defended(model, "dld", tau=6.0)(x) -> defended logits (N, C)``.

    Args:
        model: a numpy callable (N, ...) -> logits (N, C), or a torch module (run batched under
            ``no_grad`` on its own device).
        defense: a registered defense name (:func:`list_defenses`).
        seed: seed of the noise of random defenses (None: fresh entropy).
        debug: check on every call that a label-preserving defense kept every argmax
            (:class:`LabelChangedError` otherwise).
        **params: the defense's parameters (unknown names raise :class:`InputError`).

    Attributes:
        queries: number of inputs answered so far (rows of every batch).
    """

    def __init__(
        self, model: object, defense: str = "dld", *, seed: int | None = None, debug: bool = False,
        **params: float,
    ) -> None:  # fmt: skip
        self.spec = get_defense(defense)
        self.params = self.spec.params(params)
        self.model = model
        self._fn = as_logit_fn(model)
        self.debug = bool(debug)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.queries = 0
        probe_rng = np.random.default_rng(0)
        if self.spec.kind == "output":  # validate the parameter values once, on a dummy row
            self.spec.apply(np.array([[1.0, 0.0]]), probe_rng, **self.params)
        else:
            self.spec.apply(np.zeros((1, 1)), probe_rng, **self.params)

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The undefended model's logits (checked; not counted as queries)."""
        return checked_logits(self._fn, np.asarray(x))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        self.queries += len(x)
        if self.spec.kind == "input":
            return self.raw(self.spec.apply(x, self.rng, **self.params))
        raw = self.raw(x)
        out = self.spec.apply(raw, self.rng, **self.params)
        if self.debug and self.spec.label_preserving:
            changed = np.argmax(out, axis=1) != np.argmax(raw, axis=1)
            if np.any(changed):
                raise LabelChangedError(
                    f"defense {self.spec.name!r} changed {int(changed.sum())} of {len(x)} predicted labels"
                )
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"Defended({type(self.model).__name__}, {self.spec.name!r}{', ' + args if args else ''})"


def in_rnd(
    model: object, nu: float = 0.02, lo: float = 0.0, hi: float = 1.0, seed: int | None = None
) -> Defended:
    """RND input noise as a model wrapper: queries see ``model(clip(x + N(0, nu^2), lo, hi))``."""
    return Defended(model, "in-rnd", seed=seed, nu=nu, lo=lo, hi=hi)
