"""Deploy template.yaml's AWS resources to moto (server mode) for the cloud rehearsal.

The SAM template is transformed with SAM's own translator, as `sam deploy` does. Resources whose
type moto's CloudFormation implements are created by a real CreateStack call; the rehearsal plays
the Lambda functions, their layer, permissions and event source mappings, the HTTP API and the
OpenSearch Serverless collection itself, so references to those are replaced by the rehearsal's
values first. Types moto's CloudFormation lacks are created through their service APIs from the
template's own properties, and properties moto's CloudFormation accepts but ignores are applied the
same way (`Stack.completed` lists them); everything else is listed in `Stack.not_rehearsed`.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.cloudformation.parsing import get_model_map
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

from support.cloud_template import Resolver

ACCOUNT = "123456789012"
# What the rehearsal itself plays instead of deploying.
PLAYED = frozenset({
    "AWS::Lambda::Function", "AWS::Lambda::LayerVersion", "AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping",
    "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route",
    "AWS::OpenSearchServerless::Collection", "AWS::OpenSearchServerless::SecurityPolicy",
    "AWS::OpenSearchServerless::AccessPolicy",
})


def transform(template_path: Path, parameters: dict[str, str], region: str) -> dict[str, Any]:
    """The CloudFormation template `sam deploy` would submit (code locations as after packaging)."""
    document = yaml_parse(template_path.read_text(encoding="utf-8"))
    for name, resource in document["Resources"].items():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if key in props:
                props[key] = f"s3://rehearsal-artifacts/{name}.zip"
        if "DefinitionUri" in props:
            props["Definition"] = json.loads((template_path.parent / props.pop("DefinitionUri")).read_text())
    translator = Translator({}, Parser(), boto_session=boto3.session.Session(region_name=region))
    translated: dict[str, Any] = translator.translate(document, parameter_values=dict(parameters))
    return translated


@dataclass
class Stack:
    name: str
    template: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    by_cloudformation: list[str] = field(default_factory=list)
    by_api: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    not_rehearsed: list[str] = field(default_factory=list)

    def of_type(self, kind: str) -> list[str]:
        return [name for name, res in self.template["Resources"].items() if res["Type"] == kind]


def _rewrite(value: Any, played: set[str], refs: dict[str, str], attributes: dict[str, str]) -> Any:
    """Replace Ref/GetAtt/${} of the played resources by the rehearsal's values."""
    def ref(name: str) -> str:
        if name not in refs:
            raise ValueError(f"a deployed resource references {name}, played by the rehearsal: give its Ref")
        return refs[name]

    def get_att(key: str) -> str:
        if key not in attributes:
            raise ValueError(f"a deployed resource references {key}, played by the rehearsal: give its value")
        return attributes[key]

    if isinstance(value, list):
        return [_rewrite(v, played, refs, attributes) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in played:
        return ref(value["Ref"])
    if set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        key = target if isinstance(target, str) else ".".join(target)
        if key.split(".")[0] in played:
            return get_att(key)
    if set(value) == {"Fn::Sub"}:
        argument = value["Fn::Sub"]
        text, local = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.split(".")[0] not in played:
                return match.group(0)
            return get_att(name) if "." in name else ref(name)

        text = re.sub(r"\$\{([^}!]+)\}", one, text)
        return {"Fn::Sub": [text, _rewrite(local, played, refs, attributes)] if local else text}
    return {key: _rewrite(v, played, refs, attributes) for key, v in value.items()}


def _references(value: Any) -> set[str]:
    """Logical ids a property value refers to (Ref, GetAtt, ${} in Sub)."""
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, argument in value.items():
        if key == "Ref" and isinstance(argument, str):
            found.add(argument)
        elif key == "Fn::GetAtt":
            found.add(argument[0] if isinstance(argument, list) else argument.split(".")[0])
        elif key == "Fn::Sub":
            text = argument if isinstance(argument, str) else argument[0]
            found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
            found |= _references(argument[1] if isinstance(argument, list) else {})
        else:
            found |= _references(argument)
    return found


def deploy(
    template_path: Path,
    session: boto3.session.Session,
    endpoint: str,
    parameters: dict[str, str],
    played_refs: dict[str, str],
    played_attributes: dict[str, str],
    stack_name: str = "devrel",
) -> Stack:
    region = session.region_name or "us-east-1"
    translated = transform(template_path, parameters, region)
    resources: dict[str, Any] = translated["Resources"]
    stack = Stack(stack_name, translated, refs=dict(played_refs), attributes=dict(played_attributes))
    client = lambda service: session.client(service, endpoint_url=endpoint)  # noqa: E731
    pseudo = {"AWS::Region": region, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
              "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": stack_name}
    resolver = Resolver(translated, refs=stack.refs, attributes=stack.attributes, parameters=parameters)
    resolver.refs.update(pseudo)
    supported = set(get_model_map())
    played = {name for name, res in resources.items() if res["Type"] in PLAYED}
    wanted = {name: res for name, res in resources.items() if name not in played
              and (not res.get("Condition") or resolver.condition(res["Condition"]))}
    by_cfn = {name: res for name, res in wanted.items() if res["Type"] in supported}
    by_api = {name: res for name, res in wanted.items() if res["Type"] in _API_CREATORS}
    stack.not_rehearsed = [f"{name} ({res['Type']})" for name, res in wanted.items()
                           if name not in by_cfn and name not in by_api]
    # Created through the API before the stack when they need nothing from it (the stack then
    # references them by value), after it otherwise.
    before = {name for name, res in by_api.items() if not _references(res.get("Properties")) & set(by_cfn)}
    for name in sorted(before):
        _API_CREATORS[by_api[name]["Type"]](name, resolver.resolve(by_api[name]["Properties"]), stack, client)
    body = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": translated.get("Parameters", {}),
        "Conditions": translated.get("Conditions", {}),
        "Resources": _rewrite(by_cfn, played | before, stack.refs, stack.attributes),
    }
    cfn = client("cloudformation")
    cfn.create_stack(
        StackName=stack_name, TemplateBody=json.dumps(body), Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()
                    if key in body["Parameters"]],
    )
    status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    if status["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {stack_name}: {status['StackStatus']} {status.get('StackStatusReason')}")
    for summary in cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]:
        if summary["LogicalResourceId"] in by_cfn:
            stack.refs[summary["LogicalResourceId"]] = summary["PhysicalResourceId"]
            stack.by_cloudformation.append(summary["LogicalResourceId"])
    _attributes(stack, client)
    _complete(stack, client, resolver)
    for name in sorted(set(by_api) - before):
        _API_CREATORS[by_api[name]["Type"]](name, resolver.resolve(by_api[name]["Properties"]), stack, client)
    return stack


