"""Tables for people to take away: CSV and Excel bytes, small counts masked, no formulas.

Three things make a download safe to hand on:

- counts of people below a threshold are shown as "<5", never exactly, so a breakdown of
  a small community cannot point at one resident; and where a total is shown with its
  parts, enough further cells are hidden ("*", ``suppress``) that no masked cell can be
  worked out as the total minus its siblings;
- text that a spreadsheet would run as a formula (starting with = + - @, a tab or a
  carriage return) is prefixed with a single quote, so an area or category name that
  came from a source export can never execute in the reader's Excel;
- CSV is UTF-8 with a byte-order mark, which is what makes Excel open Chinese correctly.
"""
from __future__ import annotations

import io
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

PEOPLE_UNITS = frozenset({"人", "人次"})
SMALL_COUNT_THRESHOLD = 5
SMALL = f"<{SMALL_COUNT_THRESHOLD}"  # a count of people between 0 and the threshold
SUPPRESSED = "*"  # hidden so that a small count cannot be worked out from a total
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_SHEET_NAME_LIMIT = 31


def counts_people(unit: str | None) -> bool:
    """True for units that count people (人, 人次): their small cells are masked."""
    return (unit or "").strip() in PEOPLE_UNITS


def mask_value(value, threshold: int = SMALL_COUNT_THRESHOLD):
    """``"<5"`` for a count above zero and below ``threshold``; anything else unchanged.

    Zero stays zero: it discloses nobody, and a reader needs to tell "none" from "a few".
    """
    if value is None or isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if pd.isna(number):
        return value
    return f"<{threshold}" if 0 < number < threshold else value


def _number(value) -> float:
    """A cell as a number: 0 for a missing one (it adds nothing to a total)."""
    if value is None or isinstance(value, (bool, str)) or math.isnan(float(value)):
        return 0.0
    return float(value)


def _small(value, threshold: int) -> bool:
    return 0 < _number(value) < threshold


def _pinned(total, parts: Sequence, values: Mapping, hidden: Mapping, threshold: int) -> list:
    """The hidden cells of one "total = sum of parts" that a reader can pin to one value.

    A reader knows a visible cell exactly, a "<5" to lie between 1 and 4, a "*" to be at
    least 5 (it was not small), and a total of ``None`` (shown elsewhere) exactly.
    """
    def bounds(key) -> tuple[float, float]:
        if key in hidden:
            return (float(threshold), math.inf) if hidden[key] == SUPPRESSED else (1.0, threshold - 1.0)
        value = _number(values.get(key))
        return value, value

    part_bounds = [bounds(k) for k in parts]
    if total is None:
        low_total = high_total = sum(_number(values.get(k)) for k in parts)
    else:
        low_total, high_total = bounds(total)
    found = []
    for i, key in enumerate(parts):
        if key in hidden:
            others = part_bounds[:i] + part_bounds[i + 1:]
            low, high = part_bounds[i]
            lo = max(low, low_total - sum(b[1] for b in others))
            hi = min(high, high_total - sum(b[0] for b in others))
            if lo == hi:
                found.append(key)
    low_sum, high_sum = sum(b[0] for b in part_bounds), sum(b[1] for b in part_bounds)
    if total is not None and total in hidden and max(low_total, low_sum) == min(high_total, high_sum):
        found.append(total)
    return found


