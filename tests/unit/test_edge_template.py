from __future__ import annotations

import json
from pathlib import Path

import pytest

from devrel.edge.template import TemplateError, load_template, local_function_arn

SMALL = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.11
    Handler: app.lambda_handler
    Timeout: 7
    Environment:
      Variables:
        DEVREL_MODE: cloud
        LOG_LEVEL: INFO
Resources:
  Hook:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/hook/
      Timeout: 9
      Environment:
        Variables:
          DEVREL_WORK_QUEUE: !Ref Jobs
      Events:
        Post:
          Type: HttpApi
          Properties: {Path: /hook, Method: post}
        Tick:
          Type: Schedule
          Properties: {Schedule: rate(5 minutes), Input: '{"kind": "tick"}'}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker/
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 3
            FunctionResponseTypes: [ReportBatchItemFailures]
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDlq.Arn
        maxReceiveCount: 4
  JobsDlq:
    Type: AWS::SQS::Queue
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: flow.asl.json
      DefinitionSubstitutions:
        HookArn: !GetAtt Hook.Arn
"""

FLOW = {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "${HookArn}", "End": True}}}


def write(tmp_path: Path, text: str = SMALL) -> Path:
    (tmp_path / "flow.asl.json").write_text(json.dumps(FLOW))
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


def test_functions_routes_schedules_queues_and_state_machines(tmp_path: Path) -> None:
    template = load_template(write(tmp_path))
    hook = template.functions["Hook"]
    assert hook.timeout == 9 and hook.module_file == tmp_path / "functions/hook/app.py"
    assert hook.environment["LOG_LEVEL"] == "INFO" and hook.environment["DEVREL_WORK_QUEUE"] == {"Ref": "Jobs"}
    assert [r.route_key for r in template.routes] == ["POST /hook"]
    assert template.schedules[0].expression == "rate(5 minutes)"
    assert template.schedules[0].payload == {"kind": "tick"}
    source = template.queue_sources[0]
    assert (source.queue_id, source.batch_size, source.report_batch_item_failures) == ("Jobs", 3, True)
    assert template.queues["Jobs"].dead_letter_queue_id == "JobsDlq"
    assert template.queues["Jobs"].max_receive_count == 4
    task = template.state_machines["Flow"].definition["States"]["Call"]
    assert task["Resource"] == local_function_arn("Hook")
    assert template.function_for_arn(task["Resource"]).logical_id == "Hook"


def test_unknown_function_arns_are_errors(tmp_path: Path) -> None:
    template = load_template(write(tmp_path))
    with pytest.raises(TemplateError):
        template.function_for_arn(local_function_arn("Missing"))
    with pytest.raises(TemplateError):
        template.function_for_arn("arn:aws:states:local:0:stateMachine:Flow")


def test_substitutions_that_cannot_be_resolved_locally_fail_loudly(tmp_path: Path) -> None:
    broken = SMALL.replace("HookArn: !GetAtt Hook.Arn", "HookArn: !ImportValue shared-arn")
    with pytest.raises(TemplateError):
        load_template(write(tmp_path, broken))


def test_the_project_template_wires_every_function_to_existing_code() -> None:
    template = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
    for spec in template.functions.values():
        assert spec.module_file.is_file(), spec.logical_id
    assert {"POST /github/webhook", "POST /discord/interactions"} <= {r.route_key for r in template.routes}
    assert template.queue_sources and template.schedules and template.state_machines
