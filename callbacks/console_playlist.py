"""The console's Playlist section: load the area's playlist, edit it, save it, restore a version.

The playlist being edited lives in a Store (``ConsolePlaylist.WORKING``, a
``data.playlist.document``); "up", "down", "remove", "add" and the time windows' buttons
change it there, keeping whatever was typed. "Save" and "restore" pass
``console.guard.require`` for the area (a signed-in editor of it with the page's CSRF
token; every screen, no area, is an admin's) and are written with their audit record in
one transaction. A save is checked exactly as the file is (``data.playlist.check``): a
malformed one is refused with the field and the reason and nothing is written; open walls
follow a good one at their next refresh (``data.playlist.for_area``).
"""
from __future__ import annotations

import copy

import yaml
from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from callbacks.console import change_states, changed, lang_of, refusal
from console import audit, guard
from data import areas as area_tree
from data import db, text
from data import playlist as playlists
from layouts import console_playlist as view
from layouts.ids import Console, ConsolePlaylist
from layouts.wall import DEFAULT_AREA

FORM_STATES = (
    State(ConsolePlaylist.WORKING, "data"),
    State(ConsolePlaylist.REFRESH, "value"),
    State(ConsolePlaylist.duration(ALL, ALL), "value"),
    State(ConsolePlaylist.duration(ALL, ALL), "id"),
    State(ConsolePlaylist.window(ALL, ALL), "value"),
    State(ConsolePlaylist.window(ALL, ALL), "id"),
)
MOVE_TYPE = ConsolePlaylist.move(ALL, ALL, ALL)["type"]
ADD_TYPE = ConsolePlaylist.add(ALL)["type"]
REMOVE_WINDOW_TYPE = ConsolePlaylist.remove_window(ALL)["type"]
RESTORE_TYPE = ConsolePlaylist.restore(ALL)["type"]
NEW_WINDOW = {"name": "", "from": "18:30", "to": "22:00", "dim": "evening",
              "panels": [{"id": "activities", "duration": playlists.DEFAULT_DURATION}]}


def _area(context) -> str | None:
    """The area chosen; None: every screen (an admin's "all areas")."""
    return (context or {}).get("area") or None


def _number(value):
    """A typed number as a number; anything else as typed, for the checks to name."""
    raw = str(value if value is not None else "").strip()
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() else number


def _rotation(document: dict, name: str) -> dict | None:
    """The set called ``name`` ("day", "w1", ...): the document itself or one of its windows."""
    if name == "day":
        return document
    windows = document.get("windows") or []
    index = int(name[1:]) - 1 if name[1:].isdigit() else -1
    return windows[index] if 0 <= index < len(windows) else None


def collect(working, refresh, durations, duration_ids, window_values, window_ids) -> dict:
    """The document as the form shows it now: the Store's, with what was typed put in."""
    document = copy.deepcopy(working or {})
    document["refresh"] = _number(refresh)
    for component_id, value in zip(duration_ids or [], durations or []):
        found = _rotation(document, str(component_id["set"]))
        entries = (found or {}).get("panels") or []
        if 0 <= int(component_id["i"]) < len(entries):
            entries[int(component_id["i"])]["duration"] = _number(value)
    for component_id, value in zip(window_ids or [], window_values or []):
        found = _rotation(document, str(component_id["set"]))
        if found is not None and found is not document:
            found[str(component_id["field"])] = "" if value is None else str(value).strip()
    for window in document.get("windows") or []:
        if not window.get("name"):
            window.pop("name", None)  # an unnamed window: the file's "name" is optional
    if not document.get("windows"):
        document.pop("windows", None)
    return document


def field_words(field: str, lang: str) -> str:
    """"windows › 1 › panels › 2 › duration" as the form names it: "时段 1 · 第 2 个面板 · 停留秒数"."""
    parts, words = field.split(" › ") if field else [], []
    i = 0
    while i < len(parts):
        part = parts[i]
        following = parts[i + 1] if i + 1 < len(parts) else None
        if part == "windows" and following is not None and following.isdigit():
            words.append(text.t("console.pl_window", lang, number=following))
            i += 2
            continue
        if part == "panels":
            if not words:
                words.append(text.t("console.pl_day", lang))
            if following is not None and following.isdigit():
                words.append(text.t("console.pl_nth_panel", lang, number=following))
                i += 2
                continue
            i += 1
            continue
        key = f"console.pl_field_{part}"
        words.append(text.t(key, lang) if key in text.TEXT else part)
        i += 1
    return " · ".join(words)


