"""The per-video task's config (validation, hash) and helpers."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.eval.task import EvalConfig


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
        {"segment": "longest"},
        {"crop": "openrppg"},
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


def test_config_front_end_settings_are_validated():
    with pytest.raises(InputError, match="segment"):
        EvalConfig(dataset="pure", root="/a", method="pos", segment="middle")
    with pytest.raises(InputError, match="crop convention"):
        EvalConfig(dataset="pure", root="/a", method="pos", crop="square")
    assert EvalConfig(dataset="pure", root="/a", method="pos").frontend().segment == "whole"
