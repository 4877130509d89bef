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
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from devrel.activity import Action, ActivityLog
from devrel.events import DiscordAddress, GithubAddress, InboundEvent, IssueOpened, Reply, SlackAddress
from devrel.knowledge.language import detect_language
from devrel.messages import say
from devrel.platforms.text import break_mentions
from devrel.ports import ChatPlatform, IssueTracker, Item, PathAuthors, Store, Workflows, execution_name
from devrel.triage.calibration import threshold_for_precision
from devrel.usecases import assignees, codeowners, issue_analysis
from devrel.usecases.issue_analysis import CHECKLIST_PROMPTS, Analysis

log = logging.getLogger(__name__)

IssueType = Literal["bug", "feature", "question", "docs"]
ActionKind = Literal["comment", "label", "close", "nudge", "assign", "alert"]
T = TypeVar("T")


class TriageConfig(BaseModel):
    """Per-repository triage policy (from the repository's `.github/devrel.yml` or defaults)."""

    dry_run: bool = False
    type_labels: dict[str, str] = Field(default_factory=lambda: {
        "bug": "bug", "feature": "enhancement", "question": "question", "docs": "documentation"})
    duplicate_label: str = "possible-duplicate"
    # Fused similarity at which a candidate is reported. Unset: calibrated on the repository's own marked
    # duplicates once there are enough, else the global calibrated default. Lower finds more, with more
    # false alarms.
    duplicate_threshold: float | None = Field(default=None, ge=0, le=1)
    needs_info_label: str = "needs-info"
    followup_wait_seconds: int = Field(default=7 * 24 * 3600, ge=0)
    # Label (or area) -> maintainers who own it; "*" is the fallback.
    owners: dict[str, list[str]] = Field(default_factory=dict)
    # Close a likely duplicate after this wait unless someone objects (thumbs-down or new activity).
    close_duplicates: bool = True
    duplicate_close_wait_seconds: int = Field(default=7 * 24 * 3600, ge=0)
    # The repository's CODEOWNERS file, routing issues that mention paths.
    codeowners: str = Field(default="", max_length=codeowners.MAX_CODEOWNERS_CHARS)
    # Assignees: "apply" assigns them, "suggest" names them in the comment, "off" leaves them out.
    assign: Literal["apply", "suggest", "off"] = "suggest"
    # People not taking new issues for now (leave, holidays): never suggested or assigned.
    away: list[str] = Field(default_factory=list, max_length=500)
    # How far back "who recently changed the files this issue mentions" looks.
    recent_change_days: int = Field(default=90, ge=1, le=3650)
    # Where a possible security report is announced to the maintainers (channel ids, not public).
    maintainers_slack_channel: str | None = Field(default=None, max_length=40, pattern=r"^[A-Z0-9]+$")
    maintainers_discord_channel: str | None = Field(default=None, max_length=40, pattern=r"^\d+$")
    # The page a security report is sent to (default: GitHub's view of the repository's SECURITY.md).
    security_policy_url: str | None = Field(default=None, max_length=300, pattern=r"^https://")


class IssueFacts(BaseModel):
    repository: str
    number: int
    title: str = ""
    body: str = ""
    author: str = ""
    labels: list[str] = Field(default_factory=list)
    html_url: str | None = None
    reactions: int = 0
    # When it was opened (Unix seconds): the duplicate score is lowered for issues opened far apart.
    created_at: float | None = None
    # Kept with the issue in the duplicate index: its best candidate's score when it was triaged, and
    # how it ended ("duplicate": closed as one or labelled so by a person), which calibrates the threshold.
    top_score: float | None = None
    outcome: Literal["duplicate", "other"] | None = None
    closed_by_bot: bool = False


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

# The paths of an issue that route it (CODEOWNERS, history): the first few it mentions.
MAX_ROUTED_PATHS = 5

