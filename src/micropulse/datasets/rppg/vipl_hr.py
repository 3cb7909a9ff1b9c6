"""VIPL-HR (Niu et al. 2019): 107 subjects, scenarios v1..v9 (+ v1-2, v3-2, v9-2), sources 1-3 (RGB).

Layout ``ROOT/p{n}/v{k}/source{s}/video.avi`` + ``wave.csv`` (a header line, BVP in column 0,
60 Hz [docs?]) + ``time.txt`` (frame times in ms, present for some sources) + optional
``gt_HR.csv`` (device HR, header, one value per second). Frame times come from ``time.txt`` when
its count matches the video, else from the container rate; the BVP is placed at 60 Hz from the
first frame. RhythmMamba cubic-resamples the video to int(last_ms/1000*30) frames and interpolates
the BVP onto that count (spec §6, §9.19); ``alignment="index"`` interpolates the BVP onto the
video's own frame count. Index: ``p{n}_v{k}_s{s}``.
"""

from __future__ import annotations

import re

import numpy as np

from micropulse.datasets.base import Entry, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource
from micropulse.datasets.registry import DATASETS
from micropulse.datasets.rppg.gtfiles import read_csv_columns
from micropulse.errors import FileFormatError

WAVE_FS = 60.0  # Hz, contact BVP rate [docs?]
SOURCES = (1, 2, 3)  # source4 is near-infrared
_P = re.compile(r"^p(\d+)$")
_S = re.compile(r"^source(\d+)$")


@DATASETS.register("vipl-hr")
class VIPLHR(RppgDataset):
    name = "vipl-hr"
    layout = "ROOT/p{n}/v{k}/source{s}/video.avi + wave.csv (header, BVP col 0) [+ time.txt ms, gt_HR.csv]"
    default_fps = 30.0

    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        entries, missing = [], []
        for p in sorted(self.root.iterdir()):
            mp = _P.match(p.name)
            if not (p.is_dir() and mp):
                continue
            for v in sorted(q for q in p.iterdir() if q.is_dir() and q.name.startswith("v")):
                for s in sorted(v.iterdir()):
                    ms = _S.match(s.name)
                    if not (s.is_dir() and ms and int(ms.group(1)) in SOURCES):
                        continue
                    vid = f"p{int(mp.group(1))}_{v.name}_s{int(ms.group(1))}"
                    files = {"video": s / "video.avi", "ground truth": s / "wave.csv"}
                    if self._require(vid, files, missing):
                        files.update({"time": s / "time.txt", "hr": s / "gt_HR.csv"})
                        meta = {"scenario": v.name, "source": int(ms.group(1))}
                        entries.append(Entry(vid, str(int(mp.group(1))), files, meta))
        return entries, missing

    def _read(self, entry: Entry) -> VideoSample:
        video = FrameSource("video", entry.files["video"])
        wave = read_csv_columns(entry.files["ground truth"], header=True)[:, 0]
        fps = video.video_fps() or self.default_fps
        frame_times, meta = None, {"has_time_txt": entry.files["time"].exists()}
        if meta["has_time_txt"]:
            try:
                t_ms = np.loadtxt(entry.files["time"], ndmin=1)
            except ValueError as exc:
                raise FileFormatError(f"cannot parse frame times (ms): {exc}", entry.files["time"]) from None
            n = video.n_frames()
            if t_ms.size == n and np.all(np.diff(t_ms) > 0):
                frame_times = (t_ms - t_ms[0]) / 1000.0
                fps = float((n - 1) / frame_times[-1])
            else:
                meta["time_txt_mismatch"] = (
                    f"time.txt has {t_ms.size} stamps for {n} frames; container rate used"
                )
        device_hr = None
        if entry.files["hr"].exists():
            try:
                device_hr = float(np.mean(read_csv_columns(entry.files["hr"], header=True)[:, 0]))
            except FileFormatError as exc:
                meta["gt_hr_unreadable"] = str(exc)
        return self._finish(entry, video, fps, wave, None, frame_times, WAVE_FS, device_hr, meta)
