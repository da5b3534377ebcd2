"""Unusual changes (data/unusual.py): a planted anomaly is flagged with its usual range, an
ordinary December is not, and missing or partial months, short histories and small counts
never are.

Two warehouses: hand-written histories with exactly known ranges (on SQLite and on
PostgreSQL), and the real generator and ETL over three years of 12345 orders in 沙河街道 up to
4 December 2026, with 汇泉路社区's complaints tripled in September 2026 (the samples' planted
anomaly, ``etl.samples.hotline.SURGE``) and the October 2026 export never delivered.
"""
from __future__ import annotations

import math
import statistics
from datetime import date, datetime

import pandas as pd
import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import create_engine

from callbacks.overview import kpi_cards, unusual_items
from data import areas, coverage, periods, query, unusual
from etl.load import FACT_COLUMNS, Output, write
from etl.samples.hotline import SURGE
from layouts.overview import all_kpis
from support import AppServer, build_sample_warehouse, wait_for

HUIQUAN, CHUANGYE, SHAHE = "510104011001", "510104011002", "510104011000"  # 汇泉路社区, 创业社区, 沙河街道
END = date(2026, 12, 4)  # the samples' last day: December 2026 is their current, unfinished month
MISSING = "hotline_2026-10"  # the export never delivered
SEPTEMBER, OCTOBER, NOVEMBER = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
DECEMBER_2025, DECEMBER_2026 = date(2025, 12, 1), date(2026, 12, 1)
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


# --------------------------------------------------------------------------- the method on numbers

def season(month: date) -> float:
    return 1.0 + 0.3 * math.sin(month.month / 12 * 2 * math.pi)


def months(first: date, count: int) -> list[date]:
    return [periods.add_months(first, i) for i in range(count)]


def test_a_flow_that_repeats_its_seasons_exactly_gets_a_range_of_counting_noise_alone():
    # Every month 100 × its season: each earlier month is forecast exactly (residuals 0, their
    # spread 0), so the range is the forecast × exp(± 3 / sqrt(forecast)), the Poisson noise.
    history = {m: 100 * season(m) for m in months(date(2024, 1, 1), 32)}
    month = date(2026, 9, 1)
    expected = 100 * season(month)
    low = math.floor(expected * math.exp(-3 / math.sqrt(expected)))
    high = math.ceil(expected * math.exp(3 / math.sqrt(expected)))
    assert (low, high) == (48, 101)  # by hand: 100 × (1 + 0.3 sin(1.5π)) = 70; 70 e^{±0.3586} = 48.9, 100.2
    found = unusual.flow_range(history, month, expected)
    assert found.state == unusual.USUAL and found.expected == pytest.approx(expected)
    assert (found.low, found.high) == (low, high)
    assert unusual.flow_range(history, month, high + 1).state == unusual.ABOVE
    assert unusual.flow_range(history, month, low - 1).state == unusual.BELOW
    assert unusual.flow_range(history, month, high).state == unusual.USUAL


def test_a_flow_forecast_is_last_years_month_scaled_by_the_recent_trend():
    history = {m: 100.0 for m in months(date(2025, 1, 1), 20)}  # Jan 2025 .. Aug 2026
    history[date(2025, 9, 1)] = 80.0
    for m in (date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)):
        history[m] = 150.0  # the last three months half as busy again as a year before
    assert unusual.flow_forecast(history, date(2026, 9, 1)) == pytest.approx(80.0 * 1.5)
    # One odd trend month does not move it: the median of the three months' ratios.
    history[date(2026, 8, 1)] = 600.0
    assert unusual.flow_forecast(history, date(2026, 9, 1)) == pytest.approx(80.0 * 1.5)


