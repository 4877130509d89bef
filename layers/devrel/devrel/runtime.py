"""The composition root: the one module that builds adapters and model clients, per runtime, and
hands each use case the ports it uses.

Handlers call `services()` once per cold start. Heavy clients (boto3, the OpenAI SDK, PyGithub,
slack-sdk, the models) are imported only when first used, so a webhook's cold start builds only
the Store, the Queue and the Secrets it needs.

Cloud: DynamoDB, SQS, Step Functions, Secrets Manager, S3 artifacts, OpenSearch, an
OpenAI-compatible endpoint; scratch files (the embedding cache, downloaded artifacts, checkouts)
under /tmp, the only writable place on Lambda. Edge: SQLite files, the local ASL executor, the
embedded index and the local models, everything under the data directory.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from devrel.events import (
    Feedback,
    HandOffAnswer,
    InboundEvent,
    InstallRevoked,
    IssueChanged,
    IssueOpened,
    MemberJoined,
    PersonRequest,
    PullRequestMerged,
    PullRequestOpened,
    PullRequestUpdated,
    Question,
    ReleaseDecision,
    ReleaseDrafted,
    ReleaseEdited,
    ReleaseEditRequested,
    ReleaseRequested,
    RepositoriesInstalled,
)
from devrel.ports import (
    LLM,
    Artifacts,
    ChatPlatform,
    Embedder,
    IssueTracker,
    PathAuthors,
    PortError,
    Queue,
    Secrets,
    Store,
    Workflows,
)
from devrel.records import (
    CommitLog,
    Contributions,
    DocsGaps,
    EventLog,
    FeedbackLog,
    People,
    ReviewMemory,
    Rollups,
    SlackInstallations,
    Unanswered,
)
from devrel.settings import Settings, load_settings

if TYPE_CHECKING:
    from devrel.activity import Action, ActivityLog
    from devrel.adapters.git_changes import GitChanges
    from devrel.adapters.git_history import GitHistory
    from devrel.adapters.github_history import GithubHistory
    from devrel.adapters.outbound_github import GithubPlatform
    from devrel.adapters.outbound_http import JsonApi
    from devrel.adapters.outbound_telegram import TelegramPlatform
    from devrel.adapters.queue_sqlite import SqliteQueue
    from devrel.knowledge.answering import Answerer
    from devrel.knowledge.build_status import IndexBuilds
    from devrel.knowledge.index import VectorIndex
    from devrel.models.local_server import LocalLlmServer
    from devrel.models.openai_llm import OpenAiLlm
    from devrel.ports import Linter, PullRequestHost
    from devrel.review.engine import ReviewTools
    from devrel.usecases.assignees import AssigneeLoad
    from devrel.usecases.conversation import Conversations
    from devrel.usecases.dispatch import Dispatcher
    from devrel.usecases.first_contribution import FirstContributions
    from devrel.usecases.handoff import HandOff
    from devrel.usecases.interests import ContributionRecorder
    from devrel.usecases.onboarding import Newcomers, OnboardingSteps
    from devrel.usecases.people import PeopleRequests
    from devrel.usecases.related_issues import RelatedIssues
    from devrel.usecases.release_flow import DraftedNotes, ReleaseApprovals, ReleaseSteps
    from devrel.usecases.review import PullRequestReviews
    from devrel.usecases.triage_steps import TriageSteps

# What an installation loads at once into the duplicate index: the newest issues of the first repositories.
MAX_INSTALLED_REPOSITORIES = 20
INSTALLED_HISTORY_ISSUES = 500

# The name a local model server answers to; its clients need some API key, never checked.
LOCAL_MODEL_NAME = "local"
LOCAL_API_KEY = "local"


@dataclass
class Services:
    """The adapters of one process, and the use cases built from them on first use.

    The heavier members are cached properties: built once, on first use. Tests may assign any of
    them (e.g. `services.llm = FakeLlm()`) before first use.
    """

    settings: Settings
    store: Store
    queue: Queue
    workflows: Workflows
    secrets: Secrets
    # Where scratch files go: the data directory at the edge, /tmp on Lambda.
    scratch_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "devrel")
    # Workflow keys used by the domain ("triage", "onboarding") -> the runtime's state machine ids.
    state_machines: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    # Outbound adapters by platform name ("github", "slack", ...); built lazily on first use.
    platforms: Mapping[str, ChatPlatform] = field(default_factory=dict)

    # --- heavier adapters, built on first use --------------------------------------------------

    @cached_property
    def artifacts(self) -> Artifacts:
        return build_artifacts(self.settings, self.scratch_dir)

    @cached_property
    def llm(self) -> LLM | None:
        """The configured chat model, or None (edge mode without a model server)."""
        settings = self.settings
        if settings.mode == "edge" and not settings.llm_base_url:
            return None  # the runner serves the local model and passes its URL; without it, no LLM
        if settings.mode == "cloud" and not settings.llm_model:
            return None
        return build_llm(settings, self.secrets)

    @cached_property
    def embedder(self) -> Embedder:
        """One embedder per process (triage, answers and re-index share it), cached by passage hash."""
        return build_embedder(self.settings, self.secrets, cache_dir=self.scratch_dir / "knowledge")

    @cached_property
    def github(self) -> GithubPlatform | None:
        """One authenticated GitHub client per process, for replies and for triage's actions."""
        token, key = self.secrets.get("github_token"), self.secrets.get("github_app_private_key")
        if not token and not (self.settings.github_app_id and key):
            return None
        from devrel.adapters.outbound_github import GithubPlatform

        return GithubPlatform(self.settings.github_api_url, token=token, app_id=self.settings.github_app_id,
                              private_key=key,
                              seconds_between_requests=self.settings.github_seconds_between_requests,
                              seconds_between_writes=self.settings.github_seconds_between_writes)

    @cached_property
    def issue_tracker(self) -> IssueTracker | None:
        """Labels and comments on GitHub issues; None when no GitHub credentials are configured."""
        if self.github is None:
            return None
        from devrel.adapters.issues_github import GithubIssueTracker

        return GithubIssueTracker(self.github, cache_seconds=self.settings.github_config_cache_seconds)

    @cached_property
    def knowledge_index(self) -> VectorIndex:
        """The hybrid index: OpenSearch when an endpoint is configured, else embedded in the data dir."""
        return open_index(self.settings, self.embedder.dimension)

    @cached_property
    def index_builds(self) -> IndexBuilds:
        """How far a first build of the index got (written by the re-index job, read by answers)."""
        from devrel.knowledge.build_status import IndexBuilds

        return IndexBuilds(self.store)

    def knowledge_ready(self) -> bool:
        """Whether an index to answer from exists (cloud: OpenSearch configured; edge: something ingested)."""
        return bool(self.settings.opensearch_endpoint) or embedded_index_path(self.settings).is_file()

    def model_status(self) -> str:
        """The chat model as /api/health reports it: "ok", "down" (configured but not answering) or
        "none". At the edge its server is asked (at most every few seconds); a cloud provider is not
        called on every health check: "remote"."""
        settings = self.settings
        if settings.mode == "cloud":
            return "remote" if settings.llm_model else "none"
        if not settings.llm_base_url:
            return "none"
        if _model_watch is not None and _model_watch.state != "running":
            return "down"  # being restarted: said at once, not after the next probe
        return probe_model_server(settings.llm_base_url, self.secrets.get("llm_api_key"))

    def model_restarts(self) -> int | None:
        """How often the edge runner restarted the local model server; None where none is supervised."""
        return None if _model_watch is None else _model_watch.restarts

    @cached_property
    def answerer(self) -> Answerer:
        """Grounded answers from the knowledge index."""
        from devrel.knowledge.answering import Answerer, AnswerOptions
        from devrel.knowledge.retrieval import Retriever

        settings = self.settings
        # The bundled edge model (no server, GGUF or model named) is too small to write a lead that
        # cites its passages (README, Evaluation); it still translates questions for retrieval.
        bundled = settings.mode == "edge" and not (settings.llm_base_url or settings.llm_gguf_path
                                                   or settings.llm_model)
        return Answerer(Retriever(self.knowledge_index, self.embedder), llm=self.llm, store=self.store,
                        options=AnswerOptions(model_lead=not bundled), building=self.index_builds.building)

    # --- use cases, each given the ports it uses -------------------------------------------------

    @cached_property
    def activity(self) -> ActivityLog:
        """What the assistant did or would do; at the edge also one console line per action."""
        from devrel.activity import ActivityLog  # pydantic: not on a webhook's cold start

        return ActivityLog(self.store, self.clock, echo=_echo_on_console if self.settings.mode == "edge" else None)

    @cached_property
    def conversations(self) -> Conversations:
        from devrel.usecases.conversation import Conversations, ReplyPolicy

        settings = self.settings
        policy = ReplyPolicy(attempts=settings.reply_attempts, retry_delay_seconds=settings.reply_retry_delay_seconds,
                             remember_seconds=settings.idempotency_ttl_seconds,
                             answer_overheard=settings.github_answer_all_comments)
        return Conversations(self.store, self.platforms, self.clock, policy, self.knowledge_ready,
                             answerer=lambda: self.answerer, llm=lambda: self.llm, activity=self.activity,
                             related=self._related_matches,
                             handoff=self.handoff)

    @cached_property
    def handoff(self) -> HandOff:
        """Questions handed to the maintainers' Slack / Discord channel (none configured: no hand-off)."""
        from devrel.usecases.handoff import HandOff, HandOffConfig, Knowledge

        config = HandOffConfig(slack_channel=self.settings.handoff_slack_channel,
                               discord_channel=self.settings.handoff_discord_channel)
        knowledge = Knowledge(index=lambda: self.knowledge_index, embedder=lambda: self.embedder,
                              ready=self.knowledge_ready)
        return HandOff(self.store, self.platforms, self.clock, config, self.activity, knowledge)

    @cached_property
    def people_requests(self) -> PeopleRequests:
        """A person's own records: forget-me (with their onboarding executions at the edge), links, profile."""
        from devrel.ports import execution_name
        from devrel.usecases.people import PeopleConfig, PeopleRequests

        settings = self.settings

        def executions(platform: str, user: str) -> int | None:
            prefix = execution_name("onboarding", platform, user) + "-"
            return forget_executions(settings, settings.onboarding_state_machine, prefix)

        config = PeopleConfig(attempts=settings.reply_attempts, retry_delay_seconds=settings.reply_retry_delay_seconds)
        return PeopleRequests(self.store, self.platforms, self.clock, config, executions,
                              forget_indexed=self.handoff.forget_answers)

    @cached_property
    def related(self) -> RelatedIssues:
        """The project's issues and the answered conversations, searchable by a chat question: built once
        per process, kept current from the store."""
        from devrel.usecases.related_issues import RelatedIssues

        return RelatedIssues(self.store, self.settings.project_repository or "", lambda: self.embedder, self.clock)

    def _related_matches(self, event: InboundEvent) -> str | None:
        """The project's issue and the answered conversation a chat question matches (links and status)."""
        return self.related.lines(event)

    @cached_property
    def newcomers(self) -> Newcomers:
        from devrel.usecases.onboarding import Newcomers

        return Newcomers(self.store, self.clock)

    @cached_property
    def first_contributions(self) -> FirstContributions:
        """Congratulations on a first merged pull request (recorded only in onboarding's dry run)."""
        from devrel.usecases.first_contribution import FirstContributions

        return FirstContributions(self.store, self.platforms, self.activity, self.clock,
                                  dry_run=self.settings.onboarding_dry_run)

    @cached_property
    def onboarding_steps(self) -> OnboardingSteps:
        from devrel.usecases.onboarding import OnboardingSteps

        return OnboardingSteps(self.store, self.platforms, self.clock, self.settings.project_repository,
                               activity=self.activity, newcomers=self.newcomers, tracker=lambda: self.issue_tracker)

    @cached_property
    def triage_steps(self) -> TriageSteps:
        from devrel.usecases.triage_models import duplicate_scorer, issue_classifier, repository_labeler
        from devrel.usecases.triage_steps import TriageSteps

        return TriageSteps(self.store, self.clock, self.issue_tracker,
                           classifier=lambda: issue_classifier(self.artifacts, lambda: self.embedder),
                           duplicates=duplicate_scorer(lambda: self.embedder),
                           bot_login=self.settings.github_bot_login, activity=self.activity,
                           load=self.assignee_load, platforms=self.platforms,
                           labeler=lambda: repository_labeler(self.artifacts, lambda: self.embedder),
                           local_history=self.local_path_authors)

    def local_path_authors(self, repository: str) -> PathAuthors | None:
        """Who changed files of `repository`, from the configured local clone of the project (its git log),
        logins of other addresses than GitHub's no-reply ones asked once of GitHub; None: no such clone."""
        checkout = self.settings.project_checkout
        if checkout is None or repository != self.settings.project_repository:
            return None
        return self._local_path_authors

    @cached_property
    def _local_path_authors(self) -> PathAuthors:
        from devrel.adapters.git_history import GitPathAuthors

        assert self.settings.project_checkout is not None
        tracker = self.issue_tracker
        repository = self.settings.project_repository or ""
        commit_login = getattr(tracker, "commit_login", None)
        # One process-wide instance: the addresses it has matched to logins are remembered.
        return GitPathAuthors(self.settings.project_checkout,
                              (lambda sha: commit_login(repository, sha)) if commit_login is not None else None)

    @cached_property
    def release_steps(self) -> ReleaseSteps:
        """The release state machine's Task states: the history through GitHub, the approval on Slack, the blog
        post draft as a file (a pull request, or the edge's checkout)."""
        from devrel.usecases.release_flow import ReleaseSteps

        def publisher() -> Any:
            if self.github is None:
                return None
            from devrel.adapters.github_releases import GithubReleasePublisher

            return GithubReleasePublisher(self.github)

        def blog_drafts(repository: str) -> Any:
            from devrel.adapters.blog_drafts import GithubBlogDrafts, LocalBlogDrafts

            # The edge's checkout of the project: the draft goes into its working tree, not to GitHub.
            checkout = self.settings.project_checkout
            if checkout is not None and repository == self.settings.project_repository:
                return LocalBlogDrafts(checkout)
            tracker = self.issue_tracker
            return GithubBlogDrafts(self.github, tracker) if self.github is not None and tracker else None

        return ReleaseSteps(self.store, self.clock, self.activity, self.platforms,
                            drafter=lambda repository, from_ref, to_ref, title: draft_release(
                                self, repository, to_ref, title, from_ref),
                            publisher=publisher, blog_drafts=blog_drafts)

    @cached_property
    def release_approvals(self) -> ReleaseApprovals:
        """Approve / Reject clicks -> SendTaskSuccess / SendTaskFailure for the waiting release; Edit -> the
        draft in a Slack modal, whose saved text replaces it."""
        from devrel.usecases.release_flow import ReleaseApprovals

        return ReleaseApprovals(self.store, self.workflows, self.activity,  # type: ignore[arg-type]
                                self.settings.release_approval_slack_channel, self.platforms.get("slack"), self.clock)

    @cached_property
    def assignee_load(self) -> AssigneeLoad:
        """Open issues assigned to each person (triage ranks the least loaded first)."""
        from devrel.usecases.assignees import AssigneeLoad

        return AssigneeLoad(self.store)

    @cached_property
    def review_host(self) -> PullRequestHost | None:
        """Pull requests on GitHub, read and reviewed with the shared client; None without credentials."""
        if self.github is None:
            return None
        from devrel.adapters.reviews_github import GithubReviewHost

        return GithubReviewHost(self.github)

    @cached_property
    def pull_request_reviews(self) -> PullRequestReviews:
        from devrel.idempotency import Idempotency
        from devrel.usecases.review import PullRequestReviews

        # A push is claimed for ten minutes while it is reviewed, and remembered for a month.
        once = Idempotency(self.store, "reviewed", self.clock, in_progress_seconds=600, ttl_seconds=30 * 24 * 3600)
        return PullRequestReviews(self.review_host, ReviewMemory(self.store), once, self.activity, self.clock,
                                  tools=lambda: review_tools(self.llm), bot_login=self.settings.github_bot_login,
                                  noticed_paths=self.contributions.paths)

    @cached_property
    def contributions(self) -> ContributionRecorder:
        """A person's issues and pull requests, as their interests are inferred from (usecases/interests.py)."""
        from devrel.usecases.interests import ContributionRecorder

        return ContributionRecorder(Contributions(self.store, self.clock))

    @cached_property
    def dispatcher(self) -> Dispatcher:
        """The worker's handler table: what each kind of intent sets in motion, in order."""
        from devrel.usecases import conversation, onboarding, triage_steps
        from devrel.usecases.dispatch import Dispatcher

        settings = self.settings

        def start_onboarding(event: Any) -> str | None:
            config = onboarding.OnboardingConfig(check_wait_seconds=settings.onboarding_check_wait_seconds,
                                                 max_nudges=settings.onboarding_max_nudges,
                                                 dry_run=settings.onboarding_dry_run)
            started = onboarding.start_onboarding(event, self.newcomers, self.workflows,
                                                  self.state_machines["onboarding"], config,
                                                  can_post=self.platforms.get(event.platform) is not None)
            return "onboarding-started" if started else None

        def start_triage(event: Any) -> str:
            defaults = {"dry_run": settings.triage_dry_run,
                        "followup_wait_seconds": settings.triage_followup_wait_seconds,
                        "duplicate_close_wait_seconds": settings.triage_duplicate_close_wait_seconds}
            triage_steps.start_triage(event, self.workflows, self.state_machines["triage"], self.issue_tracker,
                                      defaults)
            return "triage-started"

        def follow_issue(event: Any) -> str:
            from devrel.usecases import duplicate_history

            changed = event.intent
            self.assignee_load.observe(changed.repository, changed.number, changed.assignees, changed.open)
            # How it ended (a duplicate a person marked, or not) calibrates the duplicate threshold.
            triage_steps.record_issue_ending(self.store, changed.repository, changed.number, changed.open,
                                             changed.state_reason, changed.labels)
            duplicate_history.keep_current(self.store, changed.repository, changed.number, changed.title,
                                           changed.body, changed.removed)
            return "issue-followed"

        def release_settings() -> Any:
            from devrel.usecases.release_flow import ReleaseSettings

            return ReleaseSettings(approval_channel=settings.release_approval_slack_channel,
                                   announce_slack_channel=settings.digest_slack_channel,
                                   announce_discord_channel=settings.digest_discord_channel,
                                   announce_discourse_category=settings.release_discourse_category,
                                   dry_run=settings.release_dry_run)

        def start_release(event: Any) -> str | None:
            from devrel.usecases.release_flow import start_release

            started = start_release(event, self.workflows, self.state_machines["release"], release_settings(),
                                    self.activity)
            return "release-started" if started else None

        def release_command(event: Any) -> str:
            from devrel.usecases.release_flow import start_release_command

            return start_release_command(event, self.workflows, self.state_machines["release"], release_settings(),
                                         self.activity, self.platforms.get("slack"))

        def load_installed(event: Any) -> str | None:
            return self.load_issue_history(event.intent.repositories)

        feedback, installations = FeedbackLog(self.store), SlackInstallations(self.store)
        return Dispatcher(EventLog(self.store), {
            # A maintainer's reply in a hand-off thread goes back to its asker; anything else is a question.
            Question: [lambda event: self.handoff.relay(event) or self.conversations.handle(event)],
            Feedback: [lambda event: conversation.record_feedback(event, feedback, self.conversations.answered)],
            InstallRevoked: [lambda event: conversation.revoke_installation(event, installations)],
            MemberJoined: [start_onboarding],
            # The author is noted first: the welcome reads it, and the review adds the paths to it.
            IssueOpened: [self.contributions.opened, start_onboarding, start_triage],
            IssueChanged: [follow_issue, self.contributions.changed],
            RepositoriesInstalled: [load_installed],
            PullRequestOpened: [self.contributions.opened, start_onboarding, self.pull_request_reviews.handle],
            PullRequestUpdated: [self.pull_request_reviews.handle],
            PullRequestMerged: [self.contributions.merged, self.first_contributions.congratulate],
            ReleaseDrafted: [start_release],
            ReleaseDecision: [lambda event: self.release_approvals.decide(event)],
            ReleaseEditRequested: [lambda event: self.release_approvals.open_editor(event)],
            ReleaseEdited: [lambda event: self.release_approvals.edit(event)],
            ReleaseRequested: [release_command],
            PersonRequest: [self.people_requests.handle],
            HandOffAnswer: [self.handoff.relay],
        })

    def load_issue_history(self, repositories: list[str]) -> str | None:
        """Past issues of newly installed repositories into triage's duplicate index (as `devrel backfill`)."""
        history = github_history(self)
        if history is None or not repositories:
            return None
        import logging

        from devrel.usecases.duplicate_history import load_history
        from devrel.usecases.triage_models import earlier_best_scores

        if len(repositories) > MAX_INSTALLED_REPOSITORIES:
            logging.getLogger(__name__).warning(
                "loading the history of %d of %d installed repositories; `devrel backfill --github` loads the others",
                MAX_INSTALLED_REPOSITORIES, len(repositories))
        for repository in repositories[:MAX_INSTALLED_REPOSITORIES]:
            load_history(self.store, repository, history.past_issues(repository, INSTALLED_HISTORY_ISSUES),
                         earlier_best_scores(lambda: self.embedder))
        return "history-loaded"

    def health(self, weeks: int = 12, repository: str | None = None) -> dict[str, Any]:
        """The community-health report (metrics per week, bus factor, docs gaps, leaderboard) of the
        project's repository, or of another one whose history was back-filled."""
        from devrel.health.report import health_report

        settings = self.settings
        return health_report(self.event_log, CommitLog(self.store), self.activity, DocsGaps(self.store, self.clock),
                             repository or settings.project_repository or "local", self.clock(), weeks,
                             settings.leaderboard_points, settings.leaderboard_opt_out, People(self.store),
                             self.newcomers.welcomed_since(self.clock() - weeks * 7 * 86400))

    @cached_property
    def event_log(self) -> EventLog:
        return EventLog(self.store)

    @cached_property
    def rollups(self) -> Rollups:
        return Rollups(self.store)

    @cached_property
    def unanswered(self) -> Unanswered:
        return Unanswered(self.store)

    def slack_oauth_exchange(self) -> Callable[[str, str | None], dict[str, Any]] | None:
        """Trades an OAuth code for a workspace's bot token; None when the install flow is not configured."""
        client_id, client_secret = self.settings.slack_client_id, self.secrets.get("slack_client_secret")
        if not client_id or not client_secret:
            return None
        api_url = self.settings.slack_api_url

        def exchange(code: str, redirect_uri: str | None) -> dict[str, Any]:
            from devrel.adapters.outbound_slack import exchange_oauth_code

            return exchange_oauth_code(api_url, client_id, client_secret, code, redirect_uri)

        return exchange


