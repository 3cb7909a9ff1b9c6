"""spot_video: weights loading, frame mapping back to the source, output files (synthetic video).

The checkpoints here are freshly initialised models saved with metadata: they test shapes, files and
error paths, never accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from micropulse.errors import InputError, NoFaceError, VideoReadError, WeightsError
from micropulse.me.decode import SpottedInterval
from micropulse.me.infer import DecodeSettings
from micropulse.me.models import create_me_model
from micropulse.me.models import weights as MW
from micropulse.pipeline import spot as W
from micropulse.pipeline.spot import CSV_COLUMNS, _decode_settings, spot_video, to_source_intervals

META = {
    "arch": "me-tst", "roi_set": "me-tst", "k": 30, "flow": "dis", "target_fps": 30.0,
    "decode": DecodeSettings(k_p=4, p=0.6).to_dict(), "training_data": "none: random init (test)",
}  # fmt: skip


def save_checkpoint(path: Path, arch: str = "me-tst", meta: dict | None = META, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    sd = create_me_model(arch).state_dict()
    torch.save({"state_dict": sd, "metadata": meta} if meta is not None else sd, path)
    return path


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory) -> Path:
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "model.pt")


@pytest.fixture(scope="session")
def synth_video(tmp_path_factory):
    from micropulse.synth.me_dataset import make_me_video

    return make_me_video(
        tmp_path_factory.mktemp("me_video"), seconds=4.0, size=256, n_micro=2, n_macro=0, seed=1
    )


# ---------------------------------------------------------------------------------------------- weights


def test_micropulse_checkpoint_settings_come_from_metadata(checkpoint):
    net, info = W.load_spot_model(weights=checkpoint)
    assert (info.arch, info.k, info.flow, info.kind) == ("me-tst", 30, "dis", "micropulse")
    assert info.decode["k_p"] == 4 and info.weights == str(checkpoint) and len(info.sha256) == 16
    s = _decode_settings(info, None, None, None, None)
    assert (s.k_p, s.p, s.decoder) == (4, 0.6, "peak")
    s = _decode_settings(info, "extensible", 0.3, 7, 0)
    assert (s.decoder, s.p, s.k_p, s.synergy) == ("extensible", 0.3, 7, 0)
    with pytest.raises(InputError, match="decoder"):
        _decode_settings(info, "argmax", None, None, None)
    with pytest.raises(InputError, match="p must"):
        _decode_settings(info, None, 1.5, None, None)


def test_official_state_dict_with_module_prefix_loads_strictly(tmp_path):
    torch.manual_seed(1)
    ref = create_me_model("me-tst")
    sd = {f"module.{k}": v for k, v in ref.state_dict().items()}
    torch.save(sd, tmp_path / "official.pkl")
    net, info = W.load_spot_model("me-tst", tmp_path / "official.pkl")
    assert info.kind == "state_dict" and info.k == 50 and info.flow == "farneback" and info.decode == {}
    for k, v in ref.state_dict().items():
        assert torch.equal(net.state_dict()[k], v), k
    assert not net.training


def test_key_mismatch_lists_missing_and_unexpected_keys(tmp_path):
    sd = create_me_model("me-tst").state_dict()
    dropped = sorted(sd)[0]
    sd.pop(dropped)
    sd["bogus.weight"] = torch.zeros(3)
    torch.save(sd, tmp_path / "bad.pth")
    with pytest.raises(WeightsError) as exc:
        W.load_spot_model("me-tst", tmp_path / "bad.pth")
    msg = str(exc.value)
    assert dropped in msg and "bogus.weight" in msg and "1 missing" in msg and "1 unexpected" in msg
    assert "bad.pth" in msg


def test_shape_mismatch_garbage_and_wrong_arch_are_weights_errors(tmp_path, checkpoint):
    sd = create_me_model("me-tst").state_dict()
    name = next(k for k, v in sd.items() if v.ndim == 2)
    sd[name] = torch.zeros(sd[name].shape[0] + 1, sd[name].shape[1])
    torch.save(sd, tmp_path / "shape.pth")
    with pytest.raises(WeightsError, match="shape mismatch"):
        W.load_spot_model("me-tst", tmp_path / "shape.pth")
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    with pytest.raises(WeightsError, match="cannot read"):
        W.load_spot_model(weights=tmp_path / "junk.pt")
    with pytest.raises(WeightsError, match="not found"):
        W.load_spot_model(weights=tmp_path / "absent.pt")
    with pytest.raises(WeightsError, match="checkpoint is for model 'me-tst'"):
        W.load_spot_model("me-tst+", checkpoint)


def test_builtin_weights_are_labelled_synthetic(tmp_path, monkeypatch):
    monkeypatch.setattr(MW, "BUILTIN_DIR", tmp_path)
    with pytest.raises(WeightsError, match="no built-in weights"):
        W.load_spot_model()
    save_checkpoint(tmp_path / "me-tst-synthetic.pt")
    _, info = W.load_spot_model()
    assert info.weights == "built-in, trained on synthetic data"


def test_shipped_builtin_checkpoint_state():
    """Either the shipped checkpoint loads strictly, or its absence is a clear WeightsError (no skip)."""
    path = MW.BUILTIN_DIR / "me-tst-synthetic.pt"
    if path.is_file():
        _, info = W.load_spot_model()
        assert info.arch == "me-tst" and info.weights == MW.BUILTIN_LABEL and info.kind == "micropulse"
    else:
        with pytest.raises(WeightsError, match="--weights"):
            W.load_spot_model()


# ---------------------------------------------------------------------------------------------- mapping


def test_grid_frames_map_back_to_source_frames():
    found = [SpottedInterval(onset=10, offset=20, apex=14, score=0.71234567, emotion="surprise")]
    (iv,) = to_source_intervals(found, frame_skip=7, fps=200.0)
    assert (iv.onset_frame, iv.apex_frame, iv.offset_frame) == (70, 98, 140)
    assert iv.onset_s == pytest.approx(0.35) and iv.offset_s == pytest.approx(0.7)
    assert iv.emotion == "surprise" and iv.score == pytest.approx(0.71235)
    (iv,) = to_source_intervals(found, frame_skip=1, fps=30.0)
    assert (iv.onset_frame, iv.offset_frame, iv.offset_s) == (10, 20, pytest.approx(20 / 30, abs=1e-4))
    with pytest.raises(InputError):
        to_source_intervals(found, frame_skip=0, fps=30.0)


# ---------------------------------------------------------------------------------------------- end to end


def test_spot_synthetic_video_writes_outputs(synth_video, checkpoint, tmp_path):
    from micropulse.me.score import megc_score, read_intervals_csv

    res = spot_video(synth_video.path, weights=checkpoint, out_dir=tmp_path)
    n = synth_video.n_frames
    assert res.fps == 30.0 and res.frame_skip == 1 and res.face_coverage > 0.9
    assert res.scores.shape == res.frames.shape == res.times.shape and len(res.scores) <= n
    assert np.all(np.isfinite(res.scores)) and np.all((res.scores >= 0) & (res.scores <= 1))
    assert res.threshold >= float(res.smoothed.mean())
    for iv in res.intervals:
        assert 0 <= iv.onset_frame <= iv.apex_frame <= iv.offset_frame < n
        assert iv.onset_s == pytest.approx(iv.onset_frame / 30.0, abs=1e-4)
    stem = synth_video.path.stem
    csv, js, png = (tmp_path / f"{stem}.intervals.csv", tmp_path / f"{stem}.json", tmp_path / f"{stem}.png")
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    pred = read_intervals_csv(csv)  # a megc-score prediction file as written
    assert list(pred.columns) == list(CSV_COLUMNS) and len(pred) == len(res.intervals)
    assert (pred["onset"] == pred["onset_frame"]).all() and (pred["video"] == stem).all()
    gt = read_intervals_csv(synth_video.path.parent / "intervals.csv")
    score = megc_score(gt, pred)  # scoring runs; no accuracy is claimed for random weights
    assert score.spotting.tp + score.spotting.fn == len(gt)
    summary = json.loads(js.read_text())
    assert summary["n_intervals"] == len(res.intervals) and summary["weights"] == str(checkpoint)
    assert summary["model"]["k"] == 30 and summary["decode"]["k_p"] == 4
    assert len(summary["curve"]["score"]) == len(res.scores)


def test_array_input_too_short_and_faceless(synth_video, checkpoint):
    from micropulse.io import open_video

    with open_video(synth_video.path) as src:
        frames = np.stack([f.rgb for _, f in zip(range(20), src, strict=False)])
    with pytest.raises(InputError, match="too short"):
        spot_video(frames, weights=checkpoint, fps=30.0)
    with pytest.raises(NoFaceError):
        spot_video(np.full((12, 96, 96, 3), 128, np.uint8), weights=checkpoint, fps=30.0)
    with pytest.raises(VideoReadError, match="not found"):
        spot_video(synth_video.path.parent / "absent.mp4", weights=checkpoint)


def test_builtin_result_says_synthetic_and_plots_without_thumbnail(tmp_path):
    from micropulse.pipeline.spot import SpotInterval, SpotResult, write_spot_outputs

    info = MW.MEWeightsInfo("me-tst", MW.BUILTIN_LABEL, "micropulse", "me-tst", 50, "farneback")
    frames = np.arange(100)
    scores = 0.2 + 0.6 * np.exp(-(((frames - 40) / 4.0) ** 2))
    res = SpotResult(
        video="clip.mp4", intervals=(SpotInterval(34, 40, 46, 34 / 30, 46 / 30, None, 0.7),), frames=frames,
        times=frames / 30.0, scores=scores, smoothed=scores, threshold=0.5, fps=30.0, frame_skip=1,
        face_coverage=1.0, n_frames=100, model=info, decode=DecodeSettings().to_dict(),
    )  # fmt: skip
    d = res.to_dict(include_curve=False)
    assert d["weights"] == "built-in, trained on synthetic data" and "synthetic" in d["note"]
    assert "curve" not in d and res.to_dict()["curve"]["frame"][-1] == 99
    paths = write_spot_outputs(res, tmp_path, "clip")
    assert paths["png"].stat().st_size > 10_000
    row = paths["csv"].read_text().splitlines()[1].split(",")
    assert row[:4] == ["clip", "34", "40", "46"] and row[6] == ""  # no emotion voted -> empty cell
