"""`.github/devrel.yml` is read one way by triage, the stale sweep and reviews."""

from __future__ import annotations

import pytest

from devrel.adapters.repository_config import parse_config
from devrel.ports import PortError


def test_a_missing_empty_or_non_mapping_file_is_no_policy() -> None:
    assert parse_config(None, "of acme/widget") == {}
    assert parse_config("", "of acme/widget") == {}
    assert parse_config("- a list\n", "of acme/widget") == {}


def test_the_mapping_is_returned_as_written() -> None:
    assert parse_config("review:\n  max_comments: 3\n", "of acme/widget") == {"review": {"max_comments": 3}}


def test_invalid_yaml_is_a_port_error_that_names_the_file() -> None:
    with pytest.raises(PortError, match=r"\.github/devrel\.yml of acme/widget is not valid YAML"):
        parse_config("triage: [unclosed\n", "of acme/widget")
