"""template.yaml as CloudFormation would see it: parameters, conditions and the intrinsic functions
the template uses (Ref, GetAtt, Sub, If, Join, Select, Not, Equals, And, Or), resolved against a
table of physical values.

The contract tests read the raw template through it, and the cloud rehearsal resolves each
function's environment to the stand-in resources it created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
NO_VALUE = "AWS::NoValue"
FUNCTION = "AWS::Serverless::Function"


def _plain(value: Any) -> Any:
    """cfn-lint's decoded nodes as plain dicts, lists and strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    decoded, errors = decode_str(path.read_text(encoding="utf-8"))
    if errors or decoded is None:
        raise ValueError(f"{path} does not parse: {errors}")
    template: dict[str, Any] = _plain(decoded)
    return template


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == FUNCTION}


def raw_environment(template: dict[str, Any], function_id: str) -> dict[str, Any]:
    """Globals' variables overlaid with the function's own, unresolved (as SAM merges them)."""
    props = functions(template)[function_id]["Properties"]
    globals_env = ((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
    return {
        **(globals_env.get("Variables") or {}),
        **((props.get("Environment") or {}).get("Variables") or {}),
    }


def function_property(template: dict[str, Any], function_id: str, name: str, default: Any = None) -> Any:
    """A function property with the Globals fallback SAM applies."""
    props = functions(template)[function_id]["Properties"]
    if name in props:
        return props[name]
    return ((template.get("Globals") or {}).get("Function") or {}).get(name, default)


class Unresolvable(ValueError):
    """An intrinsic this resolver does not know, or a reference it was given no value for."""


@dataclass
class Resolver:
    """Resolves intrinsics. `refs` maps a logical id (or pseudo parameter) to what Ref returns;
    `attributes` maps "LogicalId.Attribute" to what GetAtt returns. Parameters take their
    defaults unless `parameters` overrides them."""

    template: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)

    def parameter(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        declared = self.template.get("Parameters", {}).get(name)
        if declared is None or "Default" not in declared:
            raise Unresolvable(f"parameter {name} has no value")
        return str(declared["Default"])

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def ref(self, name: str) -> str:
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        if name in self.refs:
            return self.refs[name]
        raise Unresolvable(f"no value for Ref {name}")

    def get_att(self, target: str | list[str]) -> str:
        key = target if isinstance(target, str) else ".".join(target)
        if key not in self.attributes:
            raise Unresolvable(f"no value for GetAtt {key}")
        return self.attributes[key]

    def substitute(self, text: str, local: dict[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(self.resolve(local[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(name)
            return self.ref(name)

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic evaluated; NO_VALUE where AWS::NoValue was chosen."""
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item != NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            resolved = {key: self.resolve(v) for key, v in value.items()}
            return {key: v for key, v in resolved.items() if v != NO_VALUE}
        ((key, arg),) = value.items()
        if key == "Ref":
            return NO_VALUE if arg == NO_VALUE else self.ref(arg)
        if key == "Fn::GetAtt":
            return self.get_att(arg)
        if key == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            return self.substitute(text, local)
        if key == "Fn::If":
            name, then, otherwise = arg
            return self.resolve(then if self.condition(name) else otherwise)
        if key == "Fn::Not":
            return not self.resolve(arg[0])
        if key == "Fn::Equals":
            left, right = (self.resolve(v) for v in arg)
            return str(left) == str(right)
        if key == "Fn::And":
            return all(self.resolve(v) for v in arg)
        if key == "Fn::Or":
            return any(self.resolve(v) for v in arg)
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Join":
            separator, items = arg
            return separator.join(str(v) for v in self.resolve(items))
        if key == "Fn::Select":
            index, items = arg
            return self.resolve(items)[int(self.resolve(index))]
        if key.startswith("Fn::"):
            raise Unresolvable(f"intrinsic {key} is not supported here")
        return {key: self.resolve(arg)}

    def environment(self, function_id: str) -> dict[str, str]:
        """The variables Lambda would give the function (NoValue entries dropped)."""
        resolved = self.resolve(raw_environment(self.template, function_id))
        return {key: str(v) for key, v in resolved.items()}


def referenced_parameter(value: Any, template: dict[str, Any]) -> str | None:
    """The parameter an environment value comes from: `!Ref P`, or `!If [C, !Ref P, !Ref AWS::NoValue]`
    where C is "P is not empty"; None otherwise."""
    parameters = template.get("Parameters", {})
    if isinstance(value, dict) and value.get("Ref") in parameters:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::If" in value:
        name, then, otherwise = value["Fn::If"]
        if otherwise != {"Ref": NO_VALUE} or not isinstance(then, dict) or then.get("Ref") not in parameters:
            return None
        parameter = str(then["Ref"])
        if template.get("Conditions", {}).get(name) == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}:
            return parameter
    return None


def referenced_resource(value: Any, template: dict[str, Any]) -> str | None:
    """The resource an environment value names through `!Ref R` or `!GetAtt R.Attr`; None otherwise."""
    resources = template.get("Resources", {})
    if isinstance(value, dict) and value.get("Ref") in resources:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        name = target[0] if isinstance(target, list) else target.split(".")[0]
        return str(name) if name in resources else None
    return None
