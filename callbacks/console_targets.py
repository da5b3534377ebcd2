"""The console's Targets section: the table of this area's targets for a year, and saving it.

A save passes ``console.guard.require`` for the area (signed-in editor of it, the page's
CSRF token), checks every changed row (``data.targets.check``: the metric, the year, a
number, a rate as a fraction) and writes them with an audit record each, in one
transaction: one bad row refuses the whole save, naming the metric, the field and the
reason, and nothing is written. Screens read the new target at their next refresh (the
audit record moves the cache stamp on).
"""
from __future__ import annotations

import math

from dash import ALL, Input, Output, State, callback, dcc, html, no_update

from callbacks.console import change_states, changed, done, lang_of, refusal
from console import audit, guard
from data import areas as area_tree
from data import db, present, query, targets, text
from layouts import overview as overview_view
from layouts import wall as wall_view
from layouts.ids import Console, ConsoleTargets


def acting_area(context) -> str:
    """The area the section sets targets for: the one chosen, else (an admin's "all areas") the city."""
    chosen = (context or {}).get("area")
    if chosen:
        return str(chosen)
    return area_tree.down_to("city")[0]["code"]


def metrics() -> list[dict]:
    """The catalogue rows a screen judges against a target, in catalogue order."""
    shown = {*overview_view.all_kpis(), *(code for code, _label, _unit in wall_view.KPIS),
             *(code for code, _heading in wall_view.LEAGUE_METRICS)}
    rows = query.catalog().to_dict("records")
    return [r for r in rows if r["code"] in shown or not present.is_missing(r.get("target"))]


def _shown(value, info: dict) -> str:
    """A stored target as the input shows it: "96" for 0.96 of a % metric, "" for none."""
    if present.is_missing(value):
        return ""
    return f"{round(float(present.scale(value, info)), 4):g}"


def _target_words(found: targets.Target, info: dict, lang: str) -> str:
    if found.value is None:
        return text.t("console.target_none", lang)
    shown = present.show(found.value, info, lang)
    unit = present.shown_unit(info, lang)
    return text.t("target.with_source", lang, target=shown.text + (f" {unit}" if unit else ""),
                  source=found.words(lang))


def rows(area: str, year: int, lang: str) -> list[dict]:
    """Each metric's row: name, unit, the target in force, this area's own, the fallback."""
    chain = area_tree.ancestors(area)
    with db.get_engine().connect() as conn:  # read now, not through the cache: the save this follows must show
        table = targets.read_in_force(conn)
    found = []
    for info in metrics():
        code = info["code"]
        here = targets.resolve(code, chain, year, info.get("target"), table)
        above = targets.resolve(code, chain[:-1], year, info.get("target"), table)
        found.append({"code": code, "info": info, "own": table.get((code, area, year)), "here": here, "above": above})
    return found


def _table(area: str, year: int, lang: str) -> html.Table:
    head = html.Tr([html.Th(text.t(f"console.target_col_{c}", lang)) for c in ("metric", "in_force", "own", "fallback")])
    body = []
    for row in rows(area, year, lang):
        info = row["info"]
        name = (info.get("name_en") if lang == "en" else info.get("name")) or row["code"]
        unit = present.unit_label(info, lang)
        own = row["own"]
        body.append(html.Tr([
            html.Td([html.Span(name, className="console-metric-name"),
                     html.Small(f" {unit}" if unit else "", className="console-muted")]),
            html.Td(_target_words(row["here"], info, lang),
                    className="console-in-force" + (" own" if row["here"].area == area else "")),
            html.Td(html.Label([  # the input's name for assistive technology: the metric's, unseen
                html.Span(f"{name} · {text.t('console.tab_targets', lang)}", className="sr-only"),
                dcc_input(row["code"], _shown(own, info)),
                html.Span(present.PERCENT_UNIT if present.is_percent(info) else present.unit_of(info, lang),
                          className="console-muted")], className="console-target-input")),
            html.Td(_target_words(row["above"], info, lang), className="console-muted"),
        ], className=f"console-target-row target-{row['code']}"))
    return html.Table([html.Thead(head), html.Tbody(body)], className="console-table")


