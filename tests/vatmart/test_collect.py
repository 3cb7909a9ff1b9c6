"""Collection: shards written as jobs finish, resume on rerun, the pool and Ray engines, bad shards."""

from __future__ import annotations

import numpy as np
import pytest

from vatmart.data.collect import collect, plan_jobs, run_job
from vatmart.data.shards import load_dataset, load_shard, shard_paths
from vatmart.errors import InputError, ShardError, UnknownNameError
from vatmart.sim.tasks import TASK_KINDS


def test_shards_resume_and_hold_vat_mart_trajectories(tmp_path, object_cache):
    jobs = plan_jobs(tmp_path / "d", split="train", tasks=TASK_KINDS, scenes=4, per_shard=2, n_points=128)
    assert len(jobs) == 2
    first = collect(jobs[:1], workers=1, cache_dir=object_cache)
    assert first["collected"] == 1 and len(shard_paths(tmp_path / "d")) == 1
    again = collect(jobs, workers=1, cache_dir=object_cache)  # resumes: only the missing shard is collected
    assert again == {**again, "collected": 1, "skipped": 1}
    ds = load_dataset(shard_paths(tmp_path / "d"))
    r = ds.rows
    assert len(ds.scenes) == 4 and len(r) == 16  # 4 interactions per scene
    assert r.traj.shape == (16, 5, 6) and ds.clouds["points"].shape == (4, 128, 3)
    assert set(np.unique(r.task)) == set(range(4))
    assert (r.contact < 128).all() and ds.clouds["target"][r.scene, r.contact].mean() > 0.7
    assert r.success[r.source == 0].mean() >= 0.75  # the clean expert
    assert ds.summary()["per_source"] == {"expert": 4, "noisy-expert": 8, "random": 4}


def test_pool_with_two_workers_matches_in_process(tmp_path, object_cache):
    kw = dict(split="novel-category", tasks=("pull-door", "push-drawer"), scenes=2, per_shard=1, n_points=96)
    collect(plan_jobs(tmp_path / "a", **kw), workers=2, cache_dir=object_cache)
    for j in plan_jobs(tmp_path / "b", **kw):
        run_job(j.__class__(**{**j.__dict__, "cache_dir": str(object_cache)}))
    a, b = load_dataset(shard_paths(tmp_path / "a")), load_dataset(shard_paths(tmp_path / "b"))
    assert np.array_equal(a.rows.achieved, b.rows.achieved) and np.array_equal(
        a.clouds["points"], b.clouds["points"]
    )


@pytest.mark.slow
def test_ray_engine_writes_the_same_shards(tmp_path, object_cache):
    pytest.importorskip("ray", reason="ray is in the `dist` extra, which CI installs")
    kw = dict(split="train", tasks=("push-door",), scenes=2, per_shard=1, n_points=96)
    res = collect(plan_jobs(tmp_path / "r", **kw), engine="ray", workers=2, cache_dir=object_cache)
    assert res["collected"] == 2
    collect(plan_jobs(tmp_path / "p", **kw), workers=1, cache_dir=object_cache)
    r, p = load_dataset(shard_paths(tmp_path / "r")), load_dataset(shard_paths(tmp_path / "p"))
    assert np.array_equal(r.rows.achieved, p.rows.achieved)


def test_bad_plans_and_shards(tmp_path):
    with pytest.raises(InputError, match="unknown task"):
        plan_jobs(tmp_path, split="train", tasks=["open-lid"], scenes=2)
    with pytest.raises(UnknownNameError, match="known: pool, ray"):
        collect(plan_jobs(tmp_path, split="train", tasks=TASK_KINDS, scenes=1), engine="slurm")
    (tmp_path / "shard-00000.npz").write_bytes(b"junk")
    with pytest.raises(ShardError, match="shard-00000.npz"):
        load_shard(tmp_path / "shard-00000.npz")
    with pytest.raises(ShardError, match="no interaction shards"):
        load_dataset([])