# The global calibrated default: the lowest hybrid score that reached DUPLICATE_TARGET_PRECISION on GitBugs
# Hadoop's 100 labelled duplicates (`devrel eval duplicates`: 0.874, 0.864 with the time penalty; 5-fold
# held out, precision .78 at recall .07 either way). Cautious on purpose: a repository's own marked
# duplicates replace it once there are enough.
GLOBAL_DUPLICATE_THRESHOLD = 0.87
DUPLICATE_TARGET_PRECISION = 0.9
# A repository's own threshold needs this many issues a person marked as duplicates, among this many
# triaged issues with a known ending.
MIN_MARKED_DUPLICATES = 10
MIN_ENDED_ISSUES = 30
DUPLICATE_LABELS = frozenset({"duplicate"})

# Pluggable scorers: the learned ones replace these defaults when a trained model is present.
Classifier = Callable[[str, str], tuple[IssueType | None, float]]
DuplicateScorer = Callable[[IssueFacts, list[IssueFacts]], list[DuplicateCandidate]]
# The repository's own learned labels for (title, body): (to apply, to suggest), each label -> score.
Labeler = Callable[[str, str], tuple[dict[str, float], dict[str, float]]]


def _issue(state: dict[str, Any]) -> IssueFacts:
    issue = IssueFacts.model_validate(state["issue"])
    # After the author answered, the analysis re-runs on the report plus their replies, and with the
    # reactions the issue has by then.
    follow_up = _result(state, "follow_up")
    update: dict[str, Any] = {}
    if follow_up.get("issue_body"):
        update["body"] = follow_up["issue_body"]
    if follow_up.get("reactions") is not None:
        update["reactions"] = int(follow_up["reactions"])
    return issue.model_copy(update=update) if update else issue


def _config(state: dict[str, Any]) -> TriageConfig:
    return TriageConfig.model_validate(state.get("config") or {})


def _result(state: dict[str, Any], key: str) -> dict[str, Any]:
    return ((state.get(key) or {}).get("result")) or {}


def issues_partition(repository: str) -> str:
    return f"issues#{repository}"


def _assignee_line(state: dict[str, Any], people: list[str], applied: bool) -> str | None:
    """Who takes it and why, without @: a suggestion should not notify anybody by itself."""
    if not people:
        return None
    reasons = {str(d.get("login")): ", ".join(d.get("reasons") or [])
               for d in _result(state, "assignees").get("details") or []}
    named = ", ".join(f"`{login}` ({reasons[login]})" if reasons.get(login) else f"`{login}`" for login in people)
    return f"- {'Assigned to' if applied else 'Suggested assignee' + ('s' if len(people) > 1 else '')}: {named}."


def author_language(issue: IssueFacts) -> str:
    """The language the author wrote the issue in (English when unsure): what the comment says to them is in it."""
    text = f"{issue.title}\n\n{issue.body}".strip()
    return detect_language(text) if text else "en"


