"""Synthetic micro- and macro-expression videos with known intervals and emotions.

Real face material (``skimage.data.astronaut()`` by default, via :mod:`micropulse.synth.material`) is
animated with landmark-driven local warps that mimic action units:

| emotion  | motion (action unit)                          | landmarks moved (iBUG-68)         |
|----------|-----------------------------------------------|-----------------------------------|
| negative | brow lowerer (AU4): brows down and inwards    | 17-26                             |
| positive | lip-corner puller (AU12): corners out and up  | 48, 54 (and 49, 53, 59, 55 less)  |
| surprise | brow raiser (AU1+2): brows up                 | 17-26                             |
| others   | lip press (AU24): lips towards each other     | 50-52, 61-63 down; 56-58, 65-67 up |

Micro-expressions last 0.2-0.5 s with a peak displacement of 1-3 px at a 320x320 face crop; macro-
expressions 0.5-4 s and 4-8 px. Each expression rises from onset to apex and decays to offset with a
raised-cosine profile. Head motion (smooth sub-pixel translation) and sensor noise are added. All is
deterministic by seed. Truth is returned as :class:`~micropulse.me.labels.MEInterval` (0-based frames).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from micropulse.errors import InputError
from micropulse.me.labels import MEInterval

EMOTION_AU = {"negative": "AU4", "positive": "AU12", "surprise": "AU1+2", "others": "AU24"}
ME_DURATION_S = (0.2, 0.5)
MAE_DURATION_S = (0.5, 4.0)
ME_AMPLITUDE_PX320 = (1.0, 3.0)
MAE_AMPLITUDE_PX320 = (4.0, 8.0)


@dataclass(frozen=True)
class MESettings:
    """Settings of one synthetic expression video.

    Attributes:
        seconds: duration (s). fps: frame rate (Hz).
        n_micro / n_macro: expressions to inject (placed without overlap, >= 0.5 s apart).
        emotions: emotions to draw from (uniformly).
        head_motion_px: std of the smooth head translation (source pixels).
        noise_std: Gaussian sensor noise (grey levels, 0-255 scale).
        seed: random seed.
    """

    seconds: float = 10.0
    fps: float = 30.0
    n_micro: int = 3
    n_macro: int = 1
    emotions: tuple[str, ...] = ("negative", "positive", "surprise", "others")
    head_motion_px: float = 0.5
    noise_std: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        bad = set(self.emotions) - set(EMOTION_AU)
        if bad:
            raise InputError(f"unknown emotion(s) {sorted(bad)}; known: {sorted(EMOTION_AU)}")
        if self.seconds <= 0 or self.fps <= 0:
            raise InputError(f"seconds and fps must be > 0, got {self.seconds}, {self.fps}")


@dataclass(frozen=True)
class Expression:
    """One injected expression: interval (0-based inclusive frames), emotion, peak amplitude (source px)."""

    interval: MEInterval
    amplitude_px: float


@dataclass
class MEClip:
    """Rendered frames (T, H, W, 3) uint8 RGB, the truth and the face geometry used."""

    frames: np.ndarray
    fps: float
    expressions: list[Expression]
    landmarks: np.ndarray
    face_scale: float = field(default=1.0)

    @property
    def intervals(self) -> list[MEInterval]:
        return [e.interval for e in self.expressions]


def au_displacements(lm68: np.ndarray, emotion: str, amplitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Control points (n, 2) and their displacements (n, 2) in source pixels for one emotion at unit time."""
    lm = np.asarray(lm68, np.float64)
    a = float(amplitude)
    if emotion in ("negative", "surprise"):
        idx = np.arange(17, 27)
        centre_x = (lm[21, 0] + lm[22, 0]) / 2
        disp = np.zeros((idx.size, 2))
        if emotion == "negative":
            disp[:, 1] = a
            disp[:, 0] = -0.5 * a * np.sign(lm[idx, 0] - centre_x)  # inwards
        else:
            disp[:, 1] = -a
        return lm[idx], disp
    if emotion == "positive":
        idx = np.array([48, 54, 49, 53, 59, 55])
        w = np.array([1.0, 1.0, 0.5, 0.5, 0.5, 0.5])
        out = np.where(lm[idx, 0] < lm[51, 0], -1.0, 1.0)
        disp = np.c_[out * a * w, -0.6 * a * w]
        return lm[idx], disp
    upper = np.array([50, 51, 52, 61, 62, 63])
    lower = np.array([56, 57, 58, 65, 66, 67])
    pts = np.r_[lm[upper], lm[lower]]
    disp = np.r_[np.tile([0.0, 0.6 * a], (6, 1)), np.tile([0.0, -0.6 * a], (6, 1))]
    return pts, disp


