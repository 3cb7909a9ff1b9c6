"""Streaming RhythmMamba equals the whole-sequence model on the blocked definition (streaming.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from micropulse.errors import InputError
from micropulse.rppg.deep.rhythmmamba import build_rhythmmamba
from micropulse.rppg.deep.streaming import RhythmMambaStream

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    m = build_rhythmmamba(depth=2, embed_dim=16, d_state=4).eval()
    with torch.no_grad():  # make the BN statistics and dt biases non-trivial
        for mod in m.modules():
            if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
                mod.running_mean.normal_(0, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
        for blk in m.blocks:
            blk.attn.mamba.dt_proj.bias.normal_()
    return m


@pytest.mark.parametrize(("frames", "block_tokens"), [(53, 8), (40, 5), (7, 8), (2, 3)])
def test_stream_equals_blocked_whole_sequence(small_model, frames, block_tokens):
    torch.manual_seed(frames)
    x = torch.randn(1, frames, 3, 32, 32)
    with torch.no_grad():
        want = small_model(x, block_tokens=block_tokens)[0].numpy()
    stream = RhythmMambaStream(small_model, block_tokens=block_tokens, stem_batch=3)
    got = stream.run(x[0])
    assert got.shape == (2 * (frames // 2),)
    np.testing.assert_allclose(got, want, atol=2e-5, rtol=1e-5)


def test_token_steps_equal_scan(small_model):
    x = torch.randn(1, 37, 3, 32, 32)
    a = RhythmMambaStream(small_model, block_tokens=10).run(x[0])
    b = RhythmMambaStream(small_model, block_tokens=10, token_steps=True).run(x[0])
    np.testing.assert_allclose(a, b, atol=2e-5)


def test_one_block_equals_official_and_outputs_arrive_per_block(small_model):
    x = torch.randn(1, 32, 3, 32, 32)
    with torch.no_grad():
        official = small_model(x)[0].numpy()
    stream = RhythmMambaStream(small_model, block_tokens=8, stem_batch=1)
    sizes = [stream.push(f).size for f in x[0]]
    # block 1 (frames 0..15) is ready once frame 17 arrived (2-frame look-ahead of the stem)
    assert sizes[:17] == [0] * 17 and sizes[17] == 16
    rest = stream.flush()
    assert rest.size == 16
    whole = RhythmMambaStream(small_model, block_tokens=16).run(x[0])
    np.testing.assert_allclose(whole, official, atol=2e-5)


def test_bad_frames(small_model):
    stream = RhythmMambaStream(small_model)
    with pytest.raises(InputError, match=r"\(3, H, W\)"):
        stream.push(torch.zeros(32, 32, 3))
    stream.push(torch.zeros(3, 32, 32))
    with pytest.raises(InputError, match="frame size changed"):
        stream.push(torch.zeros(3, 16, 16))


def test_stream_refuses_a_model_that_is_not_frame_local(small_model):
    from micropulse.rppg.deep.rhythmmamba import RhythmMamba

    class TimeMask(RhythmMamba):  # like open-rppg's mask, which averages over time
        def frames_to_tokens(self, f):
            return super().frames_to_tokens(f - f.mean(dim=2, keepdim=True))

    model = TimeMask(depth=1, embed_dim=16, d_state=4).eval()
    assert small_model.frame_local() and not model.frame_local()
    x = torch.randn(1, 12, 3, 16, 16)
    with torch.no_grad():  # not frame-local => tokens() ignores frame_chunk (whole clip, exact)
        assert torch.equal(model.tokens(x, frame_chunk=4), model.tokens(x, frame_chunk=None))
    with pytest.raises(InputError, match="not frame-local"):
        RhythmMambaStream(model)
