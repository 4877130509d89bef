"""The one place where adapters are chosen and wired, per runtime (cloud or edge).

Handlers call `services()` once per cold start; domain code receives the `Services` object.
Heavy clients (boto3) are imported only when the cloud runtime is built.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from devrel.ports import ChatPlatform, Queue, Secrets, Store, Workflows
from devrel.settings import Settings, load_settings


@dataclass
class Services:
    settings: Settings
    store: Store
    queue: Queue
    workflows: Workflows
    secrets: Secrets
    # Workflow keys used by the domain ("triage", "onboarding") -> the runtime's state machine ids.
    state_machines: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    # Outbound adapters by platform name ("github", "slack", ...); built lazily on first use.
    platforms: Mapping[str, ChatPlatform] = field(default_factory=dict)


def build_services(settings: Settings) -> Services:
    state_machines = {
        "triage": settings.triage_state_machine,
        "onboarding": settings.onboarding_state_machine,
    }
    if settings.mode == "edge":
        built = _build_edge(settings, state_machines)
    else:
        built = _build_cloud(settings, state_machines)
    from devrel.adapters.outbound_platforms import build_platforms

    built.platforms = build_platforms(settings, built.secrets, built.store)
    return built


def _build_edge(settings: Settings, state_machines: dict[str, str]) -> Services:
    from devrel.adapters.queue_sqlite import SqliteQueue
    from devrel.adapters.secrets import ConfiguredSecrets
    from devrel.adapters.store_sqlite import SqliteStore
    from devrel.adapters.workflows_local import SqliteWorkflows

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Services(
        settings=settings,
        store=SqliteStore(settings.store_db),
        queue=SqliteQueue(settings.queue_db, name=settings.work_queue,
                          dead_letter_name=settings.work_dead_letter_queue),
        workflows=SqliteWorkflows(settings.workflows_db),
        secrets=ConfiguredSecrets(settings),
        state_machines=state_machines,
    )


def _build_cloud(settings: Settings, state_machines: dict[str, str]) -> Services:
    import boto3

    from devrel.adapters.queue_sqs import SqsQueue
    from devrel.adapters.secrets import SecretsManagerSecrets
    from devrel.adapters.store_dynamodb import DynamoDbStore
    from devrel.adapters.workflows_sfn import StepFunctionsWorkflows

    session = boto3.session.Session(region_name=settings.region)
    endpoint: dict[str, Any] = {"endpoint_url": settings.aws_endpoint_url} if settings.aws_endpoint_url else {}
    sqs = session.client("sqs", **endpoint)
    assert settings.secrets_id is not None  # guaranteed by Settings validation in cloud mode
    return Services(
        settings=settings,
        store=DynamoDbStore(session.client("dynamodb", **endpoint), settings.table_name),
        queue=SqsQueue(sqs, settings.work_queue, settings.work_dead_letter_queue),
        workflows=StepFunctionsWorkflows(session.client("stepfunctions", **endpoint), {}),
        secrets=SecretsManagerSecrets(settings.secrets_id, settings.secrets_max_age_seconds,
                                      session.client("secretsmanager", **endpoint)),
        state_machines=state_machines,
    )


_cached: Services | None = None
_lock = threading.Lock()


def services() -> Services:
    """Services for this process, built once (cold start) from validated settings."""
    global _cached
    with _lock:
        if _cached is None:
            _cached = build_services(load_settings())
        return _cached


def reset_services() -> None:
    """Forget the cached services (tests and the edge runner after changing settings)."""
    global _cached
    with _lock:
        _cached = None