def test_a_flow_without_last_years_month_or_with_a_small_count_has_no_range():
    history = {m: 100 * season(m) for m in months(date(2025, 1, 1), 20)}
    assert unusual.flow_range(history, date(2025, 12, 1), 500).state == unusual.SHORT  # no Dec 2024
    # Enough months, but too few earlier forecasts to know how far the figure strays.
    assert unusual.flow_range(history, date(2026, 5, 1), 500).state == unusual.SHORT
    small = {m: 5 * season(m) for m in months(date(2024, 1, 1), 32)}
    assert unusual.flow_range(small, date(2026, 9, 1), 50).state == unusual.SMALL


def test_a_rate_is_judged_against_its_pooled_year_with_the_noise_of_its_denominator():
    history = {m: (90.0, 100.0) for m in months(date(2025, 9, 1), 12)}  # 90% every month of a year
    month = date(2026, 9, 1)
    width = 3 * math.sqrt(0.9 * 0.1 / 100)  # no monthly spread: the binomial noise of 100 cases
    found = unusual.rate_range(history, month, 85, 100)
    assert found.state == unusual.USUAL
    assert (found.low, found.high) == (pytest.approx(0.9 - width), pytest.approx(0.9 + width))
    assert unusual.rate_range(history, month, 80, 100).state == unusual.BELOW
    # The same 80% of 25 cases is chance: too small a denominator is not judged at all.
    assert unusual.rate_range(history, month, 20, 25).state == unusual.SMALL
    assert unusual.rate_range(dict(list(history.items())[:5]), month, 80, 100).state == unusual.SHORT


# --------------------------------------------------------------------------- hand-written warehouse

def _deliver(engine, month: date, values: dict[str, float], *, through: date | None = None,
             source: str = "hotline", metric: str = "hotline_received"):
    """One month's export for the communities of ``values`` (its scope): each one's figure, half
    on the 1st and half on the last day, covering the month (or up to ``through``)."""
    last = periods.month_end(month) if through is None else through
    rows = [{"period": day, "area_code": code, "metric_code": metric, "dimension": "", "member": "",
             "value": value / 2} for code, value in values.items() for day in (month, last)]
    write(engine, source, [metric], f"{source}_{month:%Y-%m}.csv", f"{month:%Y-%m}-{through}",
          datetime(2026, 12, 5, 9), Output(facts=pd.DataFrame(rows, columns=FACT_COLUMNS), rejects=NO_REJECTS,
                                           covers=(month, last), communities=sorted(values)))


def test_only_whole_delivered_months_are_judged_on_both_engines(warehouse):
    """Two years of a seasonal history, September doubled, October never delivered, November's
    export stopping on the 20th: September is flagged with its range; October (no figure: missing,
    not 0) and November are never flagged."""
    for month in months(date(2024, 1, 1), 33):  # Jan 2024 .. Sep 2026
        factor = 2.0 if month == SEPTEMBER else 1.0
        _deliver(warehouse, month, {HUIQUAN: 100 * season(month) * factor, CHUANGYE: 100 * season(month)})
    _deliver(warehouse, NOVEMBER, {HUIQUAN: 100 * season(NOVEMBER), CHUANGYE: 100 * season(NOVEMBER)},
             through=date(2026, 11, 20))
    assert coverage.whole_months("hotline", HUIQUAN, date(2026, 7, 1), NOVEMBER, engine=warehouse) == (
        date(2026, 7, 1), date(2026, 8, 1), SEPTEMBER)
    found = {u.month: u for u in unusual.usual_ranges("hotline_received", HUIQUAN, date(2026, 8, 1), NOVEMBER,
                                                      engine=warehouse)}
    expected = 100 * season(SEPTEMBER)
    assert found[SEPTEMBER].state == unusual.ABOVE and found[SEPTEMBER].value == pytest.approx(2 * expected)
    assert (found[SEPTEMBER].low, found[SEPTEMBER].high) == (
        math.floor(expected * math.exp(-3 / math.sqrt(expected))), math.ceil(expected * math.exp(3 / math.sqrt(expected))))
    assert found[date(2026, 8, 1)].state == unusual.USUAL
    # October: nothing was delivered, so there is no figure (not 0), and nothing to judge.
    assert query.value("hotline_received", HUIQUAN, OCTOBER, periods.month_end(OCTOBER), engine=warehouse) is None
    assert found[OCTOBER].state == unusual.NOT_WHOLE and not found[OCTOBER].flagged and found[OCTOBER].low is None
    assert found[NOVEMBER].state == unusual.NOT_WHOLE and not found[NOVEMBER].flagged
    # The street sums both communities: September is 1.5 times its usual, outside its range too.
    assert unusual.judge("hotline_received", SHAHE, SEPTEMBER, engine=warehouse).state == unusual.ABOVE


