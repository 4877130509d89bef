"""The edge runner: plays API Gateway, EventBridge, SQS and Step Functions for template.yaml.

Every function runs in this one process (each module loaded once, like a warm container). Work
crosses between them only through the same ports the cloud uses: the SQLite queue (SQS) and the
SQLite execution store (Step Functions), both under the data directory, so a restart loses nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devrel.adapters.queue_sqlite import SqliteQueue
from devrel.asl import LocalExecutor
from devrel.edge.gateway import GatewayLimits, make_server
from devrel.edge.lambdas import FunctionRegistry
from devrel.edge.schedules import Schedule, scheduled_event
from devrel.edge.supervisor import Supervisor
from devrel.edge.template import AppTemplate, QueueSource, load_template
from devrel.runtime import edge_queue, watch_local_model
from devrel.settings import Settings

log = logging.getLogger("devrel.edge")


@dataclass
class RunnerOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    poll_interval: float = 0.2
    schedules: bool = True
    # Overrides the template's visibility timeout (minutes in the cloud) so local retries are quick.
    visibility_timeout: int | None = None
    # Start the quantized local model server (edge LLM) unless settings point at another server.
    local_llm: bool = True
    # Worker invocations (and workflow runners) at once; None: settings.edge_workers.
    workers: int | None = None
    # Seconds before the first restart of a model server that died (doubling up to a minute).
    llm_restart_delay: float = 1.0
    extra_env: dict[str, str] = field(default_factory=dict)


def handler_environment(template: AppTemplate, settings: Settings, extra: dict[str, str]) -> dict[str, str]:
    """Environment the handlers see: the template's literal values, then edge mode's own settings.

    Values that reference cloud resources (!Ref, !GetAtt) are left out: in edge mode the settings'
    defaults already name the local queue, table and state machines by their logical ids.
    """
    env: dict[str, str] = {}
    for spec in template.functions.values():
        for key, value in spec.environment.items():
            if isinstance(value, (str, int, float, bool)) and key != "DEVREL_MODE":
                env.setdefault(key, str(value))
    env.update(
        {
            "DEVREL_MODE": "edge",
            "DEVREL_DATA_DIR": str(settings.data_dir.resolve()),
            "POWERTOOLS_TRACE_DISABLED": "true",
            # EMF metric lines only mean something to CloudWatch; locally they are noise on stdout.
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": env.get("POWERTOOLS_METRICS_NAMESPACE", "DevRel"),
            "AWS_REGION": env.get("AWS_REGION", settings.region),
        }
    )
    env.update(extra)
    return env


def sqs_event(source: QueueSource, messages: list[Any]) -> dict[str, Any]:
    now_ms = str(int(time.time() * 1000))
    return {
        "Records": [
            {
                "messageId": message.message_id,
                "receiptHandle": message.receipt_handle,
                "body": message.body,
                "attributes": {
                    "ApproximateReceiveCount": str(message.receive_count),
                    "SentTimestamp": now_ms,
                    "ApproximateFirstReceiveTimestamp": now_ms,
                },
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:local:000000000000:{source.queue_id}",
                "awsRegion": "local",
            }
            for message in messages
        ]
    }


class EdgeRunner:
    def __init__(self, template_path: Path, settings: Settings, options: RunnerOptions | None = None) -> None:
        self.settings = settings
        self.options = options or RunnerOptions()
        self.template = load_template(template_path)
        self.functions = FunctionRegistry(self.template)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: Any = None
        self._llm_server: Any = None
        self.llm_supervisor: Supervisor | None = None
        self._activity = 0  # work done since the last release of freed memory
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        os.environ.update(handler_environment(self.template, settings, self.options.extra_env))
        self.executor = LocalExecutor(
            settings.workflows_db,
            {sm_id: sm.definition for sm_id, sm in self.template.state_machines.items()},
            invoke_task=self.functions.invoke,
        )

    # --- direct invocation -------------------------------------------------------------------

    def invoke(self, function_id: str, event: Any) -> Any:
        return self.functions.invoke(function_id, event)

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self.options.local_llm and not self.settings.llm_base_url:
            self._start_local_llm()
        limits = GatewayLimits(body_limits=self.settings.max_body_bytes)
        self._server = make_server(self.options.host, self.options.port, self.template.routes, self.invoke, limits)
        self._spawn("gateway", self._server.serve_forever)
        workers = self.options.workers or self.settings.edge_workers
        for source in self.template.queue_sources:
            for index in range(workers):
                self._spawn(f"queue-{source.queue_id}-{index}", self._poll_queue, source)
        for index in range(workers):
            self._spawn(f"workflows-{index}", self._run_workflows)
        if self._llm_server is not None:
            self.llm_supervisor = Supervisor("local model server", self._llm_server, self._stop,
                                             first_delay=self.options.llm_restart_delay)
            self._spawn("llm-supervisor", self.llm_supervisor.run)
            watch_local_model(self.llm_supervisor)
        self._spawn("memory", self._release_memory)
        if self.options.schedules:
            for schedule in self.template.schedules:
                if schedule.enabled:
                    self._spawn(f"schedule-{schedule.name}", self._run_schedule, schedule)
        log.info("edge runner listening on http://%s:%s", *self.address)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._llm_server is not None:
            watch_local_model(None)
            self._llm_server.stop()
            self._llm_server = None

    def _start_local_llm(self) -> None:
        """Serve the quantized model once for every function, as an OpenAI-compatible endpoint."""
        from devrel.ports import PortError
        from devrel.runtime import LOCAL_MODEL_NAME, start_local_server

        try:
            self._llm_server = start_local_server(self.settings)
        except (PortError, ImportError, OSError) as exc:
            # Edge mode still answers (retrieval-first, extractive) without a generator.
            log.warning("local model not started: %s", exc)
            return
        os.environ["DEVREL_LLM_BASE_URL"] = self._llm_server.base_url
        os.environ["DEVREL_LLM_MODEL"] = LOCAL_MODEL_NAME
        log.info("local model %s at %s", self._llm_server.model, self._llm_server.base_url)

    def wait(self) -> None:
        try:
            while not self._stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            log.info("stopping")
        finally:
            self.stop()

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # --- SQS event source mapping ---------------------------------------------------------------

    def queue_for(self, source: QueueSource) -> SqliteQueue:
        spec = self.template.queues.get(source.queue_id)
        visibility = self.options.visibility_timeout or (spec.visibility_timeout if spec else 30)
        return edge_queue(self.settings, source.queue_id, visibility,
                          max_receive_count=max(1, spec.max_receive_count) if spec else 1,
                          dead_letter_name=spec.dead_letter_queue_id if spec else None)

    def _poll_queue(self, source: QueueSource) -> None:
        queue = self.queue_for(source)
        while not self._stop.is_set():
            try:
                messages = queue.receive(max_messages=source.batch_size,
                                         wait_seconds=self.options.poll_interval)
                if messages:
                    self.deliver_batch(source, queue, messages)
                    self._activity += 1
            except Exception:  # keep polling: one bad batch must not stop the queue
                log.exception("queue %s poll failed", source.queue_id)
                self._stop.wait(1.0)

    def deliver_batch(self, source: QueueSource, queue: SqliteQueue, messages: list[Any]) -> None:
        done = threading.Event()
        keeper = threading.Thread(target=self._keep_invisible, args=(source, queue, messages, done),
                                  name=f"visibility-{source.queue_id}", daemon=True)
        keeper.start()
        try:
            result = self.functions.invoke(source.function_id, sqs_event(source, messages))
        except Exception:
            # Like Lambda: the whole batch stays on the queue and returns after the visibility timeout.
            log.exception("%s failed on a batch of %d", source.function_id, len(messages))
            return
        finally:
            done.set()
            keeper.join()
        failed: set[str] = set()
        if source.report_batch_item_failures and isinstance(result, dict):
            failed = {item.get("itemIdentifier") for item in result.get("batchItemFailures") or []}
        for message in messages:
            if message.message_id not in failed:
                queue.delete(message.receipt_handle)

    def _keep_invisible(self, source: QueueSource, queue: SqliteQueue, messages: list[Any],
                        done: threading.Event) -> None:
        """Extend the batch's visibility while its handler runs. The local visibility timeout is
        short so failures retry quickly (the cloud's is longer than the function's timeout); without
        this, a handler slower than it (a platform API that hangs) would see its message handed to
        another worker thread, counted as received again and dead-lettered while still in progress."""
        timeout = queue.visibility_timeout
        interval = max(timeout / 2, 0.2)
        while not done.wait(interval):
            for message in messages:
                try:
                    queue.change_visibility(message.receipt_handle, timeout)
                except Exception:  # a missed beat only risks a redelivery, which idempotency absorbs
                    log.warning("could not extend the visibility of %s", message.message_id)

    # --- Step Functions ---------------------------------------------------------------------------

    def _run_workflows(self) -> None:
        while not self._stop.is_set():
            try:
                if self.executor.run_ready():
                    self._activity += 1
            except Exception:
                log.exception("workflow executor failed")
            self._stop.wait(self.options.poll_interval)

    def _release_memory(self) -> None:
        """Hand memory freed after a burst of work back to the OS. glibc keeps freed blocks in its
        per-thread arenas for reuse: after six 2 MB issues a runner stayed ~90 MB larger, for good."""
        trim = _malloc_trim()
        if trim is None:
            return
        seen = self._activity
        while not self._stop.wait(5.0):
            if self._activity != seen:
                seen = self._activity
                trim(0)

    # --- EventBridge schedules ----------------------------------------------------------------------

    def _run_schedule(self, spec: Any) -> None:
        schedule = Schedule(spec.expression)
        next_fire = schedule.next_after(datetime.now(UTC))
        while not self._stop.is_set():
            delay = (next_fire - datetime.now(UTC)).total_seconds()
            if delay > 0:
                self._stop.wait(min(delay, 60.0))
                continue
            try:
                self.functions.invoke(spec.function_id, scheduled_event(spec.name, next_fire, spec.payload))
            except Exception:
                log.exception("scheduled %s failed", spec.function_id)
            next_fire = schedule.next_after(next_fire)


def _malloc_trim() -> Any:
    """glibc's malloc_trim, or None on other C libraries (musl, macOS), which need no help."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim
