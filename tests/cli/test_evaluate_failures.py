"""Issue 11 items 6 and 12 for ``micropulse evaluate``: no metrics -> exit code 2 with the failures listed;
some failures -> exit 0, a warning and the failures in metrics.json; a metrics table for people."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from micropulse.cli.app import main
from micropulse.synth.rppg_trees import make_ubfc_tree


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ubfc_small")
    make_ubfc_tree(root, n_videos=2, seconds=8, size=(128, 128), seed=7)
    return root


def _spoil(root: Path, subjects: list[str], dest: Path) -> Path:
    """A copy of ``root`` whose ``ground_truth.txt`` holds text for ``subjects``."""
    shutil.copytree(root, dest)
    for s in subjects:
        (dest / s / "ground_truth.txt").write_text("this is not a number\nnor this\n")
    return dest


def _evaluate(root: Path, out: Path, *extra: str) -> int:
    return main(["evaluate", "--dataset", "ubfc-rppg", "--root", str(root), "--method", "pos",
                 "--out", str(out), "--no-progress", *extra])  # fmt: skip


def test_every_video_failed_is_exit_code_2_with_the_failures(tree, tmp_path, capsys):
    root = _spoil(tree, ["subject1", "subject2"], tmp_path / "all_bad")
    assert _evaluate(root, tmp_path / "out", "--json") == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no summary that looks like a result
    err = captured.err.strip()
    assert err.startswith("error: no video could be evaluated (2 of 2 failed)") and "\n" not in err
    assert "subject1:" in err and "subject2:" in err
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert sorted(metrics["failed"]) == ["subject1", "subject2"] and "metrics" not in metrics


def test_some_videos_failed_is_exit_0_with_a_warning(tree, tmp_path, capsys, caplog):
    root = _spoil(tree, ["subject2"], tmp_path / "one_bad")
    with caplog.at_level("WARNING", logger="micropulse.eval.runner"):
        assert _evaluate(root, tmp_path / "out", "--json") == 0
    assert any(
        "1 of 2 videos failed" in r.getMessage() and "subject2" in r.getMessage() for r in caplog.records
    )
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip())  # stdout: exactly one JSON line
    assert summary["failed"] == 1 and summary["computed"] == 2 and "MAE" in summary["metrics"]
    assert "MAE" in captured.err and "± SE" in captured.err  # the table, on stderr with --json
    assert list(json.loads((tmp_path / "out" / "metrics.json").read_text())["failed"]) == ["subject2"]
    assert _evaluate(root, tmp_path / "out") == 0  # rerun, no --json: the table alone on stdout
    out = capsys.readouterr().out
    assert "MAE" in out and "recipe toolbox-2023" in out and not out.lstrip().startswith("{")
