"""Notices and news written by staff in the console: checked, stored in ``content``, audited.

A staff item is a row of the warehouse's ``content`` table with ``source = "console"``,
so every page that reads content (the wall's ticker first) shows it like an item the ETL
delivered; items the ETL delivered are read-only here (a re-delivery would overwrite an
edit). The publication time is ``published_at`` and the expiry ``ends_at`` (local time,
like the rest of ``content``); the wall shows an item between the two
(``callbacks/wall.py``). Withdrawing keeps the row (``withdrawn_at``/``withdrawn_by``) and
takes it off every page. Each change is recorded with ``console.audit.record`` in the
same transaction, which also moves every cache key on (``data.version``).

The body is Markdown kept exactly as written and shown as its words only
(``data.content.plain_text``), like every body; titles are text. Refused, with the field
and the reason: a missing title, text longer than the screens can carry, a title a
spreadsheet would run as a formula (``data.export.FORMULA_STARTS``), control characters,
a time that cannot be read or an expiry before the publication.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from console import audit
from data import settings, text
from data.export import FORMULA_STARTS
from data.schema import content

SOURCE = "console"
KINDS = ("notice", "news")
#: The most characters each field may hold: a ticker line is clipped at 120 characters
#: (callbacks/wall.py TICKER_CHARS), a notice is a few paragraphs, not a document.
LIMITS = {"title": 100, "title_en": 200, "body": 4000}
#: What the audit trail and the console's list show of an item.
FIELDS = ("id", "kind", "area_code", "title", "title_en", "body", "published_at", "ends_at", "pinned",
          "source", "created_by", "updated_by", "updated_at", "withdrawn_at", "withdrawn_by")
_WHEN = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")


@dataclass(frozen=True)
class Problem:
    """One field that cannot be saved, and why (``console.notice_bad_*`` in ``data.text``)."""

    field: str
    reason: str
    values: tuple[tuple[str, str], ...] = ()

    def message(self, lang: str | None) -> str:
        name = text.t(f"console.notice_{self.field}", lang)
        return text.t("console.notice_bad", lang, field=name,
                      reason=text.t(f"console.notice_bad_{self.reason}", lang, **dict(self.values)))


class Invalid(ValueError):
    """The form cannot be saved: every problem found, each naming its field."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message("en") for p in problems))
        self.problems = problems


class NotEditable(LookupError):
    """The item is not a staff item (delivered by the ETL), is withdrawn, or does not exist."""

    def __init__(self, content_id: object, reason: str):
        super().__init__(f"content {content_id}: {reason}")
        self.content_id, self.reason = content_id, reason


def _control(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value)


def _title(field: str, raw, required: bool, problems: list[Problem]) -> str | None:
    value = " ".join(str(raw or "").split())  # one line: the ticker shows it as one
    if not value:
        if required:
            problems.append(Problem(field, "required"))
        return None
    if len(value) > LIMITS[field]:
        problems.append(Problem(field, "too_long", (("limit", str(LIMITS[field])), ("length", str(len(value))))))
    if value.startswith(FORMULA_STARTS):
        problems.append(Problem(field, "formula", (("start", value[0]),)))
    if _control(value):
        problems.append(Problem(field, "control"))
    return value


def _when(field: str, raw, problems: list[Problem]) -> datetime | None:
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None, microsecond=0)
    value = str(raw or "").strip()
    if not value:
        return None
    found = _WHEN.match(value)
    try:
        if found is None:
            raise ValueError(value)
        parts = [int(p) if p else 0 for p in found.groups()]
        return datetime(*parts)  # type: ignore[arg-type]  # six ints: year, month, day, hour, minute, second
    except ValueError:
        problems.append(Problem(field, "time", (("value", value[:40]),)))
        return None