def _describe(row: dict | None, area: str | None, lang: str) -> str:
    if row is None:
        return text.t("console.pl_from_file", lang, name=playlists.configured_path().name)
    if row["area_code"] == playlists.EVERY_SCREEN:
        return text.t("console.pl_from_every_screen", lang, version=row["id"])
    if row["area_code"] == (area or ""):
        return text.t("console.pl_from_here", lang, version=row["id"])
    place = area_tree.get(row["area_code"]) or {"name": row["area_code"], "name_en": None}
    name = (place.get("name_en") or place["name"]) if lang == "en" else place["name"]
    return text.t("console.pl_from_above", lang, version=row["id"], area=name)


def _summary(body: str, lang: str) -> str:
    """A saved version in one line: its daytime panels in order, and how many time windows."""
    try:
        found = playlists.parse(body, "version")
    except playlists.PlaylistError as problem:
        return problem.reason
    panels = " → ".join(view.panel_name(e.panel, lang) for e in found.entries)
    return panels + (text.t("console.pl_windows_count", lang, count=len(found.windows)) if found.windows else "")


def _versions(area: str | None, lang: str) -> html.Table | html.P:
    with db.get_engine().connect() as conn:
        kept = playlists.versions(conn, area or playlists.EVERY_SCREEN)
    if not kept:
        return html.P(text.t("console.pl_no_versions", lang), className="console-muted")
    rows = []
    for number, row in enumerate(kept):
        note = text.t("console.pl_restored_from", lang, version=row["restored_from"]) if row["restored_from"] else ""
        rows.append(html.Tr([
            html.Td(f"#{row['id']}"),
            html.Td([html.Div(f"{row['saved_at']:%Y-%m-%d %H:%M} · {row['saved_by']}"),
                     html.Small(note, className="console-muted") if note else None]),
            html.Td(_summary(row["body"], lang)),
            html.Td(html.Span(text.t("console.pl_current", lang), className="console-state") if number == 0 else
                    html.Button(text.t("console.pl_restore", lang), id=ConsolePlaylist.restore(row["id"]), n_clicks=0,
                                className="console-small")),
        ], className=f"console-pl-version version-{row['id']}"))
    return html.Table(html.Tbody(rows), className="console-table")


def _preview_src(area: str | None, lang: str, version: int) -> str:
    """The area's wall page; ``v`` changes with each save, so the frame loads it again."""
    return f"/wall?area={area or DEFAULT_AREA}" + ("&lang=en" if lang == "en" else "") + f"&v={version}"


@callback(
    Output(ConsolePlaylist.WORKING, "data"),
    Output(ConsolePlaylist.REFRESH, "value"),
    Output(ConsolePlaylist.IN_FORCE, "children"),
    Output(ConsolePlaylist.VERSIONS, "children"),
    Output(ConsolePlaylist.PREVIEW, "src"),
    Input(ConsolePlaylist.VERSION, "data"),
    State(Console.CONTEXT, "data"),
)
def load(version, context):
    """The playlist the area's walls use now, to edit; where it comes from; the saved versions."""
    lang, area = lang_of(context), _area(context)
    try:
        guard.reader(area)
    except guard.Refused as refused:
        return None, "", refusal(refused.message(lang)), None, None
    engine = db.get_engine()  # read now, not through the cache: the save this follows must show
    with engine.connect() as conn:
        row = playlists.saved_for(conn, area)
    found = playlists.for_area(area, engine=engine)
    document = playlists.document(found)
    return (document, view._seconds(document["refresh"]), _describe(row, area, lang), _versions(area, lang),
            _preview_src(area, lang, version or 0))


@callback(
    Output(ConsolePlaylist.EDITOR, "children"),
    Input(ConsolePlaylist.WORKING, "data"),
    State(Console.CONTEXT, "data"),
)
def render(working, context):
    """The sets of the playlist being edited."""
    if not working:
        return None
    return view.editor(working, lang_of(context))


def _clicked() -> bool:
    """Whether a button really was clicked (a drawn button triggers with no clicks)."""
    return any(item.get("value") for item in ctx.triggered)


