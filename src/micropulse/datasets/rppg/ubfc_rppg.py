"""UBFC-rPPG (Bobbia et al. 2019), both distributed layouts (spec rppg.md §6).

* DATASET_2 (42 subjects): ``ROOT/subject{n}/vid.avi`` + ``ground_truth.txt``: three
  whitespace-separated rows — PPG, device HR (bpm), time (s). The papers read only row 1 and
  assume one PPG sample per frame; here row 3 gives the frame/PPG times.
* DATASET_1 (8 videos): ``ROOT/{folder}/vid.avi`` + ``gtdump.xmp``: CSV rows of time (ms), HR
  (bpm), SpO2 (%), PPG. No repo supports it; the PPG is placed by its ms timestamps.
"""

from __future__ import annotations

import re

import numpy as np

from micropulse.datasets.base import Entry, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource
from micropulse.datasets.registry import DATASETS
from micropulse.datasets.rppg.gtfiles import read_csv_columns, read_rows
from micropulse.errors import FileFormatError


def subject_of(folder: str) -> str:
    """The first number in a folder name (``subject12`` -> ``12``), else the name itself."""
    m = re.search(r"\d+", folder)
    return str(int(m.group())) if m else folder


@DATASETS.register("ubfc-rppg")
class UBFCrPPG(RppgDataset):
    name = "ubfc-rppg"
    split_unit = "video"
    layout = (
        "DATASET_2: ROOT/subject{n}/vid.avi + ROOT/subject{n}/ground_truth.txt (rows: PPG, HR, time s); "
        "DATASET_1: ROOT/{folder}/vid.avi + ROOT/{folder}/gtdump.xmp (CSV: time ms, HR, SpO2, PPG)"
    )

    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        entries, missing = [], []
        for d in sorted(p for p in self.root.iterdir() if p.is_dir()):
            video, gt2, gt1 = d / "vid.avi", d / "ground_truth.txt", d / "gtdump.xmp"
            if not (video.exists() or gt2.exists() or gt1.exists()):
                continue  # not a video folder
            gt = gt1 if gt1.exists() and not gt2.exists() else gt2
            files = {"video": video, "ground truth": gt}
            if self._require(d.name, files, missing):
                layout = "DATASET_1" if gt.name == "gtdump.xmp" else "DATASET_2"
                entries.append(Entry(d.name, subject_of(d.name), files, {"layout": layout}))
        return entries, missing

    def _read(self, entry: Entry) -> VideoSample:
        video = FrameSource("video", entry.files["video"])
        fps = video.video_fps() or self.default_fps
        gt = entry.files["ground truth"]
        if entry.meta["layout"] == "DATASET_2":
            rows = read_rows(gt, min_rows=3)
            ppg, hr, t = rows[0], rows[1], rows[2]
            t = t - t[0]
            n_frames = video.n_frames()
            frame_times = t if t.size == n_frames and np.all(np.diff(t) > 0) else None
            times = t if np.all(np.diff(t) > 0) else None
            return self._finish(
                entry, video, fps, ppg, times, frame_times, ppg_fs=None, device_hr=float(np.mean(hr))
            )
        data = read_csv_columns(gt, header=False, min_cols=4)
        t_ms, hr, ppg = data[:, 0], data[:, 1], data[:, 3]
        if np.any(np.diff(t_ms) <= 0):
            raise FileFormatError("time column (ms) is not strictly increasing", gt)
        times = (t_ms - t_ms[0]) / 1000.0
        rate = float(1.0 / np.median(np.diff(times)))
        return self._finish(entry, video, fps, ppg, times, ppg_fs=rate, device_hr=float(np.mean(hr)))
