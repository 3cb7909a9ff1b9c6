"""The one mapping from the 478-point MediaPipe mesh to the 68 iBUG (dlib) points.

iBUG-68 indexing, 0-based (specs/micro-expressions.md §1.2-1.3 use it): 0-16 jaw from the image-left
ear to the image-right ear (the subject's right to left), 17-21 image-left brow (outer to inner), 22-26
image-right brow (inner to outer), 27-30 nose bridge down to the tip, 31-35 nose base left to right,
36-41 image-left eye (36 outer corner, 39 inner), 42-47 image-right eye (42 inner, 45 outer), 48-59
outer lip (48 and 54 the corners), 60-67 inner lip (60 and 64 the corners).

Each iBUG point is one mesh vertex with the same anatomical meaning (MediaPipe's canonical face
model); the jaw of the mesh follows the visible face outline, dlib's the jawbone, so jaw points differ
by a few pixels, which no micro-expression ROI uses.
"""

from __future__ import annotations

import numpy as np

from micropulse.errors import InputError

IBUG68_FROM_MESH: np.ndarray = np.array(
    [
        # 0-16 jaw, image left -> right
        127, 234, 93, 132, 58, 136, 150, 176, 152, 400, 379, 365, 288, 361, 323, 454, 356,
        # 17-21 image-left brow, outer -> inner; 22-26 image-right brow, inner -> outer
        70, 63, 105, 66, 107,
        336, 296, 334, 293, 300,
        # 27-30 nose bridge -> tip; 31-35 nose base, left -> right
        168, 197, 5, 4,
        75, 97, 2, 326, 305,
        # 36-41 image-left eye: outer corner, upper lid x2, inner corner, lower lid x2
        33, 160, 158, 133, 153, 144,
        # 42-47 image-right eye: inner corner, upper lid x2, outer corner, lower lid x2
        362, 385, 387, 263, 373, 380,
        # 48-59 outer lip from the left corner, clockwise on the image
        61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,
        # 60-67 inner lip from the left corner
        78, 82, 13, 312, 308, 317, 14, 87,
    ],
    dtype=np.intp,
)  # fmt: skip

IBUG68_GROUPS: dict[str, slice] = {
    "jaw": slice(0, 17),
    "brow_left": slice(17, 22),
    "brow_right": slice(22, 27),
    "nose_bridge": slice(27, 31),
    "nose_base": slice(31, 36),
    "eye_left": slice(36, 42),
    "eye_right": slice(42, 48),
    "mouth_outer": slice(48, 60),
    "mouth_inner": slice(60, 68),
}


def landmarks_68(lm478: np.ndarray) -> np.ndarray:
    """iBUG-68 points from mesh landmarks.

    Args:
        lm478: (478, D) or (468, D) mesh landmarks for one face, or (..., 478, D) for several
            (frames); D = 2 (x, y pixels) or 3.

    Returns:
        (..., 68, D) array, same dtype, in iBUG-68 order.
    """
    arr = np.asarray(lm478)
    if arr.ndim < 2 or arr.shape[-2] < 468:
        raise InputError(f"expected mesh landmarks (..., 478, D), got shape {arr.shape}")
    return arr[..., IBUG68_FROM_MESH, :]
