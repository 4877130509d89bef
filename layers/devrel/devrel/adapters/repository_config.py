"""The repository's `.github/devrel.yml`, read the same way by every adapter that reads it."""

from __future__ import annotations

from typing import Any

import yaml

from devrel.ports import PortError

CONFIG_PATH = ".github/devrel.yml"


def parse_config(text: str | None, where: str) -> dict[str, Any]:
    """The file's mapping ({} when it is missing, empty or not a mapping). Invalid YAML is a PortError
    that names the file, so a maintainer sees what to fix instead of a parser traceback."""
    try:
        loaded = yaml.safe_load(text) if text else {}
    except yaml.YAMLError as error:
        raise PortError(f"{CONFIG_PATH} {where} is not valid YAML: {str(error).splitlines()[0]}") from error
    return loaded if isinstance(loaded, dict) else {}
