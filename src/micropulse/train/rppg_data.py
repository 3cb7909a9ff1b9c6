"""rPPG training data from real dataset trees, preprocessed as the seed papers' code does (specs/rppg.md §3).

Per video (once; cached): face crops through the one front end and its uint8 crop cache
(:func:`micropulse.frontend.cache.cached_crops`, geometry bound to the weights) -> the deep path's frame
rule (every frame, face gaps held, :mod:`micropulse.frontend.clock`) -> resampled to the model's frame rate
where the video's differs (the forks resample COHFACE and VIPL-HR to 30 fps) -> the PPG label interpolated
onto the same model-rate times -> whole-video normalisation of inputs and labels (Standardized or
DiffNormalized, §3.3-3.4) -> non-overlapping chunks of ``chunk_length`` frames, remainder dropped (§3.5),
stored as float32 ``.npy`` files read memory-mapped by :class:`ChunkDataset`, so a DataLoader's workers share
pages instead of copies and the resident memory does not grow with the dataset.

Which videos: a named protocol (:mod:`micropulse.datasets.splits`) or toolbox BEGIN/END fractions per part.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.datasets import create_dataset
from micropulse.datasets.frames import open_sample_video
from micropulse.datasets.splits import get_protocol, split_fraction
from micropulse.errors import DatasetLayoutError, InputError
from micropulse.face.geometry import CropGeometry
from micropulse.frontend import FrontEndSettings, clock
from micropulse.frontend.cache import CropStore, cached_crops
from micropulse.io.atomic import atomic_write
from micropulse.progress import progress

log = logging.getLogger(__name__)

PARTS = ("train", "valid", "test")


def normalise_label(label: np.ndarray, normalisation: str) -> np.ndarray:
    """Toolbox label transform (§3.4): Standardized z-score, or DiffNormalized diff/std with a 0 appended."""
    y = np.asarray(label, np.float64)
    if normalisation == "DiffNormalized":
        d = np.diff(y)
        out = np.concatenate([d / (d.std() or 1.0), [0.0]])
    else:
        out = (y - y.mean()) / (y.std() or 1.0)
    return np.nan_to_num(out).astype(np.float32)


@dataclass(frozen=True)
class PartSource:
    """Where one part's videos come from: a dataset tree and a selection (protocol part or BEGIN/END)."""

    dataset: str
    root: str
    protocol: str | None = None
    part: str = "test"
    begin: float = 0.0
    end: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_sources(
    dataset: str | None,
    root: str | None,
    roots: dict[str, str] | None,
    protocol: str | None,
    splits: dict[str, dict[str, Any]] | None,
) -> dict[str, PartSource]:
    """Parts (``train``, ``valid``, ``test``) from a protocol name or toolbox-style split dicts.

    Raises:
        UnknownNameError: unknown protocol. InputError: a dataset without a root, unknown split keys.
    """
    roots = {str(k): str(v) for k, v in (roots or {}).items()}
    if dataset and root:
        roots.setdefault(dataset, str(root))
    out: dict[str, PartSource] = {}
    if protocol:
        proto = get_protocol(protocol)
        for part, spec in proto.parts.items():
            where = roots.get(spec.dataset) or (str(root) if root and len(_datasets(proto)) == 1 else None)
            if where is None:
                raise InputError(
                    f"protocol {protocol!r} part {part} reads dataset {spec.dataset!r}: give its folder in "
                    f"options.roots.{spec.dataset} (or options.root for a one-dataset protocol)"
                )
            out[part] = PartSource(spec.dataset, where, protocol, part)
    for part, spec in (splits or {}).items():
        if part not in PARTS:
            raise InputError(f"unknown split part {part!r}; known: {', '.join(PARTS)}")
        bad = sorted(set(spec) - {"dataset", "root", "begin", "end"})
        if bad:
            raise InputError(f"unknown key(s) {bad} in split {part!r}; known: dataset, root, begin, end")
        name = spec.get("dataset") or dataset
        if not name:
            raise InputError(f"split {part!r} names no dataset (DATASET)")
        where = spec.get("root") or roots.get(name) or root
        if not where:
            raise InputError(f"split {part!r} on {name!r} names no folder (DATA_PATH)")
        out[part] = PartSource(
            name, str(where), None, part, float(spec.get("begin", 0.0)), float(spec.get("end", 1.0))
        )
    if "train" not in out or "test" not in out:
        raise InputError(f"a tree-data config needs train and test parts; got {sorted(out) or 'none'}")
    return out


def _datasets(proto: Any) -> set[str]:
    return {p.dataset for p in proto.parts.values()}


def select_entries(source: PartSource, alignment: str = "timestamps") -> tuple[Any, list[Any]]:
    """Open the part's tree and select its videos; an incomplete tree or an empty selection is an error."""
    ds = create_dataset(source.dataset, source.root, alignment)
    if ds.report.missing:
        shown = "; ".join(str(m) for m in ds.report.missing[:3])
        raise DatasetLayoutError(
            f"{len(ds.report.missing)} incomplete video(s) in the {source.dataset} tree: {shown}", source.root
        )
    if source.protocol:
        entries = get_protocol(source.protocol).select(source.part, ds)
    else:
        entries = split_fraction(ds.entries, source.begin, source.end, unit=ds.split_unit)
    if not entries:
        what = (
            f"protocol {source.protocol} part {source.part}"
            if source.protocol
            else f"{source.begin}..{source.end}"
        )
        raise InputError(
            f"the {source.part} part ({what}) selects no video of {source.dataset} at {source.root}"
        )
    return ds, entries


