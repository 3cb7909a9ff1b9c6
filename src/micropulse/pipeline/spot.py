"""Spot micro-expressions in any face video: ``micropulse spot`` / :func:`spot_video`.

video -> ROI flow window features (:mod:`micropulse.me.extract`) -> ME-TST / ME-TST+ window outputs ->
per-video score, intervals and emotions (:mod:`micropulse.me.infer`, specs/micro-expressions.md §4) ->
frames mapped back to the **source** video (the features run on a ~30 fps grid: a 200 fps video keeps
every 7th frame, so grid frame i is source frame ``i * frame_skip``).

Outputs (:func:`write_spot_outputs`): ``<stem>.intervals.csv``, ``<stem>.json`` and ``<stem>.png``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from micropulse.errors import InputError

if TYPE_CHECKING:
    from micropulse.me.models.weights import MEWeightsInfo as SpotModelInfo

#: The weights label of the checkpoint shipped with micropulse (as ``MEWeightsInfo.weights`` says it).
DEFAULT_MODEL = "me-tst"

log = logging.getLogger(__name__)

#: ME-TST on a video's windows is a few hundred tiny ops: measured ~15x faster on 1 thread than on 2 on a
#: busy 2-core machine.
SPOT_THREADS = 1

#: Columns of ``<stem>.intervals.csv``. ``video, onset, apex, offset`` repeat the source frames so that the
#: file is also a prediction file for ``micropulse megc-score`` (:func:`micropulse.me.score.read_intervals_csv`).
CSV_COLUMNS = (
    "video", "onset_frame", "apex_frame", "offset_frame", "onset_s", "offset_s", "emotion", "score",
    "onset", "apex", "offset",
)  # fmt: skip


@dataclass(frozen=True)
class SpotInterval:
    """One spotted expression. Frames are 0-based inclusive SOURCE video frames; times in seconds.

    ``score`` is the smoothed spotting score at the peak (0-1); ``emotion`` the voted class or ``None``.
    """

    onset_frame: int
    apex_frame: int
    offset_frame: int
    onset_s: float
    offset_s: float
    emotion: str | None
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class SpotResult:
    """Micro-expressions spotted in one video.

    Attributes:
        video: the file (or ``name`` for an array).
        intervals: the spotted expressions, source frames.
        frames: source frame number of each point of the score curve.
        times: the same in seconds (``frames / fps``).
        scores: per-frame spotting score (model output, 0-1) on the ~30 fps grid.
        smoothed: the score after the decoder's box smoothing (width 2·k_p).
        threshold: the peak threshold on ``smoothed`` (max of the relative threshold and ``min_peak``).
        fps: source frame rate (Hz). frame_skip: source frames per grid frame.
        face_coverage: fraction of the kept frames with a tracked face.
        n_frames: frames kept on the grid.
        model: model, weights and feature settings. decode: the decoding settings used.
        thumbnail: face crop (RGB uint8) of the first tracked frame, or None.
        face_found: per point of the score curve, True where the face was tracked (None: not known).
            Scores are 0 where it was not, and no interval starts or ends there.
    """

    video: str
    intervals: tuple[SpotInterval, ...]
    frames: np.ndarray
    times: np.ndarray
    scores: np.ndarray
    smoothed: np.ndarray
    threshold: float
    fps: float
    frame_skip: int
    face_coverage: float
    n_frames: int
    model: SpotModelInfo
    decode: dict[str, Any]
    thumbnail: np.ndarray | None = field(default=None, repr=False, compare=False)
    face_found: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def synthetic_weights(self) -> bool:
        return self.model.builtin

    def face_segments(self) -> list[dict[str, Any]]:
        """The stretches of the score curve where the face was tracked, in source frames and seconds."""
        from micropulse.me.decode import face_runs

        found = np.ones(len(self.frames), bool) if self.face_found is None else self.face_found
        return [
            {"onset_frame": int(self.frames[a]), "offset_frame": int(self.frames[b]),
             "onset_s": round(float(self.times[a]), 4), "offset_s": round(float(self.times[b]), 4)}
            for a, b in face_runs(found)
        ]  # fmt: skip

    def overlapping(self) -> list[tuple[int, int]]:
        """Index pairs of intervals that share frames (the peak decoder keeps them, as ME-TST does)."""
        from micropulse.me.decode import overlapping_pairs

        return overlapping_pairs([(iv.onset_frame, iv.offset_frame) for iv in self.intervals])

    def to_dict(self, include_curve: bool = True) -> dict[str, Any]:
        """JSON-ready summary (the curve as lists unless ``include_curve`` is False)."""
        out: dict[str, Any] = {
            "video": self.video,
            "n_intervals": len(self.intervals),
            "intervals": [iv.to_dict() for iv in self.intervals],
            "fps": self.fps,
            "frame_skip": self.frame_skip,
            "effective_fps": self.fps / self.frame_skip,
            "n_frames_analysed": self.n_frames,
            "duration_s": self.n_frames * self.frame_skip / self.fps,
            "face_coverage": self.face_coverage,
            "face_segments": self.face_segments(),
            "overlapping_intervals": [list(pair) for pair in self.overlapping()],
            "threshold": self.threshold,
            "weights": self.model.weights,
            "model": self.model.to_dict(),
            "decode": dict(self.decode),
            "units": {"frames": "source video frames, 0-based inclusive", "times": "s", "score": "0-1"},
        }
        if self.synthetic_weights:
            out["note"] = (
                "weights trained on synthetic videos only: intervals are not validated on real faces"
            )
        if include_curve:
            out["curve"] = {
                "frame": self.frames.astype(int).tolist(),
                "time_s": np.round(self.times, 4).tolist(),
                "score": np.round(self.scores, 5).tolist(),
            }
            if self.face_found is not None:
                out["curve"]["face_found"] = [bool(v) for v in self.face_found]
        return out


def _check_decode_values(p: float | None, k_p: int | None, synergy: int | None) -> None:
    """Refuse bad decoding values (None = not given); run before any video is opened or model loaded."""
    if p is not None and not 0.0 <= p <= 1.0:
        raise InputError(f"threshold fraction p must lie in [0, 1] (--p), got {p}")
    if k_p is not None and k_p < 1:
        raise InputError(f"k_p must be >= 1 frame (--k-p), got {k_p}")
    if synergy is not None and synergy not in (0, 1, 2):
        raise InputError(f"synergy must be 0, 1 or 2 (--synergy), got {synergy}")


def _decode_settings(info: SpotModelInfo, decoder, p, k_p, synergy):  # noqa: ANN001, ANN202
    from micropulse.me.infer import DecodeSettings

    known = {f.name for f in fields(DecodeSettings)}
    base = DecodeSettings(**{k: v for k, v in info.decode.items() if k in known})
    overrides = {"decoder": decoder, "p": p, "k_p": k_p, "synergy": synergy}
    s = replace(base, **{k: v for k, v in overrides.items() if v is not None})
    _check_decoder(s.decoder)
    _check_decode_values(s.p, s.k_p, s.synergy)
    return s


def _check_decoder(name: str) -> None:
    """An unknown decoder is a bad setting (InputError naming ``--decoder`` and the known decoders)."""
    from micropulse.errors import UnknownNameError
    from micropulse.me.infer import get_decoder

    try:
        get_decoder(name)
    except UnknownNameError as exc:
        raise InputError(f"--decoder: {exc}") from None


def spot_video(
    path: str | Path | np.ndarray,
    model: str | None = None,
    weights: str | Path | None = None,
    out_dir: str | Path | None = None,
    decoder: str | None = None,
    p: float | None = None,
    k_p: int | None = None,
    synergy: int | None = None,
    flow: str | None = None,
    fps: float | None = None,
    name: str | None = None,
    show_progress: bool = False,
    threads: int = 2,
) -> SpotResult:
    """Spot micro-expressions in a video; optionally write the CSV / JSON / PNG outputs to ``out_dir``.

    Args:
        path: a video file, a frame folder, or a uint8 array (T, H, W, 3) RGB (then ``fps`` is required).
        model: ``"me-tst"`` / ``"me-tst+"``; None = the checkpoint's architecture (``me-tst`` by default).
        weights: a micropulse ``model.pt`` or an official state dict (.pkl/.pth); None = the built-in
            checkpoint (trained on synthetic videos only).
        out_dir: folder for ``<stem>.intervals.csv``, ``<stem>.json``, ``<stem>.png``; None = write nothing.
        decoder: ``"peak"`` (ME-TST, §4.2) or ``"extensible"`` (BoostingVRME, §4.3); None = checkpoint's.
        p: threshold fraction in [0, 1] (None = checkpoint's, else 0.55).
        k_p: decoder half-width in grid frames (None = checkpoint's, else 6).
        synergy: emotion mode 0/1/2 (§4.4; 1 drops intervals voted neutral). None = checkpoint's.
        flow: ``"farneback"`` (published) or ``"dis"`` (fast); None = the checkpoint's.
        fps: frame rate (Hz) for arrays / frame folders; overrides a file's rate.
        name: the video's name in the outputs (default: the file stem, ``"video"`` for arrays).
        show_progress: draw a progress bar over the frames.
        threads: windows featurised in parallel (the results do not depend on it).

    Raises:
        NoFaceError: no face on any frame. VideoReadError: missing / undecodable file.
        WeightsError: weights absent or not matching the model. InputError: bad settings, video too short,
        an ``out_dir`` that cannot be written. Options, ``out_dir`` and the file are checked before the model
        loads and before any frame is analysed.
    """
    # Cheap checks first: bad options, an unwritable output folder and a missing / empty / unreadable
    # video fail in well under a second, before the heavy imports, the model and the video analysis.
    _check_decode_values(p, k_p, synergy)
    if out_dir is not None:
        from micropulse.io.paths import check_output_dir

        check_output_dir(out_dir, "spot outputs")
    from micropulse.io import open_video

    source = open_video(path, fps=fps)
    from micropulse.me import decode as D
    from micropulse.me.extract import FeatureConfig, extract_me_features
    from micropulse.me.infer import decode_video
    from micropulse.me.models import window_outputs

    if decoder is not None:
        _check_decoder(decoder)  # before the model loads
    net, info = load_spot_model(model, weights)
    settings = _decode_settings(info, decoder, p, k_p, synergy)
    use_flow = flow or info.flow
    if use_flow != info.flow:
        log.warning("flow %r differs from the flow the weights were trained with (%r)", use_flow, info.flow)
    is_array = isinstance(path, np.ndarray)
    label = name or ("video" if is_array else Path(path).stem)
    cfg = FeatureConfig(roi_set=info.roi_set, k=info.k, flow=use_flow)
    feats = extract_me_features(source, cfg, show_progress=show_progress, threads=threads)
    vf = feats.features
    if len(vf.windows) == 0:
        need = info.k * feats.frame_skip
        raise InputError(
            f"video too short to spot: {vf.n_frames} frame(s) on the {feats.effective_fps:.1f} fps grid, "
            f"need at least {info.k} (= {need} source frames, {need / feats.fps:.2f} s)",
            None if is_array else path,
        )
    spot_w, logit_w = window_outputs(net, vf.windows, threads=SPOT_THREADS)
    face = None
    if feats.face_found is not None:
        # Where no face was tracked the model saw no face: its score there is zeroed before decoding (so it
        # neither makes peaks nor sets the threshold), and intervals are kept inside the face stretches.
        idx = np.asarray(vf.starts)[:, None] + np.arange(vf.k)[None, :]
        spot_w = D.mask_no_face(spot_w, feats.face_found[idx])
    scores, found = decode_video(spot_w, logit_w, settings)
    if feats.face_found is not None:
        face = feats.face_found[: len(scores)]
        found = D.keep_in_face(found, face)
    smoothed = D.smooth_scores(scores, settings.k_p)
    threshold = max(D.peak_threshold(smoothed, settings.p), settings.min_peak)
    skip, src_fps = feats.frame_skip, feats.fps
    frames = np.arange(len(scores), dtype=np.int64) * skip
    intervals = to_source_intervals(found, skip, src_fps)
    result = SpotResult(
        video=label if is_array else str(path),
        intervals=intervals,
        frames=frames,
        times=frames / src_fps,
        scores=np.asarray(scores, np.float64),
        smoothed=smoothed,
        threshold=float(threshold),
        fps=src_fps,
        frame_skip=skip,
        face_coverage=float(feats.face_coverage),
        n_frames=int(vf.n_frames),
        model=replace(info, flow=use_flow),
        decode=settings.to_dict() | {"overlaps": D.OVERLAP_RULES.get(settings.decoder, "")},
        thumbnail=feats.thumbnail,
        face_found=face,
    )
    if out_dir is not None:
        write_spot_outputs(result, out_dir, label)
    return result


def load_spot_model(model: str | None = None, weights: str | Path | None = None):  # noqa: ANN201 - torch module
    """The micro-expression model for spotting, with its weights (``micropulse.me.create_model``).

    Args:
        model: registered ME model name; ``None`` = the checkpoint's own model (``me-tst`` for the built-in).
        weights: a checkpoint path; ``None`` = the built-in synthetic-data checkpoint of ``model``.

    Returns:
        ``(model in eval mode, its MEWeightsInfo)``.
    """
    from micropulse.me import create_model
    from micropulse.me.models import read_checkpoint

    if weights is None:
        net = create_model(model or DEFAULT_MODEL, "builtin")
    else:
        arch = model if model is not None else read_checkpoint(weights)[1].arch
        net = create_model(arch, weights)
    return net, net.weights_info


def to_source_intervals(found: Sequence[Any], frame_skip: int, fps: float) -> tuple[SpotInterval, ...]:
    """Map decoded intervals (``onset/apex/offset`` on the ~30 fps grid) to source frames and seconds.

    Grid frame i is source frame ``i * frame_skip``; its time is ``i * frame_skip / fps`` (s).
    """
    if frame_skip < 1 or not fps > 0:
        raise InputError(f"need frame_skip >= 1 and fps > 0, got {frame_skip}, {fps}")
    return tuple(
        SpotInterval(
            onset_frame=int(iv.onset) * frame_skip,
            apex_frame=int(iv.apex) * frame_skip,
            offset_frame=int(iv.offset) * frame_skip,
            onset_s=round(int(iv.onset) * frame_skip / fps, 4),
            offset_s=round(int(iv.offset) * frame_skip / fps, 4),
            emotion=iv.emotion,
            score=round(float(iv.score), 5),
        )
        for iv in found
    )


def intervals_table(result: SpotResult, video: str):  # noqa: ANN201 - pandas imported lazily
    """The intervals as a DataFrame with :data:`CSV_COLUMNS` (empty emotion = none voted)."""
    import pandas as pd

    rows = [
        {
            **iv.to_dict(),
            "video": video,
            "onset": iv.onset_frame,
            "apex": iv.apex_frame,
            "offset": iv.offset_frame,
        }
        for iv in result.intervals
    ]
    return pd.DataFrame(rows, columns=list(CSV_COLUMNS))


def write_spot_outputs(result: SpotResult, out_dir: str | Path, stem: str) -> dict[str, Path]:
    """Write ``<stem>.intervals.csv``, ``<stem>.json`` and ``<stem>.png`` into ``out_dir``; returns the paths."""
    import json

    from micropulse.pipeline.spot_plot import plot_spot

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / f"{stem}.intervals.csv", "json": out / f"{stem}.json", "png": out / f"{stem}.png"}
    intervals_table(result, stem).to_csv(paths["csv"], index=False)
    summary = result.to_dict() | {"outputs": {k: str(v) for k, v in paths.items()}}
    paths["json"].write_text(json.dumps(summary, indent=2) + "\n")
    plot_spot(result, paths["png"])
    return paths
