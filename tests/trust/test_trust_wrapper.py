"""``Defended``: numpy callables, torch modules, the ME-TST recognition head; the defense registry."""

from __future__ import annotations

import numpy as np
import pytest
from trust_helpers import linear_model

from micropulse.errors import InputError, UnknownNameError
from micropulse.trust import (
    DEFENSES,
    Defended,
    DefenseSpec,
    LabelChangedError,
    dld,
    get_defense,
    in_rnd,
    list_defenses,
)

LABEL_PRESERVING = ("none", "dld", "aaa-linear", "aaa-sine")


def test_registry_lists_every_defense_and_unknown_names_list_them():
    assert set(list_defenses()) == {"none", "dld", "aaa-linear", "aaa-sine", "in-rnd", "out-rnd"}
    with pytest.raises(UnknownNameError, match="known: aaa-linear, aaa-sine, dld"):
        get_defense("dashed")
    with pytest.raises(UnknownNameError, match="unknown defense 'x'"):
        Defended(lambda x: x, "x")
    spec = get_defense("DLD")
    assert spec.label_preserving and spec.deterministic and spec.invert_params == ("tau", "h")
    assert spec.to_dict()["defaults"] == {"tau": 6.0, "h": 0.3, "rho": 0.5, "s": 0.04}


def test_unknown_or_bad_parameters_are_refused_at_construction():
    model = linear_model(np.eye(4))
    with pytest.raises(InputError, match="no parameter\\(s\\) sigma; known: tau, h, rho, s"):
        Defended(model, "dld", sigma=0.3)
    with pytest.raises(InputError, match="tau must be"):
        Defended(model, "dld", tau=-1)
    with pytest.raises(InputError, match="must be a number"):
        Defended(model, "dld", tau="six")


@pytest.mark.parametrize("defense", LABEL_PRESERVING)
def test_numpy_callable_defended_clean_accuracy_is_exactly_undefended(digits_mlp, defense):
    d = Defended(digits_mlp.model, defense, debug=True)
    raw, out = d.raw(digits_mlp.x), d(digits_mlp.x)
    assert np.array_equal(out.argmax(1), raw.argmax(1))
    assert np.mean(out.argmax(1) == digits_mlp.y) == np.mean(raw.argmax(1) == digits_mlp.y)
    assert d.queries == len(digits_mlp.x)
    if defense == "dld":
        assert np.array_equal(out, dld(raw))


def test_torch_module_wrapped_batched_no_grad(one_torch_thread):
    torch = one_torch_thread
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 5)).eval()
    x = np.random.default_rng(0).random((2100, 3, 2, 2))  # more than one internal batch
    d = Defended(net, "dld", debug=True)
    with torch.no_grad():
        ref = net(torch.as_tensor(x, dtype=torch.float32)).double().numpy()
    raw = d.raw(x)
    assert raw.dtype == np.float64 and raw.shape == (2100, 5)
    assert np.allclose(raw, ref, atol=1e-5)
    assert np.array_equal(d(x).argmax(1), ref.argmax(1))
    assert all(p.grad is None for p in net.parameters())


def test_torch_cnn_victim_wrapped(one_torch_thread):
    from micropulse.trust.victims.digits import digits_split, train_cnn

    x_tr, y_tr, x_te, y_te = digits_split()
    net = train_cnn(x_tr, y_tr, seed=0, channels=(4, 8), epochs=2, batch_size=64, lr=3e-3, weight_decay=0.0)
    d = Defended(net, "aaa-linear", debug=True)
    acc_raw = np.mean(d.raw(x_te).argmax(1) == y_te)
    assert acc_raw > 0.6  # a real (if briefly trained) classifier, not chance (0.1)
    assert np.mean(d(x_te).argmax(1) == y_te) == acc_raw


def test_metst_recognition_head_wrapped(one_torch_thread):
    """micropulse's served emotion recogniser: logits of the centre frame of a flow-feature window."""
    from micropulse.me import create_model
    from micropulse.trust.victims import recognition_head

    net = create_model("me-tst", weights="builtin")
    info = net.weights_info
    head = recognition_head(net)
    x = np.random.default_rng(0).normal(0.0, 0.3, (6, 1, 10, info.k))
    for defense in ("dld", "aaa-sine"):
        d = Defended(head, defense, debug=True)
        raw, out = d.raw(x), d(x)
        assert raw.shape == (6, 5)
        assert np.array_equal(out.argmax(1), raw.argmax(1))
    full = net.eval()(one_torch_thread.as_tensor(x[:, 0], dtype=one_torch_thread.float32))[1]
    assert np.allclose(raw, full[:, info.k // 2].detach().double().numpy(), atol=1e-5)


def test_model_with_wrong_output_shape_is_a_named_error():
    x = np.zeros((4, 1, 2, 2))
    with pytest.raises(InputError, match=r"returned shape \(3, 2\) for a batch of 4"):
        Defended(lambda b: np.zeros((3, 2)), "dld")(x)
    with pytest.raises(InputError, match="returned shape \\(4,\\)"):
        Defended(lambda b: np.zeros(4), "dld")(x)
    with pytest.raises(InputError, match="NaN or inf"):
        Defended(lambda b: np.full((4, 2), np.nan), "dld")(x)
    with pytest.raises(InputError, match="must be a callable or a torch module"):
        Defended(42, "dld")


def test_debug_mode_asserts_labels_kept(monkeypatch):
    bad = DefenseSpec("flip", "test only", {}, "output", True, True, lambda z, rng: -z)
    monkeypatch.setitem(DEFENSES._entries, "flip", bad)
    model = linear_model(np.eye(3))
    x = np.eye(3)[:, :, None, None].reshape(3, 3, 1, 1)
    Defended(model, "flip")(x)  # not checked outside debug mode
    with pytest.raises(LabelChangedError, match="changed 3 of 3"):
        Defended(model, "flip", debug=True)(x)


def test_random_defenses_are_seeded_and_fresh_per_query():
    model = linear_model(np.eye(4))
    x = np.full((50, 4, 1, 1), 0.5)
    a = Defended(model, "out-rnd", seed=3)
    b = Defended(model, "out-rnd", seed=3)
    first = a(x)
    assert np.array_equal(first, b(x))
    assert not np.array_equal(first, a(x))  # new noise on every query
    noisy = in_rnd(model, nu=0.02, seed=0)
    out = noisy(x)
    assert 0.01 < np.std(out - 0.5) < 0.03
    assert np.all(in_rnd(model, nu=5.0, seed=0)(x) <= 1.0)  # inputs clipped to [lo, hi] before the model
