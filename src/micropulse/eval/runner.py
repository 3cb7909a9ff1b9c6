"""Run an evaluation over a dataset: resumable, in parallel, locally or on a Ray cluster.

Each video is one task (:func:`micropulse.eval.task.run_video`). The driver writes each result to
``OUT/videos/{video}.json`` atomically as soon as it arrives, so a run killed at any moment keeps
every finished video; a rerun with the same settings (same config key) skips them. Engines:

* ``local`` (default): ``workers=1`` runs in this process; ``workers>1`` uses a process pool
  started with *spawn*, so workers do not inherit the driver's memory.
* ``ray``: the same task as a Ray remote function (``pip install micropulse[dist]``); connects to
  ``ray_address`` or starts a local Ray with ``workers`` CPUs. Workers must see the dataset root;
  results travel back to the driver, so only the driver needs the output folder.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micropulse.datasets import get_dataset
from micropulse.datasets.splits import get_protocol, split_fraction
from micropulse.errors import InputError, MicropulseError
from micropulse.eval.blandaltman import bland_altman, plot_report
from micropulse.eval.metrics import compute_metrics
from micropulse.eval.outputs import (
    atomic_write_text,
    is_finished,
    read_video_result,
    result_rows,
    rows_to_csv,
    write_video_result,
)
from micropulse.eval.task import EvalConfig, run_video
from micropulse.progress import progress

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")
#: Failures named in an error or warning message (all of them are in ``metrics.json``).
FAILURES_SHOWN = 5


class EvaluationError(MicropulseError):
    """No video of the selection could be evaluated, so there are no metrics (failures in metrics.json)."""


def _failure_list(failed: dict[str, str]) -> str:
    shown = [f"{video}: {error}" for video, error in list(failed.items())[:FAILURES_SHOWN]]
    more = len(failed) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class EvalSummary:
    """What a run did and where its outputs are."""

    out_dir: Path
    n_videos: int
    computed: int
    skipped: int
    failed: dict[str, str]
    metrics: dict
    wall_s: float

    def to_dict(self) -> dict:
        return {
            "out_dir": str(self.out_dir),
            "n_videos": self.n_videos,
            "computed": self.computed,
            "skipped": self.skipped,
            "failed": self.failed,
            "metrics": self.metrics,
            "wall_s": self.wall_s,
        }


#: Thread limits for pool workers: N processes x M library threads each would oversubscribe the cores.
WORKER_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _init_worker() -> None:
    """Pool-worker initializer: one OpenCV thread per worker process."""
    import cv2

    cv2.setNumThreads(1)


def _local(cfg: EvalConfig, entries: list, workers: int) -> Iterator[dict]:
    if workers <= 1:
        for e in entries:
            yield run_video(cfg, e)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    saved = {k: os.environ.get(k) for k in WORKER_THREAD_ENV}
    os.environ.update(WORKER_THREAD_ENV)  # inherited by the spawned workers before they import numpy
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_init_worker
        )
        futures = [pool.submit(run_video, cfg, e) for e in entries]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    with pool:
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _ray(cfg: EvalConfig, entries: list, workers: int, address: str | None) -> Iterator[dict]:
    try:
        import ray
    except ImportError:
        raise InputError("the ray engine needs Ray: pip install 'micropulse[dist]'") from None
    if not ray.is_initialized():
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=max(1, workers), include_dashboard=False, log_to_driver=False)
    task = ray.remote(num_cpus=1)(run_video)
    pending = [task.remote(cfg, e) for e in entries]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        yield ray.get(ready[0])


def run_evaluation(
    cfg: EvalConfig,
    out_dir: str | Path,
    workers: int = 1,
    engine: str = "local",
    ray_address: str | None = None,
    show_progress: bool = False,
    bland_altman_sqrt2: bool = False,
) -> EvalSummary:
    """Evaluate every selected video of ``cfg.dataset`` and write the outputs under ``out_dir``.

    Args:
        cfg: what to evaluate and how (dataset, method/model, recipe, window...).
        out_dir: output folder (created); finished videos already in it are skipped.
        workers: parallel workers (processes or Ray CPUs).
        engine: ``local`` or ``ray``.
        ray_address: an existing Ray cluster (``auto`` or ``host:port``); None starts a local one.
        show_progress: draw a progress bar over videos.
        bland_altman_sqrt2: the toolbox's sqrt(2) limits in the report plot.

    Raises:
        EvaluationError: every selected video failed (no metrics); ``metrics.json`` lists the failures.
        Some failures only are a warning (logged), and ``metrics.json`` lists them.
        InputError: bad settings (engine, workers, a window <= 0 s, an unwritable ``out_dir``).
    """
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {ENGINES}, got {engine!r}")
    if workers < 1:
        raise InputError(f"workers must be >= 1 (--workers), got {workers}")
    if cfg.window_s is not None and not cfg.window_s > 0:
        raise InputError(f"the evaluation window must be > 0 s (--window), got {cfg.window_s:g}")
    t0 = time.perf_counter()
    from micropulse.io.paths import check_output_dir

    out = check_output_dir(out_dir, "evaluation outputs")  # before any video is read
    ds = get_dataset(cfg.dataset, cfg.root, cfg.alignment)
    if cfg.protocol is not None:
        entries = get_protocol(cfg.protocol).select(cfg.part, ds)
    else:
        entries = split_fraction(ds.entries, cfg.begin, cfg.end, unit=ds.split_unit)
    if not entries:
        raise InputError(
            f"the selection is empty ({cfg.protocol or f'{cfg.begin}..{cfg.end}'} of {len(ds)} videos)"
        )
    key = cfg.key()
    todo = [e for e in entries if not is_finished(out, e.id, key)]
    log.info(
        "%d videos, %d already finished, %d to compute", len(entries), len(entries) - len(todo), len(todo)
    )
    stream = _local(cfg, todo, workers) if engine == "local" else _ray(cfg, todo, workers, ray_address)
    with progress(len(todo), f"evaluate {cfg.dataset}", enabled=show_progress) as advance:
        for result in stream:
            write_video_result(out, result)
            advance()
    metrics = aggregate(cfg, out, [e.id for e in entries], ds.report.to_dict(), bland_altman_sqrt2)
    failed = metrics.get("failed", {})
    if not metrics.get("metrics"):
        raise EvaluationError(
            f"no video could be evaluated ({len(failed)} of {len(entries)} failed), so there are no metrics: "
            f"{_failure_list(failed)} (all failures: {out / 'metrics.json'})"
        )
    if failed:
        log.warning(
            "%d of %d videos failed and are left out of the metrics (listed in %s): %s",
            len(failed), len(entries), out / "metrics.json", _failure_list(failed),
        )  # fmt: skip
    return EvalSummary(
        out,
        len(entries),
        len(todo),
        len(entries) - len(todo),
        metrics.get("failed", {}),
        metrics,
        time.perf_counter() - t0,
    )


def aggregate(cfg: EvalConfig, out: Path, ids: list[str], dataset_report: dict, sqrt2: bool = False) -> dict:
    """Write ``per_video.csv``, ``metrics.json`` and ``report.png`` from the per-video results."""
    results = [r for r in (read_video_result(out, i) for i in ids) if r is not None]
    failed = {r["video"]: r.get("error", "") for r in results if r.get("status") != "ok"}
    mismatches = {r["video"]: r["gt_mismatch"] for r in results if r.get("gt_mismatch")}
    rows = result_rows(results)
    atomic_write_text(out / "per_video.csv", rows_to_csv(rows))
    level = "window" if cfg.window_s else "video"
    doc: dict = {
        "recipe": cfg.recipe,
        "predictor": cfg.predictor,
        "config": cfg.to_dict(),
        "n_videos": len(ids),
        "n_rows": len(rows),
        "failed": failed,
        "gt_mismatches": mismatches,
        "dataset_report": dataset_report,
    }
    if rows:
        pred = np.array([r["hr_pred_bpm"] for r in rows])
        gt = np.array([r["hr_gt_bpm"] for r in rows])
        m = compute_metrics(
            pred,
            gt,
            cfg.recipe,
            snr_db=[r["snr_db"] for r in rows],
            macc=[r["macc"] for r in rows],
            level=level,
        )
        doc.update(m.to_dict())
        if len(rows) >= 2:
            title = f"{cfg.dataset} · {cfg.predictor} · recipe {cfg.recipe} · n={len(rows)} {level}s"
            doc["bland_altman"] = plot_report(pred, gt, out / "report.png", title, sqrt2=sqrt2).to_dict()
            if sqrt2:
                doc["bland_altman_standard"] = bland_altman(pred, gt).to_dict()
    atomic_write_text(out / "metrics.json", json.dumps(doc, indent=1, sort_keys=True))
    return doc
