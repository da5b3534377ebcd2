"""One colour per domain on the wall (issue 13): party red for party building, governance
blue, services green, co-building violet, from one mapping (``layouts/wall.DOMAIN_COLOURS``)
used by the panels' titles, the KPI tiles and the charts."""
from __future__ import annotations

import pytest

from callbacks import wall
from data import query
from layouts import wall as view
from layouts.ids import Wall
from support import marks, wall_app, wall_chart, with_class


@pytest.fixture
def page(sample_warehouse_url, monkeypatch):
    with wall_app(sample_warehouse_url, monkeypatch):
        yield wall._components(wall.first_screen("510104011000", "zh"))


def domain(code: str) -> str:
    return (query.metric_info(code) or {})["domain"]


def test_the_domains_have_distinct_colours_and_party_building_keeps_the_party_red():
    assert view.DOMAIN_COLOURS["party"] == view.RED
    assert len(set(view.DOMAIN_COLOURS.values())) == len(view.DOMAIN_COLOURS)
    assert set(view.DOMAIN_COLOURS) == set(view.metric_domains().values())  # cobuild too, every domain coloured


def test_panels_tiles_and_charts_take_their_domains_colour(page):
    for panel in view.PANELS.values():
        section = page[wall._key(Wall.panel(panel.id))]
        colour = section.style["--wall-domain"]
        if panel.id == "league" or not panel.as_of:
            assert colour == view.NEUTRAL, panel.id
            continue
        assert colour == view.DOMAIN_COLOURS[domain(panel.as_of.metrics[0])], panel.id
        for chart in panel.charts:
            tree = wall_chart(page, chart.id).children
            if chart.kind == "map":
                dots = [dot.style["background"] for dot in with_class(tree, "wall-map-dot") if "background" in dot.style]
                full = "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))
                assert full in dots  # the largest figure's dot in the full colour, the rest darker
                continue
            # What each bar and slice is painted: a bar's fill, a donut slice's colour.
            shown = [bar.style["backgroundColor"] for bar in with_class(tree, "wall-chart-bar")] + \
                [piece.style["--wall-slice"] for piece in with_class(tree, "wall-chart-slice-fill")]
            # The bars in the panel's colour (an unfinished month: the same, lighter), a donut in its shades.
            allowed = {colour, view.partial(colour), view.rgba(colour, 0.75), *view.shades(colour, 6), view.dimmed(colour)}
            assert shown and set(shown) <= allowed, (chart.id, shown)
            if chart.kind == "hbar" and len(shown) > 1:  # the largest bar leads, in the full colour
                values = marks(tree)
                assert shown[values.index(max(values))] == colour and shown.count(colour) == 1
    assert page[wall._key(Wall.panel("party"))].style["--wall-domain"] == view.RED
    for code, _label, _unit in view.KPIS:
        tile = page[wall._key(Wall.kpi(code))]
        assert tile.style["--wall-domain"] == view.DOMAIN_COLOURS[domain(code)], code


@pytest.mark.timeout(180)
def test_the_browser_draws_each_domain_in_its_colour(reading_app_server, browser):
    from test_wall_browser import open_wall

    open_wall(browser, reading_app_server)

    def rgb(colour: str) -> str:
        return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))

    marks = browser.execute_script(
        "function mark(el) { return el ? getComputedStyle(el, '::before').backgroundColor : null; }"
        "var out = {};"
        "document.querySelectorAll('.wall-panel').forEach(function (p) {"
        " out[p.getAttribute('data-panel')] = mark(p.querySelector('.wall-panel-title')); });"
        "document.querySelectorAll('.wall-kpi').forEach(function (k) {"
        " out['kpi:' + k.querySelector('[data-kpi]').getAttribute('data-kpi')] = mark(k); });"
        "return out;")
    assert marks["party"] == rgb(view.RED)
    assert marks["governance"] == rgb(view.DOMAIN_COLOURS["governance"])
    assert marks["services"] == rgb(view.DOMAIN_COLOURS["services"])
    assert marks["cobuild"] == rgb(view.DOMAIN_COLOURS["cobuild"])
    assert marks["league"] == rgb(view.NEUTRAL)
    assert marks["kpi:party_members"] == rgb(view.RED)
    assert marks["kpi:hotline_on_time_rate"] == rgb(view.DOMAIN_COLOURS["governance"])
    assert marks["kpi:needs_satisfaction_rate"] == rgb(view.DOMAIN_COLOURS["cobuild"])