@dataclass(frozen=True)
class Preprocess:
    """What decides a video's training chunks (its hash names the chunk cache)."""

    size: int
    fs: float
    chunk_length: int
    normalisation: str
    geometry: dict[str, Any]
    face: str = "mediapipe"
    alignment: str = "timestamps"

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def video_chunks(sample: Any, face: Any, prep: Preprocess) -> tuple[np.ndarray, np.ndarray]:
    """One video's crops -> ``(K, L, 3, S, S)`` float32 inputs and ``(K, L)`` labels at the model's rate."""
    settings = FrontEndSettings(face=prep.face, segment="whole")
    start, stop = clock.choose_segment(
        face.found, face.times_s, "whole", settings.max_gap_s, settings.min_seconds, face.fps, face.source
    )
    t = face.times_s[start:stop]
    held = clock.hold_index(face.found[start:stop]) + start
    fs_video = clock.frame_rate(t, face.fps)
    if clock.is_regular(t, face.fps) and abs(fs_video - prep.fs) <= 0.01 * prep.fs:
        tm, lo, frac = clock.model_rate_index(t, prep.fs, "none")
    else:  # resampled to the model's rate, as the deep path does at inference
        tm, lo, frac = clock.model_rate_index(t, prep.fs, "resample")
    frames = (
        clock.gather_frames(face.values, held[lo], frac)
        if np.any(frac)
        else np.asarray(face.values[held[lo]])
    )
    covered = (tm >= sample.ppg_times_s[0] - 1e-9) & (tm <= sample.ppg_times_s[-1] + 1e-9)
    frames, tm = frames[covered], tm[covered]
    label = np.interp(tm, sample.ppg_times_s, sample.ppg)
    from micropulse.rppg.deep.transforms import normalise

    x = normalise(frames, prep.normalisation).transpose(0, 3, 1, 2)
    y = normalise_label(label, prep.normalisation)
    k = x.shape[0] // prep.chunk_length
    n = k * prep.chunk_length
    x = np.ascontiguousarray(x[:n], np.float32).reshape(k, prep.chunk_length, *x.shape[1:])
    return x, y[:n].reshape(k, prep.chunk_length)


@dataclass(frozen=True)
class ChunkFile:
    """One video's cached chunks: ``<stem>.x.npy`` (K, L, 3, S, S) and ``<stem>.y.npy`` (K, L)."""

    video: str
    stem: str
    n_chunks: int


def build_chunks(
    source: PartSource, prep: Preprocess, cache_dir: str | Path, show_progress: bool = False
) -> list[ChunkFile]:
    """Preprocess (or find cached) every selected video of ``source``; returns its chunk files in order."""
    ds, entries = select_entries(source, prep.alignment)
    geometry = CropGeometry.from_dict(prep.geometry)
    settings = FrontEndSettings(face=prep.face, segment="whole")
    crops = CropStore(cache_dir, source.dataset, settings, geometry, prep.size)  # the store evaluate uses
    folder = Path(cache_dir) / "chunks" / source.dataset / prep.key()
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    with progress(
        len(entries), f"preprocess {source.dataset} {source.part}", enabled=show_progress
    ) as advance:
        for e in entries:
            stem = str(folder / e.id.replace("/", "_"))
            done = Path(stem + ".json")
            if not done.is_file():
                sample = ds.load(e.id)
                video = open_sample_video(sample.video, sample.frame_times_s, sample.fps)
                face = cached_crops(crops, e.id, video)
                x, y = video_chunks(sample, face, prep)
                atomic_write(Path(stem + ".x.npy"), lambda f, x=x: np.save(f, x, allow_pickle=False))
                atomic_write(Path(stem + ".y.npy"), lambda f, y=y: np.save(f, y, allow_pickle=False))
                atomic_write(done, json.dumps({"video": e.id, "n_chunks": int(x.shape[0])}))  # written last
            n = int(json.loads(done.read_text())["n_chunks"])
            if n == 0:
                log.warning(
                    "%s: %s is shorter than one chunk of %d frames; not used",
                    source.dataset,
                    e.id,
                    prep.chunk_length,
                )
            files.append(ChunkFile(e.id, stem, n))
            advance()
    if not any(f.n_chunks for f in files):
        raise InputError(
            f"no video of the {source.part} part ({source.dataset} at {source.root}) is as long as one chunk "
            f"({prep.chunk_length} frames at {prep.fs:g} Hz)"
        )
    return files


class ChunkDataset:
    """A map-style torch dataset over cached chunk files, opened memory-mapped (lazily, once per worker).

    Items are ``(x, y)``: float32 arrays ``(L, 3, S, S)`` and ``(L,)`` (the default collate makes tensors).
    """

    def __init__(self, files: list[ChunkFile]) -> None:
        self.files = [f for f in files if f.n_chunks]
        self.index = [(i, k) for i, f in enumerate(self.files) for k in range(f.n_chunks)]
        self._open: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.index)

    def _arrays(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        if i not in self._open:
            stem = self.files[i].stem
            self._open[i] = (np.load(stem + ".x.npy", mmap_mode="r"), np.load(stem + ".y.npy", mmap_mode="r"))
        return self._open[i]

    def __getitem__(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        i, k = self.index[j]
        x, y = self._arrays(i)
        return np.array(x[k]), np.array(y[k])

    def __getstate__(self) -> dict[str, Any]:  # workers reopen the maps themselves
        return {**self.__dict__, "_open": {}}
