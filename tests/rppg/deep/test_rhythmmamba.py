"""RhythmMamba: parameter count, state-dict manifest (specs/rppg.md §2), MTC and FFN quirks, init."""

from __future__ import annotations

import pytest
import torch

from micropulse.errors import InputError
from micropulse.rppg.deep.rhythmmamba import FrequencyFFN, RhythmMambaBlock, build_rhythmmamba

pytestmark = pytest.mark.usefixtures("one_thread")


def _bn(prefix: str, c: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}.weight": (c,), f"{prefix}.bias": (c,), f"{prefix}.running_mean": (c,),
            f"{prefix}.running_var": (c,), f"{prefix}.num_batches_tracked": ()}  # fmt: skip


def official_manifest(depth: int = 24) -> dict[str, tuple[int, ...]]:
    """Key names and shapes of the official RhythmMamba state dict, written from specs §2.2-2.4."""
    m: dict[str, tuple[int, ...]] = {}
    for name, c_out, c_in in (("stem11", 12, 3), ("stem12", 12, 12), ("stem21", 24, 12), ("stem22", 24, 12)):
        m[f"Fusion_Stem.{name}.0.weight"] = (c_out, c_in, 7, 7)
        m[f"Fusion_Stem.{name}.0.bias"] = (c_out,)
        m.update(_bn(f"Fusion_Stem.{name}.1", c_out))
    m["stem3.0.weight"] = (96, 24, 2, 5, 5)
    m["stem3.0.bias"] = (96,)
    m.update(_bn("stem3.1", 96))
    for i in range(depth):
        p = f"blocks.{i}"
        for ln in ("norm1", "norm2", "attn.norm"):
            m[f"{p}.{ln}.weight"] = (96,)
            m[f"{p}.{ln}.bias"] = (96,)
        mb = f"{p}.attn.mamba"
        m.update({f"{mb}.A_log": (192, 48), f"{mb}.D": (192,), f"{mb}.in_proj.weight": (384, 96),
                  f"{mb}.conv1d.weight": (192, 1, 4), f"{mb}.conv1d.bias": (192,),
                  f"{mb}.x_proj.weight": (102, 192), f"{mb}.dt_proj.weight": (192, 6),
                  f"{mb}.dt_proj.bias": (192,), f"{mb}.out_proj.weight": (96, 192)})  # fmt: skip
        for w in ("r", "i"):
            m[f"{p}.mlp.{w}"] = (192, 192)
        m[f"{p}.mlp.rb"] = (192,)
        m[f"{p}.mlp.ib"] = (192,)
        m[f"{p}.mlp.fc1.0.weight"] = (192, 96, 1)
        m.update(_bn(f"{p}.mlp.fc1.1", 192))
        m[f"{p}.mlp.fc2.0.weight"] = (96, 192, 1)
        m.update(_bn(f"{p}.mlp.fc2.1", 96))
    m["ConvBlockLast.weight"] = (1, 96, 1)
    m["ConvBlockLast.bias"] = (1,)
    return m


@pytest.fixture(scope="module")
def full_model():
    torch.manual_seed(0)
    return build_rhythmmamba().eval()


def test_parameter_count(full_model):
    assert sum(p.numel() for p in full_model.parameters()) == 4_922_125


def test_state_dict_manifest(full_model):
    got = {k: tuple(v.shape) for k, v in full_model.state_dict().items()}
    assert got == official_manifest(24)
    # the official checkpoint loads strictly into a fresh model
    other = build_rhythmmamba()
    other.load_state_dict(full_model.state_dict(), strict=True)


def test_init_overrides(full_model):
    blk = full_model.blocks[5]
    mamba = blk.attn.mamba
    assert torch.count_nonzero(mamba.dt_proj.bias) == 0  # trap 5: dt init wiped
    assert abs(mamba.dt_proj.weight.std().item() - 0.02) < 0.004
    assert abs(mamba.out_proj.weight.std().item() - 0.0085) < 0.001
    assert torch.allclose(mamba.A_log.exp()[7], torch.arange(1, 49, dtype=torch.float32))
    assert torch.equal(mamba.D, torch.ones(192))
    assert abs(blk.mlp.r.std().item() - 0.02) < 0.002
    assert full_model.blocks[0].drop_path.__class__.__name__ == "Identity"
    assert abs(full_model.blocks[23].drop_path.rate - 0.1 * 22 / 23) < 1e-6  # block i gets dpr[i-1]


def test_tiny_full_size_forward_odd_length(full_model):
    x = torch.randn(1, 9, 3, 32, 32)
    with torch.no_grad():
        y = full_model(x)
    assert y.shape == (1, 8) and torch.isfinite(y).all()


