"""One settings model, validated once at cold start.

This is the only module that reads the environment. Everything else receives a `Settings`
(or the services built from it) as a parameter.

The environment and the TOML file are read here rather than through pydantic-settings: importing it
(with python-dotenv and its CLI and cloud sources) cost every Lambda cold start ~25 ms for what is a
prefix match, a JSON decode of list and dict values and a tomllib call (tests/bench/bench_init.py).
`Settings` is a msgspec Struct, not a pydantic model, for the same reason (see devrel.structs).
"""

from __future__ import annotations

import json
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from devrel.structs import dec_hook, register

CONFIG_FILE_ENV = "DEVREL_CONFIG_FILE"
ENV_PREFIX = "DEVREL_"


class NoDecode:
    """Marks a list or dict setting whose environment value is taken as written, not as JSON."""


class SettingsInvalid(ValueError):
    """The settings cannot be used; the message names every variable at fault, on one line."""


class Secret:
    """A string kept out of reprs, logs and dumps: only `get_secret_value()` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise TypeError(f"Expected `str`, got `{type(value).__name__}`")
    return Secret(value)


# A dump shows that a secret is set, never what it is.
register(Secret, _secret, lambda _value: "**********")


_MIB = 1024 * 1024
DEFAULT_BODY_LIMITS = {"github": 2 * _MIB, "slack": _MIB, "discord": _MIB, "discourse": 2 * _MIB,
                       "api": 64 * 1024, "*": _MIB}

SECRET_NAMES = (
    "github_webhook_secret",
    "github_token",
    "github_app_private_key",
    "slack_signing_secret",
    "slack_bot_token",
    "slack_client_secret",
    "discord_public_key",
    "discord_bot_token",
    "discourse_webhook_secret",
    "discourse_api_key",
    "llm_api_key",
    "telegram_bot_token",
    "telegram_webhook_secret",
    # Bearer token for the maintainers' endpoints (/api/stats, /api/metrics, /api/activity, the dashboard).
    "api_admin_token",
)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Every knob of the assistant. Environment variables use the `DEVREL_` prefix. Built by
    `load_settings`, which checks every value (msgspec's __init__ checks none)."""

    mode: Literal["cloud", "edge"] = "edge"
    region: str = "us-east-1"
    # Only for tests and local emulators; never set in production.
    aws_endpoint_url: str | None = None

    # Edge mode keeps everything under one directory.
    data_dir: Path = Path(".devrel")

    # Cloud resources (names/URLs/ARNs come from template.yaml through environment variables).
    table_name: str = "devrel"
    work_queue: str = "WorkQueue"
    work_dead_letter_queue: str = "WorkDeadLetterQueue"
    triage_state_machine: str = "TriageStateMachine"
    onboarding_state_machine: str = "OnboardingStateMachine"
    release_state_machine: str = "ReleaseStateMachine"
    # Cloud: the S3 bucket holding published artifacts (the trained triage model under triage-model/).
    artifacts_bucket: str | None = None
    # Cloud: one Secrets Manager secret holding a JSON object with the keys of SECRET_NAMES.
    secrets_id: str | None = None
    secrets_max_age_seconds: Annotated[int, msgspec.Meta(ge=0)] = 300

    # Triage defaults; a repository's .github/devrel.yml overrides them.
    triage_dry_run: bool = False
    triage_followup_wait_seconds: Annotated[int, msgspec.Meta(ge=0)] = 7 * 24 * 3600
    triage_duplicate_close_wait_seconds: Annotated[int, msgspec.Meta(ge=0)] = 7 * 24 * 3600

    # Onboarding: how long to wait before checking on a newcomer, and how many reminders at most.
    onboarding_check_wait_seconds: Annotated[int, msgspec.Meta(ge=0)] = 3 * 24 * 3600
    onboarding_max_nudges: Annotated[int, msgspec.Meta(ge=0, le=3)] = 1
    # Record welcomes and reminders in the activity log without posting them (like triage_dry_run).
    onboarding_dry_run: bool = False
    # owner/name of the project on GitHub, for links in welcomes and answers.
    project_repository: str | None = None
    # A local clone of project_repository (edge): triage reads who recently changed the mentioned files
    # from its git log instead of one commits API call per path. Read as it is: never fetched here.
    project_checkout: Path | None = None

    # Repositories the daily stale sweep goes over (JSON list in env); empty: project_repository.
    stale_repositories: list[str] = msgspec.field(default_factory=list)
    # Where questions are handed to the maintainers (unsure answers, requests for a person): a Slack
    # and/or a Discord channel id (the latter posted with the bot token); none: no hand-off.
    handoff_slack_channel: str | None = None
    handoff_discord_channel: str | None = None
    # Release notes: the maintainers' Slack channel where a drafted release waits for Approve / Reject
    # (none: draft releases start nothing); dry-run records what an approval would publish, publishing nothing.
    release_approval_slack_channel: str | None = None
    release_dry_run: bool = False
    # Discourse category id where an approved release opens a topic (none: not announced on the forum).
    release_discourse_category: int | None = None
    # Slack channel id for the weekly digest (none: the digest is only kept for the API).
    digest_slack_channel: str | None = None
    # Discord channel id for the weekly digest (posted with the bot token).
    digest_discord_channel: str | None = None
    # The language the digest is written in (its channels are the community's, whose language a
    # maintainer knows better than a detector): en, es, fr, de or pt; any other gets English.
    digest_language: str = "en"
    # Health alerts in the digest: when this week's first response (p50, hours) or the unanswered
    # questions rise past these.
    alert_first_response_hours: Annotated[float, msgspec.Meta(gt=0)] = 48.0
    alert_unanswered_questions: Annotated[int, msgspec.Meta(ge=0)] = 10
    # Contributor points (merged_pr, review, answer, docs_change, commit) and who opted out of the board.
    leaderboard_points: dict[str, int] = msgspec.field(default_factory=dict)
    leaderboard_opt_out: list[str] = msgspec.field(default_factory=list)

    # How long idempotency keys (platform delivery ids) are remembered.
    idempotency_ttl_seconds: Annotated[int, msgspec.Meta(ge=60)] = 3 * 24 * 3600

    # Largest request body per route, by its first path segment ("*": any other), refused with a 413
    # before anything is parsed. Platform events are KBs (GitHub caps an issue or comment at 65,536
    # characters); a body far larger is a mistake or an attack, and parsing it costs ~10x its size.
    max_body_bytes: dict[str, int] = msgspec.field(default_factory=lambda: dict(DEFAULT_BODY_LIMITS))
    # Edge runner: how many worker invocations run at once per queue (in the cloud the SQS event
    # source mapping's MaximumConcurrency and the function's reserved concurrency decide).
    edge_workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 4

    # Edge-mode secrets come straight from the environment or the config file.
    github_webhook_secret: Secret | None = None
    github_token: Secret | None = None
    github_app_private_key: Secret | None = None
    github_app_id: str | None = None
    github_api_url: str = "https://api.github.com"
    # A repository's .github/devrel.yml and CODEOWNERS are reused this long, then revalidated with a
    # conditional request (a 304 costs no rate limit); every new issue needs them.
    github_config_cache_seconds: Annotated[int, msgspec.Meta(ge=0)] = 300
    # PyGithub's client-side throttle. GitHub asks for a second between content-creating requests of
    # one account; reads need no spacing (a secondary rate limit answers with Retry-After, which the
    # client honours), where PyGithub's default of 0.25 s capped a worker at a few requests a second.
    github_seconds_between_requests: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    github_seconds_between_writes: Annotated[float, msgspec.Meta(ge=0)] = 1.0
    # Platform replies (base URLs are configurable for GitHub Enterprise, proxies and tests).
    # The assistant's own account on each platform: never answered (loop guard).
    github_bot_login: str | None = None
    # Answer every new issue comment, not only those that mention the bot.
    github_answer_all_comments: bool = False
    slack_api_url: str = "https://slack.com/api/"
    slack_bot_user_id: str | None = None
    slack_client_id: str | None = None
    # Slack OAuth v2 install (multi-workspace): where Slack sends the browser back, and the bot scopes.
    slack_oauth_redirect_url: str | None = None
    slack_oauth_authorize_url: str = "https://slack.com/oauth/v2/authorize"
    slack_oauth_scopes: str = (
        "app_mentions:read,channels:history,chat:write,commands,groups:history,im:history,im:write,reactions:write"
    )
    discord_api_url: str = "https://discord.com/api/v10"
    discord_application_id: str | None = None
    # Telegram: the Bot API (a local Bot API server or a test stand-in may replace it), the bot's own
    # username and id (mentions and replies to it are for the assistant), and whether an edited
    # question is answered again.
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None
    telegram_bot_id: int | None = None
    telegram_answer_edits: bool = False
    discourse_url: str | None = None
    discourse_api_username: str = "system"
    # Signed requests whose timestamp is further than this from now are treated as replays.
    signature_max_age_seconds: Annotated[int, msgspec.Meta(ge=1)] = 300
    # Browser origins allowed to call /api/* (the web widget on a docs site): a list, or one
    # comma-separated string as the template passes it; "*" allows any. Empty: same origin only.
    cors_allow_origins: Annotated[list[str], NoDecode] = msgspec.field(default_factory=list)
    # What one visitor (source IP) may send to /api/ask and /api/feedback per window, each.
    visitor_rate_limit: Annotated[int, msgspec.Meta(ge=1)] = 20
    visitor_rate_window_seconds: Annotated[int, msgspec.Meta(ge=1)] = 60
    # Attempts at posting one reply before the worker hands the message back to the queue.
    reply_attempts: Annotated[int, msgspec.Meta(ge=1)] = 3
    reply_retry_delay_seconds: Annotated[float, msgspec.Meta(ge=0)] = 0.5
    slack_signing_secret: Secret | None = None
    slack_bot_token: Secret | None = None
    slack_client_secret: Secret | None = None
    discord_public_key: Secret | None = None
    discord_bot_token: Secret | None = None
    discourse_webhook_secret: Secret | None = None
    discourse_api_key: Secret | None = None
    llm_api_key: Secret | None = None
    api_admin_token: Secret | None = None
    telegram_bot_token: Secret | None = None
    telegram_webhook_secret: Secret | None = None

    # Models. Cloud: an OpenAI-compatible endpoint (llm_api_key is its key). Edge: with no
    # llm_base_url a local llama.cpp server is started on a GGUF from llm_gguf_path or the catalog.
    llm_base_url: str | None = None
    # Cloud: the provider's model name. Edge: a catalog name; None picks one for this machine.
    llm_model: str | None = None
    llm_gguf_path: Path | None = None
    llm_structured_mode: Literal["json_schema", "json_object", "prompt"] = "json_schema"
    llm_timeout_seconds: Annotated[float, msgspec.Meta(gt=0)] = 120
    llm_attempts: Annotated[int, msgspec.Meta(ge=1)] = 3
    llm_threads: Annotated[int, msgspec.Meta(ge=1)] | None = None
    llm_context_size: Annotated[int, msgspec.Meta(ge=256)] = 4096
    # Knowledge index: OpenSearch in the cloud; without an endpoint, the embedded index in data_dir.
    opensearch_endpoint: str | None = None
    opensearch_index: str = "devrel-knowledge"
    # What the scheduled re-index keeps fresh: local folders or OWNER/NAME[@COMMIT] (JSON list in env).
    reindex_targets: list[str] = msgspec.field(default_factory=list)
    # Cloud: an OpenAI-compatible embeddings endpoint (defaults to llm_base_url, same key).
    embed_base_url: str | None = None
    # Cloud: the embeddings model name. Edge: the local ONNX model ("minilm-l6-int8").
    embed_model: str | None = None
    # Cloud only: vector length (sent as `dimensions` when the model supports shortening).
    embed_dimension: Annotated[int, msgspec.Meta(ge=1)] | None = None
    embed_threads: Annotated[int, msgspec.Meta(ge=1)] | None = None
    embed_batch_size: Annotated[int, msgspec.Meta(ge=1)] = 16
    # Ingest also vendored, generated, fixture, lock and minified files (skipped by default).
    ingest_all_files: bool = False

    def __post_init__(self) -> None:
        if self.mode == "cloud" and not self.secrets_id:
            raise ValueError("cloud mode needs DEVREL_SECRETS_ID (the Secrets Manager secret to read)")

    @property
    def queue_db(self) -> Path:
        return self.data_dir / "queue.sqlite"

    @property
    def store_db(self) -> Path:
        return self.data_dir / "store.sqlite"

    @property
    def workflows_db(self) -> Path:
        return self.data_dir / "workflows.sqlite"

    def body_limit(self, route: str) -> int:
        """The largest body accepted on a route, named by its first path segment ("github")."""
        limits = self.max_body_bytes
        return limits.get(route, limits.get("*", DEFAULT_BODY_LIMITS["*"]))

    def local_secret(self, name: str) -> str | None:
        """A secret configured directly (edge mode); None when absent."""
        if name not in SECRET_NAMES:
            raise KeyError(f"unknown secret {name!r}")
        value: Secret | None = getattr(self, name)
        return value.get_secret_value() if value is not None else None


