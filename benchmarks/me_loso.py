"""ME-TST leave-one-subject-out on synthetic CAS(ME)^3- and SAMM-LV-layout trees through the loaders; pooled
MEGC scores per decoder (synthetic numbers). Prints JSON.

    python benchmarks/me_loso.py WORK_DIR [EPOCHS=10]
"""
import json
import sys
import time
from pathlib import Path

import torch

from micropulse.synth.me_dataset import write_me_dataset
from micropulse.train import TrainSettings
from micropulse.train.me_task import run_loso

base = Path(sys.argv[1])
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
torch.set_num_threads(1)
out = {}
for layout in ("casme3", "samm-lv"):
    t0 = time.time()
    root = base / layout
    if not root.exists():
        write_me_dataset(root, layout=layout, n_subjects=4, videos_per_subject=1, seconds=12.0, n_micro=3,
                         n_macro=1, size=128, seed=3)
    opts = {"model": "me-tst", "model_options": {"dim": 32, "depth": 4, "d_state": 16}, "flow": "dis",
            "ratio": None, "dataset": layout, "root": str(root), "cache_dir": str(base / "cache")}
    settings = TrainSettings(epochs=epochs, batch_size=16, lr=3e-3, device="cpu", threads=1,
                             out_dir=str(base / f"loso-{layout}"))
    res = {}
    for where in ("after-matching", "before-matching"):
        pooled = run_loso({**opts, "neutral_filter": where}, settings)
        res[where] = {"by_decoder": pooled["by_decoder"], "strs": pooled["strs"],
                      "before_neutral_filter": pooled.get("before_neutral_filter"), "folds": pooled["folds"]}
    res["wall_s"] = round(time.time() - t0, 1)
    out[layout] = res
print(json.dumps({"synthetic": True, "epochs": epochs, **out}, indent=1))
