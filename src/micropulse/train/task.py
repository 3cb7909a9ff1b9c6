"""The small interface every trainable model family implements for the one generic trainer."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset

from micropulse.errors import InputError
from micropulse.registry import Registry


class Task(ABC):
    """A model family's training contract: model, data, loss and evaluation — no loop, no I/O.

    Subclasses are registered in :data:`TASKS` and built by :func:`create_task` from a config's ``options``.
    """

    name: str = "task"
    #: Which epoch's weights the trainer keeps: ``last``, or ``best`` (lowest validation loss; needs val data).
    selection: str = "last"
    #: The run's output folder, set by the trainer before :meth:`evaluate` (tasks may write test outputs there).
    work_dir: Path | None = None

    @abstractmethod
    def build_model(self) -> nn.Module:
        """A freshly initialised model."""

    @abstractmethod
    def train_data(self) -> Dataset:
        """Training samples; each item is a tuple of tensors collated by the default collate."""

    def val_data(self) -> Dataset | None:
        """Validation samples (loss only), or None."""
        return None

    @abstractmethod
    def loss(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict[str, float]]:
        """Scalar loss of a batch and named parts (floats) for the log."""

    def optimizer(self, params: Any, lr: float) -> torch.optim.Optimizer:
        """AdamW with weight decay 0 (RhythmFormer / RhythmMamba); override for Adam etc."""
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.0)

    def augment(self, batch: Any, generator: torch.Generator) -> Any:
        """Train-time augmentation of a batch (identity by default)."""
        return batch

    def evaluate(self, model: nn.Module, device: torch.device) -> dict[str, Any]:
        """Protocol test metrics of a trained model (empty if the task has no test split)."""
        return {}

    def metadata(self) -> dict[str, Any]:
        """Facts stored with the checkpoint (architecture, input transform, fs, chunk length...)."""
        return {"task": self.name}


#: Training tasks by name, each a ``"module:Class"`` imported on first use (the task modules pull in the
#: model families and their data; registering costs nothing).
TASKS: Registry[type[Task]] = Registry("training task")
TASKS.register_lazy("me-spot", "micropulse.train.me_task:MESpotTask")
TASKS.register_lazy("rppg", "micropulse.train.rppg_task:RppgTask")


def list_tasks() -> list[str]:
    """Names of the registered training tasks."""
    return TASKS.names()


def get_task(name: str) -> type[Task]:
    """The task class registered as ``name`` (UnknownNameError lists the known ones)."""
    return TASKS.get(name)


def create_task(name: str, options: dict[str, Any] | None = None) -> Task:
    """Build a registered task from its options, rejecting unknown option names (no typo is silently ignored)."""
    factory = get_task(name)
    options = dict(options or {})
    params = inspect.signature(factory).parameters
    unknown = sorted(set(options) - set(params))
    if unknown:
        raise InputError(
            f"unknown option(s) for task {name!r}: {', '.join(unknown)}; known: {', '.join(params)}"
        )
    return factory(**options)


def build_task(name: str, options: dict[str, Any]) -> Task:
    """Deprecated alias of :func:`create_task` (kept for code written before the registry vocabulary)."""
    return create_task(name, options)
