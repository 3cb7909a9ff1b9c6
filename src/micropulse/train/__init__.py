"""One generic trainer for every model (torch). Tasks adapt model families; the loop is shared.

Tasks (``list_tasks()``): ``rppg`` (:mod:`micropulse.train.rppg_task`) and ``me-spot``
(:mod:`micropulse.train.me_task`); each assembles its own training data, so the model packages hold
no data code.
"""

from micropulse.train.config import TrainConfig, load_config
from micropulse.train.loop import TrainResult, TrainSettings, fit
from micropulse.train.task import TASKS, Task, build_task, create_task, get_task, list_tasks

__all__ = [
    "TASKS",
    "Task",
    "TrainConfig",
    "TrainResult",
    "TrainSettings",
    "build_task",
    "create_task",
    "fit",
    "get_task",
    "list_tasks",
    "load_config",
]
