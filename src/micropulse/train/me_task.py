"""Training ME-TST / ME-TST+ through the generic trainer (task name ``me-spot``; specs/micro-expressions.md
§2, §5): the data assembly lives here, not in the model package.

:class:`MESpotTask` turns labelled videos into window samples: features (C, k), the hard-box spotting
target and the per-frame recognition target; keeps every window with a positive frame plus
``ratio`` x as many random negative windows (§2.4); loss 0.9·MSE + 0.1·weighted CE with one-hot
semantics (divided by the number of frames, not by the sum of weights; trap 21); Adam; x[0.90, 1.10]
window scaling augmentation. Evaluation decodes the held-out subjects' videos and scores them with the
MEGC scorer (pooled TP/FP/FN, recognition on TPs, STRS).

Data: ``dataset="synthetic"`` renders labelled videos with :mod:`micropulse.synth.me` (one face
variant per subject); real datasets come from :mod:`micropulse.datasets.me` loaders.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, TensorDataset

from micropulse.errors import InputError
from micropulse.io import open_video
from micropulse.me import labels as L
from micropulse.me.extract import FeatureConfig, extract_me_features
from micropulse.me.infer import DecodeSettings, decode_intervals
from micropulse.me.models.inference import window_outputs
from micropulse.me.models.registry import build_model, get_spec
from micropulse.synth.me import MESettings, material_with_landmarks, render_me_clip, subject_variant
from micropulse.train.loop import fit
from micropulse.train.me_data import MEVideoData
from micropulse.train.me_eval import score_predictions
from micropulse.train.task import Task

log = logging.getLogger(__name__)

SPOT_WEIGHT, RECOG_WEIGHT = 0.9, 0.1  # §2.4
SCALE_STEPS = np.round(np.arange(0.90, 1.1001, 0.01), 2)  # §1.5 augmentation factors


def synthetic_videos(
    n_subjects: int, videos_per_subject: int, seconds: float, seed: int, cfg: FeatureConfig,
    n_micro: int = 4, n_macro: int = 1,
) -> list[MEVideoData]:  # fmt: skip
    """Render and featurise synthetic ME videos: subject s = face variant s, each video its own seed."""
    img, lm = material_with_landmarks()
    out = []
    for s in range(n_subjects):
        face, face_lm = subject_variant(img, lm, s)
        for v in range(videos_per_subject):
            settings = MESettings(seconds=seconds, n_micro=n_micro, n_macro=n_macro, seed=seed + 1000 * s + v)
            clip = render_me_clip(face, face_lm, settings)
            feats = extract_me_features(open_video(clip.frames, fps=clip.fps), cfg)
            out.append(MEVideoData(f"s{s:02d}_v{v}", f"s{s:02d}", feats, clip.intervals))
    return out


@functools.lru_cache(maxsize=2)
def _cached_synthetic(
    n_subjects: int, videos_per_subject: int, seconds: float, seed: int, cfg: FeatureConfig
) -> tuple[MEVideoData, ...]:
    """Synthetic set rendered once per process, so leave-one-subject-out folds share it."""
    return tuple(synthetic_videos(n_subjects, videos_per_subject, seconds, seed, cfg))


def window_samples(
    data: list[MEVideoData], rng: np.random.Generator, ratio: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x (N, C, k), spot target (N, k), class target (N, k)); negatives subsampled when ``ratio`` is set."""
    xs, ys, cs = [], [], []
    for d in data:
        w = d.feats.features
        mes = [iv for iv in d.intervals if iv.type == "me"]
        n = int(w.starts[-1] + w.k) if len(w.starts) else 0
        y = L.spotting_target(n, mes)
        c = L.recognition_target(n, mes)
        for i, s in enumerate(w.starts):
            xs.append(w.windows[i])
            ys.append(y[s : s + w.k])
            cs.append(c[s : s + w.k])
    if not xs:
        raise InputError("no training windows: the videos are shorter than one window")
    x, y, c = np.stack(xs), np.stack(ys), np.stack(cs)
    if ratio is not None:
        pos = np.flatnonzero(y.max(axis=1) > 0)
        neg = np.flatnonzero(y.max(axis=1) == 0)
        n_neg = min(int(ratio * len(pos)), max(len(neg) - 2, 0))
        keep = np.sort(np.r_[pos, rng.choice(neg, n_neg, replace=False)]) if n_neg else pos
        x, y, c = x[keep], y[keep], c[keep]
    return x.astype(np.float32), y.astype(np.float32), c.astype(np.int64)


