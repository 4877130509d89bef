"""The Task states of the triage state machine (infra/statemachines/triage.asl.json).

Each step receives the whole execution state and returns its own result; the state machine keeps
them under `$.<step>.result`. Privileged actions (labels, comments, the duplicate close) happen only
in `act` and `close_duplicate`, only from this module's policy, and only with labels from the
repository's config: an issue's text can influence scores, never which actions exist. Reminders and
the `stale` label are the daily stale sweep's (usecases/stale.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from devrel.events import GithubAddress, InboundEvent, IssueOpened
from devrel.platforms.text import break_mentions
from devrel.ports import IssueTracker, Item, Store, Workflows, execution_name
from devrel.records import Action, ActivityLog
from devrel.usecases import codeowners, issue_analysis
from devrel.usecases.issue_analysis import CHECKLIST_PROMPTS, Analysis

log = logging.getLogger(__name__)

IssueType = Literal["bug", "feature", "question", "docs"]
ActionKind = Literal["comment", "label", "close", "nudge"]
T = TypeVar("T")


class TriageConfig(BaseModel):
    """Per-repository triage policy (from the repository's `.github/devrel.yml` or defaults)."""

    dry_run: bool = False
    type_labels: dict[str, str] = Field(default_factory=lambda: {
        "bug": "bug", "feature": "enhancement", "question": "question", "docs": "documentation"})
    duplicate_label: str = "possible-duplicate"
    # Fused similarity; on GitBugs Hadoop 0.87 gave 90% precision. Lower finds more, with more false alarms.
    duplicate_threshold: float = Field(default=0.8, ge=0, le=1)
    needs_info_label: str = "needs-info"
    followup_wait_seconds: int = Field(default=7 * 24 * 3600, ge=0)
    # Label (or area) -> maintainers who own it; "*" is the fallback.
    owners: dict[str, list[str]] = Field(default_factory=dict)
    # Close a likely duplicate after this wait unless someone objects (thumbs-down or new activity).
    close_duplicates: bool = True
    duplicate_close_wait_seconds: int = Field(default=7 * 24 * 3600, ge=0)
    # The repository's CODEOWNERS file, routing issues that mention paths.
    codeowners: str = Field(default="", max_length=codeowners.MAX_CODEOWNERS_CHARS)


class IssueFacts(BaseModel):
    repository: str
    number: int
    title: str = ""
    body: str = ""
    author: str = ""
    labels: list[str] = Field(default_factory=list)
    html_url: str | None = None
    reactions: int = 0


class DuplicateCandidate(BaseModel):
    number: int
    title: str
    score: float
    url: str | None = None


class Step(BaseModel):
    """A Task state's output as the state machine keeps it (`ResultSelector: {"result.$": "$.Payload"}`)."""

    result: dict[str, Any]


class NeedsInfo(BaseModel):
    needs_info: bool
    missing: list[str] = Field(default_factory=list)


class Duplicates(BaseModel):
    candidates: list[DuplicateCandidate] = Field(default_factory=list)
    likely: bool = False


class FollowedUp(BaseModel):
    answered: bool


class Verdict(BaseModel):
    close: bool
    reason: str = ""


class TypedStep(BaseModel):
    result: Any


class CompletenessStep(TypedStep):
    result: NeedsInfo


class DuplicatesStep(TypedStep):
    result: Duplicates


class FollowUpStep(TypedStep):
    result: FollowedUp


class VerdictStep(TypedStep):
    result: Verdict


class TriageState(BaseModel):
    """The execution state of infra/statemachines/triage.asl.json: the input, then one field per
    ResultPath. The Choice states read `completeness`, `follow_up`, `duplicates`, `verdict`
    and `config`, so those are typed to the fields they read (a test checks both against the file)."""

    issue: IssueFacts
    config: TriageConfig = Field(default_factory=TriageConfig)
    # The execution's name: what the activity log files each action under.
    run: str | None = None
    analysis: Step | None = None
    duplicates: DuplicatesStep | None = None
    classification: Step | None = None
    priority: Step | None = None
    assignees: Step | None = None
    completeness: CompletenessStep | None = None
    action: Step | None = None
    follow_up: FollowUpStep | None = None
    verdict: VerdictStep | None = None
    closed: Step | None = None
    failure_recorded: Step | None = None
    # Caught errors (States.ALL) land here before the failure is recorded.
    error: dict[str, Any] | None = None
    record_failure_error: dict[str, Any] | None = None


class UnknownStepError(ValueError):
    """The state machine asked for a step this function does not have (a deployment mismatch)."""


STEPS = frozenset({"analyze", "find_duplicates", "classify", "priority", "suggest_assignees", "completeness", "act",
                   "follow_up", "duplicate_verdict", "close_duplicate", "record_failure"})

# Pluggable scorers: the learned ones replace these defaults when a trained model is present.
Classifier = Callable[[str, str], tuple[IssueType | None, float]]
DuplicateScorer = Callable[[IssueFacts, list[IssueFacts]], list[DuplicateCandidate]]


def _issue(state: dict[str, Any]) -> IssueFacts:
    issue = IssueFacts.model_validate(state["issue"])
    # After the author answered, the analysis re-runs on the report plus their replies.
    updated_body = _result(state, "follow_up").get("issue_body")
    return issue.model_copy(update={"body": updated_body}) if updated_body else issue


def _config(state: dict[str, Any]) -> TriageConfig:
    return TriageConfig.model_validate(state.get("config") or {})


def _result(state: dict[str, Any], key: str) -> dict[str, Any]:
    return ((state.get(key) or {}).get("result")) or {}


def _issues_partition(repository: str) -> str:
    return f"issues#{repository}"


def compose_comment(issue: IssueFacts, state: dict[str, Any], config: TriageConfig) -> str:
    """One explainable comment: what the bot concluded and why, and what it needs."""
    lines = [f"Thanks for the report, @{issue.author}!" if issue.author else "Thanks for the report!"]
    classification = _result(state, "classification")
    if classification.get("type") and not classification.get("abstained"):
        lines.append(f"- This looks like a **{classification['type']}** "
                     f"(confidence {classification.get('confidence', 0):.2f}).")
    prio = _result(state, "priority")
    if prio:
        lines.append(f"- Priority: **{prio['level']}**: {prio['reason']}.")
    for candidate in _result(state, "duplicates").get("candidates") or []:
        target = candidate.get("url") or f"#{candidate['number']}"
        # Titles are other people's words: a mention in one must not notify anybody from our comment.
        title = break_mentions(str(candidate["title"]))
        lines.append(f"- Possibly a duplicate of {target} ('{title}', similarity "
                     f"{candidate['score']:.2f}). If it is not, just say so and a maintainer will keep this open.")
    missing = _result(state, "completeness").get("missing") or []
    if missing:
        lines.append("\nTo help a maintainer look into this, could you add:")
        lines.extend(f"- {CHECKLIST_PROMPTS[item]}" for item in missing if item in CHECKLIST_PROMPTS)
    lines.append("\n<sub>I am the project's triage assistant; a maintainer will review this.</sub>")
    return "\n".join(lines)


def planned_labels(state: dict[str, Any], config: TriageConfig) -> list[str]:
    labels = list(_result(state, "classification").get("labels") or [])
    if _result(state, "duplicates").get("likely"):
        labels.append(config.duplicate_label)
    if _result(state, "completeness").get("needs_info"):
        labels.append(config.needs_info_label)
    allowed = {*config.type_labels.values(), config.duplicate_label, config.needs_info_label}
    return [label for label in dict.fromkeys(labels) if label in allowed]


CONFIRMATION = re.compile(r"\b(yes|yep|right|correct|confirm\w*|same (issue|problem|bug)|duplicate|close (it|this))\b",
                          re.I)


def start_triage(event: InboundEvent, workflows: Workflows, state_machine: str, tracker: IssueTracker | None,
                 defaults: dict[str, Any]) -> str:
    """Start the triage state machine for a new issue: its facts and the repository's policy
    (the deployment's defaults, overridden by the repository's `.github/devrel.yml`)."""
    opened = event.intent
    assert isinstance(opened, IssueOpened)
    issue = IssueFacts(repository=opened.repository, number=opened.number, title=opened.title, body=opened.body,
                       author=event.actor.name if event.actor else "", labels=opened.labels,
                       html_url=opened.html_url)
    policy = dict(defaults)
    if tracker is not None and opened.repository:
        policy.update(tracker.repository_config(opened.repository))
    run = execution_name("triage", event.thread, event.delivery_id)
    state = {"issue": issue.model_dump(), "config": TriageConfig.model_validate(policy).model_dump(), "run": run}
    return workflows.start(state_machine, state, run)


class TriageSteps:
    """The Task states of the triage state machine, each given the whole execution state."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float],
        tracker: IssueTracker | None,
        classifier: Callable[[], Classifier],
        duplicates: DuplicateScorer,
        bot_login: str | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        self._activity = activity or ActivityLog(store, clock)
        self._store = store
        self._clock = clock
        self._tracker = tracker
        # Built on first use: loading a trained model costs time only the `classify` step needs.
        self._classifier = classifier
        self._duplicates = duplicates
        self._bot_login = bot_login

    def _do(self, state: dict[str, Any], kind: ActionKind, detail: str, reason: str,
            action: Callable[[], T] | None) -> T | None:
        """Take one privileged action (None: dry-run) and record it in the activity log, failed or not."""
        issue = _issue(state)
        target = issue.html_url or GithubAddress(repository=issue.repository, number=issue.number).link
        entry = Action(kind=kind, platform="github", target=target, status="dry-run", reason=reason,
                       run=str(state.get("run") or ""), detail=detail)
        if action is None:
            self._activity.record(entry)
            return None
        try:
            done = action()
        except Exception as error:
            self._activity.record(entry.model_copy(update={"status": "failed", "error": f"{type(error).__name__}: "
                                                                                   f"{error}"[:300]}))
            raise
        self._activity.record(entry.model_copy(update={"status": "posted"}))
        return done

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """One Task state: `{"step": name, "input": the execution state}` -> the step's result."""
        step, state = event.get("step"), event.get("input")
        if not isinstance(state, dict) or "issue" not in state:
            raise ValueError("a triage step needs the execution state with an `issue`")
        if step not in STEPS:
            raise UnknownStepError(f"unknown triage step {step!r}")
        TriageState.model_validate(state)  # a malformed state fails here, before any action
        result: dict[str, Any] = getattr(self, str(step))(state)
        return result

    def analyze(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        return issue_analysis.analyze(issue.title, issue.body).model_dump()

    def find_duplicates(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        config = _config(state)
        past = [
            IssueFacts.model_validate(item.data)
            for item in self._store.query(_issues_partition(issue.repository), limit=5000)
            if item.data.get("number") != issue.number
        ]
        candidates = [c for c in self._duplicates(issue, past)[:3] if c.score >= config.duplicate_threshold]
        # Remember this issue for the next ones (after searching, so it never matches itself).
        self._store.put(Item(pk=_issues_partition(issue.repository), sk=f"{issue.number:010d}",
                                data=issue.model_dump()))
        return {"candidates": [c.model_dump() for c in candidates], "likely": bool(candidates)}

    def classify(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        config = _config(state)
        issue_type, confidence = self._classifier()(issue.title, issue.body)
        label = config.type_labels.get(issue_type) if issue_type else None
        return {"type": issue_type, "confidence": round(confidence, 3), "abstained": issue_type is None,
                "labels": [label] if label else []}

    def priority(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        level, reason = issue_analysis.priority(_result(state, "classification").get("type"), issue.title,
                                                issue.body, issue.reactions)
        return {"level": level, "reason": reason}

    def suggest_assignees(self, state: dict[str, Any]) -> dict[str, Any]:
        """CODEOWNERS of the paths the issue mentions, then owners of its labels; least loaded first
        (load = triaged issues already suggested to them). Teams cannot be assignees: people only."""
        config = _config(state)
        labels = list(_result(state, "classification").get("labels") or []) + _issue(state).labels
        owners: list[str] = []
        reasons: list[str] = []
        rules = codeowners.parse(config.codeowners)
        for path in _result(state, "analysis").get("paths") or []:
            path_owners = codeowners.people_owning(path, rules)
            if path_owners:
                owners.extend(path_owners)
                reasons.append(f"CODEOWNERS of {path}")
        for label in labels:
            if config.owners.get(label):
                owners.extend(config.owners[label])
                reasons.append(f"owns {label}")
        reason = "; ".join(reasons) if owners else "fallback owners"
        if not owners:
            owners = list(config.owners.get("*", []))
        load = {owner: len(self._store.query(f"assigned#{owner}", limit=1000)) for owner in dict.fromkeys(owners)}
        ranked = sorted(load, key=lambda owner: (load[owner], owner))
        return {"assignees": ranked[:2], "reason": reason if ranked else "no owners configured"}

    def completeness(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        issue_type = _result(state, "classification").get("type") or "question"
        analysis = Analysis.model_validate(_result(state, "analysis"))
        missing = issue_analysis.missing_information(issue_type, analysis, issue.body)
        return {"needs_info": bool(missing), "missing": missing}

    def act(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        config = _config(state)
        # Taken before posting, so an author who answers within seconds is not missed by follow_up.
        acted_at = self._clock()
        labels = planned_labels(state, config)
        comment = compose_comment(issue, state, config)
        marker = Item(pk=f"triage#{issue.repository}", sk=f"{issue.number:010d}",
                      data={"labels": labels, "acted_at": acted_at})
        reason = "triage of a new issue" if not _result(state, "follow_up") else "the author answered"
        if config.dry_run or self._tracker is None:
            self._store.put(marker)
            self._do(state, "comment", comment, f"{reason} (dry run)", None)
            if labels:
                self._do(state, "label", ", ".join(labels), f"{reason} (dry run)", None)
            return {"dry_run": True, "labels": labels, "comment": comment, "acted_at": acted_at}
        tracker = self._tracker
        previous = self._store.get(marker.pk, marker.sk)
        comment_id = previous.data.get("comment_id") if previous else None
        # Re-analysis after the author answered: comment again only if the conclusion changed.
        if previous is None or previous.data.get("labels") != labels:
            comment_id = self._do(state, "comment", comment, reason,
                                  lambda: tracker.comment(issue.repository, issue.number, comment))
        marker = Item(pk=marker.pk, sk=marker.sk, data={**marker.data, "comment_id": comment_id})
        if labels:
            self._do(state, "label", ", ".join(labels), reason,
                     lambda: tracker.add_labels(issue.repository, issue.number, labels))
        self._store.put(marker)
        for assignee in _result(state, "assignees").get("assignees") or []:
            self._store.put(Item(pk=f"assigned#{assignee}", sk=f"{issue.repository}#{issue.number}"))
        return {"dry_run": False, "labels": labels, "commented": True, "acted_at": acted_at, "comment_id": comment_id}

    def follow_up(self, state: dict[str, Any]) -> dict[str, Any]:
        """Did the author answer since we asked? Only the author's own comments count."""
        issue = _issue(state)
        # Count only what the author wrote after our latest request or reminder.
        since = float(_result(state, "action").get("acted_at") or 0)
        if self._tracker is None:
            return {"answered": False, "reason": "no tracker configured"}
        replies = [c for c in self._tracker.comments_since(issue.repository, issue.number, since)
                   if c.get("author") == issue.author]
        body = "\n\n".join([issue.body, *(str(c.get("body", "")) for c in replies)])
        return {"answered": bool(replies), "replies": len(replies), "issue_body": body}

    def duplicate_verdict(self, state: dict[str, Any]) -> dict[str, Any]:
        """Close only if the author confirmed, or nobody objected: a thumbs-down on our comment or any
        other new comment keeps the issue open for a human."""
        issue = _issue(state)
        action = _result(state, "action")
        if self._tracker is None or _config(state).dry_run or not action.get("comment_id"):
            return {"close": False, "reason": "nothing was posted, so nothing to confirm"}
        if "-1" in self._tracker.reactions(issue.repository, issue.number, str(action["comment_id"])):
            return {"close": False, "reason": "someone disagreed (thumbs-down)"}
        since = float(action.get("acted_at") or 0)
        replies = [c for c in self._tracker.comments_since(issue.repository, issue.number, since)
                   if c.get("author") != self._bot_login]
        confirmed = any(c.get("author") == issue.author and CONFIRMATION.search(str(c.get("body", "")))
                        for c in replies)
        if confirmed:
            return {"close": True, "reason": "the author confirmed"}
        if replies:
            return {"close": False, "reason": "new activity since the duplicate notice"}
        return {"close": True, "reason": "no objection during the wait"}

    def close_duplicate(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        candidates = _result(state, "duplicates").get("candidates") or []
        if self._tracker is None or not candidates:
            return {"closed": False}
        tracker = self._tracker
        original = candidates[0].get("url") or f"#{candidates[0]['number']}"
        reason = str(_result(state, "verdict").get("reason") or "")
        notice = (f"Closing as a duplicate of {original} ({reason}). "
                  "Comment here if this is a different problem and a maintainer will reopen it.")
        self._do(state, "comment", notice, f"duplicate of {original}",
                 lambda: tracker.comment(issue.repository, issue.number, notice))
        self._do(state, "close", f"not_planned, duplicate of {original}", reason,
                 lambda: tracker.close(issue.repository, issue.number, "not_planned"))
        return {"closed": True, "original": original}

    def record_failure(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = state.get("issue") or {}
        error = state.get("error") or {}
        self._store.put(Item(pk="triage-failures", sk=f"{self._clock():017.6f}",
                                data={"issue": issue.get("number"), "repository": issue.get("repository"),
                                      "error": error.get("Error"), "cause": str(error.get("Cause", ""))[:2000]}))
        log.error("triage failed for %s#%s: %s", issue.get("repository"), issue.get("number"), error.get("Error"))
        return {"recorded": True}
