"""State-dict manifests written from specs/rppg.md (§8.2 PhysNet, §1 RhythmFormer), not from the model code."""

from __future__ import annotations

import pytest

from micropulse.rppg.deep import create_model

BN_KEYS = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def bn(prefix: str, c: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}.{k}": (() if k == "num_batches_tracked" else (c,)) for k in BN_KEYS}


def conv(prefix: str, shape: tuple[int, ...], bias: bool = True) -> dict[str, tuple[int, ...]]:
    out = {f"{prefix}.weight": shape}
    if bias:
        out[f"{prefix}.bias"] = (shape[0],)
    return out


def physnet_manifest() -> dict[str, tuple[int, ...]]:
    """§8.2: ConvBlock1 (16,3,1,5,5); 2 (32,16,3,3,3); 3 (64,32,3,3,3); 4-9 (64,64,3,3,3); upsample(2)
    ConvTranspose (64,64,4,1,1); ConvBlock10 (1,64,1,1,1); each conv block = conv + BN."""
    shapes = {1: (16, 3, 1, 5, 5), 2: (32, 16, 3, 3, 3), 3: (64, 32, 3, 3, 3)}
    shapes.update({i: (64, 64, 3, 3, 3) for i in range(4, 10)})
    m: dict[str, tuple[int, ...]] = {}
    for i, shape in shapes.items():
        m |= conv(f"ConvBlock{i}.0", shape) | bn(f"ConvBlock{i}.1", shape[0])
    for name in ("upsample", "upsample2"):
        m |= conv(f"{name}.0", (64, 64, 4, 1, 1)) | bn(f"{name}.1", 64)
    m |= conv("ConvBlock10", (1, 64, 1, 1, 1))
    return m


def rhythmformer_manifest() -> dict[str, tuple[int, ...]]:
    """§1.2-1.6: fusion stem, patch embedding, 3 TPT stages (t_patch 2/4/8 => 1/2/3 down/up-samplings,
    2 blocks each), Conv1d head; official module names (toolbox/zizheng-guo RhythmFormer.py)."""
    m: dict[str, tuple[int, ...]] = {}
    for name, c_in, k in (("stem11", 3, 5), ("stem12", 12, 5), ("stem21", 64, 3), ("stem22", 64, 3)):
        m |= conv(f"Fusion_Stem.{name}.0", (64, c_in, k, k)) | bn(f"Fusion_Stem.{name}.1", 64)
    m |= conv("patch_embedding", (64, 64, 1, 4, 4))
    for s, levels in enumerate((1, 2, 3)):
        p = f"stages.{s}"
        for j in range(levels):
            m |= bn(f"{p}.downsample_layers.{j}.0", 64) | conv(
                f"{p}.downsample_layers.{j}.1", (64, 64, 2, 1, 1)
            )
            m |= conv(f"{p}.upsample_layers.{j}.1", (64, 64, 3, 1, 1)) | bn(f"{p}.upsample_layers.{j}.2", 64)
        for b in range(2):
            q = f"{p}.blocks.{b}"
            m |= bn(f"{q}.norm1", 64) | bn(f"{q}.norm2", 64)
            m |= conv(f"{q}.attn.lepe", (64, 1, 3, 3, 3))
            m |= conv(f"{q}.attn.qkv_linear", (192, 64, 1, 1, 1))
            m |= conv(f"{q}.attn.output_linear", (64, 64, 1, 1, 1))
            for proj in ("proj_q", "proj_k"):
                m |= conv(f"{q}.attn.{proj}.0.conv", (64, 64, 3, 3, 3), bias=False) | bn(
                    f"{q}.attn.{proj}.1", 64
                )
            m |= conv(f"{q}.attn.proj_v.0", (64, 64, 1, 1, 1), bias=False)
            m |= conv(f"{q}.mlp.0", (96, 64, 1, 1, 1)) | bn(f"{q}.mlp.1", 96)
            m |= conv(f"{q}.mlp.3", (96, 96, 3, 3, 3)) | bn(f"{q}.mlp.4", 96)
            m |= conv(f"{q}.mlp.6", (64, 96, 1, 1, 1)) | bn(f"{q}.mlp.7", 64)
    m |= conv("ConvBlockLast", (1, 64, 1))
    return m


def shapes_of(name: str) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in create_model(name, random_init=True).state_dict().items()}


@pytest.mark.parametrize(
    ("name", "manifest"), [("physnet", physnet_manifest), ("rhythmformer", rhythmformer_manifest)]
)
def test_state_dict_equals_manifest(name, manifest):
    expected = manifest()
    got = shapes_of(name)
    assert sorted(set(expected) - set(got)) == []
    assert sorted(set(got) - set(expected)) == []
    assert {k: v for k, v in got.items() if expected[k] != v} == {}


def test_physnet_manifest_has_79_keys():
    assert len(physnet_manifest()) == 79  # §8.2


def test_rhythmformer_parameter_split_matches_spec():
    """§1.7: stem 98,496; patch-embed 65,600; stages 1,033,088 / 1,053,952 / 1,074,816; head 65."""
    model = create_model("rhythmformer", random_init=True)
    groups: dict[str, int] = {}
    for key, p in model.named_parameters():
        group = ".".join(key.split(".")[:2]) if key.startswith("stages") else key.split(".")[0]
        groups[group] = groups.get(group, 0) + p.numel()
    assert groups == {
        "Fusion_Stem": 98_496,
        "patch_embedding": 65_600,
        "stages.0": 1_033_088,
        "stages.1": 1_053_952,
        "stages.2": 1_074_816,
        "ConvBlockLast": 65,
    }
    unused = sum(p.numel() for k, p in model.named_parameters() if ".qkv_linear." in k)
    assert unused == 74_880 and sum(groups.values()) - unused == 3_251_137
