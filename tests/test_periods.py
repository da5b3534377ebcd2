"""Reporting periods and what each is compared with, across month ends and leap days."""
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data import periods
from data.periods import Period, previous, resolve, same_period_last_year


def span(p: Period) -> tuple[date, date]:
    return p.start, p.end


def test_this_month_runs_to_today_and_is_compared_with_the_same_days_of_last_month():
    p = resolve("this_month", date(2025, 3, 15))
    assert span(p) == (date(2025, 3, 1), date(2025, 3, 15))
    assert (p.label_zh, p.label_en) == ("本月", "This month")
    assert span(previous(p)) == (date(2025, 2, 1), date(2025, 2, 15))


def test_on_the_last_day_of_a_month_the_whole_previous_month_is_the_comparison():
    assert span(previous(resolve("this_month", date(2025, 3, 31)))) == (date(2025, 2, 1), date(2025, 2, 28))
    assert span(previous(resolve("this_month", date(2025, 4, 30)))) == (date(2025, 3, 1), date(2025, 3, 31))
    # 30 March has no 30 February: the comparison stops at February's last day.
    assert span(previous(resolve("this_month", date(2025, 3, 30)))) == (date(2025, 2, 1), date(2025, 2, 28))


def test_last_month_is_the_whole_calendar_month_including_leap_february():
    assert span(resolve("last_month", date(2024, 3, 31))) == (date(2024, 2, 1), date(2024, 2, 29))
    assert span(resolve("last_month", date(2025, 1, 10))) == (date(2024, 12, 1), date(2024, 12, 31))
    feb = resolve("last_month", date(2025, 3, 5))
    assert span(previous(feb)) == (date(2025, 1, 1), date(2025, 1, 31))
    assert previous(feb).label_zh == "2025年1月" and previous(feb).label_en == "January 2025"


def test_quarters_step_back_a_whole_quarter():
    q = resolve("this_quarter", date(2025, 5, 20))
    assert span(q) == (date(2025, 4, 1), date(2025, 5, 20))
    assert span(previous(q)) == (date(2025, 1, 1), date(2025, 2, 20))
    last = resolve("last_quarter", date(2025, 5, 20))
    assert span(last) == (date(2025, 1, 1), date(2025, 3, 31))
    assert (previous(last).label_zh, previous(last).label_en) == ("2024年第4季度", "Q4 2024")


def test_this_year_on_leap_day_compares_with_last_years_end_of_february():
    p = resolve("this_year", date(2024, 2, 29))
    assert span(p) == (date(2024, 1, 1), date(2024, 2, 29))
    assert span(previous(p)) == (date(2023, 1, 1), date(2023, 2, 28))
    assert span(same_period_last_year(p)) == (date(2023, 1, 1), date(2023, 2, 28))


def test_same_period_last_year_keeps_whole_months_whole():
    feb_2025 = resolve("custom", date(2025, 3, 1), start=date(2025, 2, 1), end=date(2025, 2, 28))
    assert span(same_period_last_year(feb_2025)) == (date(2024, 2, 1), date(2024, 2, 29))
    leap_day = resolve("custom", date(2025, 1, 1), start=date(2024, 2, 29), end=date(2024, 2, 29))
    assert span(same_period_last_year(leap_day)) == (date(2023, 2, 28), date(2023, 2, 28))


def test_last_30_days_and_the_30_days_before():
    p = resolve("last_30_days", date(2025, 3, 1))
    assert span(p) == (date(2025, 1, 31), date(2025, 3, 1))
    assert p.days == 30
    assert span(previous(p)) == (date(2025, 1, 1), date(2025, 1, 30))


def test_a_custom_span_is_compared_with_the_same_number_of_days_before():
    week = resolve("custom", date(2025, 4, 1), start=date(2025, 3, 10), end=date(2025, 3, 16))
    assert span(previous(week)) == (date(2025, 3, 3), date(2025, 3, 9))
    first_quarter = resolve("custom", date(2025, 4, 1), start="2025-01-01", end="2025-03-31")
    assert first_quarter.label_en == "Q1 2025"
    assert span(previous(first_quarter)) == (date(2024, 10, 1), date(2024, 12, 31))


def test_custom_periods_need_valid_dates():
    with pytest.raises(ValueError, match="start"):
        resolve("custom", date(2025, 4, 1), end=date(2025, 3, 1))
    with pytest.raises(ValueError, match="start"):
        resolve("custom", date(2025, 4, 1), start=date(2025, 3, 2), end=date(2025, 3, 1))
    with pytest.raises(ValueError, match="end"):
        resolve("custom", date(2025, 4, 1), start=date(2025, 3, 2), end="soon")


def test_an_unknown_period_name_is_refused():
    with pytest.raises(ValueError, match="name"):
        resolve("next_month", date(2025, 4, 1))


def test_week_and_month_helpers():
    assert periods.week_start(date(2025, 3, 9)) == date(2025, 3, 3)  # a Sunday belongs to Monday's week
    assert periods.week_start(date(2025, 3, 3)) == date(2025, 3, 3)
    assert periods.month_start(date(2024, 2, 29)) == date(2024, 2, 1)
    assert periods.month_end(date(2024, 2, 10)) == date(2024, 2, 29)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(periods.NAMES[:-1]))
def test_every_named_period_and_its_comparisons_are_well_formed(today, name):
    p = resolve(name, today)
    assert p.start <= p.end <= today
    before = previous(p)
    assert before.start <= before.end < p.start
    year_ago = same_period_last_year(p)
    assert year_ago.start <= year_ago.end
    assert p.start - year_ago.start in (timedelta(days=365), timedelta(days=366))


def test_a_period_ends_where_its_data_ends_and_compares_like_for_like():
    """On 5 December with the hotline through the 4th: 1–4 December against 1–4 November."""
    from data.periods import cut, previous, resolve, same_period_last_year

    this_month = resolve("this_month", date(2026, 12, 5))
    shown = cut(this_month, date(2026, 12, 4))
    assert (shown.start, shown.end) == (date(2026, 12, 1), date(2026, 12, 4))
    assert shown.label_zh == "2026年12月1日至12月4日"
    assert (previous(shown).start, previous(shown).end) == (date(2026, 11, 1), date(2026, 11, 4))
    assert same_period_last_year(shown).end == date(2025, 12, 4)
    assert cut(this_month, date(2026, 12, 9)) is this_month  # the data covers all of it
    assert cut(this_month, date(2026, 11, 28)) is None  # nothing delivered for it yet
    assert cut(this_month, None) is None


def test_a_monthly_report_is_never_cut_into_days():
    from data.periods import cut, resolve

    today = date(2026, 12, 5)
    assert cut(resolve("this_month", today), date(2026, 11, 30), "month") is None  # December's report is not in
    last = cut(resolve("last_month", today), date(2026, 11, 30), "month")
    assert (last.start, last.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert cut(resolve("last_30_days", today), date(2026, 11, 30), "month") is None  # it would cut November
    year = cut(resolve("last_12_months", today), date(2026, 12, 5), "month")  # a report of December loaded on the 5th
    assert (year.start, year.end) == (date(2025, 12, 1), date(2026, 11, 30))  # twelve whole months