def dcc_input(code: str, value: str) -> dcc.Input:
    return dcc.Input(id=ConsoleTargets.value(code), type="text", value=value, inputMode="numeric",
                     className="console-input console-target-value", debounce=False)


@callback(
    Output(ConsoleTargets.TABLE, "children"),
    Input(ConsoleTargets.YEAR, "value"),
    Input(ConsoleTargets.VERSION, "data"),
    State(Console.CONTEXT, "data"),
)
def table(year, _version, context):
    """The area's targets for ``year``: in force, its own (editable), the fallback."""
    lang = lang_of(context)
    area = acting_area(context)
    try:
        guard.reader((context or {}).get("area") or None, shown=area)
    except guard.Refused as refused:
        return refusal(refused.message(lang))
    return _table(area, int(year), lang)


def _parse(text_value, info: dict):
    """The input's text in the catalogue's units (None: empty), or TargetError for the value."""
    raw = str(text_value if text_value is not None else "").strip().replace("%", "").replace("％", "")
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise targets.TargetError("value", "number", text_value) from None
    if not math.isfinite(number):
        raise targets.TargetError("value", "number", text_value)
    return present.unscale(number, info)


@callback(
    Output(ConsoleTargets.RESULT, "children"),
    Output(ConsoleTargets.VERSION, "data"),
    Input(ConsoleTargets.SAVE, "n_clicks"),
    State(ConsoleTargets.value(ALL), "value"),
    State(ConsoleTargets.value(ALL), "id"),
    State(ConsoleTargets.YEAR, "value"),
    *change_states(ConsoleTargets.VERSION),
    prevent_initial_call=True,
)
def save(clicks, values, ids, year, csrf, context, version):
    """Store every changed target of the area for ``year``, each with its audit record."""
    lang = lang_of(context)
    if not clicks:
        return no_update, no_update
    chosen = (context or {}).get("area") or None
    try:
        who = guard.require(chosen, csrf)
    except guard.Refused as refused:
        return refusal(refused.message(lang)), no_update
    area = acting_area(context)
    engine = db.get_engine()
    infos = {code: query.metric_info(code) or {} for code in (i["metric"] for i in ids or [])}
    changed_codes = []
    try:
        with engine.begin() as conn:
            table_now = targets.read_in_force(conn)
            for component_id, value in zip(ids or [], values or []):
                code = str(component_id["metric"])
                info = infos.get(code) or {}
                try:
                    number = _parse(value, info)
                    before = table_now.get((code, area, int(year)))
                    if (before is None and number is None) or (before is not None and number is not None
                                                                and math.isclose(before, number, rel_tol=1e-9)):
                        continue
                    row = targets.set_target(conn, code, area, year, number, who.name)
                except targets.TargetError as err:
                    raise _RowRefused(code, info, err) from None
                audit.record(conn, who, "target.set", f"target:{code}:{area}:{row['year']}",
                             {"value": before}, {"value": row["value"]}, area=area)
                changed_codes.append(code)
    except _RowRefused as refused:
        return refusal(refused.message(lang)), no_update
    if not changed_codes:
        return done(text.t("console.target_unchanged", lang)), no_update
    names = text.t("word.list_separator", lang).join(
        (infos[c].get("name_en") if lang == "en" else infos[c].get("name")) or c for c in changed_codes)
    return changed(text.t("console.target_saved", lang, count=len(changed_codes), names=names, year=year), version)


class _RowRefused(Exception):
    """One row's target refused: the whole save is, naming the metric, the field and the reason."""

    def __init__(self, code: str, info: dict, err: targets.TargetError):
        super().__init__(str(err))
        self.code, self.info, self.err = code, info, err

    def message(self, lang: str) -> str:
        name = (self.info.get("name_en") if lang == "en" else self.info.get("name")) or self.code
        return text.t("console.target_refused", lang, metric=name,
                      field=text.t(f"console.target_field_{self.err.field}", lang), reason=self.err.message(lang))
