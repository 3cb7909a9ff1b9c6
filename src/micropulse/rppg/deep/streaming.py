"""RhythmMamba on a frame stream with constant memory (issue 5, item 5).

What is streamed, and how it differs from the whole-sequence model
-------------------------------------------------------------------
* **Stem** (diff-fusion, specs/rppg.md §2.2): per frame, needs frames t-2..t+2, so a frame's features
  exist 2 frames after it arrives (fixed 2-frame look-ahead). The stream start/end replicate the first/last
  frame exactly as the whole-sequence stem does. Identical to the whole-sequence stem.
* **stem3** (temporal kernel 2, stride 2), the attention mask and the spatial mean are local to a frame pair:
  one token per 2 frames, identical to the whole-sequence model.
* **Blocks**: two parts of a block look at the whole token sequence, so they cannot be made causal without
  changing the trained model: the multi-temporal constraint (restarts at quarters of the WHOLE length L,
  §2.3) and the frequency-domain FFN (an FFT over the whole length). The streaming definition therefore cuts
  the token stream into consecutive, independent blocks of ``block_tokens`` tokens (default 80 tokens = 160
  frames, the training chunk) and applies the official block maths to each: restarts every
  ``tt = block_tokens // 4`` tokens, averaged per quarter, and the FFN over the block. This is exactly
  ``model(x, block_tokens=block_tokens)``; it equals the official ``model(x)`` only when the video is one block
  long. Each block is the context the published weights were trained on (160-frame chunks).
* **Latency and memory**: a block's 2*block_tokens output samples appear when its last frame (+2 look-ahead)
  has arrived; memory holds at most one block of tokens, ``stem_batch`` + 4 frames and the model: flat in the
  stream length.
* With ``token_steps=True`` each Mamba layer runs token by token through :meth:`Mamba.step` with explicit
  states (4 batched restart copies, reset at their restart token) instead of the sequential scan over the
  block: the same numbers, slower; it demonstrates the recurrent form the scan allows.

The caller feeds normalised frames (Standardized as in training); the official normalisation uses statistics
of the whole video, which a stream does not have (see the input transforms for a causal running version).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable

import numpy as np
import torch

from micropulse.errors import InputError
from micropulse.nn.stem import window_differences
from micropulse.rppg.deep.rhythmmamba import MTC_COPIES, RhythmMamba, RhythmMambaBlock

logger = logging.getLogger(__name__)


def _mtc_by_steps(blk: RhythmMambaBlock, x: torch.Tensor) -> torch.Tensor:
    """The block's MTC computed token by token with Mamba.step (same result as ``blk.mtc``)."""
    b, length, _ = x.shape
    tt = length // MTC_COPIES
    mamba = blk.attn.mamba
    copies = MTC_COPIES if tt > 0 else 1
    state = mamba.allocate_state(copies * b, device=x.device)
    outs = []
    for t in range(length):
        if tt > 0 and t % tt == 0 and 0 < t // tt < MTC_COPIES:  # restart copy j = t // tt here
            j = t // tt
            state.conv[j * b : (j + 1) * b].zero_()
            state.ssm[j * b : (j + 1) * b].zero_()
        y = mamba.step(blk.attn.norm(x[:, t]).repeat(copies, 1), state).view(copies, b, -1)
        live = min(t // tt, MTC_COPIES - 1) if tt > 0 and t < MTC_COPIES * tt else 0
        acc = y[0]
        for j in range(1, live + 1):  # same summation order as mtc_combine
            acc = acc + y[j]
        outs.append(acc / (live + 1) if live else acc)
    return torch.stack(outs, dim=1)


class RhythmMambaStream:
    """Push frames one at a time, get rPPG samples block by block.

    Args:
        model: a :class:`RhythmMamba` (put in eval mode here).
        block_tokens: tokens per independent block (2 frames per token); 80 = the 160-frame training chunk.
        stem_batch: frames whose stem is computed together (adds no latency beyond the block; bounds memory).
        token_steps: run Mamba through its one-step recurrent path instead of the scan (same output).

    Example::

        stream = RhythmMambaStream(model)
        for frame in frames:                  # frame: (3, H, W) float tensor, normalised
            bvp_part = stream.push(frame)     # numpy array, often empty
        bvp_tail = stream.flush()
    """

    def __init__(
        self, model: RhythmMamba, block_tokens: int = 80, stem_batch: int = 16, token_steps: bool = False
    ) -> None:
        if block_tokens < 1 or stem_batch < 1:
            raise InputError(f"block_tokens and stem_batch must be >= 1; got {block_tokens}, {stem_batch}")
        if not model.frame_local():
            raise InputError(
                f"{type(model).__name__} is not frame-local (its stem or attention mask looks across time, as "
                "open-rppg's variant does); streaming supports the official RhythmMamba"
            )
        self.model = model.eval()
        self.block_tokens = int(block_tokens)
        self.stem_batch = int(stem_batch)
        self.token_steps = token_steps
        self._window: deque[torch.Tensor] = deque(maxlen=5)  # raw frames t-2 .. t+2
        self._pending: list[torch.Tensor] = []  # 5-frame windows whose stem is not computed yet
        self._features: list[torch.Tensor] = []  # stem features not yet paired into a token
        self._tokens: list[torch.Tensor] = []  # tokens of the current block
        self.frames_in = 0  # frames pushed since the stream started
        self.samples_out = 0  # rPPG samples returned since the stream started

    def _check(self, frame: torch.Tensor) -> torch.Tensor:
        frame = torch.as_tensor(frame, dtype=torch.float32)
        if frame.ndim != 3 or frame.shape[0] != 3:
            raise InputError(f"stream frames must be (3, H, W); got {tuple(frame.shape)}")
        if self._window and frame.shape != self._window[-1].shape:
            raise InputError(
                f"frame size changed from {tuple(self._window[-1].shape)} to {tuple(frame.shape)}"
            )
        return frame

    @torch.no_grad()
    def push(self, frame: torch.Tensor | np.ndarray) -> np.ndarray:
        """Add one frame ``(3, H, W)``; returns the rPPG samples that became ready (maybe none)."""
        frame = self._check(frame)
        if not self._window:  # stream start: frames -2 and -1 replicate frame 0 (as the whole-sequence stem)
            self._window.extend([frame, frame])
        self._window.append(frame)
        self.frames_in += 1
        if len(self._window) == 5:  # the window centred on frame frames_in - 3 is complete
            self._pending.append(torch.stack(tuple(self._window)))
        return self._advance(final=False)

    @torch.no_grad()
    def flush(self) -> np.ndarray:
        """End of stream: complete the last 2 frames (replicating the last one) and the last block.

        The stream is then reset and can take a new video."""
        if self.frames_in == 0:
            return np.zeros(0, dtype=np.float32)
        last = self._window[-1]
        for _ in range(2):  # frames F and F+1 replicate frame F-1
            self._window.append(last)
            if len(self._window) == 5:
                self._pending.append(torch.stack(tuple(self._window)))
        out = self._advance(final=True)
        self.reset()
        return out

    def reset(self) -> None:
        """Forget the current stream (buffers and counters)."""
        self._window.clear()
        self._pending = []
        self._features = []
        self._tokens = []
        self.frames_in = 0
        self.samples_out = 0

    def _advance(self, final: bool) -> np.ndarray:
        if self._pending and (final or len(self._pending) >= self.stem_batch):
            windows = torch.stack(self._pending)  # (M, 5, 3, H, W)
            self._pending = []
            raw, diff = window_differences(windows)
            self._features.extend(self.model.Fusion_Stem.fuse(raw, diff).unbind(0))
        pairs = len(self._features) // 2
        if pairs:
            f = torch.stack(self._features[: 2 * pairs], dim=1).unsqueeze(0)  # (1, C/4, 2*pairs, H', W')
            del self._features[: 2 * pairs]
            self._tokens.extend(self.model.frames_to_tokens(f)[0].unbind(0))
        out = []
        while len(self._tokens) >= self.block_tokens:
            out.append(self._run_block(self._tokens[: self.block_tokens]))
            del self._tokens[: self.block_tokens]
        if final:
            if self._tokens:
                out.append(self._run_block(self._tokens))
            self._tokens = []
            self._features = []  # an odd last frame is dropped, as in the whole-sequence model
        if not out:
            return np.zeros(0, dtype=np.float32)
        bvp = np.concatenate(out)
        self.samples_out += bvp.size
        return bvp

    def _run_block(self, tokens: list[torch.Tensor]) -> np.ndarray:
        x = torch.stack(tokens).unsqueeze(0)  # (1, L, C)
        if self.token_steps:
            for blk in self.model.blocks:
                x = x + blk.drop_path(blk.norm1(_mtc_by_steps(blk, x)))
                x = x + blk.drop_path(blk.mlp(blk.norm2(x)))
        else:
            x = self.model.forward_tokens(x)
        return self.model.head(x)[0].numpy().astype(np.float32)

    def run(self, frames: Iterable[torch.Tensor | np.ndarray]) -> np.ndarray:
        """Stream a whole iterable of frames; returns all samples (2*floor(D/2) for D frames)."""
        parts = [self.push(f) for f in frames]
        parts.append(self.flush())
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
