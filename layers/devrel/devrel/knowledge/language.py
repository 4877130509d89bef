"""Which language a question is written in: writing system first, then common function words.

Good enough to answer in the asker's language; technical text full of identifiers defaults to
English, which is what the project's docs are assumed to be written in.
"""

from __future__ import annotations

import re

DOCS_LANGUAGE = "en"

_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana before Han: Japanese mixes both
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)

_FUNCTION_WORDS = {
    "en": "the is are how what why does do to of and in with for can i my it this when",
    "es": "el la los las es son cómo como qué que por para con una un del se mi puedo está cuando",
    "fr": "le la les est sont comment quoi pourquoi une un des du avec pour je mon ce cette dans quand",
    "de": "der die das ist sind wie was warum ein eine mit für ich mein nicht und wenn kann ich den",
    "pt": "o os as é são como quê que por para com uma um do da se meu posso está quando não",
    "it": "il lo gli le è sono come cosa perché una un del della con per mio posso quando non",
    "nl": "de het een is zijn hoe wat waarom met voor ik mijn niet en wanneer kan",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}


def detect_language(text: str) -> str:
    """An ISO 639-1 code; DOCS_LANGUAGE when nothing points elsewhere."""
    for language, script in _SCRIPTS:
        if script.search(text):
            return language
    words = re.findall(r"[^\W\d_]+", text.lower())
    scores = {lang: sum(word in vocabulary for word in words) for lang, vocabulary in _WORDS.items()}
    best = max(scores, key=lambda lang: (scores[lang], lang == DOCS_LANGUAGE))
    return best if scores[best] > 0 else DOCS_LANGUAGE
