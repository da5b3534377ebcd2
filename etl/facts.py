"""Aggregating source rows into warehouse facts, with whole-column group-bys.

A source builds one frame with ``period``, ``area_code``, its breakdown columns and one
0/1 (or amount) column per metric; these helpers turn that into the tidy fact rows
``(period, area_code, metric_code, dimension, member, value)``. Totals have
``dimension = member = ''``. The text columns of what they return are categoricals
(a million facts name a few dozen metrics, members and areas), so sorting and writing
the facts works on small integer codes; :func:`combine` joins the pieces keeping that.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from etl.groups import distinct_rows, firsts_of, refine, sums
from etl.load import FACT_COLUMNS

KEYS = ["period", "area_code"]
TEXT = ["area_code", "metric_code", "dimension", "member"]


def totals(frame: pd.DataFrame, metrics: list[str], keep_zero: bool = False) -> pd.DataFrame:
    """One total row per period, area and metric.

    Zeros are left out: a flow that is absent for a day and area the source covers is
    zero (the query layer sums), and a big file makes far fewer rows that way.
    """
    if frame.empty:
        return pd.DataFrame(columns=FACT_COLUMNS)
    group, firsts = distinct_rows(frame[KEYS])
    period, area = frame["period"].to_numpy()[firsts], _categorical(frame["area_code"].iloc[firsts])
    parts = []
    for code in metrics:
        value = sums(group, len(firsts), frame[code])
        keep = np.ones(len(value), dtype=bool) if keep_zero else value != 0
        parts.append(_piece(period[keep], area[keep], code, "", _constant("", int(keep.sum())), value[keep]))
    return combine(parts)


def breakdown(frame: pd.DataFrame, metric: str | list[str], dimensions: list[str],
              keep_zero: bool = False) -> pd.DataFrame:
    """``metric`` (or each of several) by each of ``dimensions`` in turn (one fact per
    member that occurs); several metrics by the same breakdown share its grouping."""
    metrics = [metric] if isinstance(metric, str) else list(metric)
    if frame.empty:
        return pd.DataFrame(columns=FACT_COLUMNS)
    base, _ = distinct_rows(frame[KEYS])
    parts = []
    for dimension in dimensions:
        codes, members = pd.factorize(frame[dimension])  # a missing member is no group, as in groupby
        rows = codes >= 0
        group = refine(base[rows], codes[rows], len(members))
        firsts = firsts_of(group)
        where = np.flatnonzero(rows)[firsts]
        period = frame["period"].to_numpy()[where]
        area, member = _categorical(frame["area_code"].iloc[where]), _categorical(frame[dimension].iloc[where])
        for code in metrics:
            value = sums(group, len(firsts), frame[code][rows])
            keep = np.ones(len(value), dtype=bool) if keep_zero else value != 0
            parts.append(_piece(period[keep], area[keep], code, dimension, member[keep], value[keep]))
    return combine(parts)


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Fact pieces as one frame; text columns stay categorical when every piece's is."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=FACT_COLUMNS)
    if len(parts) == 1:
        return parts[0][FACT_COLUMNS].reset_index(drop=True)
    columns = {}
    for name in FACT_COLUMNS:
        pieces = [p[name] for p in parts]
        if name in TEXT and all(isinstance(p.dtype, pd.CategoricalDtype) for p in pieces):
            columns[name] = pd.Series(union_categoricals([_as_text_categories(p) for p in pieces]))
        else:
            columns[name] = pd.concat(pieces, ignore_index=True)
    return pd.DataFrame(columns)[FACT_COLUMNS]


def _piece(period, area: pd.Categorical, metric: str, dimension: str, member: pd.Categorical,
           value: np.ndarray) -> pd.DataFrame:
    n = len(value)
    return pd.DataFrame({
        "period": period, "area_code": area, "metric_code": _constant(metric, n),
        "dimension": _constant(dimension, n), "member": member, "value": value,
    })


def _constant(text: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([text], dtype=str))


def _categorical(values) -> pd.Categorical:
    """Values (a group-by level of any dtype) as a categorical with text categories."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        found = pd.Categorical(values)
        codes, uniques = found.codes, found.categories
    else:
        codes, uniques = pd.factorize(values)
    text = pd.Index(uniques).astype(str)
    if text.has_duplicates:  # e.g. 1 and "1": one member as stored
        return pd.Categorical(np.asarray(text, dtype=object)[codes])
    return pd.Categorical.from_codes(codes, categories=text)


def _as_text_categories(values) -> pd.Categorical:
    found = pd.Categorical(values)
    return found if found.categories.dtype == "str" else _categorical(found)
