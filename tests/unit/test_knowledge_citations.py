"""The citation checker: nothing is posted that the retrieved passages do not support."""

from __future__ import annotations

from devrel.knowledge.citations import Citation, check_citations, check_generated_text
from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit


def _chunk(path: str, text: str, url: str) -> Chunk:
    return Chunk(source="s", path=path, start_line=10, end_line=12, text=text, kind="code", url=url)


INSTALL = _chunk("docs/install.md", "Install with pip install example.\nPython 3.11 or newer.", "https://x/install")
CONFIG = _chunk("src/config.py", "TIMEOUT = 30  # seconds before a request fails", "https://x/config")
RETRIEVED = [Hit(INSTALL, 1.0), Hit(CONFIG, 0.5)]


def test_supported_citations_are_kept() -> None:
    good = [Citation(INSTALL.chunk_id, INSTALL.url, "pip   install\nexample"), Citation(CONFIG.chunk_id, CONFIG.url)]
    kept, dropped = check_citations(good, RETRIEVED)
    assert kept == good and dropped == []


def test_fabricated_citation_is_removed() -> None:
    invented = Chunk(source="s", path="docs/faq.md", start_line=1, end_line=2, text="Use --force.", url="https://x/faq")
    citations = [Citation(invented.chunk_id, invented.url, "Use --force."), Citation(CONFIG.chunk_id, CONFIG.url)]
    kept, dropped = check_citations(citations, RETRIEVED)
    assert [c.url for c in kept] == ["https://x/config"]
    assert len(dropped) == 1 and "not among the retrieved" in dropped[0]


def test_misquote_is_removed() -> None:
    wrong = Citation(CONFIG.chunk_id, CONFIG.url, "TIMEOUT = 60")
    kept, dropped = check_citations([wrong], RETRIEVED)
    assert kept == [] and "not in the passage" in dropped[0]


def test_generated_text_keeps_supported_claims() -> None:
    text = 'Install it with "pip install example" [1]; requests time out after 30 s [2].'
    checked = check_generated_text(text, [INSTALL, CONFIG])
    assert checked.text == text and checked.used == [1, 2] and checked.dropped == []


def test_generated_text_loses_markers_that_name_no_passage() -> None:
    checked = check_generated_text("Use the CLI [1] or the plugin [7].", [INSTALL, CONFIG])
    assert "[7]" not in checked.text and checked.used == [1]
    assert any("[7]" in note for note in checked.dropped)


def test_generated_quote_is_repointed_to_the_passage_that_holds_it() -> None:
    checked = check_generated_text('The default is "TIMEOUT = 30" [1].', [INSTALL, CONFIG])
    assert checked.text == 'The default is "TIMEOUT = 30" [2].'
    assert checked.used == [2]


def test_fabricated_quote_is_removed() -> None:
    checked = check_generated_text('It says "always pass --force" [1]. See [2].', [INSTALL, CONFIG])
    assert "--force" not in checked.text and checked.used == [2]


def test_links_to_unretrieved_sources_are_removed() -> None:
    checked = check_generated_text("See https://x/install and https://evil.example/page [1].", [INSTALL])
    assert "https://x/install" in checked.text and "evil.example" not in checked.text
