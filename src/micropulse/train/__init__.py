"""One generic trainer for every model (torch). Tasks adapt model families; the loop is shared."""

from micropulse.train.config import TrainConfig, load_config
from micropulse.train.loop import TrainResult, TrainSettings, fit
from micropulse.train.task import TASKS, Task, build_task

__all__ = ["TASKS", "Task", "TrainConfig", "TrainResult", "TrainSettings", "build_task", "fit", "load_config"]
