"""What a request needs: the role a page, an API call or a Dash callback asks for.

Pages and the API are told apart by path. Dash's callback endpoint is one URL for every
page, so a callback is judged by the components it writes: each output id belongs to a
page through ``layouts/ids.py`` (class ``Wall`` -> the wall, ``Explore`` -> the explorer,
...), and the callback needs the highest role any of its pages needs. Dash's own page
router (``_pages_content``) needs the role of the page it is asked to render. An output
that belongs to no known page needs ``admin``, and is never run for a kiosk screen: a new
callback is closed until its ids are declared.

Dash hands a callback its arguments by position, not by the ids the request labels them
with. So before any argument is read (the router's pathname, the wall's area), the
request's inputs and states must carry exactly the ids and properties the callback
declares, position by position; a request that does not is for admins only.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from auth.roles import least
from data.urlstate import RepeatedParameter, query_params

OPEN_PATHS = {"/healthz", "/login", "/logout", "/_favicon.ico"}
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/")  # code and styles, never figures
DASH_FRAME = {"/_dash-layout", "/_dash-dependencies", "/_reload-hash"}  # the empty shell and the callback graph
CALLBACK = "/_dash-update-component"
API_PREFIX = "/api/"
API_ROLE = "analyst"

PAGE_ROLES = {"overview": "viewer", "wall": "viewer", "explore": "analyst", "data_health": "admin", "console": "editor"}
ID_CLASSES = {"Shell": "shell", "Wall": "wall", "Overview": "overview", "Explore": "explore", "Reach": "explore",
              "DataHealth": "data_health"}
#: Every class of ``layouts/ids.py`` named ``Console...`` (Console, ConsolePlaylist, ...)
#: belongs to the staff console: its sections may declare ids in classes of their own.
CONSOLE_CLASS_PREFIX = "Console"
OWNER_ROLES = {**PAGE_ROLES, "shell": "viewer"}
PAGES_ROUTER = {"_pages_content", "_pages_store", "_pages_dummy"}


@dataclass(frozen=True)
class Need:
    """What a request needs. ``role`` None: open to anyone."""

    role: str | None
    kind: str = "page"  # page (HTML: send to the login page), json (Dash), api (JSON API)
    kiosk: bool = False  # a kiosk screen may do it
    areas: tuple = field(default_factory=tuple)  # the wall areas it is about, for area-bound tokens
    reason: str = ""


def _highest(found: list[str]) -> str:
    """The one role that allows everything ``found`` needs (roles.least; admin for nothing)."""
    return least(found)


@lru_cache(maxsize=1)
def page_paths() -> dict[str, str]:
    """Each page's path, stripped of slashes as Dash matches it, to its module name."""
    from layouts.pages import PAGES

    return {str(page["path"]).strip("/"): str(page["module"]) for page in PAGES}


def page_for(path: str) -> str | None:
    return page_paths().get((path or "").strip("/"))


@lru_cache(maxsize=1)
def id_owners() -> tuple[dict[str, str], dict[str, str]]:
    """(string id -> page, pattern ``type`` -> page) from the classes of ``layouts/ids.py``."""
    import inspect

    from layouts import ids

    plain: dict[str, str] = {}
    patterns: dict[str, str] = {}
    classes = {**ID_CLASSES, **{name: "console" for name in vars(ids)
                                 if name.startswith(CONSOLE_CLASS_PREFIX) and inspect.isclass(getattr(ids, name))}}
    for class_name, owner in classes.items():
        holder = getattr(ids, class_name, None)
        if holder is None:
            continue
        for name, value in vars(holder).items():
            if name.startswith("_"):
                continue
            if isinstance(value, str):
                plain[value] = owner
            elif isinstance(value, staticmethod):
                made = value.__func__(*["x"] * len(inspect.signature(value.__func__).parameters))
                if isinstance(made, dict) and isinstance(made.get("type"), str):
                    patterns[made["type"]] = owner
    return plain, patterns


def owner_of(component_id) -> str | None:
    """The page a component id belongs to, or None when no page declares it."""
    plain, patterns = id_owners()
    if isinstance(component_id, dict):
        return patterns.get(component_id.get("type", ""))
    if isinstance(component_id, str):
        if component_id in PAGES_ROUTER:
            return "router"
        return plain.get(component_id)
    return None


_UNESCAPED_DOTS = re.compile(r"(?<!\\)\.\.\.")
_UNESCAPED_DOT = re.compile(r"(?<!\\)\.")


def callback_outputs(key: object) -> list | None:
    """The component ids in Dash's callback key (``body["output"]``), which names the function run.

    ``"a.prop"`` or ``"..a.prop...b.prop.."``; dots inside an id are escaped as ``\\.``,
    pattern ids are JSON. None when the key cannot be read (a no-output callback's hash).
    """
    if not isinstance(key, str) or not key:
        return None
    parts = _UNESCAPED_DOTS.split(key[2:-2]) if key.startswith("..") and key.endswith("..") else [key]
    found = []
    for part in parts:
        pieces = _UNESCAPED_DOT.split(part)
        if len(pieces) != 2 or not pieces[0]:
            return None
        raw = pieces[0].replace("\\.", ".")
        if raw.startswith("{"):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                return None
        found.append(raw)
    return found


