"""The paper's reductions as generators (specs §3.3): debuggable iff the source instance is a yes-instance."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.trust.debug import (
    good_mask,
    gta,
    one_in_three_sat_instance,
    one_in_three_yes,
    replay,
    solve,
    subset_sum_instance,
    subset_sum_yes,
    verify,
)

BETAS = (Fraction(-1), Fraction(-1, 2), Fraction(0), Fraction(1, 2), Fraction(1))


def _subset_sum_cases(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for s in range(count):
        n = 2 + s % 6  # n = 2..7
        values = rng.integers(1, 12, size=n).tolist()
        target = int(rng.integers(1, sum(values)))  # never the full sum: the full model must mispredict
        yield values, target, BETAS[s % len(BETAS)], s


def test_subset_sum_reduction_matches_subset_sum():
    answers = []
    for values, target, beta, s in _subset_sum_cases(150, seed=11):
        inst = subset_sum_instance(values, target, beta, seed=s)  # shuffled order, random label signs
        assert inst.n == len(values) + 3 and inst.d == 2
        assert not replay(inst).correct
        res = solve(inst, "brute")
        truth = subset_sum_yes(values, target)
        assert res.debuggable == truth, (values, target, beta)
        if truth:
            assert verify(inst, res.keep)
            assert all(res.keep[-3:])  # c, b, a are always needed
            kept = [v for v, k in zip(_value_order(values, s), res.keep[:-3], strict=True) if k]
            assert sum(kept) == target
            for j in range(inst.n):  # every single-bit corruption of the certificate is rejected
                bad = res.keep.copy()
                bad[j] ^= True
                assert not verify(inst, bad)
        answers.append(truth)
    assert 30 <= sum(answers) <= 140  # both kinds of instance occur


def _value_order(values, seed):
    return [values[i] for i in np.random.default_rng(seed).permutation(len(values))]


def test_subset_sum_reduction_with_the_milp_and_auto():
    for values, target, beta, s in _subset_sum_cases(30, seed=12):
        inst = subset_sum_instance(values, target, beta, seed=s)
        truth = subset_sum_yes(values, target)
        for solver in ("milp", "auto"):
            res = solve(inst, solver)
            assert res.exact and res.debuggable == truth


def test_gta_fails_on_theorem_4_3_yes_instances():
    """Regression for the paper's remark: every sample of the construction is "good" (it pushes
    y_test * w.x_test up), so the GTA rule keeps them all, retrains the full model, which mispredicts
    whenever sum(values) != target: GTA answers "no" on every yes-instance."""
    failures = yes = 0
    for values, target, beta, s in _subset_sum_cases(60, seed=13):
        inst = subset_sum_instance(values, target, beta, seed=s)
        assert good_mask(inst).all()
        rule = gta(inst, check_class=False)
        assert not rule.debuggable and not rule.exact
        truth = subset_sum_yes(values, target)
        yes += truth
        failures += truth and not rule.debuggable
    assert yes > 0 and failures == yes
    # the hand example: {3, 5, 7}, target 8 -> keep 3 and 5
    inst = subset_sum_instance([3, 5, 7], 8)
    res = solve(inst, "brute")
    assert res.removed == [2] and res.replay.w == (Fraction(2, 4), Fraction(0))
    with pytest.raises(Exception, match="not exact"):
        gta(inst)


def test_subset_sum_generator_rejects_bad_input():
    with pytest.raises(InputError, match="positive integers"):
        subset_sum_instance([3, 0], 3)
    with pytest.raises(InputError, match="positive integers"):
        subset_sum_instance([1.5, 2], 3)
    with pytest.raises(InputError, match=r"\[-1, 1\]"):
        subset_sum_instance([1, 2], 3, beta=Fraction(2))
    with pytest.raises(InputError, match="target"):
        subset_sum_instance([1, 2], -1)


def _formulas(count: int, seed: int):
    """Random monotone 3-CNFs, 3-5 variables, 1-3 clauses. With three distinct variables per clause every
    such formula is 1-in-3 satisfiable (checked exhaustively: 1197 formulas), so half the clauses may
    repeat a variable (literal occurrences are counted: (x, x, y) needs x false and y true) to get
    no-instances too."""
    rng = np.random.default_rng(seed)
    for s in range(count):
        n_vars = int(rng.integers(3, 6))
        m = int(rng.integers(1, 4))
        if s % 2:
            clauses = [tuple(rng.integers(0, n_vars, size=3).tolist()) for _ in range(m)]
        else:
            clauses = [tuple(rng.choice(n_vars, size=3, replace=False).tolist()) for _ in range(m)]
        yield clauses, n_vars, s


@pytest.mark.parametrize("max_epochs,eps", [(2, Fraction(0)), (6, Fraction(1, 10**6))])
def test_one_in_three_sat_reduction_matches_sat(max_epochs, eps):
    answers = []
    for clauses, n_vars, s in _formulas(40, seed=21 + max_epochs):
        inst = one_in_three_sat_instance(clauses, n_vars, seed=s, max_epochs=max_epochs, eps=eps)  # shuffled
        assert inst.d == n_vars + 2 * len(clauses) + 1
        assert not replay(inst).correct
        res = solve(inst, "auto")
        truth = one_in_three_yes(clauses, n_vars)
        assert res.exact and res.debuggable == truth, (clauses, n_vars)
        if truth:
            assert verify(inst, res.keep)
        answers.append(truth)
    assert sum(answers) >= 5 and len(answers) - sum(answers) >= 2  # both kinds occur


def test_one_in_three_sat_no_instance_with_distinct_variables():
    """All 4 triples of 4 variables: each variable is in 3 clauses, so 3 * #true = 4 is impossible."""
    clauses = [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)]
    assert not one_in_three_yes(clauses, 4)
    for seed in (None, 1, 2):
        inst = one_in_three_sat_instance(clauses, 4, seed=seed)
        assert not replay(inst).correct
        res = solve(inst, "brute")
        assert res.exact and not res.debuggable
    assert (
        one_in_three_yes(clauses[:3], 4)
        and solve(one_in_three_sat_instance(clauses[:3], 4, seed=3)).debuggable
    )


def test_one_in_three_sat_reading_of_a_certificate():
    """x0 + x1 + x2 with exactly one true: keeping only var(0) (x0 = TRUE) works; keeping all three
    var gadgets sets every literal true and fails."""
    inst = one_in_three_sat_instance([(0, 1, 2)], 3)  # order: var(0), var(1), var(2), clause(0)
    assert verify(inst, [True, False, False, True])
    assert not verify(inst, [True, True, True, True])
    assert not verify(inst, [False, False, False, True])
    assert not verify(inst, [True, False, False, False])  # without the clause gadget nothing lifts w_c
    with pytest.raises(InputError, match="3-tuples"):
        one_in_three_sat_instance([(0, 1, 5)], 3)
