"""The AWS services around the functions, played for the cloud rehearsal.

`CloudRehearsal` holds one `LambdaProcess` per function of the built template and delivers events
to them the way AWS does:
- API Gateway (HTTP API, payload format 2.0): `http()` matches the template's routes and builds the
  v2 event from a raw request; the function's result becomes the HTTP response, an error a 500;
- the SQS event source mapping: a poller per SQS event of the template receives from the queue on
  moto (batch size from the template), invokes the function, deletes what succeeded and honours
  ReportBatchItemFailures; retries and dead-lettering are the queue's own redrive policy;
- Step Functions: moto records the executions the functions start but cannot call Lambda, so a
  driver takes every new execution from moto (its definition as deployed, its input) and runs it on
  the project's ASL executor, whose Task states invoke the task function's process. The functions
  reach Step Functions through a front (`AWS_ENDPOINT_URL_SFN`) that hands SendTaskSuccess /
  SendTaskFailure / SendTaskHeartbeat to that executor, whose task tokens they carry, and passes
  every other call to moto unchanged;
- EventBridge: `scheduled()` sends the template's scheduled event shape, naming the deployed rule.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from devrel.asl import ExecutionStore, LocalExecutor, TaskFailure
from devrel.ports import Execution, PortError
from support.cloud_stack import ACCOUNT, Stack
from support.cloud_template import Resolver, function_property, functions
from support.lambda_rehearsal import FunctionSpec, InvocationError, LambdaProcess, runtime_packages
from support.stand_in import BackgroundHttpServer

log = logging.getLogger("cloud-rehearsal")
# moto's server logs every request; the rehearsal's own log says what matters.
logging.getLogger("werkzeug").setLevel(logging.WARNING)
# API Gateway passes these content types as text; everything else arrives base64-encoded.
_TEXT_TYPES = re.compile(r"^(text/.*|application/(json|xml|javascript)(;.*)?)$")
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# The task-token callbacks of Step Functions' JSON protocol (X-Amz-Target), answered by the executor.
_CALLBACKS = ("AWSStepFunctions.SendTaskSuccess", "AWSStepFunctions.SendTaskFailure",
              "AWSStepFunctions.SendTaskHeartbeat")


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function_id: str

    def matches(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        pattern = re.escape(self.path)
        pattern = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", pattern)
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None

    @property
    def specificity(self) -> tuple[int, int]:
        # HTTP APIs prefer exact routes, then {param} routes, then greedy {proxy+} ones.
        return (int("+}" in self.path), self.path.count("{"))


class CloudRehearsal:
    def __init__(
        self,
        build_dir: Path,
        built_template: dict[str, Any],
        stack: Stack,
        resolver: Resolver,
        session: Any,
        endpoint: str,
        scratch: Path,
        lambda_env: dict[str, str],
        network_env: dict[str, str],
        hosts: dict[str, str],
        function_names: dict[str, str],
    ) -> None:
        self.template = built_template
        self.stack = stack
        self.region = session.region_name
        self._client = lambda service: session.client(service, endpoint_url=endpoint)
        self.sqs = self._client("sqs")
        self.sfn = self._client("stepfunctions")
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.task_callbacks: list[tuple[str, str]] = []  # (operation, outcome) as the front answered
        self._sfn_front = BackgroundHttpServer(_step_functions_front(self, endpoint)).start()
        lambda_env = {**lambda_env, "AWS_ENDPOINT_URL_SFN": self._sfn_front.url}
        runtime_dir = runtime_packages(scratch / "runtime")
        self.processes: dict[str, LambdaProcess] = {}
        self.arns: dict[str, str] = {}
        for function_id in functions(built_template):
            environment = {**resolver.environment(function_id), **network_env}
            layers = [resolver.resolve(layer) for layer in function_property(built_template, function_id, "Layers", [])]
            name = function_names[function_id]
            arn = f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{name}"
            spec = FunctionSpec(
                logical_id=function_id, name=name, arn=arn,
                code_dir=build_dir / function_property(built_template, function_id, "CodeUri"),
                layer_dirs=tuple(build_dir / self._layer_folder(layer) / "python" for layer in layers),
                handler=function_property(built_template, function_id, "Handler"),
                timeout=int(function_property(built_template, function_id, "Timeout", 3)),
                memory=int(function_property(built_template, function_id, "MemorySize", 128)),
                environment=environment,
            )
            self.processes[function_id] = LambdaProcess(spec, scratch / "functions" / function_id, runtime_dir,
                                                        lambda_env, hosts)
            self.arns[arn] = function_id
        self.routes = sorted(self._routes(), key=lambda route: route.specificity)
        self.executions = LocalExecutor(scratch / "executions.sqlite", self._definitions(), self._invoke_task)
        self._moto_executions: dict[str, str] = {}
        self.delivered_batches: list[tuple[str, int, int]] = []

    def _layer_folder(self, logical_id: str) -> str:
        """The build folder of a layer (the rehearsal plays the layer service: a layer's Ref is its
        logical id)."""
        return str(self.template["Resources"][logical_id]["Properties"]["ContentUri"])

    # --- Lambda ----------------------------------------------------------------------------------------

    def invoke(self, function_id: str, event: Any) -> Any:
        return self.processes[function_id].invoke(event)

    def logs(self) -> str:
        return "\n".join(process.logs() for process in self.processes.values())

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        for process in self.processes.values():
            process.close()
        self._sfn_front.stop()
        self.executions.close()

    # --- API Gateway (HTTP API) ----------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        found = []
        for function_id, resource in functions(self.template).items():
            for event in (resource["Properties"].get("Events") or {}).values():
                if event["Type"] == "HttpApi":
                    props = event["Properties"]
                    found.append(Route(str(props.get("Method", "ANY")).upper(), props["Path"], function_id))
        return found

    def http(self, method: str, path_and_query: str, body: bytes = b"", headers: dict[str, str] | None = None,
             source_ip: str = "203.0.113.7") -> HttpResult:
        path, _, query = path_and_query.partition("?")
        for route in self.routes:
            parameters = route.matches(method, path)
            if parameters is not None:
                break
        else:
            return HttpResult(404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
        event = api_gateway_event(method, path, query, body, headers or {}, route, parameters, source_ip,
                                  self.stack.refs.get("HttpApi", "api"))
        try:
            result = self.invoke(route.function_id, event)
        except InvocationError:
            return HttpResult(500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}')
        return http_result(result)

    # --- SQS event source mapping ----------------------------------------------------------------------

    def start_event_source_mappings(self) -> None:
        for function_id, resource in functions(self.template).items():
            for event in (resource["Properties"].get("Events") or {}).values():
                if event["Type"] == "SQS":
                    props = event["Properties"]
                    queue_id = props["Queue"]["Fn::GetAtt"][0]
                    self._spawn(self._poll, function_id, queue_id, int(props.get("BatchSize", 10)),
                                "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []))

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll(self, function_id: str, queue_id: str, batch_size: int, report_failures: bool) -> None:
        url, arn = self.stack.refs[queue_id], self.stack.attributes[f"{queue_id}.Arn"]
        while not self._stop.is_set():
            try:
                received = self.sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=min(batch_size, 10), WaitTimeSeconds=1,
                    AttributeNames=["All"], MessageAttributeNames=["All"])
                messages = received.get("Messages") or []
                if messages:
                    self.deliver(function_id, url, arn, messages, report_failures)
            except Exception:  # a poller never stops on one bad batch, as the service does not
                log.exception("event source mapping %s -> %s", queue_id, function_id)
                self._stop.wait(0.5)

    def deliver(self, function_id: str, url: str, arn: str, messages: list[dict[str, Any]],
                report_failures: bool) -> None:
        records = [sqs_record(message, arn, self.region) for message in messages]
        try:
            result = self.invoke(function_id, {"Records": records})
        except InvocationError as error:
            # The whole batch becomes visible again after the visibility timeout.
            log.warning("%s failed a batch of %d: %s", function_id, len(records), error)
            self.delivered_batches.append((function_id, len(records), len(records)))
            return
        ids = {record["messageId"] for record in records}
        failed: set[str] = set()
        if report_failures and isinstance(result, dict) and result.get("batchItemFailures"):
            reported = {str(item.get("itemIdentifier") or "") for item in result["batchItemFailures"]}
            # An identifier that is not in the batch makes Lambda treat the whole batch as failed.
            failed = ids if not reported <= ids else reported
        self.delivered_batches.append((function_id, len(records), len(failed)))
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages) if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=url, Entries=done)

    # --- Step Functions ----------------------------------------------------------------------------------

    def _definitions(self) -> dict[str, dict[str, Any]]:
        machines = self.stack.of_type("AWS::StepFunctions::StateMachine")
        return {name: json.loads(self.sfn.describe_state_machine(stateMachineArn=self.stack.refs[name])["definition"])
                for name in machines}

    def _invoke_task(self, resource: str, payload: Any) -> Any:
        function_id = self.arns.get(resource)
        if function_id is None:
            raise TaskFailure("Lambda.ResourceNotFoundException", f"Function not found: {resource}")
        try:
            return self.invoke(function_id, payload)
        except InvocationError as error:
            cause = {"errorMessage": error.message, "errorType": error.error_type, "stackTrace": error.stack_trace}
            raise TaskFailure(error.error_type, json.dumps(cause)) from error

    def task_callback(self, target: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat for a token of the executor: the
        service's answer (status, JSON body), its errors by their `__type`."""
        operation = target.rpartition(".")[2]
        token = str(request.get("taskToken") or "")
        try:
            if operation == "SendTaskSuccess":
                self.store.send_task_result(token, {"status": "success", "output": json.loads(request["output"])})
            elif operation == "SendTaskFailure":
                self.store.send_task_result(token, {"status": "failure", "error": request.get("error", ""),
                                                    "cause": request.get("cause", "")})
        except PortError as error:
            code = str(error).partition(":")[0]
            self.task_callbacks.append((operation, code))
            return 400, {"__type": code if code in ("TaskTimedOut", "InvalidToken") else "TaskDoesNotExist",
                         "message": str(error)}
        self.task_callbacks.append((operation, "ok"))
        return 200, {}

    def start_state_machine_driver(self, poll_seconds: float = 0.2) -> None:
        self._spawn(self._drive, poll_seconds)

    def _drive(self, poll_seconds: float) -> None:
        machines = {name: self.stack.refs[name] for name in self.stack.of_type("AWS::StepFunctions::StateMachine")}
        while not self._stop.is_set():
            try:
                for name, arn in machines.items():
                    listed = self.sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]
                    for execution in listed:
                        if execution["executionArn"] not in self._moto_executions:
                            described = self.sfn.describe_execution(executionArn=execution["executionArn"])
                            local_id = self.executions.store.start(name, json.loads(described["input"]),
                                                                   described["name"])
                            self._moto_executions[execution["executionArn"]] = local_id
                self.executions.run_ready()
            except Exception:
                log.exception("state machine driver")
            self._stop.wait(poll_seconds)

    def execution(self, execution_arn: str) -> Execution | None:
        local_id = self._moto_executions.get(execution_arn)
        return None if local_id is None else self.executions.store.describe(local_id)

    def started_executions(self, state_machine: str) -> list[str]:
        """ARNs of the executions started on moto for a state machine (logical id)."""
        arn = self.stack.refs[state_machine]
        return [e["executionArn"] for e in self.sfn.list_executions(stateMachineArn=arn)["executions"]]

    def wait_for_execution(self, execution_arn: str, timeout: float = 180.0) -> Execution | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.execution(execution_arn)
            if found is not None and found.status in TERMINAL:
                return found
            time.sleep(0.2)
        return self.execution(execution_arn)

    @property
    def store(self) -> ExecutionStore:
        return self.executions.store

    # --- EventBridge ------------------------------------------------------------------------------------

    def scheduled(self, function_id: str) -> Any:
        """Invoke a function with the scheduled event of its (first) Schedule."""
        events = functions(self.template)[function_id]["Properties"].get("Events") or {}
        name = next(key for key, event in events.items() if event["Type"] in ("Schedule", "ScheduleV2"))
        rule = self.stack.refs[f"{function_id}{name}"]
        return self.invoke(function_id, scheduled_event(rule, self.region))


