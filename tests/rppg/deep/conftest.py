"""Fixtures for the deep rPPG tests (DEEP's files; MAMBA's rhythmmamba tests share the folder)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def one_thread():
    """Run torch on one thread: on a loaded 2-core machine, 2 threads per process make tiny ops 5x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
