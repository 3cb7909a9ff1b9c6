"""Quiet native libraries: OpenCV, FFmpeg (through OpenCV) and mediapipe's C++ start-up lines.

These libraries write straight to stderr from C/C++ (``[ WARN:0@1.5] global cap.cpp``, ``moov atom not
found``, ``Created TensorFlow Lite XNNPACK delegate``, ``inference_feedback_manager.cc``), which breaks
progress bars and turns micropulse's one-line errors into several lines. They are silenced at the source:

* OpenCV's own log level (``cv2.setLogLevel``, and ``OPENCV_LOG_LEVEL`` for a cv2 imported later);
* FFmpeg's log level, which OpenCV reads from ``OPENCV_FFMPEG_LOGLEVEL`` when it first opens a video
  (so it must be set before the first :class:`cv2.VideoCapture`; -8 is FFmpeg's ``AV_LOG_QUIET``);
* mediapipe's graph start-up lines, which no environment variable or log level reaches (absl logs
  before ``InitializeLog`` go to stderr): :mod:`micropulse.face.mediapipe` runs each graph's start-up
  and first frame with stderr redirected, asking :func:`native_logs_quiet` first.

:func:`quiet_native_logs` runs when :mod:`micropulse.io` is imported and only fills in variables the user
has not set. ``micropulse --verbose`` calls :func:`set_native_logs` (``verbose=True``) to keep all of it.
"""

from __future__ import annotations

import os
import sys

#: Environment read by the native libraries when they start, with the values that keep them quiet.
QUIET_ENV: dict[str, str] = {"OPENCV_LOG_LEVEL": "ERROR", "OPENCV_FFMPEG_LOGLEVEL": "-8"}
#: cv2 log levels (cv2.utils.logging): 2 = errors only; 3 = warnings (OpenCV's default).
CV2_QUIET_LEVEL = 2
CV2_DEFAULT_LEVEL = 3

_state = {"quiet": True, "chosen": False, "set_env": set()}


def _cv2_level(level: int) -> None:
    cv2 = sys.modules.get("cv2")
    if cv2 is not None and hasattr(cv2, "setLogLevel"):
        cv2.setLogLevel(level)


def quiet_native_logs() -> None:
    """Default at import: quiet, unless :func:`set_native_logs` already chose. Never overrides a variable the
    user set in the environment."""
    if _state["chosen"]:
        return
    for key, value in QUIET_ENV.items():
        if key not in os.environ:
            os.environ[key] = value
            _state["set_env"].add(key)
    _cv2_level(CV2_QUIET_LEVEL)


def set_native_logs(verbose: bool) -> None:
    """Choose: ``verbose=True`` lets the native libraries log as they do by default, False silences them.

    Takes full effect when called before the first video is opened (FFmpeg reads its level once).
    """
    _state["chosen"] = True
    _state["quiet"] = not verbose
    if verbose:
        for key in list(_state["set_env"]):  # only what micropulse itself put there
            os.environ.pop(key, None)
        _state["set_env"].clear()
        _cv2_level(CV2_DEFAULT_LEVEL)
    else:
        for key, value in QUIET_ENV.items():
            if key not in os.environ:
                os.environ[key] = value
                _state["set_env"].add(key)
        _cv2_level(CV2_QUIET_LEVEL)


def native_logs_quiet() -> bool:
    """Whether native start-up logs should be hidden (the default; False after ``--verbose``)."""
    return bool(_state["quiet"])