def _listed_ids(outputs) -> list:
    """The ids in the body's ``outputs``: a dict, or a list of dicts and lists of dicts."""
    stack, found = [outputs], []
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            found.append(item.get("id"))
    return found


def _as_list(item) -> list:
    return item if isinstance(item, list) else [item]


def matches_declaration(body: dict, declared: dict) -> bool:
    """Whether the body's inputs and states carry the declared ids and properties, in order."""
    specs = list(declared.get("inputs") or []) + list(declared.get("state") or [])
    sent = list(body.get("inputs") or []) + list(body.get("state") or [])
    if len(specs) != len(sent):
        return False
    for spec, item in zip(specs, sent):
        raw, prop = spec.get("id"), spec.get("property")
        if isinstance(raw, str) and raw.startswith("{"):
            kind = json.loads(raw).get("type")
            if not all(isinstance(x, dict) and isinstance(x.get("id"), dict) and x["id"].get("type") == kind
                       and x.get("property") == prop for x in _as_list(item)):
                return False
        elif not isinstance(item, dict) or item.get("id") != raw or item.get("property") != prop:
            return False
    return True


def _values(body: dict) -> dict:
    """(id, property) -> value of the body's plain (not pattern-matching) inputs and states."""
    found = {}
    for item in list(body.get("inputs") or []) + list(body.get("state") or []):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found[(item["id"], item.get("property"))] = item.get("value")
    return found


def callback_need(body, declared=None) -> Need:
    """What running the callback described by a ``/_dash-update-component`` body needs.

    ``declared`` is the callback's declaration (its entry in ``/_dash-dependencies``), or
    None when the app declares no callback with this output key.
    """
    if not isinstance(body, dict):
        return Need("admin", "json", reason="not a callback request")
    named = callback_outputs(body.get("output"))
    if not named:
        return Need("admin", "json", reason="a callback that writes no declared component")
    owners = {owner_of(i) for i in named} | {owner_of(i) for i in _listed_ids(body.get("outputs"))}
    if None in owners:
        return Need("admin", "json", reason="a callback that writes a component no page declares")
    if declared is None or not matches_declaration(body, declared):
        return Need("admin", "json", reason="a request that does not match the callback's declaration")
    values = _values(body)
    if "router" in owners:
        owners.discard("router")
        pathname = values.get(("_pages_location", "pathname"))
        page = page_for(pathname) if isinstance(pathname, str) else None
        owners.add(page or "shell")  # no page: Dash's "page not found", no figures
        if page == "wall":
            # Every search the request carries (the router's input, and the page's own
            # copy dashboard.py adds as a state) must be one and the same; the page is drawn
            # from it, read the way the check reads it (urlstate.query_params).
            searches = {str(item.get("value") or "") for item in list(body.get("inputs") or []) + list(body.get("state") or [])
                        if isinstance(item, dict) and item.get("id") == "_pages_location" and item.get("property") == "search"}
            if len(searches) != 1:
                return Need("admin", "json", reason="a page request whose search strings differ")
            try:
                area = query_params(searches.pop()).get("area")
            except RepeatedParameter:
                return Need("admin", "json", reason="a link that names a parameter twice")
            return _with_owners(owners, areas=(area,))
    if owners == {"wall"}:
        from layouts.ids import Wall

        config = values.get((Wall.CONFIG, "data"))
        area = config.get("area") if isinstance(config, dict) else None
        return _with_owners(owners, areas=(area,))
    return _with_owners(owners)


def _with_owners(owners: set, areas: tuple = ()) -> Need:
    role = _highest([OWNER_ROLES[o] for o in owners])
    return Need(role, "json", kiosk=owners == {"wall"}, areas=areas, reason="callback of " + ", ".join(sorted(owners)))


def request_need(method: str, path: str, args: dict[str, str], body_reader, declarations) -> Need:
    """What an HTTP request needs; ``args`` is the query string as ``urlstate.query_params`` reads it.

    ``body_reader()`` gives the JSON body and ``declarations(output_key)`` a callback's
    declaration; both are asked only for callback requests.
    """
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return Need(None)
    if path == CALLBACK:
        body = body_reader()
        declared = declarations(body.get("output")) if isinstance(body, dict) else None
        return callback_need(body, declared)
    if path in DASH_FRAME:
        return Need("viewer", "json", kiosk=True)
    if path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX):
        return Need(API_ROLE, "api")
    page = page_for(path)
    if page is None:
        return Need("viewer")  # Dash answers "page not found" inside the shell
    if page == "wall":
        return Need(PAGE_ROLES["wall"], kiosk=True, areas=(args.get("area"),))
    return Need(PAGE_ROLES.get(page, "admin"))
