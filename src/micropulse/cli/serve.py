"""``micropulse serve``: a web page and HTTP API for uploads and the webcam (extra ``[web]``)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option(
            "127.0.0.1", "--host", help="Address to bind; anything but loopback needs --token."
        ),
        port: int = typer.Option(8000, "--port", help="TCP port."),
        token: str | None = typer.Option(
            None, "--token", help="Secret every API call must present (Authorization: Bearer TOKEN)."
        ),
        token_file: Path | None = typer.Option(
            None,
            "--token-file",
            help="Read the token from this file instead (keeps it out of the process list).",
        ),
        max_upload_mb: float = typer.Option(500.0, "--max-upload-mb", help="Upload size limit, MB."),
        max_queued: int = typer.Option(4, "--max-queued", help="Jobs that may wait; more uploads get 429."),
        workers: int = typer.Option(1, "--workers", help="Jobs analysed at once (one process each)."),
        job_timeout: float = typer.Option(600.0, "--job-timeout", help="Per-job time limit, s."),
        max_live: int = typer.Option(2, "--max-live", help="Webcam sessions at once."),
    ) -> None:
        """Serve the micropulse page and API: upload a video or use the webcam, see the pulse live."""
        from micropulse.errors import InputError
        from micropulse.serve.config import ServeConfig, read_token_file

        if token is not None and token_file is not None:
            raise InputError("give --token or --token-file, not both")
        if token_file is not None:
            token = read_token_file(token_file)
        config = ServeConfig(
            host=host, port=port, token=token, max_upload_mb=max_upload_mb, max_queued=max_queued,
            workers=workers, job_timeout_s=job_timeout, max_live_sessions=max_live,
        )  # fmt: skip
        try:
            from micropulse.serve.app import run_server
        except ModuleNotFoundError as exc:
            if exc.name not in ("fastapi", "uvicorn", "starlette", "python_multipart"):
                raise
            raise InputError(
                f"micropulse serve needs {exc.name}, which is not installed: pip install 'micropulse[web]'"
            ) from None

        typer.echo(f"micropulse serve: http://{host}:{port}/" + ("  (token required)" if token else ""))
        run_server(config)