# Each setting's type as declared (constraints and the NoDecode marker included): what
# `environment_values` and per-variable error messages need, and the list of setting names.
SETTING_TYPES: dict[str, Any] = typing.get_type_hints(Settings, include_extras=True)


def _decoded(name: str) -> bool:
    """Whether the environment gives this field as JSON: lists and dicts, unless marked NoDecode."""
    annotation = SETTING_TYPES[name]
    if typing.get_origin(annotation) is Annotated:
        annotation, *metadata = typing.get_args(annotation)
        if any(marker is NoDecode for marker in metadata):
            return False
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    kinds = typing.get_args(annotation) if union else (annotation,)
    return any(typing.get_origin(kind) in (list, dict) or kind in (list, dict) for kind in kinds)


def environment_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """The DEVREL_* variables that name a setting (any case), list and dict values JSON-decoded."""
    values: dict[str, Any] = {}
    for key, raw in environ.items():
        name = key[len(ENV_PREFIX):].lower() if key.upper().startswith(ENV_PREFIX) else ""
        if name not in SETTING_TYPES:
            continue
        if _decoded(name):
            try:
                values[name] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise SettingsInvalid(f"{key} is not valid JSON ({exc.msg} at character {exc.pos})") from None
        else:
            values[name] = raw
    return values


