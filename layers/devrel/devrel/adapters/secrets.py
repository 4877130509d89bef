"""Secrets adapters: configured values (edge) and one Secrets Manager JSON secret (cloud)."""

from __future__ import annotations

from typing import Any

from devrel.ports import PortError
from devrel.settings import SECRET_NAMES, Settings


class ConfiguredSecrets:
    """Secrets given directly in settings (environment or config file): edge mode."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def get(self, name: str) -> str | None:
        return self._settings.local_secret(name)


class SecretsManagerSecrets:
    """Reads one JSON secret through Powertools parameters, cached for `max_age` seconds."""

    def __init__(self, secret_id: str, max_age: int = 300, client: Any = None) -> None:
        self._secret_id = secret_id
        self._max_age = max_age
        self._client = client

    def get(self, name: str) -> str | None:
        if name not in SECRET_NAMES:
            raise KeyError(f"unknown secret {name!r}")
        from aws_lambda_powertools.utilities import parameters

        provider = parameters.SecretsProvider(boto3_client=self._client) if self._client else None
        try:
            if provider is not None:
                values = provider.get(self._secret_id, transform="json", max_age=self._max_age)
            else:
                values = parameters.get_secret(self._secret_id, transform="json", max_age=self._max_age)
        except parameters.exceptions.GetParameterError as exc:
            raise PortError(f"cannot read secret {self._secret_id}") from exc
        value = values.get(name) if isinstance(values, dict) else None
        return str(value) if value else None
