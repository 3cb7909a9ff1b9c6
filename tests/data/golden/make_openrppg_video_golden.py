"""Make the open-rppg real-video golden file (run ONCE, by hand, outside the project venv).

``openrppg_video_golden.json`` records what open-rppg 0.1.1's OWN pipeline does on the real clips in
``../shared/data/video``: for each clip and each of ``RhythmMamba.pure``, ``RhythmMamba.rlap``, ``PhysNet.pure``
and ``PhysNet.rlap`` it runs ``rppg.Model(name).process_video(path)`` and reads ``.bvp()``, ``.bvp(raw=True)``
and ``.hr()``. Nothing of open-rppg is edited: a few of its methods are wrapped (each wrapper calls the
original and writes down its inputs and outputs), so the run is open-rppg's code path, threads included.

Recorded per decoded frame (clip-level ``t``: video time in s, PyAV ``frame.time`` as open-rppg reads it),
per model from that model's first run (``frames``):

* ``det``: "1" where the detector ran (see the schedule below);
* ``raw``: the BlazeFace detection open-rppg keeps (the first one its NMS returns) in frame pixels as the decoded box
  ``[cx, cy, w, h, score]`` — recovered exactly from the box it returns, which is already transformed to
  ``x = cx -+ 0.45 w, y = cy - 0.6 h .. cy + 0.5 h`` — or null when no face scored > 0.5;
* ``kp``: the six BlazeFace keypoints of that detection (x, y pairs, frame pixels);
* ``box_in``: the integer box passed to its Kalman step (rounded, negatives set to 0) as x1, y1, x2, y2;
* ``crop``: the box actually used to cut the face (Kalman-smoothed, moved only past its 2% rule) as
  x1, y1, x2, y2 in frame pixels (the slice ``frame[y1:y2, x1:x2]``; null before the first face);
* ``hasface``: "1"/"0", the mask open-rppg multiplies the model output with;
* ``rep``: how many model-rate frames this decoded frame became (0 = dropped, 2+ = repeated): open-rppg's
  nearest-in-time resampling to the model's 30 fps.

Per clip x model: the model meta (fps, input shape, cumsum_output), the model-rate timestamps and raw BVP
(``signal_buff['bvp']``, i.e. the network output times the face mask), ``bvp(raw=True)`` when it differs
from that, the processed ``bvp()``, HR, SQI and open-rppg's frame statistics. Every model is run twice in
fresh ``Model`` objects to check determinism (both HRs and the largest BVP difference are recorded).

What open-rppg's code does, as read in ``rppg/main.py`` and seen in these runs (facts for the tests):

* Detector: ``weights/blaze_face.onnx`` is MediaPipe's short-range BlazeFace (input 1x128x128x3 in [-1, 1],
  896 anchors from strides 8/16/16/16, two per cell, offset 0.5, fixed size; run through ai-edge-litert on the
  same tensors, mediapipe 0.10.21's ``face_detection_short_range.tflite`` gives the same outputs to 3e-4).
  open-rppg letterboxes the frame itself (``cv2.resize`` bilinear, zero padding), keeps scores > 0.5, runs a
  "hard NMS (IoU 0.3)" and takes the first box it returns; mediapipe's graph uses a weighted NMS. Read
  closely (and confirmed against ``raw`` to 0.005 px by micropulse.face.blazeface on the H.264 clips), that
  NMS indexes the (K, 1) score array so that it always returns the first anchor (lowest index) scoring > 0.5,
  not the top-scoring one.
* Detector schedule: meant to be every 5th frame, but the frame counter is read late (``lambda:
  detect(self.face_detect_count, ...)`` runs in a worker thread after the main thread has moved on), so which
  frames are detected on changes from run to run (``runs_det``), and so do the smoothed boxes slightly.
* Kalman step: one 1-D filter per corner coordinate (process noise 0.01, measurement noise 0.5, time-scaled by
  ``dt / (1/30)``), the first detection taken as is; the filters are stepped on every frame (between detections
  with the last raw box), but the crop box can change only on a detection frame, and only when
  ``max(|d cy| / ((y1 + x1) / 2), |d cx| / ((y2 + x2) / 2)) > 0.02`` (the centre shift divided by the mean of
  corner coordinates, not by the box size — ``np.mean(self.box, axis=0)`` on the ``((y1, y2), (x1, x2))`` array).
* Face mask (``hasface``): set on a detection; on a miss it is cleared at once when the last raw box has a corner
  at <= 5% or >= 95% of the MODEL input size in pixels (e.g. y2 >= 121.6 for 128-pixel models), which holds for
  any real face, so in practice a missed detection zeroes the output until the next hit. Before the first
  detection frames get a black crop and a zero mask.
* ``hr()`` also computes HRV (heartpy) when its SQI is > 0.5 and returns HR None when that fails (too few
  beats); ``hr_no_hrv`` is ``hr(return_hrv=False)``, the HR its spectrum gives all the same.
* A clip shorter than one model chunk (160 frames for RhythmMamba, 128 for PhysNet, at 30 fps) yields no signal
  at all: the tail chunk is only appended to an existing signal, so ``hr()`` is None.

Run-to-run spread (this file's two runs plus two runs of an earlier execution, 4 per policy): on
WolfgangLanger_Pexels RhythmMamba.pure 46.7-48.6 bpm, PhysNet.pure 48.9-50.0, PhysNet.rlap 68.9-72.0, but
RhythmMamba.rlap 53.0-79.5; on face_noface RhythmMamba.pure ``hr_no_hrv`` 65.3-106.7. Tests should compare with
a tolerance that covers open-rppg's own spread, or only where that spread is small.

Keras precision: open-rppg sets Keras' global policy to ``mixed_float16`` at import, so its own answers
are computed in float16 activations. The golden's main results are that, as shipped ("mixed_float16").
The same pipeline is then run with the policy reset to ``float32`` (what micropulse computes in) and
recorded beside them under ``float32``: the HR difference between the two tells how much the precision
alone moves open-rppg's answer.

How it was run (throwaway venv, never the project's), 2026-12-03, 2-core CPU, no GPU::

    python3.11 -m venv /tmp/orv
    /tmp/orv/bin/pip install jax keras einops h5py onnxruntime av heartpy "numpy<2.3" "setuptools<81" \\
        opencv-python-headless scipy
    # got: jax 0.10.2, jaxlib 0.10.2, keras 3.15.1, onnxruntime 1.32.0, av 18.1.0, heartpy 1.2.7,
    #      numpy 2.2.6, scipy 1.17.1, opencv-python-headless 5.1.0 (cv2 5.1.0), h5py 3.16.0, einops 0.8.2
    pip download --no-deps open-rppg==0.1.1 -d /tmp/openrppg && unzip the wheel into /tmp/openrppg/x
    KERAS_BACKEND=jax /tmp/orv/bin/python tests/data/golden/make_openrppg_video_golden.py /tmp/openrppg/x \\
        ../shared/data/video

``KERAS_BACKEND=jax`` is required (open-rppg jit-compiles its Keras models with jax; Keras' default backend
is TensorFlow, which open-rppg does not install); the script sets it when it is unset.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "openrppg_video_golden.json"
CLIPS = ("single_face.mp4", "face_noface.mov", "WolfgangLanger_Pexels.mp4", "no_face.mp4")
MODELS = ("RhythmMamba.pure", "RhythmMamba.rlap", "PhysNet.pure", "PhysNet.rlap")
#: The loaders behind each model name (their lru_cache must be cleared to rebuild under another policy).
LOADERS = {
    "RhythmMamba.pure": "load_RhythmMamba_pure",
    "RhythmMamba.rlap": "load_RhythmMamba_rlap",
    "PhysNet.pure": "load_PhysNet_pure",
    "PhysNet.rlap": "load_PhysNet_rlap",
}
POLICIES = ("mixed_float16", "float32")
RUNS = 2


def r(x: Any, nd: int = 2) -> Any:
    """Round floats (recursively) for a compact JSON; NaN/inf become None."""
    if isinstance(x, (list, tuple)):
        return [r(v, nd) for v in x]
    if isinstance(x, dict):
        return {k: r(v, nd) for k, v in x.items()}
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return None if not math.isfinite(x) else round(x, nd)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.ndarray):
        return r(x.tolist(), nd)
    return x


class Recorder:
    """Wraps open-rppg methods (class attributes) and writes down, per frame timestamp, what they saw."""

    def __init__(self, main: Any) -> None:
        self.main = main
        self.lock = threading.Lock()
        self.local = threading.local()
        self.frames: dict[float, dict[str, Any]] = {}
        self.order: list[float] = []
        self.shape: tuple[int, ...] | None = None
        self._install()

    def reset(self) -> None:
        self.frames, self.order, self.shape = {}, [], None

    def _install(self) -> None:
        model_cls, det_cls = self.main.Model, self.main.FaceDetector
        rec = self
        orig_detect = det_cls.detect
        orig_frame = model_cls.update_frame
        orig_kalman = model_cls._Model__update_Kalman
        orig_box = model_cls._Model__update_frame_box
        orig_resized = model_cls.update_face_resized

        def detect(self_det, image):  # noqa: ANN001, ANN202 - open-rppg objects
            out = orig_detect(self_det, image)
            rec.local.detection = out
            return out

        def update_frame(self_m, frame, ts=None):  # noqa: ANN001, ANN202
            with rec.lock:
                if ts in rec.frames:
                    raise RuntimeError(f"duplicate frame time {ts}: frames cannot be keyed by time")
                rec.frames[ts] = {"t": ts}
                rec.order.append(ts)
                rec.shape = tuple(frame.shape)
            return orig_frame(self_m, frame, ts)

        def update_kalman(self_m, frame, ts, box=np.array([]), dt=1 / 30):  # noqa: ANN001, ANN202
            entry: dict[str, Any] = {"det": not isinstance(box, str)}
            if entry["det"]:
                found = getattr(rec.local, "detection", [])
                rec.local.detection = []
                entry["n_faces"] = len(found)
                if len(found):
                    (x1, y1, x2, y2), kp, score = found[0]
                    w, h = (x2 - x1) / 0.9, (y2 - y1) / 1.1  # invert open-rppg's 0.45/0.6/0.5 box rule
                    entry["raw"] = [(x1 + x2) / 2, y1 + 0.6 * h, w, h, float(score)]
                    entry["kp"] = np.asarray(kp, float).reshape(-1).tolist()
                    b = np.asarray(box)  # ((y1, y2), (x1, x2)) ints, before open-rppg clamps negatives
                    entry["box_in"] = [
                        max(int(b[1, 0]), 0),
                        max(int(b[0, 0]), 0),
                        max(int(b[1, 1]), 0),
                        max(int(b[0, 1]), 0),
                    ]
            with rec.lock:
                rec.frames[ts].update(entry)
            return orig_kalman(self_m, frame, ts, box, dt)

        def update_frame_box(self_m, frame, ts=None, box=np.array([]), dt=1 / 30):  # noqa: ANN001, ANN202
            out = orig_box(self_m, frame, ts, box, dt)
            crop = None
            if box is not None:
                b = np.asarray(box)
                crop = [int(b[1, 0]), int(b[0, 0]), int(b[1, 1]), int(b[0, 1])]
            with rec.lock:
                rec.frames[ts].update({"crop": crop, "hasface": bool(out[2])})
            return out

        def update_face_resized(self_m, face_img, ts=None, hasface=True):  # noqa: ANN001, ANN202
            before = len(self_m.ts)
            out = orig_resized(self_m, face_img, ts=ts, hasface=hasface)
            with rec.lock:
                if ts in rec.frames:
                    rec.frames[ts]["rep"] = len(self_m.ts) - before
            return out

        det_cls.detect = detect
        model_cls.update_frame = update_frame
        model_cls._Model__update_Kalman = update_kalman
        model_cls._Model__update_frame_box = update_frame_box
        model_cls.update_face_resized = update_face_resized


def run_once(rppg: Any, rec: Recorder, name: str, path: Path) -> dict[str, Any]:
    """One fresh ``Model(name).process_video(path)`` with everything it produced."""
    rec.reset()
    model = rppg.Model(name)
    t0 = time.time()
    result = model.process_video(str(path))
    seconds = time.time() - t0
    # hr() also computes HRV with heartpy when SQI > 0.5 and answers None when that fails (too few beats);
    # the same call without HRV gives the HR open-rppg's spectrum holds.
    plain = model.hr(return_hrv=False) if model.has_signal else None
    frames = [rec.frames[t] for t in rec.order]
    signals, ts = model.collect_signals()
    raw = np.asarray(signals.get("bvp", []), np.float64)
    bvp, bvp_ts = model.bvp()
    bvp_raw, _ = model.bvp(raw=True)
    out: dict[str, Any] = {
        "result": None if result is None else {"hr": result["hr"], "sqi": result["SQI"]},
        "hr_no_hrv": None if plain is None else plain["hr"],
        "hrv": None if result is None else result.get("hrv") or {},
        "statistic": dict(model.statistic),
        "meta": {
            "fps": model.meta["fps"],
            "input": list(model.meta["input"]),
            "cumsum_output": bool(model.meta.get("cumsum_output", False)),
        },
        "frames": frames,
        "frame_shape": list(rec.shape) if rec.shape else None,
        "model_ts": [] if ts is None else np.asarray(ts, np.float64),
        "bvp_model": raw,
        "bvp_raw": np.asarray(bvp_raw, np.float64),
        "bvp": np.asarray(bvp, np.float64),
        "bvp_ts": np.asarray(bvp_ts, np.float64),
        "seconds": seconds,
    }
    return out


def frame_table(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-frame record of one run: detector output, Kalman input, crop box, face mask, repeat count.

    The detector schedule differs from run to run (see the module docstring), so each model keeps the
    table of its own first run rather than sharing one per clip."""
    det = [bool(f.get("det", False)) for f in frames]
    return {
        "det": "".join("1" if d else "0" for d in det),
        "n_faces": [f.get("n_faces") if d else None for f, d in zip(frames, det, strict=True)],
        "raw": [r(f["raw"], 2) if "raw" in f else None for f in frames],
        "kp": [r(f["kp"], 1) if "kp" in f else None for f in frames],
        "box_in": [f.get("box_in") for f in frames],
        "crop": [f.get("crop") for f in frames],
        "hasface": "".join("1" if f.get("hasface") else "0" for f in frames),
        "rep": "".join(str(min(int(f.get("rep", 0)), 9)) for f in frames),
    }