def check(form: dict, *, now: datetime | None = None) -> dict:
    """The values to store from a submitted form; ``Invalid`` naming every bad field.

    ``form``: kind, title, title_en, body, area_code ('' or None: every area), published_at
    (empty: now), ends_at (empty: never), pinned.
    """
    problems: list[Problem] = []
    kind = form.get("kind") or "notice"
    if kind not in KINDS:
        problems.append(Problem("kind", "kind", (("kinds", ", ".join(KINDS)),)))
    title = _title("title", form.get("title"), True, problems)
    title_en = _title("title_en", form.get("title_en"), False, problems)
    body = str(form.get("body") or "").replace("\r\n", "\n").strip()
    if len(body) > LIMITS["body"]:
        problems.append(Problem("body", "too_long", (("limit", str(LIMITS["body"])), ("length", str(len(body))))))
    if _control(body):
        problems.append(Problem("body", "control"))
    published = _when("published_at", form.get("published_at"), problems)
    ends = _when("ends_at", form.get("ends_at"), problems)
    if published is None and not any(p.field == "published_at" for p in problems):
        published = (now or settings.local_now()).replace(microsecond=0)
    if published is not None and ends is not None and ends <= published:
        problems.append(Problem("ends_at", "before"))
    if problems:
        raise Invalid(problems)
    return {"kind": kind, "title": title, "title_en": title_en, "body": body or None,
            "area_code": form.get("area_code") or None, "published_at": published, "ends_at": ends,
            "pinned": bool(form.get("pinned"))}


def _public(row) -> dict:
    found = dict(row._mapping)
    return {name: found.get(name) for name in FIELDS}


def get(engine: Engine, content_id: int) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(select(content).where(content.c.id == content_id)).first()
    return _public(row) if row is not None else None


def editable(item: dict | None) -> bool:
    return item is not None and item.get("source") == SOURCE and item.get("withdrawn_at") is None


def publish(engine: Engine, who, values: dict) -> int:
    """Store a new staff item (``values`` from ``check``); returns its id."""
    now = settings.local_now().replace(microsecond=0)
    with engine.begin() as conn:
        result = conn.execute(insert(content).values(**values, source=SOURCE, created_by=who.name, updated_at=now))
        key = result.inserted_primary_key
        if not key:
            raise RuntimeError("the warehouse gave no id for the new item")
        new_id = int(key[0])
        after = _public(conn.execute(select(content).where(content.c.id == new_id)).one())
        audit.record(conn, who, "notice.publish", f"content:{new_id}", None, after, area=values.get("area_code"))
    return new_id


def _editable_row(conn, content_id: int) -> dict:
    row = conn.execute(select(content).where(content.c.id == content_id).with_for_update()).first()
    if row is None:
        raise NotEditable(content_id, "missing")
    item = _public(row)
    if item["source"] != SOURCE:
        raise NotEditable(content_id, "delivered")
    if item["withdrawn_at"] is not None:
        raise NotEditable(content_id, "withdrawn")
    return item


def edit(engine: Engine, who, content_id: int, values: dict) -> dict:
    """Change a staff item; returns it as it was before (the caller checked both areas)."""
    now = settings.local_now().replace(microsecond=0)
    with engine.begin() as conn:
        before = _editable_row(conn, content_id)
        conn.execute(update(content).where(content.c.id == content_id)
                     .values(**values, updated_by=who.name, updated_at=now))
        after = _public(conn.execute(select(content).where(content.c.id == content_id)).one())
        audit.record(conn, who, "notice.edit", f"content:{content_id}", before, after, area=values.get("area_code"))
    return before


def withdraw(engine: Engine, who, content_id: int) -> dict:
    """Take a staff item off every page (kept, marked withdrawn); returns it as it was."""
    now = settings.local_now().replace(microsecond=0)
    with engine.begin() as conn:
        before = _editable_row(conn, content_id)
        conn.execute(update(content).where(content.c.id == content_id)
                     .values(withdrawn_at=now, withdrawn_by=who.name))
        after = _public(conn.execute(select(content).where(content.c.id == content_id)).one())
        audit.record(conn, who, "notice.withdraw", f"content:{content_id}", before, after, area=before["area_code"])
    return before


def listing(engine: Engine, area: str | None, *, limit: int = 50) -> list[dict]:
    """The news and notices of ``area`` (and above and below it, as the wall reads them; all
    areas when None), staff items withdrawn or not, newest first."""
    from data.content import area_condition

    query = select(content).where(content.c.kind.in_(KINDS))
    if area is not None:
        query = query.where(area_condition(area, engine))
    query = query.order_by(content.c.published_at.desc().nulls_last(), content.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [_public(r) for r in conn.execute(query)]
