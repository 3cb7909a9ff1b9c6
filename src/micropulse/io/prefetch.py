"""Decode ahead in a background thread so decoding overlaps the analysis of earlier frames.

OpenCV releases the GIL while it decodes and converts, so on a machine with two cores the decoder and
the face/region work run side by side.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


def prefetch(items: Iterable[T], depth: int = 16) -> Iterator[T]:
    """Iterate ``items`` in a background thread, keeping up to ``depth`` items ready.

    Exceptions raised by the producer are re-raised in the consumer. Stopping early (``break`` or
    closing the generator) stops the producer at its next item.
    """
    if depth <= 0:
        yield from items
        return
    buf: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        it = iter(items)
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        buf.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
        except BaseException as exc:  # handed to the consumer below
            failure.append(exc)
        finally:
            close = getattr(it, "close", None)
            if stop.is_set() and callable(close):
                close()
            while True:
                try:
                    buf.put(_END, timeout=0.1)
                    break
                except queue.Full:
                    if stop.is_set():
                        break

    worker = threading.Thread(target=produce, name="micropulse-prefetch", daemon=True)
    worker.start()
    get = buf.get
    try:
        while True:
            item = get()
            if item is _END:
                break
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                buf.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
    if failure:
        raise failure[0]
