"""The release state machine on the local ASL executor with the real definition
(infra/statemachines/release.asl.json) and the real steps, with recording platforms and a fake GitHub
publisher: approve publishes and announces, reject / timeout / a wrong click publish nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devrel.activity import ActivityLog
from devrel.adapters.store_sqlite import SqliteStore
from devrel.adapters.workflows_local import SqliteWorkflows
from devrel.asl import ExecutionStore, LocalExecutor
from devrel.events import (
    Actor,
    InboundEvent,
    ReleaseDecision,
    ReleaseDrafted,
    ReleaseEdited,
    ReleaseEditRequested,
    ReleaseRequested,
    Reply,
    SlackAddress,
)
from devrel.platforms import github as github_platform
from devrel.platforms import slack as slack_platform
from devrel.release.changes import ReleaseError
from devrel.usecases.release_flow import (
    APPROVALS,
    DraftedNotes,
    ReleaseApprovals,
    ReleaseSettings,
    ReleaseState,
    ReleaseSteps,
    start_release,
    start_release_command,
)
from support.fakes import FakeClock, RecordingForum, RecordingPlatform

MACHINE = Path(__file__).resolve().parents[2] / "infra" / "statemachines" / "release.asl.json"
REPO = "acme/widget"
CHANNEL = "CMAINT"
NOTES = "# acme/widget v2.0\n\n## Features\n- Add export, thanks @everyone (#12, abc1234)\n"


class Publisher:
    def __init__(self) -> None:
        self.published: list[tuple[str, int, str]] = []
        self.created: list[tuple[str, str, str]] = []

    def publish(self, repository: str, release_id: int, body: str, installation_id: int | None) -> str:
        self.published.append((repository, release_id, body))
        return f"https://github.com/{repository}/releases/tag/v2.0"

    def create(self, repository: str, tag: str, body: str, installation_id: int | None) -> str:
        self.created.append((repository, tag, body))
        return f"https://github.com/{repository}/releases/tag/{tag}"


class EditingSlack(RecordingPlatform):
    """Slack that also opens the release editor (views.open): keeps what each modal was opened with."""

    def __init__(self) -> None:
        super().__init__("slack")
        self.editors: list[tuple[str, str, str]] = []  # (trigger, approval, notes)

    def open_release_editor(self, team: str, trigger_id: str, approval: str, title: str, notes: str) -> str:
        self.editors.append((trigger_id, approval, notes))
        return f"V{len(self.editors)}"


class KeptStarts:
    """The executions, keeping the ids their starts returned (the command's outcome is a word)."""

    def __init__(self, executions: ExecutionStore) -> None:
        self._executions = executions
        self.ids: list[str] = []

    def start(self, state_machine: str, payload: Any, name: str) -> str:
        self.ids.append(self._executions.start(state_machine, payload, name))
        return self.ids[-1]

    def describe(self, execution_id: str) -> Any:
        return self._executions.describe(execution_id)


class World:
    def __init__(self, tmp_path: Path, dry_run: bool = False, drafter: Any = None,
                 forum: RecordingForum | None = None, command: InboundEvent | None = None,
                 blog: Any = None) -> None:
        self.clock = FakeClock(1_700_000_000.0)
        db = tmp_path / "workflows.sqlite"
        self.store = SqliteStore(tmp_path / "store.sqlite", now=self.clock)
        self.activity = ActivityLog(self.store, self.clock)
        self.slack, self.discord = EditingSlack(), RecordingPlatform("discord")
        self.forum = forum or RecordingForum()
        self.publisher = Publisher()
        self.drafted: list[tuple[str, str]] = []
        self.from_refs: list[str | None] = []

        def draft(repository: str, from_ref: str | None, to_ref: str, title: str) -> DraftedNotes:
            self.drafted.append((repository, to_ref))
            self.from_refs.append(from_ref)
            return DraftedNotes(notes=NOTES, from_ref=from_ref or "v1.9", to_ref=to_ref, changes=1)

        self.steps = ReleaseSteps(self.store, self.clock, self.activity,
                                  {"slack": self.slack, "discord": self.discord, "discourse": self.forum},
                                  drafter=drafter or draft, publisher=lambda: self.publisher,
                                  blog_drafts=lambda repository: blog)
        definition = json.loads(MACHINE.read_text().replace("${ReleaseTasksFunctionArn}", "ReleaseTasks"))
        self.executor = LocalExecutor(db, {"ReleaseStateMachine": definition},
                                      lambda _resource, payload: self.steps.run(payload),
                                      now=self.clock, sleep=self.clock.sleep)
        self.executions = ExecutionStore(db, now=self.clock)
        # The worker's side: the click becomes SendTaskSuccess / SendTaskFailure on the same file.
        self.approvals = ReleaseApprovals(self.store, SqliteWorkflows(db, now=self.clock), self.activity, CHANNEL,
                                          self.slack, self.clock)
        settings = ReleaseSettings(approval_channel=CHANNEL, announce_slack_channel="CNEWS",
                                   announce_discord_channel="D1", announce_discourse_category=5, dry_run=dry_run)
        self.answers = RecordingPlatform("slack")  # what the command answers its caller
        self.outcome = ""
        if command is not None:
            started_by_command = KeptStarts(self.executions)
            self.outcome = start_release_command(command, started_by_command, "ReleaseStateMachine", settings,
                                                 self.activity, self.answers)
            self.id = started_by_command.ids[0] if started_by_command.ids else ""
        else:
            event = InboundEvent(platform="github", kind="github.release.created", delivery_id="d-1",
                                 intent=ReleaseDrafted(repository=REPO, release_id=77, tag="v2.0", target="main"))
            started = start_release(event, self.executions, "ReleaseStateMachine", settings, self.activity)
            assert started is not None
            self.id = started
        self.executor.run_ready()

    def status(self) -> str:
        return self.executions.describe(self.id).status

    def posted_approval(self) -> tuple[InboundEvent, Reply]:
        [(event, reply)] = self.slack.posted[:1]
        return event, reply

    def click(self, approve: bool, channel: str = CHANNEL, approval: str | None = None,
              message_ts: str = "m1", before_publish: Any = None) -> str:
        _, reply = self.posted_approval()
        event = InboundEvent(platform="slack", kind="slack.action.release_approve", delivery_id=f"act:{approve}",
                             intent=ReleaseDecision(approval=approval or reply.approval or "", approve=approve,
                                                    message_ts=message_ts),
                             reply_to=SlackAddress(channel=channel), actor=Actor(id="U1", name="maria"))
        outcome = self.approvals.decide(event)
        if before_publish is not None:
            before_publish()
        self.executor.run_ready()
        return outcome

    def open_editor(self, channel: str = CHANNEL, message_ts: str = "m1") -> str:
        _, reply = self.posted_approval()
        event = InboundEvent(platform="slack", kind="slack.action.release_edit", delivery_id=f"edit:{message_ts}",
                             intent=ReleaseEditRequested(approval=reply.approval or "", message_ts=message_ts,
                                                         trigger_id="trig-1"),
                             reply_to=SlackAddress(channel=channel), actor=Actor(id="U1", name="maria"))
        return self.approvals.open_editor(event)

    def save_edit(self, notes: str, view_id: str = "V1") -> str:
        _, reply = self.posted_approval()
        event = InboundEvent(platform="slack", kind="slack.view.release_edit", delivery_id=f"view:{view_id}:{notes}",
                             intent=ReleaseEdited(approval=reply.approval or "", view_id=view_id, notes=notes),
                             reply_to=SlackAddress(), actor=Actor(id="U2", name="ana"))
        outcome = self.approvals.edit(event)
        self.executor.run_ready()
        return outcome

    def steps_state(self) -> ReleaseState:
        """The execution's state as the Publish step saw it."""
        return ReleaseState.model_validate(self.executions.describe(self.id).output)

    def kinds(self) -> list[tuple[str, str]]:
        return sorted((a.kind, a.status) for a in self.activity.latest(limit=50))


def test_the_draft_waits_in_the_approval_channel_with_its_buttons(tmp_path: Path) -> None:
    world = World(tmp_path)
    assert world.status() == "RUNNING"
    assert world.drafted == [(REPO, "v2.0")]
    event, reply = world.posted_approval()
    assert isinstance(event.reply_to, SlackAddress) and event.reply_to.channel == CHANNEL
    assert "Add export" in reply.text and reply.approval
    blocks = slack_platform.reply_blocks(reply, feedback_for=event.delivery_id)
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["release_approve", "release_edit", "release_reject"]
    # The token stays in the Store: it is not on the buttons or in the message.
    token = world.store.get(APPROVALS, reply.approval).data["token"]
    assert token not in json.dumps(blocks)
    assert world.publisher.published == [] and world.discord.posted == []


def test_approve_publishes_the_body_and_announces_once(tmp_path: Path) -> None:
    world = World(tmp_path)
    assert world.click(approve=True) == "release-approved"
    assert world.status() == "SUCCEEDED"
    assert world.publisher.published == [(REPO, 77, NOTES)]
    announcement = world.slack.posted[1]
    assert isinstance(announcement[0].reply_to, SlackAddress) and announcement[0].reply_to.channel == "CNEWS"
    assert "https://github.com/acme/widget/releases/tag/v2.0" in announcement[1].text
    assert "@everyone" not in announcement[1].text  # quoted commit text pings nobody
    assert len(world.discord.posted) == 1
    # The forum gets a new topic in the configured category, with the whole notes and the link.
    [(title, raw, category)] = world.forum.topics
    assert (title, category) == ("acme/widget v2.0 released", 5) and world.forum.posted == []
    assert "Add export" in raw and "releases/tag/v2.0" in raw and "@everyone" not in raw
    assert ("release_publish", "posted") in world.kinds() and world.kinds().count(("announce", "posted")) == 3
    assert world.click(approve=False) == "release-decision-ignored"  # a second click decides nothing


def test_after_approval_the_buttons_go_and_the_thread_gets_the_outcome_and_drafts(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.click(approve=True)
    [(channel, ts, text)] = world.slack.updated  # chat.update on the request: no buttons left to click
    assert (channel, ts) == (CHANNEL, "m1") and "Approved by maria" in text
    thread = [(event, reply) for event, reply in world.slack.posted
              if isinstance(event.reply_to, SlackAddress) and event.reply_to.thread_ts == "m1"]
    assert all(event.reply_to.channel == CHANNEL for event, _ in thread)  # type: ignore[union-attr]
    decision, social, blog = (reply.text for _, reply in thread)
    assert "Approved by maria" in decision and "releases/tag/v2.0" in decision
    for network, limit in (("Mastodon", 500), ("Bluesky", 300), ("X", 280)):
        assert f"*{network}* (" in social and f"/{limit})" in social
    assert "Add export" in social and "@everyone" not in social and "releases/tag/v2.0" in social
    assert blog.startswith("Blog post draft (Markdown)") and "## Features" in blog and "@everyone" not in blog
    assert all(not reply.feedback for _, reply in thread)  # no Helpful / Not helpful under drafts
    drafts = [a for a in world.activity.latest(limit=50) if a.kind == "release_draft"]
    assert sorted(a.reason.split(": ")[1].split(" ")[0] for a in drafts) == ["blog", "bluesky", "mastodon", "x"]
    assert all(a.status == "posted" and "releases/tag/v2.0" in a.detail for a in drafts)
    # A retried Publish step (GitHub's edit is idempotent) says nothing twice, in the thread or elsewhere.
    before = len(world.slack.posted)
    world.steps.run({"step": "publish", "input": world.steps_state().model_dump(mode="json")})
    assert len(world.slack.posted) == before and len(world.discord.posted) == 1 and len(world.forum.topics) == 1


def test_reject_publishes_nothing_and_says_so(tmp_path: Path) -> None:
    world = World(tmp_path)
    assert world.click(approve=False) == "release-rejected"
    assert world.status() == "SUCCEEDED"
    assert world.publisher.published == [] and world.discord.posted == [] and world.forum.topics == []
    [(_, decided)] = world.slack.posted[1:]  # only the outcome, in the request's thread
    assert "Rejected by maria: nothing was published" in decided.text
    assert "Rejected by maria" in world.slack.updated[0][2]
    [declined] = [a for a in world.activity.latest(limit=50) if a.kind == "release_decision" and "not" in a.reason]
    assert "rejected by maria" in declined.reason


def test_no_decision_in_three_days_publishes_nothing(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.clock.now += 3 * 24 * 3600
    world.executor.run_ready()
    assert world.status() == "SUCCEEDED"
    assert world.publisher.published == []
    assert any("timed out" in a.reason for a in world.activity.latest(limit=50))
    assert "No decision" in world.slack.texts[-1] and "No decision" in world.slack.updated[0][2]
    assert world.click(approve=True) == "release-decision-ignored"  # too late
    assert world.publisher.published == []


@pytest.mark.parametrize("wrong", [{"channel": "CGENERAL"}, {"message_ts": "m9"}, {"approval": "release-other"}])
def test_a_click_elsewhere_decides_nothing(tmp_path: Path, wrong: dict[str, str]) -> None:
    world = World(tmp_path)
    assert world.click(approve=True, **wrong) == "release-decision-ignored"
    assert world.status() == "RUNNING" and world.publisher.published == []
    assert world.click(approve=True) == "release-approved"  # the real button still works


def test_a_forum_down_does_not_keep_the_others_from_the_news(tmp_path: Path) -> None:
    world = World(tmp_path, forum=RecordingForum(failures=[ConnectionError("forum down")]))
    world.click(approve=True)
    assert world.status() == "SUCCEEDED"
    assert len(world.discord.posted) == 1 and world.forum.topics == []
    [failed] = [a for a in world.activity.latest(limit=50) if a.kind == "announce" and a.status == "failed"]
    assert failed.platform == "discourse" and "forum down" in (failed.error or "")


def test_dry_run_records_what_approval_would_publish(tmp_path: Path) -> None:
    world = World(tmp_path, dry_run=True)
    world.click(approve=True)
    assert world.status() == "SUCCEEDED"
    assert world.publisher.published == [] and world.discord.posted == [] and world.forum.topics == []
    # Only the approval channel hears of it: the request, then the outcome and the drafts in its thread.
    assert {e.reply_to.channel for e, _ in world.slack.posted} == {CHANNEL}  # type: ignore[union-attr]
    assert "dry run" in world.slack.texts[1]
    assert ("release_publish", "dry-run") in world.kinds() and ("announce", "dry-run") in world.kinds()


def test_a_bad_range_posts_nothing_and_fails_with_the_reason(tmp_path: Path) -> None:
    def draft(repository: str, from_ref: str | None, to_ref: str, title: str) -> DraftedNotes:
        raise ReleaseError(f"unknown ref {to_ref!r}")

    world = World(tmp_path, drafter=draft)
    assert world.status() == "FAILED"
    assert world.slack.posted == [] and world.publisher.published == []
    [failed] = [a for a in world.activity.latest(limit=50) if a.status == "failed"]
    assert "unknown ref" in (failed.error or "")


def test_without_an_approval_channel_nothing_starts(tmp_path: Path) -> None:
    world = World(tmp_path)
    event = InboundEvent(platform="github", kind="github.release.created", delivery_id="d-2",
                         intent=ReleaseDrafted(repository=REPO, release_id=78, tag="v2.1"))
    assert start_release(event, world.executions, "ReleaseStateMachine", ReleaseSettings(None), world.activity) is None


def test_only_a_draft_release_starts_the_machine() -> None:
    payload: dict[str, Any] = {"action": "created", "repository": {"full_name": REPO},
                               "release": {"id": 77, "tag_name": "v2.0", "target_commitish": "main", "draft": True,
                                           "html_url": f"https://github.com/{REPO}/releases/tag/untagged-1"},
                               "sender": {"login": "maria", "id": 5}}
    event = github_platform.to_inbound_event("release", "d-1", payload)
    assert event is not None and isinstance(event.intent, ReleaseDrafted)
    assert (event.intent.release_id, event.intent.tag, event.intent.target) == (77, "v2.0", "main")
    payload["release"]["draft"] = False  # already public: nothing to approve
    published = github_platform.to_inbound_event("release", "d-2", payload)
    assert published is not None and not isinstance(published.intent, ReleaseDrafted)


def test_a_slack_button_click_becomes_a_decision() -> None:
    payload = {"type": "block_actions", "user": {"id": "U1", "username": "maria"}, "team": {"id": "T1"},
               "container": {"channel_id": CHANNEL, "message_ts": "171.2"}, "trigger_id": "t",
               "actions": [{"action_id": "release_reject", "value": "release-acme-widget-77", "action_ts": "1.1"}]}
    event = slack_platform.interaction_to_inbound(payload)
    assert event is not None and isinstance(event.intent, ReleaseDecision)
    assert event.intent == ReleaseDecision(approval="release-acme-widget-77", approve=False, message_ts="171.2")


def slash_command(text: str, channel: str = CHANNEL) -> InboundEvent | None:
    form = {"command": "/devrel", "text": text, "trigger_id": "t1", "channel_id": channel, "team_id": "T1",
            "user_id": "U1", "user_name": "maria", "response_url": "https://hooks.slack.com/commands/T1/1/x"}
    return slack_platform.command_to_inbound(form)


def test_the_release_command_drafts_that_range_and_approval_creates_the_release(tmp_path: Path) -> None:
    command = slash_command("release acme/widget v1.9 v2.0")
    assert command is not None and command.intent == ReleaseRequested(repository=REPO, from_ref="v1.9", to_ref="v2.0")
    world = World(tmp_path, command=command)
    assert world.outcome == "release-started" and world.status() == "RUNNING"
    assert world.drafted == [(REPO, "v2.0")] and world.from_refs == ["v1.9"]
    [(_, answer)] = world.answers.posted
    assert answer.ephemeral and "v1.9...v2.0" in answer.text
    _, request = world.posted_approval()
    assert "as maria asked" in request.text and "create and publish the GitHub release of the tag v2.0" in request.text
    assert world.click(approve=True) == "release-approved"
    assert world.status() == "SUCCEEDED"
    assert world.publisher.created == [(REPO, "v2.0", NOTES)] and world.publisher.published == []
    assert len(world.discord.posted) == 1


def test_the_release_command_works_only_in_the_approval_channel(tmp_path: Path) -> None:
    world = World(tmp_path, command=slash_command("release acme/widget v1.9 v2.0", channel="CGENERAL"))
    assert world.outcome == "release-command-refused" and world.id == ""
    assert world.slack.posted == [] and world.drafted == []
    [(_, answer)] = world.answers.posted
    assert answer.ephemeral and "approval channel" in answer.text


@pytest.mark.parametrize("text", [
    "release", "release acme/widget v2.0", "release acme/widget v1.9 v2.0 now",
    "release ../etc v1 v2", "release /abs/path v1 v2", "release acme/widget --upload-pack=x v2",
    "release acme/widget v1..v2 v3", "release acme/widget v1 <!everyone>", "release acme/widget v1 ghp_x@y",
    "release acme/widget.git v1 v2", "release acme/widget -v1 v2",
])
def test_release_command_text_is_checked_before_anything_runs(text: str) -> None:
    assert slash_command(text) is None  # the command endpoint answers with the usage
    assert slack_platform.parse_command(text).name == "release"


def test_a_release_names_a_github_repository_never_a_local_folder(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from devrel.adapters.github_releases import GithubReleaseSource
    from devrel.runtime import release_sources
    from support.fakes import fake_services

    (tmp_path / "acme" / "widget").mkdir(parents=True)  # a folder that happens to bear the name
    monkeypatch.chdir(tmp_path)
    services = fake_services(tmp_path / "data")
    assert isinstance(release_sources(services, REPO, local=False).history, GithubReleaseSource)


EDITED = "# acme/widget v2.0\n\n## Highlights\nCSV export, thanks @everyone <!channel> (#12)\n"


def test_an_edit_replaces_the_draft_and_approval_publishes_exactly_that(tmp_path: Path) -> None:
    world = World(tmp_path)
    assert world.open_editor() == "release-editor-opened"
    [(trigger, approval, prefilled)] = world.slack.editors
    assert (trigger, prefilled) == ("trig-1", NOTES) and approval == world.posted_approval()[1].approval
    assert world.save_edit(EDITED) == "release-edited"
    assert world.status() == "RUNNING"  # still waiting for Approve / Reject
    # The request redrawn in place with the edited notes, its buttons kept.
    [(channel, ts, text)] = world.slack.updated
    assert (channel, ts) == (CHANNEL, "m1") and "## Highlights" in text and "Add export" not in text
    assert world.slack.updated_buttons == [approval]
    assert "ana edited the notes" in world.slack.texts[-1]
    world.open_editor()
    assert world.slack.editors[-1][2] == EDITED  # the next edit starts from the edited text
    assert world.click(approve=True) == "release-approved"
    assert world.status() == "SUCCEEDED"
    assert world.publisher.published == [(REPO, 77, EDITED)]  # as written, nothing added or lost
    # Everything made from the notes is made from the approved text, which pings nobody anywhere else.
    assert "Highlights" in world.forum.topics[0][1] and "@everyone" not in world.forum.topics[0][1]
    [announcement] = [reply.text for event, reply in world.slack.posted
                      if isinstance(event.reply_to, SlackAddress) and event.reply_to.channel == "CNEWS"]
    assert "Highlights" in announcement and "@everyone" not in announcement
    blog = next(a for a in world.activity.latest(limit=50) if a.reason.endswith("blog post draft"))
    assert "Highlights" in blog.detail and "Add export" not in blog.detail
    assert ("release_edit", "posted") in world.kinds()


def test_a_publish_never_falls_back_to_the_draft_when_the_approved_edit_is_gone(tmp_path: Path) -> None:
    from devrel.usecases.release_flow import EDITS

    world = World(tmp_path)
    world.open_editor()
    world.save_edit(EDITED)

    def forget_edits() -> None:  # between the click (which pinned revision 1) and the Publish step
        for item in world.store.query(EDITS, ""):
            world.store.delete(item.pk, item.sk)

    world.click(approve=True, before_publish=forget_edits)
    assert world.status() == "FAILED" and world.publisher.published == []
    assert any("revision 1" in (a.error or "") for a in world.activity.latest(limit=50))


def test_edits_from_elsewhere_or_too_late_change_nothing(tmp_path: Path) -> None:
    world = World(tmp_path)
    assert world.open_editor(channel="CGENERAL") == "release-edit-ignored"
    assert world.open_editor(message_ts="m9") == "release-edit-ignored"
    assert world.slack.editors == []
    assert world.save_edit(EDITED, view_id="VFORGED") == "release-edit-ignored"  # no modal of ours
    world.open_editor()
    assert world.save_edit("  \n") == "release-edit-refused"  # empty: the draft stays
    assert "not applied: it was empty" in world.slack.texts[-1]
    world.click(approve=True)
    assert world.save_edit(EDITED) == "release-edit-refused"  # decided meanwhile
    assert world.publisher.published == [(REPO, 77, NOTES)]
    # Nothing lost: the late text is in the activity log.
    [late] = [a for a in world.activity.latest(limit=50) if a.kind == "release_edit" and "decided" in (a.error or "")]
    assert late.status == "failed" and late.detail == EDITED


def test_an_edit_holding_a_credential_is_refused_and_kept_redacted(tmp_path: Path) -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    world = World(tmp_path)
    world.open_editor()
    assert world.save_edit(f"{NOTES}- deploy with {token}\n") == "release-edit-refused"
    assert world.slack.updated == [] and "credential" in world.slack.texts[-1]
    stored = json.dumps([item.data for item in world.store.scan()])
    assert token not in stored and token not in json.dumps(world.slack.texts)
    world.open_editor()  # the maintainer's text comes back, without the credential
    assert "deploy with [redacted]" in world.slack.editors[-1][2]
    world.click(approve=True)
    assert world.publisher.published == [(REPO, 77, NOTES)]


def test_the_edit_modal_round_trips_long_notes_through_a_submission() -> None:
    notes = "\n".join(f"- change {n}: " + "x" * (n % 90) for n in range(400)) + "\n" + "y" * 7000
    view = slack_platform.release_edit_view("release-acme-widget-77", "acme/widget v2.0", notes)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert len(inputs) > 4 and all(len(b["element"]["initial_value"]) <= 3000 for b in inputs)
    values = {b["block_id"]: {"notes": {"type": "plain_text_input", "value": b["element"]["initial_value"]}}
              for b in reversed(inputs)}  # Slack's order of the object is no promise
    payload = {"type": "view_submission", "user": {"id": "U2", "username": "ana"}, "team": {"id": "T1"},
               "view": {"id": "V1", "hash": "h1", "callback_id": "release_edit",
                        "private_metadata": "release-acme-widget-77", "state": {"values": values}}}
    event = slack_platform.interaction_to_inbound(payload)
    assert event is not None and isinstance(event.intent, ReleaseEdited)
    # Lines come back exactly; only the one 7,000-character line gains the breaks it was cut at.
    assert event.intent.notes.replace("\n", "") == notes.replace("\n", "")
    assert event.intent.notes.split("\n")[:400] == notes.split("\n")[:400]
    assert (event.intent.view_id, event.intent.approval) == ("V1", "release-acme-widget-77")
    payload["view"]["callback_id"] = "another_modal"
    assert slack_platform.interaction_to_inbound(payload) is None


class BlogFiles:
    """Where blog post drafts go (a pull request or the edge's checkout), keeping what it was asked to write."""

    def __init__(self, config: dict[str, Any], failures: list[Exception] | None = None) -> None:
        self.config = config
        self.saved: list[Any] = []
        self._failures = list(failures or [])

    def release_config(self, repository: str, installation_id: int | None) -> dict[str, Any]:
        return self.config

    def save(self, repository: str, draft: Any, installation_id: int | None) -> str:
        if self._failures:
            raise self._failures.pop(0)
        self.saved.append(draft)
        return f"https://github.com/{repository}/pull/{len(self.saved)}"


BLOG_CONFIG = {"blog": {"path": "blog/_drafts/{version}.md"}}


def test_approval_writes_the_blog_post_draft_of_the_approved_notes_once(tmp_path: Path) -> None:
    blog = BlogFiles(BLOG_CONFIG)
    world = World(tmp_path, blog=blog)
    world.open_editor()
    world.save_edit(EDITED)
    world.click(approve=True)
    assert world.status() == "SUCCEEDED"
    [draft] = blog.saved
    assert (draft.path, draft.branch, draft.pull_request) == ("blog/_drafts/2.0.md", "devrel/blog-2.0", True)
    assert "Highlights" in draft.content and "Add export" not in draft.content  # the approved text
    assert world.steps_state().published.result["blog"] == "https://github.com/acme/widget/pull/1"
    assert "Blog post draft written: https://github.com/acme/widget/pull/1" in world.slack.texts
    world.steps.run({"step": "publish", "input": world.steps_state().model_dump(mode="json")})
    assert len(blog.saved) == 1  # a retried step writes it once


def test_dry_run_records_the_blog_file_only(tmp_path: Path) -> None:
    blog = BlogFiles(BLOG_CONFIG)
    world = World(tmp_path, dry_run=True, blog=blog)
    world.click(approve=True)
    assert blog.saved == []
    [recorded] = [a for a in world.activity.latest(limit=50) if a.reason.endswith("blog post draft file")]
    assert recorded.status == "dry-run" and recorded.target.startswith("blog/_drafts/2.0.md")


@pytest.mark.parametrize(("blog", "error"), [
    (BlogFiles({"blog": {"path": "../../etc/{version}"}}), "must stay inside the repository"),
    (BlogFiles(BLOG_CONFIG, failures=[ConnectionError("GitHub down")]), "GitHub down"),
])
def test_a_blog_file_that_cannot_be_written_leaves_the_release_published(tmp_path: Path, blog: BlogFiles,
                                                                          error: str) -> None:
    world = World(tmp_path, blog=blog)
    world.click(approve=True)
    assert world.status() == "SUCCEEDED" and world.publisher.published == [(REPO, 77, NOTES)]
    assert blog.saved == []
    [failed] = [a for a in world.activity.latest(limit=50) if a.reason.endswith("blog post draft file")]
    assert failed.status == "failed" and error in (failed.error or "")
    assert any("blog post draft" in text and error in text for text in world.slack.texts)
