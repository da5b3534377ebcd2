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

from data import settings

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
