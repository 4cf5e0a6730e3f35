"""Prometheus metrics of one service: requests, tasks, generation speed, streams, webhooks.

Each app has its own registry (several apps can live in one process, as in tests); ``GET
/metrics`` renders it in the Prometheus text format. Task counts by state and the queue
depth are read from the database at scrape time, so they are right whichever process
(server or Celery worker) moved the tasks. Generation figures are recorded by the process
that ran the generation: with ``queue=celery`` that is the worker.

Metric names (all prefixed ``musicgen_``):

==========================================  =========  ====================================
http_requests_total{route,method,status}    counter    requests answered
http_request_duration_seconds{route,method} histogram  time to answer
tasks{state}                                gauge      tasks per state (database)
queue_depth                                 gauge      tasks waiting to start
tasks_finished_total{model,status}          counter    tasks this process finished
generation_seconds{model}                   histogram  engine time per task
audio_seconds_total{model}                  counter    seconds of audio produced
real_time_factor{model}                     histogram  engine seconds per audio second
ws_streams_open                             gauge      WebSocket connections open
quota_bytes_served_total                    counter    audio bytes counted against quotas
webhook_deliveries_total{outcome}           counter    tries: delivered, retry, failed
==========================================  =========  ====================================
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from music_gen.service.jobs.observer import TaskOutcome
from music_gen.service.states import TaskState

log = logging.getLogger("music_gen.service")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_GENERATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
_RTF_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0)


class ServiceMetrics:
    """The metrics of one service process (a task observer too).

    Args:
        task_counts: Returns the number of tasks per state (read at scrape time); None
            leaves the task gauges out (a worker process).
    """

    def __init__(self, task_counts: Callable[[], dict[str, int]] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "musicgen_http_requests",
            "HTTP requests answered",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "musicgen_http_request_duration_seconds",
            "Seconds to answer an HTTP request",
            ["route", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.tasks_finished = Counter(
            "musicgen_tasks_finished",
            "Tasks that reached a final status in this process",
            ["model", "status"],
            registry=r,
        )
        self.generation_seconds = Histogram(
            "musicgen_generation_seconds",
            "Engine seconds per completed task",
            ["model"],
            buckets=_GENERATION_BUCKETS,
            registry=r,
        )
        self.audio_seconds = Counter(
            "musicgen_audio_seconds", "Seconds of audio produced", ["model"], registry=r
        )
        self.real_time_factor = Histogram(
            "musicgen_real_time_factor",
            "Engine seconds per second of audio (below 1: faster than real time)",
            ["model"],
            buckets=_RTF_BUCKETS,
            registry=r,
        )
        self.ws_streams_open = Gauge(
            "musicgen_ws_streams_open", "WebSocket connections open", registry=r
        )
        self.quota_bytes = Counter(
            "musicgen_quota_bytes_served",
            "Audio bytes served and counted against quotas",
            registry=r,
        )
        self.webhook_deliveries = Counter(
            "musicgen_webhook_deliveries",
            "Webhook delivery tries by outcome",
            ["outcome"],
            registry=r,
        )
        if task_counts is not None:
            r.register(_TaskCollector(task_counts))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def webhook_outcome(self, outcome: str) -> None:
        """Count one webhook try."""
        self.webhook_deliveries.labels(outcome).inc()

    def started(self, task_id: str, model: str, params: dict[str, Any]) -> None:
        """Nothing to count at the start."""

    def progress(self, task_id: str, params: dict[str, Any], fraction: float) -> None:
        """Nothing to count on progress."""

    def finished(self, outcome: TaskOutcome) -> None:
        """Count a finished task and, when it completed, its speed and audio."""
        if outcome.status == TaskState.QUEUED:
            return
        model = outcome.model or "unknown"
        self.tasks_finished.labels(model, outcome.status).inc()
        if outcome.status == TaskState.COMPLETED and outcome.engine_s is not None:
            self.generation_seconds.labels(model).observe(outcome.engine_s)
            if outcome.audio_s:
                self.audio_seconds.labels(model).inc(outcome.audio_s)
                self.real_time_factor.labels(model).observe(outcome.engine_s / outcome.audio_s)

    def render(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)


class _TaskCollector(Collector):
    """Tasks per state and the queue depth, counted in the database at scrape time."""

    def __init__(self, task_counts: Callable[[], dict[str, int]]) -> None:
        self.task_counts = task_counts

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("musicgen_tasks", "Tasks per state", labels=["state"])
        yield GaugeMetricFamily("musicgen_queue_depth", "Tasks waiting to start")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts = self.task_counts()
        except Exception:
            log.exception("could not count tasks for /metrics")
            return
        tasks = GaugeMetricFamily("musicgen_tasks", "Tasks per state", labels=["state"])
        for state in TaskState:
            tasks.add_metric([state], counts.get(state, 0))
        yield tasks
        yield GaugeMetricFamily(
            "musicgen_queue_depth", "Tasks waiting to start", value=counts.get(TaskState.QUEUED, 0)
        )
