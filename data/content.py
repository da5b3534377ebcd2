"""What is read rather than counted: news, notices, the activity calendar, the guide.

An item belongs to an area, and a reader of a community sees what was written for it,
for anything above it (a district-wide notice shows in every community of the district)
and for anything below it (a street's screen shows its communities' activities). Items
with no area are city-wide.

Items staff withdrew in the console (``withdrawn_at``, ``console/notices.py``) are shown
nowhere; pinned items come first.
"""
from __future__ import annotations

import functools
import html
import re
from datetime import date, datetime, time, timedelta

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import Engine, and_, func, or_, select

from data import areas as area_tree
from data.areas import prefix_bounds, subtree_prefix
from data.cache import cached  # the wall reads items and upcoming on every refresh: kept per data version
from data.db import engine_or_default
from data.schema import content

KINDS = ("news", "notice", "activity", "guide", "resource")

_MARKDOWN = MarkdownIt("commonmark")  # refuses javascript: and data: links by itself


def _kinds(kinds) -> list[str]:
    chosen = [kinds] if isinstance(kinds, str) else list(kinds or [])
    wrong = [k for k in chosen if k not in KINDS]
    if not chosen or wrong:
        raise ValueError(f"kinds must be some of {', '.join(KINDS)}, not {kinds!r}")
    return chosen


def _moment(value, name: str, *, end_of_day: bool = False) -> datetime:
    """A datetime bound; a plain date means the start of that day (or the start of the next)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{name} must be a date or datetime, not {text!r}") from None
        if isinstance(value, datetime):
            return value
    if isinstance(value, date):
        day = value + timedelta(days=1) if end_of_day else value
        return datetime.combine(day, time.min)
    raise ValueError(f"{name} must be a date or datetime, not {value!r}")


def _limit(limit) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit must be a positive integer, not {limit!r}")
    return limit


def area_condition(code: str, engine: Engine | None):
    """Rows for the area, its ancestors (by register and by code) and its descendants.

    The breadcrumb comes from ``areas.ancestors``, which the app caches per data version:
    the wall's four lists look the street up once, not four times.
    """
    chain = area_tree.ancestors(code, engine=engine)  # cached unless an engine is given
    row = chain[-1]
    above = {a["code"] for a in chain}
    above.update(area_tree.implied_ancestor_codes(code))
    low, high = prefix_bounds(subtree_prefix(row["code"], row["level"]))
    return or_(
        content.c.area_code.is_(None),
        content.c.area_code == "",
        content.c.area_code.in_(sorted(above)),
        and_(content.c.area_code >= low, content.c.area_code < high),
    )


def _rows(conn, query) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(query)]


@cached
def items(kinds, area: str | None = None, *, since=None, until=None, limit: int = 20,
          engine: Engine | None = None) -> list[dict]:
    """Content of ``kinds`` relevant to ``area`` (all areas when None): pinned first, then
    newest published first; withdrawn items never.

    ``since``/``until`` bound ``published_at`` inclusively; a date means the whole day.
    """
    chosen = _kinds(kinds)
    limit = _limit(limit)
    query = select(content).where(content.c.kind.in_(chosen), content.c.withdrawn_at.is_(None))
    if since is not None:
        query = query.where(content.c.published_at >= _moment(since, "since"))
    if until is not None:
        bound = _moment(until, "until", end_of_day=True)
        inclusive = isinstance(until, datetime) or (isinstance(until, str) and len(until.strip()) > 10)
        query = query.where(content.c.published_at <= bound if inclusive else content.c.published_at < bound)
    if area is not None:
        query = query.where(area_condition(area, engine))
    query = query.order_by(content.c.pinned.desc(), content.c.published_at.desc().nulls_last(),
                           content.c.id.desc()).limit(limit)
    with engine_or_default(engine).connect() as conn:
        return _rows(conn, query)


@cached
def upcoming(area: str | None, start, end, *, limit: int = 50, engine: Engine | None = None) -> list[dict]:
    """Activities for ``area`` taking place between ``start`` and ``end`` (dates, inclusive), soonest first.

    An activity that began before ``start`` and is still running counts too.
    """
    limit = _limit(limit)
    begin = _moment(start, "start")
    finish = _moment(end, "end", end_of_day=True)
    if begin >= finish:
        raise ValueError(f"start ({start}) must not be after end ({end})")
    query = select(content).where(
        content.c.kind == "activity",
        content.c.withdrawn_at.is_(None),
        content.c.starts_at.is_not(None),
        content.c.starts_at < finish,
        func.coalesce(content.c.ends_at, content.c.starts_at) >= begin,
    )
    if area is not None:
        query = query.where(area_condition(area, engine))
    query = query.order_by(content.c.starts_at, content.c.id).limit(limit)
    with engine_or_default(engine).connect() as conn:
        return _rows(conn, query)


@functools.lru_cache(maxsize=4096)  # pure; the wall asks for the same few lines every refresh
def plain_text(markdown: str | None) -> str:
    """What a Markdown text says, as one line of plain text.

    Bodies are kept exactly as their editors wrote them, HTML and all; a page that shows a
    line of one shows its words, never its markup: the Markdown is rendered, every tag is
    dropped by nh3 (the text inside ``<script>`` and ``<style>`` with it) and the entities
    are turned back into the characters they stand for, which Dash then shows as text.
    """
    if not markdown:
        return ""
    rendered = nh3.clean(_MARKDOWN.render(markdown), tags=set())
    return " ".join(html.unescape(rendered).split())


# A service point's position, as the content feed writes it in the body: a line
# "坐标：104.08612, 30.65731" (longitude, then latitude, WGS84 degrees). The feed has no
# coordinate field; a body without the line has no position, and none is made up for it.
_COORDINATES = re.compile(r"(?:坐标|Coordinates)\s*[：:]\s*(-?\d{1,3}(?:\.\d+)?)\s*[,，]\s*(-?\d{1,2}(?:\.\d+)?)",
                          re.IGNORECASE)


def coordinates(body: str | None) -> tuple[float, float] | None:
    """(longitude, latitude) of the body's "坐标：lon, lat" line, or None: no such line, or
    a pair that is not a place on Earth (longitude within ±180, latitude within ±90)."""
    found = _COORDINATES.search(body or "")
    if not found:
        return None
    lon, lat = float(found.group(1)), float(found.group(2))
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None


# How far a service point is, as the content feed writes it in the body: "步行约8分钟" (a
# walk of about 8 minutes from the community's centre). A body without it: not known.
_WALK = re.compile(r"步行约?\s*(\d+)\s*分钟")


def walk_minutes(body: str | None) -> int | None:
    """The minutes of the body's "步行约8分钟", or None where the body does not say."""
    found = _WALK.search(body or "")
    return int(found.group(1)) if found else None