def _step_functions_front(rehearsal: CloudRehearsal, moto: str) -> type[BaseHTTPRequestHandler]:
    """Step Functions as the functions see it: task-token callbacks to the rehearsal's executor, any
    other call passed to moto as it came (moto does not check signatures, so the host may change)."""

    class Front(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            target = self.headers.get("x-amz-target", "")
            if target in _CALLBACKS:
                status, answer = rehearsal.task_callback(target, json.loads(body or b"{}"))
                raw, headers = json.dumps(answer).encode(), {"content-type": "application/x-amz-json-1.0"}
            else:
                forwarded = urllib.request.Request(
                    moto + self.path, data=body, method="POST",
                    headers={k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")})
                try:
                    with urllib.request.urlopen(forwarded, timeout=60) as response:
                        status, raw, headers = response.status, response.read(), dict(response.headers.items())
                except urllib.error.HTTPError as error:
                    status, raw, headers = error.code, error.read(), dict(error.headers.items())
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Front


def api_gateway_event(method: str, path: str, query: str, body: bytes, headers: dict[str, str], route: Route,
                      parameters: dict[str, str], source_ip: str, api_id: str) -> dict[str, Any]:
    """An HTTP API payload format 2.0 event, as API Gateway builds it from the raw request."""
    lowered = {key.lower(): value for key, value in headers.items()}
    content_type = lowered.get("content-type", "")
    as_text = not body or bool(_TEXT_TYPES.match(content_type))
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": f"{api_id}.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https",
                    "x-forwarded-for": source_ip, **lowered},
        "requestContext": {
            "accountId": ACCOUNT, "apiId": api_id, "domainName": f"{api_id}.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": api_id,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": lowered.get("user-agent", "")},
            "requestId": base64.b64encode(uuid.uuid4().bytes[:12]).decode(), "routeKey": f"{route.method} {route.path}",
            "stage": "$default", "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": not as_text,
    }
    if body:
        event["body"] = body.decode() if as_text else base64.b64encode(body).decode()
    if query:
        merged: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            merged[key] = f"{merged[key]},{value}" if key in merged else value
        event["queryStringParameters"] = merged
    if parameters:
        event["pathParameters"] = parameters
    return event


def http_result(result: Any) -> HttpResult:
    """API Gateway's reading of a payload format 2.0 response."""
    if isinstance(result, dict) and "statusCode" in result:
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        return HttpResult(int(result["statusCode"]), headers, body)
    return HttpResult(200, {"content-type": "application/json"}, json.dumps(result).encode())


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = message.get("Attributes") or {}
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {key: attributes[key] for key in (
            "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")
            if key in attributes},
        "messageAttributes": message.get("MessageAttributes") or {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def scheduled_event(rule_name: str, region: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule_name}"],
        "detail": {},
    }
