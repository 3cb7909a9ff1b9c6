"""A real ``micropulse serve`` (uvicorn on 127.0.0.1, a free port) in a subprocess, and small synthetic videos.

Every wait here is bounded and stops by itself; the server is stopped with SIGTERM (its own pid) and
must remove its private temp folder on the way out.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi", reason="micropulse serve needs the [web] extra")

from micropulse.synth import make_pulse_video  # noqa: E402

START_TIMEOUT_S = 90.0
SIZE = (160, 120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    tmp: Path  # the server's TMPDIR: its private folder is made in here
    token: str | None = None

    def client(self, token: str | None = None, timeout: float = 60.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def private_folders(self) -> list[Path]:
        return sorted(self.tmp.glob("micropulse-serve-*"))

    def files_left(self) -> list[Path]:
        return [p for d in self.private_folders() for p in d.iterdir()]

    def rss_kb(self, field: str = "VmRSS") -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} for the server process")

    def wait_job(self, client: httpx.Client, job: str, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = client.get(f"/api/jobs/{job}").json()
            if body["status"] in ("done", "failed"):
                return body
            time.sleep(0.3)
        raise AssertionError(f"job {job} did not finish within {timeout} s")


def start_server(tmp: Path, *args: str, token: str | None = None) -> Server:
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp), "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "micropulse.cli.app", "serve", "--port", str(port), *args]
    if token:
        cmd += ["--token", token]
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, tmp, token)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"server exited ({proc.returncode}): {(tmp / 'server.log').read_text()[-2000:]}"
            )
        try:
            if httpx.get(
                server.url + "/api/health",
                timeout=2,
                headers={"Authorization": f"Bearer {token}"} if token else {},
            ).status_code in (200, 401):
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    stop_server(server)
    raise AssertionError(f"server did not answer within {START_TIMEOUT_S} s")


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(10)


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    """A 6-s synthetic face video at 80 bpm (lossless FFV1, 160 x 120)."""
    return make_pulse_video(tmp_path_factory.mktemp("serve_clip"), seconds=6, hr_bpm=80, seed=3, size=SIZE)


@pytest.fixture
def start():
    """start(tmp, *cli_args, token=None) -> a started Server; stopped (and checked clean) after the test."""
    started: list[Server] = []

    def run(tmp: Path, *args: str, token: str | None = None) -> Server:
        started.append(start_server(tmp, *args, token=token))
        return started[-1]

    yield run
    for srv in started:
        stop_server(srv)
        assert srv.private_folders() == [], "the server left its private folder behind"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A default server (no token, 1 worker) with a 20 MB upload limit; checked clean after shutdown."""
    srv = start_server(
        tmp_path_factory.mktemp("serve_tmp"), "--max-upload-mb", "20", "--workers", "2", "--max-queued", "1"
    )
    yield srv
    stop_server(srv)
    assert srv.private_folders() == [], "the server left its private folder behind"
