"""The per-video task's config (validation, hash) and helpers."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.eval.task import EvalConfig, longest_run


def test_config_key_ignores_where_but_not_how():
    a = EvalConfig(dataset="pure", root="/a", method="pos")
    assert a.key() == EvalConfig(dataset="pure", root="/b", method="pos", begin=0.5, cache_dir="/c").key()
    for change in (
        {"method": "chrom"},
        {"recipe": "rhythm"},
        {"window_s": 10.0},
        {"alignment": "index"},
        {"face": "haar"},
        {"gt": "device"},
    ):
        if change.get("gt") == "device":
            assert EvalConfig(dataset="pure", root="/a", method="pos", gt="device").key() != a.key()
            continue
        assert EvalConfig(**{"dataset": "pure", "root": "/a", "method": "pos", **change}).key() != a.key()
    assert a.to_dict()["key"] == a.key()


def test_config_validation():
    with pytest.raises(InputError, match="exactly one"):
        EvalConfig(dataset="pure", root="/a", method="pos", model="physnet")
    with pytest.raises(InputError, match="exactly one"):
        EvalConfig(dataset="pure", root="/a", method=None)
    with pytest.raises(InputError, match="device"):
        EvalConfig(dataset="pure", root="/a", method="pos", gt="device", window_s=10)
    with pytest.raises(InputError, match="begin < end"):
        EvalConfig(dataset="pure", root="/a", method="pos", begin=0.5, end=0.5)


def test_longest_run():
    assert longest_run(np.array([1, 1, 0, 1, 1, 1, 0], bool)) == (3, 6)
    assert longest_run(np.zeros(3, bool)) == (0, 0)
    assert longest_run(np.ones(4, bool)) == (0, 4)