def config_file_values(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsInvalid(f"{CONFIG_FILE_ENV} names {path}, which does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsInvalid(f"{CONFIG_FILE_ENV} {path} cannot be read: {exc}") from None


def _origins(value: Any) -> Any:
    """CORS origins as a list: JSON, or one comma-separated string as the template passes it."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [origin.strip().rstrip("/") for origin in text.split(",") if origin.strip()]
    return value


def _problem(error: msgspec.ValidationError) -> str:
    """msgspec's message without its location: the caller names the variable."""
    return str(error).removesuffix(" - at `$`")


def load_settings(**overrides: Any) -> Settings:
    """Settings from, by precedence: `overrides`, DEVREL_* variables, the TOML file named by
    DEVREL_CONFIG_FILE. Raises SettingsInvalid naming every problem at once."""
    config_file = os.environ.get(CONFIG_FILE_ENV)
    values = config_file_values(Path(config_file)) if config_file else {}
    values.update(environment_values(os.environ))
    values.update(overrides)
    values = {name: value for name, value in values.items() if name in SETTING_TYPES}  # extra keys: ignored
    if "cors_allow_origins" in values:
        try:
            values["cors_allow_origins"] = _origins(values["cors_allow_origins"])
        except json.JSONDecodeError as exc:
            raise SettingsInvalid(f"{ENV_PREFIX}CORS_ALLOW_ORIGINS is not valid JSON ({exc.msg})") from None
    try:
        # Lax: environment values are strings ("7", "true") for ints and booleans.
        return msgspec.convert(values, Settings, strict=False, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        # msgspec stops at the first bad field: check each one alone to name them all.
        problems = []
        for name, value in values.items():
            try:
                msgspec.convert(value, SETTING_TYPES[name], strict=False, dec_hook=dec_hook)
            except msgspec.ValidationError as error:
                problems.append(f"{ENV_PREFIX}{name.upper()}: {_problem(error)}")
        raise SettingsInvalid("; ".join(problems) or f"settings: {_problem(exc)}") from exc
