"""What a source's columns must hold, and turning failing rows into plain-words rejects.

A source declares its columns as :class:`Field` objects. :func:`validate` parses every
column at once, finds the failing rows with vectorised checks, and writes a message only
for those rows: ``row 12, 满意度: '很好' 不是允许的值 / is not an allowed value``.
A failing row is set aside; the rest of the file loads. A field that is not ``essential``
costs only what depends on it: its unusable cell is blanked and the row is kept, with a
*warning* (row, field and reason, stored beside the rejects) instead of a refusal.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from data import settings
from etl.clean import parse_amounts, parse_datetimes, parse_numbers

KINDS = ("text", "datetime", "number", "amount")  # amount: money in yuan ("1.2万", "12,345.00")
REJECT_COLUMNS = ["row_number", "field", "reason", "raw"]


@dataclass(frozen=True)
class Field:
    """One column of an export.

    ``name`` is the canonical header (as in DOMAIN.md) and ``aliases`` the other headers
    that mean the same. ``essential=False`` marks a column whose bad cell must not cost the
    row: only the figures that depend on it. ``personal`` columns are recognised only to be dropped: they
    never leave the extract step. ``required`` columns must be in the header or the file
    is refused; ``nullable=False`` cells must hold a value or the row is rejected.
    ``verbatim`` columns (titles, bodies) skip the text cleaning that folds full-width
    punctuation and line breaks. ``few`` says the column holds few distinct values
    (statuses, channels, area names; by default a text column with ``allowed`` values):
    a big CSV reads it as a pandas categorical and cleans each distinct value once. Never
    set it on a column of mostly distinct values (order numbers, times): a categorical of
    a million values is slower to read than text. ``pseudonym`` columns (ids that name a
    person) are replaced by keyed pseudonyms as they are read (:mod:`etl.pseudonym`), are
    used to count distinct people only, and are never written, not even in a refused row.
    """

    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | datetime | number | amount
    required: bool = False
    nullable: bool = True
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    personal: bool = False
    not_future: bool = True  # datetimes only
    label_en: str = ""
    verbatim: bool = False  # display text kept exactly as written (no normalising, no totals check)
    few: bool | None = None  # few distinct values: read as a categorical (default: text with allowed values)
    essential: bool = True  # False: an unusable cell is blanked with a warning, the row kept
    pseudonym: str = ""  # an id naming a person: replaced on reading by its keyed pseudonym (etl.pseudonym) in this namespace

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")

    @property
    def few_values(self) -> bool:
        """Whether a big CSV reads this column as a categorical."""
        if self.personal or self.verbatim or self.pseudonym:
            return False
        if self.few is not None:
            return self.few
        return self.kind == "text" and self.allowed is not None

    @property
    def title(self) -> str:
        return f"{self.name} ({self.label_en})" if self.label_en else self.name


@dataclass
class Checked:
    """The rows that passed, typed, and one reject row per failing (row, field)."""

    rows: pd.DataFrame
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    rows_read: int = 0
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))

    @property
    def rows_rejected(self) -> int:
        return int(self.rejects["row_number"].nunique()) if len(self.rejects) else 0


def aliases(fields: list[Field]) -> dict[str, list[str]]:
    return {f.name: list(f.aliases) for f in fields}


def raw_json(rows: pd.DataFrame, fields: list[Field]) -> pd.Series:
    """Each row as JSON with its cells as read, personal-data and pseudonymised fields never included."""
    names = [f.name for f in fields if not f.personal and not f.pseudonym and f.name in rows.columns]
    records = rows[names].to_dict(orient="records")
    return pd.Series([json.dumps(r, ensure_ascii=False, default=_plain) for r in records],
                     index=rows.index, dtype=object)


def _plain(value) -> str:
    """Typed cells (after validation) back to text: timestamps, numbers, blanks."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value)


def validate(rows: pd.DataFrame, fields: list[Field], now: datetime | None = None) -> Checked:
    """Parse and check every column; failing rows become rejects, the others load.

    ``rows`` comes from :func:`etl.clean.tidy`: clean text cells and ``_row``.
    """
    now = pd.Timestamp(now or settings.local_now())
    typed = rows.copy(deep=False)  # copy-on-write: typed columns replace, never alter, the text ones
    problems: list[tuple[pd.Series, str, str]] = []  # (failing mask, field, reason template)

    for f in fields:
        if f.personal or f.name not in rows.columns:
            continue
        text = rows[f.name]
        empty = _blank(text)
        if not f.nullable:
            problems.append((empty, f.name, f"{f.title} 为空 / is empty"))
        if f.kind == "datetime":
            values = parse_datetimes(text)
            typed[f.name] = values
            problems.append((values.isna() & ~empty, f.name,
                             "{value!r} 不是可识别的日期时间 / is not a date or time we can read"))
            if f.not_future:
                problems.append((values > now, f.name, "{value!r} 晚于当前时间 / is in the future"))
        elif f.kind in ("number", "amount"):
            values = parse_numbers(text) if f.kind == "number" else parse_amounts(text)
            typed[f.name] = values
            problems.append((values.isna() & ~empty, f.name, "{value!r} 不是数字 / is not a number" if f.kind == "number"
                             else "{value!r} 不是可识别的金额 / is not an amount we can read (e.g. 12,345.00, 1.2万)"))
            if f.minimum is not None:
                problems.append((values < f.minimum, f.name,
                                 f"{{value!r}} 小于 {f.minimum:g} / is below {f.minimum:g}"))
            if f.maximum is not None:
                problems.append((values > f.maximum, f.name,
                                 f"{{value!r}} 大于 {f.maximum:g} / is above {f.maximum:g}"))
        elif f.allowed is not None:
            allowed = "、".join(f.allowed)
            problems.append((~text.isin(f.allowed) & ~empty, f.name,
                             f"{{value!r}} 不是允许的值 / is not an allowed value (允许 / allowed: {allowed})"))

    kept, rejects, warned = _sort_out(rows, typed, fields, problems, first_reason_only=False)
    return Checked(kept, rejects, rows_read=len(rows), warnings=warned)


