"""Issue 11 items 2, 7 and 9 for ``micropulse spot``: no interval where the face was lost (the JSON lists the
face stretches, the PNG shades the rest), and bad options / outputs / files refused before any work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="spot runs ME-TST: the [deep] extra")

from micropulse.pipeline.spot import spot_video  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def noface_run(video_dir, tmp_path_factory):
    """The real clip whose face is found on frames 0-71 only, then a cartoon (built-in weights, DIS flow)."""
    out = tmp_path_factory.mktemp("spot_noface")
    return spot_video(video_dir / "face_noface.mov", out_dir=out, flow="dis"), out


def test_face_stretches_are_listed_and_scores_are_zero_without_a_face(noface_run):
    result, out = noface_run
    assert result.face_found is not None and 0.3 < result.face_coverage < 0.6
    segments = result.face_segments()
    assert segments and segments[0]["onset_frame"] == 0 and segments[-1]["offset_frame"] < 100
    assert np.all(result.scores[~result.face_found] == 0.0)
    doc = json.loads((out / "face_noface.json").read_text())
    assert doc["face_segments"] == segments
    assert len(doc["curve"]["face_found"]) == len(doc["curve"]["score"])
    assert "overlaps" in doc["decode"] and isinstance(doc["overlapping_intervals"], list)
    assert (out / "face_noface.png").stat().st_size > 0


def test_no_interval_starts_or_ends_where_the_face_was_lost(noface_run):
    result, _ = noface_run
    spans = [(s["onset_frame"], s["offset_frame"]) for s in result.face_segments()]
    for iv in result.intervals:
        assert any(a <= iv.onset_frame <= iv.offset_frame <= b for a, b in spans), (iv, spans)


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip


def test_bad_options_and_files_fail_before_the_model_is_loaded(tmp_path, video_dir):
    """Before issue 11 an empty file took 5-11 s (torch, scipy and the model were loaded first) and
    ``--p 2`` was checked after loading. Now none of them imports torch or the ME models."""
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "blocker").write_text("a file")
    clip = video_dir / "single_face.mp4"
    proc = _fresh_python(f"""
        import sys
        from micropulse.errors import InputError, VideoReadError
        from micropulse.pipeline.spot import spot_video
        cases = [
            (dict(path={str(tmp_path / "empty.mp4")!r}), VideoReadError, "empty"),
            (dict(path={str(tmp_path / "missing.mp4")!r}, p=2.0), InputError, "--p"),
            (dict(path={str(clip)!r}, k_p=0), InputError, "--k-p"),
            (dict(path={str(clip)!r}, out_dir={str(tmp_path / "blocker" / "sub")!r}), InputError, "is a file"),
        ]
        for kwargs, err, words in cases:
            try:
                spot_video(**kwargs)
            except err as exc:
                assert words in str(exc), (words, str(exc))
            else:
                raise AssertionError(kwargs)
        heavy = [m for m in ("torch", "micropulse.me.models", "micropulse.face.mediapipe") if m in sys.modules]
        print("heavy:", heavy)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "heavy: []"
