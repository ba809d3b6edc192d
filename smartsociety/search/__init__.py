"""Full-text search (Whoosh): the only package that imports whoosh.

From outside this package use `search.service` (searching, similar(), the index) and
`search.registry` (document types); the engine in search/engine/ is private to it."""
