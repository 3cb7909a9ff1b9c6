"""MediaPipe 0.10.21 backend: BlazeFace detection + the 478-point face mesh (refined eyes and irises).

The models ship inside the mediapipe 0.10.21 wheel (``mp.solutions``); nothing is downloaded.
The mesh runs in tracking mode on a fixed-size square crop centred on the face, so the face sits at
the same place of the mesh's input from one call to the next, and small faces are enlarged.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import cv2
import numpy as np

from micropulse.errors import MicropulseError
from micropulse.face.backends import FaceBackend, FaceBox

log = logging.getLogger(__name__)

N_MESH = 478


@contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ log lines (``W0000 ...``, "Created TensorFlow Lite XNNPACK delegate") that mediapipe
    writes straight to file descriptor 2 when a graph is built and first run; Python-level errors still
    propagate as exceptions. Used only around model creation and each model's first call. Off after
    ``micropulse --verbose`` (:func:`micropulse.io.native_logs.set_native_logs`)."""
    from micropulse.io.native_logs import native_logs_quiet

    if not native_logs_quiet():
        yield
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. captured): nothing to silence
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


#: Parts of ``import mediapipe`` this backend never uses, loaded only when something touches them.
#: ``drawing_utils`` imports matplotlib.pyplot (~0.7 s of the ~1 s mediapipe import measured here); the
#: Tasks API pulls in sounddevice and the audio/text/genai stacks.
LAZY_MEDIAPIPE_MODULES = frozenset(
    {
        "mediapipe.python.solutions.drawing_utils",
        "mediapipe.python.solutions.drawing_styles",
        "mediapipe.python.solutions.hands",
        "mediapipe.python.solutions.holistic",
        "mediapipe.python.solutions.objectron",
        "mediapipe.python.solutions.pose",
        "mediapipe.python.solutions.selfie_segmentation",
        "mediapipe.tasks.python",
    }
)