def test_a_month_one_community_left_out_is_not_whole_for_the_street(warehouse):
    for month in months(date(2024, 1, 1), 33):
        _deliver(warehouse, month, {HUIQUAN: 100 * season(month)})
    _deliver(warehouse, OCTOBER, {HUIQUAN: 50, CHUANGYE: 60})
    # 创业社区 delivered only in October, so for the street no earlier month is whole.
    assert coverage.whole_months("hotline", SHAHE, SEPTEMBER, OCTOBER, engine=warehouse) == (OCTOBER,)


def test_an_unusually_small_count_of_people_is_said_as_under_five(warehouse):
    for month in months(date(2024, 1, 1), 33):
        participants = 4.0 if month == SEPTEMBER else 40 * season(month)
        _deliver(warehouse, month, {HUIQUAN: participants}, source="activities", metric="activity_participants")
    place = areas.get(HUIQUAN, engine=warehouse)
    cards = kpi_cards(["activity_participants"], place,
                      periods.resolve("custom", date(2026, 9, 30), SEPTEMBER, date(2026, 9, 30)), engine=warehouse)
    found = unusual.judge("activity_participants", HUIQUAN, SEPTEMBER, engine=warehouse)
    items = unusual_items(cards, HUIQUAN, "zh", year=2026, engine=warehouse)
    assert found.state == unusual.BELOW and found.value == 4
    assert [i["text"] for i in items] == [f"活动参与 9月 <5 · 常态 {found.low}–{found.high} 人次"]


def test_stocks_and_averages_are_not_judged(warehouse):
    for code in ("party_members", "service_avg_wait"):
        assert unusual.judge(code, HUIQUAN, SEPTEMBER, engine=warehouse).state == unusual.NOT_JUDGED


# --------------------------------------------------------------------------- the samples

@pytest.fixture(scope="module")
def samples_url(tmp_path_factory):
    """Three years of the generator's 12345 orders in 沙河街道 up to 4 December 2026, loaded by the
    real ETL, the October 2026 export left out."""
    return build_sample_warehouse(tmp_path_factory.mktemp("unusual"), months=36, scale=1.0, end=END,
                                  sources=["areas", "hotline"], leave_out=[MISSING])


@pytest.fixture(scope="module")
def samples(samples_url):
    engine = create_engine(samples_url)
    yield engine
    engine.dispose()


def test_the_samples_plant_one_anomaly():
    assert SURGE == {("汇泉路社区", 202609): 3.0}


def test_the_planted_anomaly_is_flagged_with_its_range(samples):
    found = unusual.judge("hotline_received", HUIQUAN, SEPTEMBER, engine=samples)
    assert found.state == unusual.ABOVE and found.flagged
    assert found.value == query.value("hotline_received", HUIQUAN, SEPTEMBER, date(2026, 9, 30), engine=samples)
    assert found.low < found.expected < found.high < found.value
    assert found.value > 2 * found.expected  # tripled: well clear of the range, not at its edge


