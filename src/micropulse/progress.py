"""Progress reporting for long work: a rich progress bar on a terminal, silent elsewhere.

Library code calls :func:`progress` with a total and advances it; whether a bar is drawn is the
caller's choice (the CLI enables it), never read from the environment deep inside the code.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Advance(Protocol):
    def __call__(self, n: int = 1) -> None: ...


@contextmanager
def progress(total: int | None, description: str, enabled: bool = True) -> Iterator[Advance]:
    """Yield an ``advance(n=1)`` callable; draws a rich bar on stderr when ``enabled``.

    Args:
        total: number of steps (frames, videos...), or None when unknown.
        description: text shown before the bar.
        enabled: draw the bar (also requires stderr to be a terminal or rich to force it).
    """
    if not enabled or not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    cols = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*cols, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
