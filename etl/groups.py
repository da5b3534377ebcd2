"""Numbering the distinct rows of a few columns, for group-bys on integer codes.

``pandas.groupby`` re-derives its group codes for every call and every breakdown; a
source that sums a million rows by day, area and three breakdowns does that work once
here and sums with ``numpy.bincount``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def distinct_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(group, firsts)``: each row's number among the distinct rows of ``frame`` (in order
    of first appearance), and the position of each distinct row's first occurrence.
    A missing value is a value like any other."""
    # The columns' codes as one int64 per row, numbered by first appearance in one hash
    # pass at the end (what refining column by column gives, in fewer passes).
    combined, span = np.zeros(len(frame), dtype=np.int64), 1.0
    for name in frame.columns:
        codes, uniques = pd.factorize(frame[name], use_na_sentinel=False)
        span *= max(len(uniques), 1)
        if span >= 2.0**62:  # too many combinations for one int64: refine column by column
            return _refined(frame)
        combined = combined * max(len(uniques), 1) + codes
    group = pd.factorize(combined)[0].astype(np.int64, copy=False) if len(frame.columns) else combined
    return group, firsts_of(group)


def _refined(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    group = np.zeros(len(frame), dtype=np.int64)
    for name in frame.columns:
        codes, uniques = pd.factorize(frame[name], use_na_sentinel=False)
        group = refine(group, codes, len(uniques))
    return group, firsts_of(group)


def refine(group: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """Groups split further by ``codes`` (``0 <= codes < size``), numbered by first appearance."""
    if not len(group):
        return group
    span = (int(group.max()) + 1) * (size + 1)
    combined = group * (size + 1) + codes
    if span > 8 * len(group) + 4096:  # sparse combinations: a hash table
        numbered, _ = pd.factorize(combined)
        return numbered.astype(np.int64, copy=False)
    # Dense: where each combination first occurs (assigning backwards, the first write
    # of a repeated index is the one that stays), then number them in that order.
    first = np.full(span, len(group), dtype=np.int64)
    first[combined[::-1]] = np.arange(len(group) - 1, -1, -1)
    present = np.flatnonzero(first < len(group))
    number = np.empty(span, dtype=np.int64)
    number[present[np.argsort(first[present], kind="stable")]] = np.arange(len(present))
    return number[combined]


def firsts_of(group: np.ndarray) -> np.ndarray:
    """Where each group first occurs (groups numbered in order of first appearance, so a
    group is new exactly where the running maximum grows)."""
    if not len(group):
        return group
    running = np.maximum.accumulate(group)
    return np.flatnonzero(np.r_[True, running[1:] > running[:-1]])


def sums(group: np.ndarray, count: int, values: pd.Series) -> np.ndarray:
    """Per-group sums of ``values`` (missing counts as nothing, as in ``groupby().sum()``):
    exact integer sums by ``bincount`` for whole numbers, pandas' own for anything else."""
    array = values.to_numpy()
    if array.dtype.kind in "biu":
        return np.bincount(group, weights=array, minlength=count).round().astype(np.int64)
    return values.groupby(group, sort=True).sum().reindex(range(count), fill_value=0).to_numpy()
