"""template.yaml, the state machines and the sample events, checked with the real AWS tooling
(cfn-lint, SAM CLI) rather than by eye."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.api import ManualArgs, lint
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

from devrel.events import InboundEvent
from devrel.settings import SECRET_NAMES
from support.cloud_template import load_template

ROOT = Path(__file__).resolve().parents[2]
# Layer resources by kind: webhooks only verify, de-duplicate and enqueue; the rest need the full stack.
LAYERS = {"full": "DevRelLayer", "slim": "DevRelSlimLayer"}
WEBHOOK_FUNCTIONS = {
    "GithubWebhookFunction", "SlackEventsFunction", "DiscordInteractionsFunction", "DiscourseWebhookFunction",
    "TelegramWebhookFunction",
}
TEMPLATE = ROOT / "template.yaml"
EVENTS = ROOT / "shared" / "events"
SAM = Path(sys.executable).with_name("sam")
LINT_CONFIG = ManualArgs(regions=["us-east-1"], include_checks=["I"])
SAMPLE_SECRET = "sample-secret"
LAMBDA_RETRYABLE = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}

# The routes and schedules of the design; the edge runner serves exactly these.
EXPECTED_ROUTES = {
    ("POST", "/github/webhook"): "GithubWebhookFunction",
    ("POST", "/slack/events"): "SlackEventsFunction",
    ("POST", "/slack/commands"): "SlackEventsFunction",
    ("POST", "/slack/interactivity"): "SlackEventsFunction",
    ("GET", "/slack/oauth/install"): "SlackEventsFunction",
    ("GET", "/slack/oauth/callback"): "SlackEventsFunction",
    ("POST", "/discord/interactions"): "DiscordInteractionsFunction",
    ("POST", "/discourse/webhook"): "DiscourseWebhookFunction",
    ("POST", "/telegram/webhook"): "TelegramWebhookFunction",
    ("ANY", "/api/{proxy+}"): "ApiFunction",
    ("GET", "/dashboard"): "ApiFunction",
    ("GET", "/dashboard/{asset}"): "ApiFunction",
    ("GET", "/widget.js"): "ApiFunction",
}
EXPECTED_SCHEDULES = {
    "DigestFunction": "cron(0 9 ? * MON *)",
    "StaleSweepFunction": "rate(1 day)",
    "AnalyticsRollupFunction": "rate(1 hour)",
    "ReindexFunction": "rate(6 hours)",
}
# The `step` values each task function must dispatch on.
EXPECTED_STEPS = {
    "TriageStateMachine": {
        "analyze", "find_duplicates", "classify", "priority", "suggest_assignees", "completeness",
        "act", "follow_up", "duplicate_verdict", "close_duplicate", "record_failure",
    },
    "OnboardingStateMachine": {"welcome", "check_progress", "nudge", "record_failure"},
    "ReleaseStateMachine": {"draft", "request_approval", "publish", "declined", "record_failure"},
}
WAIT_FOR_TOKEN = "arn:aws:states:::lambda:invoke.waitForTaskToken"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _resources(template, "AWS::Serverless::Function")


def _state_machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _resources(template, "AWS::Serverless::StateMachine")


def _definition(machine: dict[str, Any]) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads((ROOT / machine["Properties"]["DefinitionUri"]).read_text())
    return definition


def _env(template: dict[str, Any], function_id: str) -> dict[str, Any]:
    props = _functions(template)[function_id]["Properties"]
    variables: dict[str, Any] = {
        **template["Globals"]["Function"]["Environment"]["Variables"],
        **((props.get("Environment") or {}).get("Variables") or {}),
    }
    return variables


# --- Linters ---------------------------------------------------------------------------------------


def test_cfn_lint_reports_nothing_including_informational_checks() -> None:
    matches = lint(TEMPLATE.read_text(encoding="utf-8"), config=LINT_CONFIG)
    assert [str(m) for m in matches] == []


def test_sam_validate_lint_passes() -> None:
    if not SAM.exists():
        pytest.skip(f"SAM CLI not installed at {SAM} (pip install aws-sam-cli)")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [str(SAM), "validate", "--lint", "--template-file", str(TEMPLATE)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def _translated_template() -> dict[str, Any]:
    """The CloudFormation that SAM's transform produces, with artifacts pointing at S3 as after
    `sam package`."""
    document = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    for name, resource in document["Resources"].items():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if key in props:
                props[key] = f"s3://artifacts/{name}.zip"
        if "DefinitionUri" in props:
            props["Definition"] = json.loads((ROOT / props.pop("DefinitionUri")).read_text())
    translator = Translator({}, Parser(), boto_session=boto3.session.Session(region_name="us-east-1"))
    translated: dict[str, Any] = translator.translate(document, parameter_values={})
    return translated


def test_transformed_template_lints_clean() -> None:
    """cfn-lint checks SAM resources against SAM's schema only; this lints what CloudFormation
    will actually receive (IAM roles, permissions, the HTTP API's OpenAPI body)."""
    translated = _translated_template()
    assert translated["Resources"]["WorkerFunctionRole"]["Type"] == "AWS::IAM::Role"
    config = ManualArgs(
        regions=["us-east-1"],
        include_checks=["I"],
        # W2001: the transform inlines parameter defaults, leaving parameters "unused".
        # W3037/W1020: quirks of SAM's own SQSPollerPolicy template and generated Fn::Sub.
        ignore_checks=["W2001", "W3037", "W1020"],
    )
    matches = lint(json.dumps(translated), config=config)
    assert [str(m) for m in matches] == []


# --- Code locations --------------------------------------------------------------------------------


def test_every_code_and_definition_path_exists(template: dict[str, Any]) -> None:
    uris = []
    for res in template["Resources"].values():
        props = res.get("Properties") or {}
        uris += [props[key] for key in ("CodeUri", "ContentUri", "DefinitionUri") if key in props]
    kinds = ("AWS::Serverless::LayerVersion", "AWS::Serverless::Function", "AWS::Serverless::StateMachine")
    assert len(uris) == sum(len(_resources(template, kind)) for kind in kinds)
    missing = [uri for uri in uris if not (ROOT / uri).exists()]
    assert missing == []


def test_every_function_folder_has_its_handler_module(template: dict[str, Any]) -> None:
    handler = template["Globals"]["Function"]["Handler"]
    module = handler.rpartition(".")[0]
    for name, res in _functions(template).items():
        assert "Handler" not in res["Properties"], f"{name} overrides the shared handler name"
        assert (ROOT / res["Properties"]["CodeUri"] / f"{module}.py").is_file(), name


def test_layers_are_built_by_the_layers_makefile_for_the_functions_runtime(template: dict[str, Any]) -> None:
    runtime = template["Globals"]["Function"]["Runtime"]
    layers = _resources(template, "AWS::Serverless::LayerVersion")
    assert set(layers) == set(LAYERS.values())
    makefile = (ROOT / "layers" / "Makefile").read_text(encoding="utf-8")
    for name, layer in layers.items():
        assert layer["Metadata"]["BuildMethod"] == "makefile"
        assert re.search(rf"^build-{name}:", makefile, re.MULTILINE), f"layers/Makefile has no target for {name}"
        assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
        assert (ROOT / layer["Properties"]["ContentUri"] / "devrel" / "devrel" / "__init__.py").is_file()


def test_webhooks_get_the_slim_layer_and_every_other_function_the_full_one(template: dict[str, Any]) -> None:
    assert "Layers" not in template["Globals"]["Function"]
    for name, res in _functions(template).items():
        kind = "slim" if name in WEBHOOK_FUNCTIONS else "full"
        assert res["Properties"]["Layers"] == [{"Ref": LAYERS[kind]}], name


def _requirement_names(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {canonicalize_name(Requirement(line).name) for line in lines if line.strip() and not line.startswith("#")}


def test_layer_requirements_match_the_package_dependencies() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {canonicalize_name(Requirement(d).name) for d in pyproject["project"]["dependencies"]}
    full = _requirement_names(ROOT / "layers/devrel/requirements.txt")
    # Installed without their declared dependencies: opensearch-py and its own Events.
    no_deps = _requirement_names(ROOT / "layers/devrel/requirements-no-deps.txt")
    slim = _requirement_names(ROOT / "layers/slim/requirements.txt")
    # The python3.11 runtime provides boto3; a layer's copy would shadow it.
    assert (full | no_deps) - {"events"} == declared - {"boto3"}
    assert slim < full


# --- Routes, schedules, queue ----------------------------------------------------------------------


def test_routes_match_the_design_and_share_one_http_api(template: dict[str, Any]) -> None:
    routes: dict[tuple[str, str], str] = {}
    for name, res in _functions(template).items():
        for event in (res["Properties"].get("Events") or {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                assert props["ApiId"] == {"Ref": "HttpApi"}
                routes[(props["Method"].upper(), props["Path"])] = name
    assert routes == EXPECTED_ROUTES
    assert template["Resources"]["HttpApi"]["Type"] == "AWS::Serverless::HttpApi"


def test_schedules_match_the_design(template: dict[str, Any]) -> None:
    schedules = {
        name: event["Properties"]["Schedule"]
        for name, res in _functions(template).items()
        for event in (res["Properties"].get("Events") or {}).values()
        if event["Type"] == "Schedule"
    }
    assert schedules == EXPECTED_SCHEDULES


def test_worker_queue_outlives_the_worker_and_redrives_to_the_dead_letter_queue(
    template: dict[str, Any],
) -> None:
    worker = _functions(template)["WorkerFunction"]["Properties"]
    source = worker["Events"]["Work"]
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["WorkQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = template["Resources"]["WorkQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["WorkDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }


def test_only_intake_functions_start_executions(template: dict[str, Any]) -> None:
    """Task functions must not know their state machine, or the stack has a dependency cycle."""
    starters = {
        name for name in _functions(template)
        if "DEVREL_TRIAGE_STATE_MACHINE" in _env(template, name)
    }
    assert starters == {"GithubWebhookFunction", "WorkerFunction"}
    for name in starters:
        assert _env(template, name)["DEVREL_ONBOARDING_STATE_MACHINE"] == {"Ref": "OnboardingStateMachine"}


def test_secret_template_holds_every_secret_name(template: dict[str, Any]) -> None:
    generate = template["Resources"]["DevRelSecrets"]["Properties"]["GenerateSecretString"]
    keys = set(json.loads(generate["SecretStringTemplate"])) | {generate["GenerateStringKey"]}
    assert keys == set(SECRET_NAMES)


# --- State machines --------------------------------------------------------------------------------


def test_definitions_use_exactly_the_substitutions_provided(template: dict[str, Any]) -> None:
    for name, machine in _state_machines(template).items():
        text = (ROOT / machine["Properties"]["DefinitionUri"]).read_text(encoding="utf-8")
        json.loads(text)
        used = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text))
        assert used == set(machine["Properties"]["DefinitionSubstitutions"]), name


def _reachable(definition: dict[str, Any]) -> set[str]:
    states = definition["States"]
    seen: set[str] = set()
    pending = [definition["StartAt"]]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        targets = [state.get("Next"), state.get("Default")]
        targets += [choice["Next"] for choice in state.get("Choices", [])]
        targets += [catcher["Next"] for catcher in state.get("Catch", [])]
        pending += [target for target in targets if target]
    return seen


def test_every_state_is_reachable_and_every_transition_lands(template: dict[str, Any]) -> None:
    for name, machine in _state_machines(template).items():
        definition = _definition(machine)
        reachable = _reachable(definition)  # KeyError on a transition to a missing state
        assert reachable == set(definition["States"]), name


def test_tasks_invoke_their_function_with_a_step_and_recover_from_failures(template: dict[str, Any]) -> None:
    for name, machine in _state_machines(template).items():
        (arn_variable,) = machine["Properties"]["DefinitionSubstitutions"]
        steps = set()
        for state_name, state in _definition(machine)["States"].items():
            if state["Type"] != "Task":
                continue
            assert state["Parameters"]["FunctionName"] == "${" + arn_variable + "}"
            assert state["Parameters"]["Payload"]["input.$"] == "$"
            if state["Resource"] == WAIT_FOR_TOKEN:
                # The callback pattern: the function gets the token; the result is what the callback
                # sends, its expected failures are caught first, and it cannot wait for ever.
                assert state["Parameters"]["Payload"]["token.$"] == "$$.Task.Token", state_name
                assert "ResultSelector" not in state and state["TimeoutSeconds"] > 0, state_name
            else:
                assert state["Resource"] == "arn:aws:states:::lambda:invoke"
                assert state["ResultSelector"] == {"result.$": "$.Payload"}
            assert state["ResultPath"].startswith("$."), state_name
            assert set(state["Retry"][0]["ErrorEquals"]) >= LAMBDA_RETRYABLE, state_name
            step = state["Parameters"]["Payload"]["step"]
            steps.add(step)
            catch_target = state["Catch"][-1]["Next"]
            assert state["Catch"][-1]["ErrorEquals"] == ["States.ALL"]
            if step == "record_failure":
                assert state["Next"] == catch_target
                assert _definition(machine)["States"][catch_target]["Type"] == "Fail"
            else:
                assert catch_target == "RecordFailure", state_name
        assert steps == EXPECTED_STEPS[name]


def test_waits_take_their_duration_from_the_execution_config(template: dict[str, Any]) -> None:
    waits = [s for machine in _state_machines(template).values()
             for s in _definition(machine)["States"].values() if s["Type"] == "Wait"]
    assert waits
    for wait in waits:
        assert wait["SecondsPath"].startswith("$.config.")


def _asl_lint(definitions: dict[str, tuple[Any, dict[str, str]]]) -> list[str]:
    """Lint definitions with cfn-lint's state machine schema (E3601), which only inspects inline
    definitions of plain AWS::StepFunctions::StateMachine resources."""
    resources = {
        name: {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "RoleArn": "arn:aws:iam::123456789012:role/states",
                "Definition": definition,
                "DefinitionSubstitutions": substitutions,
            },
        }
        for name, (definition, substitutions) in definitions.items()
    }
    text = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
    return [str(match) for match in lint(text, config=LINT_CONFIG)]


def _substitutions(machine: dict[str, Any]) -> dict[str, str]:
    return {
        key: f"arn:aws:lambda:us-east-1:123456789012:function:{key}"
        for key in machine["Properties"]["DefinitionSubstitutions"]
    }


def test_definitions_pass_the_states_language_schema(template: dict[str, Any]) -> None:
    definitions = {
        name: (_definition(machine), _substitutions(machine))
        for name, machine in _state_machines(template).items()
    }
    assert _asl_lint(definitions) == []


def test_states_language_check_catches_a_broken_definition(template: dict[str, Any]) -> None:
    machine = _state_machines(template)["TriageStateMachine"]
    broken = _definition(machine)
    broken["StartAt"] = "NoSuchState"
    broken["States"]["WaitForAuthor"]["Seconds"] = "three days"
    errors = _asl_lint({"Broken": (broken, _substitutions(machine))})
    assert any("E3601" in error and "NoSuchState" in error for error in errors), errors
    assert any("E3601" in error and "three days" in error for error in errors), errors


# --- Sample events ---------------------------------------------------------------------------------


def _sample_events() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(EVENTS.glob("*.json"))}


def _http_events() -> dict[str, dict[str, Any]]:
    return {name: event for name, event in _sample_events().items() if event.get("version") == "2.0"}


def _raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event["isBase64Encoded"] else body.encode()


def _hmac_hex(message: bytes) -> str:
    return hmac.new(SAMPLE_SECRET.encode(), message, hashlib.sha256).hexdigest()


def test_every_route_has_a_sample_http_event_that_matches_it() -> None:
    events = _http_events()
    covered = set()
    for name, event in events.items():
        method, _, route = event["routeKey"].partition(" ")
        key = (method if (method, route) in EXPECTED_ROUTES else "ANY", route)
        assert key in EXPECTED_ROUTES, name
        assert event["requestContext"]["http"]["method"] == method
        # {name+} is greedy, {name} one path segment; everything else is literal.
        pattern = "".join(".+" if part.endswith("+}") else "[^/]+" if part.startswith("{") else re.escape(part)
                          for part in re.split(r"(\{\w+\+?\})", route))
        assert re.fullmatch(pattern, event["rawPath"]), name
        covered.add(key)
    assert covered == set(EXPECTED_ROUTES)


def test_sample_webhooks_are_signed_with_the_sample_secret() -> None:
    # The key an operator configures, as the events README documents it.
    documented = re.search(r"`discord_public_key`: `([0-9a-f]{64})`", (EVENTS / "README.md").read_text())
    assert documented
    discord_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(documented.group(1)))
    webhooks = {
        name: event for name, event in _http_events().items()
        if event["routeKey"].startswith("POST ") and not event["rawPath"].startswith("/api/")
    }
    assert len(webhooks) >= 4
    for name, event in webhooks.items():
        headers, body = event["headers"], _raw_body(event)
        if "x-hub-signature-256" in headers:
            assert headers["x-hub-signature-256"] == "sha256=" + _hmac_hex(body), name
        elif "x-slack-signature" in headers:
            base = b"v0:" + headers["x-slack-request-timestamp"].encode() + b":" + body
            assert headers["x-slack-signature"] == "v0=" + _hmac_hex(base), name
        elif "x-discourse-event-signature" in headers:
            assert headers["x-discourse-event-signature"] == "sha256=" + _hmac_hex(body), name
        elif "x-telegram-bot-api-secret-token" in headers:  # Telegram echoes the secret, it signs nothing
            assert headers["x-telegram-bot-api-secret-token"] == SAMPLE_SECRET, name
        elif "x-signature-ed25519" in headers:
            message = headers["x-signature-timestamp"].encode() + body
            try:
                discord_key.verify(bytes.fromhex(headers["x-signature-ed25519"]), message)
            except InvalidSignature:
                pytest.fail(f"{name}: Discord signature does not verify")
        else:
            pytest.fail(f"{name}: webhook sample carries no signature header")


def test_sample_bodies_are_well_formed() -> None:
    for name, event in _http_events().items():
        body = _raw_body(event)
        content_type = event["headers"].get("content-type", "")
        if content_type == "application/json":
            json.loads(body)
        elif content_type == "application/x-www-form-urlencoded":
            assert event["isBase64Encoded"], name  # how HTTP APIs deliver form posts
    worker = _sample_events()["sqs_worker.json"]
    for record in worker["Records"]:
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
        assert InboundEvent.model_validate_json(record["body"]).platform == "github"


def test_task_events_name_a_step_of_their_state_machine() -> None:
    events = _sample_events()
    assert events["triage_task_analyze.json"]["step"] in EXPECTED_STEPS["TriageStateMachine"]
    assert events["onboarding_task_welcome.json"]["step"] in EXPECTED_STEPS["OnboardingStateMachine"]
    assert events["triage_task_analyze.json"]["input"]["config"]["followup_wait_seconds"] > 0
    assert events["onboarding_task_welcome.json"]["input"]["config"]["check_wait_seconds"] > 0


def test_committed_sample_events_match_their_generator(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EVENTS / "make_events.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    generated = {path.name: path.read_text() for path in tmp_path.glob("*.json")}
    committed = {path.name: path.read_text() for path in EVENTS.glob("*.json")}
    assert generated == committed


# --- Build -------------------------------------------------------------------------------------------


def test_samconfig_deploys_with_the_expected_defaults() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    deploy = config["default"]["deploy"]["parameters"]
    assert config["default"]["global"]["parameters"]["stack_name"] == "devrel"
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert deploy["confirm_changeset"] is True


# `sam_build` (one build per session, shared with the cloud rehearsal) is in tests/conftest.py.


@pytest.mark.slow
def test_sam_build_packages_the_layers_and_every_function(sam_build: Path, template: dict[str, Any]) -> None:
    full, slim = (sam_build / LAYERS[kind] / "python" for kind in ("full", "slim"))
    for layer in (full, slim):
        assert (layer / "devrel" / "__init__.py").is_file()
        assert (layer / "devrel" / "settings.py").is_file()
        for dependency in ("msgspec", "aws_lambda_powertools", "aws_xray_sdk", "nacl"):
            assert (layer / dependency).is_dir(), dependency
        # The runtime's boto3 and botocore must not be shadowed.
        assert not (layer / "boto3").exists() and not (layer / "botocore").exists()
    # The webhooks' cold start does without pydantic (devrel/structs.py).
    for dependency in ("pydantic", "yaml", "croniter", "numpy", "openai", "opensearchpy", "github"):
        assert (full / dependency).is_dir(), dependency
        assert not (slim / dependency).exists(), dependency
    for name in _functions(template):
        assert (sam_build / name / "app.py").is_file(), name
    # The API function serves the dashboard and the widget from its layer's copy of the package.
    source = ROOT / "layers" / "devrel" / "devrel" / "web"
    assets = sorted(path.name for path in source.iterdir() if path.suffix in (".html", ".js", ".css"))
    assert assets and all((full / "devrel" / "web" / name).read_bytes() == (source / name).read_bytes()
                          for name in assets)
    # Our own code only: third-party packages may ship their own tests.
    ours = [full / "devrel", slim / "devrel", *(sam_build / name for name in _functions(template))]
    junk = [
        path.relative_to(sam_build) for folder in ours for path in folder.rglob("*")
        if path.name in {"tests", ".pytest_cache"} or path.suffix == ".egg-info"
        or (folder.name != "devrel" and (path.name == "__pycache__" or path.suffix == ".pyc"))
    ]
    assert junk == []
    assert not list(full.glob("devrel*.egg-info")) and not list(slim.glob("devrel*.egg-info"))


@pytest.mark.slow
def test_the_layers_ship_byte_code_that_lambda_can_use_as_is(sam_build: Path) -> None:
    """/opt is read-only: without a usable .pyc, every cold start compiles each module it imports."""
    for kind in ("full", "slim"):
        devrel = sam_build / LAYERS[kind] / "python" / "devrel"
        sources = sorted(devrel.rglob("*.py"))
        assert sources
        for source in sources:
            cached = Path(importlib.util.cache_from_source(str(source)))
            assert cached.is_file(), cached.relative_to(sam_build)
            header = cached.read_bytes()[:8]
            assert header[:4] == importlib.util.MAGIC_NUMBER, f"{cached} is not for this Python ({sys.version})"
            # PEP 552 flags: hash-based (bit 0) without checking the source (bit 1 clear), so the
            # timestamps a zip round trip leaves behind cannot make it stale.
            assert int.from_bytes(header[4:8], "little") == 0b01, cached.relative_to(sam_build)
