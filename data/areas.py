"""The area hierarchy: look-ups, breadcrumbs, search and population roll-ups.

Area codes nest by prefix (see ``data/schema.py``), so an area's whole subtree is one
index range on ``fact.area_code``: everything from ``prefix`` up to ``prefix + "~"``
("~" sorts after every digit). That range, not ``LIKE``, is what keeps queries on the
index. The parent links in the ``area`` table give names and breadcrumbs.

The ``conn``-taking helpers (``fetch``, ``fetch_children``...) are for the query layer,
which caches their answers per warehouse version; the engine-taking functions are the
public interface.
"""
from __future__ import annotations

from sqlalchemy import Connection, Engine, case, func, or_, select

from data.cache import cached  # pages ask these on every refresh: kept per data version
from data.db import engine_or_default, read_connection
from data.schema import area

LEVELS = ("city", "district", "street", "community", "grid")

# How many leading digits of a code an area's subtree shares, by level.
PREFIX_LENGTH = {"city": 4, "district": 6, "street": 9, "community": 12, "grid": 15}

LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}


class UnknownArea(LookupError):
    """An area code that is not in the ``area`` table."""


def subtree_prefix(code: str, level: str) -> str:
    """The code prefix shared by ``code`` and everything below it at ``level``."""
    try:
        return str(code)[: PREFIX_LENGTH[level]]
    except KeyError:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}") from None


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """The half-open code range ``[low, high)`` that holds every code starting with ``prefix``."""
    return prefix, prefix + "~"


def implied_ancestor_codes(code: str) -> list[str]:
    """The codes above ``code`` that its digits imply, nearest first.

    A grid's community is its first 12 digits; a community's street is its first 9
    digits padded with zeros; a street's district its first 6; a district's city its
    first 4. Used where a register may be incomplete (content aimed at a city).
    """
    code = str(code)
    found: list[str] = []
    if len(code) == 15:
        found.append(code[:12])
        code = code[:12]
    if len(code) != 12 or not code.isdigit():
        return found
    if code[9:] != "000":
        code = code[:9] + "000"
        found.append(code)
    if code[6:9] != "000":
        code = code[:6] + "000000"
        found.append(code)
    if code[4:6] != "00":
        code = code[:4] + "00000000"
        found.append(code)
    return found


def _row(row) -> dict:
    return dict(row._mapping)


def fetch(conn: Connection, code: str) -> dict | None:
    row = conn.execute(select(area).where(area.c.code == str(code))).first()
    return _row(row) if row is not None else None


def fetch_children(conn: Connection, code: str) -> list[dict]:
    rows = conn.execute(select(area).where(area.c.parent_code == str(code)).order_by(area.c.code))
    return [_row(r) for r in rows]


def fetch_ancestors(conn: Connection, code: str) -> list[dict]:
    """Root first, ending with the area itself; [] for an unknown code."""
    return fetch_ancestors_of(conn, [code])[str(code)]


def fetch_ancestors_of(conn: Connection, codes: list[str]) -> dict[str, list[dict]]:
    """``fetch_ancestors`` of each of ``codes`` ({code: chain}), in one statement for all."""
    codes = [str(c) for c in codes]
    # The codes their digits imply are their ancestors in a well-formed register: read them
    # with them in one statement; a parent link elsewhere is followed one look-up at a time.
    wanted = sorted({w for c in codes for w in (c, *implied_ancestor_codes(c))})
    known = {row.code: _row(row) for row in conn.execute(select(area).where(area.c.code.in_(wanted)))}
    return {code: _chain(conn, code, known) for code in codes}


def _chain(conn: Connection, code: str, known: dict[str, dict]) -> list[dict]:
    chain: list[dict] = []
    seen: set[str] = set()
    current = known.get(code)
    while current is not None and current["code"] not in seen:
        chain.append(current)
        seen.add(current["code"])
        parent = current.get("parent_code")
        if parent and parent not in known:
            found = fetch(conn, parent)
            if found is not None:
                known[parent] = found
        current = known.get(parent) if parent else None
    chain.reverse()
    return chain


@cached
def ancestors_of(codes: list[str], *, engine: Engine | None = None) -> dict[str, list[dict]]:
    """``ancestors`` of each of ``codes`` ({code: chain}, [] for an unknown code), read in one
    statement (a league's rows share their parents)."""
    if not codes:
        return {}
    with read_connection(engine) as conn:
        return fetch_ancestors_of(conn, list(codes))


@cached
def get(code: str, *, engine: Engine | None = None) -> dict | None:
    """The area's row as a dict, or None when the code is not registered."""
    with read_connection(engine) as conn:
        return fetch(conn, code)


@cached
def children(code: str, *, engine: Engine | None = None) -> list[dict]:
    """The areas whose parent is ``code``, ordered by code."""
    with read_connection(engine) as conn:
        return fetch_children(conn, code)


