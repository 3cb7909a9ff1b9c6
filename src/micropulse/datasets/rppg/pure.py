"""PURE (Stricker et al. 2014): 10 subjects x 6 tasks, 59 videos (06-02 missing).

Layout ``ROOT/NN-MM/NN-MM/Image{timestamp_ns}.png`` + ``ROOT/NN-MM/NN-MM.json``. The JSON holds
``/FullPackage``: a list of ``{"Timestamp": ns, "Value": {"waveform", "pulseRate", "o2saturation",
"signalStrength"}}`` (pulse oximeter, about 60 Hz) and ``/Image``: ``[{"Timestamp": ns}]``, one per
frame (30 fps). Here frame and PPG times come from those timestamps (the image file names carry
the same ns stamps); the toolbox ignores them and interpolates the waveform onto the frame count
in index space (``alignment="index"``, spec §9.20).
"""

from __future__ import annotations

import re

import numpy as np

from micropulse.datasets.base import Entry, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource
from micropulse.datasets.registry import DATASETS
from micropulse.datasets.rppg.gtfiles import read_json
from micropulse.errors import FileFormatError

_NAME = re.compile(r"^(\d+)-(\d+)$")
_STAMP = re.compile(r"(\d+)")


@DATASETS.register("pure")
class PURE(RppgDataset):
    name = "pure"
    layout = "ROOT/NN-MM/NN-MM/Image*.png + ROOT/NN-MM/NN-MM.json (/FullPackage, /Image)"

    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        entries, missing = [], []
        for d in sorted(self.root.iterdir()):
            m = _NAME.match(d.name)
            if not (d.is_dir() and m):
                continue
            files = {"frames folder": d / d.name, "ground truth": d / f"{d.name}.json"}
            if self._require(d.name, files, missing):
                if not any(files["frames folder"].glob("*.png")):
                    missing.append(Missing(d.name, files["frames folder"], "no Image*.png frames"))
                    continue
                entries.append(Entry(d.name, str(int(m.group(1))), files, {"task": int(m.group(2))}))
        return entries, missing

    def _read(self, entry: Entry) -> VideoSample:
        gt = entry.files["ground truth"]
        video = FrameSource("images", entry.files["frames folder"], pattern="*.png")
        doc = read_json(gt)
        try:
            pkg = doc["/FullPackage"]
            stamps = np.array([p["Timestamp"] for p in pkg], dtype=np.float64)
            wave = np.array([p["Value"]["waveform"] for p in pkg], dtype=np.float64)
            hr = np.array([p["Value"].get("pulseRate", np.nan) for p in pkg], dtype=np.float64)
            img_stamps = np.array([p["Timestamp"] for p in doc.get("/Image", [])], dtype=np.float64)
        except (KeyError, TypeError) as exc:
            raise FileFormatError(
                f"missing field {exc} (expected /FullPackage[*].Value.waveform)", gt
            ) from None
        names = [p.name for p in video.image_files()]
        from_names = [_STAMP.search(n) for n in names]
        if all(from_names):
            frame_stamps = np.array([float(m.group(1)) for m in from_names])
        elif img_stamps.size == len(names):
            frame_stamps = img_stamps
        else:
            raise FileFormatError(
                f"{len(names)} frames but {img_stamps.size} /Image timestamps and no stamps in file names", gt
            )
        t0 = frame_stamps[0]
        frame_times = (frame_stamps - t0) / 1e9
        keep = np.concatenate([[True], np.diff(stamps) > 0])  # duplicated oximeter packets
        times = (stamps[keep] - t0) / 1e9
        meta = {"dropped_duplicate_ppg": int((~keep).sum())} if not keep.all() else {}
        fps = float(1.0 / np.median(np.diff(frame_times))) if frame_times.size > 1 else self.default_fps
        rate = float(1.0 / np.median(np.diff(times)))
        device_hr = float(np.nanmean(hr)) if np.isfinite(hr).any() else None
        return self._finish(entry, video, fps, wave[keep], times, frame_times, rate, device_hr, meta)
