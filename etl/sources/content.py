"""What the screen reads rather than counts: news, notices, activities, guides, resources.

An item comes as a Markdown file with a front-matter block or as an entry of a JSON feed
(a list, or ``{"items": [...]}``), with the keys kind, title, title_en, area,
published_at, starts_at, ends_at, location, location_en (and body below the front matter, or a
``body`` key). Items go into the ``content`` table through ``Output.store``; this source
writes no facts.

Reloading an item replaces it instead of adding a copy. An item is known by where it came
from (``content.source``): a Markdown file by its file name (one file is one item, so a
corrected title replaces the old one too), a feed entry by the feed's file name and its
``id`` key, or, without an ``id``, by the feed's file name and its title, area, start
and publication time (feeds repeat titles: the weekly 插花课 of two communities are two
items).

Titles, locations and the body are display text and are kept exactly as written (the
body stays Markdown; rendering and sanitising are the pages' job): their fields are
``verbatim``, so the generic cleaning does not fold their full-width punctuation and line
breaks.
``area`` may be a code of any level or a community or street name; blank means the item
is for the whole deployment.

Essential (a bad cell refuses the item): kind, title, area (an item shown in the wrong
place is worse than none), starts_at (an activity's or notice's when) and the identity
(id, the file). Not essential (a bad cell is blanked with a warning, the item is kept):
published_at, ends_at (also one before starts_at), and the display text title_en,
location, location_en and body.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
from sqlalchemy import delete, insert

from data.schema import content
from etl import extract
from etl.clean import parse_datetimes
from etl.extract import Delivery, RefusedFile, Sheet
from etl.load import CHUNK, FACT_COLUMNS, Output
from etl.validate import Field, combine_rejects, screen

NAME = "content"
METRICS: tuple[str, ...] = ()

KINDS = ("news", "notice", "activity", "guide", "resource")
KIND_ALIASES = {
    "新闻": "news", "动态": "news", "通知": "notice", "公告": "notice", "活动": "activity",
    "办事指引": "guide", "办事指南": "guide", "指南": "guide", "资源": "resource", "服务点": "resource",
}
DISPLAY = ("title", "title_en", "body", "location", "location_en")  # kept exactly as written
DATES = ("published_at", "starts_at", "ends_at")
FILE = "source_file"  # added by read(): the file an item came from

FIELDS = [
    Field("id", ("item_id", "编号"), label_en="item id"),
    Field("kind", ("类型", "类别"), label_en="kind"),
    Field("title", ("标题",), label_en="title", verbatim=True),
    Field("title_en", ("英文标题",), label_en="English title", verbatim=True, essential=False),
    Field("area", ("area_code", "区域", "社区"), label_en="area"),
    Field("published_at", ("发布时间", "date"), label_en="published at", essential=False),
    Field("starts_at", ("开始时间",), label_en="starts at"),
    Field("ends_at", ("结束时间",), label_en="ends at", essential=False),
    Field("location", ("地点", "地址"), label_en="location", verbatim=True, essential=False),
    Field("location_en", ("英文地点",), label_en="English location", verbatim=True, essential=False),
    Field("body", ("正文", "内容"), label_en="body", verbatim=True, essential=False),
    Field(FILE, label_en="file"),
]
_KNOWN = [f.name for f in FIELDS if f.name != FILE]


# --- extract -----------------------------------------------------------------------------

def _text(value) -> str:
    """A front-matter or JSON value as text (YAML may hand over dates and numbers)."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def read(delivery: Delivery) -> Sheet:
    """One Markdown item or the items of a feed, as a grid with the display text hidden."""
    if not delivery.data.strip():
        raise RefusedFile(f"文件为空 / the file is empty: {delivery.location}")
    markdown = delivery.suffix in (".md", ".markdown")
    records = [extract.read_markdown(delivery)] if markdown else extract.read_records(delivery)
    if not any({"kind", "title"} & set(r) for r in records):
        raise RefusedFile(f"不是内容文件：没有 kind 或 title / not a content item or feed (no kind or title): "
                          f"{delivery.location}")
    name = Path(urlsplit(delivery.location).path if extract.is_url(delivery.location) else delivery.location).name
    rows = []
    for record in records:
        row = {key: _text(record.get(key)) for key in _KNOWN}
        for key in DISPLAY:
            row[key] = row[key].strip()
        row[FILE] = name
        rows.append(row)
    return extract.records_sheet(rows)


# --- transform ---------------------------------------------------------------------------

