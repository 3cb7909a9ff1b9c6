"""Victims trained in seconds on scikit-learn's bundled ``load_digits`` (8x8 grey digits, 1,797 images,
no download): softmax regression and a one-hidden-layer MLP (numpy, trained with L-BFGS), and a small CNN
(torch, Adam). Inputs are (N, 1, 8, 8) in [0, 1] (the 0..16 grey levels divided by 16).

Trained models are cached under the cache folder with their metadata (split, settings, accuracies) and
reused when the settings match.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from micropulse.errors import MicropulseError
from micropulse.trust.store import atomic_write, cache_dir, read_json, settings_key, write_json, write_npz
from micropulse.trust.victims.base import VICTIMS, Victim

log = logging.getLogger(__name__)

SPLIT_SEED = 0
TEST_FRACTION = 1 / 3  # 599 test images, 1,198 training images
DIGITS_LEVELS = 16.0  # load_digits grey levels are 0..16
CACHE_VERSION = 1
SETTINGS = {
    "logreg": {"hidden": 0, "weight_decay": 1e-3, "max_iter": 300},
    "mlp": {"hidden": 64, "weight_decay": 1e-3, "max_iter": 300},
    "cnn": {"channels": (8, 16), "epochs": 20, "batch_size": 64, "lr": 3e-3, "weight_decay": 1e-4},
}


def digits_split(seed: int = SPLIT_SEED, test_fraction: float = TEST_FRACTION):
    """``(x_train, y_train, x_test, y_test)``: inputs (N, 1, 8, 8) in [0, 1], labels 0..9, split by ``seed``."""
    try:
        from sklearn.datasets import load_digits  # optional dependency (extra "trust")
    except ImportError:
        raise MicropulseError(
            "the digits victims need scikit-learn: pip install 'micropulse[trust]'"
        ) from None
    data = load_digits()
    x = (data.images / DIGITS_LEVELS).astype(np.float64)[:, None]
    y = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(len(y) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


class NumpyMLP:
    """Fully connected ReLU network on flattened inputs: (N, ...) -> logits (N, K). No hidden layer =
    softmax regression."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray]) -> None:
        self.weights, self.biases = weights, biases

    def __call__(self, x: np.ndarray) -> np.ndarray:
        h = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w + b
            if i < len(self.weights) - 1:
                np.maximum(h, 0.0, out=h)
        return h

    @property
    def n_params(self) -> int:
        return int(sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True)))


def _shapes(n_in: int, hidden: int, n_out: int) -> list[tuple[int, int]]:
    dims = [n_in] + ([hidden] if hidden else []) + [n_out]
    return list(zip(dims[:-1], dims[1:], strict=True))


def _unpack(theta: np.ndarray, shapes: list[tuple[int, int]]) -> tuple[list, list]:
    ws, bs, i = [], [], 0
    for a, b in shapes:
        ws.append(theta[i : i + a * b].reshape(a, b))
        i += a * b
        bs.append(theta[i : i + b])
        i += b
    return ws, bs


@contextmanager
def _one_thread() -> Iterator[None]:
    """Limit BLAS to one thread while training: the matrices are small, and on a busy machine OpenBLAS'
    spinning threads make full-batch training several times slower."""
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def train_numpy(
    x: np.ndarray, y: np.ndarray, hidden: int, weight_decay: float, max_iter: int, seed: int
) -> NumpyMLP:
    """Minimise mean cross-entropy + weight_decay/2 * ||W||^2 with L-BFGS (full batch, deterministic)."""
    from scipy.optimize import minimize

    xf = x.reshape(len(x), -1)
    n_out = int(y.max()) + 1
    shapes = _shapes(xf.shape[1], hidden, n_out)
    rng = np.random.default_rng(seed)
    init = []
    for a, b in shapes:
        init += [rng.normal(0.0, np.sqrt(2.0 / a), a * b), np.zeros(b)]
    onehot = np.eye(n_out)[y]

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        ws, bs = _unpack(theta, shapes)
        acts = [xf]
        for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
            z = acts[-1] @ w + b
            acts.append(np.maximum(z, 0.0) if i < len(ws) - 1 else z)
        z = acts[-1] - acts[-1].max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -np.mean(np.sum(onehot * logp, axis=1)) + 0.5 * weight_decay * sum(np.sum(w**2) for w in ws)
        g = (np.exp(logp) - onehot) / len(xf)
        grads: list[np.ndarray] = []
        for i in range(len(ws) - 1, -1, -1):
            grads = [(acts[i].T @ g + weight_decay * ws[i]).ravel(), g.sum(axis=0)] + grads
            if i:
                g = (g @ ws[i].T) * (acts[i] > 0)
        return float(loss), np.concatenate(grads)

    with _one_thread():
        res = minimize(
            loss_grad, np.concatenate(init), jac=True, method="L-BFGS-B", options={"maxiter": max_iter}
        )
    ws, bs = _unpack(res.x, shapes)
    return NumpyMLP([w.copy() for w in ws], [b.copy() for b in bs])


