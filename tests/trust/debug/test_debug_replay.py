"""Exact and float64 SGD replay, hand-computed; instance validation; the batched float replay's flags."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.trust.debug import (
    HingeLoss,
    Instance,
    InstanceTooLargeError,
    LinearLoss,
    LogisticLoss,
    brute_force,
    create_loss,
    list_losses,
    random_instance,
    replay,
    replay_batch,
    solve,
    verify,
)
from micropulse.trust.debug.batch import float_is_exact


def _hand_instance(beta=1) -> Instance:
    return Instance(
        X=[[1, 2], [1, 0], [0, 1]], y=[1, -1, 1], loss=HingeLoss(alpha=1, beta=beta), w0=[0, 0],
        eta=[1, Fraction(1, 2)], eps=0, max_epochs=1, x_test=[1, -1], y_test=1,
    )  # fmt: skip


def test_hinge_replay_by_hand():
    # z1 = 0 < 1: w = (1, 1); z2 = -(1) < 1: w = (0, 1); z3 = 1, not < 1: no update. score = 0 - 1 = -1.
    rep = replay(_hand_instance())
    assert rep.w == (Fraction(0), Fraction(1)) and rep.activations == 2 and rep.epochs == 1
    assert rep.score == -1 and not rep.correct and rep.margin == -1
    f = replay(_hand_instance(), exact=False)
    assert f.w == (0.0, 1.0) and f.score == -1.0
    # dropping sample 1 (index 1): w = (1, 1) then z3 = 1 not activated -> score 0: a tie predicts +1
    assert replay(_hand_instance(), [True, False, True]).score == 0
    assert verify(_hand_instance(), [True, False, True])
    rec = replay(_hand_instance(), record=True)
    assert rec.slope_sums == (-1, -1, 0)


def test_epsilon_stop_and_epoch_cap():
    def inst(eps, epochs=3):
        return Instance(X=[[1]], y=[1], loss=LinearLoss(), w0=[0], eta=[Fraction(1, 10)], eps=eps,
                        max_epochs=epochs, x_test=[1], y_test=1)  # fmt: skip

    assert replay(inst(Fraction(1, 5))).epochs == 1  # ||dw|| = 1/10 < 1/5 after epoch 1
    assert replay(inst(Fraction(1, 5))).w == (Fraction(1, 10),)
    assert replay(inst(Fraction(1, 20))).w == (Fraction(3, 10),)  # never below eps: all 3 epochs
    assert replay(inst(0)).epochs == 3
    assert replay(inst(Fraction(1, 10))).epochs == 3  # strict: 1/10 is not < 1/10
    masks = np.array([[True], [False]])
    assert np.allclose(replay_batch(inst(Fraction(1, 5)), masks).score, [0.1, 0.0])
    assert np.allclose(replay_batch(inst(Fraction(1, 20)), masks).score, [0.3, 0.0])


def test_losses_registry_and_slopes():
    assert list_losses() == ["hinge", "linear", "logistic"]
    h = create_loss("hinge", alpha=2, beta="1/2")
    assert (
        h.slope(Fraction(0)) == -2 and h.slope(Fraction(1, 2)) == 0 and h.breakpoints() == (Fraction(1, 2),)
    )
    assert create_loss("linear").slope(Fraction(100)) == -1
    lg = create_loss("logistic")
    assert lg.slope(0.0) == pytest.approx(-0.5) and not lg.exact
    with pytest.raises(InputError, match="alpha"):
        create_loss("hinge", alpha=0)
    with pytest.raises(Exception, match="known: hinge, linear, logistic"):
        create_loss("squared")


def test_logistic_loss_is_float_only():
    inst = Instance(X=[[1.0], [-2.0]], y=[1, 1], loss=LogisticLoss(), w0=[0.5], eta=[0.5], eps=0,
                    max_epochs=2, x_test=[1.0], y_test=-1)  # fmt: skip
    with pytest.raises(InputError, match="float"):
        replay(inst, exact=True)
    rep = replay(inst, exact=False)
    assert rep.activations == 4  # the logistic slope is never zero
    res = solve(inst, "brute")
    assert not res.exact  # brute force ran in float64 and says so
    assert any("float" in note for note in res.notes)
    assert verify(inst, [True, True]) == rep.correct


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"eta": [0, 1]}, "learning rate must be > 0"),
        ({"eta": [-0.1]}, "learning rate must be > 0"),
        ({"y": [1, 0, 1]}, r"y\[1\] must be -1 or \+1"),
        ({"y": [1, 1]}, "2 labels for 3 samples"),
        ({"w0": [0, 0, 0]}, "w0 has 3 entries"),
        ({"x_test": [1]}, "x_test has 1 entries"),
        ({"X": [[1, 2], [1], [0, 1]]}, r"X\[1\] has 1 entries"),
        ({"X": [[1, "a"], [1, 0], [0, 1]]}, "must be a number"),
        ({"X": [[1, float("nan")], [1, 0], [0, 1]]}, "finite"),
        ({"X": []}, "empty"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"eps": -1}, "eps must be >= 0"),
        ({"y_test": 2}, "y_test"),
    ],
)
def test_instance_rejects_bad_input(kwargs, match):
    base = {"X": [[1, 2], [1, 0], [0, 1]], "y": [1, -1, 1], "loss": HingeLoss(), "w0": [0, 0], "eta": [1],
            "eps": 0, "max_epochs": 1, "x_test": [1, -1], "y_test": 1}  # fmt: skip
    base.update(kwargs)
    with pytest.raises(InputError, match=match):
        Instance(**base)


def test_verify_rejects_a_mask_of_the_wrong_shape():
    with pytest.raises(InputError, match="shape"):
        verify(_hand_instance(), [True, False])
    with pytest.raises(InputError, match="keep mask"):
        verify(_hand_instance(), None)


def test_batched_float_replay_agrees_with_exact_or_flags():
    flagged = checked = 0
    for s in range(40):
        inst = random_instance(n=7, d=2, loss="hinge" if s % 3 else "linear", beta=Fraction(s % 3 - 1, 3),
                               denominators=(1, 3), max_epochs=1 + s % 2, eps=Fraction(s % 2, 7), seed=s)  # fmt: skip
        masks = np.array(list(itertools.product([False, True], repeat=inst.n)))
        batch = replay_batch(inst, masks)
        for m, ok, unc in zip(masks, batch.correct, batch.uncertain, strict=True):
            if unc:
                flagged += 1
                continue
            checked += 1
            assert ok == replay(inst, m).correct
    assert checked > 2000 and flagged > 0  # thirds make exact ties that float64 cannot see: flagged


def test_dyadic_instances_replay_exactly_in_float64():
    inst = random_instance(n=6, d=2, loss="hinge", beta=Fraction(1, 2), denominators=(1, 2, 4), seed=3)
    assert float_is_exact(inst)
    masks = np.array(list(itertools.product([False, True], repeat=inst.n)))
    batch = replay_batch(inst, masks)
    assert not batch.uncertain.any()
    assert [bool(c) for c in batch.correct] == [replay(inst, m).correct for m in masks]
    thirds = random_instance(n=6, d=2, loss="hinge", denominators=(3,), seed=3)
    assert not float_is_exact(thirds)


def test_brute_force_size_limit_and_fewest_removals():
    big = random_instance(n=12, d=2, seed=1)
    with pytest.raises(InstanceTooLargeError, match="milp"):
        brute_force(big, max_n=10)
    for s in range(20):
        inst = random_instance(n=8, d=2, loss="hinge", beta=Fraction(1, 2), seed=100 + s)
        res = brute_force(inst)
        if not res.debuggable:
            continue
        k = len(res.removed)
        masks = np.array(list(itertools.product([False, True], repeat=inst.n)))
        fewer = [m for m in masks if (~m).sum() < k]
        assert not any(replay(inst, m).correct for m in fewer)  # nothing with fewer removals works
