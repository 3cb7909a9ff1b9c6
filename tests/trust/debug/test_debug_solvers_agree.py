"""All exact solvers agree on random small instances; certificates verify, corrupted ones do not;
GTA equals brute force in its classes; the beta = 0 tie case (specs §3.6)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from micropulse.trust.debug import (
    SolverNotApplicableError,
    beta_zero_counterexample,
    gta,
    mispredicting,
    random_instance,
    replay,
    replay_batch,
    solve,
    tractable_class,
    verify,
)

pytest.importorskip("pulp", reason="the MILP solver is part of the [trust] extra")

BETAS = (Fraction(-1), Fraction(-1, 2), Fraction(0), Fraction(1, 2), Fraction(1))
N_RANDOM = 320


def _random_cases(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for s in range(count):
        inst = random_instance(
            n=int(rng.integers(1, 11)), d=int(rng.integers(1, 4)), loss=str(rng.choice(["hinge", "linear"])),
            beta=BETAS[s % len(BETAS)], alpha=Fraction(int(rng.integers(1, 4)), 2),
            denominators=(1, 2, 3), seed=seed * 10_000 + s,
        )  # fmt: skip
        yield s, mispredicting(inst.with_order(rng.permutation(inst.n).tolist()))  # several orders


def _check_corruptions(inst, keep) -> int:
    """Every single-bit flip of a certificate: verify() must match the independent float64 batch replay
    wherever that replay is not flagged uncertain. Returns the number of flips verify rejected."""
    flips = np.repeat(keep[None, :], inst.n, axis=0)
    flips[np.arange(inst.n), np.arange(inst.n)] ^= True
    batch = replay_batch(inst, flips)
    rejected = 0
    for j in range(inst.n):
        ok = verify(inst, flips[j])
        if not batch.uncertain[j]:
            assert ok == bool(batch.correct[j])
        rejected += not ok
    return rejected


def test_exact_solvers_agree_on_random_instances():
    counts = {"yes": 0, "no": 0, "gta": 0, "rejected_flips": 0}
    for s, inst in _random_cases(N_RANDOM, seed=1):
        assert not replay(inst).correct  # generated to mispredict
        brute = solve(inst, "brute")
        results = [brute, solve(inst, "milp", minimize_removals=bool(s % 2)), solve(inst, "auto")]
        if tractable_class(inst)[0] is not None:
            results.append(solve(inst, "gta"))
            counts["gta"] += 1
        for res in results:
            assert res.exact
            assert res.debuggable == brute.debuggable, (s, res.solver, inst.to_dict())
            if res.debuggable:
                assert verify(inst, res.keep)
                assert res.replay is not None and res.replay.correct
            else:
                assert res.keep is None
        if s % 2 and brute.debuggable:  # both minimise the number of removed samples
            assert len(results[1].removed) == len(brute.removed)
        if brute.debuggable:
            counts["yes"] += 1
            assert not verify(inst, np.ones(inst.n, dtype=bool))  # "remove nothing" is a wrong certificate
            counts["rejected_flips"] += _check_corruptions(inst, brute.keep)
        else:
            counts["no"] += 1
    # the sample must exercise both answers, GTA and rejected certificates
    assert counts["yes"] >= 50 and counts["no"] >= 50 and counts["gta"] >= 50, counts
    assert counts["rejected_flips"] >= 100, counts


@pytest.mark.parametrize("loss,d", [("linear", 1), ("linear", 2), ("linear", 3), ("hinge", 1)])
def test_gta_equals_brute_force_in_its_classes(loss, d):
    rng = np.random.default_rng(7 + d)
    checked = yes = 0
    for s in range(150):
        beta = (
            Fraction(int(rng.integers(1, 5)), 2) if loss == "hinge" else Fraction(int(rng.integers(-2, 3)), 2)
        )
        inst = random_instance(n=int(rng.integers(1, 10)), d=d, loss=loss, beta=beta, denominators=(1, 2, 5),
                               seed=500 + 1000 * d + s)  # fmt: skip
        assert tractable_class(inst)[0] is not None
        res, ref = gta(inst), solve(inst, "brute")
        assert res.debuggable == ref.debuggable, inst.to_dict()
        checked += 1
        yes += ref.debuggable
    assert checked == 150 and 10 <= yes <= 140


def test_gta_refuses_outside_its_classes():
    inst = random_instance(n=4, d=2, loss="hinge", beta=Fraction(1, 2), seed=3)
    with pytest.raises(SolverNotApplicableError, match="Theorem 4.3"):
        gta(inst)
    with pytest.raises(SolverNotApplicableError, match="beta = 0"):
        gta(beta_zero_counterexample())


def test_beta_zero_counterexample_from_the_spec():
    """§3.6: w0 = 17/5, samples (-17/5, +1), (-10, +1), x_test = 1, y_test = -1, 1-D hinge, beta = 0."""
    inst = beta_zero_counterexample()
    assert replay(inst).w == (Fraction(17, 5) - Fraction(17, 5) - 0,)  # full run: w hits 0, then no update
    assert not replay(inst).correct  # the tie w.x = 0 predicts +1
    rule = gta(inst, check_class=False)  # the GTA rule keeps both good samples ...
    assert not rule.debuggable
    exact = solve(inst, "brute")  # ... but the instance is debuggable
    assert exact.debuggable and exact.removed == [0]
    assert exact.replay.w == (Fraction(-33, 5),)
    assert solve(inst, "milp").debuggable and solve(inst, "auto").debuggable
    # the same data with beta > 0 is back in Theorem 4.2's class, and GTA is right there
    shifted = inst.__class__(X=inst.X, y=inst.y, loss=inst.loss.__class__(alpha=1, beta=Fraction(1, 10)),
                             w0=inst.w0, eta=inst.eta, eps=0, max_epochs=1, x_test=inst.x_test, y_test=-1)  # fmt: skip
    assert gta(shifted).debuggable == solve(shifted, "brute").debuggable