def test_the_range_is_the_documented_calculation(samples):
    """Worked in the test from the monthly figures: the same month of earlier years × the median of
    the last three months' ratios to a year before, and the median absolute deviation (by hand) of
    the earlier months' log residuals."""
    series = query.series("hotline_received", HUIQUAN, date(2024, 1, 1), date(2026, 8, 31), engine=samples)
    y = {row.period: row.value for row in series.itertuples()}

    def forecast(month):
        found = []
        for years in (1, 2, 3):
            trend = [y.get(periods.add_months(month, -b)) / y.get(periods.add_months(month, -b - 12 * years))
                     for b in (1, 2, 3) if y.get(periods.add_months(month, -b - 12 * years))]
            before = y.get(periods.add_months(month, -12 * years))
            if before and len(trend) == 3:
                found.append(before * statistics.median(trend))
        return statistics.median(found) if found else None

    residuals = [math.log(y[m] / forecast(m)) for m in sorted(y) if forecast(m)]
    centre = statistics.median(residuals)
    mad = 1.4826 * statistics.median([abs(r - centre) for r in residuals])
    expected = forecast(SEPTEMBER)
    width = 3 * math.sqrt(mad ** 2 + 1 / expected)
    found = unusual.judge("hotline_received", HUIQUAN, SEPTEMBER, engine=samples)
    assert len(residuals) >= unusual.MIN_RESIDUALS
    assert found.expected == pytest.approx(expected * math.exp(centre))
    assert found.low == math.floor(expected * math.exp(centre - width))
    assert found.high == math.ceil(expected * math.exp(centre + width))


def test_an_ordinary_december_is_not_flagged(samples):
    for area in (HUIQUAN, SHAHE):
        december = unusual.judge("hotline_received", area, DECEMBER_2025, engine=samples)
        assert december.state == unusual.USUAL and december.low <= december.value <= december.high
        # December 2026, the samples' current month, is not over: no range, no flag.
        current = unusual.judge("hotline_received", area, DECEMBER_2026, engine=samples)
        assert current.state == unusual.NOT_WHOLE and current.low is None
    ranges = unusual.usual_ranges("hotline_received", HUIQUAN, date(2025, 9, 1), DECEMBER_2026, engine=samples)
    assert [u.month for u in ranges if u.flagged] == [SEPTEMBER]  # the planted month alone


def test_a_month_not_delivered_is_never_flagged_and_leaves_too_little_history(samples):
    october = unusual.judge("hotline_received", HUIQUAN, OCTOBER, engine=samples)
    assert october.state == unusual.NOT_WHOLE and not october.flagged
    # November's forecast needs October among its trend months: too little history, said so.
    november = unusual.judge("hotline_received", HUIQUAN, NOVEMBER, engine=samples)
    assert november.state == unusual.SHORT and november.low is None and not november.flagged
    # And the first year has no earlier year at all.
    assert unusual.judge("hotline_received", HUIQUAN, date(2024, 12, 1), engine=samples).state == unusual.SHORT


def test_rates_of_small_denominators_do_not_flag_on_noise(samples):
    ranges = unusual.usual_ranges("hotline_on_time_rate", HUIQUAN, date(2025, 1, 1), date(2026, 9, 1), engine=samples)
    assert not any(u.flagged for u in ranges)
    judged = [u for u in ranges if u.state == unusual.USUAL]
    assert judged and all(u.low < u.expected < u.high for u in judged)


def _cards(samples, start: date, end: date) -> dict:
    place = areas.get(HUIQUAN, engine=samples)
    return kpi_cards(all_kpis(), place, periods.resolve("custom", end, start, end), engine=samples)


def test_needs_attention_says_above_usual_with_the_range_in_both_languages(samples):
    found = unusual.judge("hotline_received", HUIQUAN, SEPTEMBER, engine=samples)
    cards = _cards(samples, SEPTEMBER, date(2026, 9, 30))
    zh = unusual_items(cards, HUIQUAN, "zh", year=2026, engine=samples)
    en = unusual_items(cards, HUIQUAN, "en", year=2026, engine=samples)
    assert [(i["tag"], i["text"], i["tone"]) for i in zh] == [
        ("高于常态", f"12345受理 9月 {found.value:.0f} 件 · 常态 {found.low}–{found.high} 件", "unusual")]
    assert [(i["tag"], i["text"]) for i in en] == [
        ("Above usual", f"12345 work orders received, September: {found.value:.0f} orders · "
                        f"usual {found.low}–{found.high} orders")]
    assert "往年同月" in zh[0]["title"] and "same month of earlier years" in en[0]["title"]


