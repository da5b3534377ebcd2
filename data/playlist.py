"""The wall screen's playlist: which panels rotate, for how long, at which hours.

Centre staff edit a small YAML file (format in ``docs/playlist.md``); the wall must keep
running whatever they type. So the file is checked on load, every mistake is reported
with the file, the line and the reason (in the log and on the wall's corner), and the
default playlist shipped in ``data/reference/playlist.yaml`` is used instead.

``CSB_PLAYLIST`` names another file. The file is re-read when it changes, so an edit
takes effect at the wall's next refresh without restarting anything.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import logging
import os
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select

from data import areas, settings
from data import cache as data_cache
from data.db import get_engine, new_id
from data.schema import playlist_version

log = logging.getLogger(__name__)

# Panel ids, in the default order. The wall knows how to draw exactly these: each is a
# ``Panel`` in layouts/wall.PANELS (how it is drawn, what it shows); tests keep the two equal.
PANELS = ("party", "governance", "services", "participation", "cobuild", "map", "league", "guide", "activities")

DEFAULT_DURATION = 20.0
DEFAULT_REFRESH = 60.0
DEFAULT_HEALTH_CHECK = 10.0
DEFAULT_RELOAD_AT = "03:30"
LONGEST = 24 * 3600.0  # no interval may exceed a day

TOP_KEYS = ("refresh", "health_check", "reload_at", "duration", "panels", "windows")
WINDOW_KEYS = ("name", "from", "to", "dim", "panels")
# How far a window dims the wall (evening and night hours): "none" keeps the daytime
# palette; "evening" and "night" step the screen's brightness down (assets/wall.css,
# the root's data-dim, set by assets/wall.js as the window begins and ends).
DIM_NONE = "none"
DIM_LEVELS = (DIM_NONE, "evening", "night")
ENTRY_KEYS = ("id", "duration", "metric")
OPTIONS = {"metric": ("map",)}  # a panel entry's options beyond id and duration, and the panels taking them
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def default_path() -> Path:
    return settings.catalog_dir() / "playlist.yaml"


def configured_path() -> Path:
    """The playlist the wall uses: ``CSB_PLAYLIST`` if set, else the shipped default."""
    named = os.environ.get("CSB_PLAYLIST", "").strip()
    return Path(named) if named else default_path()


class PlaylistError(ValueError):
    """A playlist file that cannot be used, with where and why."""

    def __init__(self, path: Path | str, line: int | None, reason: str):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{Path(self.path).name}, line {line}" if line else Path(self.path).name
        super().__init__(f"{where}: {reason}")

    def as_dict(self) -> dict:
        return {"file": self.path, "name": Path(self.path).name, "line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class Entry:
    """One panel in a rotation and how many seconds it stays on screen."""

    panel: str
    duration: float
    metric: str | None = None  # the map's figure (a metric code of the catalogue); None: its default


@dataclass(frozen=True)
class Window:
    """A daily time window with its own rotation (e.g. a quieter evening set).

    ``start``/``end`` are minutes after midnight; a window with end <= start runs past
    midnight (19:00 to 07:00).
    """

    name: str
    start: int
    end: int
    entries: tuple[Entry, ...]
    dim: str = DIM_NONE

    def contains(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end


@dataclass(frozen=True)
class Playlist:
    entries: tuple[Entry, ...]
    windows: tuple[Window, ...] = ()
    refresh: float = DEFAULT_REFRESH
    health_check: float = DEFAULT_HEALTH_CHECK
    reload_at: str = DEFAULT_RELOAD_AT
    source: str = ""
    problem: PlaylistError | None = field(default=None, compare=False)

    def panels(self) -> list[str]:
        """Every panel any rotation shows, each once, in order of first appearance."""
        seen: list[str] = []
        for entry in [*self.entries, *(e for w in self.windows for e in w.entries)]:
            if entry.panel not in seen:
                seen.append(entry.panel)
        return seen

    def map_metric(self) -> str | None:
        """The metric the map panel shows, if the playlist names one (one for all its entries)."""
        return next((e.metric for e in [*self.entries, *(e for w in self.windows for e in w.entries)] if e.metric), None)

    def rotation_at(self, minute: int) -> tuple[Entry, ...]:
        """The rotation for ``minute`` after midnight: the first window holding it, else the default."""
        for window in self.windows:
            if window.contains(minute):
                return window.entries
        return self.entries

    def dim_at(self, minute: int) -> str:
        """How dim the wall is at ``minute`` after midnight: the first window holding it, else none."""
        for window in self.windows:
            if window.contains(minute):
                return window.dim
        return DIM_NONE

    def for_client(self) -> dict:
        """What the browser's rotation and health checks need, durations in milliseconds."""

        def rotation(entries):
            return [{"id": e.panel, "ms": round(e.duration * 1000)} for e in entries]

        data = {
            "refresh_ms": round(self.refresh * 1000),
            "health_ms": round(self.health_check * 1000),
            "reload_at": self.reload_at,
            "panels": rotation(self.entries),
            "windows": [
                {"name": w.name, "from": w.start, "to": w.end, "dim": w.dim, "panels": rotation(w.entries)}
                for w in self.windows
            ],
        }
        data["signature"] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]
        return data


