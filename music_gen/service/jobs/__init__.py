"""Running generation tasks: the queue interface, the in-process pool and the task runner."""

from music_gen.service.jobs.base import JobQueue
from music_gen.service.jobs.generators import GeneratorPool
from music_gen.service.jobs.local import InProcessQueue
from music_gen.service.jobs.runner import TaskRunner
from music_gen.service.jobs.speed import SpeedTracker

__all__ = ["GeneratorPool", "InProcessQueue", "JobQueue", "SpeedTracker", "TaskRunner"]