def me_loss(
    spot: torch.Tensor, logits: torch.Tensor, y: torch.Tensor, c: torch.Tensor, weights: torch.Tensor
) -> tuple[torch.Tensor, dict[str, float]]:
    """0.9·MSE(spot, y) + 0.1·CE_w: the weighted CE with one-hot targets divides by the number of frames."""
    mse = F.mse_loss(spot, y)
    logp = F.log_softmax(logits.reshape(-1, logits.shape[-1]), dim=-1)
    flat = c.reshape(-1)
    ce = -(weights[flat] * logp.gather(1, flat[:, None]).squeeze(1)).mean()
    return SPOT_WEIGHT * mse + RECOG_WEIGHT * ce, {"mse": float(mse.detach()), "ce": float(ce.detach())}


class MESpotTask(Task):
    """Train ME-TST (or ME-TST+) for spotting + recognition; hold out subjects for evaluation.

    Args:
        model: ``"me-tst"`` or ``"me-tst+"`` (``"me-tst-plus"`` is accepted).
        model_options: constructor options of the model (none = official configuration; e.g.
            ``{dim: 32, depth: 4, d_state: 16}`` for a quick CPU run).
        dataset: ``"synthetic"`` (rendered now) or an ME loader name (``casme3``, ``samm-lv``, ... see
            ``micropulse.datasets.me.list_datasets``) read from ``root``; features cached under ``cache_dir``.
        n_subjects / videos_per_subject / seconds: size of the synthetic set.
        test_subjects: held-out subject ids; default = the last ``n_test`` subjects.
        n_test: number of held-out subjects when ``test_subjects`` is not given.
        k: window length (frames). flow: ``"farneback"`` or ``"dis"``.
        ratio: negatives kept per positive window (4 for CAS(ME)^3, 0.5 for SAMM-LV; None = keep all).
        strategy: class-weight strategy (§2.4); synergy: decoding mode 0 | 1 | 2 (§4.4).
        decoder: interval decoder of the evaluation (``peak`` | ``extensible`` | ``megc-samm``; see
            ``micropulse.me.infer.list_decoders``), stored in the checkpoint for ``micropulse spot``.
        k_p: decoder half-width; None = from the training GT durations (median, BoostingVRME).
        p: decoder threshold fraction. seed: data seed.
        negative_penalty, prefer_non_negative: emotion voting (§4.4); None = the decoder's official rule
            (``megc-samm``: 1.0 and True, as BoostingVRME's SAMM_test; others 0 and False).
        neutral_filter: where the synergy-1 neutral filter runs in evaluation: ``after-matching`` (BoostingVRME)
            or ``before-matching`` (micropulse's variant); the score before the filter is reported too.
    """

    name = "me-spot"

    def __init__(
        self, model: str = "me-tst", model_options: dict[str, Any] | None = None, dataset: str = "synthetic", n_subjects: int = 8, videos_per_subject: int = 2,
        seconds: float = 12.0, test_subjects: list[str] | None = None, n_test: int = 2, k: int = 50,
        flow: str = "farneback", ratio: float | None = 4.0, strategy: int = 1, synergy: int = 1,
        k_p: int | None = None, p: float = 0.55, min_peak: float = 0.0, seed: int = 0, decoder: str = "peak",
        root: str | None = None, cache_dir: str = "runs/cache", negative_penalty: float | None = None,
        prefer_non_negative: bool | None = None, neutral_filter: str = "after-matching",
    ) -> None:  # fmt: skip
        from micropulse.me.infer import get_decoder

        get_decoder(decoder)  # unknown name -> error listing the known decoders, before the data step
        if synergy not in (0, 1, 2):
            raise InputError(f"synergy must be 0, 1 or 2, got {synergy!r}")
        self.decoder = decoder
        self.voting = (negative_penalty, prefer_non_negative)
        self.neutral_filter = neutral_filter
        # an unknown placement -> error, before the data step
        DecodeSettings(decoder, neutral_filter=neutral_filter)
        if dataset != "synthetic":
            from micropulse.datasets.me import list_datasets

            if dataset not in list_datasets():
                raise InputError(
                    f"unknown ME training dataset {dataset!r}; known: synthetic, {', '.join(list_datasets())}"
                )
            if not root:
                raise InputError(f"ME dataset {dataset!r} needs its folder: options.root")
        spec = get_spec(model)
        self.model_name = spec.name
        self.model_options = dict(model_options or {})
        build_model(self.model_name, self.model_options)  # validate the options before the slow data step
        self.cfg = FeatureConfig(roi_set=spec.roi_set, k=k, flow=flow)
        self.ratio, self.strategy, self.synergy, self.p, self.min_peak = ratio, strategy, synergy, p, min_peak
        self.seed = seed
        self.options = {
            "n_subjects": n_subjects,
            "videos_per_subject": videos_per_subject,
            "seconds": seconds,
        }
        self.dataset = dataset
        if dataset == "synthetic":
            data = _cached_synthetic(n_subjects, videos_per_subject, seconds, seed, self.cfg)
        else:
            from micropulse.train.me_data import dataset_videos

            data = tuple(dataset_videos(dataset, root, self.cfg, cache_dir))
            self.options = {"dataset": dataset, "root": str(root)}
        subjects = sorted({d.subject for d in data})
        test = set(test_subjects) if test_subjects else set(subjects[-n_test:])
        if not test or test - set(subjects) or test == set(subjects):
            raise InputError(f"test subjects {sorted(test)} must be a proper subset of {subjects}")
        self.subjects = subjects
        self.train_videos = [d for d in data if d.subject not in test]
        self.test_videos = [d for d in data if d.subject in test]
        train_mes = [iv for d in self.train_videos for iv in d.intervals if iv.type == "me"]
        self.k_p = k_p if k_p is not None else L.k_p_from_intervals(train_mes, statistic="median")
        rng = np.random.default_rng(seed)
        x, y, c = window_samples(self.train_videos, rng, ratio)
        self._train = TensorDataset(torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(c))
        self._weights = torch.as_tensor(L.class_weights(c, strategy=strategy), dtype=torch.float32)

    def build_model(self) -> torch.nn.Module:
        return build_model(self.model_name, self.model_options)

    def train_data(self) -> Dataset:
        return self._train

    def optimizer(self, params: Any, lr: float) -> torch.optim.Optimizer:
        return torch.optim.Adam(params, lr=lr)  # §2.4: Adam, no weight decay

    def augment(self, batch: Any, generator: torch.Generator) -> Any:
        x, y, c = batch
        idx = torch.randint(len(SCALE_STEPS), (x.shape[0],), generator=generator)
        scale = torch.as_tensor(SCALE_STEPS, dtype=x.dtype, device=x.device)[idx.to(x.device)]
        return x * scale[:, None, None], y, c

    def loss(self, model: torch.nn.Module, batch: Any) -> tuple[torch.Tensor, dict[str, float]]:
        x, y, c = batch
        spot, logits = model(x)
        return me_loss(spot, logits, y, c, self._weights.to(x.device))

    def decode_settings(self) -> DecodeSettings:
        return DecodeSettings(
            self.decoder, self.k_p, self.p, self.synergy, self.min_peak, *self.voting, self.neutral_filter
        )

    def predict(self, model: torch.nn.Module, videos: list[MEVideoData]) -> pd.DataFrame:
        rows = []
        for d in videos:
            spot, logits = window_outputs(model, d.feats.features.windows)
            _, found = decode_intervals(spot, logits, self.decode_settings())  # neutral filter: in scoring
            rows += [{"video": d.video, "onset": iv.onset, "offset": iv.offset, "apex": iv.apex, "type": "me",
                      "emotion": iv.emotion} for iv in found]  # fmt: skip
        return pd.DataFrame(rows, columns=["video", "onset", "offset", "apex", "type", "emotion"])

    def evaluate(self, model: torch.nn.Module, device: torch.device) -> dict[str, Any]:
        gt = _gt_frame(self.test_videos)
        pred = self.predict(model, self.test_videos)
        score = score_predictions(gt, pred, self.decode_settings())
        score["test_subjects"] = sorted({d.subject for d in self.test_videos})
        score["k_p"] = self.k_p
        return score

    def metadata(self) -> dict[str, Any]:
        return {
            "task": self.name, "arch": self.model_name, "model_options": self.model_options, "roi_set": self.cfg.roi_set, "k": self.cfg.k,
            "flow": self.cfg.flow, "target_fps": 30.0, "decode": self.decode_settings().to_dict(),
            "training_data": f"synthetic ({self.options})" if self.dataset == "synthetic" else self.options,
            "seed": self.seed,
        }  # fmt: skip


