"""Structural splitting of docs, code and conversations into chunks with exact line ranges."""

from __future__ import annotations

import textwrap

from devrel.knowledge.chunkers import chunk_file, is_indexable, rst_headings
from devrel.knowledge.conversations import chunk_faq, chunk_thread, read_threads
from devrel.knowledge.documents import Chunk, Origin


def _lines_match(chunk: Chunk, text: str) -> None:
    """A chunk's text is exactly its line range of the file."""
    lines = text.split("\n")
    assert chunk.text == "\n".join(lines[chunk.start_line - 1 : chunk.end_line])


MARKDOWN = textwrap.dedent(
    """\
    # Guide

    Welcome to the guide.

    ## Install

    Run pip install example.

    ```bash
    # not a heading: inside a fence
    pip install example
    ```

    ## Configure

    Set EXAMPLE_HOME.
    """
)


def test_markdown_splits_at_headings_with_trail_titles() -> None:
    chunks = chunk_file("docs/guide.md", MARKDOWN)
    assert [c.title for c in chunks] == ["Guide", "Guide > Install", "Guide > Configure"]
    assert all(c.kind == "doc" for c in chunks)
    install = chunks[1]
    assert "# not a heading" in install.text and "pip install example" in install.text
    for chunk in chunks:
        _lines_match(chunk, MARKDOWN)


RST = textwrap.dedent(
    """\
    =====
    Title
    =====

    Intro text.

    Section one
    -----------

    Body one.

    Sub
    ~~~

    Body sub.

    Section two
    -----------

    Body two.
    """
)


def test_rst_heading_levels_follow_adornment_order() -> None:
    assert [(level, text) for _, level, text in rst_headings(RST.split("\n"))] == [
        (1, "Title"),
        (2, "Section one"),
        (3, "Sub"),
        (2, "Section two"),
    ]
    chunks = chunk_file("docs/index.rst", RST)
    assert [c.title for c in chunks] == [
        "Title",
        "Title > Section one",
        "Title > Section one > Sub",
        "Title > Section two",
    ]
    # The overlined title's chunk starts at its overline.
    assert chunks[0].start_line == 1
    for chunk in chunks:
        _lines_match(chunk, RST)


PYTHON = textwrap.dedent(
    '''\
    """Module docs."""

    import os

    CONSTANT = 1


    # A helper that is documented by this comment.
    @decorator
    def helper(x):
        return x + 1


    class Small:
        def method(self):
            return 1
    '''
)


def test_python_splits_by_definition_with_decorators_and_comments() -> None:
    chunks = chunk_file("pkg/mod.py", PYTHON)
    titles = [c.title for c in chunks]
    assert "def helper" in titles and "class Small" in titles
    helper = next(c for c in chunks if c.title == "def helper")
    assert helper.text.startswith("# A helper") and "@decorator" in helper.text
    assert helper.kind == "code"
    for chunk in chunks:
        _lines_match(chunk, PYTHON)


def test_long_class_is_split_into_header_and_methods() -> None:
    methods = "\n".join(
        f"    def method_{i}(self):\n" + "".join(f"        x{j} = {j}\n" for j in range(6)) for i in range(8)
    )
    source = f'class Big:\n    """Docs of Big."""\n    limit = 3\n\n{methods}'
    chunks = chunk_file("big.py", source, max_lines=20)
    titles = [c.title for c in chunks]
    assert titles[0] == "class Big" and "Docs of Big" in chunks[0].text
    assert "def Big.method_0" in titles and "def Big.method_7" in titles
    assert all(c.end_line - c.start_line + 1 <= 20 for c in chunks)
    for chunk in chunks:
        _lines_match(chunk, source)


def test_python_syntax_error_falls_back_to_blocks() -> None:
    source = "print 'python 2'\n\nx = 1\n"
    chunks = chunk_file("old.py", source)
    assert chunks and "python 2" in chunks[0].text


def test_other_files_split_at_blank_lines_within_the_cap() -> None:
    blocks = "\n\n".join("\n".join(f"line {b}.{i}" for i in range(5)) for b in range(10))
    chunks = chunk_file("main.go", blocks, max_lines=12)
    assert len(chunks) > 1
    assert all(c.end_line - c.start_line + 1 <= 12 for c in chunks)
    assert "".join(c.text for c in chunks).count("line") == 50


def test_indexable_files() -> None:
    assert is_indexable("src/app.py") and is_indexable("docs/x.rst") and is_indexable("Makefile")
    assert not is_indexable("logo.png") and not is_indexable("archive.tar.gz")


def test_thread_opening_post_and_replies_are_chunks_with_their_links() -> None:
    thread = {
        "kind": "issue",
        "number": 7,
        "title": "Crash on start",
        "url": "https://github.com/o/r/issues/7",
        "body": "It crashes.",
        "comments": [
            {"body": "Same here."},
            {"body": "Set FOO=1.", "answer": True, "url": "https://github.com/o/r/issues/7#c2"},
        ],
    }
    chunks = chunk_thread(thread)
    assert [c.path for c in chunks] == ["issues/7"] * 3
    assert chunks[0].text.startswith("Crash on start") and chunks[0].kind == "issue"
    assert chunks[2].title == "Crash on start (answer)"
    assert chunks[2].url.endswith("#c2")
    # with_origin keeps a conversation's own address.
    assert chunks[2].with_origin(Origin("o/r", repo="o/r", commit="abc"), "h").url.endswith("#c2")


def test_thread_export_yields_one_item_per_thread() -> None:
    export = '{"kind": "discussion", "id": 1, "title": "A", "body": "x"}\n\n{"number": 2, "title": "B", "body": "y"}\n'
    items = list(read_threads(export))
    assert [path for path, _, _ in items] == ["discussions/1", "threads/2"]
    assert items[0][1] != items[1][1]


def test_faq_entries_are_chunks() -> None:
    chunks = chunk_faq("faq.yaml", "- question: How to install?\n  answer: pip install it.\n- question: x\n")
    assert len(chunks) == 1
    assert chunks[0].kind == "faq" and chunks[0].text == "Q: How to install?\nA: pip install it."


def test_permalinks_for_github_and_local_paths() -> None:
    chunk = chunk_file("src/a.py", "def f():\n    return 1\n")[0]
    github = chunk.with_origin(Origin("o/r", repo="o/r", commit="0123abc"), "h")
    assert github.url == "https://github.com/o/r/blob/0123abc/src/a.py#L1-L2"
    local = chunk.with_origin(Origin("local"), "h")
    assert local.url == "src/a.py:1-2" and local.file_hash == "h"
