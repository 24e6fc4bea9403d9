"""Session reduction state: the articles' tables summed by key, kept up to date.

`SessionSums` adds every article's tables (`article_stats`) into small session
tables, summed over their key columns (sizes, categories, reviewer and source
names), and keeps per article only what a figure needs article by article:
pairable units and coincidence features (the cluster bootstrap), and the
unitizing length, activity and chain ends (alpha_U's continuum). `replace`
swaps one article's contribution: its old rows subtracted, the new ones added.
Every summed value is an integer count and every table is kept in one
canonical order, so a state updated article by article is the same, bit for
bit, as one built from scratch (`stats_reduce.figures_of` reads either).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from annotations.metrics.article_stats import ALL_TABLES, ArticleStats
from annotations.metrics.stats_parts import (
    INCLUDED,
    SUMMED,
    Part,
    name_columns,
    parts_of,
)


def group_sum(rows: np.ndarray, keys: int) -> np.ndarray:
    """Rows with equal key columns (the first ``keys``) summed, sorted by key.

    The last column is the rows' multiplicity: groups whose multiplicity is
    zero (every row subtracted again) are dropped.
    """
    if not len(rows):
        return rows
    if keys == 0:
        total = rows.sum(axis=0, keepdims=True)
        return total if total[0, -1] else total[:0]
    code = _key_code(rows[:, :keys])
    if code is None:
        order = np.lexsort(rows[:, :keys].T[::-1])
        rows = rows[order]
        change = np.any(rows[1:, :keys] != rows[:-1, :keys], axis=1)
    else:
        order = np.argsort(code, kind="stable")
        rows, code = rows[order], code[order]
        change = code[1:] != code[:-1]
    starts = np.concatenate([[0], np.flatnonzero(change) + 1])
    summed = np.add.reduceat(rows[:, keys:], starts, axis=0)
    result = np.concatenate([rows[starts, :keys], summed], axis=1)
    return result[result[:, -1] != 0]


def _key_code(keys: np.ndarray) -> np.ndarray | None:
    """One int64 per row ordering as the key columns do (mixed radix), or None
    when a key is negative or the radix would overflow."""
    low, high = keys.min(axis=0), keys.max(axis=0)
    if (low < 0).any():
        return None
    code = np.zeros(len(keys), dtype=np.int64)
    span = 1
    for column in range(keys.shape[1] - 1, -1, -1):
        code += keys[:, column] * span
        span *= int(high[column]) + 1
        if span >= 2**62:
            return None
    return code


class Names:
    """An append-only registry of names (stable ids); live = listed by an article."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []
        self.uses: list[int] = []

    def ids(self, names: Iterable[str], delta: int = 0) -> np.ndarray:
        found = []
        for name in names:
            position = self.index.get(name)
            if position is None:
                position = self.index[name] = len(self.names)
                self.names.append(name)
                self.uses.append(0)
            self.uses[position] += delta
            found.append(position)
        return np.array(found, dtype=np.int64)

    def ranks(self) -> tuple[list[str], np.ndarray]:
        """The live names sorted, and each id's position among them (-1: gone)."""
        live = sorted(
            (name, index)
            for index, name in enumerate(self.names)
            if self.uses[index] > 0
        )
        rank = np.full(max(len(self.names), 1), -1, dtype=np.int64)
        for position, (_, index) in enumerate(live):
            rank[index] = position
        return [name for name, _ in live], rank