def build_artifacts(settings: Settings, scratch_dir: Path | None = None) -> Artifacts:
    """S3 when an artifacts bucket is configured (cloud), else folders in the data directory."""
    if settings.artifacts_bucket:
        from devrel.adapters.artifacts_s3 import S3Artifacts

        cache = (scratch_dir or Path(tempfile.gettempdir()) / "devrel") / "artifacts"
        return S3Artifacts(_aws_client(settings, "s3"), settings.artifacts_bucket, cache)
    from devrel.adapters.artifacts_files import FolderArtifacts

    return FolderArtifacts(settings.data_dir)


def edge_queue(settings: Settings, name: str, visibility_timeout: int, max_receive_count: int,
               dead_letter_name: str | None) -> SqliteQueue:
    """A queue of the edge runner's SQS stand-in, with the template's visibility timeout and redrive."""
    from devrel.adapters.queue_sqlite import SqliteQueue

    return SqliteQueue(settings.queue_db, name=name, visibility_timeout=visibility_timeout,
                       max_receive_count=max_receive_count, dead_letter_name=dead_letter_name)


def discord_bot_api(settings: Settings, token: str) -> JsonApi:
    """Discord's REST API with the bot's token (`devrel discord register`)."""
    from devrel.adapters.outbound_http import JsonApi

    return JsonApi("discord", settings.discord_api_url, headers={"Authorization": f"Bot {token}"})


