"""The pieces of a batch run: which videos, the per-video task, and its atomic outputs.

* :func:`expand_inputs` turns files, folders and globs into :class:`VideoJob` s whose output names
  mirror the input tree (``OUT/<relative path without suffix>.json``).
* :func:`process_video` is the unit of work every engine runs (in-process, process pool, Ray): it
  calls :func:`micropulse.pipeline.pulse.analyse_video` and
  :func:`~micropulse.pipeline.pulse.write_outputs` into a private temp folder, and returns the file
  contents in a small dict (never the frames), so the driver alone writes ``OUT`` and Ray workers need
  not see it.
* :func:`write_result` writes one video's files atomically (temp file + ``os.replace``), the JSON last:
  a JSON carrying the run's settings hash marks the video finished.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import inspect
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from micropulse.errors import InputError, MicropulseError
from micropulse.io.atomic import PARTIAL_SUFFIX, atomic_write
from micropulse.io.memory import IMAGE_EXTENSIONS

log = logging.getLogger(__name__)

#: File suffixes taken as videos when a folder is searched (a file named explicitly is always taken).
VIDEO_EXTENSIONS = (
    ".avi",
    ".mkv",
    ".mp4",
    ".m4v",
    ".mov",
    ".webm",
    ".wmv",
    ".mpg",
    ".mpeg",
    ".flv",
    ".3gp",
    ".mts",
    ".m2ts",
    ".y4m",
)
#: A leaf folder with at least this many image files (and no video file) is one frame-folder video.
MIN_FOLDER_FRAMES = 10
#: Settings the batch runner owns: per-video output folders and per-video progress bars.
RESERVED_SETTINGS = ("out_dir", "progress")
#: Suffixes of the per-video output files; the JSON is written last and marks the video finished.
OUTPUT_SUFFIXES = {"bvp": ".bvp.csv", "png": ".png", "json": ".json"}


@dataclass(frozen=True)
class VideoJob:
    """One input video.

    Attributes:
        path: absolute path of the video file or frame folder.
        video: its path relative to the input root (POSIX style, suffix kept): the name in summary.csv.
        out_key: relative output stem: ``OUT/<out_key>.json`` etc. (the suffix is dropped unless two
            videos of one folder share a stem, e.g. ``a.mp4`` and ``a.avi``).
    """

    path: str
    video: str
    out_key: str


def settings_hash(settings: dict) -> str:
    """16-hex hash of the per-video settings plus micropulse's version (a new version recomputes)."""
    from micropulse import __version__

    blob = json.dumps({"settings": settings, "micropulse": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def check_settings(settings: dict) -> dict:
    """The settings as a JSON-ready dict, checked against :func:`analyse_video`'s keywords.

    Raises:
        InputError: a key ``analyse_video`` does not accept, one the batch owns (``out_dir``,
            ``progress``), or a value that is not JSON-able (paths are turned into strings).
    """
    from micropulse.pipeline.pulse import analyse_video

    bad = sorted(k for k in settings if k in RESERVED_SETTINGS)
    if bad:
        raise InputError(f"batch settings may not set {', '.join(bad)}: the batch runner owns them")
    try:
        inspect.signature(analyse_video).bind("video", **settings)
    except TypeError as exc:
        raise InputError(f"invalid per-video settings {sorted(settings)}: {exc}") from None
    try:
        return json.loads(json.dumps(settings, default=_jsonable))
    except (TypeError, ValueError) as exc:
        raise InputError(f"batch settings must be JSON-able: {exc}") from None


def _jsonable(value: object) -> object:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON-able")


# ---------------------------------------------------------------------------------------- inputs


def _has_magic(text: str) -> bool:
    return any(c in text for c in "*?[")


def _glob_root(pattern: str) -> Path:
    """The folder before the first path part with a wildcard (relative paths are kept under it)."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if _has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def _is_frame_folder(folder: Path, files: list[str]) -> bool:
    images = [f for f in files if Path(f).suffix.lower() in IMAGE_EXTENSIONS]
    videos = [f for f in files if Path(f).suffix.lower() in VIDEO_EXTENSIONS]
    return len(images) >= MIN_FOLDER_FRAMES and not videos


def _walk(root: Path, exclude: Path | None) -> list[Path]:
    """Video files and frame folders under ``root`` (hidden entries and ``exclude`` left out)."""
    found: list[Path] = []
    for here, dirs, files in os.walk(root):
        here_p = Path(here)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and (exclude is None or (here_p / d).resolve() != exclude)
        )
        files = [f for f in files if not f.startswith(".")]
        if not dirs and here_p != root and _is_frame_folder(here_p, files):
            found.append(here_p)
            continue
        found.extend(here_p / f for f in sorted(files) if Path(f).suffix.lower() in VIDEO_EXTENSIONS)
    return found


def _candidates(item: str, exclude: Path | None) -> list[tuple[Path, Path]]:
    """(video, root) pairs for one input: a file, a folder (searched), a frame folder, or a glob."""
    if _has_magic(item):
        matches = sorted(glob.glob(item, recursive=True))
        if not matches:
            raise InputError(f"the pattern {item!r} matches no file")
        root = _glob_root(item)
        pairs = []
        for m in matches:
            p = Path(m)
            if p.is_dir():
                pairs.extend((v, root) for v in _walk(p, exclude))
            elif p.suffix.lower() in VIDEO_EXTENSIONS:
                pairs.append((p, root))
        return pairs
    p = Path(item)
    if p.is_file():
        return [(p, p.parent)]
    if p.is_dir():
        files = [f.name for f in p.iterdir() if f.is_file() and not f.name.startswith(".")]
        if _is_frame_folder(p, files) and not any(f.is_dir() for f in p.iterdir()):
            return [(p, p.parent)]
        return [(v, p) for v in _walk(p, exclude)]
    raise InputError("no such file or folder", p)


def expand_inputs(inputs: list[str | Path], exclude: str | Path | None = None) -> list[VideoJob]:
    """The videos named by ``inputs``, sorted by their relative path.

    Args:
        inputs: video files (taken whatever their suffix), folders (searched recursively for files with
            a suffix in :data:`VIDEO_EXTENSIONS`, and for frame folders: leaf folders holding at least
            :data:`MIN_FOLDER_FRAMES` images and no video; hidden entries skipped) and glob patterns
            (``**`` recurses). Relative paths are kept under each folder, or under the fixed part of a
            pattern, or (for a file) its own folder.
        exclude: a folder never searched (the output folder, when it lies inside an input folder).

    Raises:
        InputError: an input that does not exist, a pattern that matches nothing, no video at all, or
            two different videos that would share an output name.
    """
    excl = None if exclude is None else Path(exclude).resolve()
    by_key: dict[str, VideoJob] = {}
    pairs: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for item in inputs:
        for video, root in _candidates(str(item), excl):
            real = video.resolve()
            if real in seen:
                continue
            seen.add(real)
            absolute = Path(os.path.abspath(video))
            rel = os.path.relpath(absolute, os.path.abspath(root))
            if rel.startswith(".."):
                rel = video.name
            pairs.append((absolute, Path(rel).as_posix()))
    if not pairs:
        raise InputError(
            f"no video found in {', '.join(map(str, inputs))} (looked for {', '.join(VIDEO_EXTENSIONS)} "
            f"files and folders of >= {MIN_FOLDER_FRAMES} images)"
        )
    stems: dict[str, int] = {}
    for _, rel in pairs:
        stem = _strip_suffix(rel)
        stems[stem] = stems.get(stem, 0) + 1
    for absolute, rel in pairs:
        stem = _strip_suffix(rel)
        key = stem if stems[stem] == 1 else rel
        if key in by_key:
            raise InputError(
                f"{by_key[key].path} and {absolute} would both write OUT/{key}.json; give their folders "
                "as one input (or run them into different --out folders)"
            )
        by_key[key] = VideoJob(path=str(absolute), video=rel, out_key=key)
    return sorted(by_key.values(), key=lambda j: j.video)


def _strip_suffix(rel: str) -> str:
    p = Path(rel)
    return (p.parent / p.stem).as_posix() if p.suffix.lower() in VIDEO_EXTENSIONS else rel


# ------------------------------------------------------------------------------- the per-video task


def memory_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, MiB.

    From /proc's VmRSS/VmHWM (Linux): ``ru_maxrss`` survives fork + exec, so a spawned worker would
    report its parent's peak. Elsewhere the peak is ``ru_maxrss`` and the current value is unknown (nan).
    """
    try:
        vals = {}
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                vals[line[:5]] = float(line.split()[1]) / 1024.0
        return vals["VmRSS"], vals["VmHWM"]
    except (OSError, KeyError, ValueError):
        import resource
        import sys

        ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return float("nan"), ru / (1024 * 1024) if sys.platform == "darwin" else ru / 1024


def release_memory() -> None:
    """Hand freed heap back to the system after a video (glibc ``malloc_trim``; a no-op elsewhere).

    Measured here: a worker's resident memory grew by ~0.4 MiB per short video without it (heap
    fragmentation across the arenas of the face tracker's threads; Python objects grew 0.1 MiB in 70
    videos) and stays flat with it, so a worker can run any number of videos. It costs ~10-25 ms a
    video (a full ``gc.collect()`` would cost ~0.3 s and is not needed).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim():  # noqa: ANN202 - a ctypes function or None
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")  # runs ldconfig: looked up once per process
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl)
        return None


def process_video(job: VideoJob, settings: dict, key: str, plots: bool = False) -> dict:
    """Analyse one video; never raises for a failing video.

    Returns:
        A small JSON-ready dict: ``video``, ``out_key``, ``status`` ("done" or "failed"), ``error_type``
        and ``error`` (the exception's class name and message), ``doc`` (the result JSON, with a
        ``batch`` block holding the settings hash), ``files`` (``bvp``: CSV text, ``png``: bytes or
        absent), and the worker's ``pid``, ``elapsed_s``, ``rss_mb`` and ``peak_rss_mb``.
    """
    from micropulse.pipeline.pulse import analyse_video, write_outputs

    t0 = time.perf_counter()
    out: dict = {
        "video": job.video,
        "out_key": job.out_key,
        "status": "failed",
        "error_type": "",
        "error": "",
    }
    try:
        with tempfile.TemporaryDirectory(prefix="micropulse-batch-") as tmp:
            result = analyse_video(job.path, **settings)
            paths = write_outputs(result, tmp, plot=plots)
            doc = json.loads(paths["json"].read_text())
            files: dict = {"bvp": paths["bvp"].read_text()}
            if plots:
                files["png"] = paths["png"].read_bytes()
        doc["batch"] = {
            "video": job.video,
            "settings_hash": key,
            "settings": settings,
            "micropulse_version": _version(),
        }
        out.update(status="done", doc=doc, files=files)
    except MicropulseError as exc:
        out.update(error_type=type(exc).__name__, error=str(exc))
    except Exception as exc:  # a bug or a library failure: recorded, and the batch carries on
        log.error("%s: unexpected %s: %s", job.path, type(exc).__name__, exc, exc_info=log.isEnabledFor(10))
        out.update(error_type=type(exc).__name__, error=str(exc) or repr(exc))
    release_memory()
    rss, peak = memory_mb()
    out.update(pid=os.getpid(), elapsed_s=time.perf_counter() - t0, rss_mb=rss, peak_rss_mb=peak)
    return out


def _version() -> str:
    from micropulse import __version__

    return __version__


# --------------------------------------------------------------------------------------- outputs


def output_path(out_dir: Path, out_key: str, kind: str) -> Path:
    """``OUT/<out_key><suffix>`` for ``kind`` in ``bvp``, ``png``, ``json``."""
    return out_dir / f"{out_key}{OUTPUT_SUFFIXES[kind]}"


def write_result(out_dir: Path, res: dict) -> Path:
    """Write a finished video's BVP CSV, PNG (when made) and JSON (last) under ``out_dir``."""
    files = res["files"]
    atomic_write(output_path(out_dir, res["out_key"], "bvp"), files["bvp"])
    if "png" in files:
        atomic_write(output_path(out_dir, res["out_key"], "png"), files["png"])
    path = output_path(out_dir, res["out_key"], "json")
    atomic_write(path, json.dumps(res["doc"], indent=2))
    return path


def finished_doc(out_dir: Path, job: VideoJob, key: str, plots: bool) -> dict | None:
    """The JSON of a video finished with the same settings hash (and its files), else None."""
    path = output_path(out_dir, job.out_key, "json")
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("batch", {}).get("settings_hash") != key:
        return None
    if not output_path(out_dir, job.out_key, "bvp").exists():
        return None
    if plots and not output_path(out_dir, job.out_key, "png").exists():
        return None
    return doc


def remove_partials(out_dir: Path) -> int:
    """Delete temp files left by a killed run (``.*.partial``); returns how many."""
    n = 0
    for path in out_dir.rglob(f".*{PARTIAL_SUFFIX}"):
        try:
            path.unlink()
            n += 1
        except OSError:
            pass
    return n
