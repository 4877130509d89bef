"""Answer a question from the project's own sources, retrieval first and extractive.

The answer is built from the retrieved passages themselves: the best lines of the top passages are
quoted verbatim with a link to exactly those lines. A model, when one is configured, only writes a
short lead paragraph over those passages (it may be tiny), and that paragraph goes through the
citation checker like everything else. Below the confidence gate the reply says what was found,
where else to look, and offers a maintainer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from devrel.knowledge.build_status import Building
from devrel.knowledge.citations import Citation, check_citations, check_generated_text
from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit, identifier_words, search_terms
from devrel.knowledge.language import DOCS_LANGUAGE, detect_language
from devrel.knowledge.lead import extractive_lead
from devrel.knowledge.retrieval import Retrieved, Retriever
from devrel.ports import LLM, ChatMessage, PortError, Store
from devrel.records import ThreadMemory


@dataclass(frozen=True)
class AnswerOptions:
    passages: int = 6  # retrieved for the answer
    quotes: int = 3  # quoted in the reply
    quote_lines: int = 8
    # The gate: confident when the best passage is this close in meaning (cosine) ...
    # (MiniLM on Flask: project questions reach 0.31-0.8, off-topic ones stayed under 0.28.)
    # Checked on SWE-QA v1 (tests/bench/bench_answers.py, 4 repositories): 181 of 189 answers
    # confident, 87.8% of them citing a reference file; gates fitted leave-one-repository-out did
    # worse held out.
    min_similarity: float = 0.40
    # ... or holds this share of the question's words.
    min_coverage: float = 0.7
    # Who to offer when unsure (e.g. "@org/maintainers"); None: "a maintainer" in the asker's language.
    escalation: str | None = None
    history_turns: int = 3
    # Ask the model for a lead paragraph. Off for the bundled edge model: on SWE-QA (flask) its text
    # cited no passage in 12 of 12 confident answers, so every call was seconds spent for nothing.
    model_lead: bool = True


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[Citation]
    confident: bool
    language: str
    retrieved: list[Hit] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    # "model": the lead paragraph is the model's, checked against the cited passages; "sentences":
    # it is sentences of the cited passages, verbatim; "extractive": only quoted passages (no lead
    # sentence matched the question; for the model's, see `dropped`).
    lead: str = "extractive"

    @property
    def escalate(self) -> bool:
        return not self.confident


# --- Picking what to quote --------------------------------------------------------------------------


def _stem(word: str) -> str:
    # Crude but symmetric: "serialization", "serializer" and "serialize" share "seria".
    return word[:5]


def _line_terms(line: str) -> set[str]:
    return {_stem(w) for w in identifier_words(line).split()}


def best_quote(chunk: Chunk, terms: Sequence[str], max_lines: int) -> tuple[str, int, int]:
    """The window of at most max_lines lines that holds the most question words.

    Returns the quote (verbatim lines of the chunk) and its line range in the file.
    """
    lines = chunk.text.split("\n")
    wanted = {_stem(t) for t in terms}
    scores = [len(_line_terms(line) & wanted) for line in lines]
    best_start, best_score = 0, -1
    for start in range(len(lines)):
        score = sum(scores[start : start + max_lines])
        if score > best_score:
            best_start, best_score = start, score
    end = min(best_start + max_lines, len(lines))
    while best_start < end - 1 and not lines[best_start].strip():
        best_start += 1
    while end - 1 > best_start and not lines[end - 1].strip():
        end -= 1
    quote = "\n".join(lines[best_start:end])
    return quote, chunk.start_line + best_start, chunk.start_line + end - 1


def coverage(chunk: Chunk, terms: Sequence[str]) -> float:
    if not terms:
        return 0.0
    present = _line_terms(chunk.text) | _line_terms(chunk.title) | _line_terms(chunk.path)
    return sum(_stem(t) in present for t in terms) / len(terms)


def narrow_link(chunk: Chunk, start: int, end: int) -> str:
    """A link to lines [start, end] of the chunk's file, in the chunk's own link style."""
    lines = f"L{start}" if start == end else f"L{start}-L{end}"
    if "#L" in chunk.url:
        return chunk.url.split("#", 1)[0] + "#" + lines
    if not chunk.url or chunk.url == chunk.location:
        return f"{chunk.path}:{start}-{end}"
    return chunk.url  # a conversation: its own address is the most precise link


def _diverse(hits: Sequence[Hit], count: int) -> list[Hit]:
    """The best hits, one per file first, then the rest in order."""
    first: list[Hit] = []
    rest: list[Hit] = []
    seen: set[str] = set()
    for hit in hits:
        (rest if hit.chunk.path in seen else first).append(hit)
        seen.add(hit.chunk.path)
    return (first + rest)[:count]


# --- Wording, in the asker's language -----------------------------------------------------------------

_PHRASES = {
    "en": (
        "From the project's sources:",
        "I could not find a confident answer in the project's sources.",
        "The closest passages are below; you may also look at: {places}.",
        "Would you like me to ask {who}?",
        "a maintainer",
        "Sources",
    ),
    "es": (
        "Según las fuentes del proyecto:",
        "No encontré una respuesta segura en las fuentes del proyecto.",
        "Abajo están los pasajes más cercanos; también puedes mirar: {places}.",
        "¿Quieres que se lo pregunte a {who}?",
        "una persona que mantiene el proyecto",
        "Fuentes",
    ),
    "fr": (
        "D'après les sources du projet :",
        "Je n'ai pas trouvé de réponse sûre dans les sources du projet.",
        "Voici les passages les plus proches ; regardez aussi : {places}.",
        "Voulez-vous que je demande à {who} ?",
        "une personne qui maintient le projet",
        "Sources",
    ),
    "de": (
        "Aus den Quellen des Projekts:",
        "Ich habe in den Quellen des Projekts keine sichere Antwort gefunden.",
        "Unten stehen die nächstliegenden Stellen; schau auch hier: {places}.",
        "Soll ich {who} fragen?",
        "jemanden aus dem Projektteam",
        "Quellen",
    ),
    "pt": (
        "Segundo as fontes do projeto:",
        "Não encontrei uma resposta segura nas fontes do projeto.",
        "Abaixo estão os trechos mais próximos; veja também: {places}.",
        "Quer que eu pergunte a {who}?",
        "uma pessoa que mantém o projeto",
        "Fontes",
    ),
}


_BUILDING = {
    "en": "The index is still being built ({done} of {total} files); this answer may miss what is not indexed yet.",
    "es": "El índice aún se está construyendo ({done} de {total} archivos); puede faltar lo que no está indexado.",
    "fr": "L'index est encore en construction ({done} sur {total} fichiers) ; il peut manquer ce qui n'y est pas.",
    "de": "Der Index wird noch aufgebaut ({done} von {total} Dateien); was fehlt, fehlt auch dieser Antwort.",
    "pt": "O índice ainda está sendo construído ({done} de {total} arquivos); pode faltar o que não foi indexado.",
}


def _phrases(language: str) -> tuple[str, str, str, str, str, str]:
    return _PHRASES.get(language, _PHRASES["en"])


_FENCE_LANGUAGES = {
    ".py": "python",
    ".js": "javascript",
    ".ts": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".sh": "bash",
    ".sql": "sql",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".json": "json",
    ".html": "html",
}


def _render_quote(chunk: Chunk, quote: str) -> str:
    if chunk.kind == "code":
        fence = _FENCE_LANGUAGES.get(PurePosixPath(chunk.path).suffix.lower(), "")
        return f"```{fence}\n{quote}\n```"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in quote.split("\n"))


# --- The use case -------------------------------------------------------------------------------------------

_SYSTEM_PROMPT = (
    "You answer questions about a software project using only the numbered passages given. "
    "Write at most three sentences. After each claim put the number of the passage it comes from, "
    "like [1]. If the passages do not answer the question, say so. Answer in {language}."
)


class Answerer:
    def __init__(
        self,
        retriever: Retriever,
        llm: LLM | None = None,
        store: Store | None = None,
        options: AnswerOptions | None = None,
        source: str | None = None,
        building: Callable[[], Building | None] | None = None,
    ) -> None:
        """`building` says how far a first build of the index got (None once it is complete)."""
        self.retriever = retriever
        self.building = building
        self.llm = llm
        self.memory = ThreadMemory(store) if store is not None else None
        self.options = options or AnswerOptions()
        self.source = source

    def answer(
        self,
        question: str,
        thread: str | None = None,
        history: list[ChatMessage] | None = None,
        now: float | None = None,
        language: str | None = None,
    ) -> Answer:
        """Answer `question`; follow-ups use `history` (earlier messages of the thread), or the
        turns remembered under `thread` when no history is given. The fixed phrases (and a model's
        lead) are in `language` (the asker's profile), else in the one detected from the question."""
        language = language or detect_language(question)
        if history is None:
            remembered = self.memory and thread
            history = self.memory.history(thread, 2 * self.options.history_turns) if remembered else []
        query = self._retrieval_query(question, language, history)
        retrieved = self.retriever.search(query, self.options.passages, self.source)
        terms = search_terms(query)
        confident = self._confident(retrieved, terms)
        passages = _diverse(retrieved.hits, self.options.quotes)

        citations = []
        for hit in passages:
            quote, start, end = best_quote(hit.chunk, terms, self.options.quote_lines)
            citations.append(Citation(hit.chunk.chunk_id, narrow_link(hit.chunk, start, end), quote, start, end))
        citations, dropped = check_citations(citations, retrieved.hits)

        building = self.building() if self.building else None
        if building is not None:
            confident = False  # the gate was calibrated on complete indexes

        lead = ""
        # The lead is shown only on a confident answer: asking the model otherwise is time lost.
        if self.llm is not None and not self.options.model_lead:
            dropped.append("model not asked: its lead paragraphs do not survive the citation check")
        elif self.llm is not None and passages and confident:
            lead, notes = self._lead(question, language, [h.chunk for h in passages], history)
            dropped += notes
        kind = "model" if lead else "extractive"
        if not lead and confident and citations:
            # Numbered as the reply numbers its sources: the citations that survived the check.
            by_id = {hit.chunk.chunk_id: hit.chunk for hit in passages}
            lead = extractive_lead(terms, [by_id[c.chunk_id] for c in citations])
            kind = "sentences" if lead else kind
        text = self._render(language, confident, lead, passages, citations, quoted_lead=kind == "sentences")
        if building is not None:
            note = _BUILDING.get(language, _BUILDING["en"])
            text = note.format(done=building.files_indexed, total=building.files_total) + "\n\n" + text
        if self.memory and thread:
            at = time.time() if now is None else now
            self.memory.remember(thread, f"turn-{int(at * 1000)}", at, "user", question)
            self.memory.remember(thread, f"turn-{int(at * 1000)}", at, "assistant", text)
        return Answer(text, citations, confident, language, retrieved.hits, dropped, kind)

    def _retrieval_query(self, question: str, language: str, history: list[ChatMessage]) -> str:
        query = question
        if language != DOCS_LANGUAGE and self.llm is not None:
            query = self._translate(question) or question
        # A short follow-up ("and on Windows?") means little alone: add the previous question.
        earlier = [m.content for m in history if m.role == "user"]
        if earlier and len(search_terms(query)) < 6:
            query = f"{earlier[-1]} {query}"
        return query

    def _translate(self, question: str) -> str | None:
        assert self.llm is not None
        try:
            reply = self.llm.chat(
                [
                    ChatMessage("system", "Translate the user's message to English. Reply with the translation only."),
                    ChatMessage("user", question),
                ],
                max_tokens=120,
            )
        except PortError:
            return None
        return reply.strip() or None

    def _confident(self, retrieved: Retrieved, terms: list[str]) -> bool:
        similarity = retrieved.vector[0].score if retrieved.vector else 0.0
        best_coverage = max((coverage(h.chunk, terms) for h in retrieved.hits[:3]), default=0.0)
        return similarity >= self.options.min_similarity or best_coverage >= self.options.min_coverage

    def _lead(
        self, question: str, language: str, passages: list[Chunk], history: list[ChatMessage]
    ) -> tuple[str, list[str]]:
        assert self.llm is not None
        numbered = "\n\n".join(f"[{i}] {c.path} ({c.title})\n{c.text[:1200]}" for i, c in enumerate(passages, 1))
        messages = [ChatMessage("system", _SYSTEM_PROMPT.format(language=language))]
        # Earlier answers are long quotes; their heads are enough context for a small model.
        messages += [ChatMessage(m.role, m.content[:600]) for m in history[-2 * self.options.history_turns :]]
        messages.append(ChatMessage("user", f"Passages:\n{numbered}\n\nQuestion: {question}"))
        try:
            reply = self.llm.chat(messages, max_tokens=200)
        except PortError as exc:
            return "", [f"model unavailable, extractive answer only: {exc}"]
        checked = check_generated_text(reply, passages)
        if not checked.used:
            # A lead that cites nothing cannot be checked against the sources: leave it out.
            return "", [*checked.dropped, "model text cited no passage"]
        return checked.text, checked.dropped

    def _render(self, language: str, confident: bool, lead: str, passages: list[Hit], citations: list[Citation],
                quoted_lead: bool = False) -> str:
        intro, unsure, elsewhere, offer, default_who, sources_label = _phrases(language)
        parts = [lead] if lead and confident else [intro if confident else unsure]
        if quoted_lead and lead and confident:
            parts = [intro, lead]  # the sources' own words, and the reply says so
        if not confident and passages:  # nothing retrieved (an empty or new index): no passages to point to
            places = ", ".join(dict.fromkeys(f"`{h.chunk.path}`" for h in passages))
            parts.append(elsewhere.format(places=places))
        by_id = {hit.chunk.chunk_id: hit.chunk for hit in passages}
        for number, citation in enumerate(citations, start=1):
            chunk = by_id[citation.chunk_id]
            heading = f"**[{number}]** `{chunk.path}`" + (f" — {chunk.title}" if chunk.title else "")
            parts.append(f"{heading}\n{_render_quote(chunk, citation.quote)}")
        if citations:
            parts.append(f"{sources_label}:\n" + "\n".join(f"[{n}] {c.url}" for n, c in enumerate(citations, 1)))
        if not confident:
            parts.append(offer.format(who=self.options.escalation or default_who))
        return "\n\n".join(parts)
