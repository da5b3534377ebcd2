"""Aggregating source rows into warehouse facts, with whole-column group-bys.

A source builds one frame with ``period``, ``area_code``, its breakdown columns and one
0/1 (or amount) column per metric; these helpers turn that into the tidy fact rows
``(period, area_code, metric_code, dimension, member, value)``. Totals have
``dimension = member = ''``.
"""
from __future__ import annotations

import pandas as pd

from etl.load import FACT_COLUMNS

KEYS = ["period", "area_code"]


def totals(frame: pd.DataFrame, metrics: list[str], keep_zero: bool = False) -> pd.DataFrame:
    """One total row per period, area and metric.

    Zeros are left out: a flow that is absent for a day and area the source covers is
    zero (the query layer sums), and a big file makes far fewer rows that way.
    """
    if frame.empty:
        return pd.DataFrame(columns=FACT_COLUMNS)
    summed = frame.groupby(KEYS, sort=False, observed=True)[metrics].sum().reset_index()
    long = summed.melt(id_vars=KEYS, value_vars=metrics, var_name="metric_code", value_name="value")
    if not keep_zero:
        long = long[long["value"] != 0]
    long["dimension"] = ""
    long["member"] = ""
    return long[FACT_COLUMNS]


def breakdown(frame: pd.DataFrame, metric: str, dimensions: list[str], keep_zero: bool = False) -> pd.DataFrame:
    """``metric`` by each of ``dimensions`` in turn (one fact per member that occurs)."""
    parts = []
    for dimension in dimensions:
        summed = frame.groupby([*KEYS, dimension], sort=False, observed=True)[metric].sum().reset_index()
        if not keep_zero:
            summed = summed[summed[metric] != 0]
        parts.append(pd.DataFrame({
            "period": summed["period"],
            "area_code": summed["area_code"],
            "metric_code": metric,
            "dimension": dimension,
            "member": summed[dimension].astype(str),
            "value": summed[metric],
        }))
    if not parts:
        return pd.DataFrame(columns=FACT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[FACT_COLUMNS]
