"""Cross-dataset synthetic measurement (issue 13): small RhythmMamba trained on a synthetic UBFC-rPPG-layout
tree (protocol rhythm-cross-ubfc-pure: 80 % train / 20 % valid, best-validation epoch), tested on a synthetic
PURE-layout tree; held-out HR MAE of the trained model vs the same initial weights untrained. Prints JSON.

    python benchmarks/train_cross.py WORK_DIR [EPOCHS=20]
"""
import json
import sys
import time
from pathlib import Path

import torch

from micropulse.synth.rppg_trees import make_rppg_tree
from micropulse.train import TrainSettings, create_task, fit
from micropulse.train.loop import seed_everything

base = Path(sys.argv[1])
base.mkdir(parents=True, exist_ok=True)
torch.set_num_threads(1)
t0 = time.time()
if not (base / "ubfc").exists():
    make_rppg_tree("ubfc-rppg", base / "ubfc", n_videos=10, seconds=16, size=64, hr_range_bpm=(55, 120), seed=100)
    make_rppg_tree("pure", base / "pure", n_videos=4, seconds=16, size=64, hr_range_bpm=(60, 115), seed=500)
opts = {"model": "rhythmmamba", "model_options": {"depth": 2, "embed_dim": 32, "d_state": 8, "drop_path_rate": 0.0},
        "augment": True, "protocol": "rhythm-cross-ubfc-pure", "roots": {"ubfc-rppg": str(base / "ubfc"), "pure": str(base / "pure")},
        "size": 32, "chunk_length": 160, "normalisation": "Standardized", "recipe": "rhythm", "cache_dir": str(base / "cache")}
settings = TrainSettings(epochs=int(sys.argv[2]) if len(sys.argv) > 2 else 20, batch_size=4, lr=3e-3, seed=100,
                         device="cpu", threads=1, out_dir=str(base / "run"), resume=False)
task = create_task("rppg", opts)
seed_everything(settings.seed)
untrained = task.build_model().eval()
task.work_dir = base / "untrained"
before = task.tree.evaluate(untrained, "rhythmmamba", task.metadata(), "rhythm", base / "untrained")
res = fit(task, settings)
after = res.test_metrics
def m(d): return {k: d["metrics"][k]["value"] for k in ("MAE", "RMSE")}
print(json.dumps({"synthetic": True, "train": "ubfc-rppg layout, 8 train + 2 valid videos of 16 s", "test": "pure layout, 4 videos",
                  "epochs": settings.epochs, "selected": torch.load(res.model_path, weights_only=False)["metadata"]["selected"],
                  "untrained": m(before), "trained": m(after), "wall_s": round(time.time() - t0, 1)}, indent=1))
