"""TriageTasksFunction: runs one step of the triage state machine per invocation."""

from __future__ import annotations

from typing import Any

from devrel.runtime import Services
from devrel.usecases import triage_steps
from devrel.usecases.triage_models import duplicate_scorer, issue_classifier


class UnknownStepError(ValueError):
    """The state machine asked for a step this function does not have (a deployment mismatch)."""


def run_triage_step(event: dict[str, Any], services: Services) -> dict[str, Any]:
    step = event.get("step")
    state = event.get("input")
    if not isinstance(state, dict) or "issue" not in state:
        raise ValueError("a triage step needs the execution state with an `issue`")
    tracker = services.issue_tracker
    steps = {
        "analyze": lambda: triage_steps.analyze(state, services),
        "find_duplicates": lambda: triage_steps.find_duplicates(state, services, duplicate_scorer(services)),
        "classify": lambda: triage_steps.classify(state, services, issue_classifier(services)),
        "priority": lambda: triage_steps.priority(state, services),
        "suggest_assignees": lambda: triage_steps.suggest_assignees(state, services),
        "completeness": lambda: triage_steps.completeness(state, services),
        "act": lambda: triage_steps.act(state, services, tracker),
        "follow_up": lambda: triage_steps.follow_up(state, services, tracker),
        "stale_policy": lambda: triage_steps.stale_policy(state, services, tracker),
        "duplicate_verdict": lambda: triage_steps.duplicate_verdict(state, services, tracker),
        "close_duplicate": lambda: triage_steps.close_duplicate(state, services, tracker),
        "record_failure": lambda: triage_steps.record_failure(state, services),
    }
    if step not in steps:
        raise UnknownStepError(f"unknown triage step {step!r}")
    return steps[step]()