class SessionSums:
    """The reduction state of a scope of articles (see the module docstring).

    ``needed``: active reviewers an article needs to take part in alpha_U.
    ``ordinal_k``, ``claim_k``: the number of sourcing and claim categories.
    """

    def __init__(self, *, needed: int, ordinal_k: int, claim_k: int) -> None:
        self.needed = needed
        self.ordinal_k = ordinal_k
        self.claim_k = claim_k
        self.position: dict[Hashable, int] = {}
        self._vectors: dict[str, np.ndarray] | None = None
        self.reviewers = Names()
        self.sources = Names()
        self.parts: dict[Hashable, Part] = {}
        self.order: list[Hashable] = []
        self.sums: dict[str, np.ndarray] = {
            name: np.zeros((0, len(ALL_TABLES[name]) + 1), dtype=np.int64)
            for name in (*SUMMED, *INCLUDED)
        }

    @classmethod
    def of(
        cls,
        stats: Sequence[ArticleStats],
        *,
        needed: int,
        ordinal_k: int,
        claim_k: int,
        keys: Sequence[Hashable] | None = None,
    ) -> SessionSums:
        """The state of these articles (``keys`` name them; default positions)."""
        state = cls(needed=needed, ordinal_k=ordinal_k, claim_k=claim_k)
        keys = list(range(len(stats))) if keys is None else list(keys)
        state.order = keys
        state.position = {key: index for index, key in enumerate(keys)}
        parts, rows = state._parts(stats, sign=1)
        state.parts = dict(zip(keys, parts, strict=True))
        state._add(rows)
        return state

    def replace(self, key: Hashable, stats: ArticleStats) -> None:
        """Swap one article's contribution (its old one subtracted)."""
        old = self.parts.get(key)
        if old is None:
            raise KeyError(key)
        _, removed = self._parts([old.stats], sign=-1)
        (part,), added = self._parts([stats], sign=1)
        self.parts[key] = part
        if self._vectors is not None:
            position = self.position[key]
            for name, value in self._part_vectors(part).items():
                self._vectors[name][position] = value
            self._ends_splice(position, part.ends)
        self._add({name: [removed[name], added[name]] for name in self.sums})

    def _add(self, rows: dict[str, list[np.ndarray] | np.ndarray]) -> None:
        for name, blocks in rows.items():
            blocks = blocks if isinstance(blocks, list) else [blocks]
            keys = SUMMED.get(name, INCLUDED.get(name))
            self.sums[name] = group_sum(
                np.concatenate([self.sums[name], *blocks]), keys
            )

    def _parts(
        self, stats: Sequence[ArticleStats], *, sign: int
    ) -> tuple[list[Part], dict[str, np.ndarray]]:
        """Each article's Part and the signed rows of every summed table."""
        return parts_of(self, stats, sign=sign)

    def table(self, name: str, rank: dict[str, np.ndarray]) -> np.ndarray:
        """A summed table, names as positions in the sorted live names."""
        return self.ranked(name, rank)[:, :-1]

    def ranked(self, name: str, rank: dict[str, np.ndarray]) -> np.ndarray:
        """A summed table with its multiplicity column, names as sorted
        positions, rows sorted by key (so the order does not depend on when
        each name was first seen)."""
        rows = self.sums[name].copy()
        columns = name_columns(name)
        for column, kind in columns:
            rows[:, column] = rank[kind][rows[:, column]]
        keys = SUMMED.get(name, INCLUDED.get(name))
        if columns and keys and len(rows):
            rows = rows[np.lexsort(rows[:, :keys].T[::-1])]
        return rows

    def in_order(self) -> list[Part]:
        return [self.parts[key] for key in self.order]

    def vectors(self) -> dict[str, np.ndarray]:
        """Per article, in order: pairable units, included in alpha_U, length,
        ordinal features and the dense claim-type features (kept up to date)."""
        if self._vectors is None:
            rows = [self._part_vectors(part) for part in self.in_order()]
            widths = {
                "ordinal": self.ordinal_k * (self.ordinal_k + 1) // 2,
                "claim": self.claim_k + 1,
            }
            self._vectors = {
                name: np.array([row[name] for row in rows], dtype=dtype).reshape(
                    (len(rows), widths[name]) if name in widths else len(rows)
                )
                for name, dtype in (
                    ("pairable", float),
                    ("included", bool),
                    ("length", float),
                    ("ordinal", float),
                    ("claim", float),
                )
            }
        return self._vectors

    def ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Every article's unitizing ends (reviewer as registry id), in order,
        and each row's article position."""
        vectors = self.vectors()
        if "ends" not in vectors:
            blocks = [part.ends for part in self.in_order()]
            vectors["ends"] = np.concatenate(
                blocks or [np.zeros((0, 4), dtype=np.int64)]
            ).reshape(-1, 4)
            vectors["ends_article"] = np.repeat(
                np.arange(len(blocks)), [len(block) for block in blocks]
            )
        return vectors["ends"], vectors["ends_article"]

    def _ends_splice(self, position: int, ends: np.ndarray) -> None:
        vectors = self._vectors
        if vectors is None or "ends" not in vectors:
            return
        rows, article = vectors["ends"], vectors["ends_article"]
        low, high = np.searchsorted(article, [position, position + 1])
        vectors["ends"] = np.concatenate([rows[:low], ends, rows[high:]])
        vectors["ends_article"] = np.concatenate(
            [article[:low], np.full(len(ends), position), article[high:]]
        )

    def _part_vectors(self, part: Part) -> dict[str, Any]:
        columns, data = part.nominal["claim_type"]
        claim = np.zeros(self.claim_k + 1)
        np.add.at(claim, np.where(columns < 0, self.claim_k, columns), data)
        return {
            "pairable": part.pairable,
            "included": part.included,
            "length": float(part.length if part.included else 0),
            "ordinal": part.ordinal,
            "claim": claim,
        }