def compose_comment(issue: IssueFacts, state: dict[str, Any], config: TriageConfig,
                    people: list[str] | None = None, applied: bool = False, language: str = "en") -> str:
    """One explainable comment: what the bot concluded and why, and what it needs. What is addressed to the
    author is in their `language`; the conclusions (type, labels, priority, assignees) are for maintainers."""
    lines = [say("triage.thanks_named", language, author=issue.author) if issue.author
             else say("triage.thanks", language)]
    classification = _result(state, "classification")
    if classification.get("type") and not classification.get("abstained"):
        lines.append(f"- This looks like a **{classification['type']}** "
                     f"(confidence {classification.get('confidence', 0):.2f}).")
    suggested = _result(state, "classification").get("suggested_labels") or {}
    if suggested:
        named = ", ".join(f"`{break_mentions(str(name))}` ({score:.2f})" for name, score in list(suggested.items())[:3])
        lines.append(f"- Labels a maintainer may want to add: {named}.")
    prio = _result(state, "priority")
    if prio:
        lines.append(f"- Priority: **{prio['level']}**: {prio['reason']}.")
    duplicates = _result(state, "duplicates")
    for candidate in duplicates.get("candidates") or []:
        target = candidate.get("url") or f"#{candidate['number']}"
        # Titles are other people's words: a mention in one must not notify anybody from our comment.
        title = break_mentions(str(candidate["title"]))
        lines.append(say("triage.duplicate", language, target=target, title=title, score=f"{candidate['score']:.2f}"))
    if duplicates.get("candidates") and duplicates.get("threshold") is not None:
        lines.append(f"  <sub>Similarities of {duplicates['threshold']:.2f} and above are reported "
                     f"({duplicates.get('threshold_basis') or 'configured'}).</sub>")
    assignee_line = _assignee_line(state, people or [], applied)
    if assignee_line:
        lines.append(assignee_line)
    missing = _result(state, "completeness").get("missing") or []
    if missing:
        lines.append("\n" + say("triage.please_add", language))
        lines.extend(f"- {say(f'triage.add.{item}', language)}" for item in missing if item in CHECKLIST_PROMPTS)
    lines.append(f"\n<sub>{say('triage.footer', language)}</sub>")
    return "\n".join(lines)


def _security(state: dict[str, Any]) -> bool:
    return bool(_result(state, "analysis").get("security"))


def security_notice(issue: IssueFacts, config: TriageConfig, language: str = "en") -> str:
    """The only public reply to a report that may describe a vulnerability: where to report it privately.
    No labels, no type, no priority, no duplicate links: nothing that adds to what is public."""
    repo = f"https://github.com/{issue.repository}"
    policy = config.security_policy_url or f"{repo}/security/policy"
    greeting = say("security.thanks_named", language, author=issue.author) if issue.author \
        else say("security.thanks", language)
    return "\n".join([
        greeting,
        say("security.privately", language, policy=policy, advisory=f"{repo}/security/advisories/new"),
        say("security.edit", language),
        f"\n<sub>{say('triage.footer', language)}</sub>",
    ])


def planned_labels(state: dict[str, Any], config: TriageConfig) -> list[str]:
    labels = list(_result(state, "classification").get("labels") or [])
    if _result(state, "duplicates").get("likely"):
        labels.append(config.duplicate_label)
    if _result(state, "completeness").get("needs_info"):
        labels.append(config.needs_info_label)
    # The repository's own labels learned from its history may be applied too (never a label from the text).
    learned = set(_result(state, "classification").get("learned") or [])
    allowed = {*config.type_labels.values(), config.duplicate_label, config.needs_info_label, *learned}
    return [label for label in dict.fromkeys(labels) if label in allowed]


CONFIRMATION = re.compile(r"\b(yes|yep|right|correct|confirm\w*|same (issue|problem|bug)|duplicate|close (it|this))\b",
                          re.I)


def duplicate_threshold(past: list[IssueFacts], config: TriageConfig) -> tuple[float, str]:
    """The similarity at which a candidate is reported, and what it rests on: the repository's setting,
    else its own marked duplicates once there are enough, else the global calibrated default."""
    if config.duplicate_threshold is not None:
        return config.duplicate_threshold, "the repository's setting"
    ended = [issue for issue in past if issue.outcome and issue.top_score is not None and not issue.closed_by_bot]
    marked = sum(issue.outcome == "duplicate" for issue in ended)
    if marked >= MIN_MARKED_DUPLICATES and len(ended) >= MIN_ENDED_ISSUES:
        threshold = threshold_for_precision([float(issue.top_score or 0.0) for issue in ended],
                                            [issue.outcome == "duplicate" for issue in ended],
                                            DUPLICATE_TARGET_PRECISION)
        if threshold is not None:
            return threshold, f"calibrated on this repository's {marked} marked duplicates"
    return GLOBAL_DUPLICATE_THRESHOLD, "the default calibrated on another project's marked duplicates"


