"""Wraps a plain `(request, services) -> response` function as a Powertools-instrumented Lambda.

Every HTTP function shares this so handler files stay one line of wiring, and the Powertools
imports happen here (once), not in each handler module.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from devrel.http import HttpRequest, HttpResponse
from devrel.logs import protect
from devrel.runtime import Services, services

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

HttpUseCase = Callable[[HttpRequest, Services], HttpResponse]
EventUseCase = Callable[[Any, Services], Any]
LambdaHandler = Callable[[dict[str, Any], Any], Any]


def lambda_tracer(service: str) -> Tracer | None:
    """Powertools' X-Ray tracer, or None outside Lambda, where it could record nothing.

    Creating a Tracer imports the X-Ray SDK (and with it botocore) and patches the HTTP and AWS
    clients it finds, several times what the rest of a webhook's cold start costs; `instrumented`
    therefore makes it on the first invocation, where cloud mode needs botocore anyway.
    """
    if not os.environ.get("LAMBDA_TASK_ROOT"):
        return None  # edge mode, tests: Powertools would disable it, but only after the import
    from aws_lambda_powertools import Tracer

    return Tracer(service=service)


def instrumented(service: str, body: Callable[[Any, Metrics, Logger], Any]) -> LambdaHandler:
    """A Lambda handler running `body(event, metrics, logger)` under Powertools logging, tracing and metrics."""
    logger = Logger(service=service)
    metrics = Metrics(service=service)
    # Capabilities (response_urls, interaction tokens, bot tokens) never reach CloudWatch: every
    # handler, the runtime's root one and Powertools' own, redacts them.
    protect(logging.getLogger())
    protect(logging.getLogger(logger.name))

    @metrics.log_metrics
    def measured(event: Any, context: Any) -> Any:
        return body(event, metrics, logger)

    traced: list[LambdaHandler] = []  # the traced handler, made on the first invocation

    @logger.inject_lambda_context(clear_state=True)
    def lambda_handler(event: Any, context: Any) -> Any:
        if not traced:
            tracer = lambda_tracer(service)
            traced.append(measured if tracer is None
                          else tracer.capture_lambda_handler(measured, capture_response=False))
        return traced[0](event, context)

    return lambda_handler


def http_lambda(service: str, use_case: HttpUseCase) -> LambdaHandler:
    def body(event: dict[str, Any], metrics: Metrics, logger: Logger) -> dict[str, Any]:
        request = HttpRequest.from_apigw_v2(event)
        response = use_case(request, services())
        metrics.add_metric(name=f"Http{response.status // 100}xx", unit=MetricUnit.Count, value=1)
        logger.info("handled", extra={"path": request.path, "status": response.status})
        return response.to_apigw_v2()

    return instrumented(service, body)


def event_lambda(service: str, use_case: EventUseCase) -> LambdaHandler:
    """For SQS, EventBridge and Step Functions task functions: the event goes to the use case as is."""
    return instrumented(service, lambda event, metrics, logger: use_case(event, services()))
