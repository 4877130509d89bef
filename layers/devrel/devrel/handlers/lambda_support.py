"""Wraps a plain `(request, services) -> response` function as a Powertools-instrumented Lambda.

Every HTTP function shares this so handler files stay one line of wiring, and the Powertools
imports happen here (once), not in each handler module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from devrel.http import HttpRequest, HttpResponse
from devrel.runtime import Services, services

HttpUseCase = Callable[[HttpRequest, Services], HttpResponse]
EventUseCase = Callable[[Any, Services], Any]
LambdaHandler = Callable[[dict[str, Any], Any], Any]


def instrumented(service: str, body: Callable[[Any, Metrics, Logger], Any]) -> LambdaHandler:
    """A Lambda handler running `body(event, metrics, logger)` under Powertools logging, tracing and metrics."""
    logger = Logger(service=service)
    tracer = Tracer(service=service)
    metrics = Metrics(service=service)

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def lambda_handler(event: Any, context: Any) -> Any:
        return body(event, metrics, logger)

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


class StepNotImplementedError(RuntimeError):
    """Raised by task and job functions whose use case has not landed yet (a visible States error)."""


def not_implemented_job(event: Any, services: Services) -> Any:
    raise StepNotImplementedError("this job is not implemented yet")
