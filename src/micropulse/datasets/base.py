"""What every rPPG dataset loader yields, and the machinery they share.

A loader (one per raw tree, see ``datasets/rppg/``) first *scans* its root cheaply — which
videos exist, which files of each are missing — then *reads* one sample at a time on demand:
the ground-truth PPG with its sample times, and a lazy :class:`~micropulse.datasets.frames.FrameSource`
for the frames. Nothing holds a whole video in memory.

Alignment (``alignment=``):

* ``"timestamps"`` (default): the PPG keeps its own samples; ``ppg_times_s`` are its sample
  times on the video's clock (seconds after the first frame), taken from the dataset's
  timestamps where it has them (PURE JSON, VIPL ``time.txt``, COHFACE ``time``, UBFC row 3,
  UBFC DATASET_1 ms column) and otherwise from its nominal rate starting with the first frame.
* ``"index"``: what the papers' code does (spec §6): the PPG is linearly interpolated in index
  space onto the frame count, ``np.interp(linspace(1, n_ppg, n_frames), 1..n_ppg, ppg)``, and
  its times become the frame times. Offsets and dropped frames are ignored.

A ground truth whose length or duration disagrees with the video is *reported* (logged, listed
in :attr:`RppgDataset.report`, and stored in ``meta["gt_mismatch"]``) — never silently stretched
in ``"timestamps"`` mode.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from micropulse.datasets.frames import FrameSource, natural_sorted
from micropulse.errors import DatasetLayoutError, FileFormatError, InputError

log = logging.getLogger(__name__)

ALIGNMENTS = ("timestamps", "index")
#: A ground truth covering the video to within this many seconds (or 2 %) counts as matching.
DURATION_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class VideoSample:
    """One video of a dataset with its ground truth.

    Attributes:
        id: unique id inside the dataset (e.g. ``subject5``, ``01-02``, ``p1_v1_s1``).
        subject: subject id (used by subject-wise splits).
        video: lazy frame source (file, image folder or MATLAB variable).
        fps: frame rate in Hz (container value or the dataset's documented rate).
        frame_times_s: time of every frame in seconds, first frame at 0.
        ppg: ground-truth pulse waveform (arbitrary units).
        ppg_times_s: time of every PPG sample on the video clock, seconds.
        device_hr: the device's heart rate in bpm (mean over the recording) where the dataset
            provides one, else None.
        alignment: ``"timestamps"`` or ``"index"`` (see module docstring).
        meta: dataset-specific extras (task, source, attributes, gt_mismatch...).
    """

    id: str
    subject: str
    video: FrameSource
    fps: float
    frame_times_s: np.ndarray
    ppg: np.ndarray
    ppg_times_s: np.ndarray
    device_hr: float | None = None
    alignment: str = "timestamps"
    meta: dict = field(default_factory=dict)

    @property
    def video_path(self) -> Path:
        return self.video.path

    @property
    def n_frames(self) -> int:
        return int(self.frame_times_s.size)

    def iter_frames(self) -> Iterator[np.ndarray]:
        """RGB uint8 frames, one at a time."""
        return self.video.iter_frames()

    def ppg_on_frames(self) -> tuple[np.ndarray, np.ndarray]:
        """The PPG interpolated (linearly, by time) onto the frames it covers.

        Returns:
            (values, frame_indices): PPG at each covered frame time and the indices of those
            frames. Frames before the first or after the last PPG sample are left out rather
            than extrapolated.
        """
        t = self.frame_times_s
        inside = np.flatnonzero((t >= self.ppg_times_s[0] - 1e-9) & (t <= self.ppg_times_s[-1] + 1e-9))
        return np.interp(t[inside], self.ppg_times_s, self.ppg), inside

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "subject": self.subject,
            "video": str(self.video.path),
            "fps": float(self.fps),
            "n_frames": self.n_frames,
            "n_ppg": int(self.ppg.size),
            "ppg_span_s": [float(self.ppg_times_s[0]), float(self.ppg_times_s[-1])],
            "device_hr_bpm": self.device_hr,
            "alignment": self.alignment,
            "meta": self.meta,
        }


@dataclass(frozen=True)
class Entry:
    """A video found by a scan: its id, subject and the paths of its files."""

    id: str
    subject: str
    files: dict[str, Path]
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Missing:
    """A video the scan found incomplete: which file is missing or unreadable, and why."""

    id: str
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.id}: {self.path} ({self.reason})"


@dataclass
class LoadReport:
    """What a loader found: complete videos, incomplete ones, and ground-truth mismatches."""

    dataset: str
    root: Path
    found: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    mismatches: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "root": str(self.root),
            "found": list(self.found),
            "missing": [str(m) for m in self.missing],
            "mismatches": dict(self.mismatches),
        }


class RppgDataset:
    """Base class of the raw-tree loaders. Subclasses define ``name``, ``layout``, ``_scan`` and
    ``_read``; everything else (natural sort, partial trees, errors, iteration) lives here.

    Args:
        root: the dataset's root folder as distributed.
        alignment: ``"timestamps"`` (default) or ``"index"`` (the papers' resampling).
        entries: already-scanned entries (a worker process reading one video skips the scan).
    """

    name: ClassVar[str] = ""
    #: Human-readable expected layout, quoted in every layout error.
    layout: ClassVar[str] = ""
    #: Nominal frame rate (Hz) used where the container has none (image folders, MATLAB files).
    default_fps: ClassVar[float] = 30.0
    #: What the toolbox's BEGIN/END fractions count for this dataset: "subject" or "video" (spec §3.6).
    split_unit: ClassVar[str] = "subject"

    def __init__(
        self, root: str | Path, alignment: str = "timestamps", entries: list[Entry] | None = None
    ) -> None:
        if alignment not in ALIGNMENTS:
            raise InputError(f"alignment must be one of {ALIGNMENTS}, got {alignment!r}")
        self.root = Path(root)
        self.alignment = alignment
        if not self.root.is_dir():
            raise DatasetLayoutError(f"dataset root not found; expected layout: {self.layout}", self.root)
        entries, missing = self._scan() if entries is None else (list(entries), [])
        self._entries = natural_sorted(entries, key=lambda e: e.id)
        self.report = LoadReport(self.name, self.root, [e.id for e in self._entries], list(missing))
        for m in missing:
            log.warning("%s: incomplete video %s", self.name, m)
        if not self._entries:
            detail = "; ".join(str(m) for m in missing[:5])
            raise DatasetLayoutError(
                f"no complete {self.name} video found; expected layout: {self.layout}"
                + (f"; incomplete: {detail}" if detail else ""),
                self.root,
            )

    # --- subclass hooks ---------------------------------------------------------------
    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        raise NotImplementedError

    def _read(self, entry: Entry) -> VideoSample:
        raise NotImplementedError

    # --- public API -------------------------------------------------------------------
    @property
    def entries(self) -> list[Entry]:
        """Complete videos, naturally sorted by id."""
        return list(self._entries)

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self._entries]

    @property
    def subjects(self) -> list[str]:
        """Distinct subject ids, naturally sorted."""
        return natural_sorted({e.subject for e in self._entries})

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[VideoSample]:
        for entry in self._entries:
            yield self.load(entry.id)

    def entry(self, video_id: str) -> Entry:
        for entry in self._entries:
            if entry.id == video_id:
                return entry
        raise DatasetLayoutError(f"{self.name} has no complete video {video_id!r}", self.root)

    def load(self, video_id: str) -> VideoSample:
        """Read one video's ground truth (frames stay on disk)."""
        return self._read(self.entry(video_id))

    # --- helpers for subclasses ---------------------------------------------------------
    def _require(self, entry_id: str, files: dict[str, Path], missing: list[Missing]) -> bool:
        """True when every file exists; otherwise records each missing one and returns False."""
        ok = True
        for what, path in files.items():
            if not path.exists():
                missing.append(Missing(entry_id, path, f"missing {what}; expected layout: {self.layout}"))
                ok = False
        return ok

    def _finish(
        self,
        entry: Entry,
        video: FrameSource,
        fps: float,
        ppg: np.ndarray,
        ppg_times_s: np.ndarray | None,
        frame_times_s: np.ndarray | None = None,
        ppg_fs: float | None = None,
        device_hr: float | None = None,
        meta: dict | None = None,
    ) -> VideoSample:
        """Build a sample: validate, check GT length against the video, apply the alignment.

        Args:
            ppg_times_s: PPG sample times on the video clock (s), or None to derive them.
            frame_times_s: frame times (s, first frame 0), or None for ``arange(n) / fps``.
            ppg_fs: nominal PPG rate (Hz) when there are no timestamps; None means one PPG
                sample per frame.
        """
        gt_file = entry.files.get("ground truth", video.path)
        ppg = np.asarray(ppg, dtype=np.float64).ravel()
        if ppg.size < 2 or not np.all(np.isfinite(ppg)):
            bad = "too short" if ppg.size < 2 else "contains NaN/inf"
            raise FileFormatError(f"ground-truth PPG {bad} ({ppg.size} samples)", gt_file)
        if fps <= 0:
            raise FileFormatError(f"frame rate unknown ({fps}); pass it explicitly", video.path)
        if frame_times_s is None:
            frame_times_s = np.arange(video.n_frames()) / fps
        frame_times_s = np.asarray(frame_times_s, dtype=np.float64)
        if frame_times_s.size < 2:
            raise FileFormatError(f"video has {frame_times_s.size} frames", video.path)
        if ppg_times_s is None:
            rate = fps if ppg_fs is None else ppg_fs
            ppg_times_s = np.arange(ppg.size) / rate
        ppg_times_s = np.asarray(ppg_times_s, dtype=np.float64)
        if ppg_times_s.size != ppg.size or np.any(np.diff(ppg_times_s) <= 0):
            raise FileFormatError("PPG timestamps are not strictly increasing or not one per sample", gt_file)
        meta = dict(meta or {})
        mismatch = _mismatch(frame_times_s, fps, ppg, ppg_times_s, ppg_fs)
        if mismatch:
            meta["gt_mismatch"] = mismatch
            self.report.mismatches[entry.id] = mismatch
            log.warning("%s %s: %s (%s)", self.name, entry.id, mismatch, gt_file)
        if self.alignment == "index":
            ppg = index_resample(ppg, frame_times_s.size)
            ppg_times_s = frame_times_s.copy()
        return VideoSample(
            id=entry.id,
            subject=entry.subject,
            video=video,
            fps=float(fps),
            frame_times_s=frame_times_s,
            ppg=ppg,
            ppg_times_s=ppg_times_s,
            device_hr=device_hr,
            alignment=self.alignment,
            meta={**entry.meta, **meta},
        )


def index_resample(x: np.ndarray, n: int) -> np.ndarray:
    """The toolbox's ``resample_ppg``: linear interpolation in index space onto ``n`` samples."""
    x = np.asarray(x, dtype=np.float64)
    return np.interp(np.linspace(1, x.size, n), np.arange(1, x.size + 1), x)


def _mismatch(
    frame_times: np.ndarray, fps: float, ppg: np.ndarray, ppg_times: np.ndarray, ppg_fs: float | None
) -> str:
    """A message when the ground truth does not cover the video, else ``""``."""
    n_frames = frame_times.size
    if ppg_fs is None and ppg.size != n_frames:
        return f"ground truth has {ppg.size} samples but the video has {n_frames} frames (one per frame expected)"
    video_s = frame_times[-1] - frame_times[0] + 1.0 / fps
    gt_s = ppg_times[-1] - ppg_times[0] + (1.0 / ppg_fs if ppg_fs else float(np.median(np.diff(ppg_times))))
    tol = max(DURATION_TOLERANCE_S, 0.02 * video_s)
    if abs(video_s - gt_s) > tol or ppg_times[0] > frame_times[0] + tol:
        return (
            f"ground truth covers {ppg_times[0]:.2f}..{ppg_times[-1]:.2f} s ({gt_s:.2f} s) but the video "
            f"lasts {video_s:.2f} s"
        )
    return ""
