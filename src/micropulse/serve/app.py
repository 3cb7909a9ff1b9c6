"""The FastAPI app: the page at ``/``, the HTTP API under ``/api`` and the webcam WebSocket.

API (every call needs ``Authorization: Bearer TOKEN`` when the server has a token):

- ``GET /api/health`` -> ``{"status": "ok", ...}``; ``GET /api/methods`` -> the classic methods.
- ``POST /api/pulse`` (multipart: ``file``; optional ``method``, ``window_s``) -> 202 ``{"job": id}``.
- ``POST /api/spot`` (multipart: ``file``) -> 202 ``{"job": id}`` (micro-expression spotting).
- ``GET /api/jobs/{id}`` -> status, progress and, when done, ``result``: the JSON ``micropulse pulse --json``
  prints (``spot``: what ``micropulse spot`` writes). ``/plots``, ``/result.json``, ``/bvp.csv`` for the page.
- ``WS /api/live`` (:mod:`micropulse.serve.live`): browser frames in, pulse wave and HR out.

Errors are JSON ``{"error": code, "detail": text}`` with a 4xx status (5xx only for the server's own
state); no stack trace ever reaches a client.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import shutil
import tempfile
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.staticfiles import StaticFiles

from micropulse import __version__
from micropulse.frontend import MIN_FACE_SECONDS
from micropulse.serve.config import ServeConfig
from micropulse.serve.jobs import PROBE_TIMEOUT_S, JobQueue, run_child
from micropulse.serve.uploads import ApiError, check_request, receive_upload

log = logging.getLogger(__name__)

#: Probe error codes that mean "this upload is not a usable video" (answered 422).
NOT_A_VIDEO = {"VideoReadError", "InputError", "FileFormatError"}


def error_response(
    status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


class State:
    """What the app holds while it runs: its config, private folder, job queue, live-session count."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.folder = Path(tempfile.mkdtemp(prefix="micropulse-serve-", dir=config.temp_root))  # mode 0700
        self.jobs = JobQueue(config, self.folder)
        self.uploading = 0
        self.live_sessions = 0

    def close(self) -> None:
        self.jobs.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def check_token(config: ServeConfig, header: str | None) -> None:
    """401 unless the request carries the server's token (when it has one)."""
    if config.token is None:
        return
    given = (header or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), config.token.encode()):
        raise ApiError(
            401, "unauthorized", "this server needs its token: send the header 'Authorization: Bearer TOKEN'"
        )


