"""Knowledge: turn a project's docs, code and conversations into searchable chunks and answer from them.

In the order data flows: `chunkers` and `conversations` split files, issue threads and FAQ entries
into `Chunk`s; `ingest` embeds and writes them, incrementally, to a `VectorIndex` (`index`; adapters
`edge_index` and `opensearch_index`), with `reindex` and `github_threads` feeding it on a schedule;
`retrieval` runs hybrid search; `answering` quotes the best passages with `citations` it has
checked; `evaluation` measures retrieval on question/answer data. `wiring` builds it all from settings.
"""