def git_history(checkout: Path) -> GitHistory:
    """The commits of a local clone (`devrel backfill`)."""
    from devrel.adapters.git_history import GitHistory

    return GitHistory(checkout)


def linter() -> Linter | None:
    """Ruff, when installed here: the package's binary at the edge and in the full Lambda layer."""
    from devrel.adapters.lint_ruff import RuffLinter, find_ruff

    executable = find_ruff()
    return RuffLinter(executable) if executable else None


def review_tools(llm: LLM | None) -> ReviewTools:
    """What a review runs besides its own checks: the linter, the model, installed package metadata."""
    from devrel.adapters.package_metadata import installed_license
    from devrel.review.engine import ReviewTools

    return ReviewTools(linter=linter(), llm=llm, license_of=installed_license)


def local_changes(checkout: Path) -> GitChanges:
    """Changes between two revisions of a local clone (`devrel review`, `devrel eval review`)."""
    from devrel.adapters.git_changes import GitChanges

    return GitChanges(checkout)


def scratch_changes(source: Path, scratch: Path) -> GitChanges:
    """A scratch repository reading `source`'s objects, for commits `devrel eval review` writes."""
    from devrel.adapters.git_changes import GitChanges

    return GitChanges.borrowing(source, scratch)


def github_history(services: Services) -> GithubHistory | None:
    """Past issues and pull requests through the configured GitHub credentials; None without them."""
    if services.github is None:
        return None
    from devrel.adapters.github_history import GithubHistory

    return GithubHistory(services.github)


