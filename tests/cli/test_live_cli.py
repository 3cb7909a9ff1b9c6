"""``micropulse live`` and ``micropulse serve`` from the command line (in-process ``main``)."""

from __future__ import annotations

import json

import pytest

from micropulse.cli.app import main
from micropulse.cli.live import sparkline
from micropulse.synth import make_pulse_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_pulse_video(
        tmp_path_factory.mktemp("live_cli"), seconds=8, hr_bpm=75, seed=7, size=(160, 120)
    )


def test_live_json_lines_and_recording(clip, tmp_path, capsys):
    rec = tmp_path / "rec"
    code = main(
        ["live", "--video", str(clip.video_path), "--as-fast-as-possible", "--json", "--record", str(rec)]
    )
    assert code == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    updates, summary = lines[:-1], lines[-1]["summary"]
    assert summary["frames"] == clip.n_frames and summary["updates"] == len(updates) >= 6
    assert [u["time_s"] for u in updates] == sorted(u["time_s"] for u in updates)
    assert updates[-1]["hr_bpm"] == pytest.approx(clip.hr_bpm, abs=3)
    assert (rec / "live.hr.csv").read_text().count("\n") == len(updates) + 1


def test_live_terminal_display(clip, capsys):
    code = main(["live", "--video", str(clip.video_path), "--as-fast-as-possible", "--seconds", "7"])
    assert code == 0
    out = capsys.readouterr().out
    assert "heart rate" in out and "bpm" in out and "frames" in out and "latency" in out


def test_live_and_serve_refuse_bad_arguments(clip, tmp_path, capsys):
    assert main(["live"]) == 2
    assert main(["live", "--camera", "0", "--video", str(clip.video_path)]) == 2
    assert main(["live", "--video", str(tmp_path / "missing.mkv")]) == 2
    assert "missing.mkv" in capsys.readouterr().err
    assert main(["live", "--video", str(clip.video_path), "--window", "2"]) == 2
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "--token" in capsys.readouterr().err
    (tmp_path / "empty").write_text("")
    assert main(["serve", "--token-file", str(tmp_path / "empty")]) == 2


def test_sparkline_follows_the_wave():
    line = sparkline([0, 1, 2, 3, 2, 1, 0], width=7)
    assert line == "▁▃▆█▆▃▁"
    assert sparkline([1.0]) == "" and sparkline([2, 2, 2]) == "▁▁▁"
