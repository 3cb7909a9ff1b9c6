"""Atomic file writes: a finished result is either absent or whole, never half-written.

Every writer of results and caches (batch outputs, evaluation results, crop caches, checkpoints) uses
:func:`atomic_write`, so a run killed at any moment (SIGKILL, power loss) leaves no partial file that a
rerun would take for a finished one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

#: Suffix of the temporary files (``.<name>.<pid>.partial``) a killed writer can leave behind.
PARTIAL_SUFFIX = ".partial"


def atomic_write(path: str | Path, data: str | bytes | Callable[[BinaryIO], None]) -> Path:
    """Write ``data`` (text, bytes, or a function writing to a binary file) to ``path`` atomically.

    The data go to ``.<name>.<pid>.partial`` beside ``path``, are flushed to disk, and the temporary file
    is renamed over ``path`` (``os.replace`` is atomic on one file system). Missing parent folders are made.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{PARTIAL_SUFFIX}")
    try:
        with open(tmp, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