def iou(a: list[int] | None, b: list[int] | None) -> float | None:
    """IoU of two x1, y1, x2, y2 boxes (None when either is missing)."""
    if a is None or b is None:
        return None
    iw = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else None


def crop_agreement(frames: list[dict[str, Any]], ref: list[list[int] | None]) -> dict[str, Any]:
    """Median and minimum per-frame IoU of a run's crop boxes against a reference run's."""
    vals = [v for v in (iou(f.get("crop"), b) for f, b in zip(frames, ref, strict=True)) if v is not None]
    if not vals:
        return {"median_iou": None, "min_iou": None, "frames": 0}
    return {"median_iou": float(np.median(vals)), "min_iou": float(np.min(vals)), "frames": len(vals)}


def summary(frames: list[dict[str, Any]], shape: list[int] | None) -> dict[str, Any]:
    """How often open-rppg detects and how big its crop box is relative to the frame."""
    n = len(frames)
    det = [f for f in frames if f.get("det")]
    hit = [f for f in det if "raw" in f]
    crops = np.array([f["crop"] for f in frames if f.get("crop")], float)
    out: dict[str, Any] = {"frames": n, "detector_runs": len(det), "detections": len(hit)}
    if crops.size and shape:
        h, w = shape[0], shape[1]
        cw = np.minimum(crops[:, 2], w) - crops[:, 0]
        ch = np.minimum(crops[:, 3], h) - crops[:, 1]
        out.update(
            crop_frames=int(len(crops)),
            mean_crop_w_frac=float(np.mean(cw) / w),
            mean_crop_h_frac=float(np.mean(ch) / h),
            mean_crop_aspect_w_over_h=float(np.mean(cw / ch)),
            distinct_crop_boxes=int(len({tuple(c) for c in crops.tolist()})),
        )
    if hit:
        raw = np.array([f["raw"] for f in hit])
        out.update(
            mean_raw_w_px=float(raw[:, 2].mean()),
            mean_raw_h_px=float(raw[:, 3].mean()),
            mean_score=float(raw[:, 4].mean()),
        )
    return r(out, 4)


