"""Engines of a batch run: the same per-video task in this process, a spawned process pool, or Ray.

Both engines take a list of :class:`~micropulse.pipeline.batch_task.VideoJob` and a task (a picklable
callable ``job -> dict``) and yield the task's results in completion order, keeping at most
``WINDOW_PER_WORKER`` tasks per worker in flight (memory flat in the number of videos). A worker that
dies is never fatal: its video comes back as a ``WorkerCrashed`` failure record.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterator

from micropulse.errors import InputError
from micropulse.pipeline.batch_task import VideoJob

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")
#: Tasks in flight per worker: enough to keep every worker busy, few enough to keep memory flat.
WINDOW_PER_WORKER = 2

Task = Callable[[VideoJob], dict]


def _worker_log_level() -> int:
    """Workers log per-video warnings only when the caller asked for more than warnings (they are in
    every result JSON already, and would tear the progress bar)."""
    level = logging.getLogger("micropulse").getEffectiveLevel()
    return level if level < logging.WARNING else logging.ERROR


def _init_worker(level: int) -> None:
    """Worker-process set-up: one OpenCV thread, micropulse's log level."""
    import cv2

    cv2.setNumThreads(1)
    logging.getLogger("micropulse").setLevel(level)
    if level < logging.WARNING:
        logging.basicConfig(level=level, format="%(processName)s %(name)s: %(message)s")


def _crashed(job: VideoJob, exc: BaseException) -> dict:
    return {
        "video": job.video,
        "out_key": job.out_key,
        "status": "failed",
        "error_type": "WorkerCrashed",
        "error": f"the worker process died while analysing this video ({type(exc).__name__}: {exc})",
    }


def _thread_env() -> dict[str, str]:
    from micropulse.eval.runner import WORKER_THREAD_ENV

    return WORKER_THREAD_ENV


def _ping() -> int:
    return os.getpid()


def _start_pool(workers: int, max_tasks_per_child: int | None):  # noqa: ANN202 - a ProcessPoolExecutor
    """A spawned pool whose first worker has started (a pool that cannot start is an error, not N
    crashed videos: e.g. a script that calls the batch without ``if __name__ == "__main__":``)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context("spawn"),
        initializer=_init_worker,
        initargs=(_worker_log_level(),),
        max_tasks_per_child=max_tasks_per_child,
    )
    try:
        pool.submit(_ping).result()
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        raise RuntimeError(
            "the batch's worker processes cannot start (see the error above); a script that runs a batch "
            "with workers > 1 must guard its entry point with: if __name__ == '__main__':"
        ) from None
    return pool


def run_local(
    jobs: list[VideoJob], task: Task, workers: int, max_tasks_per_child: int | None = None
) -> Iterator[dict]:
    """Results of ``task`` over ``jobs`` in completion order, in this process or a spawned pool."""
    if workers <= 1:
        for job in jobs:
            yield task(job)
        return
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    env = _thread_env()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # inherited by every spawned worker before it imports numpy
    queue, retry = deque(jobs), deque()
    pending: dict = {}  # future -> (job, attempt)
    pool = None
    try:
        while queue or retry or pending:
            if pool is None:
                pool = _start_pool(workers, max_tasks_per_child)
            broken = False
            try:
                if retry:  # a video that was in flight when a worker died runs alone, to find the culprit
                    if not pending:
                        job = retry[0]
                        pending[pool.submit(task, job)] = (job, 1)
                        retry.popleft()
                else:
                    while queue and len(pending) < WINDOW_PER_WORKER * workers:
                        job = queue[0]
                        pending[pool.submit(task, job)] = (job, 0)
                        queue.popleft()
            except BrokenProcessPool:
                broken = True
            done, _ = wait(pending, return_when=FIRST_COMPLETED) if pending else (set(), set())
            if broken or any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                done = wait(pending)[0]  # every other future of a broken pool fails too
            for fut in done:
                job, attempt = pending.pop(fut)
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    broken = True
                    if attempt >= 1:
                        log.error("%s: the worker died on its retry too; recorded as failed", job.video)
                        yield _crashed(job, exc)
                    else:
                        retry.append(job)
                elif exc is not None:  # raised outside the task's own handler (e.g. pickling): recorded
                    yield {
                        "video": job.video,
                        "out_key": job.out_key,
                        "status": "failed",
                        "error_type": type(exc).__name__,
                        "error": str(exc) or repr(exc),
                    }
                else:
                    yield fut.result()
            if broken:
                log.warning("a worker process died; starting a new pool (%d videos to retry)", len(retry))
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_worker_ready = False


def _ray_call(task: Task, job: VideoJob, level: int) -> dict:
    """The Ray remote body: worker set-up once per process, then the task."""
    global _worker_ready
    if not _worker_ready:
        _init_worker(level)
        _worker_ready = True
    return task(job)


def run_ray(jobs: list[VideoJob], task: Task, workers: int, address: str | None) -> Iterator[dict]:
    """Results of ``task`` over ``jobs`` as Ray tasks (one CPU each), in completion order."""
    try:
        import ray  # optional dependency: the dist extra
    except ImportError:
        raise InputError("the ray engine needs Ray: pip install 'micropulse[dist]'") from None
    started = False
    if not ray.is_initialized():
        kw = {"include_dashboard": False, "log_to_driver": False}
        if address:
            ray.init(address=address, **kw)
        else:
            ray.init(num_cpus=max(1, workers), **kw)
        started = True
    try:
        slots = workers
        if address and workers <= 1:
            slots = max(1, int(ray.cluster_resources().get("CPU", 1)))
        remote = ray.remote(num_cpus=1)(_ray_call)
        task_ref = ray.put(task)
        level = _worker_log_level()
        queue = deque(jobs)
        pending: dict = {}  # object ref -> job
        while queue or pending:
            while queue and len(pending) < WINDOW_PER_WORKER * slots:
                job = queue.popleft()
                pending[remote.remote(task_ref, job, level)] = job
            ready, _ = ray.wait(list(pending), num_returns=1)
            job = pending.pop(ready[0])
            try:
                res = ray.get(ready[0])
            except Exception as exc:  # the worker died (ray.exceptions.WorkerCrashedError...)
                res = _crashed(job, exc)
            yield res
    finally:
        if started:
            ray.shutdown()
