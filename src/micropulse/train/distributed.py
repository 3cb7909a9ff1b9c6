"""Data-parallel training (PyTorch DistributedDataParallel): one process per CPU share or GPU.

``micropulse train CONFIG --nproc N`` starts N processes on this machine (:func:`launch`); ``torchrun
--nproc-per-node N -m micropulse train CONFIG`` (or any launcher that sets ``RANK``, ``WORLD_SIZE``,
``MASTER_ADDR``, ``MASTER_PORT``) works the same way (:func:`from_env`). Backend: NCCL on CUDA, gloo on CPU.

Semantics: the global batch stays ``batch_size`` (each of N processes takes ``batch_size / N`` samples per
step, gradients are averaged), so the number of steps per epoch and the learning-rate schedule match a
one-process run; every process starts from the same seeded weights; the main process (rank 0) preprocesses
the data first, writes the checkpoints (``last.pt``, ``best.pt``, the same files as one process), tests the
model and writes ``model.pt`` and ``metrics.json``. Resume reads ``last.pt`` in every process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils.data import DataLoader

from micropulse.errors import InputError

log = logging.getLogger(__name__)


@dataclass
class DistContext:
    """This process's place in a data-parallel group (``world == 1``: no group, plain single process)."""

    rank: int = 0
    world: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            torch.distributed.barrier()

    @contextlib.contextmanager
    def main_first(self) -> Iterator[None]:
        """The main process runs the block first (e.g. preprocessing into a shared cache), then the others."""
        if not self.is_main:
            self.barrier()
        yield
        if self.is_main:
            self.barrier()

    def mean(self, value: float) -> float:
        """The mean of ``value`` over the processes."""
        if self.world == 1:
            return float(value)
        t = torch.tensor([float(value)], dtype=torch.float64)
        torch.distributed.all_reduce(t)
        return float(t.item()) / self.world

    def loader(self, ds: Any, batch_size: int, gen: torch.Generator, num_workers: int) -> DataLoader:
        """Training loader: shuffled by ``gen`` (one process) or by a seeded DistributedSampler (one shard
        per process, ``batch_size / world`` samples each)."""
        drop = len(ds) > batch_size
        if self.world == 1:
            return DataLoader(ds, batch_size=batch_size, shuffle=True, generator=gen, num_workers=num_workers,
                              drop_last=drop, persistent_workers=num_workers > 0)  # fmt: skip
        if batch_size % self.world:
            raise InputError(f"train.batch_size {batch_size} must be divisible by --nproc {self.world}")
        from torch.utils.data.distributed import DistributedSampler

        seed = int(
            torch.randint(0, 2**31 - 1, (), generator=torch.Generator().manual_seed(gen.initial_seed()))
        )
        sampler = DistributedSampler(
            ds, num_replicas=self.world, rank=self.rank, shuffle=True, seed=seed, drop_last=drop
        )
        return DataLoader(ds, batch_size=batch_size // self.world, sampler=sampler, num_workers=num_workers,
                          drop_last=drop, persistent_workers=num_workers > 0)  # fmt: skip

    @staticmethod
    def set_epoch(loader: DataLoader, epoch: int) -> None:
        if hasattr(loader.sampler, "set_epoch"):
            loader.sampler.set_epoch(epoch)

    def generator(self, seed: int, epoch: int) -> torch.Generator:
        """Augmentation draws of this process in ``epoch`` (a function of seed, rank, epoch: resumable)."""
        return torch.Generator().manual_seed(seed * 1_000_003 + self.rank * 7919 + epoch)

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model as the training step calls it (DDP-wrapped in a group)."""
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)


def from_env(device: str = "auto") -> DistContext | None:
    """Join the group a launcher (torchrun) described in the environment; None when there is none."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return None
    rank = int(os.environ["RANK"])
    local = int(os.environ.get("LOCAL_RANK", rank))
    cuda = torch.cuda.is_available() and device != "cpu"
    dev = torch.device("cuda", local) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(dev)
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=world)
    return DistContext(rank, world, dev)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(rank: int, world: int, port: int, fn: Any, args: tuple) -> None:
    os.environ.update({"RANK": str(rank), "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank),
                       "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)})  # fmt: skip
    try:
        fn(*args)
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def launch(nproc: int, fn: Any, *args: Any) -> None:
    """Run ``fn(*args)`` in ``nproc`` spawned processes forming one group (``fn`` calls :func:`from_env`).

    ``fn`` must be importable (module level); errors in a process are raised here.
    """
    if nproc < 1:
        raise InputError(f"--nproc must be >= 1, got {nproc}")
    import torch.multiprocessing as mp

    mp.spawn(_worker, args=(nproc, free_port(), fn, args), nprocs=nproc, join=True)
