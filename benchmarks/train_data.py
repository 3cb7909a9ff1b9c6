"""rPPG training input pipeline vs the model: prints JSON.

On generated UBFC-rPPG-layout trees (synthetic videos; :func:`micropulse.synth.rppg_trees.make_ubfc_tree`)
the ``rppg`` task preprocesses every video once (front-end crops + crop cache -> memory-mapped chunks). Then,
in the same run and process:

* ``loader_samples_per_s``: chunks per second the DataLoader (``--workers`` processes) delivers alone;
* ``model_samples_per_s``: chunks per second the model's own forward + backward + step sustains on one
  fixed in-memory batch (no input pipeline);
* ``train_samples_per_s``: the two together (a real training epoch through ``fit``'s loader).

The input pipeline is not the bottleneck when ``loader_samples_per_s`` >> ``model_samples_per_s`` and
``train_samples_per_s`` ~ ``model_samples_per_s``. Peak RSS is measured in a fresh child process per
dataset size that iterates the whole dataset through the loader: flat when chunks are memory-mapped.

    python benchmarks/train_data.py [--sizes 3 6 12] [--workers 2] [--model rhythmmamba]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL = {
    "rhythmmamba": {"depth": 2, "embed_dim": 32, "d_state": 8, "drop_path_rate": 0.0},
    "physnet": {"frames": 64},
}


def _task(root: Path, cache: Path, model: str):
    from micropulse.train import create_task

    return create_task("rppg", {
        "model": model, "model_options": SMALL[model], "size": 32, "chunk_length": 64,
        "splits": {"train": {"dataset": "ubfc-rppg", "root": str(root)}, "test": {"dataset": "ubfc-rppg", "root": str(root)}},
        "cache_dir": str(cache),
    })  # fmt: skip


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(root: Path, cache: Path, model: str, workers: int, batch: int) -> dict:
    """Iterate the whole (already preprocessed) dataset once through the loader; peak RSS of this process."""
    import torch
    from torch.utils.data import DataLoader

    ds = _task(root, cache, model).train_data()
    base = _rss_mb()
    n = 0
    for x, _ in DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers):
        n += x.shape[0]
    mb = sum(Path(f.stem + ".x.npy").stat().st_size for f in ds.files) / 2**20
    return {"chunks": n, "dataset_mb": round(mb, 1), "peak_rss_mb": round(_rss_mb(), 1),
            "rss_before_loop_mb": round(base, 1), "torch_threads": torch.get_num_threads(),
            "peak_rss_loader_workers_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[3, 6, 12], help="videos per tree")
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--model", default="rhythmmamba", choices=sorted(SMALL))
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(
            json.dumps(child(Path(args.child[0]), Path(args.child[1]), args.model, args.workers, args.batch))
        )
        return

    import torch
    from torch.utils.data import DataLoader

    from micropulse.synth.rppg_trees import make_ubfc_tree
    from micropulse.train import TrainSettings, fit

    torch.set_num_threads(1)
    out: dict = {"model": args.model, "options": SMALL[args.model], "crop_px": 32, "chunk_frames": 64,
                 "workers": args.workers, "batch": args.batch, "synthetic": True, "sizes": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        for n_videos in args.sizes:
            root = Path(tmp) / f"ubfc{n_videos}"
            make_ubfc_tree(root, n_videos=n_videos, seconds=args.seconds, size=(64, 64), seed=n_videos)
            task = _task(root, cache, args.model)
            t0 = time.perf_counter()
            ds = task.train_data()
            prep_s = time.perf_counter() - t0
            row = {"videos": n_videos, "chunks": len(ds), "preprocess_s": round(prep_s, 2)}
            if n_videos == args.sizes[-1]:  # speeds on the largest tree
                loader = DataLoader(ds, batch_size=args.batch, shuffle=True, num_workers=args.workers,
                                    persistent_workers=args.workers > 0)  # fmt: skip
                for _ in loader:  # warm the workers
                    break
                t0, n = time.perf_counter(), 0
                for x, _ in loader:
                    n += x.shape[0]
                row["loader_samples_per_s"] = round(n / (time.perf_counter() - t0), 1)
                model = task.build_model()
                opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
                x, y = (torch.as_tensor(a) for a in next(iter(DataLoader(ds, batch_size=args.batch))))
                task.loss(model, (x, y))[0].backward()  # warm-up
                t0, steps = time.perf_counter(), 0
                while time.perf_counter() - t0 < 10.0:
                    loss, _ = task.loss(model, (x, y))
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    steps += 1
                row["model_samples_per_s"] = round(steps * args.batch / (time.perf_counter() - t0), 1)
                settings = TrainSettings(epochs=1, batch_size=args.batch, lr=1e-3, device="cpu", threads=1,
                                         num_workers=args.workers, out_dir=str(Path(tmp) / "run"), resume=False)  # fmt: skip
                res = fit(task, settings)
                row["train_samples_per_s"] = round(
                    len(ds) // args.batch * args.batch / res.history[0]["seconds"], 1
                )
            cmd = [sys.executable, __file__, "--child", str(root), str(cache), "--model", args.model,
                   "--workers", str(args.workers), "--batch", str(args.batch)]  # fmt: skip
            row["loader_pass"] = json.loads(
                subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            )
            out["sizes"].append(row)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
