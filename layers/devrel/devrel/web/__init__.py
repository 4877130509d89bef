"""The browser side, shipped in the package (so the Lambda layer carries it): the maintainers'
dashboard (dashboard.html/.js/.css) and the embeddable chat widget (widget.js). No external
scripts, styles or fonts: both work offline."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def asset(name: str) -> bytes:
    """One of this folder's files, read once per process."""
    return resources.files(__name__).joinpath(name).read_bytes()
