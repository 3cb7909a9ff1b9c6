"""open-rppg .h5 import: every tensor mapped, and outputs equal open-rppg's own (golden arrays, <= 1e-4).

The golden arrays were produced once by running open-rppg's Keras/jax models
(tests/data/golden/make_openrppg_golden.py); the weights come from the installed open-rppg wheel.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from micropulse.rppg.deep import create_model, import_weights
from micropulse.rppg.deep.openrppg import openrppg_selective_scan
from micropulse.rppg.deep.openrppg_h5 import read_openrppg_h5
from micropulse.rppg.deep.transforms import channel_standardized

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden" / "openrppg_golden.npz"

pytestmark = pytest.mark.usefixtures("one_thread")

CASES = [
    ("RhythmMamba.pure", "rhythmmamba", "PURE"),
    ("RhythmMamba.rlap", "rhythmmamba", "RLAP"),
    ("physnet.pure", "physnet", "PURE"),
    ("physnet.rlap", "physnet", "RLAP"),
]


def zscore(y: np.ndarray) -> np.ndarray:
    return (y - y.mean()) / (y.std() + 1e-6)  # open-rppg's output standardisation


@pytest.fixture(scope="module")
def golden():
    return dict(np.load(GOLDEN))


@pytest.mark.parametrize(("stem", "arch", "training_set"), CASES)
def test_golden_output(openrppg_weights_dir, golden, stem, arch, training_set):
    path = openrppg_weights_dir / f"{stem}.weights.h5"
    model = create_model(arch, weights=path)
    info = model.weights_info
    assert (info.training_set, info.variant, info.normalisation) == (
        training_set,
        "openrppg",
        "ChannelStandardized",
    )
    x = torch.from_numpy(channel_standardized(golden["clip"])).permute(0, 3, 1, 2).unsqueeze(0)
    with torch.no_grad():
        y = model(x)[0].numpy()
    assert y.shape == golden[stem].shape
    assert np.abs(zscore(y) - golden[stem]).max() <= 1e-4


@pytest.mark.parametrize(("stem", "arch", "training_set"), CASES)
def test_every_tensor_is_mapped(openrppg_weights_dir, stem, arch, training_set):
    path = openrppg_weights_dir / f"{stem}.weights.h5"
    with h5py.File(path, "r") as fh:
        n_datasets = []
        fh.visititems(lambda name, obj: n_datasets.append(name) if isinstance(obj, h5py.Dataset) else None)
    state, info = read_openrppg_h5(path, arch)
    n_bn = sum(k.endswith("num_batches_tracked") for k in state)
    assert len(state) - n_bn == len(n_datasets)  # one torch tensor per h5 dataset, nothing left over
    assert set(state) == set(create_model(arch, random_init=True, options=info.option_dict).state_dict())


def test_rhythmmamba_h5_params_and_options(openrppg_weights_dir):
    state, info = read_openrppg_h5(openrppg_weights_dir / "RhythmMamba.pure.weights.h5", "rhythmmamba")
    assert info.params == 4_922_125 and info.option_dict == {"ffn_full_matrix": True}
    assert (info.input_size, info.chunk_length, info.fs) == (128, 160, 30.0)


def test_import_to_pt_keeps_the_variant(tmp_path, openrppg_weights_dir, golden):
    out = tmp_path / "rm.pt"
    info = import_weights(openrppg_weights_dir / "physnet.pure.weights.h5", "physnet", out)
    model = create_model("physnet", weights=out)
    assert model.weights_info == info and info.variant == "openrppg"
    x = torch.from_numpy(channel_standardized(golden["clip"])).permute(0, 3, 1, 2).unsqueeze(0)
    with torch.no_grad():
        assert np.abs(zscore(model(x)[0].numpy()) - golden["physnet.pure"]).max() <= 1e-4


def test_h5_for_the_wrong_architecture(openrppg_weights_dir):
    from micropulse.errors import WeightsError

    with pytest.raises(WeightsError, match="no physnet counterpart"):
        create_model("physnet", weights=openrppg_weights_dir / "RhythmMamba.pure.weights.h5")


def test_openrppg_scan_equals_recurrence_without_underflow():
    """Where nothing underflows, open-rppg's cumsum scan is the exact recurrence (hand-rolled here)."""
    g = torch.Generator().manual_seed(0)
    b, d, n, length = 2, 3, 4, 6
    u = torch.randn(b, d, length, generator=g, dtype=torch.float64)
    delta = torch.rand(b, d, length, generator=g, dtype=torch.float64) * 0.5
    a = -torch.rand(d, n, generator=g, dtype=torch.float64)
    bm = torch.randn(b, n, length, generator=g, dtype=torch.float64)
    cm = torch.randn(b, n, length, generator=g, dtype=torch.float64)
    dd = torch.randn(d, generator=g, dtype=torch.float64)
    h = torch.zeros(b, d, n, dtype=torch.float64)
    ys = []
    for t in range(length):
        h = (
            torch.exp(delta[:, :, t, None] * a) * h
            + (delta[:, :, t] * u[:, :, t])[..., None] * bm[:, None, :, t]
        )
        ys.append((h * cm[:, None, :, t]).sum(-1) + dd * u[:, :, t])
    expected = torch.stack(ys, dim=-1)
    assert torch.allclose(openrppg_selective_scan(u, delta, a, bm, cm, dd), expected, atol=1e-9)
