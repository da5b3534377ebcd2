"""The overview's 待办 / needs-action list: open 12345 orders past or near their due time
and grid events awaiting action, for the area, oldest first (``data.items.needs_action``).

Each line: source, category, community, received, due, status and days overdue; never a
name, a phone, an address or the resident's words (the ``item`` table holds none). The
list is filtered by source and status, downloaded as CSV (``data.export.to_csv_bytes``:
formulas neutralised), and links to the explorer's figures behind it with the area and
the overview's period.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from dash import Input, Output, Patch, State, callback, dcc, html
from dash.dcc.express import send_bytes  # dcc.send_bytes itself: dash.dcc builds its export list at run time
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine

from auth import may_open
from data import areas, export, labels, settings, text, urlstate
from data import items as work_items
from layouts.ids import Overview

#: The explorer's figures behind the list, per source: (metric, breakdown).
FIGURES = {"hotline": ("hotline_overdue", "category"), "grid_events": ("grid_events_reported", "category")}


def rows(area: str, sources: list[str] | None, statuses: list[str] | None, lang: str,
         now: datetime | None = None, *, engine: Engine | None = None) -> list[dict]:
    """The list's lines in ``lang``, oldest first."""
    now = now or settings.local_now()
    found = work_items.needs_action(area, now, sources=tuple(sources or ()), statuses=tuple(statuses or ()) or None,
                                    engine=engine)
    lines = []
    for row in found:
        place = (row.get("community_en") or row.get("community")) if lang == "en" else row.get("community")
        days = row["days_over"]
        if row["due_at"] is None:
            note = text.t("todo.no_due", lang)
        elif days < 0:
            note = text.t("todo.due_soon", lang)
        else:
            note = ""
        lines.append({
            "source": text.t(f"item.source_{row['source']}", lang),
            "category": labels.label(row.get("category") or "未填写", lang),
            "community": place or row["area_code"],
            "received": f"{row['received_at']:%Y-%m-%d %H:%M}",
            "due": f"{row['due_at']:%Y-%m-%d %H:%M}" if row["due_at"] is not None else "",
            "status": labels.label(row["status"], lang),
            "days_over": days if days is not None and days >= 0 else None,
            "note": note,
        })
    return lines


COLUMNS = ("source", "category", "community", "received", "due", "status", "days_over")


def column_defs(lang: str) -> list[dict]:
    wide = {"received": 150, "due": 150, "community": 120}
    defs: list[dict] = [{"field": c, "headerName": text.t(f"todo.{c}", lang), "minWidth": wide.get(c, 90)}
                        for c in COLUMNS]
    defs[-1].update({"type": "rightAligned", "valueFormatter": {"function": "params.value == null ? '' : params.value"},
                     "cellClassRules": {"todo-late": "params.value != null"}})
    defs.append({"field": "note", "headerName": "", "minWidth": 110})
    return defs


def table(lines: list[dict], lang: str) -> pd.DataFrame:
    """The lines as the CSV has them: the grid's columns under their headings."""
    frame = pd.DataFrame(lines, columns=[*COLUMNS, "note"])
    return frame.rename(columns={c: text.t(f"todo.{c}", lang) for c in COLUMNS} | {"note": ""})


def figure_links(area: str, period: str | None, start, end, sources: list[str] | None, lang: str) -> list:
    """Links to the explorer's figures behind the list, with the area and the period; none
    for a user who may not open the explorer (``auth.may_open``)."""
    state, _ = urlstate.parse_overview({"area": area, "period": period, "start": start, "end": end})
    links: list = [html.Span(text.t("todo.figures", lang))]
    for source in sources or ():
        metric, by = FIGURES[source]
        target = urlstate.ExploreState(metric=metric, area=state.area, period=state.period, start=state.start,
                                       end=state.end, by=by, lang=lang)
        href = "/explore" + urlstate.explore_query(target)
        if not may_open(href):
            return []  # every link goes to the explorer: a label with nothing after it says nothing
        links.append(dcc.Link(text.t(f"item.source_{source}", lang), href=href, className="todo-link"))
    return links


@callback(
    Output(Overview.TODO, "rowData"),
    Output(Overview.TODO, "columnDefs"),
    Output(Overview.TODO_COUNT, "children"),
    Output(Overview.TODO_LINKS, "children"),
    Output(Overview.TODO, "dashGridOptions"),
    Input(Overview.AREA, "value"),
    Input(Overview.PERIOD, "value"),
    Input(Overview.DATES, "start_date"),
    Input(Overview.DATES, "end_date"),
    Input(Overview.TODO_SOURCE, "value"),
    Input(Overview.TODO_STATUS, "value"),
    State(Overview.LANG, "data"),
)
def render(area, period, start, end, sources, statuses, lang):
    if not area or areas.get(area) is None:
        raise PreventUpdate
    lines = rows(area, sources, statuses, lang)
    count = text.t("todo.count", lang, n=len(lines))
    empty = text.t("todo.none", lang)
    missing = work_items.unrecorded(tuple(sources or ()))
    if missing:  # no items loaded yet is not "nothing needs action"
        names = ("、" if lang != "en" else ", ").join(text.t(f"item.source_{s}", lang) for s in missing)
        count += " · " + text.t("todo.not_recorded", lang, names=names)
        if len(missing) == len(sources or ()):
            empty = text.t("todo.not_recorded", lang, names=names)
    options = Patch()  # the grid's own "no rows" words, in place
    options["localeText"]["noRowsToShow"] = empty
    return lines, column_defs(lang), count, figure_links(area, period, start, end, sources, lang), options


@callback(
    Output(Overview.TODO_DOWNLOAD, "data"),
    Input(Overview.TODO_CSV, "n_clicks"),
    State(Overview.AREA, "value"),
    State(Overview.TODO_SOURCE, "value"),
    State(Overview.TODO_STATUS, "value"),
    State(Overview.LANG, "data"),
    prevent_initial_call=True,
)
def download(clicks, area, sources, statuses, lang):
    if not clicks or not area:
        raise PreventUpdate
    now = settings.local_now()
    data = export.to_csv_bytes(table(rows(area, sources, statuses, lang, now), lang))
    return send_bytes(data, export.download_name("todo", area, f"{now:%Y%m%d-%H%M}", ext="csv"))
