"""MMPD / mini-MMPD (Tang et al. 2023): ``ROOT/subject{n}/p{n}_{k}.mat`` (MATLAB v5).

Variables: ``video`` (T x H x W x 3 float in 0..1; x255 -> uint8), ``GT_ppg`` (one sample per frame,
30 fps), and the attributes ``light``, ``motion``, ``exercise``, ``skin_color``, ``gender``,
``glasser``, ``hair_cover``, ``makeup`` (the toolbox's INFO filters). The ground truth and the
attributes are read without the video; scipy cannot read part of a v5 variable, so iterating
the frames loads that one video's ``video`` variable at once (the only loader that does).
"""

from __future__ import annotations

import re

from micropulse.datasets.base import Entry, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource
from micropulse.datasets.registry import DATASETS
from micropulse.datasets.rppg.gtfiles import mat_scalar, read_mat5

ATTRIBUTES = ("light", "motion", "exercise", "skin_color", "gender", "glasser", "hair_cover", "makeup")
_FILE = re.compile(r"^p(\d+)_(\d+)\.mat$")


@DATASETS.register("mmpd")
class MMPD(RppgDataset):
    name = "mmpd"
    layout = (
        "ROOT/subject{n}/p{n}_{k}.mat (variables video, GT_ppg, light, motion, exercise, skin_color, ...)"
    )

    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        entries, missing = [], []
        for d in sorted(self.root.glob("subject*")):
            if not d.is_dir():
                continue
            files = sorted(d.glob("p*_*.mat"))
            if not files:
                missing.append(
                    Missing(d.name, d / "p{n}_{k}.mat", f"no .mat files; expected layout: {self.layout}")
                )
            for f in files:
                m = _FILE.match(f.name)
                if m:
                    vid = f"subject{int(m.group(1))}_{int(m.group(2))}"
                    entries.append(
                        Entry(vid, str(int(m.group(1))), {"ground truth": f}, {"trial": int(m.group(2))})
                    )
        return entries, missing

    def _read(self, entry: Entry) -> VideoSample:
        path = entry.files["ground truth"]
        mat = read_mat5(path, ("GT_ppg",), optional=ATTRIBUTES)
        attrs = {k: mat_scalar(mat[k]) for k in ATTRIBUTES if k in mat}
        video = FrameSource("mat5", path, key="video")
        return self._finish(entry, video, self.default_fps, mat["GT_ppg"], None, ppg_fs=None, meta=attrs)
