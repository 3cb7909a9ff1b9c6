"""The webcam WebSocket: browser frames in, pulse wave and heart rate out.

Protocol on ``/api/live?method=pos&window=10``:

1. When the server has a token, the first message is text ``{"token": "..."}``.
2. The browser sends binary messages: 8 bytes little-endian float64 capture time (seconds, the page's
   clock) followed by one JPEG frame (the page downscales to 320 px wide).
3. The server answers each frame with text ``{"type": "frame", "time_s", "face_found"}`` (the page sends
   the next frame when the previous is answered, so a slow server lowers the frame rate, never queues),
   and every second of stream time with ``{"type": "hr", ...LiveUpdate.to_dict()}`` including the
   window's pulse wave. Bad frames get ``{"type": "error", "error", "detail"}``.

Each session runs its own :class:`~micropulse.pipeline.live.LiveEstimator` on one thread of its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from micropulse.errors import MicropulseError
from micropulse.serve.config import MAX_FRAME_BYTES, MAX_FRAME_SIDE, MAX_LIVE_S
from micropulse.serve.uploads import ApiError

log = logging.getLogger(__name__)

#: Consecutive undecodable frames after which a session is closed.
MAX_BAD_FRAMES = 30
#: Seconds a client has to send its token.
AUTH_TIMEOUT_S = 10.0
#: WebSocket close codes (RFC 6455): policy violation, try again later.
CLOSE_POLICY, CLOSE_BUSY = 1008, 1013


def decode_frame(data: bytes) -> tuple[float, np.ndarray]:
    """``(time_s, rgb)`` from a binary message; a malformed one raises :class:`ApiError` (400)."""
    import cv2

    if len(data) < 9 or len(data) > MAX_FRAME_BYTES:
        raise ApiError(
            400,
            "bad_frame",
            f"a frame message is 8 bytes of time + a JPEG of at most {MAX_FRAME_BYTES} bytes",
        )
    (t,) = struct.unpack("<d", data[:8])
    if not np.isfinite(t):
        raise ApiError(400, "bad_frame", "the frame time is not a finite number")
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8, offset=8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ApiError(400, "bad_frame", "the frame is not a decodable image")
    if max(bgr.shape[:2]) > MAX_FRAME_SIDE:
        raise ApiError(400, "bad_frame", f"frames may be at most {MAX_FRAME_SIDE} px on a side")
    return float(t), cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _live_options(ws: WebSocket) -> dict[str, Any]:
    from micropulse.frontend import check_method

    method = ws.query_params.get("method", "pos")
    check_method(method)
    window = float(ws.query_params.get("window", "10"))
    if not 5 <= window <= 60:
        raise ApiError(400, "bad_request", "window must lie in 5-60 s")
    return {"method": method.lower(), "window_s": window}


def add_live_route(app: FastAPI, state) -> None:  # noqa: ANN001 - the app's State
    config = state.config

    @app.websocket("/api/live")
    async def live(ws: WebSocket) -> None:
        await ws.accept()
        if state.live_sessions >= config.max_live_sessions:
            await ws.send_text(
                json.dumps({"type": "error", "error": "busy", "detail": "too many webcam sessions"})
            )
            await ws.close(CLOSE_BUSY)
            return
        state.live_sessions += 1
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="micropulse-live")
        loop = asyncio.get_running_loop()
        estimator = None
        try:
            if config.token is not None:
                msg = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT_S)
                import hmac

                given = str(json.loads(msg).get("token", "")) if msg.startswith("{") else ""
                if not hmac.compare_digest(given.encode(), config.token.encode()):
                    await ws.send_text(
                        json.dumps(
                            {"type": "error", "error": "unauthorized", "detail": "wrong or missing token"}
                        )
                    )
                    await ws.close(CLOSE_POLICY)
                    return
            try:
                options = _live_options(ws)
            except (ApiError, MicropulseError, ValueError) as exc:
                await ws.send_text(json.dumps({"type": "error", "error": "bad_request", "detail": str(exc)}))
                await ws.close(CLOSE_POLICY)
                return
            from micropulse.pipeline.live import LiveEstimator

            estimator = await loop.run_in_executor(pool, lambda: LiveEstimator(**options))
            await ws.send_text(json.dumps({"type": "ready", **options}))
            await _session(ws, estimator, pool, loop)
        except (WebSocketDisconnect, asyncio.TimeoutError):
            pass
        except Exception:  # the client sees a closed socket, never a trace
            log.exception("webcam session failed")
            await _close(ws, 1011)
        finally:
            if estimator is not None:
                await loop.run_in_executor(pool, estimator.close)
            pool.shutdown(wait=False)
            state.live_sessions -= 1


async def _close(ws: WebSocket, code: int) -> None:
    try:
        await ws.close(code)
    except RuntimeError:  # already closed
        pass


async def _session(ws: WebSocket, estimator, pool, loop) -> None:  # noqa: ANN001
    started = time.monotonic()
    bad = 0
    last_t: float | None = None
    while time.monotonic() - started < MAX_LIVE_S:
        data = await ws.receive_bytes()
        arrived = time.perf_counter()
        try:
            t, rgb = await loop.run_in_executor(pool, decode_frame, data)
            if last_t is not None and not t > last_t:
                raise ApiError(400, "bad_frame", f"frame times must increase ({t} s after {last_t} s)")
        except ApiError as exc:
            bad += 1
            await ws.send_text(json.dumps({"type": "error", "error": exc.error, "detail": exc.detail}))
            if bad >= MAX_BAD_FRAMES:
                await _close(ws, CLOSE_POLICY)
                return
            continue
        bad, last_t = 0, t
        update = await loop.run_in_executor(pool, estimator.push, rgb, t, arrived)
        await ws.send_text(
            json.dumps({"type": "frame", "time_s": round(t, 4), "face_found": estimator.face_found})
        )
        if update is not None:
            await ws.send_text(json.dumps({"type": "hr", **update.to_dict(include_bvp=True)}))
    await _close(ws, 1000)
