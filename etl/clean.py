"""Generic cleaning of messy exports: header, blank and totals rows, text, numbers, dates.

Everything here works on whole pandas columns, and on the *distinct* values of a column
where the work is per value (a million work orders have a few dozen categories and a
few hundred thousand timestamps), so a big file costs little more than parsing it.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import settings
from etl.areamatch import normalize_text as normalize_text_value
from etl.extract import RefusedFile, Sheet

HEADER_SCAN_ROWS = 20
TOTALS = re.compile(r"^(总?合计|总计|小计|合\s*计|总\s*计)")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def normalize_cell(text: object) -> str:
    """NFKC (full-width -> half-width), trimmed, runs of spaces made one, no space
    next to a Chinese character (``汇泉路 社区`` is ``汇泉路社区``), no zero-width marks."""
    if not isinstance(text, str):
        return ""
    return normalize_text_value(text)


def header_key(text: str) -> str:
    """How header cells are compared: no spaces, no marks like ``*``/``：``, lower case."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*:：()（）\[\]【】]+", "", text).lower()


def per_value(series: pd.Series, func) -> pd.Series:
    """``func`` applied once per distinct value, spread back over the column."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return pd.Series(_spread(codes, [func(u) for u in uniques], func("")), index=series.index)


def _spread(codes: np.ndarray, values, missing) -> np.ndarray:
    """Per-distinct ``values`` back onto rows (``codes`` from ``pd.factorize``; -1 = missing)."""
    return np.append(np.asarray(values, dtype=object), missing)[codes]


_ASCII_MARKS = ("  ", "\t", "\n", "\r", "\x00 ", " \x00")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # what normalize_cell removes besides spaces


def normalize_text(series: pd.Series) -> pd.Series:
    """Column of clean strings ('' for blanks)."""
    return clean_column(series)[0]


def clean_column(series: pd.Series) -> tuple[pd.Series, np.ndarray | None]:
    """``(clean strings, where blank)``; ``None`` for the mask when no cell is blank.

    A column that is already clean (plain ASCII without stray spaces, or any text in
    NFKC form with no spaces or invisible marks at all: order numbers, ISO dates, most
    names) is checked as one joined string and returned as it is; any other column is
    normalised once per distinct value.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _clean_categorical(series)
    try:
        joined = "\x00" + "\x00".join(series.tolist()) + "\x00"
    except TypeError:  # blanks as None/NaN
        joined = None
    if joined is not None and (
        (joined.isascii() and not any(mark in joined for mark in _ASCII_MARKS))
        or (unicodedata.is_normalized("NFKC", joined) and len(joined.split(None, 1)) == 1
            and not any(mark in joined for mark in _INVISIBLE))
    ):
        return series, (series.eq("").to_numpy() if "\x00\x00" in joined else None)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = np.array([normalize_cell(t) for t in uniques], dtype=object)
    blank = np.append(texts == "", True)[codes]
    return pd.Series(_spread(codes, texts, ""), index=series.index, dtype=str), blank


def _clean_categorical(series: pd.Series) -> tuple[pd.Series, np.ndarray | None]:
    """:func:`clean_column` for a categorical: its categories are cleaned, not its rows.

    Categories that clean to the same text (``电话`` and `` 电话``) become one; a missing
    cell (a short row) is ``''`` like any blank. The result is a categorical again.
    """
    categories = series.cat.categories.to_numpy(dtype=object)
    texts = np.array([normalize_cell(t) for t in categories] + [""], dtype=object)  # last: missing
    numbers, names = pd.factorize(texts)
    codes = numbers[series.cat.codes.to_numpy()]  # code -1 (missing) picks the appended ""
    blank_names = np.asarray(names, dtype=object) == ""
    blank = blank_names[codes] if blank_names.any() else None
    if blank is not None and not blank.any():
        blank = None
    cleaned = pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=str))
    return pd.Series(cleaned, index=series.index), blank


