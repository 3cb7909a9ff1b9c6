"""BlazeFace short-range boxes decoded the way open-rppg 0.1.1 decodes them (its ``FaceDetector``).

open-rppg's weights were trained on crops cut from these boxes, so the ``openrppg`` crop geometry uses this
backend rather than MediaPipe's own graph: the network is the same (MediaPipe's
``face_detection_short_range.tflite``, shipped in the mediapipe wheel, run here through OpenCV's DNN module;
open-rppg ships the same network as ONNX), but the decoding around it differs and moves the box by a few
pixels, enough to change a deep model's answer on a real clip:

* letterbox: ``cv2.resize`` (bilinear) to fit 128 x 128 keeping the aspect ratio, zero padding centred,
  pixels scaled to [-1, 1] (MediaPipe's graph does its own affine transform);
* anchors: strides 8, 16, 16, 16, two per cell, centre offset 0.5, fixed size (896);
* a detection is any anchor with sigmoid score > 0.5; box centre = anchor + offset / 128, size = raw / 128;
* selection: open-rppg's non-maximum suppression indexes its (K, 1) score array so that it always keeps the
  **first** anchor (lowest index) above the threshold, and takes that one; MediaPipe blends overlapping
  detections (weighted NMS). This backend reproduces open-rppg's choice and reports it first, then the
  others by score.

Boxes are returned as the detector's (x, y, w, h); the ``openrppg`` geometry shapes them
(cx +- 0.45 w, cy - 0.6 h .. cy + 0.5 h).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import FileFormatError
from micropulse.face.backends import FaceBackend, FaceBox

#: Detector input side (pixels) and anchor layout of the short-range model.
INPUT_SIZE = 128
STRIDES = (8, 16, 16, 16)
ANCHORS_PER_CELL = 2
ANCHOR_OFFSET = 0.5
#: open-rppg's score threshold (sigmoid of the raw score).
SCORE_THRESHOLD = 0.5
#: The short-range model inside the mediapipe wheel.
MODEL_IN_MEDIAPIPE = "modules/face_detection/face_detection_short_range.tflite"


def anchors(input_size: int = INPUT_SIZE) -> np.ndarray:
    """Anchor centres ``(896, 2)`` (x, y) in [0, 1] for the short-range model."""
    out = []
    for stride in STRIDES:
        n = input_size // stride
        ys, xs = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        centres = np.stack([(xs + ANCHOR_OFFSET) / n, (ys + ANCHOR_OFFSET) / n], axis=-1).reshape(-1, 2)
        out.append(np.repeat(centres, ANCHORS_PER_CELL, axis=0))
    return np.concatenate(out).astype(np.float32)


def letterbox(rgb: np.ndarray, size: int = INPUT_SIZE) -> tuple[np.ndarray, tuple[int, int, float]]:
    """RGB uint8 frame -> float32 ``(size, size, 3)`` in [-1, 1] and ``(x_offset, y_offset, scale)``."""
    h, w = rgb.shape[:2]
    scale = min(size / w, size / h)
    new_w, new_h = int(w * scale), int(h * scale)
    padded = np.zeros((size, size, 3), np.uint8)
    x0, y0 = (size - new_w) // 2, (size - new_h) // 2
    padded[y0 : y0 + new_h, x0 : x0 + new_w] = cv2.resize(rgb, (new_w, new_h))
    return (padded.astype(np.float32) / 255.0 - 0.5) / 0.5, (x0, y0, scale)


def decode(
    raw_boxes: np.ndarray, raw_scores: np.ndarray, frame_shape: tuple[int, int], size: int = INPUT_SIZE
) -> list[FaceBox]:
    """Network outputs ``(896, 16)`` and ``(896,)`` -> faces in frame pixels, open-rppg's pick first.

    ``frame_shape`` is the frame's ``(height, width)``; the letterbox is recomputed from it.
    """
    h, w = frame_shape
    scale = min(size / w, size / h)
    x0, y0 = (size - int(w * scale)) // 2, (size - int(h * scale)) // 2
    scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.astype(np.float64), -80, 80)))
    valid = np.flatnonzero(scores > SCORE_THRESHOLD)
    if valid.size == 0:
        return []
    order = np.concatenate([valid[:1], valid[1:][np.argsort(-scores[valid[1:]], kind="stable")]])
    centre = raw_boxes[order, :2] / size + anchors(size)[order]
    wh = raw_boxes[order, 2:4] / size
    faces = []
    for (cx, cy), (bw, bh), s in zip(centre, wh, scores[order], strict=True):
        faces.append(
            FaceBox(
                x=float(((cx - bw / 2) * size - x0) / scale),
                y=float(((cy - bh / 2) * size - y0) / scale),
                w=float(bw * size / scale),
                h=float(bh * size / scale),
                score=float(s),
            )
        )
    return faces


@lru_cache(maxsize=1)
def model_path() -> Path:
    """The short-range BlazeFace model shipped in the mediapipe wheel."""
    import importlib.util

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or spec.origin is None:
        raise FileFormatError("the blazeface backend needs the mediapipe package (pip install mediapipe)")
    path = Path(spec.origin).parent / MODEL_IN_MEDIAPIPE
    if not path.is_file():
        raise FileFormatError(f"{path}: BlazeFace short-range model missing from the mediapipe wheel")
    return path


class BlazeFaceBackend(FaceBackend):
    """Box-only backend: BlazeFace short range with open-rppg's letterbox, decoding and pick (no landmarks)."""

    name = "blazeface"

    def __init__(self) -> None:
        self._net = cv2.dnn.readNetFromTFLite(str(model_path()))
        self._outputs = self._net.getUnconnectedOutLayersNames()

    def raw(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Network outputs for a frame: regressors ``(896, 16)`` and raw scores ``(896,)``."""
        x, _ = letterbox(rgb)
        self._net.setInput(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))  # OpenCV's DNN takes NCHW
        outs = [np.asarray(o, np.float32) for o in self._net.forward(self._outputs)]
        boxes = next(o for o in outs if o.shape[-1] == 16).reshape(-1, 16)
        scores = next(o for o in outs if o.shape[-1] == 1).reshape(-1)
        return boxes, scores

    def detect(self, rgb: np.ndarray) -> list[FaceBox]:
        boxes, scores = self.raw(rgb)
        return decode(boxes, scores, rgb.shape[:2])