def record_issue_ending(store: Store, repository: str, number: int, is_open: bool, state_reason: str | None,
                        labels: list[str]) -> str | None:
    """How a triaged issue ended: a duplicate (closed as one, or labelled so) or something else; a reopened
    issue has not ended. Returns the outcome kept, None when the issue was never triaged here."""
    key = (issues_partition(repository), f"{number:010d}")
    known = store.get(*key)
    if known is None:
        return None
    marked = state_reason == "duplicate" or bool(DUPLICATE_LABELS & {label.lower() for label in labels})
    outcome = "duplicate" if marked else None if is_open else "other"
    store.put(Item(*key, data={**known.data, "outcome": outcome}))
    return outcome


def start_triage(event: InboundEvent, workflows: Workflows, state_machine: str, tracker: IssueTracker | None,
                 defaults: dict[str, Any]) -> str:
    """Start the triage state machine for a new issue: its facts and the repository's policy
    (the deployment's defaults, overridden by the repository's `.github/devrel.yml`)."""
    opened = event.intent
    assert isinstance(opened, IssueOpened)
    issue = IssueFacts(repository=opened.repository, number=opened.number, title=opened.title, body=opened.body,
                       author=event.actor.name if event.actor else "", labels=opened.labels,
                       html_url=opened.html_url, reactions=opened.reactions, created_at=event.received_at)
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
        load: assignees.AssigneeLoad | None = None,
        platforms: Mapping[str, ChatPlatform] | None = None,
        labeler: Callable[[], Labeler | None] | None = None,
        local_history: Callable[[str], PathAuthors | None] | None = None,
    ) -> None:
        # A local clone's git log for a repository, when one is configured: who changed the files.
        self._local_history = local_history
        # Learned type and area labels of the repository, when a multi-label model was published.
        self._labeler = labeler
        # Where maintainers are told privately about a possible security report.
        self._platforms = platforms or {}
        self._activity = activity or ActivityLog(store, clock)
        self._load = load or assignees.AssigneeLoad(store)
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
        if _security(state):
            # Never linked from a public issue, nor linking to one: its title could reveal the details.
            self._store.delete(issues_partition(issue.repository), f"{issue.number:010d}")
            return {"candidates": [], "likely": False, "skipped": "possible security report"}
        past = [
            IssueFacts.model_validate(item.data)
            for item in self._store.query(issues_partition(issue.repository), limit=5000)
            if item.data.get("number") != issue.number
        ]
        threshold, basis = duplicate_threshold(past, config)
        ranked = self._duplicates(issue, past)[:3]
        candidates = [c for c in ranked if c.score >= threshold]
        # Remember this issue for the next ones (after searching, so it never matches itself), with its best
        # score: once it ends as a duplicate or not, it helps calibrate the threshold.
        key = (issues_partition(issue.repository), f"{issue.number:010d}")
        known = self._store.get(*key)
        kept = {k: v for k, v in (known.data if known else {}).items() if k in ("outcome", "closed_by_bot")}
        self._store.put(Item(*key, data={**issue.model_dump(), **kept,
                                         "top_score": round(ranked[0].score, 4) if ranked else 0.0}))
        return {"candidates": [c.model_dump() for c in candidates], "likely": bool(candidates),
                "threshold": round(threshold, 4), "threshold_basis": basis}

    def classify(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        config = _config(state)
        issue_type, confidence = self._classifier()(issue.title, issue.body)
        label = config.type_labels.get(issue_type) if issue_type else None
        labeler = self._labeler() if self._labeler is not None else None
        apply, suggest = labeler(issue.title, issue.body) if labeler is not None else ({}, {})
        # The type label is the classifier's; the model adds the repository's other labels (areas).
        types = set(config.type_labels.values())
        learned = sorted(name for name in apply if name not in types)
        suggested = {name: round(score, 2) for name, score in sorted(suggest.items(), key=lambda kv: -kv[1])
                     if name not in types and name not in learned}
        return {"type": issue_type, "confidence": round(confidence, 3), "abstained": issue_type is None,
                "labels": ([label] if label else []) + learned, "learned": learned, "suggested_labels": suggested}

    def priority(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        # Reactions and "me too" comments both say how many people it affects.
        interest = issue.reactions + int(_result(state, "follow_up").get("me_too") or 0)
        level, reason = issue_analysis.priority(_result(state, "classification").get("type"), issue.title,
                                                issue.body, interest)
        return {"level": level, "reason": reason}

    def suggest_assignees(self, state: dict[str, Any]) -> dict[str, Any]:
        """People ranked by CODEOWNERS of the mentioned paths, label owners, recent changes to those
        paths and current load (usecases/assignees.py); never teams, the author or anyone away."""
        config = _config(state)
        issue = _issue(state)
        if config.assign == "off":
            return {"assignees": [], "reason": "assignment is off", "mode": "off", "details": []}
        labels = list(_result(state, "classification").get("labels") or []) + issue.labels
        paths = [str(path) for path in _result(state, "analysis").get("paths") or []][:MAX_ROUTED_PATHS]
        rules = codeowners.parse(config.codeowners)
        owned: dict[str, list[str]] = {}
        for path in paths:
            for login in codeowners.people_owning(path, rules):
                owned.setdefault(login, []).append(path)
        label_owners: dict[str, list[str]] = {}
        for label in dict.fromkeys(labels):
            for login in config.owners.get(label, []):
                label_owners.setdefault(login, []).append(label)
        changed = self._recent_changes(issue.repository, paths, config)
        excluded = [issue.author, *config.away, *([self._bot_login] if self._bot_login else [])]
        ranked = assignees.rank(owned, label_owners, changed, config.owners.get("*", []), self._load.of, excluded)
        reason = "; ".join(f"{entry.login}: {', '.join(entry.reasons)}" for entry in ranked)
        return {"assignees": [entry.login for entry in ranked], "reason": reason or "no owners configured",
                "mode": config.assign,
                "details": [{"login": e.login, "score": round(e.score, 2), "reasons": e.reasons} for e in ranked]}

    def _recent_changes(self, repository: str, paths: list[str], config: TriageConfig) -> dict[str, int]:
        if not paths:
            return {}
        since = self._clock() - config.recent_change_days * 86400
        local = self._local_history(repository) if self._local_history is not None else None
        if local is not None:
            try:
                return local.path_authors(repository, paths, since)
            except Exception as error:  # a broken clone: the commits API still knows
                log.warning("git log of %s unavailable, asking GitHub: %s", repository, error)
        if self._tracker is None:
            return {}
        try:
            return self._tracker.path_authors(repository, paths, since)
        except Exception as error:  # the history is one hint among several: triage goes on without it
            log.warning("recent changes of %s in %s unavailable: %s", paths, repository, error)
            return {}

    def completeness(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        issue_type = _result(state, "classification").get("type") or "question"
        analysis = Analysis.model_validate(_result(state, "analysis"))
        if analysis.security:
            return {"needs_info": False, "missing": []}  # asking for a repro in public is the last thing to do
        missing = issue_analysis.missing_information(issue_type, analysis, issue.body)
        return {"needs_info": bool(missing), "missing": missing}

    def act(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = _issue(state)
        config = _config(state)
        # Taken before posting, so an author who answers within seconds is not missed by follow_up.
        acted_at = self._clock()
        if _security(state):
            return self._act_on_security_report(state, issue, config, acted_at)
        labels = planned_labels(state, config)
        people = [] if config.assign == "off" else list(_result(state, "assignees").get("assignees") or [])
        marker = Item(pk=f"triage#{issue.repository}", sk=f"{issue.number:010d}",
                      data={"labels": labels, "acted_at": acted_at})
        reason = "triage of a new issue" if not _result(state, "follow_up") else "the author answered"
        if config.dry_run or self._tracker is None:
            comment = compose_comment(issue, state, config, people, applied=config.assign == "apply",
                                      language=author_language(issue))
            self._store.put(marker)
            self._do(state, "comment", comment, f"{reason} (dry run)", None)
            if labels:
                self._do(state, "label", ", ".join(labels), f"{reason} (dry run)", None)
            if people:
                self._do(state, "assign", ", ".join(people), f"{reason} (dry run, assign: {config.assign})", None)
            return {"dry_run": True, "labels": labels, "comment": comment, "acted_at": acted_at,
                    "assignees": people}
        tracker = self._tracker
        previous = self._store.get(marker.pk, marker.sk)
        assigned = list(previous.data.get("assigned") or []) if previous else []
        applying = config.assign == "apply" and not assigned
        if applying:
            # GitHub's own check: someone without access to the repository cannot be assigned.
            people = [login for login in people if self._assignable(issue.repository, login)]
        comment = compose_comment(issue, state, config, assigned or people, applied=config.assign == "apply",
                                  language=author_language(issue))
        comment_id = previous.data.get("comment_id") if previous else None
        # Re-analysis after the author answered: comment again only if the conclusion changed.
        if previous is None or previous.data.get("labels") != labels:
            comment_id = self._do(state, "comment", comment, reason,
                                  lambda: tracker.comment(issue.repository, issue.number, comment))
            # Noted at once: a runner killed before this step is recorded runs it again on restart, and
            # must then find the comment made, not post a second one.
            self._store.put(Item(pk=marker.pk, sk=marker.sk,
                                 data={**marker.data, "comment_id": comment_id, "assigned": assigned}))
        if labels:
            self._do(state, "label", ", ".join(labels), reason,
                     lambda: tracker.add_labels(issue.repository, issue.number, labels))
        if applying and people:
            self._do(state, "assign", ", ".join(people), f"{reason} (assign: apply)",
                     lambda: tracker.assign(issue.repository, issue.number, people))
            self._load.add(issue.repository, issue.number, people)
            assigned = people
        elif people and config.assign == "suggest" and previous is None:
            # Suggested in the comment only: the log shows what applying would have done.
            self._do(state, "assign", ", ".join(people), f"{reason} (suggested, assign: suggest)", None)
        self._store.put(Item(pk=marker.pk, sk=marker.sk,
                             data={**marker.data, "comment_id": comment_id, "assigned": assigned}))
        return {"dry_run": False, "labels": labels, "commented": True, "acted_at": acted_at, "comment_id": comment_id,
                "assignees": assigned}

    def _act_on_security_report(self, state: dict[str, Any], issue: IssueFacts, config: TriageConfig,
                                acted_at: float) -> dict[str, Any]:
        """Point the reporter to private reporting; tell the maintainers privately (activity log and
        their channel). The text only made the bot say less in public, never do more."""
        comment = security_notice(issue, config, author_language(issue))
        signal = str(_result(state, "analysis").get("security_signal") or "")
        marker = Item(pk=f"triage#{issue.repository}", sk=f"{issue.number:010d}",
                      data={"labels": [], "acted_at": acted_at, "security": True})
        previous = self._store.get(marker.pk, marker.sk)
        reason = f"possible security report (mentions '{signal}')"
        dry_run = config.dry_run or self._tracker is None
        tracker = self._tracker
        comment_id = previous.data.get("comment_id") if previous else None
        if not (previous and previous.data.get("security")):  # one notice and one alert per issue
            comment_id = self._do(state, "comment", comment, reason, None if dry_run or tracker is None else
                                  lambda: tracker.comment(issue.repository, issue.number, comment)) or comment_id
            channels = [name for name, channel in (("slack", config.maintainers_slack_channel),
                                                   ("discord", config.maintainers_discord_channel))
                        if channel and name in self._platforms]
            detail = f"{reason}; told the maintainers in: {', '.join(channels) or 'this log only'}"
            self._do(state, "alert", detail, reason,
                     None if dry_run else lambda: self._tell_maintainers(issue, config, signal))
        self._store.put(Item(marker.pk, marker.sk, {**marker.data, "comment_id": comment_id}))
        return {"dry_run": dry_run, "labels": [], "security": True, "acted_at": acted_at, "comment_id": comment_id,
                "comment": comment if dry_run else None}

    def _tell_maintainers(self, issue: IssueFacts, config: TriageConfig, signal: str) -> list[str]:
        link = issue.html_url or GithubAddress(repository=issue.repository, number=issue.number).link
        text = (f"Possible security report: {link} (it mentions '{signal}'). The public reply only points to "
                "the security policy and private reporting; no labels or links were posted.")
        told = []
        addresses = (("slack", config.maintainers_slack_channel, SlackAddress),
                     ("discord", config.maintainers_discord_channel, DiscordAddress))
        for platform, channel, address in addresses:
            adapter = self._platforms.get(platform)
            if not channel or adapter is None:
                continue
            target = InboundEvent(platform=platform, kind=f"{platform}.security_alert",  # type: ignore[arg-type]
                                  delivery_id=f"security-{issue.repository}-{issue.number}",
                                  reply_to=address(channel=channel), thread=channel)
            adapter.post_reply(target, Reply(text=text))
            told.append(platform)
        return told

    def _assignable(self, repository: str, login: str) -> bool:
        assert self._tracker is not None
        try:
            return self._tracker.can_be_assigned(repository, login)
        except Exception as error:  # unknown: leave the assignment to a maintainer
            log.warning("could not check whether %s can be assigned in %s: %s", login, repository, error)
            return False

    def follow_up(self, state: dict[str, Any]) -> dict[str, Any]:
        """Did the author answer since we asked? Only the author's own comments count."""
        issue = _issue(state)
        # Count only what the author wrote after our latest request or reminder.
        since = float(_result(state, "action").get("acted_at") or 0)
        if self._tracker is None:
            return {"answered": False, "reason": "no tracker configured"}
        comments = self._tracker.comments_since(issue.repository, issue.number, since)
        replies = [c for c in comments if c.get("author") == issue.author]
        others = {str(c.get("author")) for c in comments if c.get("author") not in (issue.author, self._bot_login)
                  and issue_analysis.is_me_too(str(c.get("body", "")))}
        body = "\n\n".join([issue.body, *(str(c.get("body", "")) for c in replies)])
        previous = int(_result(state, "follow_up").get("me_too") or 0)
        result = {"answered": bool(replies), "replies": len(replies), "issue_body": body,
                  "me_too": previous + len(others)}
        if replies:  # triage runs again: with the reactions as they are now, not as they were when opened
            try:
                result["reactions"] = self._tracker.issue_reactions(issue.repository, issue.number)
            except Exception as error:  # a hint for priority: the count known so far stands
                log.warning("reactions of %s#%s unavailable: %s", issue.repository, issue.number, error)
        if "reactions" not in result and _result(state, "follow_up").get("reactions") is not None:
            result["reactions"] = _result(state, "follow_up")["reactions"]
        return result

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
        # The assistant's own close does not calibrate its threshold: only what people marked does.
        key = (issues_partition(issue.repository), f"{issue.number:010d}")
        known = self._store.get(*key)
        if known is not None:
            self._store.put(Item(*key, data={**known.data, "closed_by_bot": True}))
        return {"closed": True, "original": original}

    def record_failure(self, state: dict[str, Any]) -> dict[str, Any]:
        issue = state.get("issue") or {}
        error = state.get("error") or {}
        self._store.put(Item(pk="triage-failures", sk=f"{self._clock():017.6f}",
                                data={"issue": issue.get("number"), "repository": issue.get("repository"),
                                      "error": error.get("Error"), "cause": str(error.get("Cause", ""))[:2000]}))
        log.error("triage failed for %s#%s: %s", issue.get("repository"), issue.get("number"), error.get("Error"))
        return {"recorded": True}
