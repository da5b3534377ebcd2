"""The staff console's frame: who is asking, which areas they may act for, the page drawn for them.

``page`` is registered in place of ``layouts.console.layout`` (``callbacks.page_layouts``):
a layout cannot know the user, this can. The sections' own callbacks live in
``callbacks/console_*.py``.
"""
from __future__ import annotations

from dash import Input, Output, State, callback, ctx, html, no_update

from console import guard
from data import areas as area_tree
from data import text
from layouts import console as view
from layouts.ids import Console


def lang_of(context) -> str:
    """The console page's language, from its context store."""
    return "en" if text.is_en((context or {}).get("lang")) else "zh"


def refusal(message: str) -> html.Div:
    """A section's "no": a change or a view refused, and why (read out at once)."""
    return html.Div(message, className="console-refusal", role="alert")


def done(message: str) -> html.Div:
    return html.Div(message, className="console-done")


def change_states(version: str) -> tuple[State, State, State]:
    """What every console change sends after its own states: the page's CSRF token, the
    console's context and the section's version store (the callback's last three arguments)."""
    return State(Console.CSRF, "data"), State(Console.CONTEXT, "data"), State(version, "data")


def changed(message: str, version: int | None) -> tuple[html.Div, int]:
    """A change written: what was done, and the section's next version (its lists read again)."""
    return done(message), (version or 0) + 1


def clicked(clicks: list, ids: list) -> bool:
    """Whether the pattern button that triggered was really clicked (not just drawn)."""
    return any(component_id == ctx.triggered_id and bool(n) for component_id, n in zip(ids, clicks))


#: The deepest level a console picker offers: notices and targets are set for communities.
PICK_DOWN_TO = "community"


def _label(row: dict, lang: str) -> str:
    name = (row.get("name_en") or row["name"]) if lang == "en" else row["name"]
    return f"{name} · {row['code']}"


def area_options(who, lang: str) -> list[dict]:
    """The areas ``who`` may act for, as picker options: an editor's own areas and what lies
    below them (to the community level); an admin's "all areas" and the whole register."""
    given = guard.areas_for(who)
    options: list[dict] = []
    if given is None:
        options.append({"label": text.t("console.all_areas", lang), "value": ""})
        rows = area_tree.down_to(PICK_DOWN_TO)
    else:
        rows = []
        for code in given:
            try:
                rows.extend(area_tree.down_to(PICK_DOWN_TO, code))
            except area_tree.UnknownArea:
                continue  # a code given to the user that the register does not know: nothing to pick
    seen: set[str] = set()
    for row in rows:
        if row["code"] not in seen:
            seen.add(row["code"])
            options.append({"label": _label(row, lang), "value": row["code"]})
    return options


def context(lang: str, tab: str | None, area: str | None) -> view.Context:
    """The console's context for this request's user (a refusal when they cannot use it)."""
    try:
        who = guard.editor()
    except guard.Refused as refused:
        return view.Context(lang=lang, refused=refused.message(lang))
    options = area_options(who, lang)
    values = [o["value"] for o in options]
    if not values:
        why = guard.Refused("unknown_areas", (("name", who.name), ("areas", ", ".join(who.areas)))) if who.areas \
            else guard.Refused("no_areas", (("name", who.name),))
        return view.Context(lang=lang, user=who.name, role=who.role, refused=why.message(lang))
    chosen = area if area in values else values[0]
    return view.Context(lang=lang, user=who.name, role=who.role, csrf=guard.csrf_token(),
                        area=chosen or None, area_options=options, tab=tab or view.TABS[0])


def page(lang: str | None = None, tab: str | None = None, area: str | None = None, **_query):
    """/console for whoever asks: ``?tab=notices|playlist|targets|screens|audit&area=CODE&lang=en``."""
    lang = "en" if text.is_en(lang) else "zh"
    return view.frame(context(lang, tab, area))


@callback(
    Output(Console.URL, "href"),
    Input(Console.AREA, "value"),
    Input(Console.TABS, "value"),
    State(Console.CONTEXT, "data"),
    prevent_initial_call=True,
)
def go(area, tab, ctx):
    """Choosing another area or section opens it with its own link (it can be shared)."""
    ctx = ctx or {}
    if area == (ctx.get("area") or "") and tab == ctx.get("tab"):
        return no_update
    return view.href(ctx.get("lang", "zh"), tab, area or None)
