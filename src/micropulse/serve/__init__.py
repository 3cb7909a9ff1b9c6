"""``micropulse serve``: a web page and HTTP API over the pulse pipeline (FastAPI + uvicorn, extra ``[web]``).

Transport only (DESIGN.md "Serving and live use"): uploads are analysed by
:func:`micropulse.pipeline.pulse.analyse_video` in a job process; the webcam WebSocket feeds
:class:`micropulse.pipeline.live.LiveEstimator`. Importing this package does not import FastAPI;
:func:`micropulse.serve.app.create_app` does.
"""

from micropulse.serve.config import ServeConfig

__all__ = ["ServeConfig"]
