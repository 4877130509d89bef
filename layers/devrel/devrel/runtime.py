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

from devrel.ports import LLM, ChatPlatform, Embedder, IssueTracker, Queue, Secrets, Store, Workflows
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
    # Heavier components, built on first use so webhook cold starts never import model SDKs.
    _components: dict[str, Any] = field(default_factory=dict, repr=False)

    def _component(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._components:
            self._components[name] = build()
        return self._components[name]

    @property
    def llm(self) -> LLM | None:
        """The configured chat model, or None (edge mode without a model server)."""
        return self._component("llm", lambda: _build_llm(self.settings, self.secrets))

    @llm.setter
    def llm(self, value: LLM | None) -> None:
        self._components["llm"] = value

    @property
    def embedder(self) -> Embedder:
        """One embedder per process (triage, answers and re-index share it), cached by passage hash."""
        def build() -> Embedder:
            from devrel.knowledge.wiring import build_embedder

            return build_embedder(self.settings, secrets=self.secrets)

        return self._component("embedder", build)

    @embedder.setter
    def embedder(self, value: Embedder) -> None:
        self._components["embedder"] = value

    @property
    def issue_tracker(self) -> IssueTracker | None:
        """Labels and comments on GitHub issues; None when no GitHub credentials are configured."""
        def build() -> IssueTracker | None:
            from devrel.adapters.issues_github import build_issue_tracker

            return build_issue_tracker(self.settings, self.secrets)

        return self._component("issue_tracker", build)

    @issue_tracker.setter
    def issue_tracker(self, value: IssueTracker | None) -> None:
        self._components["issue_tracker"] = value


    @property
    def knowledge_index(self) -> Any:
        """The hybrid index (devrel.knowledge.index.VectorIndex): OpenSearch, or embedded in the data dir."""
        def build() -> Any:
            from devrel.knowledge.wiring import open_index

            return open_index(self.settings, self.embedder.dimension, self.settings.opensearch_endpoint,
                              self.settings.opensearch_index)

        return self._component("knowledge_index", build)

    @property
    def answerer(self) -> Any:
        """Grounded answers from the knowledge index (devrel.knowledge.answering.Answerer)."""
        def build() -> Any:
            from devrel.knowledge.answering import Answerer
            from devrel.knowledge.retrieval import Retriever

            return Answerer(Retriever(self.knowledge_index, self.embedder), llm=self.llm, store=self.store)

        return self._component("answerer", build)

    @answerer.setter
    def answerer(self, value: Any) -> None:
        self._components["answerer"] = value


def _build_llm(settings: Settings, secrets: Secrets) -> LLM | None:
    if settings.mode == "edge" and not settings.llm_base_url:
        return None  # the runner serves the local model and passes its URL; without it, no LLM
    if settings.mode == "cloud" and not settings.llm_model:
        return None
    from devrel.models.factory import build_llm

    return build_llm(settings, secrets)


def build_services(settings: Settings) -> Services:
    state_machines = {
        "triage": settings.triage_state_machine,
        "onboarding": settings.onboarding_state_machine,
    }
    build = _build_edge if settings.mode == "edge" else _build_cloud
    built = build(settings, state_machines)
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
