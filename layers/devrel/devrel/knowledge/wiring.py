"""Build the knowledge services (embedder, index, retriever, answerer) from settings.

Edge mode keeps the index and the embedding cache under `<data_dir>/knowledge/`; an OpenSearch
endpoint, when given, replaces the embedded index. Heavy modules load only when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devrel.adapters.embedding_cache import CachedEmbedder
from devrel.adapters.index_embedded import EdgeIndex
from devrel.knowledge.index import VectorIndex
from devrel.ports import LLM, Embedder, Secrets
from devrel.settings import Settings

DEFAULT_INDEX_NAME = "devrel-knowledge"


def knowledge_dir(settings: Settings) -> Path:
    return settings.data_dir / "knowledge"


def build_embedder(settings: Settings, cache: bool = True, secrets: Secrets | None = None) -> Embedder:
    """The configured embedder, wrapped in the on-disk cache keyed by passage hash."""
    from devrel.models.factory import build_embedder as build_model_embedder

    embedder: Embedder = build_model_embedder(settings, secrets)
    if not cache:
        return embedder
    model = getattr(settings, "embed_model", None) or type(embedder).__name__
    return CachedEmbedder(
        embedder, knowledge_dir(settings) / "embeddings.sqlite", namespace=f"{model}/{embedder.dimension}"
    )


def build_llm(settings: Settings) -> LLM:
    from devrel.models.factory import build_llm as build_model_llm

    llm: LLM = build_model_llm(settings)
    return llm


def open_index(
    settings: Settings,
    dimension: int,
    opensearch_url: str | None = None,
    index_name: str = DEFAULT_INDEX_NAME,
) -> VectorIndex:
    if opensearch_url:
        from devrel.adapters.index_opensearch import OpenSearchIndex

        index = OpenSearchIndex(opensearch_client(opensearch_url, settings.region), index_name, dimension)
        index.ensure_index()
        return index
    return EdgeIndex(knowledge_dir(settings) / "index.sqlite", dimension)


def opensearch_client(url: str, region: str) -> Any:
    """A client for `url`; Amazon OpenSearch Service domains get SigV4 request signing."""
    from urllib.parse import urlparse

    from opensearchpy import OpenSearch

    host = urlparse(url).hostname or ""
    if not host.endswith(".amazonaws.com"):
        return OpenSearch(hosts=[url], timeout=30)
    import boto3
    from opensearchpy import Urllib3AWSV4SignerAuth

    auth = Urllib3AWSV4SignerAuth(boto3.Session().get_credentials(), region, "es")
    return OpenSearch(hosts=[url], http_auth=auth, use_ssl=True, verify_certs=True, timeout=30)


def load_command_settings(data_dir: str | None) -> Settings:
    from devrel.settings import load_settings

    return load_settings(**({"data_dir": Path(data_dir)} if data_dir else {}))


def add_index_arguments(parser: Any) -> None:
    """Options every knowledge command shares: where the index lives."""
    parser.add_argument("--data-dir", help="edge data directory (default: DEVREL_DATA_DIR or ./.devrel)")
    parser.add_argument(
        "--opensearch", metavar="URL", help="use this OpenSearch endpoint instead of the embedded index"
    )
    parser.add_argument("--index-name", default=DEFAULT_INDEX_NAME, help="OpenSearch index name")
