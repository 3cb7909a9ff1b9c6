"""Batch mode: inputs -> mirrored outputs, resume after SIGKILL, named failures, local pool == Ray.

Synthetic FFV1 videos (3 s, 96x96, known HR) are made once per module; every run writes its own OUT.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from micropulse.errors import InputError
from micropulse.pipeline.batch import FAILURES_NAME, SUMMARY_NAME, run_batch, summary_line
from micropulse.pipeline.batch_engines import run_local
from micropulse.pipeline.batch_task import VideoJob, check_settings, expand_inputs, settings_hash
from micropulse.synth import make_pulse_video

N_PER_FOLDER = 5  # two subject folders -> 10 videos
SETTINGS = {"method": "pos"}
CORRUPT = "broken.mkv"


def _make_tree(root: Path, n_per_folder: int, seed0: int = 0) -> list[Path]:
    videos = []
    for s in range(2):
        for k in range(n_per_folder):
            i = s * n_per_folder + k
            sv = make_pulse_video(
                root / f"s{s}" / f"v{k:02d}", seconds=3, hr_bpm=60 + 3 * i, seed=seed0 + i, size=(96, 96)
            )
            videos.append(sv.video_path)
    return videos


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """10 short synthetic videos in s0/, s1/ plus one corrupt .mkv at the top."""
    root = tmp_path_factory.mktemp("batch_tree")
    _make_tree(root, N_PER_FOLDER)
    (root / CORRUPT).write_bytes(b"this is not a video " * 200)
    return root


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def local_run(tree, tmp_path_factory):
    """The whole tree through the spawned pool (2 workers)."""
    out = tmp_path_factory.mktemp("out_local")
    summary = run_batch([tree], out, SETTINGS, workers=2, progress=False)
    return out, summary


# ------------------------------------------------------------------------------------- inputs


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_expand_inputs_mirrors_tree_and_finds_frame_folders(tmp_path):
    root = tmp_path / "in"
    _touch(root / "a" / "x.mp4")
    _touch(root / "a" / "b" / "y.MKV")
    _touch(root / "a" / "notes.txt")
    _touch(root / ".hidden" / "z.mp4")
    _touch(root / "dup.mp4")
    _touch(root / "dup.avi")  # same stem in one folder: both keep their suffix
    for i in range(12):
        _touch(root / "frames_clip" / f"{i:04d}.png")
    for i in range(3):  # too few images: not a video
        _touch(root / "thumbs" / f"{i}.png")
    out = _touch(root / "out" / "old.mp4").parent  # the output folder is never searched
    jobs = expand_inputs([root], exclude=out)
    assert {j.video: j.out_key for j in jobs} == {
        "a/x.mp4": "a/x",
        "a/b/y.MKV": "a/b/y",
        "dup.avi": "dup.avi",
        "dup.mp4": "dup.mp4",
        "frames_clip": "frames_clip",
    }
    assert all(Path(j.path).is_absolute() for j in jobs)
    # a glob keeps paths under its fixed part; a file named twice (glob + file) is one job
    jobs = expand_inputs([str(root / "a" / "**" / "*.*"), root / "a" / "x.mp4"])  # notes.txt: not a video
    assert sorted(j.video for j in jobs) == ["b/y.MKV", "x.mp4"]
    # a file named explicitly is taken whatever its suffix (it fails later with a named error)
    assert [j.video for j in expand_inputs([root / "a" / "notes.txt"])] == ["notes.txt"]


def test_expand_inputs_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        expand_inputs([tmp_path / "missing"])
    with pytest.raises(InputError, match="matches no file"):
        expand_inputs([str(tmp_path / "*.mp4")])
    _touch(tmp_path / "empty" / "readme.txt")
    with pytest.raises(InputError, match="no video found"):
        expand_inputs([tmp_path / "empty"])
    _touch(tmp_path / "r1" / "v.mp4")
    _touch(tmp_path / "r2" / "v.mp4")
    with pytest.raises(InputError, match="would both write"):
        expand_inputs([tmp_path / "r1", tmp_path / "r2"])


def test_settings_checked_and_hashed(monkeypatch):
    with pytest.raises(InputError, match="methd"):
        check_settings({"methd": "pos"})
    with pytest.raises(InputError, match="out_dir"):
        check_settings({"out_dir": "x"})
    assert check_settings({"method": "pos", "weights": Path("/w.pt"), "band": (0.7, 3.0)}) == {
        "method": "pos",
        "weights": "/w.pt",
        "band": [0.7, 3.0],
    }
    h = settings_hash({"method": "pos"})
    assert h == settings_hash({"method": "pos"}) and len(h) == 16
    assert h != settings_hash({"method": "chrom"})
    import micropulse

    monkeypatch.setattr(micropulse, "__version__", "999.0")
    assert h != settings_hash({"method": "pos"})  # a new micropulse version recomputes


def test_bad_engine_and_workers(tree, tmp_path):
    with pytest.raises(InputError, match="engine"):
        run_batch([tree], tmp_path, SETTINGS, engine="spark", progress=False)
    with pytest.raises(InputError, match="workers"):
        run_batch([tree], tmp_path, SETTINGS, workers=0, progress=False)


# ------------------------------------------------------------------------------- local engine


def test_local_pool_writes_mirrored_outputs_and_named_failures(tree, local_run):
    out, summary = local_run
    n = 2 * N_PER_FOLDER
    assert (summary.n_videos, summary.done, summary.skipped, summary.failed) == (n + 1, n, 0, 1)
    rows = _read_csv(out / SUMMARY_NAME)
    assert [r["video"] for r in rows] == sorted(
        [CORRUPT] + [f"s{s}/v{k:02d}/video.mkv" for s in range(2) for k in range(N_PER_FOLDER)]
    )
    assert {"video", "hr_bpm", "status", "snr_db", "quality", "face_coverage", "error"} <= set(rows[0])
    failures = _read_csv(out / FAILURES_NAME)
    assert [(f["video"], f["error_type"]) for f in failures] == [(CORRUPT, "VideoReadError")]
    assert CORRUPT in failures[0]["error"]  # the message names the file
    for r in rows:
        if r["video"] == CORRUPT:
            assert r["status"] == "failed" and r["hr_bpm"] == ""
            continue
        assert r["status"] == "done"
        stem = out / r["video"].removesuffix(".mkv")
        doc = json.loads(stem.with_suffix(".json").read_text())
        assert doc["batch"]["settings_hash"] == summary.settings_hash
        assert doc["batch"]["video"] == r["video"]
        assert float(r["hr_bpm"]) == doc["hr_bpm"]
        assert 40 < doc["hr_bpm"] < 200 and doc["face_coverage"] > 0.9
        assert stem.with_suffix(".bvp.csv").read_text().startswith("time_s,bvp")
        assert not stem.with_suffix(".png").exists()  # plots=False
    assert not list(out.rglob("*.partial"))
    assert len(summary.worker_peak_rss_mb) == 2  # two spawned workers reported
    assert f"{n} done" in summary_line(summary) and "1 failed" in summary_line(summary)


def test_batch_result_is_the_per_video_result(tree, local_run):
    from micropulse.pipeline.pulse import analyse_video

    out, _ = local_run
    direct = analyse_video(tree / "s1" / "v02" / "video.mkv", **SETTINGS).to_dict()
    doc = json.loads((out / "s1" / "v02" / "video.json").read_text())
    doc.pop("batch")
    assert doc == json.loads(json.dumps(direct))


def test_rerun_skips_finished_and_new_settings_recompute(tree, local_run, tmp_path):
    out, first = local_run
    jsons = sorted(out.rglob("*.json"))
    stamps = {p: p.stat().st_mtime_ns for p in jsons}
    again = run_batch([tree], out, SETTINGS, workers=1, progress=False)
    assert (again.done, again.skipped, again.failed) == (0, first.done, 1)  # the failure is retried
    assert {p: p.stat().st_mtime_ns for p in jsons} == stamps
    assert {r["status"] for r in _read_csv(out / SUMMARY_NAME)} == {"skipped", "failed"}
    # different settings: everything is recomputed (into a copy of one folder's outputs, to stay fast)
    one = tree / "s0" / "v00" / "video.mkv"
    plain = run_batch([one], tmp_path, SETTINGS, workers=1, progress=False)
    assert plain.done == 1
    other = run_batch([one], tmp_path, {"method": "chrom"}, workers=1, progress=False)
    assert (other.done, other.skipped) == (1, 0)
    assert json.loads((tmp_path / "video.json").read_text())["method"] == "chrom"
    # asking for plots recomputes a finished video that has no PNG, then skips it
    plotted = run_batch([one], tmp_path, {"method": "chrom"}, workers=1, plots=True, progress=False)
    assert plotted.done == 1 and (tmp_path / "video.png").stat().st_size > 1000
    assert run_batch([one], tmp_path, {"method": "chrom"}, plots=True, progress=False).skipped == 1


def test_unexpected_exception_is_recorded_with_its_type(tree, tmp_path, monkeypatch):
    import micropulse.pipeline.pulse as pulse

    real = pulse.analyse_video

    def flaky(path, **kwargs):
        if "v01" in str(path):
            raise ZeroDivisionError("a bug in a worker")
        return real(path, **kwargs)

    monkeypatch.setattr(pulse, "analyse_video", flaky)
    summary = run_batch([str(tree / "s0" / "v0[01]")], tmp_path, SETTINGS, progress=False)
    assert (summary.done, summary.failed) == (1, 1)
    failures = _read_csv(tmp_path / FAILURES_NAME)
    assert [(f["video"], f["error_type"], f["error"]) for f in failures] == [
        ("v01/video.mkv", "ZeroDivisionError", "a bug in a worker")
    ]
    assert (tmp_path / "v00" / "video.json").exists()


def crash_or_echo(job: VideoJob) -> dict:
    """A task for the pool test: the worker process dies on 'crash', raises on 'raise', else echoes."""
    if job.video == "crash":
        os._exit(3)
    if job.video == "raise":
        raise RuntimeError("outside the task's handler")
    return {"video": job.video, "out_key": job.video, "status": "done", "pid": os.getpid()}


def test_dead_worker_is_recorded_and_the_rest_finish():
    jobs = [VideoJob(path=f"/x/{n}", video=n, out_key=n) for n in ["a", "b", "crash", "c", "d", "raise", "e"]]
    results = list(run_local(jobs, crash_or_echo, workers=2))
    by_video = {r["video"]: r for r in results}
    assert len(results) == len(jobs) == len(by_video)  # every job reported exactly once
    assert by_video["crash"]["status"] == "failed" and by_video["crash"]["error_type"] == "WorkerCrashed"
    assert by_video["raise"]["error_type"] == "RuntimeError"
    assert all(by_video[n]["status"] == "done" for n in "abcde")


_UNGUARDED = """
from micropulse.pipeline.batch_engines import run_local
from micropulse.pipeline.batch_task import VideoJob

