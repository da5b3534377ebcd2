"""The explorer's participation card: people beside person-times, new and returning, by age.

Reads the explorer's URL state (``Explore.STATE``) and shows the card for the metrics of the
activities and volunteers sources (``data.participation``). Each month is its own count of
distinct people: nothing here adds months or areas up. Hidden small counts ("<5", "*") are
written as such and not drawn; a month its data does not cover in full is marked.
"""
from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
from dash import Input, Output, callback, html

from callbacks.charts import at_page_scale
from callbacks.explore import FONT, _info, date_axis, day_text, empty_figure, provenance, read_state
from data import areas, coverage, export, participation, periods, query, text
from layouts import components as ui
from layouts import reach as reach_layout
from layouts.ids import Explore, Reach

COLOURS = {"visits": "#f3b7b3", "reach": "#c8161d", "per_person": "#1f77b4", "new": "#ff7f0e",
           "returning": "#1f77b4", "regulars": "#2ca02c"}
AGE_COLOURS = {"0-17": "#17becf", "18-34": "#2ca02c", "35-59": "#1f77b4", "60+": "#9467bd", "未填写": "#bcbd22"}
HEIGHT = 300
HIDDEN = {"display": "none"}


def _layout(fig: go.Figure, lang: str, *, legend: bool = True) -> go.Figure:
    fig.update_layout(height=HEIGHT, font=FONT, paper_bgcolor="white", plot_bgcolor="white",
                      margin=dict(l=48, r=48, t=36, b=36), hoverlabel=dict(font=FONT), showlegend=legend,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, font=dict(size=12)),
                      bargap=0.25, separators=".,")
    fig.update_xaxes(gridcolor="#eef1f4", linecolor="#cfd6de")
    fig.update_yaxes(gridcolor="#eef1f4", linecolor="#cfd6de", rangemode="tozero")
    months = sorted({str(x) for trace in fig.data for x in (trace.x or ())})  # every chart here is by month
    date_axis(fig, months, "month", lang)  # the explorer's ticks: on the months, never repeated
    return fig


PARTIAL_OPACITY = 0.4  # a month its data does not cover in full: drawn pale, and said so in the notes


def _opacity(rows: list[dict]) -> list[float]:
    return [PARTIAL_OPACITY if row.get("partial") else 1.0 for row in rows]


def _drawn(rows: list[dict], marks: dict, field: str) -> tuple[list, list, list]:
    """(x, y, shown text) of one count: a hidden cell is not drawn, its mark is its text."""
    xs, ys, shown = [], [], []
    for row in rows:
        mark = marks.get(f"{row['period']}|{field}")
        value = row.get(field)
        xs.append(row["period"])
        ys.append(None if mark or value is None else value)
        shown.append(mark or ("—" if value is None else f"{value:,.0f}"))
    return xs, ys, shown


def people_figure(rows: list[dict], marks: dict, lang: str, visits_label: str) -> go.Figure:
    fig = go.Figure()
    for field, name in (("visits", visits_label), ("reach", text.t("reach.people", lang))):
        xs, ys, shown = _drawn(rows, marks, field)
        fig.add_bar(x=xs, y=ys, name=name, marker_color=COLOURS[field], marker_opacity=_opacity(rows), customdata=shown,
                    hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + name + "</extra>")
    xs = [r["period"] for r in rows]
    _line(fig, rows, xs, [row["per_person"] for row in rows], [f"{v:.1f}" if v is not None else "—"
                                                              for v in (row["per_person"] for row in rows)],
          text.t("reach.per_person", lang), COLOURS["per_person"], yaxis="y2")
    fig.update_layout(barmode="group", yaxis2=dict(overlaying="y", side="right", rangemode="tozero", showgrid=False,
                                                   title=None, tickformat=".1f"))
    return _layout(fig, lang)


def _line(fig: go.Figure, rows: list[dict], xs: list, ys: list, shown: list, name: str, colour: str,
          yaxis: str = "y") -> None:
    """A line over the whole months; a month its data does not cover in full is a hollow
    point of its own, not joined (a partial month's count is no drop)."""
    whole = [y if not row.get("partial") else None for row, y in zip(rows, ys)]
    part = [y if row.get("partial") else None for row, y in zip(rows, ys)]
    hover = "%{x|%Y-%m}: %{customdata}<extra>" + name + "</extra>"
    fig.add_scatter(x=xs, y=whole, name=name, yaxis=yaxis, mode="lines+markers", line=dict(color=colour, width=2),
                    customdata=shown, hovertemplate=hover, legendgroup=name)
    if any(v is not None for v in part):
        fig.add_scatter(x=xs, y=part, name=name, yaxis=yaxis, mode="markers", showlegend=False, legendgroup=name,
                        marker=dict(color="white", size=8, line=dict(color=colour, width=2)), customdata=shown,
                        hovertemplate=hover)


def new_figure(rows: list[dict], marks: dict, lang: str, regulars: bool) -> go.Figure:
    fig = go.Figure()
    for field in ("returning", "new"):
        xs, ys, shown = _drawn(rows, marks, field)
        name = text.t(f"reach.{field}", lang)
        fig.add_bar(x=xs, y=ys, name=name, marker_color=COLOURS[field], marker_opacity=_opacity(rows), customdata=shown,
                    hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + name + "</extra>")
    if regulars:
        xs, ys, shown = _drawn(rows, marks, "regulars")
        _line(fig, rows, xs, ys, shown, text.t("reach.regulars", lang), COLOURS["regulars"])
    fig.update_layout(barmode="stack")
    return _layout(fig, lang)