def test_needs_attention_flags_no_ordinary_or_unfinished_month(samples):
    for start, end in ((DECEMBER_2025, date(2025, 12, 31)), (DECEMBER_2026, END), (OCTOBER, date(2026, 10, 31))):
        assert unusual_items(_cards(samples, start, end), HUIQUAN, "zh", year=end.year, engine=samples) == []


@pytest.fixture(scope="module")
def samples_app(samples_url):
    server = AppServer(samples_url).start()
    yield server
    server.stop()


def _settled(browser):
    wait_for(browser, lambda d: not d.execute_script(
        "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"), message="still loading")


@pytest.mark.browser
def test_the_overview_and_the_explorer_show_the_unusual_month_in_chromium(samples_app, browser, samples):
    found = unusual.judge("hotline_received", HUIQUAN, SEPTEMBER, engine=samples)
    browser.get(f"{samples_app.url}/?area={HUIQUAN}&period=custom&start=2026-09-01&end=2026-09-30")
    item = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".attention-item.unusual"),
                    message="no unusual item on the overview")
    assert item.text.replace("\n", " ") == f"高于常态 12345受理 9月 {found.value:.0f} 件 · 常态 {found.low}–{found.high} 件"
    # on hover: the line's words whole (a long one is cut at two lines), then how the range is made
    words, how = item.get_attribute("title").split("\n", 1)
    assert words == f"12345受理 9月 {found.value:.0f} 件 · 常态 {found.low}–{found.high} 件" and how.startswith("常态：往年同月")
    # An ordinary December: nothing unusual listed.
    browser.get(f"{samples_app.url}/?area={HUIQUAN}&period=custom&start=2025-12-01&end=2025-12-31")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".attention-item"), message="no attention list")
    _settled(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, ".attention-item.unusual")

    browser.get(f"{samples_app.url}/explore?metric=hotline_received&area={HUIQUAN}&period=custom"
                "&start=2025-06-01&end=2026-12-04&chart=lines")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-trend .legendtext"),
             message="the trend did not render")
    _settled(browser)
    traces = browser.execute_script(
        "return document.getElementById('explore-trend').querySelector('.js-plotly-plot').data"
        ".map(t => ({name: t.name, x: t.x, y: t.y, fill: t.fill || null}))")
    band = [t for t in traces if t["name"] == "常态范围"]
    ringed = [t for t in traces if t["name"] == "超出常态"]
    assert band and all(t["fill"] == "toself" for t in band)
    months_banded = {x[:7] for t in band for x in t["x"]}
    assert "2025-12" in months_banded and "2026-09" in months_banded
    assert not months_banded & {"2026-10", "2026-11", "2026-12"}  # not delivered, short history, unfinished
    assert len(ringed) == 1 and [x[:7] for x in ringed[0]["x"]] == ["2026-09"]
    assert ringed[0]["y"] == [found.value]
    legend = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#explore-trend .legendtext")]
    assert "常态范围" in legend and "超出常态" in legend


def test_the_band_follows_the_judged_months(samples):
    """The explorer's band is data.unusual's ranges: no range where a month is not judged."""
    ranges = unusual.usual_ranges("hotline_received", HUIQUAN, date(2025, 6, 1), DECEMBER_2026, engine=samples)
    with_range = [u.month for u in ranges if u.low is not None]
    # From September 2025 (five earlier forecasts since June 2024) to September 2026; not October
    # (not delivered), November (its trend months lack October) nor December (not over).
    assert with_range == months(date(2025, 9, 1), 13)
