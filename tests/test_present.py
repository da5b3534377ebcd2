"""The presenter (data/present.py), the zh/en catalogue (data/text.py) and the shared periods."""
from __future__ import annotations

import json
import math
from datetime import date

import pytest

from data import periods, present, text
from data.urlstate import ExploreState, OverviewState

RATE = {"code": "hotline_on_time_rate", "unit": "%", "unit_en": "%"}
ORDERS = {"code": "hotline_received", "unit": "件", "unit_en": "orders"}
HOURS = {"code": "grid_events_avg_closure_hours", "unit": "小时", "unit_en": "hours"}


def test_a_ratio_is_read_as_a_percentage_with_one_decimal():
    assert present.is_percent(RATE) and not present.is_percent(ORDERS) and not present.is_percent(None)
    reading = present.show(0.95123, RATE, "zh")
    assert (reading.text, reading.number, reading.unit, reading.with_unit) == ("95.1%", "95.1", "", "95.1%")
    assert present.show(0.95123, RATE, "en").text == "95.1%"
    assert present.show(95.123, RATE, "zh", scaled=True).text == "95.1%"
    assert present.display_value(0.95123, RATE) == 95.12 and present.display_value(12.345, ORDERS) == 12.35
    assert present.display_value(None, RATE) is None
    assert present.target_text(0.95, RATE) == "95%" and present.target_text(48.0, HOURS) == "48"


def test_units_in_both_languages():
    assert present.show(12345, ORDERS, "zh").with_unit == "12,345 件"
    assert present.show(12345, ORDERS, "en").with_unit == "12,345 orders"
    assert present.show(3.25, HOURS, "en").with_unit == "3.2 hours"  # one decimal, as format() rounds
    assert present.unit_label(RATE, "zh") == "%" and present.unit_label(ORDERS, "en") == "orders"
    assert present.shown_unit(RATE, "zh") == "" and present.shown_unit(ORDERS, "zh") == "件"
    assert present.percent_sign(RATE) == "%" and present.percent_sign(ORDERS) == ""
    assert present.wall_unit("小时") == ("小时", "h") and present.wall_unit("人次") == ("人次", "")


@pytest.mark.parametrize("missing", [None, math.nan])
def test_no_value_is_a_dash_with_the_reason(missing):
    zh, en = present.show(missing, ORDERS, "zh"), present.show(missing, RATE, "en")
    assert zh.text == "—" and zh.reason == "暂无数据" and zh.n is None
    assert en.text == "—" and en.reason == "No data"  # no percent sign after a dash
    assert present.show(12, ORDERS, "zh").reason == ""
    masked = present.show("<5", ORDERS, "zh")
    assert masked.text == "<5" and masked.reason


def test_large_numbers_on_the_pages_and_on_the_wall():
    assert present.show(1234567, ORDERS, "zh").text == "1,234,567"
    assert present.show(1234567.25, ORDERS, "zh").text == "1,234,567.2"
    wall = {lang: present.show(123456, None, lang, compact=True).counter() for lang in ("zh", "en")}
    assert wall["zh"] == {"text": "12.3万", "n": 12.3, "d": 1, "s": "万"}
    assert wall["en"] == {"text": "123k", "n": 123.0, "d": 0, "s": "k"}
    assert present.show(2_500_000, None, "en", compact=True).number == "2.5M"
    assert present.show(2_500_000, None, "zh", compact=True).number == "250.0万"
    assert present.show(99_999, None, "zh", compact=True).number == "99,999"
    assert present.show(12.34, None, "zh", compact=True).number == "12.3"
    assert present.show(0.951, RATE, "zh", compact=True).counter() == {"text": "95.1", "n": 95.1, "d": 1, "s": ""}
    assert present.show(0.951, RATE, "zh", compact=True).text == "95.1%"


def test_changes_are_points_for_ratios_and_percent_otherwise():
    assert present.change(0.95, 0.90, RATE) == pytest.approx(5.0)
    assert present.change(110, 100, ORDERS) == pytest.approx(10.0)
    assert present.change(1, 0, ORDERS) is None and present.change(None, 1, ORDERS) is None
    assert present.change_text(5.0, RATE, "zh") == "▲ 5.0个百分点"
    assert present.change_text(-5.0, RATE, "en") == "▼ 5.0 pp"
    assert present.change_text(-12.5, ORDERS, "en") == "▼ 12.5%"
    assert present.change_text(None, ORDERS, "en") == "—"


def test_the_wall_gets_names_and_separators_from_the_catalogue():
    zh, en = json.loads(present.wall_settings("zh")), json.loads(present.wall_settings("en"))
    assert zh["months"][11] == "12月" and zh["weekdays"][0] == "日" and zh["weekdays"][1] == "一"
    assert en["months"][0] == "January" and en["weekdays"][0] == "Sunday"
    assert (zh["group"], zh["decimal"]) == (",", ".")
    assert zh["words"]["updated"] == "数据更新于" and en["words"]["updated"] == "Updated"


def test_catalogue_lookups():
    assert text.t("period.this_month", "zh") == "本月" and text.t("period.this_month", "en-GB") == "This month"
    assert text.group("grain")["day"] == ("日", "Day")
    assert text.month_name(2, "en", short=True) == "Feb" and text.month_name(2, "zh") == "2月"
    assert text.weekday_name(0, "en", short=True) == "Mon" and text.weekday_name(6, "zh") == "日"
    with pytest.raises(KeyError):
        text.t("no.such.key", "zh")


def test_shared_periods():
    today = date(2026, 11, 24)
    assert periods.this_month(today).start == date(2026, 11, 1)
    assert periods.months_back(today) == date(2025, 12, 1) and periods.months_back(today, 1) == date(2026, 11, 1)
    last = periods.last_months(today)
    assert (last.start, last.end) == (date(2025, 11, 1), today) and last.label_zh.startswith("近12个月（")
    # a custom period without dates falls back to the page's default period
    broken_overview = OverviewState(period="custom")
    broken_explore = ExploreState(period="custom")
    assert periods.resolve_state(broken_overview, today) == periods.this_month(today)
    assert periods.resolve_state(broken_explore, today) == last
    assert periods.today() == periods.settings.local_today()


def test_the_percent_rule_lives_in_the_presenter_only():
    """No page, callback, API or data module tests for the "%" unit or multiplies by 100 itself."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    rule = re.compile(r"""==\s*["']%["']|["']%["']\s*==|!=\s*["']%["']|\*\s*100\b""")
    found = [f"{path.relative_to(root)}:{number}"
             for folder in ("layouts", "callbacks", "api", "data")
             for path in sorted((root / folder).glob("*.py")) if path.name != "present.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if rule.search(line)]
    assert found == []


def test_a_source_label_is_plain_text_in_a_chart():
    from data.present import plot_text

    assert plot_text('<a href="https://evil.example/">点我</a> %{y} & <b>') == \
        '&lt;a href="https://evil.example/"&gt;点我&lt;/a&gt; &#37;{y} &amp; &lt;b&gt;'
    assert plot_text("物业管理") == "物业管理"  # ordinary labels unchanged


def test_a_plotly_label_drawn_as_page_text_reads_as_the_source_wrote_it():
    from data.present import plot_lines, plot_text

    for label in ('<a href="x">点我</a> %{y} & &amp; <b>', "物业管理", "A<br>B", "&lt;"):
        assert plot_lines(plot_text(label)) == [label]  # one line, exactly the source's text
    assert plot_lines(plot_text("汇泉路") + "<br>2,685") == ["汇泉路", "2,685"]