def create_app(config: ServeConfig | None = None) -> FastAPI:
    """The micropulse web app for ``config`` (default: local, no token)."""
    config = config if config is not None else ServeConfig()
    state = State(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        state.jobs.start()
        try:
            yield
        finally:
            await asyncio.to_thread(state.close)

    app = FastAPI(
        title="micropulse",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.micropulse = state

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.error, exc.detail, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "bad_request", "invalid request parameters")

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return error_response(500, "internal_error", "the server failed on this request; see its log")

    @app.middleware("http")
    async def _auth(request: Request, call_next):  # noqa: ANN001, ANN202
        if request.url.path.startswith("/api/") and request.scope["type"] == "http":
            try:
                check_token(config, request.headers.get("authorization"))
            except ApiError as exc:
                return error_response(exc.status, exc.error, exc.detail)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    static = resources.files("micropulse.serve") / "static"

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse((static / "index.html").read_text(encoding="utf-8"))

    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok", "version": __version__, "jobs_active": state.jobs.active(),
            "capacity": state.jobs.capacity, "max_upload_mb": config.max_upload_mb, "auth": config.token is not None,
        }  # fmt: skip

    @app.get("/api/methods")
    async def methods() -> dict[str, Any]:
        from micropulse.rppg.classic import get_method, list_methods

        usable = [m for m in list_methods() if not get_method(m).info.needs_pixels]
        return {"methods": usable, "default": "pos"}

    async def _accept(request: Request, kind: str) -> JSONResponse:
        state.jobs.check_room()
        boundary = check_request(
            request.headers.get("content-type"),
            request.headers.get("content-length"),
            config.max_upload_bytes,
        )
        if state.uploading >= state.jobs.capacity:
            raise ApiError(
                429,
                "too_many_uploads",
                "too many uploads at once; try again in a minute",
                {"Retry-After": "30"},
            )
        state.uploading += 1
        try:
            upload = await receive_upload(request.stream(), boundary, state.folder, config.max_upload_bytes)
        except ClientDisconnect:
            raise ApiError(400, "client_disconnected", "the upload was interrupted") from None
        finally:
            state.uploading -= 1
        try:
            options = _options(kind, upload.fields)
            msg = await asyncio.to_thread(
                run_child,
                "probe",
                upload.path,
                upload.name,
                {"min_seconds": MIN_FACE_SECONDS},
                PROBE_TIMEOUT_S,
            )
            if msg[0] != "done":
                status = 422 if msg[1] in NOT_A_VIDEO or msg[1] == "time_limit" else 500
                raise ApiError(status, "not_a_video" if status == 422 else msg[1], msg[2])
            job = state.jobs.submit(kind, upload.path, upload.name, options)
        except BaseException:
            upload.path.unlink(missing_ok=True)
            raise
        return JSONResponse({"job": job.id, "status": job.status}, status_code=202)

    @app.post("/api/pulse")
    async def post_pulse(request: Request) -> JSONResponse:
        return await _accept(request, "pulse")

    @app.post("/api/spot")
    async def post_spot(request: Request) -> JSONResponse:
        return await _accept(request, "spot")

    def _job(job_id: str):  # noqa: ANN202
        job = state.jobs.get(job_id)
        if job is None:
            raise ApiError(
                404,
                "unknown_job",
                f"no job {job_id[:40]!r} (unknown, or forgotten after {config.keep_finished} newer jobs)",
            )
        return job

    def _done(job_id: str):  # noqa: ANN202
        job = _job(job_id)
        if job.status != "done" or job.payload is None:
            raise ApiError(409, "not_done", f"job {job.id} is {job.status}")
        return job

    @app.get("/api/jobs/{job_id}")
    async def get_job(job_id: str) -> dict[str, Any]:
        return _job(job_id).to_dict()

    @app.get("/api/jobs/{job_id}/plots")
    async def get_plots(job_id: str) -> dict[str, Any]:
        return _done(job_id).payload["plots"]

    @app.get("/api/jobs/{job_id}/result.json")
    async def get_result_json(job_id: str) -> JSONResponse:
        job = _done(job_id)
        return JSONResponse(
            job.payload["result"], headers={"Content-Disposition": f'attachment; filename="{job.id}.json"'}
        )

    @app.get("/api/jobs/{job_id}/bvp.csv")
    async def get_bvp_csv(job_id: str) -> Response:
        job = _done(job_id)
        if not job.payload.get("csv"):
            raise ApiError(404, "not_found", f"job {job.id} has no pulse wave")
        return PlainTextResponse(
            job.payload["csv"],
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{job.id}.bvp.csv"'},
        )

    from micropulse.serve.live import add_live_route

    add_live_route(app, state)
    return app


def _options(kind: str, fields: dict[str, str]) -> dict[str, Any]:
    """The job's options from the form (known names only; values checked)."""
    known = {"pulse": {"method", "window_s"}, "spot": set()}[kind]
    extra = set(fields) - known
    if extra:
        raise ApiError(
            400, "bad_request", f"unknown form fields {sorted(extra)}; known: {sorted(known) or 'none'}"
        )
    options: dict[str, Any] = {}
    if "method" in fields:
        from micropulse.errors import MicropulseError
        from micropulse.frontend import check_method

        try:
            check_method(fields["method"])
        except MicropulseError as exc:
            raise ApiError(400, "bad_method", exc.message) from None
        options["method"] = fields["method"].lower()
    if fields.get("window_s"):
        try:
            window = float(fields["window_s"])
        except ValueError:
            raise ApiError(400, "bad_request", "window_s must be a number of seconds") from None
        if not 2 <= window <= 120:
            raise ApiError(400, "bad_request", "window_s must lie in 2-120 s")
        options["window_s"] = window
    return options


def run_server(config: ServeConfig) -> None:
    """Serve ``create_app(config)`` with uvicorn until interrupted; the private folder is removed on exit."""
    import uvicorn

    app = create_app(config)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        ws_max_size=4_000_000,
        timeout_graceful_shutdown=10,
    )
