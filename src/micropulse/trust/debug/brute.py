"""Exact brute force over all 2**n subsets, fewest removals first, with early exit.

Masks are evaluated in float64 chunks (vectorised over masks, :mod:`~micropulse.trust.debug.batch`);
a mask whose float result is flagged uncertain is replayed exactly in Fractions before it is trusted, and
the returned certificate is always verified exactly. Because masks are visited in order of the number of
removed samples, the first certificate found removes as few samples as possible.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import numpy as np

from micropulse.progress import progress
from micropulse.trust.debug.batch import replay_batch
from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.result import InstanceTooLargeError, SolveResult
from micropulse.trust.debug.sgd import replay

log = logging.getLogger(__name__)

BRUTE_MAX_N = 22  # 2**22 = 4.2 M subsets: about a minute in float64 on one core
BRUTE_CHUNK = 1 << 14  # masks per vectorised batch


def masks_by_removals(n: int, chunk: int = BRUTE_CHUNK) -> Iterator[np.ndarray]:
    """All 2**n keep masks as (B, n) bool chunks, ordered by the number of removed samples (0, 1, ...)."""
    ints = np.arange(1 << n, dtype=np.int64)
    kept = _popcount(ints, n)
    for removed in range(n + 1):
        sel = ints[kept == n - removed]
        for start in range(0, sel.size, chunk):
            part = sel[start : start + chunk]
            yield ((part[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)


def _popcount(ints: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(ints.shape, dtype=np.int64)
    for j in range(n):
        out += (ints >> j) & 1
    return out


def brute_force(
    instance: Instance, *, max_n: int = BRUTE_MAX_N, progress_bar: bool = False, chunk: int = BRUTE_CHUNK
) -> SolveResult:
    """Decide DEBUGGABLE by trying every subset (exact for every loss with an exact slope).

    Args:
        instance: the problem (any loss, dimension, epochs).
        max_n: refuse instances with more samples (raises :class:`InstanceTooLargeError`).
        progress_bar: draw a progress bar over the 2**n masks.
        chunk: masks per vectorised float64 batch.
    """
    n = instance.n
    if n > max_n:
        raise InstanceTooLargeError(
            f"brute force over 2**{n} subsets is too big (limit n <= {max_n}); "
            "use solver='milp' (one-epoch hinge/linear), 'gta' (tractable classes) or a heuristic"
        )
    t0 = time.perf_counter()
    exact = instance.loss.exact
    tried = exact_replays = flagged = 0
    found: np.ndarray | None = None
    with progress(1 << n, "brute force over subsets", enabled=progress_bar) as advance:
        for masks in masks_by_removals(n, chunk):
            res = replay_batch(instance, masks)
            tried += masks.shape[0]
            advance(masks.shape[0])
            flagged += int(res.uncertain.sum())
            for b in np.flatnonzero(res.correct | res.uncertain):
                exact_replays += 1
                if replay(instance, masks[b], exact=exact).correct:
                    found = masks[b].copy()
                    break
                if not res.uncertain[b]:
                    log.warning("float64 and exact replay disagree on an unflagged mask; trusting exact")
            if found is not None:
                break
    work = {
        "masks_tried": tried, "masks_total": 1 << n, "uncertain_masks": flagged,
        "exact_replays": exact_replays, "seconds": time.perf_counter() - t0,
    }  # fmt: skip
    notes = () if exact else (f"the {instance.loss.name} loss is float-only: the search ran in float64",)
    if found is None:
        return SolveResult("brute", False, None, exact, work, None, notes)
    return SolveResult("brute", True, found, exact, work, None, notes, replay(instance, found, exact=exact))