@dataclass(frozen=True)
class ReleaseSources:
    """Where `devrel release-notes` reads a range: the history, and what enriches it when available."""

    history: Any  # devrel.release.changes.HistorySource
    pulls: Any = None  # PullRequests: GitHub's pull requests, with credentials
    files: Any = None  # SourceFiles: file contents for the public API comparison (a clone)


def release_sources(services: Services, repository: str, local: bool = True) -> ReleaseSources:
    """A local clone (PATH) with pull requests from GitHub when credentials are configured and its
    origin is on GitHub; or OWNER/NAME through GitHub's API (anonymous without credentials). Not `local`:
    always GitHub's API, even when a folder of that name happens to exist."""
    from devrel.adapters.git_history import GitReleaseSource
    from devrel.adapters.github_releases import GithubPullRequests, GithubReleaseSource

    path = Path(repository).expanduser()
    if local and path.is_dir():
        clone = GitReleaseSource(path)
        name, _ = clone.repository()
        github = services.github
        pulls = GithubPullRequests(github.client(name, None)) if github is not None and "/" in name else None
        return ReleaseSources(clone, pulls, clone)
    client = _github_client(services, repository)
    return ReleaseSources(GithubReleaseSource(client, repository), GithubPullRequests(client))


@lru_cache(maxsize=2)
def _load_release_kinds(folder: Path, modified_ns: int) -> Any:
    """Loaded once per warm container; a newly published model changes the key."""
    from devrel.release.training import load_kinds

    return load_kinds(folder)