def run_loso(
    options: dict[str, Any], settings: Any, show_progress: bool = False, workers: int = 1
) -> dict[str, Any]:
    """Leave-one-subject-out (§5.1): one fresh model per subject, trained on all the others through the
    generic trainer; predictions of every fold are pooled and scored once (micro-averaged TP/FP/FN, as the
    papers do), with the configured decoder and, for comparison, with every registered decoder.

    Each fold lives in ``settings.out_dir/fold-<subject>``; its window outputs on the held-out videos are
    written atomically (``outputs.npz``) when the fold is finished, so a rerun after a kill skips finished
    folds and resumes an unfinished one from its ``last.pt``. ``workers > 1`` trains folds in a spawned
    process pool. A fold without test videos is an error raised before any training.
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from micropulse.me.infer import list_decoders

    opts = {k: v for k, v in options.items() if k not in ("test_subjects", "n_test")}
    probe = MESpotTask(**opts, n_test=1)
    by_subject = {
        s: [d for d in probe.test_videos + probe.train_videos if d.subject == s] for s in probe.subjects
    }
    empty = [
        s for s, vids in by_subject.items() if not any(iv.type == "me" for d in vids for iv in d.intervals)
    ]
    if empty:
        log.warning(
            "subjects without any labelled micro-expression (their folds add only false positives): %s", empty
        )
    key = _fold_key(opts, settings)
    todo = [s for s in probe.subjects if not _fold_done(Path(settings.out_dir) / f"fold-{s}", key)]
    log.info(
        "%d folds, %d finished, %d to train", len(probe.subjects), len(probe.subjects) - len(todo), len(todo)
    )
    if workers > 1 and len(todo) > 1:
        with ProcessPoolExecutor(min(workers, len(todo)), mp_context=get_context("spawn")) as pool:
            list(
                pool.map(
                    _run_fold,
                    [opts] * len(todo),
                    [settings] * len(todo),
                    todo,
                    [False] * len(todo),
                    [key] * len(todo),
                )
            )
    else:
        for subject in todo:
            _run_fold(opts, settings, subject, show_progress, key)
    gt = pd.concat([_gt_frame(by_subject[s]) for s in probe.subjects], ignore_index=True)
    outputs = {s: np.load(Path(settings.out_dir) / f"fold-{s}" / "outputs.npz") for s in probe.subjects}
    by_decoder = {}
    for name in list_decoders():
        task_settings = replace(probe.decode_settings(), decoder=name)
        pred = pd.concat(
            [_decode(outputs[s], by_subject[s], task_settings) for s in probe.subjects], ignore_index=True
        )
        by_decoder[name] = score_predictions(gt, pred, task_settings)
    folds = []
    for subj in probe.subjects:
        one = score_predictions(
            _gt_frame(by_subject[subj]),
            _decode(outputs[subj], by_subject[subj], probe.decode_settings()),
            probe.decode_settings(),
        )
        folds.append({"subject": subj, "f1": one["spotting"]["f1"]})
    pooled = dict(by_decoder[probe.decoder])
    pooled.update({"protocol": "leave-one-subject-out", "decoder": probe.decoder, "folds": folds,
                   "by_decoder": {k: v["spotting"] for k, v in by_decoder.items()}})  # fmt: skip
    return pooled


#: Options that only change decoding: fold outputs (window scores) are reused across them.
DECODE_OPTIONS = (
    "decoder", "synergy", "p", "k_p", "min_peak", "negative_penalty", "prefer_non_negative", "neutral_filter",
)  # fmt: skip


def _fold_key(opts: dict[str, Any], settings: Any) -> str:
    import hashlib
    import json
    from dataclasses import asdict

    train = {
        k: v for k, v in asdict(settings).items() if k not in ("out_dir", "resume", "device", "num_workers")
    }
    blob = {"options": {k: v for k, v in opts.items() if k not in DECODE_OPTIONS}, "train": train}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _fold_done(folder: Path, key: str) -> bool:
    marker = folder / "outputs.key"
    return (folder / "outputs.npz").is_file() and marker.is_file() and marker.read_text().strip() == key


def _run_fold(
    opts: dict[str, Any], settings: Any, subject: str, show_progress: bool = False, key: str = ""
) -> None:
    """Train the fold holding out ``subject`` and write its window outputs (module level: runs in workers)."""
    from micropulse.io.atomic import atomic_write

    task = MESpotTask(**opts, test_subjects=[subject])
    out = Path(settings.out_dir) / f"fold-{subject}"
    res = fit(task, replace(settings, out_dir=str(out)), show_progress=show_progress)
    model = task.build_model()
    model.load_state_dict(torch.load(res.model_path, map_location="cpu", weights_only=False)["state_dict"])
    model.eval()
    arrays = {}
    for i, d in enumerate(task.test_videos):
        spot, logits = window_outputs(model, d.feats.features.windows)
        arrays[f"spot{i}"], arrays[f"logits{i}"] = spot, logits
    atomic_write(out / "outputs.npz", lambda f: np.savez(f, **arrays))
    atomic_write(out / "outputs.key", key)  # last: the fold counts as finished for these training options


def _decode(outputs: Any, videos: list[MEVideoData], settings: DecodeSettings) -> pd.DataFrame:
    rows = []
    for i, d in enumerate(videos):
        _, found = decode_intervals(outputs[f"spot{i}"], outputs[f"logits{i}"], settings)
        rows += [{"video": d.video, "onset": iv.onset, "offset": iv.offset, "apex": iv.apex, "type": "me",
                  "emotion": iv.emotion} for iv in found]  # fmt: skip
    return pd.DataFrame(rows, columns=["video", "onset", "offset", "apex", "type", "emotion"])


def _gt_frame(videos: list[MEVideoData]) -> pd.DataFrame:
    rows = [{"video": d.video, "onset": iv.onset, "offset": iv.offset, "apex": iv.apex, "type": "me",
             "emotion": iv.emotion} for d in videos for iv in d.intervals if iv.type == "me"]  # fmt: skip
    return pd.DataFrame(rows, columns=["video", "onset", "offset", "apex", "type", "emotion"])
