"""A bounded job queue: each job runs in its own process with a time limit; its upload is deleted after.

Processes come from a ``forkserver`` (started once, with micropulse preloaded, before any thread of the
face tracker exists), so a job starts in a fraction of a second, cannot crash the server, and can be
stopped at its time limit. Finished jobs are kept in memory, the oldest forgotten first.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from micropulse.serve.config import ServeConfig
from micropulse.serve.uploads import ApiError

log = logging.getLogger(__name__)

#: Modules the forkserver imports once, so that every job process starts with them loaded.
PRELOAD = ["micropulse.serve.work", "micropulse.pipeline.pulse", "micropulse.face", "cv2", "scipy.signal"]
#: How long a probe (decoding the start of an upload) may take, seconds.
PROBE_TIMEOUT_S = 60.0
#: How often a worker checks its job process, seconds.
POLL_S = 0.05


def _context():  # noqa: ANN202 - a multiprocessing context
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def warm_up() -> None:
    """Start the forkserver (importing the preloaded modules) ahead of the first job."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


@dataclass
class Job:
    """One analysis. ``status``: queued, running, done or failed; ``progress`` 0-1."""

    id: str
    kind: str
    name: str
    path: Path
    options: dict[str, Any]
    status: str = "queued"
    progress: float = 0.0
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    payload: dict[str, Any] | None = field(default=None, repr=False)
    error: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The job's status as the API returns it (the result itself when done)."""
        out: dict[str, Any] = {
            "job": self.id, "kind": self.kind, "name": self.name, "status": self.status,
            "progress": round(self.progress, 3), "error": self.error,
            "elapsed_s": None if self.started is None else round((self.finished or time.time()) - self.started, 3),
        }  # fmt: skip
        if self.status == "done" and self.payload is not None:
            out["result"] = self.payload["result"]
        return out


def run_child(  # noqa: ANN201
    kind: str,
    path: Path,
    name: str,
    options: dict[str, Any],
    timeout_s: float,
    on_progress=None,  # noqa: ANN001
    cancel: threading.Event | None = None,
):
    """Run ``micropulse.serve.work.child_main`` in a fresh process; returns ``("done", payload)`` or
    ``("error", code, detail)``. The process is stopped at ``timeout_s`` seconds or when ``cancel`` is set."""
    from micropulse.serve import work

    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=work.child_main, args=(kind, str(path), name, options, child), daemon=True)
    proc.start()
    child.close()
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return ("error", "time_limit", f"the job ran longer than its time limit of {timeout_s:g} s")
            if cancel is not None and cancel.is_set():
                return ("error", "shutting_down", "the server shut down")
            if parent.poll(min(left, 0.25)):
                try:
                    msg = parent.recv()
                except EOFError:
                    proc.join(1.0)
                    return (
                        "error",
                        "internal_error",
                        f"the job process ended unexpectedly (exit code {proc.exitcode})",
                    )
                if msg[0] == "progress":
                    if on_progress is not None:
                        on_progress(msg[1])
                    continue
                return msg
            if not proc.is_alive() and not parent.poll():
                return (
                    "error",
                    "internal_error",
                    f"the job process ended unexpectedly (exit code {proc.exitcode})",
                )
    finally:
        parent.close()
        if proc.is_alive():
            proc.terminate()
            proc.join(2.0)
            if proc.is_alive():
                proc.kill()
        proc.join(2.0)


class JobQueue:
    """Bounded queue of jobs run by ``config.workers`` threads, each job in its own process."""

    def __init__(self, config: ServeConfig, folder: Path) -> None:
        self.config = config
        self.folder = folder
        self._waiting: queue.Queue[Job | None] = queue.Queue()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.stopping = False
        self._cancel = threading.Event()

    def start(self) -> None:
        # start the forkserver now (it imports PRELOAD once), so the first upload does not wait for it
        threading.Thread(target=warm_up, name="micropulse-forkserver", daemon=True).start()
        for i in range(self.config.workers):
            t = threading.Thread(target=self._work, name=f"micropulse-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    @property
    def capacity(self) -> int:
        """Jobs that may be queued or running at once."""
        return self.config.max_queued + self.config.workers

    def active(self) -> int:
        with self._lock:
            return sum(j.status in ("queued", "running") for j in self._jobs.values())

    def check_room(self) -> None:
        """503 while shutting down; 429 (with Retry-After) when the queue is full."""
        with self._lock:
            self._check_room()

    def _check_room(self) -> None:
        if self.stopping:
            raise ApiError(503, "shutting_down", "the server is shutting down; try again later")
        if sum(j.status in ("queued", "running") for j in self._jobs.values()) >= self.capacity:
            raise ApiError(
                429, "queue_full", f"{self.capacity} jobs are already queued or running; try again in a minute",
                headers={"Retry-After": "30"},
            )  # fmt: skip

    def submit(self, kind: str, path: Path, name: str, options: dict[str, Any]) -> Job:
        """Queue a job on the upload at ``path`` (deleted when the job ends); raises 429/503 when full."""
        with self._lock:
            self._check_room()
            job = Job(id=secrets.token_hex(8), kind=kind, name=name, path=path, options=options)
            self._jobs[job.id] = job
            self._forget_old()
        self._waiting.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status in ("done", "failed")]
        for k in finished[: max(0, len(finished) - self.config.keep_finished)]:
            del self._jobs[k]

    def _work(self) -> None:
        while True:
            job = self._waiting.get()
            if job is None:
                return
            try:
                if self.stopping:
                    job.status, job.error = (
                        "failed",
                        {"error": "shutting_down", "detail": "the server shut down"},
                    )
                    continue
                job.status, job.started = "running", time.time()

                def progress(f: float, job: Job = job) -> None:
                    job.progress = max(job.progress, f)

                msg = run_child(
                    job.kind,
                    job.path,
                    job.name,
                    job.options,
                    self.config.job_timeout_s,
                    progress,
                    self._cancel,
                )
                if msg[0] == "done":
                    job.payload, job.progress, job.status = msg[1], 1.0, "done"
                else:
                    job.error, job.status = {"error": msg[1], "detail": msg[2]}, "failed"
            finally:
                job.finished = time.time()
                job.path.unlink(missing_ok=True)
                log.info("job %s (%s) %s", job.id, job.kind, job.status)

    def stop(self) -> None:
        """Refuse new jobs, fail the queued ones, stop the running ones (their uploads are deleted)."""
        self.stopping = True
        self._cancel.set()
        while True:
            try:
                job = self._waiting.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.status, job.error = "failed", {"error": "shutting_down", "detail": "the server shut down"}
                job.path.unlink(missing_ok=True)
        for _ in self._threads:
            self._waiting.put(None)
        for t in self._threads:
            t.join(5.0)
