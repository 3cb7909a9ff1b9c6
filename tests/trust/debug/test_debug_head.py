"""Data debugging through the Python API on a trained micropulse linear head: the built-in ME-TST
checkpoint's recognition head, fed with its own penultimate features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")
pytest.importorskip("pulp", reason="the MILP solver is part of the [trust] extra")

import micropulse.me  # noqa: E402
from micropulse.errors import InputError  # noqa: E402
from micropulse.me.models import create_me_model  # noqa: E402
from micropulse.trust.debug import linear_head_instance, replay, solve, verify  # noqa: E402

WEIGHTS = Path(micropulse.me.__file__).parent / "weights" / "me-tst-synthetic.pt"
POS, NEG = 4, 1  # neutral vs positive


@pytest.fixture(scope="module")
def head_and_features():
    ckpt = torch.load(WEIGHTS, map_location="cpu", weights_only=False)
    model = create_me_model(ckpt["metadata"]["arch"], ckpt["metadata"]["model_options"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    captured = {}
    hook = model.fc_recog[0].register_forward_hook(lambda m, inp, out: captured.__setitem__("h", inp[0]))
    x = torch.randn(2, 10, 50, generator=torch.Generator().manual_seed(0))  # two windows of ROI flow
    with torch.no_grad():
        _, logits = model(x)
    hook.remove()
    feats = captured["h"].reshape(-1, captured["h"].shape[-1]).double().numpy()  # (frames, 32)
    head = model.fc_recog[0]
    return (
        head.weight.detach().double().numpy(),
        head.bias.detach().double().numpy(),
        feats,
        logits.reshape(-1, 5),
    )


def test_head_instance_reproduces_the_heads_pairwise_decision(head_and_features):
    W, b, H, logits = head_and_features
    labels = np.full(len(H), POS)
    prob = linear_head_instance(W, b, H, labels, H[0], POS, positive_class=POS, negative_class=NEG)
    inst = prob.instance
    assert inst.d == H.shape[1] + 1  # the bias rides on a constant feature
    w0 = np.array([float(v) for v in inst.w0])
    scores = np.hstack([H, np.ones((len(H), 1))]) @ w0
    pairwise = (logits[:, POS] - logits[:, NEG]).numpy()
    np.testing.assert_allclose(scores, pairwise, atol=1e-4)  # the torch model's own logits


def test_debug_fine_tuning_of_the_me_head(head_and_features):
    W, b, H, logits = head_and_features
    rng = np.random.default_rng(1)
    frames = rng.choice(len(H), size=15, replace=False)
    train, test = frames[:14], frames[14]
    pred = np.where((logits[:, POS] >= logits[:, NEG]).numpy(), POS, NEG)
    labels = pred[train].copy()
    flip = rng.choice(14, size=4, replace=False)
    labels[flip] = np.where(labels[flip] == POS, NEG, POS)  # label noise in the fine-tuning set
    outcomes = []
    for lr in (0.5, 2.0, 8.0):
        base = linear_head_instance(W, b, H[train], labels, H[test], POS, positive_class=POS, negative_class=NEG,
                                    lr=lr, beta=1, decimals=3)  # fmt: skip
        fine_tuned = replay(base.instance)
        y_wrong = NEG if fine_tuned.score >= 0 else POS  # ask to flip the fine-tuned model's answer
        prob = linear_head_instance(W, b, H[train], labels, H[test], y_wrong, positive_class=POS,
                                    negative_class=NEG, lr=lr, beta=1, decimals=3)  # fmt: skip
        inst = prob.instance
        assert not replay(inst).correct
        brute, milp, auto = solve(inst, "brute"), solve(inst, "milp"), solve(inst, "auto")
        assert brute.exact and milp.exact and brute.debuggable == milp.debuggable == auto.debuggable
        if brute.debuggable:
            assert verify(inst, brute.keep) and verify(inst, milp.keep)
            removed_frames = prob.sample_index[brute.removed]  # indices into the fine-tuning set
            assert set(removed_frames) <= set(range(14))
        outcomes.append(brute.debuggable)
    assert any(outcomes)


def test_raw_float_features_stay_exact_in_brute_force_and_honest_in_the_milp(head_and_features):
    """Unrounded float32 features have 2**-k denominators; the integer model's coefficients then pass
    2**53, where CBC's float64 cannot be trusted: the MILP must then not claim an exact "no"."""
    W, b, H, logits = head_and_features
    labels = np.where((logits[:20, POS] >= logits[:20, NEG]).numpy(), NEG, POS)  # every label flipped
    prob = linear_head_instance(W, b, H[:12], labels[:12], H[12], int(labels[12]), positive_class=POS,
                                negative_class=NEG, lr=2.0, beta=1)  # fmt: skip
    brute, milp = solve(prob.instance, "brute"), solve(prob.instance, "milp")
    assert brute.exact
    if brute.debuggable:
        assert verify(prob.instance, brute.keep)
    assert milp.debuggable == brute.debuggable or not milp.exact
    if milp.work["max_abs_coefficient"] >= 2**53:
        assert any("2**53" in note for note in milp.notes)


def test_head_instance_rejects_bad_input(head_and_features):
    W, b, H, _ = head_and_features
    with pytest.raises(InputError, match="two different classes"):
        linear_head_instance(W, b, H[:3], [0, 1, 2], H[3], 0, positive_class=0)  # C = 5 needs negative_class
    with pytest.raises(InputError, match="shapes do not match"):
        linear_head_instance(W, b, H[:3, :5], [0, 1, 2], H[3], 0, positive_class=0, negative_class=1)
    with pytest.raises(InputError, match="y_test must be class"):
        linear_head_instance(W, b, H[:3], [0, 1, 1], H[3], 3, positive_class=0, negative_class=1)
