"""The rPPG training task for the generic trainer (task name ``rppg``): data assembly lives here, not in
the model package.

A :class:`RppgTask` binds a registered deep model, its loss (specs/rppg.md §1.8, §2.8), the seeds'
augmentation (§1.10, §2.8) and a data source. Data source now: ``synthetic`` - face videos with a known pulse
rendered in memory by :mod:`micropulse.synth` (numbers measured on them are synthetic). Videos are
normalised as a whole (Standardized or DiffNormalized, §3.3), labels likewise, then cut into non-overlapping
chunks of ``chunk_length`` frames (the remainder is dropped, as the toolbox does).

The checkpoint's metadata records the crop geometry the model is meant to be fed (``crop``, default the
``micropulse`` convention); ``read_checkpoint`` turns it into ``WeightsInfo.crop``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset, TensorDataset

from micropulse.errors import InputError
from micropulse.face.geometry import CropGeometry, get_convention
from micropulse.rppg.deep.losses import LOSSES, label_hr_bpm
from micropulse.rppg.deep.registry import build_model, get_spec
from micropulse.rppg.deep.transforms import normalise, resize_crops
from micropulse.signals.recipes import get_recipe
from micropulse.synth.ppg import ppg_waveform
from micropulse.synth.pulse_video import SynthSettings, render_frames
from micropulse.train.rppg_data import normalise_label
from micropulse.train.rppg_tree import TreeData
from micropulse.train.task import Task

logger = logging.getLogger(__name__)

DEFAULT_LOSS = {"rhythmmamba": "rhythmmamba", "rhythmformer": "rhythmformer", "physnet": "neg_pearson"}
DATA_SOURCES = ("synthetic", "tree")
#: Which epoch's weights are tested: ``best`` (lowest validation loss, the toolbox's default) or ``last``.
SELECTIONS = ("best", "last")


@dataclass(frozen=True)
class SyntheticVideo:
    """One rendered video: normalised frames ``(T, 3, H, W)``, normalised label ``(T,)``, true mean HR (bpm)."""

    frames: np.ndarray
    label: np.ndarray
    hr_bpm: float
    seed: int


def render_synthetic(
    seed: int, hr_bpm: float, seconds: float, fs: float, size: int, motion: bool, normalisation: str
) -> SyntheticVideo:
    """Render a synthetic pulse video in memory (no file) and normalise it for a model."""
    n = int(round(seconds * fs))
    t_s = np.arange(n) / fs
    render = max(64, size)  # synth needs >= 64 px; smaller inputs are area-averaged down (as face crops are)
    settings = SynthSettings(width=render, height=render, motion=motion)
    wave = ppg_waveform(t_s, hr_bpm, seed=seed, resp_bpm=settings.resp_bpm, hrv_bpm=settings.hrv_bpm)
    frames = resize_crops(
        np.stack(list(render_frames(n, fs, wave.bvp, settings, seed))), size
    )  # (T, H, W, 3)
    x = normalise(frames.astype(np.float32), normalisation).transpose(0, 3, 1, 2)
    bvp = wave.bvp.astype(np.float64)
    label = normalise_label(bvp, normalisation)
    return SyntheticVideo(
        np.ascontiguousarray(x, dtype=np.float32), label.astype(np.float32), wave.mean_hr_bpm, seed
    )


def chunk_video(video: SyntheticVideo, chunk_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-overlapping chunks ``(K, chunk_length, 3, H, W)`` and labels ``(K, chunk_length)``."""
    k = video.frames.shape[0] // chunk_length
    if k == 0:
        raise InputError(
            f"video of {video.frames.shape[0]} frames is shorter than chunk_length={chunk_length}"
        )
    n = k * chunk_length
    x = torch.from_numpy(video.frames[:n]).view(k, chunk_length, *video.frames.shape[1:])
    y = torch.from_numpy(video.label[:n]).view(k, chunk_length)
    return x, y


def _upsample2(x: torch.Tensor, start: int, length: int) -> torch.Tensor:
    """2x temporal up-sampling along dim 0 (inserted = mean of neighbours), ``length`` items from ``start``."""
    up = torch.empty((2 * x.shape[0] - 1, *x.shape[1:]), dtype=x.dtype, device=x.device)
    up[0::2] = x
    up[1::2] = 0.5 * (x[:-1] + x[1:])
    return up[start : start + length]