class _LazySubmodules(importlib.abc.MetaPathFinder):
    """Finds the named modules as usual but loads them lazily (:class:`importlib.util.LazyLoader`): the
    module object exists at once, its code runs on the first attribute access. Nothing is replaced."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, name, path, target=None):  # noqa: ANN001, ANN201 - importlib's protocol
        if name not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_mediapipe():  # noqa: ANN201 - mediapipe has no type hints
    """``import mediapipe`` with :data:`LAZY_MEDIAPIPE_MODULES` deferred until first used."""
    if "mediapipe" in sys.modules:
        return sys.modules["mediapipe"]
    finder = _LazySubmodules(LAZY_MEDIAPIPE_MODULES)
    sys.meta_path.insert(0, finder)
    try:
        import mediapipe as mp
    finally:
        sys.meta_path.remove(finder)
    return mp


def _solutions():  # noqa: ANN202 - mediapipe has no type hints
    try:
        mp = import_mediapipe()
    except ImportError as exc:  # pragma: no cover - mediapipe is a core dependency
        raise MicropulseError("the mediapipe face backend needs mediapipe==0.10.21 installed") from exc
    return mp.solutions


class MediapipeBackend(FaceBackend):
    """BlazeFace short-range detector (full-range as a fallback) and the refined 478-point mesh.

    Args:
        crop_size: side in pixels of the square crop given to the mesh.
        crop_scale: crop side as a multiple of the larger side of the face box.
        min_confidence: detection and tracking confidence thresholds (0-1).
    """

    name = "mediapipe"
    n_landmarks = N_MESH

    def __init__(self, crop_size: int = 256, crop_scale: float = 1.7, min_confidence: float = 0.5) -> None:
        sol = _solutions()
        self._sol = sol
        self.crop_size = int(crop_size)
        self.crop_scale = float(crop_scale)
        self.min_confidence = float(min_confidence)
        self._warm: set[int] = set()  # ids of models that already ran once (their start-up logs are done)
        self._short = self._started(
            lambda: sol.face_detection.FaceDetection(model_selection=0, min_detection_confidence=min_confidence)
        )
        self._full = None
        self._mesh = None
        self._prefer_full = False
        self._misses = 0

    def _started(self, make):  # noqa: ANN001, ANN202 - mediapipe objects
        """``make()`` and a first frame, in ONE quiet stretch: a graph logs from its own threads while it
        starts, after the constructor returned, and only a finished ``process()`` (which waits until the
        graph is idle) proves the start-up logs are over. A black frame finds no face, so no state is kept;
        calculators that run only on a face log on the first real frame, which :meth:`_run` keeps quiet."""
        with _quiet_native_stderr():
            model = make()
            model.process(np.zeros((64, 64, 3), np.uint8))
        return model

    def _mesh_model(self):  # noqa: ANN202
        if self._mesh is None:
            self._mesh = self._started(
                lambda: self._sol.face_mesh.FaceMesh(
                    static_image_mode=False,
                    max_num_faces=1,
                    refine_landmarks=True,
                    min_detection_confidence=self.min_confidence,
                    min_tracking_confidence=self.min_confidence,
                )
            )
        return self._mesh

    def _run(self, model, img: np.ndarray):  # noqa: ANN001, ANN202 - mediapipe objects
        """``model.process(img)``; the first call of each model runs with its native start-up logs hidden."""
        if id(model) in self._warm:
            return model.process(img)
        with _quiet_native_stderr():
            out = model.process(img)
        self._warm.add(id(model))
        return out

    def _detector(self, full: bool):  # noqa: ANN202
        if not full:
            return self._short
        if self._full is None:
            self._full = self._started(
                lambda: self._sol.face_detection.FaceDetection(
                    model_selection=1, min_detection_confidence=self.min_confidence
                )
            )
        return self._full

    def detect(self, rgb: np.ndarray) -> list[FaceBox]:
        """Faces by the model that last found one (short range first); the other model is also tried
        on the first miss and then every 5th miss (the full-range model costs ~5x the short one)."""
        img = np.ascontiguousarray(rgb)
        found = self._run(self._detector(self._prefer_full), img).detections
        if not found:
            self._misses += 1
            if self._misses % 5 == 1:
                found = self._run(self._detector(not self._prefer_full), img).detections
                if found:
                    self._prefer_full = not self._prefer_full
        if found:
            self._misses = 0
        if not found:
            return []
        h, w = img.shape[:2]
        boxes = []
        for det in found:
            rb = det.location_data.relative_bounding_box
            x0, y0 = max(0.0, rb.xmin * w), max(0.0, rb.ymin * h)
            x1, y1 = min(float(w), (rb.xmin + rb.width) * w), min(float(h), (rb.ymin + rb.height) * h)
            if x1 - x0 >= 4 and y1 - y0 >= 4:
                boxes.append(FaceBox(x0, y0, x1 - x0, y1 - y0, float(det.score[0]) if det.score else 1.0))
        return sorted(boxes, key=lambda b: -b.area)

    def landmarks(self, rgb: np.ndarray, box: FaceBox) -> np.ndarray | None:
        side = self.crop_scale * max(box.w, box.h)
        if not side > 8:
            return None
        s = self.crop_size / side
        x0 = box.x + box.w / 2 - side / 2
        y0 = box.y + box.h / 2 - side / 2
        # crop pixel = s * (frame pixel - corner); outside the frame is black
        m = np.array([[s, 0.0, -s * x0], [0.0, s, -s * y0]], dtype=np.float64)
        crop = cv2.warpAffine(rgb, m, (self.crop_size, self.crop_size), flags=cv2.INTER_LINEAR)
        result = self._run(self._mesh_model(), crop)
        faces = result.multi_face_landmarks
        if not faces:
            return None
        lms = faces[0].landmark
        pts = np.fromiter((v for p in lms for v in (p.x, p.y)), dtype=np.float64, count=2 * len(lms))
        pts = pts.reshape(-1, 2) * side
        pts[:, 0] += x0
        pts[:, 1] += y0
        return pts

    def reset(self) -> None:
        # Nothing to do: the mesh re-detects by itself when the face is not where it was, and the
        # crop is always centred on the face we want. Re-creating the graph would cost ~0.4 s.
        pass

    def close(self) -> None:
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None
        for model in (self._short, self._full):
            if model is not None:
                model.close()
        self._short = self._full = None