@cached
def ancestors(code: str, *, engine: Engine | None = None) -> list[dict]:
    """The breadcrumb: root first, the area itself last. Raises UnknownArea."""
    with read_connection(engine) as conn:
        chain = fetch_ancestors(conn, code)
    if not chain:
        raise UnknownArea(f"area {code!r} is not in the area register")
    return chain


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(text: str, limit: int = 20, *, engine: Engine | None = None) -> list[dict]:
    """Areas whose name, English name or code matches ``text``; exact names first, then by level."""
    text = (text or "").strip()
    if not text:
        return []
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive integer, not {limit!r}")
    contains = f"%{_like_escape(text)}%"
    condition = or_(
        area.c.name.like(contains, escape="\\"),
        func.lower(area.c.name_en).like(contains.lower(), escape="\\"),
    )
    if text.isdigit():
        condition = or_(condition, area.c.code.like(_like_escape(text) + "%", escape="\\"))
    by_level = case(LEVEL_ORDER, value=area.c.level, else_=len(LEVELS))
    exact = case((area.c.name == text, 0), (area.c.code == text, 0), else_=1)
    query = select(area).where(condition).order_by(exact, by_level, area.c.code).limit(limit)
    with engine_or_default(engine).connect() as conn:
        return [_row(r) for r in conn.execute(query)]


@cached
def population(code: str, *, engine: Engine | None = None) -> int | None:
    """The area's population: stored, or else the sum of its children's (recursively).

    Stored figures win at every level, so a community with a census figure is not also
    counted through its grid cells. None when nothing below the area knows.
    """
    with read_connection(engine) as conn:
        root = fetch(conn, code)
        if root is None:
            raise UnknownArea(f"area {code!r} is not in the area register")
        if root["population"] is not None:
            return int(root["population"])
        stored, kids, _levels = _subtree(conn, root)
    return _roll_up(root["code"], stored, kids, subtree_prefix(root["code"], root["level"]))


@cached
def populations(parent: str, *, engine: Engine | None = None) -> dict[str, int | None]:
    """{child code: ``population``} for every child of ``parent``, from one read of its
    subtree (a league table's rows: one statement, not one per row)."""
    with read_connection(engine) as conn:
        root = fetch(conn, parent)
        if root is None:
            raise UnknownArea(f"area {parent!r} is not in the area register")
        stored, kids, levels = _subtree(conn, root)
    found: dict[str, int | None] = {}
    for child in sorted(kids.get(root["code"], [])):  # children outside the parent's code range: not here
        people = stored[child]
        within = subtree_prefix(child, levels[child])
        found[child] = int(people) if people is not None else _roll_up(child, stored, kids, within)
    return found


def population_each(parent: str, codes: list[str], *, engine: Engine | None = None) -> dict[str, int | None]:
    """{code: ``population``} for ``codes``, children of ``parent`` (a league's rows): one read
    of the parent's subtree, and a look-up of its own for a code outside it."""
    people = populations(parent, engine=engine)
    return {code: people[code] if code in people else population(code, engine=engine) for code in codes}


def _subtree(conn: Connection, root: dict) -> tuple[dict[str, int | None], dict[str, list[str]], dict[str, str]]:
    """Every area in ``root``'s code range (``root`` too): {code: stored population},
    {parent: [children]} and {code: level}."""
    low, high = prefix_bounds(subtree_prefix(root["code"], root["level"]))
    rows = conn.execute(
        select(area.c.code, area.c.parent_code, area.c.population, area.c.level)
        .where(area.c.code >= low, area.c.code < high)
    ).all()
    kids: dict[str, list[str]] = {}
    stored: dict[str, int | None] = {}
    levels: dict[str, str] = {}
    for child, parent, people, level in rows:
        stored[child] = people
        levels[child] = level
        if parent:
            kids.setdefault(parent, []).append(child)
    return stored, kids, levels


def _roll_up(code: str, stored: dict[str, int | None], kids: dict[str, list[str]], within: str) -> int | None:
    """``code``'s children's populations summed (each its stored figure, else its own
    roll-up), over the areas whose codes start with ``within`` (``code``'s subtree)."""

    def roll_up(node: str, seen: frozenset[str]) -> int | None:
        people = stored.get(node)
        if people is not None and node != code:
            return int(people)
        parts = [roll_up(k, seen | {node}) for k in kids.get(node, []) if k not in seen and k.startswith(within)]
        known = [p for p in parts if p is not None]
        return sum(known) if known else None

    return roll_up(code, frozenset())


def level_rank(level: str) -> int:
    """0 for the city down to 4 for a grid cell (unknown levels sort last)."""
    return LEVEL_ORDER.get(level, len(LEVELS))


@cached
def down_to(level: str, under: str | None = None, *, engine: Engine | None = None) -> list[dict]:
    """Every area from the top of the register (or ``under``, included) down to ``level``, by code:
    what a picker offers someone who may act for all of them (the staff console)."""
    if level not in LEVEL_ORDER:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    levels = LEVELS[: LEVEL_ORDER[level] + 1]
    query = select(area).where(area.c.level.in_(levels))
    if under is not None:
        root = get(under, engine=engine)
        if root is None:
            raise UnknownArea(f"area {under!r} is not in the area register")
        low, high = prefix_bounds(subtree_prefix(root["code"], root["level"]))
        query = query.where(area.c.code >= low, area.c.code < high)
    with engine_or_default(engine).connect() as conn:
        return [_row(r) for r in conn.execute(query.order_by(area.c.code))]
