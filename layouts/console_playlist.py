"""The console's Playlist section (轮播): what the area's lobby screens rotate.

Left: the playlist being edited: the refresh interval, the daytime set of panels and each
time window (its hours, how far it dims the screen, its own panels), every panel with its
seconds and "up", "down", "remove"; "save". Right: the area's wall, small (the real page in
a frame, which follows a save at its next refresh), and every saved version with
"restore". The document being edited is ``data.playlist.document``'s; the checks are the
file's (``data.playlist.check``). Filled and acted on by ``callbacks/console_playlist.py``.
"""
from __future__ import annotations

from dash import dcc, html

from data import playlist as playlists
from data import text
from layouts import components as ui
from layouts.ids import ConsolePlaylist

DIM_WORDS = {level: f"console.pl_dim_{level}" for level in playlists.DIM_LEVELS}


def panel_name(panel: str, lang: str) -> str:
    """A panel's title, as the wall writes it ("党建引领"); the id for one the wall lacks."""
    key = f"wall.{panel}"
    return text.t(key, lang) if key in text.TEXT else panel


def metric_title(metric: str, lang: str) -> str:
    """The metric a panel shows, by its name in the catalogue ("活动参与"); its code for one it lacks."""
    info = next((row for row in ui.metric_rows() if row["code"] == metric), None)
    return ui.metric_name(info, lang) if info else metric


def _entry(rotation: str, index: int, entry: dict, count: int, lang: str) -> html.Li:
    panel = str(entry.get("id", ""))
    metric = entry.get("metric")
    shows = (html.Small(f" · {metric_title(str(metric), lang)}", className="console-muted", title=str(metric))
             if metric else None)
    return html.Li([
        html.Span(f"{index + 1}.", className="console-pl-pos"),
        html.Span([panel_name(panel, lang), shows], className="console-pl-panel", title=panel),
        html.Label([dcc.Input(id=ConsolePlaylist.duration(rotation, index), type="text", inputMode="numeric",
                              value=str(_seconds(entry.get("duration"))), className="console-input"),
                    html.Span(text.t("console.pl_seconds", lang), className="console-muted")],
                   className="console-inline"),
        html.Div([
            html.Button("↑", id=ConsolePlaylist.move(rotation, index, "up"), n_clicks=0, disabled=index == 0,
                        className="console-small", title=text.t("console.pl_up", lang)),
            html.Button("↓", id=ConsolePlaylist.move(rotation, index, "down"), n_clicks=0, disabled=index == count - 1,
                        className="console-small", title=text.t("console.pl_down", lang)),
            html.Button("✕", id=ConsolePlaylist.move(rotation, index, "remove"), n_clicks=0, disabled=count == 1,
                        className="console-small console-danger", title=text.t("console.pl_remove", lang)),
        ], className="console-pl-buttons"),
    ], className=f"console-pl-entry panel-{panel}")


