"""The HTTP API against a real uvicorn server on 127.0.0.1: same JSON as the CLI, bad inputs, limits."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from urllib.parse import urlparse

import httpx
import pytest

from micropulse.cli.app import main
from micropulse.errors import InputError
from micropulse.serve.config import ServeConfig


def _post(client: httpx.Client, path: str, data: bytes, name: str = "clip.mkv", fields: dict | None = None):
    return client.post(path, files={"file": (name, data, "video/x-matroska")}, data=fields or {})


def _is_json_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "detail"}, body
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body


def test_pulse_job_gives_the_same_json_as_the_cli(server, clip, tmp_path, capsys):
    with server.client() as c:
        r = _post(c, "/api/pulse", clip.video_path.read_bytes(), fields={"method": "pos"})
        assert r.status_code == 202, r.text
        job = server.wait_job(c, r.json()["job"])
        assert job["status"] == "done", job
        plots = c.get(f"/api/jobs/{job['job']}/plots").json()
        csv = c.get(f"/api/jobs/{job['job']}/bvp.csv").text
    assert main(["pulse", str(clip.video_path), "--json", "--no-plot", "--out", str(tmp_path)]) == 0
    cli = json.loads(capsys.readouterr().out)
    api = job["result"]
    assert api["source"] == "clip.mkv"  # the client's name, never the server's file
    for d in (cli, api):
        d.pop("source"), d.pop("outputs", None)
    assert api == cli
    assert abs(api["hr_bpm"] - clip.hr_bpm) < 3
    assert len(plots["bvp"]["value"]) == len(csv.splitlines()) - 1 > 100
    assert plots["thumbnail_png"]
    assert server.files_left() == []  # the upload is deleted when its job ends


def _raw_request(url: str, head: str, body_chunks, chunk_timeout: float = 0.0) -> tuple[bytes, int]:
    """Send a request over a plain socket; stop sending as soon as the server answers.

    Returns (response bytes, body bytes sent)."""
    u = urlparse(url)
    sent = 0
    with socket.create_connection((u.hostname, u.port), timeout=30) as s:
        s.sendall(head.encode())
        for chunk in body_chunks:
            ready, _, _ = select.select([s], [], [], chunk_timeout)
            if ready:
                break
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        s.settimeout(30)
        data = b""
        try:
            while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + 10:
                more = s.recv(65536)
                if not more:
                    break
                data += more
        except (ConnectionResetError, TimeoutError):
            pass
    return data, sent


def test_bad_inputs_get_json_errors_and_the_server_keeps_serving(server, clip, tmp_path):
    video = clip.video_path.read_bytes()
    with server.client() as c:
        _is_json_error(_post(c, "/api/pulse", b""), 400)  # empty file
        _is_json_error(_post(c, "/api/pulse", b"hello, I am text\n" * 200, name="notes.mp4"), 422)
        assert "decode" in _post(c, "/api/pulse", video[:3000], name="cut.mkv").json()["detail"]  # truncated
        _is_json_error(_post(c, "/api/pulse", video[:3000], name="cut.mkv"), 422)
        for name in ("../../etc/evil.mkv", "..\\evil.mkv", "a/b.mkv", ".."):
            _is_json_error(_post(c, "/api/pulse", video, name=name), 400)
        _is_json_error(c.post("/api/pulse", content=video, headers={"Content-Type": "video/x-matroska"}), 415)
        _is_json_error(c.post("/api/pulse", json={"file": "x"}), 415)
        _is_json_error(_post(c, "/api/pulse", video, fields={"method": "nosuch"}), 400)
        _is_json_error(_post(c, "/api/pulse", video, fields={"path": "/etc/passwd"}), 400)
        _is_json_error(c.get("/api/jobs/0123456789abcdef"), 404)
        _is_json_error(c.get("/api/nothing-here"), 404)
        # declared too large: refused from the headers, before any body is read
        big = 21_000_000
        head = (
            f"POST /api/pulse HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n"
            f"Content-Length: {big + 200}\r\n\r\n"
        )
        data, sent = _raw_request(server.url, head, (b"\0" * 65536 for _ in range(400)), chunk_timeout=0.0)
        assert data.startswith(b"HTTP/1.1 413"), data[:200]
        assert sent < 8_000_000  # answered long before the 21 MB were sent
        # undeclared length (chunked): the limit is enforced while the body streams in
        part = b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="big.mkv"\r\n\r\n'
        head = "POST /api/pulse HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b0undary\r\nTransfer-Encoding: chunked\r\n\r\n"

        def chunks():
            yield f"{len(part):x}\r\n".encode() + part + b"\r\n"
            block = b"\1" * 65536
            for _ in range(1000):  # 65 MB if nobody stops us
                yield f"{len(block):x}\r\n".encode() + block + b"\r\n"

        data, sent = _raw_request(server.url, head, chunks(), chunk_timeout=0.002)
        assert data.startswith(b"HTTP/1.1 413"), data[:200]
        assert b'"too_large"' in data or b"413" in data
        assert sent < 40_000_000, f"the server read {sent} bytes before refusing a 20 MB limit"
        # a client that goes away mid-upload
        u = urlparse(server.url)
        with socket.create_connection((u.hostname, u.port), timeout=30) as s:
            s.sendall(head.encode() + next(chunks()) + b"10000\r\n" + b"\2" * 30000)
        assert c.get("/api/health").json()["status"] == "ok"  # still serving
        deadline = time.monotonic() + 10  # the interrupted upload is cleaned up as its connection closes
        while server.files_left() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert server.files_left() == []  # rejected uploads leave nothing behind


def test_token_required_on_every_call_and_job_time_limit(tmp_path, clip, start):
    with pytest.raises(InputError, match="--token"):
        ServeConfig(host="0.0.0.0")
    assert main(["serve", "--host", "0.0.0.0", "--port", "8999"]) == 2  # refuses before binding
    srv = start(tmp_path / "tok", "--job-timeout", "0.5", token="s3cret-token-123")
    with (
        srv.client() as anon,
        srv.client(token="wrong-token-000") as wrong,
        srv.client(token=srv.token) as ok,
    ):
        _is_json_error(anon.get("/api/health"), 401)
        _is_json_error(wrong.get("/api/health"), 401)
        _is_json_error(_post(anon, "/api/pulse", clip.video_path.read_bytes()), 401)
        _is_json_error(anon.get("/api/jobs/0123456789abcdef"), 401)
        assert ok.get("/api/health").json()["auth"] is True
        r = _post(ok, "/api/pulse", clip.video_path.read_bytes())
        assert r.status_code == 202, r.text
        job = srv.wait_job(ok, r.json()["job"], timeout=60)
        assert job["status"] == "failed" and job["error"]["error"] == "time_limit", job
        assert ok.get("/").status_code == 200  # the page itself holds no data
    from websockets.sync.client import connect

    with connect(srv.url.replace("http://", "ws://") + "/api/live", open_timeout=30) as ws:
        ws.send(json.dumps({"token": "wrong-token-000"}))
        assert json.loads(ws.recv(timeout=30))["error"] == "unauthorized"
    assert srv.files_left() == []


def test_twenty_concurrent_uploads_finish_or_get_429(server, clip):
    data = clip.video_path.read_bytes()
    rss_before = server.rss_kb()
    answers: list[int] = []
    jobs: list[str] = []
    lock = threading.Lock()

    def upload() -> None:
        with server.client() as c:
            r = _post(c, "/api/pulse", data)
        with lock:
            answers.append(r.status_code)
            if r.status_code == 202:
                jobs.append(r.json()["job"])

    threads = [threading.Thread(target=upload) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == 20 and set(answers) <= {202, 429, 503}, answers
    assert 1 <= answers.count(202) <= 3 + 2  # the queue's capacity (+ jobs that finished meanwhile)
    with server.client() as c:
        results = [server.wait_job(c, j, timeout=120) for j in jobs]
        assert all(r["status"] == "done" for r in results), results
        assert c.get("/api/health").json()["jobs_active"] == 0
    grown_mb = (server.rss_kb() - rss_before) / 1024
    assert grown_mb < 150, f"server memory grew by {grown_mb:.0f} MB"
    assert server.files_left() == []


def test_webcam_socket_answers_frames_and_refuses_bad_ones(server, clip):
    import struct

    import cv2
    from websockets.sync.client import connect

    from micropulse.io import open_video

    frames = [f.rgb for _, f in zip(range(3), open_video(clip.video_path), strict=False)]
    url = server.url.replace("http://", "ws://") + "/api/live?method=pos&window=10"
    with connect(url, open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=60))["type"] == "ready"
        ws.send(struct.pack("<d", 0.0) + b"not a jpeg at all")
        bad = json.loads(ws.recv(timeout=30))
        assert bad["type"] == "error" and bad["error"] == "bad_frame"
        for i, rgb in enumerate(frames):
            ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
            ws.send(struct.pack("<d", i / 30) + jpeg.tobytes())
            answer = json.loads(ws.recv(timeout=30))
            assert answer["type"] == "frame" and answer["face_found"] is True, answer
        ws.send(struct.pack("<d", 0.0) + jpeg.tobytes())  # time going backwards
        assert "increase" in json.loads(ws.recv(timeout=30))["detail"]
    with connect(url.replace("method=pos", "method=nosuch"), open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=30))["error"] == "bad_request"
