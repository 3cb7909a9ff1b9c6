"""Batch mode: the pulse of every video in folders, files and globs — resumable, local pool or Ray.

Each video is one task (:func:`micropulse.pipeline.batch_task.process_video`, which calls
:func:`micropulse.pipeline.pulse.analyse_video` with the batch's settings). Output layout, mirroring
the input tree (``s01/a.mp4`` under an input folder -> ``OUT/s01/a.*``)::

    OUT/<relative path>.json      the per-video result (as ``micropulse pulse VIDEO`` writes it) plus a
                                  ``batch`` block: video, settings, settings_hash, micropulse_version
    OUT/<relative path>.bvp.csv   time_s, bvp
    OUT/<relative path>.png       with ``plots=True``
    OUT/summary.csv               one row per video: video, status, hr_bpm, snr_db, quality,
                                  face_coverage, error_type, error, output
    OUT/failures.csv              video, error_type, error (the exception's class name and message)

The driver writes each video's files atomically as its result arrives, the JSON last; a JSON with
the same settings hash (the settings plus micropulse's version) marks the video finished, so a run
killed at any moment (even SIGKILL) and started again recomputes no finished video. Failed videos are
recorded and retried on the next run. ``status`` in summary.csv is ``done`` (computed by this run),
``skipped`` (finished before, same settings) or ``failed``.

Engines:

* ``local``: ``workers=1`` runs in this process; more workers use a process pool started with
  *spawn* (mediapipe and torch are not fork-safe), one library thread each. At most
  ``WINDOW_PER_WORKER * workers`` tasks are in flight and workers return small dicts (the result JSON,
  the BVP CSV text, the PNG bytes) and trim their heap after each video
  (:func:`~micropulse.pipeline.batch_task.release_memory`), so memory stays flat in the number and
  length of videos (``benchmarks/batch.py`` measures it). A worker
  that dies (a crash, the OOM killer) breaks the pool: a new pool is started and the videos that were
  in flight are retried one at a time; a video whose retry kills its worker too is recorded as
  ``WorkerCrashed``.
* ``ray``: the same task as a Ray remote function (``pip install 'micropulse[dist]'``); connects to
  ``ray_address`` (``auto`` or ``host:port``) or starts a local Ray with ``workers`` CPUs (and shuts it
  down at the end). Workers read the videos from the paths the driver found, so they must see them
  (a shared file system); results travel back to the driver, which alone writes ``OUT``.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from micropulse.errors import InputError
from micropulse.pipeline.batch_engines import ENGINES, run_local, run_ray
from micropulse.pipeline.batch_task import (
    VideoJob,
    atomic_write,
    check_settings,
    expand_inputs,
    finished_doc,
    output_path,
    process_video,
    remove_partials,
    settings_hash,
    write_result,
)
from micropulse.progress import progress as progress_bar

log = logging.getLogger(__name__)

SUMMARY_NAME = "summary.csv"
FAILURES_NAME = "failures.csv"
SUMMARY_COLUMNS = (
    "video",
    "status",
    "hr_bpm",
    "snr_db",
    "quality",
    "face_coverage",
    "error_type",
    "error",
    "output",
)
FAILURE_COLUMNS = ("video", "error_type", "error")


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run did and where its outputs are.

    Attributes:
        out_dir: the output folder.
        n_videos: videos found in the inputs.
        done: videos computed by this run.
        skipped: videos finished by an earlier run with the same settings (not recomputed).
        failed: videos that failed (see ``failures``).
        failures: video -> "ErrorType: message".
        settings_hash: hash of the per-video settings and micropulse's version.
        engine, workers: how it ran.
        wall_s: wall-clock time of the run, seconds.
        worker_peak_rss_mb: peak resident memory (MiB) of each process that computed videos, as it
            reported it (with ``workers=1`` on the local engine that process is the caller's own).
        summary_csv, failures_csv: paths of the two tables.
    """

    out_dir: Path
    n_videos: int
    done: int
    skipped: int
    failed: int
    failures: dict[str, str]
    settings_hash: str
    engine: str
    workers: int
    wall_s: float
    worker_peak_rss_mb: tuple[float, ...]
    summary_csv: Path
    failures_csv: Path

    @property
    def videos_per_s(self) -> float:
        """Videos computed per second of wall-clock time (0 when none was computed)."""
        return self.done / self.wall_s if self.done and self.wall_s > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "out_dir": str(self.out_dir),
            "n_videos": self.n_videos,
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "failures": self.failures,
            "settings_hash": self.settings_hash,
            "engine": self.engine,
            "workers": self.workers,
            "wall_s": round(self.wall_s, 3),
            "videos_per_s": round(self.videos_per_s, 4),
            "worker_peak_rss_mb": [round(x, 1) for x in self.worker_peak_rss_mb],
            "summary_csv": str(self.summary_csv),
            "failures_csv": str(self.failures_csv),
        }


def summary_line(summary: BatchSummary) -> str:
    """One line for the end of a batch: counts and where the outputs are."""
    line = (
        f"{summary.n_videos} videos: {summary.done} done, {summary.skipped} skipped (finished before), "
        f"{summary.failed} failed in {summary.wall_s:.1f} s -> {summary.summary_csv}"
    )
    if summary.failed:
        line += f"; failures in {summary.failures_csv}"
    return line