def _seconds(value) -> str | float:
    """20.0 as "20"; anything that is not a number as it was typed (the save says why)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if value is not None else ""


def _add(rotation: str, lang: str) -> html.Div:
    options = [{"label": panel_name(p, lang), "value": p} for p in playlists.PANELS]
    return html.Div([
        dcc.Dropdown(id=ConsolePlaylist.add_panel(rotation), options=options, value=None, clearable=True,
                     placeholder=text.t("console.pl_choose_panel", lang), className="console-dropdown"),
        html.Button(text.t("console.pl_add", lang), id=ConsolePlaylist.add(rotation), n_clicks=0,
                    className="console-small"),
    ], className="console-pl-add")


def _entries(rotation: str, entries: list, lang: str) -> html.Ul:
    return html.Ul([_entry(rotation, i, e, len(entries), lang) for i, e in enumerate(entries)],
                   className="console-pl-entries")


def editor(document: dict, lang: str) -> list:
    """The sets of ``document``: the daytime one, then each time window with its hours."""
    blocks = [html.Div([
        html.H3(text.t("console.pl_day", lang)),
        _entries("day", list(document.get("panels") or []), lang),
        _add("day", lang),
    ], className="console-pl-set set-day")]
    for number, window in enumerate(document.get("windows") or [], start=1):
        rotation = f"w{number}"
        dims = [{"label": text.t(DIM_WORDS[level], lang), "value": level} for level in playlists.DIM_LEVELS]
        blocks.append(html.Div([
            html.H3([text.t("console.pl_window", lang, number=number),
                     html.Button(text.t("console.pl_remove_window", lang), id=ConsolePlaylist.remove_window(rotation),
                                 n_clicks=0, className="console-small console-danger")]),
            html.Div([
                html.Label([text.t("console.pl_window_name", lang),
                            dcc.Input(id=ConsolePlaylist.window(rotation, "name"), type="text",
                                      value=str(window.get("name") or ""), className="console-input console-pl-name")],
                           className="console-inline"),
                html.Label([text.t("console.pl_from", lang),
                            dcc.Input(id=ConsolePlaylist.window(rotation, "from"), type="text",
                                      value=str(window.get("from") or ""), placeholder="18:30", className="console-input")],
                           className="console-inline"),
                html.Label([text.t("console.pl_to", lang),
                            dcc.Input(id=ConsolePlaylist.window(rotation, "to"), type="text",
                                      value=str(window.get("to") or ""), placeholder="22:00", className="console-input")],
                           className="console-inline"),
                html.Label([text.t("console.pl_dim", lang),
                            dcc.Dropdown(id=ConsolePlaylist.window(rotation, "dim"), options=dims,
                                         value=window.get("dim") or playlists.DIM_NONE, clearable=False,
                                         searchable=False, className="console-dropdown console-pl-dim")],
                           className="console-inline"),
            ], className="console-pl-hours"),
            _entries(rotation, list(window.get("panels") or []), lang),
            _add(rotation, lang),
        ], className=f"console-pl-set set-{rotation}"))
    return blocks


def section(ctx) -> html.Div:
    lang = ctx.lang
    return html.Div([
        dcc.Store(id=ConsolePlaylist.WORKING, data=None),
        dcc.Store(id=ConsolePlaylist.VERSION, data=0),
        html.Div([
            html.Section([
                html.H2(text.t("console.pl_title", lang)),
                html.Div(id=ConsolePlaylist.IN_FORCE, className="console-pl-in-force console-muted"),
                html.Label([html.Span(text.t("console.pl_refresh", lang), className="console-label"),
                            dcc.Input(id=ConsolePlaylist.REFRESH, type="text", inputMode="numeric", value="",
                                      className="console-input console-pl-refresh"),
                            html.Span(text.t("console.pl_seconds", lang), className="console-muted")],
                           className="console-inline"),
                html.P(text.t("console.pl_hint", lang), className="console-hint"),
                html.Div(id=ConsolePlaylist.EDITOR, className="console-pl-sets"),
                html.Div([
                    html.Button(text.t("console.pl_save", lang), id=ConsolePlaylist.SAVE, n_clicks=0,
                                className="button console-primary"),
                    html.Button(text.t("console.pl_add_window", lang), id=ConsolePlaylist.ADD_WINDOW, n_clicks=0,
                                className="button console-secondary"),
                ], className="console-buttons"),
                html.Div(id=ConsolePlaylist.RESULT, className="console-result", role="status"),
            ], className="card console-pl-form"),
            html.Section([
                html.H2(text.t("console.pl_preview", lang)),
                html.Div(html.Iframe(id=ConsolePlaylist.PREVIEW, className="console-pl-preview",
                                     title=text.t("console.pl_preview", lang)),
                         className="console-pl-preview-box"),
                html.H2(text.t("console.pl_versions", lang)),
                html.Div(id=ConsolePlaylist.VERSIONS, className="console-pl-versions"),
            ], className="card console-pl-side"),
        ], className="console-pl-top"),
    ])