def release_kinds(services: Services) -> Any:
    """The release-notes classifier `devrel eval release-notes --publish` published (the
    `release-notes-model` artifact: DATA_DIR at the edge, the artifacts bucket in the cloud), or None: the
    keyword cues. A model that cannot be read is skipped with a warning: the notes are still drafted."""
    from devrel.release.training import MODEL_ARTIFACT, MODEL_FILE

    try:
        folder = services.artifacts.fetch(MODEL_ARTIFACT)
        if folder is None or not (folder / MODEL_FILE).is_file():
            return None
        return _load_release_kinds(folder, (folder / MODEL_FILE).stat().st_mtime_ns)
    except (PortError, OSError, ValueError, KeyError) as error:
        logging.getLogger(__name__).warning("release-notes model not used (keyword cues instead): %s", error)
        return None


def draft_release(services: Services, repository: str, to_ref: str, title: str,
                  from_ref: str | None = None) -> DraftedNotes:
    """External notes of OWNER/NAME from `from_ref` (default: the nearest tag before `to_ref`), for the
    release state machine. Extractive: the model is not asked, so a Task's time stays bounded."""
    from devrel.release.drafting import draft_notes
    from devrel.usecases.release_flow import DraftedNotes

    # The name comes from a webhook or a Slack command: it names a GitHub repository, never a local folder.
    sources = release_sources(services, repository, local=False)
    draft = draft_notes(sources.history, from_ref, to_ref, model=release_kinds(services), pulls=sources.pulls,
                        files=sources.files, title=title)
    release = draft.release
    return DraftedNotes(notes=draft.external, from_ref=release.from_ref, to_ref=release.to_ref,
                        changes=len(draft.changes))


