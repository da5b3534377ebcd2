"""The explorer's view survives a trip through a link, and a bad link still opens a view."""
from datetime import date

import pytest

from data import urlstate
from data.urlstate import ExploreState, OverviewState, explore_query, overview_query, parse_explore, parse_overview

DIMENSIONS = {
    "activity_participants": ("type", "age_band", "gender"),
    "hotline_received": ("category", "channel", "type"),
    "hotline_on_time_rate": (),
}


def round_trip(state: ExploreState) -> ExploreState:
    parsed, problems = parse_explore(explore_query(state), DIMENSIONS)
    assert problems == []
    return parsed


def test_an_empty_link_opens_the_default_view_of_the_embedded_street():
    state, problems = parse_explore("", DIMENSIONS)
    assert state == ExploreState()
    assert state.area == "510104011000"
    assert problems == []


def test_every_field_of_a_view_survives_the_round_trip():
    state = ExploreState(
        metric="hotline_received", area="510104011001", period="custom", start=date(2026, 1, 1),
        end=date(2026, 3, 31), grain="week", by="category", compare=("510104011002", "510104011003"),
        chart="multiples", lang="en",
    )
    assert round_trip(state) == state


@pytest.mark.parametrize("grain", urlstate.GRAINS)
@pytest.mark.parametrize("chart", urlstate.CHARTS)
def test_grains_and_chart_types_round_trip(grain, chart):
    state = ExploreState(grain=grain, chart=chart)
    assert round_trip(state) == state


def test_a_link_names_the_metric_and_area_and_leaves_other_defaults_out():
    query = explore_query(ExploreState())
    assert query == "?metric=activity_participants&area=510104011000"


def test_compared_areas_are_one_readable_comma_separated_parameter():
    query = explore_query(ExploreState(compare=("510104011002", "510104011003")))
    assert "compare=510104011002,510104011003" in query


def test_dates_only_travel_with_a_custom_period():
    state = ExploreState(period="last_year", start=date(2026, 1, 1), end=date(2026, 2, 1))
    assert "start" not in explore_query(state)
    assert round_trip(state) == ExploreState(period="last_year")


def test_dash_keyword_arguments_are_read_like_a_query_string():
    state, problems = parse_explore({"metric": "hotline_received", "by": "channel", "grain": "day"}, DIMENSIONS)
    assert (state.metric, state.by, state.grain) == ("hotline_received", "channel", "day")
    assert problems == []


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        ("metric=no_such_metric", "metric", "activity_participants"),
        ("area=shahe", "area", "510104011000"),
        ("grain=hour", "grain", "month"),
        ("chart=pie", "chart", "bars"),
        ("lang=fr", "lang", "zh"),
        ("period=next_year", "period", "last_12_months"),
    ],
)
def test_a_bad_parameter_falls_back_to_its_default_and_is_named(query, field, expected):
    state, problems = parse_explore(query, DIMENSIONS)
    assert getattr(state, field) == expected
    assert len(problems) == 1 and problems[0].startswith(f"{field}:")


def test_a_breakdown_the_metric_does_not_have_falls_back_to_child_areas():
    state, problems = parse_explore("metric=hotline_on_time_rate&by=category", DIMENSIONS)
    assert state.by == "children"
    assert "by:" in problems[0] and "category" in problems[0]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("period=custom&start=2026-01-01", "end"),
        ("period=custom&start=2026-03-01&end=2026-01-01", "after"),
        ("period=custom&start=yesterday&end=2026-01-01", "YYYY-MM-DD"),
    ],
)
def test_a_custom_period_needs_two_dates_in_order(query, reason):
    state, problems = parse_explore(query, DIMENSIONS)
    assert state.period == "last_12_months" and state.start is None
    assert reason in problems[0]


def test_compare_drops_bad_codes_duplicates_and_the_area_itself():
    state, problems = parse_explore(
        "area=510104011000&compare=510104011001,x1,510104011001,510104011000,510104011002001", DIMENSIONS)
    assert state.compare == ("510104011001", "510104011002001")
    assert problems == ["compare: 'x1' is not a 12- or 15-digit area code; left out"]


def test_at_most_six_areas_are_compared():
    codes = ",".join(f"510104011{n:03d}" for n in range(1, 10))
    state, problems = parse_explore(f"compare={codes}", DIMENSIONS)
    assert len(state.compare) == urlstate.MAX_COMPARE
    assert problems and problems[0].startswith("compare:")


def test_last_12_months_is_twelve_whole_months_and_this_month_so_far():
    period = urlstate.resolve_period(ExploreState(), date(2026, 11, 24))
    assert (period.start, period.end) == (date(2025, 11, 1), date(2026, 11, 24))


def test_named_periods_resolve_through_the_period_module():
    period = urlstate.resolve_period(ExploreState(period="last_month"), date(2026, 3, 15))
    assert (period.start, period.end) == (date(2026, 2, 1), date(2026, 2, 28))


def test_the_overview_keeps_area_period_and_language_in_its_link():
    state = OverviewState(area="510104011001", period="custom", start=date(2026, 2, 1), end=date(2026, 2, 28),
                          lang="en")
    assert parse_overview(overview_query(state)) == (state, [])
    assert overview_query(OverviewState()) == "?area=510104011000"


def test_the_overview_link_keeps_the_league_sort_and_per_thousand_switch():
    sorts = ["hotline_on_time_rate", "elderly_meals"]
    state = OverviewState(area="510104011001", period="last_month", sort="elderly_meals", scale="per_1000")
    link = overview_query(state)
    assert link == "?area=510104011001&period=last_month&sort=elderly_meals&scale=per_1000"
    assert parse_overview(link, sorts) == (state, [])
    assert parse_overview("area=510104011001", sorts)[0].sort == "hotline_on_time_rate"  # the defaults stay out


def test_a_league_sort_or_scale_the_overview_does_not_offer_falls_back_and_is_named():
    state, problems = parse_overview("sort=no_such_metric&scale=per_100", ["hotline_on_time_rate", "elderly_meals"])
    assert (state.sort, state.scale) == ("hotline_on_time_rate", "total")
    assert [p.split(":")[0] for p in problems] == ["sort", "scale"]
    state, problems = parse_overview("sort=1%3Bdrop")  # no list given: a metric code's shape at least
    assert state.sort == "hotline_on_time_rate" and problems[0].startswith("sort:")


def test_the_overview_offers_only_its_own_periods():
    state, problems = parse_overview("period=last_12_months")
    assert state.period == "this_month"
    assert problems[0].startswith("period:")