def _downsample2(x: torch.Tensor) -> torch.Tensor:
    """Every 2nd item of the first half, repeated once (doubles the apparent HR), same length."""
    half = x[0::2][: x.shape[0] // 2]
    out = torch.cat([half, half], dim=0)
    return torch.cat([out, x[out.shape[0] :]], dim=0) if out.shape[0] < x.shape[0] else out


class RppgTask(Task):
    """Train a registered deep rPPG model.

    Args:
        model: registry name (``rhythmmamba``, ``rhythmformer``, ``physnet``).
        model_options: builder keywords (e.g. ``{"depth": 2, "embed_dim": 32}``).
        loss: ``rhythmmamba`` | ``rhythmformer`` | ``neg_pearson``; None = the model's own.
        loss_as_coded: reproduce the original losses' defects (see ``losses.py``).
        augment: the seeds' augmentation (HR-based 2x up/down-sampling with p=0.5, horizontal flip p=0.5).
        augment_as_coded: reproduce the batch-wide bugs (flip decided once per batch; a resampling triggered
            by one sample applied to every sample of the batch, as RhythmMamba's trainer does).
        data: ``synthetic`` (videos rendered in memory) or ``tree`` (dataset trees on disk); None: ``tree``
            when ``dataset``, ``protocol`` or ``splits`` is given, else ``synthetic``.
        dataset, root: a dataset tree (registered loader name, folder) for a one-dataset protocol.
        roots: folders of the datasets a protocol reads (``{pure: DIR, ubfc-rppg: DIR}``; cross-dataset).
        protocol: a named protocol (``micropulse.datasets.splits``; e.g. ``rhythm-cross-pure-ubfc``).
        splits: toolbox-style parts instead of a protocol, ``{train: {dataset, root, begin, end}, valid:
            ..., test: ...}`` (the config keys ``TRAIN.DATA.DATASET`` / ``DATA_PATH`` / ``BEGIN`` / ``END``
            land here).
        cache_dir: crop cache and preprocessed chunks (tree data), shared with ``evaluate --cache-dir``.
        face: front-end face backend name recorded in the crop-cache key (tree data).
        alignment: label alignment of the dataset loaders (``timestamps`` or ``index``).
        recipe: evaluation recipe of the test metrics (``rhythm``, ``toolbox-2023``, ``toolbox-2025``).
        select: ``best`` (lowest validation loss) or ``last`` epoch is kept; None: the protocol's rule,
            else ``best`` when there is validation data.
        n_train, n_val, n_test: synthetic videos per split (disjoint seeds).
        seconds: length of each synthetic video, seconds.
        size: frame size, pixels (square).
        fs: frame rate, Hz.
        chunk_length: frames per training chunk.
        hr_range: (low, high) bpm of the synthetic heart rates (uniform).
        motion: synthetic head motion.
        normalisation: ``Standardized`` or ``DiffNormalized`` (None = the model's default).
        seed: seed of the synthetic data.
        crop: the face-crop geometry the trained model is to be fed, recorded in the checkpoint: a
            convention name (``micropulse``, ``toolbox``, ``openrppg``) or a ``CropGeometry`` dict. The
            synthetic frames are rendered at crop size (the face fills them), so this names the convention
            to use on real video rather than one applied to the synthetic data.
    """

    name = "rppg"

    def __init__(
        self,
        model: str = "rhythmmamba",
        model_options: dict[str, Any] | None = None,
        loss: str | None = None,
        loss_as_coded: bool = False,
        augment: bool = False,
        augment_as_coded: bool = False,
        data: str | None = None,
        n_train: int = 12,
        n_val: int = 2,
        n_test: int = 4,
        seconds: float = 20.0,
        size: int = 64,
        fs: float = 30.0,
        chunk_length: int = 160,
        hr_range: tuple[float, float] = (55.0, 140.0),
        motion: bool = False,
        normalisation: str | None = None,
        seed: int = 0,
        crop: str | dict[str, Any] = "micropulse",
        dataset: str | None = None,
        root: str | None = None,
        roots: dict[str, str] | None = None,
        protocol: str | None = None,
        splits: dict[str, dict[str, Any]] | None = None,
        cache_dir: str = "runs/cache",
        face: str = "mediapipe",
        alignment: str = "timestamps",
        recipe: str = "rhythm",
        select: str | None = None,
    ) -> None:
        self.spec = get_spec(model)
        self.crop = get_convention(crop) if isinstance(crop, str) else CropGeometry.from_dict(dict(crop))
        self.model_name = self.spec.name
        self.model_options = dict(model_options or {})
        self.loss_name = loss or DEFAULT_LOSS.get(self.model_name, "neg_pearson")
        self.loss_fn = LOSSES.get(self.loss_name)
        self.loss_as_coded = bool(loss_as_coded)
        self.do_augment = bool(augment)
        self.augment_as_coded = bool(augment_as_coded)
        if data is None:
            data = "tree" if (dataset or protocol or splits) else "synthetic"
        if data not in DATA_SOURCES:
            raise InputError(f"unknown rPPG data source {data!r}; known: {', '.join(DATA_SOURCES)}")
        if min(n_train, n_test) < 1 or n_val < 0:
            raise InputError(f"need n_train >= 1, n_test >= 1, n_val >= 0; got {n_train}, {n_val}, {n_test}")
        if not 30 <= hr_range[0] < hr_range[1] <= 200:
            raise InputError(f"hr_range must be increasing within 30..200 bpm, got {hr_range}")
        self.data = data
        self.counts = (int(n_train), int(n_val), int(n_test))
        self.seconds, self.size, self.fs = float(seconds), int(size), float(fs)
        self.chunk_length = int(chunk_length)
        self.hr_range = (float(hr_range[0]), float(hr_range[1]))
        self.motion = bool(motion)
        self.normalisation = normalisation or self.spec.default_info.normalisation
        if self.normalisation not in ("Standardized", "DiffNormalized"):
            raise InputError(
                f"normalisation must be Standardized or DiffNormalized, got {self.normalisation!r}"
            )
        self.seed = int(seed)
        self._videos: dict[str, list[SyntheticVideo]] = {}
        get_recipe(recipe)  # unknown recipe -> error listing the known ones, before any training
        self.recipe = recipe
        if select is not None and select not in SELECTIONS:
            raise InputError(f"select must be one of {SELECTIONS}, got {select!r}")
        self.tree: TreeData | None = None
        if data == "tree":
            self.tree = TreeData(
                dataset=dataset, root=root, roots=roots, protocol=protocol, splits=splits, cache_dir=cache_dir,
                face=face, alignment=alignment, size=self.size, fs=self.fs, chunk_length=self.chunk_length,
                normalisation=self.normalisation, geometry=self.crop.to_dict(),
            )  # fmt: skip
        self.selection = select or (self.tree.selection if self.tree else ("best" if n_val else "last"))

    # data -----------------------------------------------------------------------------------------
    def videos(self, split: str) -> list[SyntheticVideo]:
        """The synthetic videos of ``train`` | ``val`` | ``test`` (rendered once, cached in memory)."""
        if split not in self._videos:
            index = {"train": 0, "val": 1, "test": 2}[split]
            offset = sum(self.counts[:index])
            rng = np.random.default_rng([self.seed, index])
            hrs = rng.uniform(*self.hr_range, size=self.counts[index])
            self._videos[split] = [
                render_synthetic(
                    1000 * self.seed + offset + i,
                    float(hr),
                    self.seconds,
                    self.fs,
                    self.size,
                    self.motion,
                    self.normalisation,
                )  # fmt: skip
                for i, hr in enumerate(hrs)
            ]
        return self._videos[split]

    def _dataset(self, split: str) -> TensorDataset:
        parts = [chunk_video(v, self.chunk_length) for v in self.videos(split)]
        return TensorDataset(torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]))

    def train_data(self) -> Dataset:
        if self.tree is not None:
            return self.tree.dataset("train")
        return self._dataset("train")

    def val_data(self) -> Dataset | None:
        if self.tree is not None:
            return self.tree.dataset("valid") if "valid" in self.tree.sources else None
        return self._dataset("val") if self.counts[1] else None

    # model and loss -------------------------------------------------------------------------------
    def build_model(self) -> nn.Module:
        return build_model(self.model_name, self.model_options)

    def loss(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict[str, float]]:
        x, y = batch
        pred = model(x)
        y = y[:, : pred.shape[1]]  # models whose output is shorter (RhythmFormer 8*floor(D/8))
        return self.loss_fn(pred, y, self.fs, as_coded=self.loss_as_coded)

    # augmentation (§1.10; §2.8 for the batch-wide bugs) -----------------------------------------
    def augment(self, batch: Any, generator: torch.Generator) -> Any:
        if not self.do_augment:
            return batch
        x, y = (t.clone() for t in batch)
        b, d = y.shape
        hrs = label_hr_bpm(y, self.fs)
        for i in range(b):
            if torch.rand((), generator=generator).item() >= 0.5:
                continue
            start = int(torch.randint(0, max(1, d // 2), (), generator=generator))
            targets = range(b) if self.augment_as_coded else (i,)
            for j in targets:  # as coded: the resampled version is written into every sample
                if hrs[i] > 90:
                    x[j], y[j] = _upsample2(x[j], start, d), _upsample2(y[j], start, d)
                elif hrs[i] < 75:
                    x[j], y[j] = _downsample2(x[j]), _downsample2(y[j])
        if self.augment_as_coded:  # one draw flips the whole batch
            if torch.rand((), generator=generator).item() < 0.5:
                x = x.flip(-1)
        else:
            flip = torch.rand(b, generator=generator) < 0.5
            x[flip] = x[flip].flip(-1)
        return x, y

    # evaluation -----------------------------------------------------------------------------------
    @torch.no_grad()
    def predict_video(self, model: nn.Module, video: SyntheticVideo, device: torch.device) -> np.ndarray:
        """Model output over a whole video, chunk by chunk (non-overlapping chunks)."""
        x, _ = chunk_video(video, self.chunk_length)
        return torch.cat([model(c[None].to(device))[0].cpu() for c in x]).numpy()

    def evaluate(self, model: nn.Module, device: torch.device) -> dict[str, Any]:
        """Test metrics. Tree data: ``micropulse.eval`` on the test part with ``recipe`` (the numbers
        ``micropulse evaluate --model ARCH --weights model.pt`` reports). Synthetic: HR MAE/RMSE (bpm) on the
        synthetic test videos, whole-video HR by ``recipe``."""
        model.eval()
        if self.tree is not None:
            return self.tree.evaluate(model, self.model_name, self.metadata(), self.recipe, self.work_dir)
        recipe = get_recipe(self.recipe)
        rows = []
        for v in self.videos("test"):
            bvp = self.predict_video(model, v, device)
            post = recipe.postprocess(bvp, self.fs, diff_normalized=self.normalisation == "DiffNormalized")
            hr = recipe.hr_bpm(post, self.fs)
            rows.append({"seed": v.seed, "hr_true_bpm": round(v.hr_bpm, 3), "hr_pred_bpm": round(hr, 3)})
        err = np.array([r["hr_pred_bpm"] - r["hr_true_bpm"] for r in rows])
        return {
            "synthetic": True,
            "recipe": self.recipe,
            "n_videos": len(rows),
            "hr_mae_bpm": float(np.abs(err).mean()),
            "hr_rmse_bpm": float(np.sqrt((err**2).mean())),
            "per_video": rows,
        }

    def metadata(self) -> dict[str, Any]:
        return {
            "task": self.name,
            "arch": self.model_name,
            "model_options": self.model_options,
            "loss": self.loss_name,
            "loss_as_coded": self.loss_as_coded,
            "augment": self.do_augment,
            "augment_as_coded": self.augment_as_coded,
            "normalisation": self.normalisation,
            "fs": self.fs,
            "chunk_length": self.chunk_length,
            "input_size": self.size,
            "crop": self.crop.to_dict(),
            "recipe": self.recipe,
            "selection": self.selection,
            "data": self.tree.metadata()
            if self.tree is not None
            else {
                "source": self.data,
                "counts": list(self.counts),
                "seconds": self.seconds,
                "hr_range_bpm": list(self.hr_range),
                "motion": self.motion,
                "seed": self.seed,
            },  # fmt: skip
        }
