"""Answering: extractive quotes with checked permalinks, the confidence gate, languages, follow-ups."""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devrel.adapters.index_embedded import EdgeIndex
from devrel.adapters.store_sqlite import SqliteStore
from devrel.knowledge.answering import Answerer, AnswerOptions, best_quote, narrow_link
from devrel.knowledge.chunkers import chunk_file
from devrel.knowledge.documents import Chunk, Origin
from devrel.knowledge.language import detect_language
from devrel.knowledge.retrieval import Retriever
from devrel.ports import ChatMessage, PortError


class WordEmbedder:
    """Hashed bag of words: deterministic, no model."""

    dimension = 128

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class ScriptedLlm:
    def __init__(self, reply: str | Exception) -> None:
        self.reply = reply
        self.calls: list[list[ChatMessage]] = []

    def chat(self, messages: list[ChatMessage], max_tokens: int = 256, temperature: float = 0.0) -> str:
        self.calls.append(messages)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply

    def structured(self, messages: list[ChatMessage], schema: type[Any], max_tokens: int = 256) -> Any:
        raise PortError("not used")


FILES = {
    "docs/timeouts.md": "# Timeouts\n\nRequests time out after 30 seconds.\nSet the timeout option to change it.\n",
    "src/client.py": (
        "class Client:\n"
        "    def send(self, request, timeout=30):\n"
        '        """Send a request; timeout is in seconds."""\n'
        "        return self.transport.send(request, timeout=timeout)\n"
    ),
    "docs/cooking.md": "# Pasta\n\nBoil water, add salt, cook the pasta.\n",
}
ORIGIN = Origin("proj", repo="owner/proj", commit="abc1234")


@pytest.fixture
def retriever(tmp_path: Path) -> Retriever:
    embedder = WordEmbedder()
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    chunks = [c.with_origin(ORIGIN, "h") for path, text in FILES.items() for c in chunk_file(path, text)]
    index.upsert(chunks, embedder.embed([c.embedding_text() for c in chunks]))
    return Retriever(index, embedder, pool=10)


def test_answer_quotes_retrieved_lines_with_permalinks(retriever: Retriever) -> None:
    answer = Answerer(retriever).answer("How do I change the request timeout seconds?")
    assert answer.confident and not answer.escalate
    retrieved = {h.chunk.chunk_id: h.chunk for h in answer.retrieved}
    assert answer.citations
    for citation in answer.citations:
        chunk = retrieved[citation.chunk_id]
        assert citation.quote in chunk.text
        assert citation.url == (
            f"https://github.com/owner/proj/blob/abc1234/{chunk.path}#L{citation.start_line}-L{citation.end_line}"
        )
        assert citation.url in answer.text
    assert {c.url.split("/blob/abc1234/")[1].split("#")[0] for c in answer.citations} >= {
        "docs/timeouts.md",
        "src/client.py",
    }


def test_unrelated_question_is_gated_and_offers_a_maintainer(retriever: Retriever) -> None:
    options = AnswerOptions(escalation="@owner/maintainers")
    answer = Answerer(retriever, options=options).answer("Which GPU drivers support ray tracing?")
    assert not answer.confident and answer.escalate
    assert "could not find a confident answer" in answer.text
    assert "@owner/maintainers" in answer.text


def test_answer_speaks_the_askers_language(retriever: Retriever) -> None:
    answer = Answerer(retriever).answer("¿Cómo cambio el timeout de una request?")
    assert answer.language == "es"
    assert "Fuentes:" in answer.text


def test_language_detection() -> None:
    assert detect_language("How do I install this?") == "en"
    assert detect_language("Comment est-ce que je configure le serveur ?") == "fr"
    assert detect_language("Wie kann ich das Plugin installieren?") == "de"
    assert detect_language("インストール方法は") == "ja"
    assert detect_language("def foo(): pass") == "en"


