"""The published weight files micropulse knows, by sha256, and where a user gets them (torch-free).

Nothing is downloaded: users pass paths. The tables give what cannot be read from the files themselves
(training set, input, crop geometry, published metric); ``weights.py`` and ``openrppg_h5.py`` apply them.
"""

from __future__ import annotations

from typing import Any

from micropulse.face.geometry import OPENRPPG, TOOLBOX
from micropulse.rppg.deep.info import OPENRPPG_VARIANT

_TOOLBOX_PHYSNET = {
    "input_size": 72,
    "fs": 30.0,
    "normalisation": "DiffNormalized",
    "chunk_length": 128,
    "label_type": "DiffNormalized",
    "crop": TOOLBOX,
}

#: rPPG-Toolbox ``final_model_release/*.pth`` files, by sha256 (specs/rppg.md §8.2).
KNOWN_FILES: dict[str, dict[str, Any]] = {
    "cf295ff0b7a43ee638b9a8ce5a9c62801d5f196b360b3a589fdd5aa43ce623f8": {
        "arch": "physnet",
        "source": "rPPG-Toolbox final_model_release/PURE_PhysNet_DiffNormalized.pth",
        "training_set": "PURE",
        **_TOOLBOX_PHYSNET,
        "published_metric": "PURE->UBFC-rPPG MAE 1.63 bpm / MAPE 1.68 % (rPPG-Toolbox NeurIPS 2023 Table 2; specs/rppg.md §7.5)",
    },
    "6c00db978d9db3566b8953a97cb7cfcd6deb9522b0cbc937c921bb1859a1cdd0": {
        "arch": "physnet",
        "source": "rPPG-Toolbox final_model_release/UBFC-rPPG_PhysNet_DiffNormalized.pth",
        "training_set": "UBFC-rPPG",
        **_TOOLBOX_PHYSNET,
        "published_metric": "UBFC-rPPG->PURE MAE 9.36 bpm / MAPE 17.84 % (rPPG-Toolbox NeurIPS 2023 Table 2; specs/rppg.md §7.5)",
    },
}

OPENRPPG_SOURCE = "open-rppg 0.1.1 wheel (PyPI), rppg/weights/"

#: open-rppg 0.1.1 defaults per architecture (its ``main.py``: 30 fps, chunk 160 / 128, its crop and chunk rules).
OPENRPPG_DEFAULTS: dict[str, dict[str, Any]] = {
    "rhythmmamba": {
        "arch": "rhythmmamba",
        "input_size": 128,
        "fs": 30.0,
        "normalisation": "ChannelStandardized",
        "chunk_length": 160,
        "options": (("ffn_full_matrix", True),),
        "variant": OPENRPPG_VARIANT,
        "crop": OPENRPPG,
        "inference": "openrppg",
    },
    "physnet": {
        "arch": "physnet",
        "input_size": 32,
        "fs": 30.0,
        "normalisation": "ChannelStandardized",
        "chunk_length": 128,
        "variant": OPENRPPG_VARIANT,
        "crop": OPENRPPG,
        "inference": "openrppg",
    },
}


def _h5(arch: str, name: str, training_set: str) -> dict[str, Any]:
    return {**OPENRPPG_DEFAULTS[arch], "source": OPENRPPG_SOURCE + name, "training_set": training_set}


#: The ``.h5`` files of open-rppg 0.1.1, by sha256.
KNOWN_H5: dict[str, dict[str, Any]] = {
    "dc2f9c8e421a70cf31db54a6b3334852f165d4ffa2cf1d15f493afc499ca7bcb": _h5(
        "rhythmmamba", "RhythmMamba.pure.weights.h5", "PURE"
    ),
    "a713be668dfdcd93a21b35a5e5aedcfca42153cd2f69ac0911d63b4ee14f9e2a": _h5(
        "rhythmmamba", "RhythmMamba.rlap.weights.h5", "RLAP"
    ),
    "c4b89ae6d2b442f98d41239d6251608583a95471b6c0ac002932fd34d3dc28c9": _h5(
        "physnet", "physnet.pure.weights.h5", "PURE"
    ),
    "6006ec3e023e73a30ef5ff0086aa09d8cdf92245b19abb04449a4d2f73add4d5": _h5(
        "physnet", "physnet.rlap.weights.h5", "RLAP"
    ),
}

#: Where each kind of published weights comes from (shown when a model is asked for without weights).
WHERE_TO_GET = (
    "the rPPG-Toolbox's final_model_release/*.pth files (e.g. PURE_PhysNet_DiffNormalized.pth), "
    "the .h5 files in the open-rppg wheel's rppg/weights/ folder (`pip download --no-deps open-rppg==0.1.1`), "
    "official RhythmFormer/RhythmMamba .pth checkpoints, or a .pt from `micropulse weights import` or "
    "`micropulse train`"
)


def known_weights(arch: str | None = None) -> list[dict[str, Any]]:
    """Metadata of every known published file (optionally of one architecture), sorted by source."""
    rows = [{**meta, "sha256": sha} for table in (KNOWN_FILES, KNOWN_H5) for sha, meta in table.items()]
    return sorted((r for r in rows if arch is None or r["arch"] == arch), key=lambda r: r["source"])


def list_weights() -> list[str]:
    """File names of the published weights micropulse recognises by sha256 (``arch: file``), sorted."""
    return sorted(f"{r['arch']}: {r['source'].rsplit('/', 1)[-1]}" for r in known_weights())


def missing_weights_message(arch: str) -> str:
    """The error text for a model asked for without trained weights: what to pass and where to get it."""
    files = [r["source"].rsplit("/", 1)[-1] for r in known_weights(arch)]
    known = f" Known {arch} files: {', '.join(files)}." if files else ""
    return (
        f"model {arch!r} needs trained weights: pass --weights FILE (Python: weights=FILE); random weights "
        f"give a meaningless pulse. Get them from {WHERE_TO_GET}.{known} "
        "(Training and tests build random weights explicitly: create_model(name, random_init=True).)"
    )
