from __future__ import annotations

from typing import Any

import pytest

from devrel.asl import jsonpath

DOC = {
    "a": {"b": {"c": 1}},
    "list": [10, 20, 30, 40],
    "people": [{"name": "ana", "age": 3}, {"name": "bo", "age": 5}],
    "odd key": {"x.y": True},
    "nothing": None,
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.a.b.c", 1),
        ("$.a['b']", {"c": 1}),
        ('$["odd key"]["x.y"]', True),
        ("$.list[0]", 10),
        ("$.list[-1]", 40),
        ("$.people[1].name", "bo"),
        ("$.nothing", None),
        # Indefinite paths select a list of every match.
        ("$.people[*].name", ["ana", "bo"]),
        ("$.people.*.age", [3, 5]),
        ("$.list[1:3]", [20, 30]),
        ("$.list[0,2]", [10, 30]),
        ("$..age", [3, 5]),
        ("$.missing[*]", []),
    ],
)
def test_read(path: str, expected: Any) -> None:
    assert jsonpath.read(DOC, path) == expected


@pytest.mark.parametrize("path", ["$.missing", "$.a.b.c.d", "$.list[4]", "$.a[0]", "$.list.x"])
def test_a_definite_path_that_selects_nothing_is_an_error(path: str) -> None:
    with pytest.raises(jsonpath.PathError):
        jsonpath.read(DOC, path)
    assert not jsonpath.exists(DOC, path)


@pytest.mark.parametrize("path", ["a.b", "$.", "$[", "$.list[?(@ > 1)]", "$.a b[", "$x"])
def test_malformed_paths_are_rejected(path: str) -> None:
    with pytest.raises(jsonpath.PathError):
        jsonpath.parse(path)


def test_write_creates_missing_objects_and_leaves_the_original_alone() -> None:
    original = {"a": {"keep": 1}}
    written = jsonpath.write(original, "$.a.new.deep", [1])
    assert written == {"a": {"keep": 1, "new": {"deep": [1]}}}
    assert original == {"a": {"keep": 1}}


def test_write_at_root_replaces_everything() -> None:
    assert jsonpath.write({"a": 1}, "$", "x") == "x"


def test_write_into_a_list_element() -> None:
    assert jsonpath.write({"l": [{"v": 1}, {"v": 2}]}, "$.l[1].v", 9) == {"l": [{"v": 1}, {"v": 9}]}


@pytest.mark.parametrize(
    ("document", "path"),
    [("text", "$.a"), ({"a": 1}, "$.a.b"), ({"l": []}, "$.l[0]"), ({"a": 1}, "$.a[*]")],
)
def test_write_where_no_node_can_go_is_an_error(document: Any, path: str) -> None:
    with pytest.raises(jsonpath.PathError):
        jsonpath.write(document, path, 1)
