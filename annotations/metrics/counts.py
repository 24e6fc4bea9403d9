"""Reliability data (reviewers x units) turned into values x units count matrices."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np

# Bit-packed counting needs (number of integer values) x (bits per count) <= 63.
_PACKED_BITS = 63


def is_missing(value: Any) -> bool:
    """None and NaN mark a missing judgement."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN is the only value unequal to itself
    except (TypeError, ValueError):
        return False


def _counts_from_codes(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Values x units count matrix from reviewer x unit codes (-1 = missing)."""
    n_units = codes.shape[1]
    _, unit_index = np.nonzero(codes >= 0)
    flat = codes[codes >= 0] * n_units + unit_index
    counts = np.bincount(flat, minlength=n_values * n_units)
    return counts.reshape(n_values, n_units).astype(float)


def _packed_integer_counts(
    values: np.ndarray, low: float, high: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """Counts per unit of the integers in low..high that occur, and those values.

    The fast path for small integer codes: each reviewer row adds, per unit,
    2^(bits * slot) to a 64-bit accumulator, so a unit's value counts land in
    separate bit fields (missing values in one more field on top) and one loop
    over reviewers, never over units, counts everything a cache-sized row at a
    time.  None when the values are not integers or the fields do not fit.
    """
    reviewers, n_units = values.shape
    bits = reviewers.bit_length()  # a count is at most `reviewers` < 2^bits
    slots = high - low + 1
    if low != math.floor(low) or (slots + 1) * bits > _PACKED_BITS:
        return None
    slots = int(slots)
    packed = np.zeros(n_units, dtype=np.int64)
    # Reused row buffers: fresh ones per row would page-fault on every call.
    slot, code = np.empty(n_units), np.empty(n_units, dtype=np.int64)
    for row in values:
        if low:
            row = np.subtract(row, low, out=slot)
        np.fmin(row, slots, out=slot)  # NaN (missing) goes to the top slot
        np.copyto(code, slot, casting="unsafe")
        if np.count_nonzero(code != slot):  # the cast dropped a fraction
            return None
        np.left_shift(1, np.multiply(code, bits, out=code), out=code)
        packed += code
    shifts = bits * np.arange(slots, dtype=np.int64)
    mask = (1 << bits) - 1
    used = (np.bitwise_or.reduce(packed) >> shifts) & mask != 0
    counts = (packed[None, :] >> shifts[used, None]) & mask
    return counts.astype(float), low + np.flatnonzero(used)


def _numeric_counts(
    values: np.ndarray, value_domain: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Values x units counts and the domain for a float matrix (NaN = missing)."""
    domain = None
    if value_domain is not None:
        domain = np.asarray(value_domain, dtype=float)
        if len(np.unique(domain)) != len(domain):
            raise ValueError("value_domain has duplicates")
    n_units = values.shape[1]
    low = np.fmin.reduce(values, axis=None, initial=np.nan)
    high = np.fmax.reduce(values, axis=None, initial=np.nan)
    if np.isnan(low):  # nothing coded at all
        domain = np.empty(0) if domain is None else domain
        return np.zeros((len(domain), n_units)), domain
    packed = _packed_integer_counts(values, low, high)
    if packed is not None:
        observed_counts, observed_values = packed
        if domain is None:
            return observed_counts, observed_values
        position = {value: row for row, value in enumerate(domain.tolist())}
        try:
            rows = [position[value] for value in observed_values.tolist()]
        except KeyError as error:
            raise ValueError(
                f"value {error.args[0]!r} is outside value_domain"
            ) from None
        counts = np.zeros((len(domain), n_units))
        counts[rows] = observed_counts
        return counts, domain
    present = ~np.isnan(values)
    observed = values[present]
    codes = np.full(values.shape, -1, dtype=np.int64)
    if domain is None:
        domain, codes[present] = np.unique(observed, return_inverse=True)
    else:
        order = np.argsort(domain, kind="stable")
        position = np.searchsorted(domain[order], observed).clip(0, len(domain) - 1)
        if len(domain) == 0 or not np.array_equal(domain[order][position], observed):
            raise ValueError("data holds values outside value_domain")
        codes[present] = order[position]
    return _counts_from_codes(codes, len(domain)), domain


def value_counts(
    data: Any, level: str, value_domain: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Values x units count matrix, plus the numeric values when there are any."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        if data.ndim != 2:
            raise ValueError("data must be reviewers x units")
        return _numeric_counts(data.astype(float, copy=False), value_domain)
    table = np.asarray(data, dtype=object)
    if table.ndim != 2:
        raise ValueError("data must be reviewers x units")
    flat = table.ravel()
    present = np.array([not is_missing(value) for value in flat], dtype=bool)
    observed = flat[present]
    if all(
        isinstance(value, Real) and not isinstance(value, bool) for value in observed
    ):
        numeric = np.full(flat.shape, np.nan)
        numeric[present] = observed.astype(float)
        return _numeric_counts(numeric.reshape(table.shape), value_domain)
    if level in ("interval", "ratio"):
        raise ValueError(f"{level} alpha needs numeric values")
    if value_domain is None:
        if level == "ordinal":
            raise ValueError("ordinal alpha of non-numeric values needs value_domain")
        seen = dict.fromkeys(observed)
        try:
            labels = sorted(seen)
        except TypeError:
            labels = list(seen)
    else:
        labels = list(value_domain)
    index = {label: code for code, label in enumerate(labels)}
    if len(index) != len(labels):
        raise ValueError("value_domain has duplicates")
    try:
        coded = [index[value] for value in observed]
    except KeyError as error:
        raise ValueError(f"value {error.args[0]!r} is outside value_domain") from None
    codes = np.full(flat.shape, -1, dtype=np.int64)
    codes[present] = coded
    return _counts_from_codes(codes.reshape(table.shape), len(labels)), None


def distinct_rows(units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a units x values count matrix, and each unit's row.

    Rows are packed into one 64-bit key when they fit, so a 1-D sort replaces
    the much slower row-wise (lexicographic) np.unique.
    """
    n_values = units.shape[1]
    bits = max(int(units.max(initial=0)).bit_length(), 1)
    if n_values * bits <= _PACKED_BITS:
        shifts = bits * np.arange(n_values, dtype=np.int64)
        keys = (units.astype(np.int64) << shifts).sum(axis=1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return units[first], inverse.ravel()
    patterns, inverse = np.unique(units, axis=0, return_inverse=True)
    return patterns, inverse.ravel()
