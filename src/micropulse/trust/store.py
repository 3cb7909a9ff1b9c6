"""Files of the trust tools: the cache folder and atomic writes (temp file + ``os.replace``), so an
interrupted run never leaves a half-written summary, model or table behind."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.errors import FileFormatError
from micropulse.io.atomic import atomic_write

#: Where trained victims and rendered feature sets are cached when no folder is given.
DEFAULT_CACHE_DIR = Path("~/.cache/micropulse/trust")


def cache_dir(folder: str | Path | None = None) -> Path:
    """``folder`` (or :data:`DEFAULT_CACHE_DIR`), created, with ``~`` expanded."""
    path = Path(folder if folder is not None else DEFAULT_CACHE_DIR).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings_key(settings: dict[str, Any]) -> str:
    """Short stable hash of a JSON-able settings dict (names cache files)."""
    blob = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]




def write_json(path: Path, obj: Any) -> None:
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=False, default=_jsonable) + "\n")


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, Path):
        return str(v)
    raise TypeError(f"not JSON-serialisable: {type(v).__name__}")


def read_json(path: Path) -> Any:
    """Parse a JSON file; :class:`FileFormatError` naming the file when it is not valid JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"not valid JSON ({exc})", path) from None


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write(path, buf.getvalue())