def _totals_rows(cells: pd.Series) -> pd.Series:
    """Where a raw column's cell says 合计/总计 (a totals row), checked once per distinct
    text for a categorical."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        categories = cells.cat.categories.to_numpy(dtype=object)
        says = np.array([isinstance(t, str) and "计" in t and bool(TOTALS.match("".join(normalize_cell(t).split())))
                         for t in categories] + [False], dtype=bool)
        return pd.Series(says[cells.cat.codes.to_numpy()], index=cells.index)
    totals = pd.Series(False, index=cells.index)
    cells = cells.fillna("")
    if "计" not in "".join(cells.tolist()):  # one scan of the column says no totals row
        return totals
    maybe = cells.str.contains("计", regex=False)
    if maybe.any():
        squeezed = cells[maybe].map(lambda s: "".join(normalize_cell(s).split()))
        totals.loc[squeezed.index] |= squeezed.str.match(TOTALS)
    return totals


# --- header ----------------------------------------------------------------------------

@dataclass
class Header:
    """Where the header is and which source column feeds which canonical field."""

    first_row: int  # index into the sheet frame of the (first) header row
    height: int  # 1, or 2 for a two-row merged header
    columns: dict[str, int]  # canonical name -> column position
    labels: dict[str, str]  # canonical name -> header text as found


def locate_header(sheet: Sheet, aliases: dict[str, list[str]], required: list[str]) -> Header:
    """Find the header below any title rows; flatten a two-row merged header.

    ``aliases`` maps each canonical field to the header texts that mean it. The header is
    the row (or pair of rows) among the first rows that names the most known fields.
    """
    lookup = {header_key(alias): name for name, names in aliases.items() for alias in [name, *names]}
    top = sheet.frame.head(HEADER_SCAN_ROWS + 1).fillna("").astype(str).values.tolist()

    def match(labels: list[list[str]]) -> tuple[dict[str, int], dict[str, str]]:
        columns: dict[str, int] = {}
        found: dict[str, str] = {}
        for pos, candidates in enumerate(labels):
            for label in candidates:
                name = lookup.get(header_key(label))
                if name and name not in columns and label.strip():
                    columns[name] = pos
                    found[name] = label.strip()
                    break
        return columns, found

    best: Header | None = None
    for r, row in enumerate(top[:HEADER_SCAN_ROWS]):
        columns, found = match([[cell] for cell in row])
        if best is None or len(columns) > len(best.columns):
            best = Header(r, 1, columns, found)
    for r in range(min(HEADER_SCAN_ROWS, len(top) - 1)):
        upper, lower = top[r], top[r + 1]
        spans, current = [], ""
        for cell in upper:  # a merged cell's text sits in its first column only
            current = cell.strip() or current
            spans.append(current)
        labels = [
            [lower[j], spans[j] + lower[j], upper[j]] if lower[j].strip() else [upper[j]]
            for j in range(len(lower))
        ]
        columns, found = match(labels)
        if best is None or len(columns) > len(best.columns):
            best = Header(r, 2, columns, found)

    missing = [name for name in required if best is None or name not in best.columns]
    if best is None or missing:
        # Name only the headers we recognised: an unrecognised "header" may be a data row
        # with names and phone numbers in it, and messages are stored.
        expected = "、".join(missing)
        recognised = "、".join(best.labels.values()) if best is not None else ""
        raise RefusedFile(
            f"缺少必需的列 / missing required columns: {expected}; "
            f"识别到的列 / columns recognised: {recognised or '无 / none'}"
        )
    return best


# --- rows ------------------------------------------------------------------------------

def tidy(sheet: Sheet, aliases: dict[str, list[str]], required: list[str], keep: list[str] | None = None,
         header: Header | None = None, start: int | None = None, verbatim=frozenset()) -> pd.DataFrame:
    """The data rows under canonical column names, plus ``_row`` (1-based source row).

    Only the canonical fields in ``keep`` (default: all known) are carried on, so columns
    with personal data or unknown content never leave this function. Blank rows and
    totals rows (合计/总计 in one of the first cells) are dropped; text is normalised.
    A chunk of a file comes with the ``header`` found in the file's head, and ``start``
    (its first data row: 0 for every chunk but the first). Cells are found by column
    label, which is the column's position in the file. ``verbatim`` fields are kept
    exactly as written (display text) and never taken for a totals row's label.
    """
    if header is None:
        header = locate_header(sheet, aliases, required)
    if start is None:
        start = header.first_row + header.height
    body = sheet.frame.iloc[start:]
    rows = sheet.row_numbers.iloc[start:]
    wanted = [n for n in (keep if keep is not None else list(aliases)) if n in header.columns]
    data = pd.DataFrame({name: body[header.columns[name]] for name in wanted}, index=body.index)
    # Blank: nothing in any field we keep (a row holding only a name is nothing to load).
    blank = np.ones(len(data), dtype=bool)
    for name in data.columns:
        if name in verbatim:
            data[name] = data[name].fillna("")
            empty = data[name].eq("").to_numpy()
        else:
            data[name], empty = clean_column(data[name])
        blank = blank & empty if empty is not None else np.zeros(len(data), dtype=bool)
    blank = pd.Series(blank, index=body.index)
    # Optional columns the export lacks read as empty, so a source can rely on every field.
    for name in keep if keep is not None else list(aliases):
        if name not in data.columns:
            data[name] = ""
    totals = pd.Series(False, index=body.index)
    display = {header.columns[name] for name in verbatim if name in header.columns}
    for pos in [c for c in range(3) if c in body.columns and c not in display]:
        totals |= _totals_rows(body[pos])
    keep_rows = ~(blank | totals)
    data = data[keep_rows]
    data.insert(0, "_row", rows[keep_rows].astype("int64").to_numpy())
    return data.reset_index(drop=True)


def tidy_chunks(sheets, aliases: dict[str, list[str]], required: list[str], keep: list[str] | None = None,
                header: Header | None = None, verbatim=frozenset()):
    """:func:`tidy` over the chunks of one file: the header is in the first (or given)."""
    for i, sheet in enumerate(sheets):
        if header is None:
            header = locate_header(sheet, aliases, required)
        yield tidy(sheet, aliases, required, keep, header=header, start=None if i == 0 else 0, verbatim=verbatim)


# --- values ----------------------------------------------------------------------------

def _number(text: str) -> float:
    """A finite float, or NaN: "inf", "1e999" or a 400-digit number is not a count anyone made."""
    text = normalize_cell(text).replace(",", "").replace(" ", "")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 0.01
    try:
        number = float(text) * scale if text else np.nan
    except ValueError:
        return np.nan
    return number if math.isfinite(number) else np.nan


def parse_numbers(series: pd.Series) -> pd.Series:
    """Floats from numbers stored as text ("1,234", " 12 ", "１２"); NaN if blank or not a number."""
    return per_value(series, _number).astype("float64")


#: What an amount of money may be written in besides yuan: 万 (ten thousand) and 亿.
AMOUNT_SCALES = {"亿": 100_000_000.0, "万": 10_000.0}
_AMOUNT = re.compile(r"^(?P<sign>-?)\s*[¥￥]?\s*(?P<number>[\d,]*\.?\d+)\s*(?P<scale>[万亿]?)\s*元?$")


def _amount(text: str) -> float:
    """Yuan from an amount as ledgers write it: "12,345.00", "¥1,200", "1.2万", "3000元",
    "0.8万元"; NaN for anything else (a percentage is not an amount)."""
    text = normalize_cell(text).replace(" ", "")
    found = _AMOUNT.match(text)
    if not found:
        return np.nan
    digits = found["number"]
    if "," in digits and not re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", digits):
        return np.nan  # "1,2,3" is a typo, not 123
    number = _number(digits) * AMOUNT_SCALES.get(found["scale"], 1.0)
    if not math.isfinite(number):
        return np.nan
    return round(-number if found["sign"] else number, 2)


def parse_amounts(series: pd.Series) -> pd.Series:
    """Yuan from amounts stored as text ("1.2万" is 12000, "12,345.00" 12345); NaN if blank
    or not an amount. The one place an amount of money is read (``Field(kind="amount")``)."""
    return per_value(series, _amount).astype("float64")


_DATE_SEPARATORS = str.maketrans({"年": "-", "月": "-", "日": " ", "/": "-", ".": "-", "T": " "})
SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
YEARS = (1900, 2200)  # a parsed year outside this is a misread number, not a date
_FIRST_DAY, _AFTER_LAST_DAY = pd.Timestamp(YEARS[0], 1, 1), pd.Timestamp(YEARS[1] + 1, 1, 1)
SERIAL_RANGE = (20000, 80000)  # Excel day numbers of 1954..2119: a date, not a year or an amount


def _datetime_text(text: str) -> str:
    text = normalize_cell(text)
    if not text or SERIAL.match(text):
        return text
    text = text.translate(_DATE_SEPARATORS)
    text = text.replace("时", ":").replace("分", ":").replace("秒", "")
    return " ".join(text.split()).rstrip(":")


def parse_datetimes(series: pd.Series) -> pd.Series:
    """Timestamps from ``2025/3/7 9:05``, ``2025-03-07 09:05:00``, ``2025年3月7日``, Excel serials.

    NaT where blank or unreadable; the caller tells those two apart. A column of many
    distinct times (work orders stamped to the minute) is parsed as ISO 8601 in one
    vectorised call over its rows, a column of few (or a categorical) once per distinct
    text; either way only the texts that failed (Chinese forms, Excel serials) are then
    parsed one by one. A time with a zone (``+08:00``, ``Z``, as APIs write them)
    becomes the warehouse's local wall-clock time without the zone, the way every
    other source writes its times.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        parsed = _parse_texts(series.cat.categories.to_numpy(dtype=object))
        values = np.append(parsed.to_numpy(dtype="datetime64[us]"), np.datetime64("NaT", "us"))
        return pd.Series(values[series.cat.codes.to_numpy()], index=series.index)
    texts = series.to_numpy(dtype=object)
    if len(texts) > DISTINCT_SAMPLE:
        sample = texts[:: max(1, len(texts) // DISTINCT_SAMPLE)]
        if len(set(sample.tolist())) > len(sample) // 4:  # mostly distinct: parse every row
            return pd.Series(_parse_texts(texts).to_numpy(dtype="datetime64[us]"), index=series.index)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = _parse_texts(np.asarray(uniques, dtype=object))
    values = np.append(parsed.to_numpy(dtype="datetime64[us]"), np.datetime64("NaT", "us"))
    return pd.Series(values[codes], index=series.index)


DISTINCT_SAMPLE = 10_000  # rows looked at to tell a column of few distinct values from one of many
_SEPARATOR = "\x1f"  # joins texts for whole-column string operations (never in a date)


def _parse_texts(values: np.ndarray) -> pd.Series:
    """Each text as a timestamp (datetime64[us], NaT where unreadable)."""
    texts = pd.Series(values, dtype=object).fillna("")
    whole = _SEPARATOR.join(texts.tolist()) if len(texts) else ""
    # None when a separator sits inside a cell: then one by one
    joined = whole if whole.count(_SEPARATOR) == max(len(texts) - 1, 0) else None
    if joined is not None and "/" in joined:
        texts = pd.Series(joined.replace("/", "-").split(_SEPARATOR), dtype=object)
    elif joined is None:
        texts = texts.map(lambda t: str(t).replace("/", "-"))
    zoned = np.zeros(len(texts), dtype=bool)
    try:  # most files have no zones: one parse of every text says so
        parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce")
        plain = parsed.dt.tz is None
    except ValueError:  # "mixed timezones"
        plain = False
    if not plain:
        zoned = texts.str.contains(ZONED, na=False).to_numpy(dtype=bool)
        parsed = pd.to_datetime(texts.where(~zoned, ""), format="ISO8601", errors="coerce")
    parsed = parsed.astype("datetime64[us]")
    if zoned.any():
        parsed[zoned] = [_zoned_datetime(t) for t in texts[zoned]]
    # Outside YEARS: a misread number. (Compared as timestamps: no year computed per row.)
    failed = (parsed.isna() | (parsed < _FIRST_DAY) | (parsed >= _AFTER_LAST_DAY)) & ~zoned
    failed &= texts.ne("").to_numpy()
    if failed.any():
        retry = pd.Series(texts[failed].to_numpy(), dtype=object)
        codes, uniques = pd.factorize(retry)
        again = pd.DatetimeIndex([_one_datetime(t) for t in uniques]).as_unit("us").to_numpy()
        parsed[failed] = again[codes]
    return parsed


ZONED = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE | re.MULTILINE)


def _zoned_datetime(text: str):
    """``2026-03-02T01:00:00Z`` -> ``2026-03-02 09:00:00`` (Chengdu wall clock, no zone)."""
    try:
        moment = pd.Timestamp(text.strip())
    except ValueError:
        return pd.NaT
    if moment.tzinfo is None or not YEARS[0] <= moment.year <= YEARS[1]:
        return pd.NaT
    return moment.tz_convert(settings.timezone()).tz_localize(None)


def _one_datetime(text: str):
    """The slow path for one text: Excel serial, Chinese date, odd separators."""
    text = normalize_cell(text)
    if SERIAL.match(text):
        days = float(text)
        if SERIAL_RANGE[0] <= days <= SERIAL_RANGE[1]:
            return (EXCEL_EPOCH + pd.Timedelta(days=days)).round("s")
        return pd.NaT
    value = pd.to_datetime(_datetime_text(text), format="ISO8601", errors="coerce")
    return value if value is not pd.NaT and YEARS[0] <= value.year <= YEARS[1] else pd.NaT


# --- areas -----------------------------------------------------------------------------

def match_area(matcher, *, community: str, street: str = "", district: str = "",
               grid_code: str = "", grid_name: str = "") -> tuple[str | None, str | None]:
    """The finest area a row names: its grid when the grid matches, else its community.

    ``matcher`` is an :class:`etl.areamatch.AreaMatcher`. Returns ``(code, None)`` or
    ``(None, reason)`` with the reason in plain words.
    """
    if grid_code or grid_name:
        found = matcher.grid(number=grid_code or None, name=grid_name or None, community=community or None,
                             street=street or None, district=district or None)
        if found.ok:
            return found.code, None
    found = matcher.community(community, street=street or None, district=district or None)
    return found.code, found.reason
