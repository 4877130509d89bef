"""Read template.yaml (AWS SAM) into the few facts the edge runner needs.

The runner plays API Gateway, EventBridge, SQS and Step Functions for the functions the template
declares, so this module extracts: each function's code folder and handler, its HTTP routes,
schedules and queue sources, the queues' redrive settings and the state machines' definitions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LOCAL_ACCOUNT = "000000000000"
LOCAL_REGION = "local"


class TemplateError(ValueError):
    """The template lacks something the edge runner needs."""


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags as their long-form dicts."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_CfnLoader)
    if not isinstance(data, dict):
        raise TemplateError(f"{path} is not a YAML mapping")
    return data


def local_function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{logical_id}"


def local_state_machine_arn(logical_id: str) -> str:
    return f"arn:aws:states:{LOCAL_REGION}:{LOCAL_ACCOUNT}:stateMachine:{logical_id}"


@dataclass(frozen=True)
class Route:
    method: str  # upper case, or ANY
    path: str  # HTTP API syntax: /a/{id}/{proxy+}
    function_id: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class ScheduleSpec:
    function_id: str
    name: str
    expression: str  # rate(...) or cron(...)
    enabled: bool = True
    payload: Any = None


@dataclass(frozen=True)
class QueueSource:
    function_id: str
    queue_id: str
    batch_size: int = 10
    report_batch_item_failures: bool = False


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    visibility_timeout: int = 30
    dead_letter_queue_id: str | None = None
    max_receive_count: int = 0
    delay_seconds: int = 0


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    timeout: int
    environment: dict[str, Any] = field(default_factory=dict)

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_dir / (module.replace(".", "/") + ".py")

    @property
    def function_name(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass(frozen=True)
class StateMachineSpec:
    logical_id: str
    definition: dict[str, Any]


@dataclass
class AppTemplate:
    root: Path
    functions: dict[str, FunctionSpec]
    routes: list[Route]
    schedules: list[ScheduleSpec]
    queue_sources: list[QueueSource]
    queues: dict[str, QueueSpec]
    state_machines: dict[str, StateMachineSpec]

    def function_for_arn(self, arn_or_name: str) -> FunctionSpec:
        """Resolve a Lambda ARN (with optional version/alias suffix) or a function logical id."""
        name = arn_or_name
        if arn_or_name.startswith("arn:"):
            parts = arn_or_name.split(":")
            if len(parts) < 7 or parts[5] != "function":
                raise TemplateError(f"not a Lambda function ARN: {arn_or_name}")
            name = parts[6]
        if name not in self.functions:
            raise TemplateError(f"no function {name!r} in the template")
        return self.functions[name]


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _ref_target(value: Any) -> str | None:
    """Logical id referenced by !Ref X or !GetAtt X.Attr, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


def resolve_local(value: Any, resources: dict[str, Any]) -> Any:
    """Resolve the intrinsics the runner understands to local names; None when it cannot.

    !Ref of a resource -> its logical id (our edge adapters are keyed by logical id);
    !GetAtt Function.Arn -> a local ARN the Task invoker maps back to the function.
    """
    if isinstance(value, (str, int, float, bool)):
        return str(value) if not isinstance(value, str) else value
    target = _ref_target(value)
    if target is None or target not in resources:
        return None
    if "Fn::GetAtt" in value:
        kind = resources[target].get("Type", "")
        if kind == "AWS::Serverless::Function":
            return local_function_arn(target)
        if kind == "AWS::Serverless::StateMachine":
            return local_state_machine_arn(target)
    return target


def _substitute(text: str, substitutions: dict[str, str]) -> str:
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", value)
    return text