@callback(
    Output(ConsolePlaylist.WORKING, "data", allow_duplicate=True),
    Input(ConsolePlaylist.move(ALL, ALL, ALL), "n_clicks"),
    Input(ConsolePlaylist.add(ALL), "n_clicks"),
    Input(ConsolePlaylist.remove_window(ALL), "n_clicks"),
    Input(ConsolePlaylist.ADD_WINDOW, "n_clicks"),
    State(ConsolePlaylist.add_panel(ALL), "value"),
    State(ConsolePlaylist.add_panel(ALL), "id"),
    *FORM_STATES,
    prevent_initial_call=True,
)
def edit(_moves, _adds, _removes, _add_window, chosen, chosen_ids, *form):
    """Move a panel up or down, remove or add one, add or remove a time window."""
    trigger = ctx.triggered_id
    if not _clicked():
        return no_update
    document = collect(*form)
    if not document:
        return no_update
    if trigger == ConsolePlaylist.ADD_WINDOW:
        document.setdefault("windows", []).append(copy.deepcopy(NEW_WINDOW))
        return document
    kind = trigger.get("type") if isinstance(trigger, dict) else None
    found = _rotation(document, str(trigger.get("set"))) if isinstance(trigger, dict) else None
    if kind == REMOVE_WINDOW_TYPE and found is not None and found is not document:
        document["windows"].remove(found)
        if not document["windows"]:
            document.pop("windows")
        return document
    if found is None:
        return no_update
    entries = found.setdefault("panels", [])
    if kind == ADD_TYPE:
        panel = dict(zip((str(i["set"]) for i in chosen_ids or []), chosen or [])).get(str(trigger["set"]))
        if not panel:
            return no_update
        entries.append({"id": panel, "duration": playlists.DEFAULT_DURATION})
        return document
    if kind == MOVE_TYPE:
        index, way = int(trigger["i"]), trigger["way"]
        if not 0 <= index < len(entries):
            return no_update
        if way == "remove" and len(entries) > 1:
            entries.pop(index)
        elif way == "up" and index > 0:
            entries[index - 1], entries[index] = entries[index], entries[index - 1]
        elif way == "down" and index < len(entries) - 1:
            entries[index + 1], entries[index] = entries[index], entries[index + 1]
        else:
            return no_update
        return document
    return no_update


def _before(conn, area: str | None) -> dict:
    """What the area's walls used before a change: the version saved for it (or the file), as data."""
    kept = playlists.versions(conn, area or playlists.EVERY_SCREEN, limit=1)
    if not kept:
        return {"version": None, "playlist": None}
    return {"version": kept[0]["id"], "playlist": yaml.safe_load(kept[0]["body"])}


@callback(
    Output(ConsolePlaylist.RESULT, "children"),
    Output(ConsolePlaylist.VERSION, "data"),
    Input(ConsolePlaylist.SAVE, "n_clicks"),
    Input(ConsolePlaylist.restore(ALL), "n_clicks"),
    *FORM_STATES,
    *change_states(ConsolePlaylist.VERSION),
    prevent_initial_call=True,
)
def act(_save, _restores, *rest):
    """Save the playlist as edited, or restore a saved version, for the area's screens."""
    *form, csrf, context, version = rest
    lang, area = lang_of(context), _area(context)
    trigger = ctx.triggered_id
    if not _clicked():
        return no_update, no_update
    try:
        who = guard.require(area, csrf)
    except guard.Refused as refused:
        return refusal(refused.message(lang)), no_update
    subject = f"playlist:{area or 'all'}"
    engine = db.get_engine()
    try:
        if isinstance(trigger, dict) and trigger.get("type") == RESTORE_TYPE:
            with engine.begin() as conn:
                before = _before(conn, area)
                new_id = playlists.restore(conn, area or playlists.EVERY_SCREEN, int(trigger["id"]), who.name)
                after = {"version": new_id, "restored_from": int(trigger["id"]),
                         "playlist": yaml.safe_load(playlists.version(conn, new_id)["body"])}  # type: ignore[index]
                audit.record(conn, who, "playlist.restore", subject, before, after, area=area)
            return changed(text.t("console.pl_restored", lang, old=trigger["id"], version=new_id), version)
        document = collect(*form)
        with engine.begin() as conn:
            before = _before(conn, area)
            new_id = playlists.save(conn, area or playlists.EVERY_SCREEN, document, who.name)
            audit.record(conn, who, "playlist.save", subject, before, {"version": new_id, "playlist": document},
                         area=area)
        return changed(text.t("console.pl_saved", lang, version=new_id), version)
    except playlists.SaveRefused as refused:
        return refusal(text.t("console.pl_refused", lang, field=field_words(refused.field, lang) or "—",
                               reason=refused.reason)), no_update
    except LookupError:
        return refusal(text.t("console.pl_no_such_version", lang, version=trigger.get("id"))), no_update