def _build_cnn(channels: tuple[int, int]):
    from torch import nn  # optional dependency: only the CNN victim needs torch

    c1, c2 = channels
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c2 * 16, 10),
    )  # fmt: skip


def train_cnn(x: np.ndarray, y: np.ndarray, seed: int, channels, epochs, batch_size, lr, weight_decay):
    """Train the small CNN with Adam on the CPU; returns the module in eval mode."""
    import torch  # optional dependency: only the CNN victim needs torch

    torch.manual_seed(seed)
    net = _build_cnn(tuple(channels))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small batches: one thread is faster, and many times faster on a busy machine
    try:
        _fit(net, x, y, seed, epochs, batch_size, lr, weight_decay)
    finally:
        torch.set_num_threads(threads)
    return net.eval()


def _fit(net, x, y, seed, epochs, batch_size, lr, weight_decay) -> None:
    import torch  # optional dependency: only the CNN victim needs torch

    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    xt, yt = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(xt), generator=gen).split(batch_size):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()


def _accuracy(model_fn, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(model_fn(x), axis=1) == y))


def digits_victim(
    arch: str = "mlp", cache: str | None = None, seed: int = 0, retrain: bool = False
) -> Victim:
    """The digits victim ``arch`` (``logreg``, ``mlp`` or ``cnn``), trained once and cached.

    Args:
        cache: cache folder (default ``~/.cache/micropulse/trust``); seed: training seed.
        retrain: ignore a cached model.
    """
    from micropulse.trust.models import as_logit_fn

    settings = {"arch": arch, **SETTINGS[arch], "seed": seed, "split_seed": SPLIT_SEED,
                "test_fraction": TEST_FRACTION, "version": CACHE_VERSION}  # fmt: skip
    key = settings_key(settings)
    folder = cache_dir(cache)
    meta_path = folder / f"digits-{arch}-{key}.json"
    weights_path = folder / f"digits-{arch}-{key}.{'pt' if arch == 'cnn' else 'npz'}"
    x_tr, y_tr, x_te, y_te = digits_split()
    model = None
    if not retrain and meta_path.is_file() and weights_path.is_file():
        meta = read_json(meta_path)
        if meta.get("settings") == json_roundtrip(settings):
            try:
                model = _load(arch, settings, weights_path)
                log.info("reusing the cached digits-%s victim %s", arch, weights_path)
            except (OSError, ValueError, KeyError, RuntimeError) as exc:  # damaged cache: train again
                log.warning("cannot read the cached %s (%s); training again", weights_path, exc)
    if model is None:
        t0 = time.perf_counter()
        model = _train(arch, settings, x_tr, y_tr, weights_path)
        fn = as_logit_fn(model)
        meta = {
            "settings": json_roundtrip(settings), "dataset": "sklearn load_digits (8x8, 1797 images)",
            "n_train": int(len(y_tr)), "n_test": int(len(y_te)),
            "train_acc": _accuracy(fn, x_tr, y_tr), "test_acc": _accuracy(fn, x_te, y_te),
            "n_params": _n_params(model), "train_s": round(time.perf_counter() - t0, 3),
            "weights": str(weights_path),
        }  # fmt: skip
        write_json(meta_path, meta)
        log.info("trained digits-%s: test accuracy %.4f", arch, meta["test_acc"])
    return Victim(f"digits-{arch}", model, x_te, y_te, (0.0, 1.0), meta)


def json_roundtrip(obj: Any) -> Any:
    """``obj`` as it reads back from JSON (tuples become lists), for comparing settings."""
    import json

    return json.loads(json.dumps(obj))


def _n_params(model: Any) -> int:
    if isinstance(model, NumpyMLP):
        return model.n_params
    return int(sum(p.numel() for p in model.parameters()))


def _train(arch: str, settings: dict, x: np.ndarray, y: np.ndarray, path) -> Any:
    """Train ``arch`` and write its weights atomically to ``path``."""
    if arch != "cnn":
        model = train_numpy(
            x, y, settings["hidden"], settings["weight_decay"], settings["max_iter"], settings["seed"]
        )
        arrays = {f"w{i}": w for i, w in enumerate(model.weights)}
        arrays.update({f"b{i}": b for i, b in enumerate(model.biases)})
        write_npz(path, **arrays)
        return model
    import io

    import torch  # optional dependency: only the CNN victim needs torch

    opts = {k: settings[k] for k in ("channels", "epochs", "batch_size", "lr", "weight_decay")}
    model = train_cnn(x, y, settings["seed"], **opts)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    atomic_write(path, buf.getvalue())
    return model


def _load(arch: str, settings: dict, path) -> Any:
    if arch == "cnn":
        import torch  # optional dependency: the CNN victim

        net = _build_cnn(tuple(settings["channels"]))
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return net.eval()
    with np.load(path) as data:
        n = len([k for k in data.files if k.startswith("w")])
        return NumpyMLP([data[f"w{i}"] for i in range(n)], [data[f"b{i}"] for i in range(n)])


for _arch in SETTINGS:
    VICTIMS.register(f"digits-{_arch}")(
        lambda cache=None, seed=0, _a=_arch: digits_victim(_a, cache=cache, seed=seed)
    )
