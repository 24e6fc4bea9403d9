"""Storage of per-article statistics: one bytes value per article.

A JSON header (reviewer and source names, row counts) then int64 data, so a
stored row decodes with one `frombuffer` (`article_stats` has the tables).
"""

from __future__ import annotations

import json

import numpy as np

from annotations.metrics.article_stats import TABLES, UNIT_TABLES, ArticleStats

_ORDER = tuple(TABLES)


def stats_encode(stats: ArticleStats) -> bytes:
    """A compact bytes form: a JSON header (names, row counts), then int64 data."""
    tables = [stats.table(name) for name in _ORDER]
    header = json.dumps(
        [stats.reviewers, stats.sources, [len(table) for table in tables]],
        separators=(",", ":"),
    ).encode()
    header += b" " * (-(len(header) + 4) % 8)  # keep the data 8-byte aligned
    data = np.concatenate([table.ravel() for table in tables]).astype("<i8")
    return len(header).to_bytes(4, "little") + header + data.tobytes()


def stats_decode(blob: bytes) -> ArticleStats:
    """The inverse of `stats_encode`."""
    blob = bytes(blob)
    size = int.from_bytes(blob[:4], "little")
    reviewers, sources, rows = json.loads(blob[4 : 4 + size])
    data = np.frombuffer(blob, dtype="<i8", offset=4 + size).astype(np.int64)
    tables, position = {}, 0
    for name, count in zip(_ORDER, rows, strict=True):
        width = len(TABLES[name])
        tables[name] = data[position : position + count * width].reshape(count, width)
        position += count * width
    return ArticleStats(reviewers=reviewers, sources=sources, tables=tables)


_UNIT_ORDER = tuple(UNIT_TABLES)


def unit_tables_encode(stats: ArticleStats) -> bytes:
    """The per-unit tables alone (stored apart: only the per-unit bootstrap reads
    them), as int64 data after their row counts."""
    tables = [stats.table(name) for name in _UNIT_ORDER]
    counts = np.array([len(table) for table in tables], dtype="<i8")
    data = np.concatenate([counts, *(table.ravel() for table in tables)])
    return data.astype("<i8").tobytes()


def unit_tables_decode(blob: bytes) -> dict[str, np.ndarray]:
    """The inverse of `unit_tables_encode`; add the result to `ArticleStats.tables`."""
    data = np.frombuffer(bytes(blob), dtype="<i8").astype(np.int64)
    if not len(data):
        return {}
    position, tables = len(_UNIT_ORDER), {}
    for name, count in zip(_UNIT_ORDER, data[: len(_UNIT_ORDER)], strict=True):
        width = len(UNIT_TABLES[name])
        tables[name] = data[position : position + count * width].reshape(-1, width)
        position += int(count) * width
    return tables