def print_summary(summary: BatchSummary, file=None) -> None:  # noqa: ANN001 - a text stream
    """Print :func:`summary_line` to ``file`` (stdout by default): CLI output, not logging."""
    print(summary_line(summary), file=file)


# ----------------------------------------------------------------------------------------- driver


def _row(job: VideoJob, status: str, doc: dict | None, res: dict | None, out: Path) -> dict:
    doc = doc or {}
    res = res or {}
    return {
        "video": job.video,
        "status": status,
        "hr_bpm": doc.get("hr_bpm"),
        "snr_db": doc.get("snr_db"),
        "quality": doc.get("quality"),
        "face_coverage": doc.get("face_coverage"),
        "error_type": res.get("error_type", ""),
        "error": res.get("error", ""),
        "output": output_path(out, job.out_key, "json").relative_to(out).as_posix() if doc else "",
    }


def _csv(rows: list[dict], columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
    return buf.getvalue()


def run_batch(
    inputs: list[str | Path],
    out_dir: str | Path,
    settings: dict | None = None,
    workers: int = 1,
    engine: str = "local",
    ray_address: str | None = None,
    plots: bool = False,
    progress: bool = True,
) -> BatchSummary:
    """Measure the pulse in every video of ``inputs``; write results under ``out_dir`` as they finish.

    Args:
        inputs: video files, folders (searched recursively) and glob patterns; see
            :func:`micropulse.pipeline.batch_task.expand_inputs` for what counts as a video.
        out_dir: output folder (created); videos finished in it with the same settings are skipped.
        settings: keyword arguments of :func:`micropulse.pipeline.pulse.analyse_video` for every video
            (method, model, weights, band, window_s, face, ...), JSON-able; None = its defaults.
        workers: parallel workers (processes, or Ray CPUs for a local Ray).
        engine: ``local`` (process pool) or ``ray``.
        ray_address: an existing Ray cluster (``auto`` or ``host:port``); None starts a local Ray.
        plots: also write ``<relative path>.png`` per video (a finished video without its PNG is
            recomputed when plots are asked for).
        progress: draw one progress bar over the videos to compute.

    Returns:
        A :class:`BatchSummary`; per-video rows are in ``OUT/summary.csv``, failures in ``OUT/failures.csv``.

    Raises:
        InputError: unknown engine, workers < 1, invalid settings, missing inputs or no video found
            (checked before any video is analysed). A failing video never raises: it is recorded.
    """
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if workers < 1:
        raise InputError(f"workers must be >= 1, got {workers}")
    t0 = time.perf_counter()
    settings = check_settings(dict(settings or {}))
    key = settings_hash(settings)
    out = Path(out_dir)
    jobs = expand_inputs(inputs, exclude=out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the output folder ({exc.strerror or exc}); choose --out DIR", out
        ) from None
    if n := remove_partials(out):
        log.info("removed %d partial files left by an interrupted run", n)
    rows: dict[str, dict] = {}
    todo = []
    for job in jobs:
        doc = finished_doc(out, job, key, plots)
        if doc is None:
            todo.append(job)
        else:
            rows[job.video] = _row(job, "skipped", doc, None, out)
    log.info("%d videos, %d finished before, %d to compute", len(jobs), len(rows), len(todo))
    task = partial(process_video, settings=settings, key=key, plots=plots)
    stream = (
        run_local(todo, task, workers) if engine == "local" else run_ray(todo, task, workers, ray_address)
    )
    by_video = {job.video: job for job in todo}
    peaks: dict[int, float] = {}
    with progress_bar(len(todo), "pulse (videos)", enabled=progress) as advance:
        for res in stream:
            job = by_video[res["video"]]
            if "pid" in res:
                peaks[res["pid"]] = max(peaks.get(res["pid"], 0.0), float(res.get("peak_rss_mb", 0.0)))
            if res["status"] == "done":
                try:
                    write_result(out, res)
                except OSError as exc:  # disk full, permissions: no later result could be kept either
                    raise InputError(
                        f"cannot write the results of {job.video} ({exc.strerror or exc}); finished videos "
                        "are kept: free space or choose another --out and run again",
                        out,
                    ) from None
                rows[job.video] = _row(job, "done", res["doc"], None, out)
            else:
                log.warning("%s failed: %s: %s", job.video, res["error_type"], res["error"])
                rows[job.video] = _row(job, "failed", None, res, out)
            advance()
    ordered = [rows[job.video] for job in jobs]
    failed = [r for r in ordered if r["status"] == "failed"]
    summary_csv, failures_csv = out / SUMMARY_NAME, out / FAILURES_NAME
    atomic_write(summary_csv, _csv(ordered, SUMMARY_COLUMNS))
    atomic_write(failures_csv, _csv(failed, FAILURE_COLUMNS))
    return BatchSummary(
        out_dir=out,
        n_videos=len(jobs),
        done=sum(r["status"] == "done" for r in ordered),
        skipped=sum(r["status"] == "skipped" for r in ordered),
        failed=len(failed),
        failures={r["video"]: f"{r['error_type']}: {r['error']}" for r in failed},
        settings_hash=key,
        engine=engine,
        workers=workers,
        wall_s=time.perf_counter() - t0,
        worker_peak_rss_mb=tuple(peaks[p] for p in sorted(peaks)),
        summary_csv=summary_csv,
        failures_csv=failures_csv,
    )
