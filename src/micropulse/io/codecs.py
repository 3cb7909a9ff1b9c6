"""Codec names: which ones are lossy (they destroy a pulse of a fraction of a percent) and which are not.

Measured for this project (../shared/DESIGN.md, decision 3): a 0.5% pulse keeps 0.44 of its amplitude
through x264 crf23, 0.80 through mp4v and 1.00 through FFV1. H.264/HEVC can in principle be lossless
(qp 0), but a file almost never is, so they count as lossy.
"""

from __future__ import annotations

LOSSY_CODECS: frozenset[str] = frozenset(
    {
        "avc1", "avc3", "h264", "x264", "davc",  # H.264
        "hvc1", "hev1", "hevc", "h265", "x265",  # HEVC
        "mjpg", "mjpa", "mjpb", "jpeg", "avrn", "dmb1",  # motion JPEG
        "mp4v", "xvid", "divx", "dx50", "fmp4", "mp42", "mp43", "div3", "mpg1", "mpg2", "mpeg",  # MPEG-1/2/4
        "vp80", "vp08", "vp90", "vp09", "av01", "theo", "wmv1", "wmv2", "wmv3", "wvc1", "flv1", "h263",
        "jpg",  # frame folders
    }
)  # fmt: skip

LOSSLESS_CODECS: frozenset[str] = frozenset(
    {
        "ffv1", "png", "mpng", "png ", "hfyu", "ffvh", "huffyuv", "ffvhuff", "lags", "ulrg", "ulra", "uly0",
        "uly2", "ulh0", "ulh2", "raw", "raw ", "rgb", "rgb ", "bgr", "dib", "dib ", "i420", "iyuv", "yv12",
        "yuy2", "uyvy", "y800", "gray", "bmp", "tif", "tiff", "array", "mjp2lossless",
    }
)  # fmt: skip

# Pixel formats (CAP_PROP_CODEC_PIXEL_FORMAT fourcc) that carry no colour.
GRAY_PIXEL_FORMATS: frozenset[str] = frozenset({"y800", "gray", "grey", "y8  ", "y16 ", "y1\x00\x10", "b1w0"})


def fourcc_to_str(code: float | int) -> str:
    """Turn OpenCV's numeric fourcc (CAP_PROP_FOURCC) into its 4-character string ('' when unknown)."""
    value = int(code)
    if value <= 0:
        return ""
    raw = value.to_bytes(4, "little", signed=False)
    return "".join(chr(b) if 32 <= b < 127 else "\x00" for b in raw).rstrip("\x00")


def is_lossy(codec: str) -> bool | None:
    """True for lossy codecs, False for lossless ones, None when the codec is unknown.

    ``codec`` is a fourcc string ('avc1', 'FFV1', 'MJPG'...) or a frame-folder extension ('png', 'jpg').
    Case and surrounding blanks are ignored.
    """
    key = codec.strip().lower()
    if not key:
        return None
    if key in LOSSY_CODECS:
        return True
    if key in LOSSLESS_CODECS:
        return False
    return None


def is_gray_pixel_format(pix: str) -> bool:
    """True when a decoder pixel format (fourcc string) has a single luma channel."""
    return pix.lower() in GRAY_PIXEL_FORMATS
