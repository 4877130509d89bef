"""The extractive lead: sentences of the cited passages, verbatim, that speak to the question."""

from __future__ import annotations

from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import search_terms
from devrel.knowledge.lead import extractive_lead

SETTINGS_DOC = Chunk(
    source="demo", path="README.md", start_line=10, end_line=22, kind="doc", title="Configuration > Labels",
    text=(
        "## Labels\n"
        "\n"
        "The assistant never invents labels. Set `type_labels` in `.github/devrel.yml` to change the labels\n"
        "it applies to bug reports, feature requests and questions.\n"
        "\n"
        "```yaml\n"
        "type_labels: {bug: kind/bug}\n"
        "```\n"
        "| key | default |\n"
        "| --- | --- |\n"
    ),
)
VERIFY_CODE = Chunk(
    source="demo", path="devrel/platforms/signatures.py", start_line=30, end_line=44, kind="code",
    title="verify_github",
    text=(
        "def verify_github(secret: bytes, body: bytes, header: str) -> bool:\n"
        '    """Check a GitHub webhook signature against the raw request body.\n'
        "\n"
        "    Compares in constant time, so a forged signature learns nothing from the timing.\n"
        "\n"
        "    Args:\n"
        "        secret: the webhook secret.\n"
        '    """\n'
        "    expected = hmac.new(secret, body, 'sha256').hexdigest()\n"
    ),
)
UNRELATED = Chunk(source="demo", path="CHANGES.md", start_line=1, end_line=3, kind="doc", title="Changes",
                  text="Version 2.0 moved the dashboard to a new page and fixed the digest timing.\n")


def test_a_doc_sentence_that_answers_leads_with_its_source_number() -> None:
    terms = search_terms("How do I change the labels the bot applies to bug reports?")
    lead = extractive_lead(terms, [UNRELATED, SETTINGS_DOC])
    assert lead.startswith("Set `type_labels` in `.github/devrel.yml` to change the labels it applies")
    assert lead.endswith("[2]")
    assert "```" not in lead and "|" not in lead  # code blocks and tables are not prose


def test_a_docstring_is_named_after_its_function_and_fields_are_left_out() -> None:
    terms = search_terms("Where are webhook signatures verified?")
    lead = extractive_lead(terms, [VERIFY_CODE])
    assert lead.startswith("`verify_github`: Check a GitHub webhook signature against the raw request body. [1]")
    assert "secret: the webhook secret" not in lead


def test_every_sentence_is_verbatim_from_its_passage() -> None:
    terms = search_terms("how is the github webhook signature checked in constant time")
    lead = extractive_lead(terms, [SETTINGS_DOC, VERIFY_CODE], max_sentences=2)
    sentences = [part.strip() for part in lead.split(" [2]") if part.strip()]
    assert len(sentences) == 2
    flat = " ".join(VERIFY_CODE.text.split())
    for sentence in sentences:
        assert sentence.removeprefix("`verify_github`: ") in flat


def test_no_lead_when_no_sentence_speaks_to_the_question() -> None:
    terms = search_terms("Which database engines are supported for replication?")
    assert extractive_lead(terms, [SETTINGS_DOC, VERIFY_CODE, UNRELATED]) == ""
    assert extractive_lead([], [SETTINGS_DOC]) == ""
