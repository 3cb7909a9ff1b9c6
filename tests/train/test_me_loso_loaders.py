"""Issue 13: ME-TST leave-one-subject-out through the ME loaders (synthetic CAS(ME)^3- and SAMM-LV-layout
trees), features cached per video, each decoder scored on the pooled predictions, resume at the unfinished
fold. Numbers are synthetic."""

from __future__ import annotations

import pytest

from micropulse.errors import InputError, UnknownNameError
from micropulse.synth.me_dataset import write_me_dataset
from micropulse.train import TrainSettings, create_task
from micropulse.train.me_task import run_loso

TINY = {
    "model": "me-tst",
    "model_options": {"dim": 16, "depth": 2, "d_state": 8},
    "flow": "dis",
    "ratio": None,
}


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["casme3", "samm-lv"])
def test_loso_on_a_loader_tree_scores_every_decoder_and_resumes(layout, tmp_path):
    root = tmp_path / layout
    truth = write_me_dataset(root, layout=layout, n_subjects=3, videos_per_subject=1, seconds=8.0, n_micro=2,
                             n_macro=0, size=128, seed=3)  # fmt: skip
    opts = {**TINY, "dataset": layout, "root": str(root), "cache_dir": str(tmp_path / "cache")}
    settings = TrainSettings(
        epochs=1, batch_size=8, lr=3e-3, device="cpu", threads=1, out_dir=str(tmp_path / "loso")
    )
    pooled = run_loso(opts, settings)
    assert len(pooled["folds"]) == len({v.subject for v in truth}) == 3
    n_gt = sum(1 for v in truth for iv in v.intervals if iv.type == "me")
    assert pooled["spotting"]["tp"] + pooled["spotting"]["fn"] == n_gt  # every ME scored exactly once
    assert set(pooled["by_decoder"]) == {"peak", "extensible", "megc-samm"}
    for spot in pooled["by_decoder"].values():
        assert spot["tp"] + spot["fn"] == n_gt
    print(layout, "pooled spotting by decoder (synthetic):", pooled["by_decoder"])

    # a kill during the last fold: its outputs are missing -> a rerun trains only that fold
    last = tmp_path / "loso" / f"fold-{pooled['folds'][-1]['subject']}"
    (last / "outputs.npz").unlink()
    (last / "model.pt").unlink()
    done = {f["subject"]: (tmp_path / "loso" / f"fold-{f['subject']}" / "outputs.npz").stat().st_mtime_ns
            for f in pooled["folds"][:-1]}  # fmt: skip
    again = run_loso(opts, settings)
    assert again["spotting"] == pooled["spotting"]  # resumed from the finished checkpoint: same model
    for subject, mtime in done.items():
        assert (tmp_path / "loso" / f"fold-{subject}" / "outputs.npz").stat().st_mtime_ns == mtime
    # another decoder reuses every fold's window scores (decoding options do not retrain)
    extensible = run_loso({**opts, "decoder": "extensible"}, settings)
    assert extensible["decoder"] == "extensible"
    assert extensible["spotting"] == pooled["by_decoder"]["extensible"]
    for subject, mtime in done.items():
        assert (tmp_path / "loso" / f"fold-{subject}" / "outputs.npz").stat().st_mtime_ns == mtime
    # the neutral filter's placement is a decoding option too: after matching by default (BoostingVRME)
    assert pooled["neutral_filter"] == "after-matching" and "before_neutral_filter" in pooled
    before = run_loso({**opts, "neutral_filter": "before-matching", "decoder": "megc-samm"}, settings)
    assert before["neutral_filter"] == "before-matching" and before["decoder"] == "megc-samm"
    assert before["spotting"]["tp"] + before["spotting"]["fn"] == n_gt
    unfiltered = before["before_neutral_filter"]["spotting"]
    assert before["spotting"]["tp"] <= unfiltered["tp"] and before["spotting"]["fp"] <= unfiltered["fp"]
    for subject, mtime in done.items():
        assert (tmp_path / "loso" / f"fold-{subject}" / "outputs.npz").stat().st_mtime_ns == mtime


def test_bad_me_options_fail_before_any_data_work(tmp_path):
    with pytest.raises(UnknownNameError, match="peak"):
        create_task("me-spot", {"decoder": "nope"})
    with pytest.raises(InputError, match="synergy"):
        create_task("me-spot", {"synergy": 3})
    with pytest.raises(InputError, match="unknown ME training dataset 'nope'"):
        create_task("me-spot", {"dataset": "nope", "root": str(tmp_path)})
    with pytest.raises(InputError, match="options.root"):
        create_task("me-spot", {"dataset": "casme3"})


def test_shipped_me_configs_name_known_models_decoders_and_loaders():
    from pathlib import Path

    from micropulse.datasets.me import list_datasets
    from micropulse.me.infer import list_decoders
    from micropulse.me.models.registry import get_spec
    from micropulse.train import load_config

    files = sorted((Path(__file__).resolve().parents[2] / "configs" / "me").glob("*.yaml"))
    assert len(files) == 4  # ME-TST and ME-TST+ on CAS(ME)^3 and SAMM-LV
    for f in files:
        cfg = load_config(f)
        assert cfg.task == "me-spot" and "STRS" in f.read_text()
        assert cfg.options["decoder"] in list_decoders() and cfg.options["dataset"] in list_datasets()
        get_spec(cfg.options["model"])
