"""``micropulse trust debug``: a user's CSV in, the samples to remove and a JSON report out; bad input ->
a one-line error and exit code 2."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from micropulse.cli.app import main
from micropulse.trust.debug import HingeLoss, Instance, replay

pytest.importorskip("pulp", reason="the MILP solver is part of the [trust] extra")


def _write_csv(path, n=16, labels01=False, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(-20, 21, size=(n, 2)) / 10
    y = np.where(X @ [1.0, -0.5] >= 0, 1, -1)
    y[rng.choice(n, size=3, replace=False)] *= -1  # label noise to debug
    lines = ["f1,f2,label"]
    for row, lab in zip(X, y, strict=True):
        lab = (lab + 1) // 2 if labels01 else lab
        lines.append(f"{row[0]},{row[1]},{lab}")
    path.write_text("\n".join(lines) + "\n")
    return X, y


def _run(capsys, *args):
    rc = main(["trust", "debug", *map(str, args)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_debug_finds_rows_to_remove_and_reports_json(tmp_path, capsys):
    train = tmp_path / "train.csv"
    X, y = _write_csv(train)
    found = 0
    for idx in range(6):
        rc, out, err = _run(capsys, "--train", train, "--test-index", idx, "--loss", "hinge", "--beta", "0.5",
                            "--lr", "0.1", "--epochs", "1", "--json")  # fmt: skip
        assert rc == 0, err
        rep = json.loads(out)
        assert rep["test_row_left_out_of_training"] and rep["test"]["label"] == y[idx]
        assert rep["result"]["solver"] == "brute" and rep["result"]["exact"]  # n = 15 <= 18, d = 2
        rows = [i for i in range(len(y)) if i != idx]
        # rebuild the model independently from the numbers we wrote
        inst = Instance(X=[[Fraction(str(v)) for v in X[i]] for i in rows], y=[int(y[i]) for i in rows],
                        loss=HingeLoss(alpha=1, beta=Fraction(1, 2)), w0=[0, 0], eta=[Fraction(1, 10)], eps=0,
                        max_epochs=1, x_test=[Fraction(str(v)) for v in X[idx]], y_test=int(y[idx]))  # fmt: skip
        assert rep["full_model_correct"] == replay(inst).correct
        if rep["result"]["debuggable"]:
            found += 1
            keep = np.array([i not in rep["removed_rows"] for i in rows])
            assert replay(inst, keep).correct
            assert rep["removed_lines"] == [r + 2 for r in rep["removed_rows"]]
    assert found >= 1


def test_summary_output_and_report_file(tmp_path, capsys):
    train = tmp_path / "train.csv"
    _write_csv(train, labels01=True)
    out_file = tmp_path / "report.json"
    rc, out, err = _run(capsys, "--train", train, "--test-index", 2, "--loss", "linear", "--out", out_file)
    assert rc == 0, err
    assert "labels {0, 1} were mapped" in out and "solver: gta" in out and "Theorem 4.1" in out
    rep = json.loads(out_file.read_text())
    assert rep["data_notes"] == ["labels {0, 1} were mapped to {-1, +1} (0 -> -1)"]
    assert rep["result"]["tractable_class"].startswith("linear loss")


def test_too_big_for_brute_force_is_an_explicit_fallback(tmp_path, capsys):
    train = tmp_path / "train.csv"
    _write_csv(train, n=26)
    rc, out, err = _run(capsys, "--train", train, "--test-index", 0, "--solver", "brute", "--json")
    assert rc == 2 and "too big" in err and len(err.strip().splitlines()) == 1
    rc, out, err = _run(capsys, "--train", train, "--test-index", 0, "--epochs", "2", "--json")
    assert rc == 0
    notes = " ".join(json.loads(out)["result"]["notes"])
    assert "fell back to the local_search heuristic" in notes and "no guarantee" in notes
    rc, out, err = _run(capsys, "--train", train, "--test-index", 0, "--json")
    assert rc == 0 and json.loads(out)["result"]["solver"] == "milp"


@pytest.mark.parametrize(
    "content,args,message",
    [
        ("f1,f2,label\n1,abc,1\n2,3,-1\n", [], "line 2, column 'f2': 'abc' is not a number"),
        ("f1,f2,label\n1,2,1\n2,3,2\n", [], "labels must be in {-1, +1} or {0, 1}"),
        ("f1,f2,label\n1,2,1\n2,3,-1\n", ["--test-index", "5"], "out of range: the file has 2 data rows"),
        ("f1,f2,label\n1,2,1\n2,3,-1\n", ["--lr", "0"], "learning rate must be > 0"),
        ("f1,f2,label\n1,2,1\n2,3,-1\n", ["--lr", "-0.5"], "learning rate must be > 0"),
        ("f1,f2,label\n1,2,1\n2,3,-1\n", ["--epochs", "0"], "max_epochs"),
        ("f1,f2,label\n1,2,1\n2,3,-1\n", ["--solver", "magic"], "unknown solver 'magic'"),
        ("f1,f2,label\n1,2,1\n2,3,-1\n", ["--loss", "squared"], "unknown loss 'squared'"),
        ("f1,f2,label\n1,2,1\n2,3,-1\n", ["--w0", "1,x"], "--w0"),
        ("f1,f2,y\n1,2,1\n2,3,-1\n", [], "no label column 'label'; columns: f1, f2, y"),
        ("f1,f2,label\n1,2\n", [], "line 2 has 2 fields"),
        ("", [], "the CSV is empty"),
    ],
)
def test_bad_input_is_a_one_line_error(tmp_path, capsys, content, args, message):
    train = tmp_path / "bad.csv"
    train.write_text(content)
    argv = (
        ["--train", train, "--test-index", "0", *args]
        if "--test-index" not in args
        else ["--train", train, *args]
    )
    rc, out, err = _run(capsys, *argv)
    assert rc == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file(tmp_path, capsys):
    rc, _, err = _run(capsys, "--train", tmp_path / "nope.csv", "--test-index", 0)
    assert rc == 2 and "nope.csv: file not found" in err