def age_figure(rows: list[dict], marks: dict, lang: str) -> go.Figure:
    fig = go.Figure()
    bands = [b for b in participation.AGE_BANDS if any(b in row["ages"] for row in rows)]
    for band in bands:
        xs, ys, shown = [], [], []
        for row in rows:
            mark = marks.get(f"{row['period']}|age|{band}")
            value = row["ages"].get(band)
            xs.append(row["period"])
            ys.append(None if mark or value is None else value)
            shown.append(mark or ("—" if value is None else f"{value:,.0f}"))
        name = band if band != "未填写" or not text.is_en(lang) else "not given"
        fig.add_bar(x=xs, y=ys, name=name, marker_color=AGE_COLOURS.get(band, "#7f7f7f"), marker_opacity=_opacity(rows),
                    customdata=shown,
                    hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + name + "</extra>")
    fig.update_layout(barmode="stack")
    return _layout(fig, lang)


def _month_name(iso: str, lang: str) -> str:
    day = date.fromisoformat(iso)
    if text.is_en(lang):
        return f"{text.month_name(day.month, lang, short=True)} {day.year}"
    return f"{day.year}年{text.month_name(day.month, lang, short=True)}"


def summary(rows: list[dict], marks: dict, lang: str, as_of: date | None) -> list:
    """The latest whole month's people, person-times, visits per person and new people."""
    whole = [r for r in rows if as_of is None or periods.bucket_end(date.fromisoformat(r["period"]), "month") <= as_of]
    shown = [r for r in (whole or rows) if r["reach"] is not None]
    if not shown:
        return [html.Span(text.t("reach.none", lang))]
    row = shown[-1]

    def cell(field: str) -> str:
        mark = marks.get(f"{row['period']}|{field}")
        return mark or ("—" if row[field] is None else f"{row[field]:,.0f}")

    parts = [html.Span(text.t("reach.summary_month", lang, month=_month_name(row["period"], lang))),
             html.Span([html.B(cell("reach")), text.t("reach.summary_people", lang)]),
             html.Span([html.B(cell("visits")), text.t("reach.summary_visits", lang)])]
    if row["per_person"] is not None:
        parts.append(html.Span(text.t("reach.summary_per_person", lang, n=f"{row['per_person']:.1f}")))
    if row["new"] is not None:
        parts.append(html.Span(text.t("reach.summary_new", lang, n=cell("new"))))
    return parts


def reach_view(search_state: str) -> tuple:
    """Everything the card shows for one URL state (figures as plain dicts); the figures
    themselves are cached per data version (``data.participation.view``)."""
    state = read_state(search_state)
    lang = state.lang
    try:
        info = _info(state.metric)
    except query.UnknownMetric:
        return (HIDDEN, [], {}, {}, {}, HIDDEN, [])
    source = participation.source_of(info)
    area = areas.get(state.area)
    if source is None or area is None:
        return (HIDDEN, [], {}, {}, {}, HIDDEN, [])
    measures = participation.SOURCES[source]
    notes = [html.Li(text.t("reach.not_summed", lang)), html.Li(text.t("reach.new_note", lang))]
    if measures.regulars is not None:
        notes.append(html.Li(text.t("reach.regulars_note", lang)))
    if area["level"] == "grid":
        empty = empty_figure(text.t("reach.grid", lang), HEIGHT).to_plotly_json()
        return ({}, [html.Span(text.t("reach.grid", lang))], empty, empty, empty, HIDDEN, notes)
    period = periods.resolve_state(state)
    reach_info = _info(measures.reach)
    as_of = coverage.as_of(reach_info, state.area)
    view = participation.view(source, state.area, period.start, period.end)
    marks = view["marks"]
    rows = [dict(row, partial=as_of is not None
                 and as_of < periods.bucket_end(date.fromisoformat(row["period"]), "month")) for row in view["rows"]]
    if not any(r["reach"] is not None for r in rows):
        empty = empty_figure(text.t("reach.none", lang), HEIGHT).to_plotly_json()
        return ({}, [html.Span(text.t("reach.none", lang))], empty, empty, empty, HIDDEN, notes)
    if marks:
        notes.append(html.Li(ui.masked_note(lang) + " " + text.t("explore12.suppressed_note", lang,
                                                                  n=export.SMALL_COUNT_THRESHOLD)))
    if rows and as_of is not None and rows[-1]["partial"]:
        notes.append(html.Li(text.t("reach.partial", lang, month=_month_name(rows[-1]["period"], lang),
                                    date=day_text(as_of, lang))))
    notes.append(html.Li(provenance(reach_info, None, as_of, lang)))
    visits_info = query.metric_info(measures.visits) or {}
    visits_name = (f"{text.t('reach.visits', lang)} ({visits_info['name_en']})" if text.is_en(lang)
                   else f"{text.t('reach.visits', lang)}（{visits_info['name']}）")
    return ({}, summary(rows, marks, lang, as_of),
            people_figure(rows, marks, lang, visits_name).to_plotly_json(),
            new_figure(rows, marks, lang, measures.regulars is not None).to_plotly_json(),
            age_figure(rows, marks, lang).to_plotly_json() if measures.by_age else {},
            {} if measures.by_age else HIDDEN, notes)


@callback(
    Output(Reach.CARD, "style"),
    Output(Reach.SUMMARY, "children"),
    Output(Reach.PEOPLE_UNSCALED, "data"),
    Output(Reach.NEW_UNSCALED, "data"),
    Output(Reach.AGE_UNSCALED, "data"),
    Output(Reach.AGE_PART, "style"),
    Output(Reach.NOTES, "children"),
    Input(Explore.STATE, "data"),
)
def show_reach(search_state):
    return reach_view(search_state or "")


at_page_scale(reach_layout.CHARTS)  # drawn at the page's scale from the figures stored above