def _attributes(stack: Stack, client: Any) -> None:
    """The GetAtt values the functions' environments and policies use."""
    sqs, sfn = client("sqs"), client("stepfunctions")
    for name in stack.of_type("AWS::SQS::Queue"):
        url = stack.refs[name]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        stack.attributes.update({f"{name}.Arn": arn, f"{name}.QueueName": arn.rsplit(":", 1)[1],
                                 f"{name}.QueueUrl": url})
    for name in stack.of_type("AWS::StepFunctions::StateMachine"):
        arn = stack.refs[name]
        stack.attributes.update({f"{name}.Arn": arn, f"{name}.Name": sfn.describe_state_machine(
            stateMachineArn=arn)["name"]})
    for name in stack.of_type("AWS::S3::Bucket"):
        stack.attributes[f"{name}.Arn"] = f"arn:aws:s3:::{stack.refs[name]}"
    for name in stack.of_type("AWS::DynamoDB::Table"):
        stack.attributes[f"{name}.Arn"] = client("dynamodb").describe_table(TableName=stack.refs[name])[
            "Table"]["TableArn"]


def _complete(stack: Stack, client: Any, resolver: Resolver) -> None:
    """Apply the template's properties that moto's CloudFormation accepted but did not carry out."""
    resources = stack.template["Resources"]
    dynamodb, s3, sfn = client("dynamodb"), client("s3"), client("stepfunctions")
    for name in stack.of_type("AWS::DynamoDB::Table"):
        ttl = resources[name]["Properties"].get("TimeToLiveSpecification")
        current = dynamodb.describe_time_to_live(TableName=stack.refs[name])["TimeToLiveDescription"]
        if ttl and ttl.get("Enabled") and current.get("TimeToLiveStatus") != "ENABLED":
            dynamodb.update_time_to_live(TableName=stack.refs[name], TimeToLiveSpecification={
                "Enabled": True, "AttributeName": ttl["AttributeName"]})
            stack.completed.append(f"{name}.TimeToLiveSpecification")
    for name in stack.of_type("AWS::S3::Bucket"):
        props, bucket = resources[name]["Properties"], stack.refs[name]
        versioning = props.get("VersioningConfiguration")
        if versioning and s3.get_bucket_versioning(Bucket=bucket).get("Status") != versioning["Status"]:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": versioning["Status"]})
            stack.completed.append(f"{name}.VersioningConfiguration")
        if "PublicAccessBlockConfiguration" in props:
            try:
                s3.get_public_access_block(Bucket=bucket)
            except s3.exceptions.ClientError:
                s3.put_public_access_block(Bucket=bucket,
                                           PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
                stack.completed.append(f"{name}.PublicAccessBlockConfiguration")
    for name in stack.of_type("AWS::StepFunctions::StateMachine"):
        substitutions = resolver.resolve(resources[name]["Properties"].get("DefinitionSubstitutions") or {})
        arn = stack.refs[name]
        definition = sfn.describe_state_machine(stateMachineArn=arn)["definition"]
        replaced = definition
        for key, value in substitutions.items():
            replaced = replaced.replace("${" + key + "}", str(value))
        if replaced != definition:
            sfn.update_state_machine(stateMachineArn=arn, definition=replaced)
            stack.completed.append(f"{name}.DefinitionSubstitutions")


def _create_secret(name: str, props: dict[str, Any], stack: Stack, client: Any) -> None:
    """CreateSecret as CloudFormation does it for GenerateSecretString: the template's JSON with one
    generated key."""
    generate = props.get("GenerateSecretString")
    value = props.get("SecretString", "")
    if generate:
        alphabet = string.ascii_letters + string.digits
        if not generate.get("ExcludePunctuation"):
            alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
        generated = "".join(secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32))))
        if "SecretStringTemplate" in generate:
            document = json.loads(generate["SecretStringTemplate"])
            document[generate["GenerateStringKey"]] = generated
            value = json.dumps(document)
        else:
            value = generated
    created = client("secretsmanager").create_secret(
        Name=props["Name"], Description=props.get("Description", ""), SecretString=value)
    stack.refs[name] = str(created["ARN"])
    stack.by_api.append(name)


def _put_bucket_policy(name: str, props: dict[str, Any], stack: Stack, client: Any) -> None:
    # moto evaluates bucket policies, and the rehearsal speaks plain HTTP to it: a TLS-only
    # statement would deny every request, so those are left out (and listed).
    document = dict(props["PolicyDocument"])
    statements = document.get("Statement") or []
    kept = [s for s in statements if "aws:SecureTransport" not in json.dumps(s.get("Condition") or {})]
    if len(kept) != len(statements):
        stack.not_rehearsed.append(f"{name}: its aws:SecureTransport statements (plain HTTP to moto)")
    document["Statement"] = kept
    if kept:
        client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))
    stack.refs[name] = props["Bucket"]
    stack.by_api.append(name)


# Types moto's CloudFormation lacks that the rehearsal needs, created through their own APIs.
_API_CREATORS: dict[str, Callable[[str, dict[str, Any], Stack, Any], None]] = {
    "AWS::SecretsManager::Secret": _create_secret,
    "AWS::S3::BucketPolicy": _put_bucket_policy,
}
