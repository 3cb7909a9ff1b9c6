"""Fixtures of the trust tests: one cache folder per session (each digits victim is trained once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from micropulse.trust.victims import load_victim


@pytest.fixture(scope="session")
def trust_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("trust-cache")


@pytest.fixture(scope="session")
def digits_mlp(trust_cache):
    return load_victim("digits-mlp", cache=trust_cache)


@pytest.fixture(scope="session")
def digits_logreg(trust_cache):
    return load_victim("digits-logreg", cache=trust_cache)


@pytest.fixture
def one_torch_thread():
    """Run a torch test on one thread (restored afterwards): tiny batches on a busy 2-core machine are
    many times slower with two spinning threads."""
    torch = pytest.importorskip("torch", reason="torch is needed to wrap torch models")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)
