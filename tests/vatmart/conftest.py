"""Fixtures of the vatmart tests: a per-session cache of generated shape folders."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Small networks on a shared 2-core runner: one torch thread (two spin against other processes)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session", autouse=True)
def object_cache(tmp_path_factory):
    """Generated shape folders go to a temporary cache (never the user's ~/.cache)."""
    from vatmart.data.scenes import set_object_cache

    path = tmp_path_factory.mktemp("vatmart-objects")
    set_object_cache(path)
    return path


@pytest.fixture(scope="session")
def sim():
    """One pybullet DIRECT simulator shared by the tests of a session."""
    from vatmart.sim.world import Simulator

    s = Simulator()
    yield s
    s.close()