def displacement_field(
    shape: tuple[int, int], points: np.ndarray, disp: np.ndarray, sigma: float
) -> np.ndarray:
    """Smooth (H, W, 2) field: Gaussian-weighted displacements around control points (normalised blend)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    num = np.zeros((h, w, 2), np.float32)
    den = np.zeros((h, w), np.float32)
    for (px, py), d in zip(points, disp, strict=True):
        g = np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * sigma**2)).astype(np.float32)
        num += g[..., None] * d.astype(np.float32)
        den += g
    # peak weight 1 at a point, decaying to 0 far away (no spreading over the whole face)
    return num / np.maximum(den, 1.0)[..., None]


def profile(n: int, onset: int, apex: int, offset: int) -> np.ndarray:
    """Raised-cosine rise onset->apex and decay apex->offset, 0 outside; values in [0, 1] per frame."""
    p = np.zeros(n)
    t = np.arange(n)
    up = (t >= onset) & (t <= apex)
    if apex > onset:
        p[up] = 0.5 - 0.5 * np.cos(np.pi * (t[up] - onset) / (apex - onset))
    p[apex] = 1.0
    down = (t > apex) & (t <= offset)
    if offset > apex:
        p[down] = 0.5 + 0.5 * np.cos(np.pi * (t[down] - apex) / (offset - apex))
    return p


def plan_expressions(settings: MESettings, n_frames: int, px_per_320: float) -> list[Expression]:
    """Place expressions at random non-overlapping times (0.5 s margins, none in the first/last 0.7 s)."""
    rng = np.random.default_rng(settings.seed)
    kinds = ["me"] * settings.n_micro + ["mae"] * settings.n_macro
    rng.shuffle(kinds)
    fps = settings.fps
    gap = int(round(0.5 * fps))
    edge = int(round(0.7 * fps))
    out: list[Expression] = []
    taken: list[tuple[int, int]] = []
    for kind in kinds:
        lo_s, hi_s = ME_DURATION_S if kind == "me" else MAE_DURATION_S
        lo_a, hi_a = ME_AMPLITUDE_PX320 if kind == "me" else MAE_AMPLITUDE_PX320
        for _ in range(200):
            dur = max(3, int(round(rng.uniform(lo_s, hi_s) * fps)))
            onset = int(rng.integers(edge, max(edge + 1, n_frames - edge - dur)))
            offset = onset + dur - 1
            if offset >= n_frames - edge or any(onset <= b + gap and offset >= a - gap for a, b in taken):
                continue
            apex = onset + int(round(rng.uniform(0.35, 0.6) * (dur - 1)))
            emotion = str(rng.choice(settings.emotions))
            amp = rng.uniform(lo_a, hi_a) * px_per_320
            out.append(Expression(MEInterval(onset, offset, apex, emotion, kind), float(amp)))
            taken.append((onset, offset))
            break
        else:
            raise InputError(
                f"cannot place {len(kinds)} expressions in {settings.seconds} s; make the video longer"
            )
    return sorted(out, key=lambda e: e.interval.onset)


def render_me_clip(image_rgb: np.ndarray, lm68: np.ndarray, settings: MESettings) -> MEClip:
    """Animate one face image with the planned expressions, head motion and noise.

    Args:
        image_rgb: (H, W, 3) uint8 face image.
        lm68: (68, 2) iBUG landmarks of that image (source pixels).
        settings: what to inject.
    """
    img = np.asarray(image_rgb)
    if img.ndim != 3 or img.shape[2] != 3:
        raise InputError(f"face image must be (H, W, 3) RGB, got shape {img.shape}")
    lm = np.asarray(lm68, np.float64)
    n = int(round(settings.seconds * settings.fps))
    eye_gap = float(np.linalg.norm(lm[42] - lm[39]))
    face_px = 9 * eye_gap / 2  # the ME crop is ~9g tall, g = half the inner-eye distance
    px_per_320 = face_px / 320
    exprs = plan_expressions(settings, n, px_per_320)
    rng = np.random.default_rng(settings.seed + 1)
    h, w = img.shape[:2]
    base = img.astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    sigma = 0.35 * eye_gap
    unit = []
    for e in exprs:
        pts, d = au_displacements(lm, e.interval.emotion or "others", 1.0)
        unit.append(displacement_field((h, w), pts, d, sigma))
    profiles = [
        profile(n, e.interval.onset, e.interval.apex or e.interval.onset, e.interval.offset) for e in exprs
    ]
    drift = _smooth_walk(rng, n, settings.head_motion_px)
    frames = np.empty((n, h, w, 3), np.uint8)
    for t in range(n):
        field_t = np.zeros((h, w, 2), np.float32)
        for e, u, p in zip(exprs, unit, profiles, strict=True):
            if p[t] > 0:
                field_t += u * np.float32(e.amplitude_px * p[t])
        map_x = xx - field_t[..., 0] - np.float32(drift[t, 0])
        map_y = yy - field_t[..., 1] - np.float32(drift[t, 1])
        warped = cv2.remap(base, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if settings.noise_std > 0:
            warped += rng.normal(0, settings.noise_std, warped.shape).astype(np.float32)
        frames[t] = np.clip(warped, 0, 255).astype(np.uint8)
    return MEClip(frames, settings.fps, exprs, lm, px_per_320)


def _smooth_walk(rng: np.random.Generator, n: int, std: float) -> np.ndarray:
    if std <= 0:
        return np.zeros((n, 2))
    steps = rng.normal(0, 1, (n, 2))
    k = np.hanning(31)
    k /= k.sum()
    walk = np.column_stack([np.convolve(steps[:, i], k, mode="same") for i in range(2)])
    walk -= walk.mean(axis=0)
    return walk / max(walk.std(), 1e-9) * std


def material_with_landmarks(material: str = "astronaut") -> tuple[np.ndarray, np.ndarray]:
    """A real face image (RGB uint8) and its iBUG-68 landmarks from the face front-end (detected once)."""
    from micropulse.errors import NoFaceError
    from micropulse.face.backends import create_backend
    from micropulse.face.ibug68 import landmarks_68

    if material == "astronaut":
        from skimage import data

        img = np.ascontiguousarray(data.astronaut())
    else:
        bgr = cv2.imread(str(material), cv2.IMREAD_COLOR)
        if bgr is None:
            raise InputError(f"cannot read face image {material!r}")
        img = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    backend = create_backend("mediapipe")
    try:
        boxes = backend.detect(img)
        if not boxes:
            raise NoFaceError("no face in the synthetic-expression material", material)
        box = max(boxes, key=lambda b: b.area)
        lm = backend.landmarks(img, box)
    finally:
        backend.close()
    if lm is None:
        raise NoFaceError("no face landmarks in the synthetic-expression material", material)
    return img, landmarks_68(lm)


def subject_variant(
    image: np.ndarray, lm68: np.ndarray, subject: int, size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """A distinct synthetic "subject": the face re-framed (scale, small rotation, mirror), recoloured and
    resized to ``size``² — landmarks are transformed analytically, so no detector runs per subject."""
    rng = np.random.default_rng(10_000 + subject)
    lm = np.asarray(lm68, np.float64)
    centre = lm[27:36].mean(axis=0)
    face_w = lm[16, 0] - lm[0, 0]
    scale = size * rng.uniform(0.5, 0.62) / face_w
    angle = rng.uniform(-6, 6)
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, scale)
    m[:, 2] += np.array([size / 2, size * 0.52]) - centre
    out = cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
    lm_out = lm @ m[:, :2].T + m[:, 2]
    if subject % 2 == 1:  # mirror: flip the image and re-index the landmarks symmetrically
        out = out[:, ::-1].copy()
        lm_out[:, 0] = size - 1 - lm_out[:, 0]
        lm_out = lm_out[_MIRROR68]
    gain = rng.uniform(0.8, 1.15, 3)
    out = np.clip(out.astype(np.float32) * gain + rng.uniform(-15, 15), 0, 255).astype(np.uint8)
    return out, lm_out


# iBUG-68 left/right mirror permutation (jaw, brows, nose base, eyes, lips).
_MIRROR68 = np.array(
    list(range(16, -1, -1)) + list(range(26, 16, -1)) + [27, 28, 29, 30] + [35, 34, 33, 32, 31]
    + [45, 44, 43, 42, 47, 46] + [39, 38, 37, 36, 41, 40]
    + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55] + [64, 63, 62, 61, 60, 67, 66, 65]
)  # fmt: skip
