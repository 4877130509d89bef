"""Build what the triage commands need from settings. Model modules load only when called."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devrel.ports import LLM, Embedder
from devrel.settings import Settings, load_settings

CACHE_FILE = "embeddings.sqlite"


def command_settings(data_dir: str | None) -> Settings:
    return load_settings(**({"data_dir": Path(data_dir)} if data_dir else {}))


def build_embedder(settings: Settings, cache_dir: Path | None = None) -> Embedder:
    """The configured embedder behind an on-disk cache keyed by text hash (default: DATA_DIR/cache)."""
    from devrel.adapters.embedding_cache import CachedEmbedder
    from devrel.models.factory import build_embedder as build_model_embedder

    embedder: Embedder = build_model_embedder(settings)
    model = settings.embed_model or type(embedder).__name__
    folder = cache_dir or settings.data_dir / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    return CachedEmbedder(embedder, folder / CACHE_FILE, namespace=f"{model}/{embedder.dimension}")


def build_llm(settings: Settings) -> LLM:
    from devrel.models.factory import build_llm as build_model_llm

    llm: LLM = build_model_llm(settings)
    return llm


def add_model_arguments(parser: Any) -> None:
    parser.add_argument("--no-embeddings", action="store_true", help="lexical features only (no embedder)")
    parser.add_argument("--cache-dir", type=Path, help="where embeddings are cached (default: DATA_DIR/cache)")
    parser.add_argument("--data-dir", help="edge data directory (default: DEVREL_DATA_DIR or ./.devrel)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
