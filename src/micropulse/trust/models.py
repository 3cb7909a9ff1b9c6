"""Any classifier as a numpy logit function: a numpy callable, a torch module, a ``module:callable`` name
or a TorchScript file.

A *logit function* maps a batch of inputs (N, ...) to float64 logits (N, C). torch is imported only when a
torch model is given or loaded (it is optional for the rest of :mod:`micropulse.trust`).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError, InputError
from micropulse.trust.margins import check_logits

LogitFn = Callable[[np.ndarray], np.ndarray]
TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".ts", ".torchscript")
DEFAULT_BATCH = 1024  # inputs per forward call of a wrapped torch module


def _is_torch_module(model: object) -> bool:
    torch = sys.modules.get("torch")  # only a model built with torch can be a torch module
    return torch is not None and isinstance(model, torch.nn.Module)


class TorchLogits:
    """A torch module as a numpy logit function: batched, under ``no_grad``, on the module's own device.

    The module is used as it is (train/eval mode untouched: put it in ``eval()`` for deterministic
    outputs). Inputs are cast to the module's floating dtype; outputs come back as float64 numpy.
    """

    def __init__(self, module: object, batch_size: int = DEFAULT_BATCH) -> None:
        import torch  # optional dependency: only reached with a torch module

        self.module = module
        params = list(module.parameters()) + list(module.buffers())
        floats = [p for p in params if p.is_floating_point()]
        self.device = floats[0].device if floats else (params[0].device if params else torch.device("cpu"))
        self.dtype = floats[0].dtype if floats else torch.float32
        self.batch_size = int(batch_size)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import torch  # optional dependency, see __init__

        arr = np.ascontiguousarray(x)
        outs = []
        with torch.no_grad():
            for i in range(0, max(len(arr), 1), self.batch_size):
                t = torch.as_tensor(arr[i : i + self.batch_size], dtype=self.dtype, device=self.device)
                out = self.module(t)
                if not isinstance(out, torch.Tensor):
                    raise InputError(
                        f"the torch model returned {type(out).__name__}, expected one logits tensor (N, C)"
                    )
                outs.append(out.detach().to("cpu", torch.float64).numpy())
        return np.concatenate(outs) if outs else np.zeros((0, 0))


def as_logit_fn(model: object) -> LogitFn:
    """Wrap ``model`` (a torch module or a numpy callable) as a numpy logit function."""
    if _is_torch_module(model):
        return TorchLogits(model)
    if callable(model):
        return model  # type: ignore[return-value]
    raise InputError(f"a model must be a callable or a torch module, got {type(model).__name__}")


def checked_logits(fn: LogitFn, x: np.ndarray) -> np.ndarray:
    """Call ``fn`` on the batch ``x`` and check the answer is finite (N, C) logits with N = len(x)."""
    out = fn(x)
    try:
        z = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"the model returned {type(out).__name__}, not an array of logits") from None
    if z.ndim != 2 or z.shape[0] != len(x):
        raise InputError(
            f"the model returned shape {z.shape} for a batch of {len(x)} inputs; expected ({len(x)}, C)"
        )
    return check_logits(z, "model logits")


def load_callable(spec: str) -> object:
    """Import ``module:attribute`` (e.g. ``mypkg.models:classifier``) and return the object."""
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise InputError(f"a model name must look like 'module:callable', got {spec!r}")
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise InputError(f"cannot import module {module!r} for model {spec!r}: {exc}") from None
    obj = mod
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InputError(f"module {module!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj) and not _is_torch_module(obj):
        raise InputError(f"{spec!r} is a {type(obj).__name__}, not a callable model")
    return obj


def load_torchscript(path: str | Path) -> object:
    """Load a TorchScript file on the CPU, in eval mode; :class:`FileFormatError` when it is not one."""
    import torch  # optional dependency: only reached for TorchScript files

    p = Path(path)
    if not p.is_file():
        raise InputError("model file not found", p)
    try:
        with warnings.catch_warnings():  # torch >= 2.9 deprecates TorchScript; users may still bring it
            warnings.simplefilter("ignore", DeprecationWarning)
            module = torch.jit.load(str(p), map_location="cpu")
    except (RuntimeError, ValueError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise FileFormatError(f"not a TorchScript model ({first[:200]})", p) from None
    module.eval()
    return module