def test_model_lead_is_checked_before_it_is_posted(retriever: Retriever) -> None:
    llm = ScriptedLlm('The default is "30 seconds" [1], see also [9] and https://evil.example/x.')
    answer = Answerer(retriever, llm=llm).answer("What is the default request timeout in seconds?")
    lead = answer.text.split("\n\n")[0]
    assert "[9]" not in lead and "evil.example" not in lead
    number = int(re.search(r'"30 seconds" \[(\d)\]', lead).group(1))  # type: ignore[union-attr]
    assert "30 seconds" in answer.citations[number - 1].quote  # pointed at the passage that says it
    assert any("[9]" in note for note in answer.dropped)


def test_model_failure_falls_back_to_the_extractive_answer(retriever: Retriever) -> None:
    answer = Answerer(retriever, llm=ScriptedLlm(PortError("down"))).answer("request timeout seconds")
    assert answer.citations and answer.text.startswith("From the project's sources:")


def test_non_english_question_is_translated_for_retrieval(retriever: Retriever) -> None:
    llm = ScriptedLlm("request timeout seconds")
    Answerer(retriever, llm=llm).answer("¿Cuál es el tiempo de espera por defecto?")
    assert llm.calls[0][0].content.startswith("Translate")


def test_follow_up_uses_the_thread_history(retriever: Retriever, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite", now=lambda: 1002.0)
    answerer = Answerer(retriever, store=store)
    answerer.answer("How do I boil pasta?", thread="t1", now=1000.0)
    follow_up = answerer.answer("what comes next?", thread="t1", now=1001.0)
    assert follow_up.citations[0].url.split("#")[0].endswith("docs/cooking.md")
    assert not Answerer(retriever).answer("what comes next?").confident
    assert answerer.memory is not None
    questions = [m.content for m in answerer.memory.history("t1", 5) if m.role == "user"]
    assert questions == ["How do I boil pasta?", "what comes next?"]


def test_history_passed_by_the_caller_is_used(retriever: Retriever) -> None:
    history = [ChatMessage("user", "How do I boil pasta?"), ChatMessage("assistant", "Boil water.")]
    follow_up = Answerer(retriever).answer("what comes next?", history=history)
    assert follow_up.citations[0].url.split("#")[0].endswith("docs/cooking.md")


def test_best_quote_is_the_densest_window() -> None:
    text = "\n".join(["filler"] * 10 + ["the retry limit", "is set by max_retries"] + ["filler"] * 10)
    chunk = Chunk(source="s", path="a.md", start_line=100, end_line=121, text=text, kind="doc")
    quote, start, end = best_quote(chunk, ["retry", "limit", "max"], max_lines=2)
    assert quote == "the retry limit\nis set by max_retries" and (start, end) == (110, 111)


def test_narrow_link_keeps_the_link_style() -> None:
    github = Chunk(source="s", path="a.py", start_line=1, end_line=9, text="x", url="https://g/blob/s/a.py#L1-L9")
    assert narrow_link(github, 3, 4) == "https://g/blob/s/a.py#L3-L4"
    local = Chunk(source="s", path="a.py", start_line=1, end_line=9, text="x", url="a.py:1-9")
    assert narrow_link(local, 3, 3) == "a.py:3-3"
    thread = Chunk(source="s", path="issues/1", start_line=2, end_line=2, text="x", url="https://g/issues/1#c")
    assert narrow_link(thread, 2, 2) == "https://g/issues/1#c"


def test_the_model_is_asked_only_when_its_lead_would_be_shown_and_the_answer_says_whose_it_is(
    retriever: Retriever,
) -> None:
    llm = ScriptedLlm('The default is "30 seconds" [1].')
    answer = Answerer(retriever, llm=llm).answer("What is the default request timeout in seconds?")
    assert answer.confident and answer.lead == "model" and len(llm.calls) == 1
    unsure = Answerer(retriever, llm=llm).answer("How do I deploy the quantum flux capacitor?")
    assert not unsure.confident and unsure.lead == "extractive"
    assert len(llm.calls) == 1  # a lead is shown only on a confident answer: the model was not asked
    uncited = Answerer(retriever, llm=ScriptedLlm("It is thirty.")).answer("default request timeout seconds")
    # The model's uncited text is dropped; the lead is then the sources' own sentence on the question.
    assert uncited.lead == "sentences" and "model text cited no passage" in uncited.dropped
    assert "It is thirty" not in uncited.text
