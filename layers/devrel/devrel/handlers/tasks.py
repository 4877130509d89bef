"""Step Functions Task functions: one step of a state machine per invocation."""

from __future__ import annotations

from typing import Any

from devrel.runtime import Services


def run_triage_step(event: dict[str, Any], services: Services) -> dict[str, Any]:
    return services.triage_steps.run(event)


def run_onboarding_step(event: dict[str, Any], services: Services) -> dict[str, Any]:
    return services.onboarding_steps.run(event)


def run_release_step(event: dict[str, Any], services: Services) -> dict[str, Any]:
    return services.release_steps.run(event)
