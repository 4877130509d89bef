"""Where settings come from: DEVREL_* variables, the TOML file, and what is wrong with them, on one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from devrel.cli import main
from devrel.settings import CONFIG_FILE_ENV, SettingsInvalid, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.upper().startswith("DEVREL_"):
            monkeypatch.delenv(key)


def test_variables_of_any_case_are_read_lists_and_dicts_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVREL_REINDEX_TARGETS", '["owner/name", "docs"]')
    monkeypatch.setenv("devrel_max_body_bytes", '{"api": 5000}')
    monkeypatch.setenv("DEVREL_EDGE_WORKERS", "7")
    monkeypatch.setenv("DEVREL_TRIAGE_DRY_RUN", "true")
    monkeypatch.setenv("DEVREL_GITHUB_TOKEN", "ghp_example")
    monkeypatch.setenv("DEVREL_NOT_A_SETTING", "ignored")
    settings = load_settings()
    assert settings.reindex_targets == ["owner/name", "docs"]
    assert settings.body_limit("api") == 5000 and settings.edge_workers == 7 and settings.triage_dry_run
    assert settings.local_secret("github_token") == "ghp_example"
    assert "ghp_example" not in repr(settings)


def test_origins_are_taken_as_written_not_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVREL_CORS_ALLOW_ORIGINS", "https://docs.example.org, https://example.org/")
    assert load_settings().cors_allow_origins == ["https://docs.example.org", "https://example.org"]


def test_overrides_beat_variables_which_beat_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "devrel.toml"
    config.write_text('region = "eu-west-1"\ntable_name = "from-file"\nedge_workers = 2\n'
                      'stale_repositories = ["a/b"]\n', encoding="utf-8")
    monkeypatch.setenv(CONFIG_FILE_ENV, str(config))
    monkeypatch.setenv("DEVREL_TABLE_NAME", "from-env")
    monkeypatch.setenv("DEVREL_EDGE_WORKERS", "3")
    settings = load_settings(edge_workers=5)
    assert settings.region == "eu-west-1" and settings.stale_repositories == ["a/b"]
    assert settings.table_name == "from-env" and settings.edge_workers == 5


def test_every_problem_is_named_on_one_line_without_the_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVREL_EDGE_WORKERS", "many")
    monkeypatch.setenv("DEVREL_GITHUB_TOKEN", "0")  # fine: a secret is any string
    monkeypatch.setenv("DEVREL_MODE", "cloud")
    monkeypatch.setenv("DEVREL_SIGNATURE_MAX_AGE_SECONDS", "0")
    with pytest.raises(SettingsInvalid) as raised:
        load_settings()
    message = str(raised.value)
    assert "\n" not in message and "many" not in message
    assert "DEVREL_EDGE_WORKERS" in message and "DEVREL_SIGNATURE_MAX_AGE_SECONDS" in message


def test_bad_json_and_a_missing_config_file_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVREL_REINDEX_TARGETS", "[owner/name")
    with pytest.raises(SettingsInvalid, match="DEVREL_REINDEX_TARGETS is not valid JSON"):
        load_settings()
    monkeypatch.delenv("DEVREL_REINDEX_TARGETS")
    monkeypatch.setenv(CONFIG_FILE_ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(SettingsInvalid, match=r"missing\.toml, which does not exist"):
        load_settings()


def test_cloud_mode_without_its_secret_store_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVREL_MODE", "cloud")
    with pytest.raises(SettingsInvalid, match="needs DEVREL_SECRETS_ID"):
        load_settings()
    monkeypatch.setenv("DEVREL_SECRETS_ID", "devrel/secrets")
    assert load_settings().mode == "cloud"


def test_the_cli_says_what_is_wrong_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DEVREL_EDGE_WORKERS", "many")
    assert main(["doctor", "--no-measure"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["devrel: invalid settings: DEVREL_EDGE_WORKERS: Expected `int`, got `str`"]
