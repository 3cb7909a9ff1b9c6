"""Named errors. Every message names the file (when there is one) and what to do.

The CLI turns any :class:`MicropulseError` into a one-line message and exit code 2,
never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class MicropulseError(Exception):
    """Base class of every error micropulse raises on purpose."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path is not None else message)


class InputError(MicropulseError, ValueError):
    """A value given by the user is invalid (fs <= 0, bad band, wrong shape...)."""


class SignalError(InputError):
    """A signal cannot be analysed: empty, flat, all-NaN, too short, long gaps."""


class FileFormatError(MicropulseError, ValueError):
    """A file exists but cannot be parsed (empty CSV, missing column, bad timestamps...)."""


class VideoReadError(MicropulseError, OSError):
    """A video cannot be opened or decoded (missing, not a video, truncated, too short)."""


class NoFaceError(MicropulseError):
    """No face was found in the whole video."""


class DatasetLayoutError(MicropulseError):
    """A dataset tree does not have the layout its loader expects."""


class UnknownNameError(MicropulseError, KeyError):
    """A registry lookup failed; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0] if self.args else ""


class WeightsError(MicropulseError):
    """A checkpoint cannot be imported or does not match the architecture."""