def main(pkg_dir: str, video_dir: str) -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    sys.path.insert(0, str(Path(pkg_dir).resolve()))
    import jax
    import keras
    import rppg.main as orm
    import rppg.models as ormodels

    import rppg

    logging_quiet()
    rec = Recorder(orm)
    versions = {"open-rppg": "0.1.1", "jax": jax.__version__, "keras": keras.__version__}
    for mod in ("onnxruntime", "av", "cv2", "numpy", "scipy", "heartpy"):
        versions[mod] = getattr(__import__(mod), "__version__", "?")
    golden: dict[str, Any] = {
        "made_by": "tests/data/golden/make_openrppg_video_golden.py",
        "versions": versions,
        "cpu_count": os.cpu_count(),
        "default_policy_at_import": str(keras.mixed_precision.global_policy().name),
        "clips": {},
    }
    for clip in CLIPS:
        golden["clips"][clip] = {"models": {}}
    for policy in POLICIES:
        keras.mixed_precision.set_global_policy(policy)
        for name in MODELS:
            getattr(ormodels, LOADERS[name]).cache_clear()  # rebuild the network under this policy
            for clip in CLIPS:
                path = Path(video_dir) / clip
                entry = golden["clips"][clip]
                runs = [run_once(rppg, rec, name, path) for _ in range(RUNS)]
                first = runs[0]
                print(
                    f"{clip} {name} {policy}: HR {[x['result'] for x in runs]} ({first['seconds']:.1f} s)",
                    flush=True,
                )
                m = entry["models"].setdefault(name, {})
                entry.setdefault("frame_shape", first["frame_shape"])
                entry.setdefault("t", r([f["t"] for f in first["frames"]], 5))
                if "frames" not in m:  # the first run of this model (policy mixed_float16, as shipped)
                    m["meta"] = first["meta"]
                    m["statistic"] = first["statistic"]
                    m["summary"] = summary(first["frames"], first["frame_shape"])
                    m["frames"] = frame_table(first["frames"])
                ref = m["frames"]["crop"]
                agree = [crop_agreement(x["frames"], ref) for x in runs]
                bvp_diff = [
                    float(np.max(np.abs(x["bvp_model"] - first["bvp_model"])))
                    if x["bvp_model"].shape == first["bvp_model"].shape and x["bvp_model"].size
                    else None
                    for x in runs[1:]
                ]
                res = {
                    "hr": first["result"]["hr"] if first["result"] else None,
                    "sqi": first["result"]["sqi"] if first["result"] else None,
                    "hr_runs": [x["result"]["hr"] if x["result"] else None for x in runs],
                    "sqi_runs": [x["result"]["sqi"] if x["result"] else None for x in runs],
                    "hr_no_hrv_runs": [x["hr_no_hrv"] for x in runs],
                    "runs_det": [frame_table(x["frames"])["det"] for x in runs],
                    "runs_crop_vs_stored": agree,
                    "runs_max_bvp_diff": bvp_diff,
                    "hrv_bpm": (first["hrv"] or {}).get("bpm"),
                    "model_ts": r(first["model_ts"], 5),
                    "bvp_model": r(first["bvp_model"], 5),
                    "bvp": r(first["bvp"], 4),
                    "seconds": first["seconds"],
                }
                if first["bvp_raw"].shape != first["bvp_model"].shape or not np.allclose(
                    first["bvp_raw"], first["bvp_model"]
                ):
                    res["bvp_raw"] = r(first["bvp_raw"], 5)
                if (
                    first["bvp_ts"].size
                    and first["model_ts"].size
                    and not np.array_equal(first["bvp_ts"], first["model_ts"])
                ):
                    res["bvp_ts"] = r(first["bvp_ts"], 5)
                m[policy] = r(res, 6)
    OUT.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


def logging_quiet() -> None:
    """open-rppg logs its video-quality warnings at INFO/WARNING on every run; keep one line each."""
    import logging

    logging.getLogger("open-rppg").setLevel(logging.ERROR)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_openrppg_video_golden.py OPENRPPG_UNPACKED_WHEEL_DIR VIDEO_DIR")
    main(sys.argv[1], sys.argv[2])
