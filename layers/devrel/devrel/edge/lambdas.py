"""Load and invoke Lambda handlers in-process, the way the Lambda runtime does.

Each function's module is loaded from its CodeUri by file path under a unique module name, once
(a warm container), so two functions may both call their file `app.py`.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from devrel.edge.template import LOCAL_ACCOUNT, LOCAL_REGION, AppTemplate, FunctionSpec

Handler = Callable[[Any, Any], Any]


@dataclass
class LocalContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 3
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "edge"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionRegistry:
    """Lazily imports each function's handler once and invokes it with a fresh context."""

    def __init__(self, template: AppTemplate) -> None:
        self._template = template
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    @property
    def template(self) -> AppTemplate:
        return self._template

    def handler(self, function_id: str) -> Handler:
        with self._lock:
            if function_id not in self._handlers:
                spec = self._template.function_for_arn(function_id)
                self._handlers[function_id] = _import_handler(spec)
            return self._handlers[function_id]

    def invoke(self, function_id: str, event: Any) -> Any:
        spec = self._template.function_for_arn(function_id)
        context = LocalContext(function_name=spec.logical_id, timeout_seconds=spec.timeout)
        return self.handler(spec.logical_id)(event, context)


def _import_handler(spec: FunctionSpec) -> Handler:
    module_name = f"devrel_function_{spec.logical_id}"
    module_file = spec.module_file
    if not module_file.is_file():
        raise FileNotFoundError(f"{spec.logical_id}: handler module {module_file} not found")
    loader_spec = importlib.util.spec_from_file_location(module_name, module_file)
    if loader_spec is None or loader_spec.loader is None:
        raise ImportError(f"cannot load {module_file}")
    module: ModuleType = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    loader_spec.loader.exec_module(module)
    handler = getattr(module, spec.function_name, None)
    if not callable(handler):
        raise AttributeError(f"{module_file} has no callable {spec.function_name!r}")
    return handler
