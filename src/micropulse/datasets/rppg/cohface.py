"""COHFACE (Heusch et al. 2017): 40 subjects x 4 sessions, 640x480 at 20 fps.

Layout ``ROOT/{subject}/{0..3}/data.avi`` + ``data.hdf5`` with datasets ``pulse`` (256 Hz),
``respiration`` and ``time`` (s, one per pulse sample). Here the pulse is placed by ``time``. The
RhythmFormer fork cubic-resamples the 20 fps video to 30 fps and interpolates the pulse onto that
frame count; ``alignment="index"`` interpolates the pulse onto the 20 fps frame count instead (the
video itself is never resampled here).
"""

from __future__ import annotations

import numpy as np

from micropulse.datasets.base import Entry, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource
from micropulse.datasets.registry import DATASETS
from micropulse.datasets.rppg.gtfiles import read_hdf5

PULSE_FS = 256.0  # Hz (COHFACE documentation)


@DATASETS.register("cohface")
class COHFACE(RppgDataset):
    name = "cohface"
    split_unit = "video"
    layout = "ROOT/{subject}/{session 0..3}/data.avi + data.hdf5 (pulse 256 Hz, time s)"
    default_fps = 20.0

    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        entries, missing = [], []
        for subj in sorted(p for p in self.root.iterdir() if p.is_dir() and p.name.isdigit()):
            for sess in sorted(p for p in subj.iterdir() if p.is_dir() and p.name.isdigit()):
                vid = f"{int(subj.name)}_{int(sess.name)}"
                files = {"video": sess / "data.avi", "ground truth": sess / "data.hdf5"}
                if self._require(vid, files, missing):
                    entries.append(Entry(vid, str(int(subj.name)), files, {"session": int(sess.name)}))
        return entries, missing

    def _read(self, entry: Entry) -> VideoSample:
        video = FrameSource("video", entry.files["video"])
        gt = read_hdf5(entry.files["ground truth"], ("pulse", "time"))
        pulse, t = gt["pulse"], gt["time"]
        times = t if t.size == pulse.size and np.all(np.diff(t) > 0) else None
        fps = video.video_fps() or self.default_fps
        return self._finish(entry, video, fps, pulse, times, ppg_fs=PULSE_FS)
