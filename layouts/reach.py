"""The explorer's participation card: residents reached beside person-times (人 and 人次).

Shown for the metrics of the activities and volunteers sources; its figures come from
``callbacks/reach.py`` (``data.participation``). Its own module so the explorer's trend and
comparison parts stay as they are.
"""
from __future__ import annotations

from dash import dcc, html

from data import text
from layouts.components import chart
from layouts.ids import Reach

#: The card's charts, each with the Store its figure comes in (drawn at the page's scale: callbacks/charts.py).
CHARTS = {Reach.PEOPLE: Reach.PEOPLE_UNSCALED, Reach.NEW: Reach.NEW_UNSCALED, Reach.AGE: Reach.AGE_UNSCALED}


def _graph(component_id: str) -> dcc.Loading:
    # A fixed height: the card starts hidden, and a responsive graph first drawn in a hidden
    # box would take its height (none) from it.
    return chart(dcc.Graph(id=component_id, config={"displayModeBar": False, "responsive": True},
                           className="ex-graph graph-reach", style={"height": "18.75rem"}),
                 CHARTS[component_id], type="dot", delay_show=400)


def section(lang: str) -> html.Section:
    """The card (hidden until the view's metric is one of a participation source)."""
    return html.Section([
        html.Div([html.H2(text.t("reach.title", lang), id=Reach.TITLE)], className="card-head"),
        html.Div(id=Reach.SUMMARY, className="reach-summary"),
        html.Div([
            html.Div([html.H3(text.t("reach.people_and_visits", lang)), _graph(Reach.PEOPLE)], className="reach-part"),
            html.Div([html.H3(text.t("reach.new_and_returning", lang)), _graph(Reach.NEW)], className="reach-part"),
            html.Div([html.H3(text.t("reach.by_age", lang)), _graph(Reach.AGE)], id=Reach.AGE_PART,
                     className="reach-part"),
        ], className="reach-parts"),
        html.Ul(id=Reach.NOTES, className="note reach-notes"),
    ], id=Reach.CARD, className="card ex-reach", style={"display": "none"})