def _github_client(services: Services, repository: str) -> Any:
    if services.github is not None:
        return services.github.client(repository, None)
    from github import Github, GithubRetry

    return Github(base_url=services.settings.github_api_url, retry=GithubRetry(total=2, max_rate_limit_wait=30),
                  timeout=15)


def telegram_bot(settings: Settings) -> TelegramPlatform | None:
    """The Telegram Bot API with the configured token (`devrel telegram register`); None without one."""
    token = settings.local_secret("telegram_bot_token")
    if not token:
        return None
    from devrel.adapters.outbound_telegram import TelegramPlatform

    return TelegramPlatform(settings.telegram_api_url, token)


def github_threads(settings: Settings) -> Any:
    """The GitHub client that exports closed issues with their comments for `devrel ingest --issues`."""
    from devrel.knowledge.github_threads import GithubThreads

    return GithubThreads(settings.github_api_url, settings.local_secret("github_token"))


def _echo_on_console(action: Action) -> None:
    from devrel.activity import console_line

    # stderr, unbuffered by line: `devrel serve` shows it as it happens, next to the access log.
    print(console_line(action), file=sys.stderr, flush=True)


# --- model clients ---------------------------------------------------------------------------------


_probes: dict[str, tuple[float, str]] = {}
PROBE_SECONDS = 3.0


class ModelWatch(Protocol):
    """What the edge runner's supervisor of the local model server tells health."""

    @property
    def state(self) -> str: ...  # "running" or "restarting"

    @property
    def restarts(self) -> int: ...


# The handlers run in the runner's process, so its supervisor is handed over here.
_model_watch: ModelWatch | None = None


def watch_local_model(watch: ModelWatch | None) -> None:
    """Report `watch` (the supervisor of the local model server) in /api/health; None forgets it."""
    global _model_watch
    _model_watch = watch