list(run_local([VideoJob(path="/x/a", video="a", out_key="a")], str, workers=2))
"""


def test_pool_that_cannot_start_is_one_clear_error(tmp_path):
    script = tmp_path / "unguarded.py"  # spawned workers re-import it and die: no main guard
    script.write_text(_UNGUARDED)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "cannot start" in proc.stderr and "__main__" in proc.stderr
    assert "WorkerCrashed" not in proc.stderr


# ---------------------------------------------------------------------------- SIGKILL + resume

_DRIVER = """
import sys
from micropulse.pipeline.batch import run_batch

if __name__ == "__main__":
    run_batch([sys.argv[1]], sys.argv[2], {"method": "pos"}, workers=2, progress=False)
"""


@pytest.mark.slow
def test_sigkill_midway_then_rerun_recomputes_no_finished_video(tree, tmp_path):
    n = 2 * N_PER_FOLDER + 1  # with the corrupt file
    out = tmp_path / "out"
    script = tmp_path / "driver.py"
    script.write_text(textwrap.dedent(_DRIVER))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tree), str(out)],
        start_new_session=True,  # its own process group: the kill takes the driver and its workers
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    try:
        while len(list(out.rglob("video.json"))) < 3:
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no video finished in 120 s"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = {p: p.stat().st_mtime_ns for p in out.rglob("video.json")}
    assert 3 <= len(finished) < n - 1, f"{len(finished)} finished before the kill"
    assert not (out / SUMMARY_NAME).exists()  # it was killed midway
    summary = run_batch([tree], out, SETTINGS, workers=1, progress=False)
    assert (summary.skipped, summary.done, summary.failed) == (len(finished), n - 1 - len(finished), 1)
    assert {p: p.stat().st_mtime_ns for p in finished} == finished  # not rewritten
    assert len(list(out.rglob("video.json"))) == n - 1
    assert not list(out.rglob("*.partial"))
    rows = _read_csv(out / SUMMARY_NAME)
    assert [r["status"] for r in rows].count("skipped") == len(finished)
    assert [r["video"] for r in rows if r["status"] == "failed"] == [CORRUPT]


# ------------------------------------------------------------------------------------------ Ray


@pytest.mark.slow
def test_ray_results_equal_local_pool_results(tree, local_run, tmp_path):
    pytest.importorskip("ray", reason="the ray engine needs the dist extra: pip install 'micropulse[dist]'")
    out_local, _ = local_run
    out = tmp_path / "ray"
    n = 3  # Ray starts slowly: a few videos
    summary = run_batch(
        [str(tree / "s0" / "v0[0-2]")], out, SETTINGS, workers=2, engine="ray", progress=False
    )
    assert (summary.done, summary.failed) == (n, 0)
    assert len(summary.worker_peak_rss_mb) >= 1
    for k in range(n):
        ray_doc = json.loads((out / f"v{k:02d}" / "video.json").read_text())
        local_doc = json.loads((out_local / "s0" / f"v{k:02d}" / "video.json").read_text())
        assert ray_doc["batch"].pop("video") == f"v{k:02d}/video.mkv"
        local_doc["batch"].pop("video")
        assert ray_doc == local_doc
        ray_bvp = (out / f"v{k:02d}" / "video.bvp.csv").read_bytes()
        assert ray_bvp == (out_local / "s0" / f"v{k:02d}" / "video.bvp.csv").read_bytes()
