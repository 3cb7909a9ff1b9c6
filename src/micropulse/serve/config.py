"""The server's settings: one frozen object, checked once (safe defaults: local bind, bounded everything)."""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from micropulse.errors import InputError

#: Default upload size limit, megabytes (MB = 10**6 bytes).
MAX_UPLOAD_MB = 500.0
#: Jobs waiting beyond the running ones; one more upload is answered 429.
MAX_QUEUED = 4
#: Jobs analysed at the same time (one process each).
WORKERS = 1
#: A job running longer than this is stopped and reported failed, seconds.
JOB_TIMEOUT_S = 600.0
#: Finished jobs kept for ``GET /api/jobs/{id}`` (oldest forgotten first).
KEEP_FINISHED = 64
#: Webcam WebSocket sessions at the same time.
MAX_LIVE_SESSIONS = 2
#: Largest webcam frame accepted over the WebSocket, bytes (a 320-px JPEG is ~20 kB).
MAX_FRAME_BYTES = 2_000_000
#: Largest webcam frame side accepted, pixels (the page sends 320 px wide).
MAX_FRAME_SIDE = 1280
#: Longest a webcam session may run, seconds.
MAX_LIVE_S = 3600.0

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_local(host: str) -> bool:
    """A loopback address (only this machine can connect)."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeConfig:
    """How ``micropulse serve`` runs.

    Attributes:
        host: address to bind (default loopback; any other needs ``token``). port: TCP port.
        token: shared secret every API call and WebSocket must present (``Authorization: Bearer T``).
        max_upload_mb: upload size limit, MB (10**6 bytes), enforced while the body streams in.
        max_queued: jobs that may wait; beyond, uploads get 429. workers: jobs run at once (processes).
        job_timeout_s: per-job time limit, seconds. keep_finished: finished jobs remembered.
        max_live_sessions: webcam sessions at once. temp_root: where the private temp folder is made
            (None: the system's temp dir).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    max_upload_mb: float = MAX_UPLOAD_MB
    max_queued: int = MAX_QUEUED
    workers: int = WORKERS
    job_timeout_s: float = JOB_TIMEOUT_S
    keep_finished: int = KEEP_FINISHED
    max_live_sessions: int = MAX_LIVE_SESSIONS
    temp_root: str | None = None

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < 8:
            raise InputError("--token must be at least 8 characters")
        if not is_local(self.host) and not self.token:
            raise InputError(
                f"binding {self.host} lets other machines connect: give --token (or --token-file) so that every "
                "API call must present it, or bind 127.0.0.1"
            )
        if not 0 < self.port < 65536:
            raise InputError(f"--port must be in 1-65535, got {self.port}")
        if not self.max_upload_mb > 0:
            raise InputError(f"--max-upload-mb must be > 0, got {self.max_upload_mb}")
        if self.max_queued < 0 or self.workers < 1 or self.max_live_sessions < 0 or self.keep_finished < 1:
            raise InputError("--max-queued >= 0, --workers >= 1 and --max-live >= 0 are required")
        if not self.job_timeout_s > 0:
            raise InputError(f"--job-timeout must be > 0 s, got {self.job_timeout_s}")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["token"] = None if self.token is None else "***"
        return d


def read_token_file(path: str | Path) -> str:
    """The token stored in a file (first line), so it does not appear in the process list."""
    p = Path(path)
    try:
        token = p.read_text(encoding="utf-8").splitlines()[0].strip() if p.stat().st_size else ""
    except OSError as exc:
        raise InputError(f"cannot read the token file ({exc.strerror or exc})", p) from None
    if not token:
        raise InputError("the token file is empty", p)
    return token