def _dates(rows: pd.DataFrame) -> dict[str, pd.Series]:
    return {name: parse_datetimes(rows[name]) for name in DATES}


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Items -> rows of ``content`` (replacing earlier loads of the same items)."""
    rows["title"] = rows["title"].str.strip()
    kind = rows["kind"].str.lower().map(lambda k: k if k in KINDS else KIND_ALIASES.get(k))
    dates = _dates(rows)
    areas = _areas(rows["area"], ctx.matcher)
    source = identities(rows, dates)

    kinds = "、".join(KINDS)
    checks = [
        (rows["title"].eq(""), "title", pd.Series("标题为空 / the title is empty", index=rows.index)),
        (kind.isna(), "kind", "kind {value!r} 不是允许的类型 / is not a kind we know (允许 / allowed: " + kinds + ")"),
        *[(dates[n].isna() & rows[n].ne(""), n, "{value!r} 不是可识别的日期时间 / is not a date or time we can read")
          for n in DATES],
        (dates["ends_at"] < dates["starts_at"], "ends_at",
         "结束时间早于开始时间, 不计结束时间 / ends before it starts: the end is left out"),
        (areas["code"].isna() & rows["area"].ne(""), "area", areas["reason"]),
        (source.duplicated(), "title",
         pd.Series("同一条内容在前面已出现 / the same item appears earlier in this delivery", index=rows.index)),
    ]
    rows = rows.assign(_kind=kind, _area=areas["code"], _source=source)
    rows, rejects, warnings = screen(rows, ctx.fields, checks)
    dates = _dates(rows)  # blanked cells are no dates
    items = pd.DataFrame({
        "kind": rows["_kind"],
        "area_code": rows["_area"],
        "title": rows["title"],
        "title_en": rows["title_en"].replace("", None),
        "body": rows["body"],
        **dates,
        "location": rows["location"].replace("", None),
        "location_en": rows["location_en"].replace("", None),
        "source": rows["_source"],
    })
    records = _records(items)
    return Output(pd.DataFrame(columns=FACT_COLUMNS), combine_rejects(rejects), warnings=warnings,
                  store=_store(records), notes=[f"{len(records)} 条内容 / content items"])


def _areas(column: pd.Series, matcher) -> pd.DataFrame:
    """Area code (any level) and reason for every distinct ``area`` text."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for text in column.unique():
        if not text:
            found[text] = (None, None)
            continue
        code = re.sub(r"\.0+$", "", text)
        if code in matcher.levels:
            found[text] = (code, None)
            continue
        match = matcher.community(text)
        if not match.ok and matcher.street(text).ok:
            match = matcher.street(text)
        found[text] = (match.code, match.reason)
    return pd.DataFrame({"code": column.map(lambda t: found[t][0]), "reason": column.map(lambda t: found[t][1])})


def identities(rows: pd.DataFrame, dates: dict[str, pd.Series]) -> pd.Series:
    """``content.source`` of each item: what a reload of the same item is found by.

    A Markdown file is one item: its file name. A feed entry is ``feed.json#<id>``, or
    without an ``id`` ``feed.json#<digest>`` of its title, area, start and publication
    time (feeds repeat titles: a weekly 插花课 in two communities is two items).
    """
    markdown = rows[FILE].str.lower().str.endswith((".md", ".markdown"))
    when = {n: dates[n].dt.strftime("%Y-%m-%d %H:%M").fillna("") for n in ("starts_at", "published_at")}
    described = rows["title"] + "\n" + rows["area"] + "\n" + when["starts_at"] + "\n" + when["published_at"]
    digest = described.map(lambda text: hashlib.sha1(text.encode("utf-8")).hexdigest()[:16])
    key = rows["id"].where(rows["id"].ne(""), digest)
    return rows[FILE].where(markdown, rows[FILE] + "#" + key)


def _records(items: pd.DataFrame) -> list[dict]:
    """Rows for ``content`` (datetimes as Python datetimes, blanks as NULL)."""
    items = items.astype(object).where(items.notna(), None)
    records = items.to_dict("records")
    for record in records:
        for name in DATES:
            if record[name] is not None:
                record[name] = record[name].to_pydatetime()
    return records


def _store(records: list[dict]):
    """The write: remove earlier loads of these items, then insert them with the run id."""
    def store(conn, run_id: int) -> None:
        sources = sorted({r["source"] for r in records})
        for i in range(0, len(sources), CHUNK):
            conn.execute(delete(content).where(content.c.source.in_(sources[i:i + CHUNK])))
        if records:
            conn.execute(insert(content), [{**r, "run_id": run_id} for r in records])
    return store