# --- parsing ---------------------------------------------------------------------------

def _line(node) -> int:
    return node.start_mark.line + 1


def _mapping(path, node, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise PlaylistError(path, _line(node), f"{what} must be a set of 'key: value' lines")
    found: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise PlaylistError(path, _line(key), f"a key in {what} must be a plain name")
        name = key.value
        if name in found:
            raise PlaylistError(path, _line(key), f"'{name}' appears twice in {what}")
        found[name] = value
    return found


def _unknown(path, node, found: dict, allowed: tuple[str, ...], what: str) -> None:
    for key_node, _value in node.value:
        if key_node.value not in allowed:
            raise PlaylistError(
                path, _line(key_node),
                f"unknown key '{key_node.value}' in {what} (allowed: {', '.join(allowed)})",
            )


def _seconds(path, node, what: str) -> float:
    text = node.value if isinstance(node, yaml.ScalarNode) else None
    try:
        seconds = float(str(text).strip())
    except (TypeError, ValueError):
        raise PlaylistError(path, _line(node), f"{what} must be a number of seconds, not {text!r}") from None
    if not (0 < seconds <= LONGEST):
        raise PlaylistError(path, _line(node), f"{what} must be more than 0 and at most {LONGEST:.0f} seconds, not {text}")
    return seconds


def _clock(path, node, what: str) -> int:
    """'HH:MM' as minutes after midnight. Read from the raw text: YAML 1.1 would turn 19:00 into 1140."""
    text = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    match = _CLOCK.match(text)
    if not match:
        raise PlaylistError(path, _line(node), f"{what} must be a time of day like \"07:30\", not {text or node.tag!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _metric(path, node, panel: str) -> str:
    """A ``metric:`` option: a metric code of the catalogue (data/reference/metrics.csv)."""
    if panel not in OPTIONS["metric"]:
        raise PlaylistError(path, _line(node), f"'metric' is an option of the {', '.join(OPTIONS['metric'])} panel only, "
                                               f"not of '{panel}'")
    code = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    known = _metric_codes()
    if code not in known:
        close = ", ".join(difflib.get_close_matches(code, known, n=3))
        raise PlaylistError(path, _line(node), f"unknown metric '{code}'" + (f" (did you mean: {close})" if close
                                                                             else " (codes are in metrics.csv)"))
    return code


def _metric_codes() -> tuple[str, ...]:
    from data import catalog  # the catalogue file, read when a playlist names a metric

    return tuple(catalog.read_metrics()["code"])


def _entries(path, node, default_duration: float, what: str) -> tuple[Entry, ...]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise PlaylistError(path, _line(node), f"{what} must be a list of panels (one '- id: ...' line each)")
    entries = []
    panel_node: yaml.Node
    for item in node.value:
        metric_node = None
        if isinstance(item, yaml.ScalarNode):  # shorthand: "- party"
            panel_node, duration = item, default_duration
        else:
            found = _mapping(path, item, f"a panel of {what}")
            _unknown(path, item, found, ENTRY_KEYS, f"a panel of {what}")
            if "id" not in found:
                raise PlaylistError(path, _line(item), f"a panel of {what} has no 'id'")
            panel_node = found["id"]
            duration = _seconds(path, found["duration"], "duration") if "duration" in found else default_duration
            metric_node = found.get("metric")
        panel = str(panel_node.value).strip() if isinstance(panel_node, yaml.ScalarNode) else ""
        if panel not in PANELS:
            raise PlaylistError(
                path, _line(panel_node), f"unknown panel '{panel}' (panels are: {', '.join(PANELS)})"
            )
        metric = _metric(path, metric_node, panel) if metric_node is not None else None
        entries.append(Entry(panel, duration, metric))
    return tuple(entries)


def parse(text: str, path: Path | str = "<playlist>") -> Playlist:
    """A checked Playlist from YAML ``text``; PlaylistError names the line and the reason."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        reason = " ".join(part for part in (err.context, err.problem) if part) or "not valid YAML"
        raise PlaylistError(path, mark.line + 1 if mark else None, f"not valid YAML: {reason}") from None
    except yaml.YAMLError as err:
        raise PlaylistError(path, None, f"not valid YAML: {err}") from None
    if root is None:
        raise PlaylistError(path, None, "the file is empty")
    top = _mapping(path, root, "the playlist")
    _unknown(path, root, top, TOP_KEYS, "the playlist")

    def number(key, fallback):
        return _seconds(path, top[key], key) if key in top else fallback

    default_duration = number("duration", DEFAULT_DURATION)
    if "panels" not in top:
        raise PlaylistError(path, _line(root), "the playlist has no 'panels' list")
    entries = _entries(path, top["panels"], default_duration, "panels")
    reload_at = DEFAULT_RELOAD_AT
    if "reload_at" in top:
        minutes = _clock(path, top["reload_at"], "reload_at")
        reload_at = f"{minutes // 60:02d}:{minutes % 60:02d}"
    windows = []
    if "windows" in top:
        node = top["windows"]
        if not isinstance(node, yaml.SequenceNode):
            raise PlaylistError(path, _line(node), "windows must be a list (one '- name: ...' block each)")
        for item in node.value:
            found = _mapping(path, item, "a window")
            _unknown(path, item, found, WINDOW_KEYS, "a window")
            for key in ("from", "to", "panels"):
                if key not in found:
                    raise PlaylistError(path, _line(item), f"a window needs '{key}'")
            name = str(found["name"].value).strip() if "name" in found else ""
            start = _clock(path, found["from"], "from")
            end = _clock(path, found["to"], "to")
            if start == end:
                raise PlaylistError(path, _line(found["to"]), "a window's 'from' and 'to' must differ")
            label = f"window '{name}'" if name else "a window"
            dim = DIM_NONE
            if "dim" in found:
                dim = str(found["dim"].value).strip() if isinstance(found["dim"], yaml.ScalarNode) else ""
                if dim not in DIM_LEVELS:
                    raise PlaylistError(path, _line(found["dim"]),
                                        f"dim must be one of {', '.join(DIM_LEVELS)}, not {dim!r}")
            windows.append(Window(name, start, end, _entries(path, found["panels"], default_duration, label), dim))
    _one_map_metric(path, [*entries, *(e for w in windows for e in w.entries)])
    return Playlist(
        entries=entries,
        windows=tuple(windows),
        refresh=number("refresh", DEFAULT_REFRESH),
        health_check=number("health_check", DEFAULT_HEALTH_CHECK),
        reload_at=reload_at,
        source=str(path),
    )


def _one_map_metric(path, entries: list[Entry]) -> None:
    """The map is one panel on the page: every entry naming its metric must name the same one."""
    named = list(dict.fromkeys(e.metric for e in entries if e.metric))
    if len(named) > 1:
        raise PlaylistError(path, None, f"the map panel is given two metrics ({named[0]}, {named[1]}): "
                                        "it shows one, name it once")


def read(path: Path | str) -> Playlist:
    """Parse the file at ``path``; PlaylistError if it is missing, unreadable or wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlaylistError(path, None, "file not found") from None
    except UnicodeDecodeError as err:
        raise PlaylistError(path, None, f"not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise PlaylistError(path, None, f"cannot be read: {err.strerror or err}") from None
    return parse(text, path)


# --- loading with fallback ---------------------------------------------------------------

_cache: dict[str, tuple[tuple, Playlist]] = {}
_lock = threading.Lock()


def _stamp(path: Path) -> tuple:
    try:
        stat = path.stat()
        return (stat.st_mtime_ns, stat.st_size)
    except OSError:
        return (None, None)


def load(path: Path | str | None = None) -> Playlist:
    """The playlist to use: ``path`` (default ``CSB_PLAYLIST`` or the shipped file), checked.

    A bad file is logged once (file, line, reason) and the shipped default is returned with
    ``problem`` set, so the wall can show the mistake in its corner and keep rotating.
    """
    path = Path(path) if path is not None else configured_path()
    stamp = _stamp(path)
    key = str(path)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
    try:
        playlist = read(path)
    except PlaylistError as problem:
        log.error("playlist %s is not usable, using the default playlist instead: %s", path, problem)
        if path.resolve() == default_path().resolve():
            raise  # the shipped default must always be valid; tests guard it
        fallback = read(default_path())
        playlist = replace(fallback, problem=problem)
    with _lock:
        _cache[key] = (stamp, playlist)
    return playlist


# --- saved in the warehouse (the staff console) -------------------------------------------
#
# Staff save a playlist for one area's screens, or for every screen (area ""), in the
# console. Each save is a new ``playlist_version`` row in the file's own YAML, checked by
# ``parse`` exactly as the file is; a save that fails is refused with the field and the
# reason and changes nothing. A wall uses the latest version saved for its area or the
# nearest area above it, else the one for every screen, else the file (``for_area``).

EVERY_SCREEN = ""  # the area_code of a playlist saved for every screen
SAVED_NAME = "console"  # how a saved version names itself where a file would give its name


def dump(document: dict) -> str:
    """A playlist document ({"refresh": 60, "panels": [...], "windows": [...]}) as the file's YAML."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=False)


def document(playlist: Playlist) -> dict:
    """``playlist`` as a document a form edits and ``dump`` writes: every key spelt out."""

    def entries(found):
        return [{"id": e.panel, "duration": e.duration, **({"metric": e.metric} if e.metric else {})} for e in found]

    def clock(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return {
        "refresh": playlist.refresh,
        "health_check": playlist.health_check,
        "reload_at": playlist.reload_at,
        "panels": entries(playlist.entries),
        "windows": [{"name": w.name, "from": clock(w.start), "to": clock(w.end), "dim": w.dim,
                     "panels": entries(w.entries)} for w in playlist.windows],
    }


def field_at(text: str, line: int | None) -> str:
    """The field of the YAML ``text`` written on ``line`` ("windows › 1 › panels › 2 › duration"), "" if none."""
    if not line:
        return ""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return ""
    best: list[str] = []

    def walk(node, path: list[str]) -> None:
        nonlocal best
        if node.start_mark.line + 1 == line and len(path) >= len(best):
            best = path
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.start_mark.line + 1 == line and len(path) + 1 >= len(best):
                    best = [*path, str(key.value)]
                walk(value, [*path, str(key.value)])
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value, start=1):
                walk(item, [*path, str(i)])

    if root is not None:
        walk(root, [])
    return " › ".join(best)


class SaveRefused(PlaylistError):
    """A save the same checks as the file refuse: ``field`` names where, ``reason`` why."""

    def __init__(self, problem: PlaylistError, text: str):
        super().__init__(problem.path, problem.line, problem.reason)
        self.field = field_at(text, problem.line)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "field": self.field}


def check(body: str | dict, area: str = EVERY_SCREEN) -> tuple[str, Playlist]:
    """The YAML to store and the playlist it makes, or ``SaveRefused`` (field, reason)."""
    text = body if isinstance(body, str) else dump(body)
    try:
        return text, parse(text, f"{SAVED_NAME}:{area or 'all'}")
    except PlaylistError as problem:
        raise SaveRefused(problem, text) from None


def save(conn, area: str, body: str | dict, user: str, *, restored_from: int | None = None) -> int:
    """Check ``body`` and store it as the newest version for ``area`` ("" for every screen),
    in ``conn``'s transaction; its id. ``SaveRefused`` stores nothing."""
    text, _playlist = check(body, area)
    result = conn.execute(insert(playlist_version).values(
        area_code=area or EVERY_SCREEN, body=text, saved_by=str(user),
        saved_at=settings.local_now().replace(tzinfo=None), restored_from=restored_from))
    return new_id(result)


def versions(conn, area: str, limit: int = 50) -> list[dict]:
    """The versions saved for ``area`` ("" for every screen), newest first: id, saved_by,
    saved_at, restored_from, body."""
    rows = conn.execute(select(playlist_version).where(playlist_version.c.area_code == (area or EVERY_SCREEN))
                        .order_by(playlist_version.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def version(conn, version_id: int) -> dict | None:
    """One saved version by its id, or None."""
    row = conn.execute(select(playlist_version).where(playlist_version.c.id == int(version_id))).mappings().first()
    return dict(row) if row is not None else None


def restore(conn, area: str, version_id: int, user: str) -> int:
    """Save version ``version_id`` of ``area`` again as its newest (the history keeps both);
    the new id. ``LookupError`` when ``area`` has no such version; ``SaveRefused`` when it no
    longer passes the checks (a panel since removed from the wall)."""
    old = version(conn, version_id)
    if old is None or old["area_code"] != (area or EVERY_SCREEN):
        raise LookupError(f"no version {version_id} of this area's playlist")
    return save(conn, area, old["body"], user, restored_from=int(old["id"]))


def _latest_saved(conn, codes: list[str]) -> dict | None:
    """The latest version saved for the most specific of ``codes`` (most specific last), or None."""
    latest = (select(func.max(playlist_version.c.id)).where(playlist_version.c.area_code.in_(codes))
              .group_by(playlist_version.c.area_code))
    rows = {r.area_code: r for r in conn.execute(
        select(playlist_version.c.id, playlist_version.c.area_code, playlist_version.c.body)
        .where(playlist_version.c.id.in_(latest)))}
    for code in reversed(codes):
        if code in rows:
            return {"id": rows[code].id, "area_code": code, "body": rows[code].body}
    return None


def saved_for(conn, area: str | None) -> dict | None:
    """The saved version ``area``'s walls use (its own, the nearest area above, or every
    screen's): {"id", "area_code", "body"}; None when they use the file."""
    area = str(area or "")
    try:
        chain = [a["code"] for a in areas.ancestors(area)] if area else []
    except areas.UnknownArea:
        chain = []
    return _latest_saved(conn, [EVERY_SCREEN, *chain])


_saved_memo: dict[tuple[str, str], tuple[str, Playlist | None]] = {}
_saved_lock = threading.Lock()


def _saved_playlist(row: dict) -> Playlist:
    """A stored version as a playlist; one the checks now refuse falls back to the file, saying so."""
    name = f"{SAVED_NAME}:{row['area_code'] or 'all'}:v{row['id']}"
    try:
        return parse(row["body"], name)
    except PlaylistError as problem:
        log.error("saved playlist %s is not usable, using the file instead: %s", name, problem)
        return replace(load(), problem=problem)


def for_area(area: str | None, *, engine=None) -> Playlist:
    """The playlist of ``area``'s walls: the latest saved for it or the nearest area above,
    else the one saved for every screen, else the file (``load``).

    Read again after a console change (``data.cache.stamp``: a save is recorded in the audit
    trail, which moves it on) or a load; if the warehouse does not answer, the
    last playlist this process found for the area (or the file) keeps the wall rotating.
    """
    area = str(area or "")
    url = str(engine.url) if engine is not None else settings.database_url()
    try:
        revision = data_cache.stamp(url) if engine is None and data_cache.enabled() else None
        with _saved_lock:
            seen = _saved_memo.get((url, area))
        if seen is not None and revision is not None and seen[0] == revision:
            return seen[1] or load()
        try:
            chain = [a["code"] for a in areas.ancestors(area, engine=engine)] if area else []
        except areas.UnknownArea:
            chain = []
        with (engine or get_engine(url)).connect() as conn:
            row = _latest_saved(conn, [EVERY_SCREEN, *chain])
        found = _saved_playlist(row) if row is not None else None
    except Exception as err:  # noqa: BLE001 - a warehouse away must not stop the rotation
        log.warning("saved playlists not readable (%s); the wall keeps the last one it had", err)
        with _saved_lock:
            seen = _saved_memo.get((url, area))
        return (seen[1] if seen is not None else None) or load()
    with _saved_lock:
        _saved_memo[(url, area)] = (revision or "", found)
    return found or load()
