"""The contract between template.yaml and the settings: every variable the template sets is read,
and every setting a cloud deployment needs can be given through a parameter, a resource or the
secret. Each setting's route into the cloud is listed here on purpose, so a new setting fails
these tests until someone decides how a deployment sets it."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

import pytest

from devrel.settings import SECRET_NAMES, SETTING_TYPES
from support.cloud_template import (
    functions,
    load_template,
    raw_environment,
    referenced_parameter,
    referenced_resource,
)

ALL = "*"

# Settings a deployment sets through a template parameter -> (parameter, functions that need it).
FROM_PARAMETERS: dict[str, tuple[str, str | frozenset[str]]] = {
    "llm_base_url": ("LlmBaseUrl", ALL),
    "llm_model": ("LlmModel", ALL),
    "embed_model": ("EmbeddingModel", ALL),
    "embed_base_url": ("EmbeddingBaseUrl", ALL),
    "embed_dimension": ("EmbeddingDimension", ALL),
    "github_app_id": ("GithubAppId", ALL),
    "github_bot_login": ("GithubBotLogin", ALL),
    "slack_client_id": ("SlackClientId", ALL),
    "slack_bot_user_id": ("SlackBotUserId", ALL),
    "discord_application_id": ("DiscordApplicationId", ALL),
    "discourse_url": ("DiscourseUrl", ALL),
    "project_repository": ("ProjectRepository", ALL),
    "reindex_targets": ("ReindexTargets", frozenset({"ReindexFunction"})),
    # The worker puts the announcement channels into each release execution's state.
    "digest_slack_channel": ("DigestSlackChannel", frozenset({"DigestFunction", "WorkerFunction"})),
    "handoff_slack_channel": ("HandoffSlackChannel", frozenset({"WorkerFunction"})),
    "handoff_discord_channel": ("HandoffDiscordChannel", frozenset({"WorkerFunction"})),
    "digest_discord_channel": ("DigestDiscordChannel", frozenset({"DigestFunction", "WorkerFunction"})),
    "release_approval_slack_channel": ("ReleaseApprovalSlackChannel", frozenset({"WorkerFunction"})),
    "release_discourse_category": ("ReleaseDiscourseCategory", frozenset({"WorkerFunction"})),
    "alert_first_response_hours": ("AlertFirstResponseHours", frozenset({"DigestFunction"})),
    "alert_unanswered_questions": ("AlertUnansweredQuestions", frozenset({"DigestFunction"})),
    "digest_language": ("DigestLanguage", frozenset({"DigestFunction"})),
    "leaderboard_points": ("LeaderboardPoints", frozenset({"DigestFunction", "ApiFunction"})),
    "leaderboard_opt_out": ("LeaderboardOptOut", frozenset({"DigestFunction", "ApiFunction"})),
    "telegram_bot_username": ("TelegramBotUsername", frozenset({"TelegramWebhookFunction"})),
    "stale_repositories": ("StaleRepositories", frozenset({"StaleSweepFunction"})),
    "telegram_bot_id": ("TelegramBotId", frozenset({"TelegramWebhookFunction"})),
    # The docs sites that embed the widget call /api/* cross-origin (API Gateway's CORS uses it too).
    "cors_allow_origins": ("CorsAllowOrigin", frozenset({"ApiFunction"})),
}
# Settings that name a resource of the stack -> (resource, functions that need it).
FROM_RESOURCES: dict[str, tuple[str, str | frozenset[str]]] = {
    "table_name": ("Table", ALL),
    "secrets_id": ("DevRelSecrets", ALL),
    "work_queue": ("WorkQueue", frozenset({
        "GithubWebhookFunction", "SlackEventsFunction", "DiscordInteractionsFunction", "DiscourseWebhookFunction",
        "TelegramWebhookFunction", "ApiFunction", "WorkerFunction",
    })),
    "work_dead_letter_queue": ("WorkDeadLetterQueue", frozenset({"ApiFunction"})),
    "triage_state_machine": ("TriageStateMachine", frozenset({"GithubWebhookFunction", "WorkerFunction"})),
    "onboarding_state_machine": ("OnboardingStateMachine", frozenset({"GithubWebhookFunction", "WorkerFunction"})),
    "release_state_machine": ("ReleaseStateMachine", frozenset({"WorkerFunction"})),
    "opensearch_endpoint": ("SearchCollection", frozenset({
        "ApiFunction", "WorkerFunction", "TriageTasksFunction", "ReindexFunction",
    })),
    "artifacts_bucket": ("ArtifactsBucket", frozenset({"TriageTasksFunction"})),
}
# Settings the template fixes for every function -> the value.
FIXED = {"mode": "cloud", "data_dir": "/tmp/devrel"}
# Settings whose default is what a cloud deployment wants, or that only mean something in tests; a
# repository tunes triage in its own .github/devrel.yml.
DEFAULTS_ARE_RIGHT = {
    "aws_endpoint_url", "secrets_max_age_seconds", "triage_dry_run", "triage_followup_wait_seconds",
    "triage_duplicate_close_wait_seconds", "onboarding_check_wait_seconds", "onboarding_max_nudges",
    "onboarding_dry_run", "release_dry_run",
    "idempotency_ttl_seconds", "github_api_url", "github_answer_all_comments", "slack_api_url",
    "slack_oauth_redirect_url", "slack_oauth_authorize_url", "slack_oauth_scopes", "discord_api_url",
    "discourse_api_username", "signature_max_age_seconds", "reply_attempts", "reply_retry_delay_seconds",
    "llm_structured_mode", "llm_timeout_seconds", "llm_attempts", "opensearch_index", "embed_batch_size",
    "ingest_all_files",
    "telegram_api_url", "telegram_answer_edits", "github_config_cache_seconds", "github_seconds_between_requests",
    "github_seconds_between_writes",
    # The widget's per-visitor limit, kept in the table by the API function: 20 asks a minute per
    # address suits a docs site; API Gateway's own throttling bounds the total.
    "visitor_rate_limit", "visitor_rate_window_seconds",
}
# Settings only `devrel serve` reads: the local model server and embedder (the cloud calls
# endpoints), the runner's worker pool (the event source mapping decides) and its body limits
# (API Gateway's payload limit applies). The template must not pretend to set them.
EDGE_ONLY = {
    "llm_gguf_path", "llm_threads", "llm_context_size", "embed_threads", "edge_workers", "max_body_bytes",
    "project_checkout",
}
# Set from the Lambda runtime's own AWS_REGION through a pseudo parameter.
FROM_PSEUDO = {"region": "AWS::Region"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _variable(setting: str) -> str:
    return "DEVREL_" + setting.upper()


def _needing(who: str | frozenset[str], template: dict[str, Any]) -> set[str]:
    return set(functions(template)) if who == ALL else set(who)


def test_every_devrel_variable_in_the_template_is_a_setting(template: dict[str, Any]) -> None:
    unknown = {
        f"{function_id}: {name}"
        for function_id in functions(template)
        for name in raw_environment(template, function_id)
        if name.startswith("DEVREL_") and name.removeprefix("DEVREL_").lower() not in SETTING_TYPES
    }
    assert unknown == set()


def test_every_setting_has_a_decided_route_into_the_cloud() -> None:
    routes = [set(FROM_PARAMETERS), set(FROM_RESOURCES), set(FIXED), DEFAULTS_ARE_RIGHT, EDGE_ONLY,
              set(FROM_PSEUDO), set(SECRET_NAMES)]
    listed = [name for route in routes for name in route]
    assert len(listed) == len(set(listed)), "a setting is listed under two routes"
    assert set(listed) == set(SETTING_TYPES)


def test_edge_only_settings_are_not_set_in_the_cloud(template: dict[str, Any]) -> None:
    for function_id in functions(template):
        env = raw_environment(template, function_id)
        assert not {_variable(name) for name in EDGE_ONLY} & set(env), function_id


@pytest.mark.parametrize("setting", sorted(FROM_PARAMETERS))
def test_parameter_settings_reach_the_functions_that_need_them(setting: str, template: dict[str, Any]) -> None:
    parameter, who = FROM_PARAMETERS[setting]
    assert parameter in template["Parameters"]
    for function_id in _needing(who, template):
        value = raw_environment(template, function_id).get(_variable(setting))
        assert referenced_parameter(value, template) == parameter, f"{function_id}: {value!r}"


def test_optional_parameters_leave_their_variable_unset_when_empty(template: dict[str, Any]) -> None:
    """An empty string is not "unset" to the settings (an empty JSON list or URL fails validation)."""
    for setting, (parameter, _) in FROM_PARAMETERS.items():
        if template["Parameters"][parameter].get("Default") != "":
            continue
        for function_id in functions(template):
            value = raw_environment(template, function_id).get(_variable(setting))
            if value is not None:
                assert isinstance(value, dict) and "Fn::If" in value, f"{function_id}: {setting} = {value!r}"


@pytest.mark.parametrize("setting", sorted(FROM_RESOURCES))
def test_resource_settings_reach_the_functions_that_need_them(setting: str, template: dict[str, Any]) -> None:
    resource, who = FROM_RESOURCES[setting]
    assert resource in template["Resources"]
    for function_id in _needing(who, template):
        value = raw_environment(template, function_id).get(_variable(setting))
        assert referenced_resource(value, template) == resource, f"{function_id}: {value!r}"


def test_fixed_settings_and_the_region(template: dict[str, Any]) -> None:
    for function_id in functions(template):
        env = raw_environment(template, function_id)
        assert {name: env.get(_variable(name)) for name in FIXED} == FIXED, function_id
        assert env.get(_variable("region")) == {"Ref": FROM_PSEUDO["region"]}


def test_the_data_dir_is_under_tmp_the_only_writable_place_on_lambda(template: dict[str, Any]) -> None:
    for function_id in functions(template):
        data_dir = PurePosixPath(raw_environment(template, function_id)[_variable("data_dir")])
        assert data_dir.is_absolute() and data_dir.parts[1] == "tmp", function_id


def test_secrets_are_never_environment_variables(template: dict[str, Any]) -> None:
    for function_id in functions(template):
        env = raw_environment(template, function_id)
        assert not {_variable(name) for name in SECRET_NAMES} & set(env), function_id


def test_the_secret_is_created_with_every_secret_key(template: dict[str, Any]) -> None:
    generate = template["Resources"]["DevRelSecrets"]["Properties"]["GenerateSecretString"]
    keys = set(json.loads(generate["SecretStringTemplate"])) | {generate["GenerateStringKey"]}
    assert keys == set(SECRET_NAMES)


def test_the_artifacts_bucket_is_private_encrypted_versioned_and_readable_by_its_users(
    template: dict[str, Any],
) -> None:
    bucket = template["Resources"]["ArtifactsBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }
    _, readers = FROM_RESOURCES["artifacts_bucket"]
    for function_id in _needing(readers, template):
        policies = functions(template)[function_id]["Properties"]["Policies"]
        assert {"S3ReadPolicy": {"BucketName": {"Ref": "ArtifactsBucket"}}} in policies, function_id
