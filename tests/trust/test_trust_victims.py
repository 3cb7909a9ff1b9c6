"""Victims: digits models trained and cached with metadata; user models (module:callable, TorchScript)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from micropulse.errors import FileFormatError, InputError, UnknownNameError
from micropulse.trust import list_victims, load_victim
from micropulse.trust.metrics import clean_metrics, ece, robust_curve, robustness, softmax
from micropulse.trust.victims import digits_split


def test_digits_split_is_fixed_and_in_unit_range():
    x_tr, y_tr, x_te, y_te = digits_split()
    assert x_tr.shape == (1198, 1, 8, 8) and x_te.shape == (599, 1, 8, 8)
    assert 0.0 <= x_te.min() and x_te.max() <= 1.0
    assert np.array_equal(digits_split()[3], y_te)
    assert set(np.unique(y_te)) == set(range(10))


def test_digits_victims_train_once_and_reload_with_metadata(digits_mlp, digits_logreg, trust_cache):
    assert {"digits-logreg", "digits-mlp", "digits-cnn", "me-tst"} <= set(list_victims())
    for v in (digits_mlp, digits_logreg):
        meta = v.metadata
        assert meta["test_acc"] > 0.93 and meta["n_test"] == 599
        assert np.mean(v.model(v.x).argmax(1) == v.y) == pytest.approx(meta["test_acc"])
    files = sorted(p.name for p in trust_cache.glob("digits-mlp-*"))
    assert len(files) == 2 and files[0].endswith(".json") and files[1].endswith(".npz")
    on_disk = json.loads((trust_cache / files[0]).read_text())
    assert on_disk["settings"]["arch"] == "mlp" and on_disk["settings"]["split_seed"] == 0
    again = load_victim("digits-mlp", cache=trust_cache)
    assert np.array_equal(again.model(again.x), digits_mlp.model(digits_mlp.x))


def test_damaged_cache_is_retrained(tmp_path, digits_logreg, trust_cache):
    for p in trust_cache.glob("digits-logreg-*"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    weights = next(tmp_path.glob("*.npz"))
    weights.write_bytes(b"not a zip file")
    v = load_victim("digits-logreg", cache=tmp_path)
    assert np.allclose(v.model(v.x), digits_logreg.model(digits_logreg.x))


def test_user_module_callable_with_default_and_own_data(tmp_path, monkeypatch):
    (tmp_path / "usermodel.py").write_text(
        "import numpy as np\n"
        "W = np.random.default_rng(0).normal(size=(64, 10))\n"
        "def classify(x):\n    return x.reshape(len(x), -1) @ W\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    v = load_victim("usermodel:classify")
    assert v.x.shape == (599, 1, 8, 8) and v.metadata["data"] == "digits test split"
    data = tmp_path / "d.npz"
    np.savez(data, x=np.random.default_rng(1).random((7, 8, 8)), y=np.arange(7))
    v = load_victim("usermodel:classify", data=data)
    assert v.x.shape == (7, 1, 8, 8) and v.model(v.x).shape == (7, 10)
    sys.modules.pop("usermodel", None)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_user_torchscript_file(tmp_path, one_torch_thread):
    torch = one_torch_thread
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    path = tmp_path / "m.pt"
    torch.jit.script(net).save(str(path))
    v = load_victim(str(path))
    assert v.metadata["kind"] == "torchscript"
    from micropulse.trust import Defended

    out = Defended(v.model, "dld", debug=True)(v.x[:5])
    assert out.shape == (5, 10)


@pytest.mark.parametrize(
    "name, err, words",
    [
        ("resnet", UnknownNameError, "known: digits-cnn, digits-logreg"),
        ("nosuchmodule_xyz:f", InputError, "cannot import"),
        ("json:nosuchattr", InputError, "no attribute"),
        ("json:__doc__", InputError, "not a callable"),
    ],
)
def test_bad_victim_names(name, err, words):
    with pytest.raises(err, match=words):
        load_victim(name)


def test_bad_files(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    with pytest.raises(FileFormatError, match="not a TorchScript model"):
        load_victim(str(bad))
    data = tmp_path / "d.npz"
    np.savez(data, x=np.zeros((3, 8, 8)))
    with pytest.raises(FileFormatError, match="needs arrays 'x' and 'y'"):
        load_victim("json:loads", data=data)
    np.savez(data, x=np.zeros((3, 8, 8)), y=np.zeros(2, dtype=int))
    with pytest.raises(FileFormatError, match="'y' must be 3 integer labels"):
        load_victim("json:loads", data=data)
    np.savez(data, x=np.full((3, 8, 8), 5.0), y=np.zeros(3, dtype=int))
    with pytest.raises(InputError, match="outside the bounds"):
        load_victim("json:loads", data=data)
    with pytest.raises(InputError, match="user models only"):
        load_victim("digits-mlp", data=data)


def test_ece_by_hand():
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    labels = np.array([0, 1, 0, 0])
    # bin (0.867, 0.933]: acc 0.5, conf 0.9 -> 0.4 * 0.5; bin (0.533, 0.6]: acc 1, conf 0.6 -> 0.4 * 0.5
    assert ece(probs, labels) == pytest.approx(0.4)
    assert ece(np.array([[1.0, 0.0]]), np.array([0])) == 0.0


def test_clean_metrics_and_robustness():
    raw = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    out = raw + np.array([[1.0, 0.0], [0.0, 0.0], [-4.0, 0.0]])
    m = clean_metrics(raw, out, np.array([0, 1, 1]))
    assert m.clean_acc == pytest.approx(2 / 3) and m.defended_clean_acc == pytest.approx(1.0)
    assert m.label_agreement == pytest.approx(2 / 3) and m.max_abs_delta_logit == 4.0
    p = softmax(raw)
    assert np.allclose(p.sum(1), 1.0) and m.mean_abs_delta_top1_prob > 0
    curve = robust_curve(np.array([0, 3, -1, 10]), budget=10)
    assert curve.tolist()[:4] == [0.75, 0.75, 0.75, 0.5] and curve[10] == 0.25
    r = robustness(curve, np.array([0, 3, -1, 10]), 10)
    assert r["robust_acc"] == {"10": 0.25} and r["median_queries"] == 3.0 and r["n_success"] == 3


def test_metst_victim_renders_caches_and_is_attackable(tmp_path, one_torch_thread):
    """The served emotion recogniser as a victim: windows rendered once and cached, labels = its own
    predictions (clean accuracy 1 by construction), attack queries counted in feature space."""
    from micropulse.trust import AttackSettings, run_attack
    from micropulse.trust.victims import metst_victim

    clips = {"n_clips": 1, "seconds": 2.0, "n_micro": 1, "n_macro": 0}
    v = metst_victim(cache=tmp_path, clips=clips)
    assert v.x.shape[1:] == (1, 10, 50) and len(v.x) >= 1
    assert len(list(tmp_path.glob("metst-windows-*.npz"))) == 1
    again = metst_victim(cache=tmp_path, clips=clips)
    assert np.array_equal(again.x, v.x)
    s = run_attack(AttackSettings(victim="me-tst", defense="dld", eps=0.3, queries=5, n=4), v)
    assert s["clean_acc"] == 1.0 and s["defended_clean_acc"] == 1.0 and s["label_agreement"] == 1.0
    assert s["total_queries"] <= 5 * len(v.x)