def suppress(values: Mapping[Any, Any], groups: Iterable[tuple[Hashable | None, Sequence[Hashable]]],
             threshold: int = SMALL_COUNT_THRESHOLD) -> dict[Any, str]:
    """The one masking rule: {cell: "<5" or "*"} for the cells of counts of people to hide.

    ``values`` are the cells one view shows (totals included); each group says a total
    equals the sum of its parts (``total`` None: the total is known elsewhere, exactly).
    Primary: a count between 0 and ``threshold`` is "<5" (zero stays zero: it discloses
    nobody). Secondary: while a reader could work a hidden cell out from a group's total
    and the cells still shown, the smallest shown non-zero part is hidden as "*" (the
    total itself when no part is left). Groups are revisited until nothing changes, so a
    cell hidden for one group is safe in every other group it belongs to.
    """
    groups = [(total, list(parts)) for total, parts in groups]
    hidden: dict[Any, str] = {k: f"<{threshold}" for k, v in values.items() if _small(v, threshold)}
    changed = bool(hidden)
    while changed:
        changed = False
        for total, parts in groups:
            if not any(k in hidden for k in parts) and total not in hidden:
                continue
            while _pinned(total, parts, values, hidden, threshold):
                shown = [k for k in parts if k not in hidden and _number(values.get(k)) > 0]
                if shown:
                    pick = min(shown, key=lambda k: _number(values.get(k)))
                elif total is not None and total not in hidden:
                    pick = total
                else:
                    break
                hidden[pick] = SUPPRESSED
                changed = True
    return hidden


def suppress_columns(df: pd.DataFrame, columns: Iterable[str], threshold: int = SMALL_COUNT_THRESHOLD) -> pd.DataFrame:
    """A copy of ``df`` whose ``columns`` are masked by ``suppress``, each column one group
    whose total is shown elsewhere (a league table of child areas under the area's figure)."""
    masked = df.copy()
    for column in columns:
        if column not in masked.columns:
            raise KeyError(f"suppress_columns: no column {column!r} (columns: {', '.join(map(str, df.columns))})")
        cells = dict(enumerate(masked[column].tolist()))
        hidden = suppress(cells, [(None, list(cells))], threshold)
        masked[column] = pd.Series([hidden.get(i, v) for i, v in cells.items()], index=masked.index, dtype=object)
    return masked


def mask_small_counts(df: pd.DataFrame, columns: Iterable[str], threshold: int = SMALL_COUNT_THRESHOLD) -> pd.DataFrame:
    """A copy of ``df`` whose ``columns`` show counts between 0 and ``threshold`` as "<5".

    Primary masking only: for cells that add up to no figure shown anywhere. Where they
    do, use ``suppress`` / ``suppress_columns``. The masked columns become object columns mixing numbers and the "<5" text.
    """
    masked = df.copy()
    for column in columns:
        if column not in masked.columns:
            raise KeyError(f"mask_small_counts: no column {column!r} (columns: {', '.join(map(str, df.columns))})")
        masked[column] = pd.Series(
            [mask_value(v, threshold) for v in masked[column].tolist()], index=masked.index, dtype=object
        )
    return masked


def neutralise(value):
    """Text a spreadsheet would run as a formula, prefixed with a single quote; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and header) made safe to open in a spreadsheet."""
    safe = df.copy()
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    for column in safe.columns:
        series = safe[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            safe[column] = pd.Series([neutralise(v) for v in series.tolist()], index=safe.index, dtype=object)
    return safe


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads Chinese), formulas neutralised."""
    return neutralise_formulas(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _sheet_name(name: str, taken: set[str]) -> str:
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(name)).strip("'") or "Sheet"
    cleaned = cleaned[:EXCEL_SHEET_NAME_LIMIT]
    candidate, n = cleaned, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = cleaned[: EXCEL_SHEET_NAME_LIMIT - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


def to_excel_bytes(sheets: pd.DataFrame | Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table, formulas neutralised.

    xlsxwriter is also told never to turn text into formulas or links, so a cell is
    always exactly the text or number it holds.
    """
    if isinstance(sheets, pd.DataFrame):
        sheets = {"data": sheets}
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        taken: set[str] = set()
        for name, df in sheets.items():
            sheet = _sheet_name(name, taken)
            neutralise_formulas(df).to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            for i, column in enumerate(df.columns):
                longest = max([len(str(column))] + [len(str(v)) for v in df[column].head(200).tolist()])
                worksheet.set_column(i, i, min(40, max(8, longest * 1.6)))
    return buffer.getvalue()


def download_name(*parts: str, ext: str) -> str:
    """A file name from readable parts (metric, area, dates), safe on every system."""
    text = "_".join(str(p) for p in parts if p)
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)
    return f"{cleaned or 'data'}.{ext}"
