"""Running a micro-expression model on feature windows (torch): the one place ME inference touches torch."""

from __future__ import annotations

import numpy as np
import torch

#: Emotion logits per frame (negative, positive, surprise, others, neutral; specs §2.3).
N_LOGITS = 5


@torch.no_grad()
def window_outputs(
    model: torch.nn.Module, windows: np.ndarray, batch_size: int = 256, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Run a model on ``(W, C, k)`` windows -> spot scores ``(W, k)`` and recognition logits ``(W, k, 5)``.

    ``threads``: torch intra-op threads for this call (restored after); None keeps the current setting.
    """
    if threads is not None:
        before = torch.get_num_threads()
        torch.set_num_threads(int(threads))
        try:
            return window_outputs(model, windows, batch_size)
        finally:
            torch.set_num_threads(before)
    model.eval()
    device = next(model.parameters()).device
    spots, logits = [], []
    x = torch.as_tensor(np.ascontiguousarray(windows), dtype=torch.float32)
    for i in range(0, len(x), batch_size):
        s, r = model(x[i : i + batch_size].to(device))
        spots.append(s.cpu().numpy())
        logits.append(r.cpu().numpy())
    if not spots:
        return np.zeros((0, windows.shape[-1])), np.zeros((0, windows.shape[-1], N_LOGITS))
    return np.concatenate(spots), np.concatenate(logits)
