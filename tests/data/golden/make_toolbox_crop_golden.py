"""Make the rPPG-Toolbox face-crop golden file (run once, by hand; needs only OpenCV and numpy).

``toolbox_crop_golden.json`` holds, for each real clip in ``../shared/data/video``, the face box that
rPPG-Toolbox's preprocessing (``dataset/data_loader/BaseLoader.py``: ``face_detection`` and
``crop_face_resize``) crops every frame with, under the settings of the configs that ship with its PhysNet
releases. It is written from the toolbox's code facts, independently of micropulse (no micropulse import).

Facts used (ubicomplab/rPPG-Toolbox at d807b01, 2025-09-01):

* Frames are read the way the video loaders read them (``UBFCrPPGLoader.read_video``): ``cv2.VideoCapture``,
  every frame converted BGR -> RGB.
* Backend ``HC`` (``config.py`` default and every PhysNet config): ``cv2.CascadeClassifier`` with
  ``haarcascade_frontalface_default.xml`` (the copy in the toolbox's ``dataset/`` folder is byte-identical to
  OpenCV's ``cv2.data.haarcascades`` one, sha256 0f7d4527...), ``detectMultiScale`` with its default parameters,
  called on the RGB frame as uint8 (OpenCV converts a 3-channel image to grey as if it were BGR).
* Several faces: the one with the largest width (first on ties, ``np.argmax``). No face: the box
  ``[0, 0, frame.shape[0], frame.shape[1]]`` read as ``[x, y, w, h]`` (height and width swapped).
* ``USE_LARGE_FACE_BOX: True``, ``LARGE_BOX_COEF: 1.5`` (``config.py`` defaults and every PhysNet config):
  ``x = max(0, x - (c - 1) / 2 * w)``, ``y = max(0, y - (c - 1) / 2 * h)``, ``w = c * w``, ``h = c * h``,
  assigned into the detector's int32 array, i.e. truncated to integers (the no-face list is truncated by
  ``np.asarray(..., dtype='int')`` later). The width is not reduced when ``x`` is clamped at 0.
* ``DO_DYNAMIC_DETECTION: False`` (``config.py`` default; every PhysNet config, e.g.
  ``configs/infer_configs/PURE_UBFC-rPPG_PHYSNET_BASIC.yaml`` and ``UBFC-rPPG_PURE_PHYSNET_BASIC.yaml``):
  one detection on frame 0, its box used for every frame. ``DYNAMIC_DETECTION_FREQUENCY`` is 32 in those
  configs (30 in ``config.py``), ``USE_MEDIAN_FACE_BOX: False``; the ``dynamic_32`` entry records what
  dynamic detection at that frequency would crop (frame i uses the box found on frame 32 * (i // 32)).
* Crop: ``frame[max(y, 0):min(y + h, H), max(x, 0):min(x + w, W)]``, then ``cv2.resize(..., (72, 72),
  interpolation=cv2.INTER_AREA)`` for PhysNet (the resize is not part of this file).

Per frame the file stores the box as used to crop: ``[x, y, w, h]`` after enlargement and clamping to the
frame (``w = min(x + w', W) - x``). It also stores each detection run's raw Haar faces and the enlarged,
unclamped box.

How it was run (the project venv has opencv-python; the cascade file comes from ``cv2.data.haarcascades``)::

    . .venv/bin/activate
    python tests/data/golden/make_toolbox_crop_golden.py ../shared/data/video
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "toolbox_crop_golden.json"
CLIPS = ("single_face.mp4", "face_noface.mov", "WolfgangLanger_Pexels.mp4", "no_face.mp4")
CASCADE = "haarcascade_frontalface_default.xml"
#: sha256 of the toolbox's dataset/haarcascade_frontalface_default.xml (d807b01).
TOOLBOX_CASCADE_SHA256 = "0f7d4527844eb514d4a4948e822da90fbb16a34a0bbbbc6adc6498747a5aafb0"
LARGE_BOX_COEF = 1.5
DYNAMIC_FREQ = 32


def read_frames_rgb(path: Path) -> tuple[np.ndarray, float]:
    """All frames as RGB uint8 (T, H, W, 3), read like the toolbox's video loaders, and the container fps."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise SystemExit(f"{path}: OpenCV cannot open this video")
    cap.set(cv2.CAP_PROP_POS_MSEC, 0)
    fps = float(cap.get(cv2.CAP_PROP_FPS))
    frames = []
    ok, frame = cap.read()
    while ok:
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        ok, frame = cap.read()
    cap.release()
    return np.asarray(frames), fps


