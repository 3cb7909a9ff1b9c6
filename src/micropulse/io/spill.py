"""Frames of one shape kept on disk instead of in memory, so a long video costs the same memory as a short one.

:class:`FrameSpool` appends uint8 frames ``(H, W, C)`` to an anonymous temporary file (deleted when
closed or collected) and reads them back by index, slice or index array with ``os.pread``: the data
never enters the process's resident memory except for the frames asked for (a memory map would
count every page read in the peak RSS). The OS page cache keeps recent frames fast.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from micropulse.errors import InputError


class FrameSpool:
    """Append-only store of uint8 frames of one ``shape``, indexable like a ``(T, *shape)`` array.

    Args:
        shape: shape of one frame, e.g. ``(128, 128, 3)``.
        directory: where the temporary file lives (default: the system's temporary directory).
    """

    dtype = np.dtype(np.uint8)
    ndim = 4

    def __init__(self, shape: tuple[int, ...], directory: str | None = None) -> None:
        self.frame_shape = tuple(int(s) for s in shape)
        self._frame_bytes = int(np.prod(self.frame_shape))
        self._file = tempfile.TemporaryFile(dir=directory)  # unlinked: nothing is left behind
        self._n = 0

    def append(self, frame: np.ndarray) -> None:
        """Add one frame (uint8, ``frame_shape``)."""
        if frame.shape != self.frame_shape or frame.dtype != np.uint8:
            raise InputError(f"frame of shape {frame.shape} {frame.dtype}; this spool holds {self.frame_shape} uint8")
        self._file.write(np.ascontiguousarray(frame).data)
        self._n += 1

    @property
    def shape(self) -> tuple[int, ...]:
        return (self._n, *self.frame_shape)

    def __len__(self) -> int:
        return self._n

    def _read(self, start: int, stop: int) -> np.ndarray:
        """Frames ``[start, stop)`` as a new array."""
        self._file.flush()
        n = stop - start
        buf = bytearray(n * self._frame_bytes)
        view = memoryview(buf)
        fd, offset, done = self._file.fileno(), start * self._frame_bytes, 0
        while done < len(buf):
            got = os.preadv(fd, [view[done:]], offset + done)
            if got <= 0:
                raise OSError(f"short read from the frame spool at frame {start}")
            done += got
        return np.frombuffer(buf, np.uint8).reshape((n, *self.frame_shape))

    def __getitem__(self, index: int | slice | np.ndarray) -> np.ndarray:
        """One frame (int), a range (slice with step 1) or frames by an index array, as numpy arrays."""
        if isinstance(index, slice):
            start, stop, step = index.indices(self._n)
            if stop <= start:
                return np.empty((0, *self.frame_shape), np.uint8)
            out = self._read(start, stop)
            return out if step == 1 else out[::step]
        if np.isscalar(index):
            i = int(index)
            i = i + self._n if i < 0 else i
            if not 0 <= i < self._n:
                raise IndexError(f"frame {index} outside a spool of {self._n} frames")
            return self._read(i, i + 1)[0]
        idx = np.asarray(index, dtype=np.int64)
        if idx.size == 0:
            return np.empty((0, *self.frame_shape), np.uint8)
        idx = np.where(idx < 0, idx + self._n, idx)
        if int(idx.min()) < 0 or int(idx.max()) >= self._n:
            raise IndexError(f"frame index outside a spool of {self._n} frames")
        uniq, where = np.unique(idx, return_inverse=True)
        cuts = np.flatnonzero(np.diff(uniq) != 1) + 1  # read each run of consecutive frames once
        runs = [self._read(int(r[0]), int(r[-1]) + 1) for r in np.split(uniq, cuts)]
        return (runs[0] if len(runs) == 1 else np.concatenate(runs))[where.reshape(idx.shape)]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:  # noqa: ANN001 - numpy protocol
        """All frames in memory (what a caller that needs a real array gets)."""
        out = self._read(0, self._n) if self._n else np.empty((0, *self.frame_shape), np.uint8)
        return out if dtype is None else out.astype(dtype, copy=False)

    def close(self) -> None:
        self._file.close()

    def __del__(self) -> None:
        try:
            self._file.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