def screen(rows: pd.DataFrame, fields: list[Field], checks) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Checks a source makes after :func:`validate`, sorted by the field they name.

    ``checks`` is a list of ``(mask, field name, reason)`` as for :func:`reject_frame`. A
    failing *essential* field refuses its row (one reason a row: the first check that
    fails); a failing non-essential field blanks its cell (``""``, NaN or NaT), keeps the
    row and gives a warning. Returns the rows kept, the rejects and the warnings.
    """
    kept, rejects, warned = _sort_out(rows, rows.copy(deep=False), fields, checks, first_reason_only=True)
    return kept, rejects, warned


def essential(fields: list[Field], name: str) -> bool:
    """Whether a failing ``name`` costs its row (a name that is no field is essential)."""
    return next((f.essential for f in fields if f.name == name), True)


def _sort_out(rows: pd.DataFrame, typed: pd.DataFrame, fields: list[Field], problems, *,
              first_reason_only: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The one rule for a failing cell: refuse the row if its field is essential, else
    blank the cell in ``typed`` and warn. Rows kept (from ``typed``), rejects, warnings."""
    problems = [(m.reindex(rows.index, fill_value=False).fillna(False).astype(bool), n, r) for m, n, r in problems]
    refusals = [p for p in problems if essential(fields, p[1])]
    warnings = [p for p in problems if not essential(fields, p[1])]
    failing = pd.Series(False, index=rows.index)
    if first_reason_only:
        firsts = []
        for mask, name, reason in refusals:
            firsts.append((mask & ~failing, name, reason))
            failing |= mask
        refusals = firsts
    else:
        for mask, _, _ in refusals:
            failing |= mask
    for mask, name, _ in warnings:  # the cell is unusable, the row is not: blank the cell
        if mask.any():
            typed[name] = _blanked(typed[name], mask)
    rejects = reject_frame(rows, fields, refusals)
    kept = ~failing
    warned = reject_frame(rows, fields, [(mask & kept, name, reason) for mask, name, reason in warnings])
    return typed[kept].reset_index(drop=True), rejects, warned


def _blanked(column: pd.Series, mask: pd.Series) -> pd.Series:
    """``column`` with the masked cells blank: ``""`` in text (also a categorical's), else NaN/NaT."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        if "" not in column.cat.categories:
            column = column.cat.add_categories([""])
        return column.where(~mask, "")
    text = column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
    return column.where(~mask, "" if text else None)


def _blank(text: pd.Series) -> pd.Series:
    """Where a text column is empty (numpy's comparison: no missing-value bookkeeping)."""
    if isinstance(text.dtype, pd.CategoricalDtype):
        return text.eq("")
    return pd.Series(text.to_numpy(dtype=object) == "", index=text.index)


def reject_frame(rows: pd.DataFrame, fields: list[Field], problems) -> pd.DataFrame:
    """Reject rows (row_number, field, reason, raw) for every failing mask, in row order.

    ``problems`` is a list of ``(mask, field name, reason)``; ``reason`` is a template
    where ``{value}`` stands for the cell (``{value!r}`` quotes it), or a Series of
    ready texts aligned with ``rows``. Text is made only for the rows that failed.
    """
    parts = []
    for mask, name, reason in problems:
        if not mask.any():
            continue
        hit = rows.loc[mask]
        if isinstance(reason, pd.Series):
            texts = reason.loc[mask].astype(str)
        else:
            cells = hit[name] if name in hit.columns else pd.Series("", index=hit.index)
            texts = cells.map(lambda v, t=reason: t.format(value=v if isinstance(v, str) else str(v)))
        parts.append(pd.DataFrame({
            "row_number": hit["_row"].astype("int64"),
            "field": name,
            "reason": texts.astype(object),
            "raw": raw_json(hit, fields),
        }))
    if not parts:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("row_number", kind="stable").reset_index(drop=True)


def reject_rows(rows: pd.DataFrame, fields: list[Field], mask: pd.Series, name: str, reason) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``rows`` on ``mask``: the rows that stay, and rejects for the masked ones.

    For checks a source makes after validation (an area that matches nothing, a
    duplicate order number).
    """
    mask = mask.fillna(False).astype(bool)
    return rows[~mask].reset_index(drop=True), reject_frame(rows, fields, [(mask, name, reason)])


def reject_repeats(rows: pd.DataFrame, fields: list[Field], codes: pd.Series, key: dict[str, pd.Series], name: str,
                   reason) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Reject every row whose ``key`` (the area ``codes`` among its columns) already stands in
    an earlier row, which would count it twice: the rows that stay, their area codes, the rejects."""
    duplicate = pd.DataFrame(key).duplicated()
    rows, rejects = reject_rows(rows, fields, duplicate, name, reason)
    return rows, codes[~duplicate].reset_index(drop=True), rejects


def warn_rows(rows: pd.DataFrame, fields: list[Field], mask: pd.Series, name: str, reason) -> pd.DataFrame:
    """Warnings for the masked rows, which stay: a field that cannot be used, a usable row."""
    return reject_frame(rows, fields, [(mask.fillna(False).astype(bool), name, reason)])


def combine_rejects(*frames: pd.DataFrame) -> pd.DataFrame:
    given = [f for f in frames if f is not None and len(f)]
    if not given:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    return pd.concat(given, ignore_index=True).sort_values("row_number", kind="stable").reset_index(drop=True)


