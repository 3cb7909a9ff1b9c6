"""SCAMPS (McDuff et al. 2022), synthetic: ``ROOT/{Train,Val,Test}/P*.mat`` (MATLAB v7.3 = HDF5).

Variables ``Xsub`` (video, MATLAB T x H x W x 3 float 0..1, stored by MATLAB transposed as
3 x W x H x T in HDF5) and ``d_ppg`` (one sample per frame, 30 fps). Read with h5py one frame at a
time; no resampling (spec §6). Every video is its own synthetic subject.
"""

from __future__ import annotations

from micropulse.datasets.base import Entry, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource
from micropulse.datasets.registry import DATASETS
from micropulse.datasets.rppg.gtfiles import read_hdf5

SPLITS = ("Train", "Val", "Test")


@DATASETS.register("scamps")
class SCAMPS(RppgDataset):
    name = "scamps"
    split_unit = "video"
    layout = "ROOT/{Train,Val,Test}/P*.mat (MATLAB v7.3: Xsub video, d_ppg)"

    def _scan(self) -> tuple[list[Entry], list[Missing]]:
        entries: list[Entry] = []
        folders = [self.root / s for s in SPLITS if (self.root / s).is_dir()] or [self.root]
        for folder in folders:
            for f in sorted(folder.glob("P*.mat")):
                split = folder.name if folder != self.root else ""
                entries.append(Entry(f.stem, f.stem, {"ground truth": f}, {"split": split}))
        return entries, []

    def _read(self, entry: Entry) -> VideoSample:
        path = entry.files["ground truth"]
        ppg = read_hdf5(path, ("d_ppg",))["d_ppg"]
        video = FrameSource("mat73", path, key="Xsub")
        return self._finish(entry, video, self.default_fps, ppg, None, ppg_fs=None)
