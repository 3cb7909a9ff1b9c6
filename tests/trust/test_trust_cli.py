"""``micropulse trust attack`` / ``trust grid``: output files and keys, resume, bad input (exit 2)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from micropulse.cli.app import main

SUMMARY_KEYS = {"clean_acc", "defended_clean_acc", "label_agreement", "robust_acc", "mean_queries",
                "median_queries", "ece"}  # fmt: skip


def _attack(cache, out, *extra):
    return main(["trust", "attack", "--victim", "digits-mlp", "--cache", str(cache), "--eps", "0.2",
                 "--queries", "120", "--n", "20", "--seed", "0", "--out", str(out), "--no-progress", *extra])  # fmt: skip


def test_attack_writes_summary_curve_and_plot(trust_cache, tmp_path, capsys):
    out = tmp_path / "run"
    assert _attack(trust_cache, out, "--defense", "dld", "--tau", "6", "--tactic", "reverse") == 0
    s = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(s)
    assert set(s["robust_acc"]) == {"100", "120"} and set(s["attack_success_rate"]) == {"100", "120"}
    assert s["clean_acc"] == s["defended_clean_acc"] and s["label_agreement"] == 1.0
    assert s["params"] == {"victim": "digits-mlp", "defense": "dld", "attack": "square-linf", "tactic": "reverse",
                           "eps": 0.2, "queries": 120, "n": 20, "seed": 0, "p_init": None,
                           "defense_params": {"tau": 6.0, "h": 0.3, "rho": 0.5, "s": 0.04}}  # fmt: skip
    assert 0 < s["max_abs_delta_logit"] < 6.0 and 0 <= s["ece"] <= 1
    with open(out / "curve.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 121 and rows[0]["robust_acc"] == "1.000000"
    assert float(rows[100]["robust_acc"]) == pytest.approx(s["robust_acc"]["100"], abs=1e-6)
    assert (out / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert "robust acc @ 120 queries" in capsys.readouterr().out
    assert _attack(trust_cache, tmp_path / "j", "--defense", "none", "--json") == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "j" / "summary.json").read_text())
    assert printed["max_abs_delta_logit"] == 0.0 and printed["robust_acc"]["120"] < s["robust_acc"]["120"]


def test_grid_table_and_resume(trust_cache, tmp_path, capsys):
    out = tmp_path / "grid"
    args = ["trust", "grid", "--victim", "digits-mlp", "--cache", str(trust_cache), "--defenses", "none,dld",
            "--tactics", "none,oracle-inverse", "--eps", "0.2", "--queries", "60", "--n", "12", "--out", str(out),
            "--no-progress"]  # fmt: skip
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "skipped" not in first
    table = (out / "table.md").read_text()
    assert "| defense | clean acc | none | oracle-inverse | worst adaptive |" in table
    assert table.count("\n| dld |") == 1 and table.count("\n| none |") == 1
    with open(out / "table.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["defense"], r["tactic"]) for r in rows} == {
        ("none", "none"),
        ("none", "oracle-inverse"),
        ("dld", "none"),
        ("dld", "oracle-inverse"),
    }
    assert (out / "grid.png").read_bytes()[:4] == b"\x89PNG"
    cell = out / "cells" / "dld__none" / "summary.json"
    stamp = cell.stat().st_mtime_ns
    (out / "cells" / "none__none" / "summary.json").unlink()  # an unfinished cell
    assert main(args) == 0
    second = capsys.readouterr().out
    assert second.count("(finished before, skipped)") == 3
    assert cell.stat().st_mtime_ns == stamp
    assert (out / "cells" / "none__none" / "summary.json").is_file()


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--eps", "0"], "eps must be a finite number > 0"),
        (["--eps", "-0.1"], "eps must be"),
        (["--defense", "dashed"], "unknown defense 'dashed'; known:"),
        (["--tactic", "greedy"], "unknown tactic 'greedy'; known:"),
        (["--attack", "simba"], "unknown attack 'simba'"),
        (["--sigma", "0.3"], "--sigma does not apply to dld"),
        (["--defense", "aaa-sine", "--coef", "2"], "coef must lie"),
        (["--n", "0"], "n must be >= 1"),
    ],
)
def test_attack_bad_input_exit_2(trust_cache, tmp_path, capsys, extra, words):
    args = [
        "trust",
        "attack",
        "--cache",
        str(trust_cache),
        "--out",
        str(tmp_path / "o"),
        "--no-progress",
        *extra,
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and err.count("\n") == 1
    assert not (tmp_path / "o" / "summary.json").exists()


def test_grid_bad_input_exit_2(trust_cache, tmp_path, capsys):
    base = ["trust", "grid", "--cache", str(trust_cache), "--out", str(tmp_path / "g"), "--no-progress"]
    assert main([*base, "--tactics", "none,teleport"]) == 2
    assert "unknown tactic 'teleport'" in capsys.readouterr().err
    assert main([*base, "--defenses", ","]) == 2
    assert "--defenses needs at least one name" in capsys.readouterr().err
    assert main([*base, "--defenses", "dld", "--sigma", "0.3"]) == 2
    assert "--sigma does not apply" in capsys.readouterr().err


def test_user_model_with_wrong_output_shape_exit_2(tmp_path, capsys, monkeypatch):
    (tmp_path / "badshape.py").write_text(
        "import numpy as np\ndef f(x):\n    return np.zeros((len(x), 3, 1))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    args = ["trust", "attack", "--victim", "badshape:f", "--out", str(tmp_path / "o"), "--no-progress"]
    assert main(args) == 2
    assert "the model returned shape" in capsys.readouterr().err
    sys.modules.pop("badshape", None)


def test_no_traceback_from_the_console(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "micropulse", "trust", "attack", "--eps", "-1", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "eps must be" in proc.stderr
