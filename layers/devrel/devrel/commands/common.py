"""What the commands share: one settings loader and the options every knowledge or model command takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devrel.settings import Settings, load_settings


def command_settings(data_dir: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment / config file, with `--data-dir` when given."""
    return load_settings(**({"data_dir": Path(data_dir)} if data_dir else {}), **overrides)


def knowledge_dir(settings: Settings) -> Path:
    """Where a command keeps the embedding cache, checkouts and thread exports."""
    return settings.data_dir / "knowledge"


def add_index_arguments(parser: Any) -> None:
    """Options every knowledge command shares: where the index lives."""
    parser.add_argument("--data-dir", help="edge data directory (default: DEVREL_DATA_DIR or ./.devrel)")
    parser.add_argument(
        "--opensearch", metavar="URL", help="use this OpenSearch endpoint instead of the embedded index"
    )
    parser.add_argument("--index-name", default=None, help="OpenSearch index name (default: DEVREL_OPENSEARCH_INDEX)")


def add_model_arguments(parser: Any) -> None:
    parser.add_argument("--no-embeddings", action="store_true", help="lexical features only (no embedder)")
    parser.add_argument("--cache-dir", type=Path, help="where embeddings are cached (default: DATA_DIR/knowledge)")
    parser.add_argument("--data-dir", help="edge data directory (default: DEVREL_DATA_DIR or ./.devrel)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
