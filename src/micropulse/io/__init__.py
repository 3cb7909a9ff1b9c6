"""Video in and out: streaming sources with real timestamps, codec checks, lossless writers.

This package imports neither torch nor :mod:`micropulse.face`.
"""

# First, before anything imports cv2 or opens a video: native libraries log only errors (native_logs.py).
from micropulse.io.native_logs import quiet_native_logs

quiet_native_logs()

from micropulse.io.codecs import is_lossy  # noqa: E402
from micropulse.io.file import CameraVideo, FileVideo  # noqa: E402
from micropulse.io.memory import ArrayVideo, FolderVideo  # noqa: E402
from micropulse.io.open import open_video  # noqa: E402
from micropulse.io.prefetch import prefetch  # noqa: E402
from micropulse.io.source import Frame, VideoSource, VideoWarning  # noqa: E402
from micropulse.io.writers import ffv1_supported, write_png_frames, write_video  # noqa: E402

__all__ = [
    "ArrayVideo",
    "CameraVideo",
    "FileVideo",
    "FolderVideo",
    "Frame",
    "VideoSource",
    "VideoWarning",
    "ffv1_supported",
    "is_lossy",
    "open_video",
    "prefetch",
    "write_png_frames",
    "write_video",
]
