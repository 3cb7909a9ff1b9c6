"""iBVP (Joshi & Cho 2024): 33 subjects x conditions a-d, RGB 640x480 at 30 fps + thermal.

Layout ``ROOT/pXX_y/pXX_y_rgb/*.bmp`` + ``ROOT/pXX_y/pXX_y_bvp.csv`` (a header line; column 0 BVP,
column 3 the signal-quality label SQ used by the toolbox). The CSV has no time column: the BVP is
taken to span the video (rate = samples / video duration; an assumption, flagged in
``meta["ppg_rate_assumed"]``). The toolbox deletes frames whose SQ <= 0.3 after index
resampling, which opens time gaps; here the frames are kept and the low-quality fraction is
reported in ``meta["sq_low_fraction"]``.
"""

from __future__ import annotations

import re

import numpy as np

from micropulse.datasets.base import Entry, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource
from micropulse.datasets.registry import DATASETS
from micropulse.datasets.rppg.gtfiles import read_csv_columns

SQ_THRESHOLD = 0.3  # toolbox: frames with SQ <= 0.3 are dropped
_NAME = re.compile(r"^p(\d+)_([a-z])$", re.IGNORECASE)


@DATASETS.register("ibvp")
class IBVP(RppgDataset):
    name = "ibvp"
    layout = "ROOT/pXX_y/pXX_y_rgb/*.bmp + ROOT/pXX_y/pXX_y_bvp.csv (header; col 0 BVP, col 3 SQ)"

    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        entries, missing = [], []
        for d in sorted(self.root.iterdir()):
            m = _NAME.match(d.name)
            if not (d.is_dir() and m):
                continue
            files = {"frames folder": d / f"{d.name}_rgb", "ground truth": d / f"{d.name}_bvp.csv"}
            if self._require(d.name, files, missing):
                entries.append(Entry(d.name, f"p{int(m.group(1)):02d}", files, {"condition": m.group(2)}))
        return entries, missing

    def _read(self, entry: Entry) -> VideoSample:
        video = FrameSource("images", entry.files["frames folder"], pattern="*.bmp")
        data = read_csv_columns(entry.files["ground truth"], header=True, min_cols=4)
        bvp, sq = data[:, 0], data[:, 3]
        n_frames = video.n_frames()
        rate = bvp.size / (n_frames / self.default_fps)
        meta = {"ppg_rate_assumed": True, "sq_low_fraction": float(np.mean(sq <= SQ_THRESHOLD))}
        return self._finish(entry, video, self.default_fps, bvp, None, ppg_fs=rate, meta=meta)
