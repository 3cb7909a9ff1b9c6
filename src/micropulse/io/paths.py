"""Output paths checked before the work starts: an unwritable place fails at once, with its name.

A job that analyses a video for a minute and then cannot write its results wastes the minute and ends
in a traceback; these checks turn that into an :class:`~micropulse.errors.InputError` up front. A
check creates the missing folders (the outputs will go there anyway) and proves the place writable by
creating and removing a temporary file, which also catches read-only file systems, ``/proc`` and
root-owned folders where :func:`os.access` would answer yes for root.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from micropulse.errors import InputError


def _probe(folder: Path, what: str, shown: Path) -> None:
    try:
        fd, name = tempfile.mkstemp(prefix=".micropulse-probe-", dir=folder)
    except OSError as exc:
        raise InputError(
            f"cannot write the {what}: creating a file in {folder} fails ({exc.strerror or exc})", shown
        ) from None
    os.close(fd)
    os.unlink(name)


def _make_folder(folder: Path, what: str, shown: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError(f"cannot write the {what} here: {folder} is a file, not a folder", shown)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot write the {what}: creating the folder {folder} fails ({exc.strerror or exc})", shown
        ) from None


def check_output_dir(path: str | Path, what: str = "outputs") -> Path:
    """Make sure ``path`` is (or can be made) a folder we can write in; returns it as a Path.

    Raises:
        InputError: naming ``path``: it is a file, a parent is a file, or the place is not writable.
    """
    folder = Path(path)
    for parent in (folder, *folder.parents):  # "face.png/sub": a parent that is a file
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"cannot write the {what} here: {parent} is a file, not a folder", folder)
            break
    _make_folder(folder, what, folder)
    _probe(folder, what, folder)
    return folder


def check_output_file(path: str | Path, what: str = "output file") -> Path:
    """Make sure the file ``path`` can be written (its folder is created); returns it as a Path.

    An existing file is left untouched (it is replaced only when the real output is written).

    Raises:
        InputError: naming ``path``: it is a folder, a parent is a file, or the folder is not writable.
    """
    file = Path(path)
    if file.is_dir():
        raise InputError(f"cannot write the {what} here: it is a folder, give a file name", file)
    folder = file.parent
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"cannot write the {what} here: {parent} is a file, not a folder", file)
            break
    _make_folder(folder, what, file)
    _probe(folder, what, file)
    if file.exists() and not os.access(file, os.W_OK):
        raise InputError(f"cannot write the {what} here: the file is read-only", file)
    return file
