"""The console's Targets section (目标): this area's own target per metric, for a year.

One row per metric a screen judges against a target (the overview's cards, the wall's KPI
strip and league, and every metric the catalogue gives a target): the target in force here
and who set it, this area's own (an input, in the units people read: 96 for 96 %), and
what applies when it is left empty (the area above, or the catalogue's), all from
``data.targets``. Filled and saved by ``callbacks/console_targets.py``.
"""
from __future__ import annotations

from dash import dcc, html

from data import settings, text
from layouts.ids import ConsoleTargets

YEARS_BACK, YEARS_AHEAD = 1, 1  # the years offered: last year, this year, next year


def year_options(lang: str) -> list[dict]:
    this = settings.local_now().year
    return [{"label": text.t("console.target_year_option", lang, year=year), "value": year}
            for year in range(this - YEARS_BACK, this + YEARS_AHEAD + 1)]


def section(ctx) -> html.Div:
    lang = ctx.lang
    return html.Div([
        html.Section([
            html.Div([
                html.H2(text.t("console.target_title", lang)),
                html.Label([html.Span(text.t("console.target_year", lang), className="console-label"),
                            dcc.Dropdown(id=ConsoleTargets.YEAR, options=year_options(lang),
                                         value=settings.local_now().year, clearable=False, searchable=False,
                                         className="console-year")], className="console-inline"),
            ], className="console-section-head"),
            html.P(text.t("console.target_hint", lang), className="console-hint"),
            dcc.Store(id=ConsoleTargets.VERSION, data=0),
            html.Div(id=ConsoleTargets.TABLE, className="console-target-table"),
            html.Div([html.Button(text.t("console.target_save", lang), id=ConsoleTargets.SAVE, n_clicks=0,
                                  className="button console-primary")], className="console-buttons"),
            html.Div(id=ConsoleTargets.RESULT, className="console-result", role="status"),
        ], className="card console-targets"),
    ])
