"""Victims: classifiers with labelled test inputs, all runnable here without downloads.

* ``digits-logreg``, ``digits-mlp``, ``digits-cnn``: trained in seconds on scikit-learn's ``load_digits``;
* ``me-tst``: micropulse's ME-TST recognition head in its input feature space;
* any user model: ``module:callable`` (a numpy callable or a torch module) or a TorchScript file, with
  test data from an ``.npz`` file (arrays ``x`` (N, C, H, W) or (N, H, W), ``y`` (N,), optional ``lo``,
  ``hi``) or, without one, the digits test split ((N, 1, 8, 8) in [0, 1]).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError, InputError, UnknownNameError
from micropulse.trust.models import TORCHSCRIPT_SUFFIXES, load_callable, load_torchscript
from micropulse.trust.victims import digits as _digits  # noqa: F401  (registers digits-*)
from micropulse.trust.victims import metst as _metst  # noqa: F401  (registers me-tst)
from micropulse.trust.victims.base import VICTIMS, Victim
from micropulse.trust.victims.digits import NumpyMLP, digits_split, digits_victim
from micropulse.trust.victims.metst import metst_victim, recognition_head

__all__ = [
    "NumpyMLP", "Victim", "digits_split", "digits_victim", "list_victims", "load_data", "load_victim",
    "metst_victim", "recognition_head",
]  # fmt: skip


def list_victims() -> list[str]:
    """Names of the built-in victims (user models are named ``module:callable`` or by a file path)."""
    return VICTIMS.names()


def load_data(path: str | Path) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """Read ``x``, ``y`` (and optional ``lo``, ``hi``) from an ``.npz`` file; x becomes (N, C, H, W)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("data file not found", p)
    try:
        with np.load(p, allow_pickle=False) as data:
            if "x" not in data.files or "y" not in data.files:
                raise FileFormatError(f"needs arrays 'x' and 'y', found {', '.join(data.files) or 'none'}", p)
            x, y = np.asarray(data["x"], dtype=np.float64), np.asarray(data["y"])
            lo = float(data["lo"]) if "lo" in data.files else 0.0
            hi = float(data["hi"]) if "hi" in data.files else 1.0
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"not a readable .npz file ({exc})", p) from None
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise FileFormatError(f"'x' must be (N, C, H, W) or (N, H, W), got shape {x.shape}", p)
    if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
        raise FileFormatError(f"'y' must be {len(x)} integer labels, got shape {y.shape} ({y.dtype})", p)
    return x, y.astype(np.int64), (lo, hi)


def load_victim(
    name: str, *, cache: str | Path | None = None, seed: int = 0, data: str | Path | None = None
) -> Victim:
    """A built-in victim by name, or a user model (``module:callable`` / TorchScript file) with ``data``.

    Args:
        cache: cache folder for trained victims and rendered features.
        seed: training seed of the built-in victims.
        data: ``.npz`` test data for a user model (default: the digits test split).
    """
    if name in VICTIMS:
        if data is not None:
            raise InputError(f"--data applies to user models only, not to the built-in victim {name!r}")
        return VICTIMS.get(name)(cache=cache, seed=seed)
    if Path(name).suffix.lower() in TORCHSCRIPT_SUFFIXES or Path(name).is_file():
        model, kind = load_torchscript(name), "torchscript"
    elif ":" in name:
        model, kind = load_callable(name), "module:callable"
    else:
        known = ", ".join(list_victims())
        raise UnknownNameError(
            f"unknown victim {name!r}; known: {known}, or a user model as 'module:callable' or a TorchScript file"
        )
    if data is not None:
        x, y, bounds = load_data(data)
        source = str(data)
    else:
        _, _, x, y = digits_split()
        bounds, source = (0.0, 1.0), "digits test split"
    return Victim(name, model, x, y, bounds, {"kind": kind, "data": source})
