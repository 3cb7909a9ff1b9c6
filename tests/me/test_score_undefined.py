"""Issue 11 item 14: a type with no GT and no prediction has undefined (null) scores, not 0.0."""

from __future__ import annotations

import json

import pandas as pd

from micropulse.cli.app import main
from micropulse.me.score import megc_score


def _frame(rows):
    return pd.DataFrame(rows, columns=["video", "onset", "offset", "type"])


def test_type_without_gt_and_predictions_is_null():
    gt = _frame([("v", 10, 20, "me"), ("v", 50, 60, "me")])
    pred = _frame([("v", 11, 21, "me")])
    d = megc_score(gt, pred).to_dict()["spotting"]
    assert d["by_type"]["mae"] == {"tp": 0, "fp": 0, "fn": 0, "precision": None, "recall": None, "f1": None}
    assert d["by_type"]["me"]["precision"] == 1.0 and d["by_type"]["me"]["recall"] == 0.5
    assert d["f1"] is not None  # overall pools ME and MaE: defined


def test_cli_prints_null_in_json_and_a_dash_in_the_table(tmp_path, capsys):
    gt, pred = tmp_path / "gt.csv", tmp_path / "pred.csv"
    gt.write_text("video,onset,offset,type\nv,10,20,me\n")
    pred.write_text("video,onset,offset,type\nv,10,20,me\n")
    assert main(["megc-score", "--gt", str(gt), "--pred", str(pred), "--json"]) == 0
    mae = json.loads(capsys.readouterr().out)["spotting"]["by_type"]["mae"]
    assert (mae["precision"], mae["recall"], mae["f1"]) == (None, None, None)
    assert main(["megc-score", "--gt", str(gt), "--pred", str(pred)]) == 0
    table = capsys.readouterr().out
    mae_row = next(line for line in table.splitlines() if "mae" in line)
    assert "0.0000" not in mae_row and mae_row.count("-") >= 3