def detect(detector: cv2.CascadeClassifier, frame: np.ndarray) -> dict[str, Any]:
    """The toolbox's HC ``face_detection`` with the enlargement, plus what the detector saw."""
    faces = detector.detectMultiScale(frame[:, :, :3].astype(np.uint8))
    if len(faces) < 1:
        box: Any = [0, 0, frame.shape[0], frame.shape[1]]  # the toolbox's fallback, read as x, y, w, h
        raw = None
    else:
        box = faces[int(np.argmax(faces[:, 2]))] if len(faces) >= 2 else faces[0]
        raw = [int(v) for v in box]
        box = box.copy()  # int32, like the toolbox's view into the detector output
    c = LARGE_BOX_COEF
    box[0] = max(0, box[0] - (c - 1.0) / 2 * box[2])
    box[1] = max(0, box[1] - (c - 1.0) / 2 * box[3])
    box[2] = c * box[2]
    box[3] = c * box[3]
    enlarged = [int(v) for v in np.asarray(box, dtype="int")]
    return {
        "faces": [[int(v) for v in f] for f in (faces if len(faces) else [])],
        "raw": raw,
        "enlarged": enlarged,
    }


def used_box(enlarged: list[int], height: int, width: int) -> list[int]:
    """The box the crop slice really takes: [x, y, w, h] after clamping to the frame."""
    x, y, w, h = enlarged
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, width), min(y + h, height)
    return [int(x0), int(y0), int(x1 - x0), int(y1 - y0)]


def clip_golden(detector: cv2.CascadeClassifier, path: Path) -> dict[str, Any]:
    frames, fps = read_frames_rgb(path)
    n, height, width = frames.shape[0], frames.shape[1], frames.shape[2]
    first = detect(detector, frames[0])
    static_box = used_box(first["enlarged"], height, width)
    dyn_runs = {i: detect(detector, frames[i]) for i in range(0, n, DYNAMIC_FREQ)}
    dyn_boxes = [
        used_box(dyn_runs[DYNAMIC_FREQ * (i // DYNAMIC_FREQ)]["enlarged"], height, width) for i in range(n)
    ]
    x, y, w, h = static_box
    return {
        "frames": n,
        "frame_shape": [height, width, 3],
        "fps": fps,
        "face_found_on_frame0": first["raw"] is not None,
        "static": {
            "detection": first,
            "box": static_box,
            "boxes": [static_box] * n,
            "crop_w_frac": w / width,
            "crop_h_frac": h / height,
        },
        "dynamic_32": {
            "detections": {str(i): d for i, d in dyn_runs.items()},
            "boxes": dyn_boxes,
        },
    }


def main(video_dir: str) -> None:
    cascade = Path(cv2.data.haarcascades) / CASCADE
    sha = hashlib.sha256(cascade.read_bytes()).hexdigest()
    if sha != TOOLBOX_CASCADE_SHA256:
        raise SystemExit(f"{cascade}: sha256 {sha} differs from the toolbox's cascade file")
    detector = cv2.CascadeClassifier(str(cascade))
    golden: dict[str, Any] = {
        "made_by": "tests/data/golden/make_toolbox_crop_golden.py",
        "toolbox_commit": "d807b0174d7d1c371778042ec741e385861bbbf5",
        "settings": {
            "backend": "HC",
            "cascade": CASCADE,
            "cascade_sha256": sha,
            "use_large_face_box": True,
            "large_box_coef": LARGE_BOX_COEF,
            "do_dynamic_detection": False,
            "dynamic_detection_frequency_in_physnet_configs": DYNAMIC_FREQ,
            "use_median_face_box": False,
            "resize_physnet": [72, 72],
            "interpolation": "INTER_AREA",
        },
        "versions": {"opencv": cv2.__version__, "numpy": np.__version__},
        "box_format": "x, y, w, h in frame pixels, after enlargement and clamping, as used to crop",
        "clips": {},
    }
    for clip in CLIPS:
        entry = clip_golden(detector, Path(video_dir) / clip)
        golden["clips"][clip] = entry
        print(
            clip,
            entry["frames"],
            "frames",
            entry["frame_shape"],
            "face on frame 0:",
            entry["face_found_on_frame0"],
            "box",
            entry["static"]["box"],
            "dynamic boxes:",
            len({tuple(b) for b in entry["dynamic_32"]["boxes"]}),
        )
    OUT.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.1f} kB)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_toolbox_crop_golden.py VIDEO_DIR")
    main(sys.argv[1])