def load_template(path: Path) -> AppTemplate:
    path = path.resolve()
    doc = load_yaml(path)
    root = path.parent
    resources: dict[str, Any] = doc.get("Resources") or {}
    globals_fn: dict[str, Any] = (doc.get("Globals") or {}).get("Function") or {}

    functions: dict[str, FunctionSpec] = {}
    routes: list[Route] = []
    schedules: list[ScheduleSpec] = []
    queue_sources: list[QueueSource] = []
    queues: dict[str, QueueSpec] = {}
    state_machines: dict[str, StateMachineSpec] = {}

    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            merged = _merge(globals_fn, props)
            code_uri = merged.get("CodeUri")
            handler = merged.get("Handler")
            if not isinstance(code_uri, str) or not isinstance(handler, str):
                raise TemplateError(f"{logical_id}: CodeUri and Handler must be plain strings")
            env = (merged.get("Environment") or {}).get("Variables") or {}
            functions[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_dir=root / code_uri,
                handler=handler,
                timeout=int(merged.get("Timeout", 3)),
                environment=dict(env),
            )
            for event_name, event in (props.get("Events") or {}).items():
                event_props = event.get("Properties") or {}
                event_type = event.get("Type")
                if event_type in ("HttpApi", "Api"):
                    routes.append(
                        Route(
                            method=str(event_props.get("Method", "ANY")).upper(),
                            path=str(event_props.get("Path", "$default")),
                            function_id=logical_id,
                        )
                    )
                elif event_type in ("Schedule", "ScheduleV2"):
                    expression = event_props.get("Schedule") or event_props.get("ScheduleExpression")
                    enabled = event_props.get("Enabled", event_props.get("State", "ENABLED") != "DISABLED")
                    raw_input = event_props.get("Input")
                    schedules.append(
                        ScheduleSpec(
                            function_id=logical_id,
                            name=str(event_props.get("Name") or event_name),
                            expression=str(expression),
                            enabled=bool(enabled),
                            payload=json.loads(raw_input) if isinstance(raw_input, str) else None,
                        )
                    )
                elif event_type == "SQS":
                    queue_id = _ref_target(event_props.get("Queue"))
                    if queue_id is None:
                        raise TemplateError(f"{logical_id}.{event_name}: Queue must reference a queue")
                    queue_sources.append(
                        QueueSource(
                            function_id=logical_id,
                            queue_id=queue_id,
                            batch_size=int(event_props.get("BatchSize", 10)),
                            report_batch_item_failures="ReportBatchItemFailures"
                            in (event_props.get("FunctionResponseTypes") or []),
                        )
                    )
        elif kind == "AWS::SQS::Queue":
            redrive = props.get("RedrivePolicy") or {}
            queues[logical_id] = QueueSpec(
                logical_id=logical_id,
                visibility_timeout=int(props.get("VisibilityTimeout", 30)),
                dead_letter_queue_id=_ref_target(redrive.get("deadLetterTargetArn")),
                max_receive_count=int(redrive.get("maxReceiveCount", 0)),
                delay_seconds=int(props.get("DelaySeconds", 0)),
            )
        elif kind == "AWS::Serverless::StateMachine":
            substitutions: dict[str, str] = {}
            for key, value in (props.get("DefinitionSubstitutions") or {}).items():
                resolved = resolve_local(value, resources)
                if resolved is None:
                    raise TemplateError(f"{logical_id}: cannot resolve substitution {key} locally")
                substitutions[key] = resolved
            if "DefinitionUri" in props:
                text = (root / str(props["DefinitionUri"])).read_text(encoding="utf-8")
                definition = json.loads(_substitute(text, substitutions))
            elif "Definition" in props:
                definition = json.loads(_substitute(json.dumps(props["Definition"]), substitutions))
            else:
                raise TemplateError(f"{logical_id}: needs DefinitionUri or Definition")
            state_machines[logical_id] = StateMachineSpec(logical_id=logical_id, definition=definition)

    return AppTemplate(
        root=root,
        functions=functions,
        routes=routes,
        schedules=schedules,
        queue_sources=queue_sources,
        queues=queues,
        state_machines=state_machines,
    )
