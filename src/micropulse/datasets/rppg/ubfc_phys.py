"""UBFC-Phys (Meziati Sabour et al. 2021): 56 subjects x tasks T1 (rest), T2 (speech), T3 (arithmetic).

Layout ``ROOT/s{n}/vid_s{n}_T{k}.avi`` (35 fps) + ``ROOT/s{n}/bvp_s{n}_T{k}.csv`` (one column,
no header; 64 Hz [docs]). There are no timestamps: the BVP is placed at 64 Hz from the first
frame. The toolbox interpolates it onto the frame count (``alignment="index"``).
"""

from __future__ import annotations

import re

from micropulse.datasets.base import Entry, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource
from micropulse.datasets.registry import DATASETS
from micropulse.datasets.rppg.gtfiles import read_csv_columns

BVP_FS = 64.0  # Hz, Empatica E4 BVP rate (UBFC-Phys documentation)
_VID = re.compile(r"^vid_s(\d+)_T(\d+)\.avi$")
_BVP = re.compile(r"^bvp_s(\d+)_T(\d+)\.csv$")


@DATASETS.register("ubfc-phys")
class UBFCPhys(RppgDataset):
    name = "ubfc-phys"
    split_unit = "video"
    layout = "ROOT/s{n}/vid_s{n}_T{k}.avi + ROOT/s{n}/bvp_s{n}_T{k}.csv (BVP, one column, 64 Hz)"
    default_fps = 35.0

    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        entries, missing = [], []
        for d in sorted(self.root.glob("s*")):
            if not d.is_dir():
                continue
            keys = set()
            for f in d.iterdir():
                m = _VID.match(f.name) or _BVP.match(f.name)
                if m:
                    keys.add((int(m.group(1)), int(m.group(2))))
            for n, k in sorted(keys):
                vid = f"s{n}_T{k}"
                files = {"video": d / f"vid_s{n}_T{k}.avi", "ground truth": d / f"bvp_s{n}_T{k}.csv"}
                if self._require(vid, files, missing):
                    entries.append(Entry(vid, str(n), files, {"task": f"T{k}"}))
        return entries, missing

    def _read(self, entry: Entry) -> VideoSample:
        video = FrameSource("video", entry.files["video"])
        bvp = read_csv_columns(entry.files["ground truth"], header=False)[:, 0]
        fps = video.video_fps() or self.default_fps
        return self._finish(entry, video, fps, bvp, None, ppg_fs=BVP_FS)
