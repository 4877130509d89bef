"""Knowledge: turn a project's docs, code and conversations into searchable chunks and answer from them.

The pieces, in the order data flows through them: `chunkers` split files into `Chunk`s, `ingest`
embeds and writes them to a `VectorIndex` (`index`; adapters `edge_index` and `opensearch_index`),
`retrieval` runs hybrid search, `answering` quotes the best passages with verified `citations`,
and `evaluation` measures retrieval on question/answer data.
"""