def probe_model_server(base_url: str, api_key: str | None = None) -> str:
    """"ok" when an OpenAI-compatible server lists its models within a second, else "down"; one probe
    per server every PROBE_SECONDS however often health is asked."""
    import urllib.request

    now = time.monotonic()
    known = _probes.get(base_url)
    if known is not None and now - known[0] < PROBE_SECONDS:
        return known[1]
    request = urllib.request.Request(base_url.rstrip("/") + "/models",
                                     headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
    try:
        with urllib.request.urlopen(request, timeout=1.0) as response:
            status = "ok" if response.status == 200 else "down"
    except OSError:  # refused, timed out, or an HTTP error status (a model still loading answers 503)
        status = "down"
    _probes[base_url] = (now, status)
    return status


def build_llm(settings: Settings, secrets: Secrets | None = None, exit_stack: ExitStack | None = None) -> OpenAiLlm:
    """The LLM for these settings: any OpenAI-compatible endpoint, or (edge without one) a local
    llama.cpp server started here, which stops with `exit_stack` (or at exit)."""
    import openai

    from devrel.models.catalog import ModelNotAvailable
    from devrel.models.openai_llm import OpenAiLlm

    if settings.llm_base_url or settings.mode == "cloud":
        model = settings.llm_model or (LOCAL_MODEL_NAME if settings.mode == "edge" else None)
        if model is None:
            raise ModelNotAvailable("cloud mode needs DEVREL_LLM_MODEL (the provider's model name)")
        client = _openai_client(settings, settings.llm_base_url, secrets)
        return OpenAiLlm(client, model, settings.llm_structured_mode, attempts=settings.llm_attempts)
    server = start_local_server(settings)
    if exit_stack is not None:
        exit_stack.callback(server.stop)
    client = openai.OpenAI(base_url=server.base_url, api_key=LOCAL_API_KEY, timeout=settings.llm_timeout_seconds,
                           max_retries=0)
    return OpenAiLlm(client, server.model, settings.llm_structured_mode, attempts=settings.llm_attempts)


def start_local_server(settings: Settings) -> LocalLlmServer:
    """Resolve the GGUF (assembling split packages into the data dir once) and serve it."""
    from devrel.models.catalog import resolve_gguf
    from devrel.models.local_server import LocalLlmServer

    gguf = resolve_gguf(settings.llm_gguf_path, settings.llm_model, settings.data_dir / "models")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server = LocalLlmServer(gguf.path, threads=settings.llm_threads, context_size=settings.llm_context_size,
                            model=LOCAL_MODEL_NAME, log_path=settings.data_dir / "llm-server.log")
    return server.start()


def build_embedder(settings: Settings, secrets: Secrets | None = None, cache_dir: Path | None = None) -> Embedder:
    """The configured embedder: a remote OpenAI-compatible endpoint (cloud, or `embed_base_url`), else
    the local ONNX model; behind an on-disk cache keyed by passage hash when `cache_dir` is given."""
    from devrel.models.catalog import ModelNotAvailable

    embedder: Embedder
    if settings.mode == "cloud" or settings.embed_base_url:
        from devrel.models.openai_embedder import KNOWN_DIMENSIONS, OpenAiEmbedder

        model = settings.embed_model
        if not model:
            raise ModelNotAvailable("a remote embeddings endpoint needs DEVREL_EMBED_MODEL")
        native = KNOWN_DIMENSIONS.get(model)
        dimension = settings.embed_dimension or native
        if dimension is None:
            raise ModelNotAvailable(f"set DEVREL_EMBED_DIMENSION: the vector length of {model!r} is not known")
        client = _openai_client(settings, settings.embed_base_url or settings.llm_base_url, secrets)
        embedder = OpenAiEmbedder(client, model, dimension, batch_size=settings.embed_batch_size,
                                  shorten=native is not None and dimension != native, attempts=settings.llm_attempts)
    else:
        from devrel.models.onnx_embedder import MINILM_NAME, OnnxEmbedder

        if settings.embed_model not in (None, MINILM_NAME):
            raise ModelNotAvailable(f"unknown local embedding model {settings.embed_model!r}; use {MINILM_NAME!r}")
        embedder = OnnxEmbedder.from_packages(threads=settings.embed_threads, batch_size=settings.embed_batch_size)
    if cache_dir is None:
        return embedder
    from devrel.adapters.embedding_cache import CachedEmbedder

    cache_dir.mkdir(parents=True, exist_ok=True)
    model_name = settings.embed_model or type(embedder).__name__
    return CachedEmbedder(embedder, cache_dir / "embeddings.sqlite", namespace=f"{model_name}/{embedder.dimension}")


def _openai_client(settings: Settings, base_url: str | None, secrets: Secrets | None) -> Any:
    import openai

    api_key = secrets.get("llm_api_key") if secrets is not None else settings.local_secret("llm_api_key")
    # Our own retry policy (devrel.models.retry) replaces the SDK's, so attempts are counted once.
    return openai.OpenAI(base_url=base_url, api_key=api_key or LOCAL_API_KEY, timeout=settings.llm_timeout_seconds,
                         max_retries=0)


# --- the knowledge index -----------------------------------------------------------------------------


def embedded_index_path(settings: Settings) -> Path:
    return settings.data_dir / "knowledge" / "index.sqlite"


def open_index(settings: Settings, dimension: int, opensearch_url: str | None = None,
               index_name: str | None = None) -> VectorIndex:
    """OpenSearch at `opensearch_url` (default: the configured endpoint), else the embedded index."""
    url = opensearch_url or settings.opensearch_endpoint
    if url:
        from devrel.adapters.index_opensearch import OpenSearchIndex, connect

        index = OpenSearchIndex(connect(url, settings.region), index_name or settings.opensearch_index, dimension)
        index.ensure_index()
        return index
    from devrel.adapters.index_embedded import EdgeIndex

    return EdgeIndex(embedded_index_path(settings), dimension)


# --- the runtimes ------------------------------------------------------------------------------------


_sessions: dict[str, Any] = {}
# Its own lock: clients are made while services() holds _lock to build Services (one lock for both
# deadlocked every cloud cold start).
_sessions_lock = threading.Lock()


def _aws_client(settings: Settings, service: str) -> Any:
    """A client from one boto3 session per region and process (a session loads botocore's data once)."""
    import boto3

    with _sessions_lock:
        session = _sessions.get(settings.region)
        if session is None:
            session = _sessions[settings.region] = boto3.session.Session(region_name=settings.region)
    endpoint: dict[str, Any] = {"endpoint_url": settings.aws_endpoint_url} if settings.aws_endpoint_url else {}
    return session.client(service, **endpoint)


class _LazyWorkflows:
    """Step Functions, connected on first use: webhooks share Services but never start a workflow."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._built: Workflows | None = None

    def _workflows(self) -> Workflows:
        if self._built is None:
            from devrel.adapters.workflows_sfn import StepFunctionsWorkflows

            self._built = StepFunctionsWorkflows(_aws_client(self._settings, "stepfunctions"), {})
        return self._built

    def start(self, state_machine: str, payload: Any, name: str) -> str:
        return self._workflows().start(state_machine, payload, name)

    def describe(self, execution_id: str) -> Any:
        return self._workflows().describe(execution_id)

    # The callback pattern: a release approval's click ends the waiting `.waitForTaskToken` state.
    def send_task_success(self, token: str, output: Any) -> None:
        self._workflows().send_task_success(token, output)  # type: ignore[attr-defined]

    def send_task_failure(self, token: str, error: str, cause: str = "") -> None:
        self._workflows().send_task_failure(token, error, cause)  # type: ignore[attr-defined]


def build_services(settings: Settings) -> Services:
    build = _build_edge if settings.mode == "edge" else _build_cloud
    services = build(settings)
    services.state_machines = {"triage": settings.triage_state_machine,
                               "onboarding": settings.onboarding_state_machine,
                               "release": settings.release_state_machine}
    services.platforms = _platforms(services)
    return services


def build_store(settings: Settings) -> Store:
    """The Store alone, for commands that need nothing else."""
    if settings.mode == "edge":
        from devrel.adapters.store_sqlite import SqliteStore

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteStore(settings.store_db)
    from devrel.adapters.store_dynamodb import DynamoDbStore

    return DynamoDbStore(_aws_client(settings, "dynamodb"), settings.table_name)


def _build_edge(settings: Settings) -> Services:
    from devrel.adapters.queue_sqlite import SqliteQueue
    from devrel.adapters.secrets import ConfiguredSecrets
    from devrel.adapters.workflows_local import SqliteWorkflows

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Services(
        settings=settings,
        store=build_store(settings),
        queue=SqliteQueue(settings.queue_db, name=settings.work_queue,
                          dead_letter_name=settings.work_dead_letter_queue),
        workflows=SqliteWorkflows(settings.workflows_db),
        secrets=ConfiguredSecrets(settings),
        scratch_dir=settings.data_dir,
    )


def _build_cloud(settings: Settings) -> Services:
    from devrel.adapters.queue_sqs import SqsQueue
    from devrel.adapters.secrets import SecretsManagerSecrets
    assert settings.secrets_id is not None  # guaranteed by Settings validation in cloud mode
    return Services(
        settings=settings,
        store=build_store(settings),
        queue=SqsQueue(_aws_client(settings, "sqs"), settings.work_queue, settings.work_dead_letter_queue),
        workflows=_LazyWorkflows(settings),
        secrets=SecretsManagerSecrets(settings.secrets_id, settings.secrets_max_age_seconds,
                                      _aws_client(settings, "secretsmanager")),
    )


def _platforms(services: Services) -> Mapping[str, ChatPlatform]:
    """Outbound adapters by platform, built lazily: webhooks never post, so they never import an SDK."""
    from devrel.adapters.outbound_platforms import PlatformRegistry

    settings, secrets, store = services.settings, services.secrets, services.store

    def slack() -> ChatPlatform | None:
        from devrel.adapters.outbound_slack import SlackPlatform

        return SlackPlatform(secrets.get("slack_bot_token"), settings.slack_api_url,
                             team_token=SlackInstallations(store).bot_token)

    def discord() -> ChatPlatform | None:
        from devrel.adapters.outbound_discord import DiscordPlatform

        return DiscordPlatform(settings.discord_api_url, bot_token=secrets.get("discord_bot_token"))

    def discourse() -> ChatPlatform | None:
        api_key = secrets.get("discourse_api_key")
        if not settings.discourse_url or not api_key:
            return None
        from devrel.adapters.outbound_discourse import DiscoursePlatform

        return DiscoursePlatform(settings.discourse_url, api_key, settings.discourse_api_username)

    def telegram() -> ChatPlatform | None:
        token = secrets.get("telegram_bot_token")
        if not token:
            return None
        from devrel.adapters.outbound_telegram import TelegramPlatform

        return TelegramPlatform(settings.telegram_api_url, token)

    def console() -> ChatPlatform | None:
        from devrel.adapters.outbound_console import ConsolePlatform

        return ConsolePlatform(store)

    return PlatformRegistry({"github": lambda: services.github, "slack": slack, "discord": discord,
                             "discourse": discourse, "telegram": telegram, "console": console})


def forget_executions(settings: Settings, state_machine: str, name_prefix: str) -> int | None:
    """Delete the executions named `name_prefix`... with their history (forget-me): at the edge, from
    the local executor's file; None in the cloud, where Step Functions' history cannot be deleted."""
    if settings.mode != "edge" or not settings.workflows_db.is_file():
        return None
    from devrel.adapters.workflows_local import SqliteWorkflows

    workflows = SqliteWorkflows(settings.workflows_db)
    try:
        return workflows.forget(state_machine, name_prefix)
    finally:
        workflows.close()


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
