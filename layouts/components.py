"""Shared pieces of the laptop pages: KPI card, sparkline, pickers.

Pure functions of their arguments: they build components and never query. Figures come
in from callbacks and are written by ``data.present``; the fixed words come from
``data.text``. One thing they read besides: who is asking (``auth.may_open``), so that a
link to a page the signed-in user may not open is drawn as plain text, not as a link.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast
from urllib.parse import quote

from dash import dcc, html

from auth import may_open
from data import catalog, export, present, targets, text

PERIOD_LABELS = text.group("period")

GOOD, BAD, NEUTRAL = "good", "bad", "neutral"


@lru_cache(maxsize=1)
def metric_rows() -> tuple[dict, ...]:
    """The metric catalogue, read once from the shipped file (domain order, file order)."""
    frame = catalog.read_metrics()
    order = {d: i for i, d in enumerate(catalog.DOMAINS)}
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in frame.to_dict("records")]
    return tuple(sorted(rows, key=lambda r: order.get(r["domain"], 9)))


def metric_dimensions() -> dict[str, tuple[str, ...]]:
    """Metric code -> its breakdown dimensions: what ``urlstate.parse_explore`` validates against."""
    return {r["code"]: tuple(d for d in (r["dimensions"] or "").split(",") if d) for r in metric_rows()}


def chart(graph: dcc.Graph, unscaled: str, **loading: Any) -> dcc.Loading:
    """A laptop page's chart: the Store ``unscaled`` its callback writes the figure into (at
    the 1920px design size) beside the Graph showing it at the page's scale (callbacks/charts.py),
    in one ``dcc.Loading`` so that its spinner shows while the server draws."""
    return dcc.Loading([dcc.Store(id=unscaled), graph], **loading)


is_missing = present.is_missing
unit_of = present.unit_of


def metric_name(info: dict, lang: str) -> str:
    return str(info.get("name_en") if lang == "en" and info.get("name_en") else info.get("name"))


def area_name(area: dict, lang: str) -> str:
    return str(area.get("name_en") if lang == "en" and area.get("name_en") else area.get("name"))


def format_number(value, unit: str = "", lang: str = "zh") -> str:
    """A figure of a metric with ``unit`` as the pages write it (``present.show``)."""
    return present.show(value, {"unit": unit}, lang).text


def tone(delta: float | None, better: str) -> str:
    """GOOD when the move is the way the metric wants to go, BAD the other way."""
    if delta is None or abs(delta) < 0.05:
        return NEUTRAL
    return GOOD if (delta > 0) == (better != "lower") else BAD


def sparkline_svg(values: Sequence, width: int = 120, height: int = 32, color: str = "#c8161d",
                  *, partial: bool = False, carried: Sequence[int] = (), late: Sequence[int] = ()) -> str:
    """A tiny line chart as an SVG data URI: the shape of a trend, cheap enough for many cards.

    Unknown values break the line rather than dropping to zero. With ``partial`` the last
    value is a month not yet over: its segment is dashed and its point hollow, so a low
    last point does not read as a fall. The points at ``carried`` (indices) hold reports
    carried forward from an earlier month: each gets a hollow square. The months at ``late``
    are not yet reported: a grey dashed upright marks the gap, which is not a fall to zero.
    """
    points = [(i, v) for i, v in enumerate(values) if not is_missing(v)]
    if len(values) < 2 or not points:
        return ""
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    pad = 3

    def xy(i, v):
        x = pad + i * (width - 2 * pad) / (len(values) - 1)
        y = height - pad - (v - low) / span * (height - 2 * pad)
        return f"{x:.1f},{y:.1f}"

    last_i, last_v = points[-1]
    partial = partial and last_i == len(values) - 1
    segments: list[list[str]] = []
    current: list[str] = []
    for i, v in enumerate(values):
        if is_missing(v) or (partial and i == last_i):
            if current:
                segments.append(current)
            current = []
        else:
            current.append(xy(i, v))
    if current:
        segments.append(current)
    line = ('<polyline fill="none" stroke="{c}" stroke-width="2" stroke-linejoin="round" '
            'vector-effect="non-scaling-stroke"{dash} points="{p}"/>')
    lines = "".join(line.format(c=color, dash="", p=" ".join(s)) for s in segments)
    cx, cy = xy(last_i, last_v).split(",")
    dot = f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>'
    if partial:
        before = values[last_i - 1] if last_i > 0 else None
        if not is_missing(before):
            lines += line.format(c=color, dash=' stroke-dasharray="3 2" stroke-opacity="0.6"',
                                 p=f"{xy(last_i - 1, before)} {xy(last_i, last_v)}")
        dot = f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="#fff" stroke="{color}" stroke-width="1.5"/>'
    for i in carried:
        if 0 <= i < len(values) and not is_missing(values[i]):
            x, y = (float(c) for c in xy(i, values[i]).split(","))
            dot += (f'<rect class="spark-carried" x="{x - 2.5:.1f}" y="{y - 2.5:.1f}" width="5" height="5" fill="#fff" '
                    f'stroke="{color}" stroke-width="1.5"/>')
    for i in late:
        if 0 <= i < len(values) and is_missing(values[i]):
            x = float(xy(i, low).split(",")[0])
            dot += (f'<line class="spark-late" x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{height - pad}" '
                    'stroke="#8a94a3" stroke-width="1.5" stroke-dasharray="2 2"/>')
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'preserveAspectRatio="none">'
        f'{lines}{dot}</svg>'
    )
    return "data:image/svg+xml;utf8," + quote(svg)


OWED_SEPARATOR = " · "  # between an owed card's tag and how far its data reaches ("逾期未报 · 截至12月4日")


def kpi_card(info: dict, value, previous, last_year, trend: Sequence, lang: str, href: str | None = None, *,
             shown: str | None = None, note: str | None = None, as_of: str | None = None, title: str | None = None,
             reason: str | None = None, partial: str | None = None, carried: Sequence[int] = (),
             late: Sequence[int] = (), spark_title: str | None = None,
             late_tone: str | None = None) -> html.Div | dcc.Link:
    """One KPI: value and unit, target, change against last period and last year, trend line.

    ``info`` is the metric's catalogue row (its target the one in force, ``data.targets``, which
    the target line names: "目标 95%（街道设定）"); arrows are green when the metric moved the
    way it should (``better``), red otherwise. What the figure covers (issue 12): ``shown``
    replaces the figure ("未报送"), ``as_of`` stands beside it ("截至11月", a carried level),
    ``note`` under it says what was compared ("12月1–4日 vs 11月1–4日"), ``reason`` why
    there is no figure, ``title`` its source and as-of on hover, ``partial`` labels a last
    sparkline point whose month is not over ("至12月4日"); ``carried`` and ``late`` the sparkline's
    points holding carried reports and its months not yet reported (``sparkline_svg``), which
    ``spark_title`` names on hover. ``late_tone`` (``BAD`` or "warn"): the source owes its data, and
    ``as_of`` ("逾期未报 · 截至12月4日") is a chip in that tone, as ``shown`` is.
    """
    better = info.get("better") or "higher"
    target = info.get("target")
    shown_unit = present.shown_unit(info, lang)
    rows = []
    if not is_missing(target):
        met = None if is_missing(value) else (value >= target if better != "lower" else value <= target)
        source = targets.source_words(info, lang)  # who set it: "街道设定", "默认目标"
        rows.append(html.Div(
            [html.Span(text.t("word.target", lang)),
             html.Span([present.show(target, info, lang).text + (f" {shown_unit}" if shown_unit else ""),
                        *([html.Span(text.t("target.with_source", lang, target="", source=source).strip(),
                                     className="kpi-target-source")] if source else [])])],
            className="kpi-row kpi-target " + ("" if met is None else GOOD if met else BAD),
        ))
    for key, before in (("compare.previous", previous), ("compare.last_year", last_year)):
        delta = present.change(value, before, info)
        rows.append(html.Div(
            [html.Span(text.t(key, lang)),
             html.Span(present.change_text(delta, info, lang), className=f"kpi-change {tone(delta, better)}")],
            className="kpi-row",
        ))
    spark = sparkline_svg(list(trend), partial=partial is not None, carried=carried, late=late)
    reading = present.show(value, info, lang)
    owed = f" {late_tone}" if late_tone else ""
    figure = [html.Span(shown, className="kpi-value kpi-late" + owed) if shown is not None
              else html.Span(reading.text, className="kpi-value", title=reason or reading.reason or None)]
    if shown is None and reading.n is not None:
        figure.append(html.Span(shown_unit, className="kpi-unit"))
    if as_of:
        if late_tone:  # "逾期未报 · 截至12月4日": on a narrow card the chip breaks at the dot, not inside a word
            words = as_of.split(OWED_SEPARATOR)
            parts: list = [html.Span(w) for w in words[:1]]
            for w in words[1:]:
                parts += [OWED_SEPARATOR, html.Span(w)]
            figure.append(html.Span(html.Span(parts, className="kpi-owed-words"), className=f"kpi-as-of kpi-owed{owed}"))
        else:
            figure.append(html.Span(as_of, className="kpi-as-of"))
    extra: dict[str, Any] = {"title": title} if title else {}  # no title prop at all without one
    spark_words = " · ".join(w for w in (partial, spark_title) if w)
    spark_extra: dict[str, Any] = {"title": spark_words} if spark_words else {}
    body = [
        html.Div(metric_name(info, lang), className="kpi-name", title=str(info.get("description") or "")),
        html.Div(figure, className="kpi-figure kpi-carried" if as_of else "kpi-figure"),
        html.Div(note or reason or "", className="kpi-note" + (" kpi-reason" if reason and not note else "")),
        *rows,
        html.Img(src=spark, className="kpi-spark", alt="", **spark_extra)
        if spark else html.Div(className="kpi-spark"),
    ]
    if href and may_open(href):
        return dcc.Link(body, href=href, className="kpi-card", id=f"kpi-{info['code']}", **extra)
    return html.Div(body, className="kpi-card", id=f"kpi-{info['code']}", **extra)


def domain_section(title: str, cards: list) -> html.Section:
    return html.Section([html.H3(title, className="domain-title"), html.Div(cards, className="kpi-grid")],
                        className="domain-section")


def attention_list(items: list[dict], lang: str) -> html.P | html.Ul:
    """The "needs attention" list: ``items`` carry ``tone``, ``text``, an optional ``href`` and
    ``title`` (said on hover: how an unusual figure's range is made). A line links to its
    ``href`` only when the user may open it; otherwise it is plain text.

    A line shows at most two lines of text (assets/pages.css: ten of them stay above the fold
    of a 1366x768 laptop, in English too); its whole text is said on hover, before any ``title``,
    so a line cut short ("…") can still be read whole."""
    if not items:
        return html.P(text.t("ui.nothing_needs_attention", lang), className="attention-empty")
    entries = []
    for item in items:
        href = item.get("href")
        line = dcc.Link(item["text"], href=href) if href and may_open(href) else item["text"]
        said = "\n".join(words for words in (item["text"], item.get("title")) if words)
        # the space keeps the tag and the words apart in copied text and in what a browser reads out
        entries.append(html.Li([html.Span(item.get("tag", ""), className="attention-tag"), " ", line],
                               className=f"attention-item {item.get('tone', BAD)}", title=said))
    return html.Ul(entries, className="attention-list")


def dropdown_labels(lang: str) -> dcc.Dropdown.Labels:
    """A dcc.Dropdown's own words ("Search", "3 selected") in the page's language."""
    words = {key: text.pick(pair, lang) for key, pair in text.group("dropdown").items()}
    return cast("dcc.Dropdown.Labels", words)


def labelled(label: str, control, class_name: str = "") -> html.Div:
    return html.Div([html.Label(label, className="control-label"), control], className=f"control {class_name}".strip())


def area_picker(component_id: str, value: str | list[str], lang: str, *, multi: bool = False) -> dcc.Dropdown:
    """A searchable area picker; its options are filled by a callback (areas live in the warehouse)."""
    values = value if multi else [value]
    return dcc.Dropdown(
        id=component_id,
        options=[{"label": v, "value": v} for v in values if v],
        value=value,
        multi=multi,
        clearable=multi,
        searchable=True,
        placeholder=text.t("ui.type_to_search_areas", lang),
        maxHeight=320,
        className="area-picker",
        labels=dropdown_labels(lang),
    )


def period_options(names: Sequence[str], lang: str) -> list[dict]:
    return [{"label": text.t(f"period.{n}", lang), "value": n} for n in names]


def period_picker(period_id: str, dates_id: str, names: Sequence[str], period: str, start, end, lang: str) -> html.Div:
    """A named period, and a date range that shows only when the period is "custom"."""
    return html.Div([
        dcc.Dropdown(id=period_id, options=period_options(names, lang), value=period,
                     clearable=False, searchable=False, className="period-picker",
                     labels=dropdown_labels(lang)),
        dcc.DatePickerRange(
            id=dates_id,
            start_date=start.isoformat() if start else None,
            end_date=end.isoformat() if end else None,
            display_format="YYYY-MM-DD",
            month_format=text.t("ui.calendar_month", lang),  # "2026年12月" / "December 2026"
            first_day_of_week=1,
            minimum_nights=0,
            start_date_placeholder_text=text.t("ui.start", lang),
            end_date_placeholder_text=text.t("ui.end", lang),
            style={} if period == "custom" else {"display": "none"},
            className="period-dates",
        ),
    ], className="period-control")


#: The longest name an area picker shows: the dropdown measures every label, and one name
#: of thousands of characters (a broken register export) would freeze the browser.
OPTION_NAME_CHARS = 40


def area_option_label(chain: Sequence[dict], lang: str) -> str:
    """``锦江区 › 沙河街道``: an area with the areas above it (the city left out)."""
    names = [clip(area_name(a, lang), OPTION_NAME_CHARS) for a in chain if a.get("level") != "city"]
    return " › ".join(names) or (clip(area_name(chain[-1], lang), OPTION_NAME_CHARS) if chain else "")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def masked_note(lang: str) -> str:
    return text.t("word.masked_note", lang, n=export.SMALL_COUNT_THRESHOLD)