def test_bad_input(full_model):
    with pytest.raises(InputError, match=r"\(N, D, 3, H, W\)"):
        full_model(torch.randn(1, 8, 4, 32, 32))


def _small_block(seed=0, full=False):
    torch.manual_seed(seed)
    blk = RhythmMambaBlock(16, 2, d_state=4, ffn_full_matrix=full).eval()
    with torch.no_grad():
        blk.attn.mamba.dt_proj.bias.normal_()
    return blk


@pytest.mark.parametrize("length", [12, 14, 3])
def test_mtc_is_mean_of_restarted_scans(length):
    blk = _small_block()
    x = torch.randn(2, length, 16)
    with torch.no_grad():
        got = blk.mtc(x)
        full = blk.attn(x)
        tt = length // 4
        want = full.clone()
        for t in range(4 * tt):
            s = t // tt
            outs = [blk.attn(x[:, j * tt :])[:, t - j * tt] for j in range(s + 1)]
            want[:, t] = torch.stack(outs).mean(0)
    assert torch.allclose(got, want, atol=1e-5)
    if tt:
        assert not torch.allclose(got[:, tt:], full[:, tt:], atol=1e-4)


def test_ffn_diagonal_quirk_and_full_matrix_option():
    torch.manual_seed(1)
    ffn = FrequencyFFN(8, 2).eval()
    x = torch.randn(3, 10, 8)
    h = ffn.fc1(x.transpose(1, 2)).transpose(1, 2)
    spec = torch.fft.fft(h, dim=1, norm="ortho")

    def ref(eq: str) -> torch.Tensor:
        re = torch.relu(torch.einsum(eq, spec.real, ffn.r) - torch.einsum(eq, spec.imag, ffn.i) + ffn.rb)
        im = torch.relu(torch.einsum(eq, spec.imag, ffn.r) + torch.einsum(eq, spec.real, ffn.i) + ffn.ib)
        t = torch.fft.ifft(torch.complex(re, im), dim=1, norm="ortho").real
        return ffn.fc2(t.transpose(1, 2)).transpose(1, 2)

    with torch.no_grad():
        assert torch.allclose(ffn(x), ref("bnc,cc->bnc"), atol=1e-6)
        ffn.full_matrix = True
        assert torch.allclose(ffn(x), ref("bnc,cd->bnd"), atol=1e-6)
    ffn.full_matrix = False
    ffn(x).sum().backward()
    off = ~torch.eye(16, dtype=torch.bool)
    assert torch.count_nonzero(ffn.r.grad[off]) == 0 and torch.count_nonzero(ffn.r.grad.diagonal()) > 0


def test_small_model_scan_paths_agree_with_grads():
    torch.manual_seed(3)
    model = build_rhythmmamba(depth=2, embed_dim=16, d_state=4, drop_path_rate=0.0)
    model.train()
    x = torch.randn(2, 12, 3, 16, 16)
    grads = []
    outs = []
    for method in ("sequential", "chunked"):
        for mod in model.modules():
            if hasattr(mod, "scan_method"):
                mod.scan_method = method
        model.zero_grad()
        y = model(x)
        (y * torch.linspace(-1, 1, y.shape[1])).sum().backward()
        outs.append(y.detach())
        grads.append({k: p.grad.clone() for k, p in model.named_parameters() if p.grad is not None})
    assert (outs[0] - outs[1]).abs().max() <= 1e-5
    assert grads[0].keys() == grads[1].keys() and "blocks.1.attn.mamba.A_log" in grads[0]
    for k in grads[0]:
        assert (grads[0][k] - grads[1][k]).abs().max() <= 1e-4, k


@pytest.mark.parametrize(("frames", "chunk"), [(13, 4), (20, 6), (9, 160)])
def test_chunked_stem_equals_whole_clip(frames, chunk):
    torch.manual_seed(4)
    model = build_rhythmmamba(depth=1, embed_dim=16, d_state=4).eval()
    x = torch.randn(2, frames, 3, 16, 16)
    with torch.no_grad():
        f = model.Fusion_Stem(x)
        f = f.view(2, frames, *f.shape[1:]).permute(0, 2, 1, 3, 4)[:, :, : frames - frames % 2]
        want = model.frames_to_tokens(f)  # the official order: whole-clip stem, then stem3
        got = model.tokens(x, frame_chunk=chunk)
    assert got.shape == (2, frames // 2, 16)
    assert torch.allclose(got, want, atol=1e-5)
