"""Licenses of Python distributions from the metadata installed on this machine (no network): what
the review says about a new dependency when the package happens to be installed here."""

from __future__ import annotations

import importlib.metadata
import re

_LICENSE_CLASSIFIER = re.compile(r"^License :: (?:OSI Approved :: )?(.+)$")


def installed_license(name: str) -> str | None:
    """The distribution's license as its metadata states it (SPDX expression, License field or
    classifiers), or None when it is not installed or says nothing."""
    try:
        metadata = importlib.metadata.metadata(name)
    except importlib.metadata.PackageNotFoundError:
        return None
    expression = metadata.get("License-Expression")
    if expression:
        return str(expression).strip()
    classifiers = [found.group(1) for value in metadata.get_all("Classifier") or []
                   if (found := _LICENSE_CLASSIFIER.match(value))]
    if classifiers:
        return ", ".join(dict.fromkeys(classifiers))
    text = str(metadata.get("License") or "").strip()
    # Some packages put the whole license text in the field: its first line names it.
    return text.split("\n", 1)[0][:80] if text and text.upper() != "UNKNOWN" else None
