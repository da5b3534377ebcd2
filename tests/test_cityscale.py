"""The city generator's figures mean what the sources' figures mean.

``etl.cityscale`` draws counts instead of reading exports, so nothing forces its numbers
to follow each source's definitions unless a test does. One street's communities and grid
cells over a few months are generated with the generator's own functions, and every
identity a source guarantees by construction is checked on every area and day (and month,
for the monthly report): e.g. a hotline order is overdue when marked 是否超期 = 是, so an
order resolved but not on time is overdue (overdue >= resolved - on_time), and disputes
are the grid events of category 矛盾纠纷.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from data import coverage, query
from data.schema import area, etl_run, fact
from etl import cityscale
from etl.sources import activities, care, grid_events, hotline, party, services, volunteers

STREET = "510104011000"


@pytest.fixture(scope="module")
def generated():
    """(totals, members): wide frames indexed by (period, area_code), one column per metric
    (totals) or per (metric, dimension, member)."""
    areas = cityscale.city_areas(["510104000000"], streets_only=[STREET])
    communities = areas[areas["level"] == "community"].reset_index(drop=True)
    grids = areas[areas["level"] == "grid"].reset_index(drop=True)
    days = pd.date_range("2025-01-01", "2025-04-30", freq="D")
    frame = cityscale.district_facts(np.random.default_rng(7), communities, grids, days, intensity=1.0)
    assert frame[["period", "area_code", "metric_code", "dimension", "member"]].duplicated().sum() == 0
    keys = ["period", "area_code"]
    totals = frame[frame["dimension"] == ""].pivot(index=keys, columns="metric_code", values="value").fillna(0)
    members = frame[frame["dimension"] != ""].pivot(index=keys, columns=["metric_code", "dimension", "member"],
                                                    values="value").fillna(0).sort_index(axis=1)
    return totals, members.reindex(totals.index, fill_value=0), frame


def _member_sum(members: pd.DataFrame, metric: str, dimension: str) -> pd.Series:
    return members.loc[:, (metric, dimension)].sum(axis=1)


def test_every_metric_written_is_one_a_source_writes(generated):
    _, _, frame = generated
    written = set(frame["metric_code"])
    by_sources = set().union(*(m.METRICS for m in (activities, care, grid_events, hotline, party, services,
                                                   volunteers)))
    assert written <= by_sources
    assert {"hotline_overdue", "disputes_reported", "disputes_mediated", "grid_events_closed"} <= written


def test_hotline_figures_follow_the_hotline_source(generated):
    t, m, _ = generated
    assert (t["hotline_resolved"] + t["hotline_open"] + t["hotline_returned"] == t["hotline_received"]).all()
    assert (t["hotline_on_time"] <= t["hotline_resolved"]).all()
    # Overdue counts every order marked 是否超期 = 是, so a resolved order not on time is one of them,
    # and open or returned orders may be overdue too.
    assert (t["hotline_overdue"] >= t["hotline_resolved"] - t["hotline_on_time"]).all()
    assert (t["hotline_overdue"] <= t["hotline_received"] - t["hotline_on_time"]).all()
    assert (t["hotline_overdue"] > t["hotline_resolved"] - t["hotline_on_time"]).any(), "open orders can be overdue"
    assert (t["hotline_satisfied"] <= t["hotline_rated"]).all()
    assert (t["hotline_rated"] <= t["hotline_received"]).all()


def test_grid_figures_follow_the_grid_events_source(generated):
    t, m, _ = generated
    assert (_member_sum(m, "grid_events_reported", "category") == t["grid_events_reported"]).all()
    assert (_member_sum(m, "grid_events_reported", "urgency") == t["grid_events_reported"]).all()
    assert (_member_sum(m, "grid_events_closed", "category") == t["grid_events_closed"]).all()
    assert (t["grid_events_closed"] <= t["grid_events_reported"]).all()
    assert (t["grid_events_urgent"] <= t["grid_events_reported"]).all()
    urgent = m.get(("grid_events_reported", "urgency", "紧急"), 0) + m.get(("grid_events_reported", "urgency", "特急"), 0)
    assert (t["grid_events_urgent"] == urgent).all()
    # Disputes are the grid events of category 矛盾纠纷, on the same area and day; mediated when closed.
    assert (t["disputes_reported"] == m[("grid_events_reported", "category", grid_events.DISPUTE)]).all()
    assert (t["disputes_mediated"] == m[("grid_events_closed", "category", grid_events.DISPUTE)]).all()
    assert ((t["grid_events_closure_hours"] > 0) <= (t["grid_events_closed"] > 0)).all()


def test_service_figures_follow_the_services_source(generated):
    t, m, _ = generated
    assert (_member_sum(m, "service_transactions", "channel") == t["service_transactions"]).all()
    assert (_member_sum(m, "service_transactions", "item") == t["service_transactions"]).all()
    assert (t["service_self_service"] == m[("service_transactions", "channel", "自助终端")]).all()
    assert (t["service_online"] == m[("service_transactions", "channel", "网上")]).all()
    assert (t["service_good_reviews"] <= t["service_reviews"]).all()
    assert ((t["service_wait_minutes"] > 0) <= (t["service_transactions"] > 0)).all()


def test_care_figures_follow_the_care_source(generated):
    t, m, _ = generated
    each = [metric for metric in care.ITEM_METRICS.values()]
    assert (t[each].sum(axis=1) == t["care_services"]).all()
    for item, metric in care.ITEM_METRICS.items():
        assert (m[("care_services", "item", item)] == t[metric]).all()


def test_activity_figures_follow_the_activities_source(generated):
    t, m, _ = generated
    assert (t["activity_participants"] <= t["activity_signups"]).all()
    assert (t["activity_party_participants"] <= t["activity_participants"]).all()
    # An activity is counted as held from its sign-ups: held days are the days with sign-ups.
    assert ((t["activities_held"] > 0) == (t["activity_signups"] > 0)).all()
    assert (t["activities_held"] <= t["activity_signups"]).all()
    for dimension in ("type", "age_band"):
        assert (_member_sum(m, "activity_participants", dimension) == t["activity_participants"]).all()


def test_volunteer_and_party_figures_follow_their_sources(generated):
    t, _, frame = generated
    assert ((t["volunteer_hours"] > 0) <= (t["volunteer_services"] > 0)).all()
    assert (t["party_mobile_members"] <= t["party_members"]).all(), "the party source rejects more mobile members"
    monthly = frame[frame["metric_code"].isin(party.METRICS + ("active_volunteers", "volunteer_teams"))]
    assert (pd.to_datetime(monthly["period"]).dt.day == 1).all(), "the monthly report and stocks sit on the 1st"


def test_a_built_city_records_what_each_source_covers(engine):
    """The pages read "data through" and missing-vs-zero from ``etl_coverage`` per source: a
    built city says, per real source, that its data covers every generated community from
    the first generated day to the last; the monthly party report to its last whole month
    (December's report, on 4 December, has not arrived, so none of it is written)."""
    end = date(2026, 12, 4)
    built = cityscale.build(engine, ["510104000000"], years=1, end=end, intensity=0.05, streets=[STREET],
                            log=lambda *_: None)
    daily = {"hotline", "grid_events", "activities", "volunteers", "services", "care"}
    assert coverage.through(STREET, engine=engine) == {**dict.fromkeys(daily, end), "party": date(2026, 11, 30)}
    with engine.connect() as conn:
        communities = set(conn.execute(select(area.c.code).where(
            area.c.parent_code == STREET, area.c.level == "community")).scalars())
        runs = {r.source: r for r in conn.execute(select(etl_run).where(etl_run.c.source != "cityscale"))}
        december_party = conn.execute(select(fact.c.metric_code).where(
            fact.c.metric_code.in_(party.METRICS), fact.c.period >= date(2026, 12, 1)).limit(1)).first()
    assert december_party is None
    spans = coverage.spans(engine=engine)
    for source in daily | {"party"}:
        assert runs[source].status == "success" and runs[source].rows_loaded > 0
        assert set(spans[source]) == communities
        assert {first for first, _ in spans[source].values()} == {built["first"]}
    assert query.data_version(engine=engine) == built["run_id"], "the build stays the latest load"
    # Before the generated range nothing was delivered: no figure, not a zero.
    community = sorted(communities)[0]
    assert query.value("hotline_received", community, "2025-11-01", "2025-11-30", engine=engine) is None
    assert query.value("party_new_members", community, "2025-11-01", "2025-11-30", engine=engine) is None
    assert query.value("hotline_received", STREET, "2026-11-01", "2026-11-30", engine=engine) > 0
