"""Video in and out: streaming sources with real timestamps, codec checks, lossless writers.

This package imports neither torch nor :mod:`micropulse.face`.
"""

from micropulse.io.codecs import is_lossy
from micropulse.io.file import CameraVideo, FileVideo
from micropulse.io.memory import ArrayVideo, FolderVideo
from micropulse.io.open import open_video
from micropulse.io.prefetch import prefetch
from micropulse.io.source import Frame, VideoSource, VideoWarning
from micropulse.io.writers import ffv1_supported, write_png_frames, write_video

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
