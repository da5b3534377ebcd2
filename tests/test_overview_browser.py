"""The leaders' overview: in a real browser on a laptop and a phone, and what it flags.

The app serves the small sample warehouse built by the real ETL (沙河街道, three months).
"""
from __future__ import annotations

import json

import pandas as pd
import pytest
from selenium.webdriver.common.by import By

from callbacks.overview import attention_items
from data import areas, db, periods, query, settings
from layouts.components import format_number
from layouts.overview import KPIS, all_kpis
from support import query_of, wait_for

SHAHE = "510104011000"


def wait_loaded(browser):
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".kpi-card")) == len(all_kpis())
             and d.find_elements(By.CSS_SELECTOR, "#overview-league .ag-row"), message="overview did not render")
    wait_for(browser, lambda d: not d.execute_script(
        "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"), message="still loading")


def card_value(browser, metric: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, f"#kpi-{metric} .kpi-value").text


def league_names(browser) -> list[str]:
    """The area names down the league table, in the order shown (read in one go: the grid redraws)."""
    return browser.execute_script("""
        const cells = [...document.querySelectorAll('#overview-league .ag-pinned-left-cols-container .ag-row')];
        return cells.sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'))
                    .map(r => r.querySelector("[col-id='name']").innerText);
    """)


def column_values(browser, column: str) -> list[str]:
    return browser.execute_script("""
        const rows = [...document.querySelectorAll('#overview-league .ag-center-cols-container .ag-row')];
        return rows.sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'))
                   .map(r => r.querySelector(`[col-id='${arguments[0]}']`).innerText);
    """, column)


def pick(browser, dropdown_id: str, value: str):
    browser.find_element(By.ID, dropdown_id).click()
    option = wait_for(browser, lambda d: d.find_element(
        By.CSS_SELECTOR, f"label.dash-dropdown-option input[value='{value}']").find_element(By.XPATH, "../.."))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", option)
    option.click()


@pytest.mark.browser
def test_a_link_opens_the_area_and_period_with_kpis_against_the_warehouse(reading_app_server, browser, sample_warehouse_url):
    browser.get(f"{reading_app_server.url}/?area={SHAHE}&period=last_month")
    wait_loaded(browser)
    assert browser.find_element(By.CSS_SELECTOR, "#overview-area .dash-dropdown-value").text == "锦江区 › 沙河街道"
    assert browser.find_element(By.CSS_SELECTOR, "#overview-period .dash-dropdown-value").text == "上月"
    heading = browser.find_element(By.ID, "overview-heading").text
    assert "沙河街道" in heading and "上月" in heading
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".domain-title")]
    assert titles == ["党建", "治理", "服务", "共建共享"]

    engine = db.get_engine(sample_warehouse_url)
    last_month = periods.resolve("last_month", settings.local_today())
    for metric in ("hotline_received", "activity_participants", "hotline_on_time_rate"):
        expected = query.value(metric, SHAHE, last_month.start, last_month.end, engine=engine)
        unit = query.metric_info(metric, engine=engine)["unit"]
        assert card_value(browser, metric) == format_number(expected, unit)


@pytest.mark.browser
def test_changing_the_period_changes_the_link_and_the_figures(reading_app_server, browser, sample_warehouse_url):
    browser.get(f"{reading_app_server.url}/")
    wait_loaded(browser)
    browser.execute_script("window.__same_page = true")
    assert query_of(browser) == {"area": SHAHE}
    pick(browser, "overview-period", "this_quarter")
    wait_for(browser, lambda d: query_of(d).get("period") == "this_quarter", message="period did not reach the URL")
    wait_for(browser, lambda d: "本季度" in d.find_element(By.ID, "overview-heading").text)
    quarter = periods.resolve("this_quarter", settings.local_today())
    expected = query.value("hotline_received", SHAHE, quarter.start, quarter.end,
                           engine=db.get_engine(sample_warehouse_url))
    wait_for(browser, lambda d: card_value(d, "hotline_received") == format_number(expected, "件"))
    assert browser.execute_script("return window.__same_page === true"), "the page reloaded"


@pytest.mark.browser
def test_the_league_table_lists_the_communities_and_sorts_by_the_chosen_kpi(reading_app_server, browser, sample_warehouse_url):
    engine = db.get_engine(sample_warehouse_url)
    browser.get(f"{reading_app_server.url}/?period=this_quarter")
    wait_loaded(browser)
    assert "社区" in browser.find_element(By.ID, "overview-league-title").text
    quarter = periods.resolve("this_quarter", settings.local_today())
    table = query.league_table(SHAHE, ["hotline_received"], quarter.start, quarter.end, engine=engine)
    assert len(table) == len(areas.children(SHAHE, engine=engine))

    pick(browser, "overview-league-sort", "hotline_received")  # fewer work orders is better
    fewest_first = table.sort_values("hotline_received", kind="stable", na_position="last")["name"].tolist()
    wait_for(browser, lambda d: league_names(d) == fewest_first, message="rows are not sorted by the chosen KPI")

    # the chosen column's header shows its sort (fewest first), beside the name; one click turns it round
    header = browser.find_element(By.CSS_SELECTOR, "#overview-league .ag-header-cell[col-id='hotline_received']")
    assert header.get_attribute("aria-sort") == "ascending" and header.get_attribute("aria-colindex") == "3"
    header.click()
    most_first = table.sort_values("hotline_received", ascending=False, kind="stable")["hotline_received"].tolist()
    wait_for(browser, lambda d: [float(v.replace(",", "")) for v in column_values(d, "hotline_received")]
             == pytest.approx(sorted(most_first, reverse=True)), message="header click did not sort")


@pytest.mark.browser
def test_a_phone_width_window_shows_everything_without_sideways_scrolling(reading_app_server):
    from support import make_driver, quit_driver

    phone = make_driver(390, 844, performance_log=True)
    try:
        phone.get(f"{reading_app_server.url}/")
        wait_loaded(phone)
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
        cards = phone.find_elements(By.CSS_SELECTOR, ".kpi-card")
        assert all(c.rect["x"] >= 0 and c.rect["x"] + c.rect["width"] <= 390 for c in cards)
        # on a phone, what needs attention comes before the cards
        attention = phone.find_element(By.CSS_SELECTOR, ".ov-attention").rect["y"]
        assert attention < cards[0].rect["y"]
        outside = {
            json.loads(e["message"])["message"]["params"]["request"]["url"]
            for e in phone.get_log("performance")
            if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"
        }
        assert {u for u in outside if u.startswith("http") and not u.startswith(reading_app_server.url)} == set()
    finally:
        quit_driver(phone)


@pytest.mark.browser
def test_english_on_request(reading_app_server, browser):
    browser.get(f"{reading_app_server.url}/?lang=en")
    wait_loaded(browser)
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".domain-title")] == \
        ["Party building", "Governance", "Services", "Co-building"]
    assert browser.find_element(By.CSS_SELECTOR, ".ov-attention h2").text == "Needs attention"
    assert browser.find_element(By.CSS_SELECTOR, "#overview-period .dash-dropdown-value").text == "This month"
    assert query_of(browser).get("lang") == "en"


@pytest.mark.browser
def test_needs_attention_ends_above_the_fold_of_a_laptop_in_both_languages(reading_app_server):
    """In English the list's words ran to three, four and five lines beside their tags, and the
    list past the bottom of a 1920x1080 screen. A line now keeps to two lines of text, running on
    under its tag; one longer ends in "…" and says all of it on hover (its title). Even ten lines
    (``MAX_ATTENTION``), each as long as can be, end above the fold of a 1366x768 laptop."""
    from callbacks.overview import MAX_ATTENTION
    from support import make_driver, quit_driver

    measure = """
        var aside = document.querySelector('.ov-attention').getBoundingClientRect();
        return {bottom: aside.bottom, fold: window.innerHeight, lines: [...document.querySelectorAll('.attention-item')]
            .map(li => [li.clientHeight / parseFloat(getComputedStyle(li).lineHeight), li.scrollHeight > li.clientHeight,
                        li.title, li.lastChild.textContent])};"""
    laptop = make_driver(1366, 768)
    try:
        for lang in ("en", "zh"):
            laptop.get(f"{reading_app_server.url}/?area={SHAHE}&lang={lang}")
            wait_loaded(laptop)
            shown = laptop.execute_script(measure)
            assert shown["lines"] and shown["bottom"] <= shown["fold"], (lang, shown)
            for lines, _cut, title, words in shown["lines"]:
                assert lines <= 2.01 and title.startswith(words), (lang, lines, title, words)
            # the worst the list can be: every line as long as the longest, three times over
            laptop.execute_script("""
                var list = document.querySelector('.attention-list');
                var longest = [...list.children].sort((a, b) => b.textContent.length - a.textContent.length)[0];
                longest.lastChild.textContent = longest.lastChild.textContent.repeat(3);
                list.replaceChildren(...Array.from({length: arguments[0]}, () => longest.cloneNode(true)));""",
                                  MAX_ATTENTION)
            worst = laptop.execute_script(measure)
            assert len(worst["lines"]) == MAX_ATTENTION and worst["bottom"] <= worst["fold"], (lang, worst)
            assert all(lines <= 2.01 and cut for lines, cut, _, _ in worst["lines"]), (lang, worst)
    finally:
        quit_driver(laptop)


# ---------------------------------------------------------------- what needs attention

INFOS = {
    "hotline_on_time_rate": {"name": "12345按时办结率", "name_en": "12345 on-time rate", "unit": "%", "target": 0.95,
                             "better": "higher"},
    "service_avg_wait": {"name": "平均等候时间", "name_en": "Average waiting time", "unit": "分钟", "unit_en": "minutes",
                         "target": 10.0, "better": "lower"},
    "activity_participants": {"name": "活动参与", "name_en": "Activity participants", "unit": "人次", "target": None,
                              "better": "higher"},
}


def test_a_ratio_below_target_comes_first():
    items = attention_items(INFOS, {"hotline_on_time_rate": 0.912, "service_avg_wait": 8.0},
                            {"hotline_on_time_rate": 0.9}, area=SHAHE, lang="zh")
    assert items[0]["text"] == "12345按时办结率 91.2%，低于目标 95.0%"
    assert items[0]["href"].startswith("/explore?metric=hotline_on_time_rate&area=510104011000")
    assert len(items) == 1  # 8 minutes of waiting is within the 10-minute target


def test_lower_is_better_is_flagged_when_above_target():
    items = attention_items(INFOS, {"service_avg_wait": 12.5}, {}, area=SHAHE, lang="en")
    assert items[0]["text"] == "Average waiting time 12.5 minutes, above the target of 10 minutes"


def test_a_metric_falling_sharply_against_last_period_is_flagged_but_a_small_dip_is_not():
    items = attention_items(INFOS, {"activity_participants": 700}, {"activity_participants": 1000}, area=SHAHE, lang="zh")
    assert [i["text"] for i in items] == ["活动参与 环比 ▼ 30.0%"]
    assert attention_items(INFOS, {"activity_participants": 950}, {"activity_participants": 1000},
                           area=SHAHE, lang="zh") == []


def test_overdue_and_open_orders_and_the_categories_that_rose_most():
    categories = pd.DataFrame({
        "key": ["物业管理", "噪音扰民", "停车管理", "市容环境", "邻里纠纷"],
        "label": ["物业管理", "噪音扰民", "停车管理", "市容环境", "邻里纠纷"],
        "label_en": ["Property management", "Noise", "Parking", "City appearance", "Neighbour disputes"],
        "current": [30.0, 12.0, 9.0, 4.0, 2.0],
        "previous": [10.0, 11.0, None, 8.0, 1.0],
    })
    items = attention_items({}, {}, {}, overdue=3, still_open=0, categories=categories, area=SHAHE, lang="zh")
    assert [i["text"] for i in items] == [
        "12345 超期工单 3 件",
        "12345 诉求类别「物业管理」比上期增加 20 件",
        "12345 诉求类别「停车管理」比上期增加 9 件",
        "12345 诉求类别「噪音扰民」比上期增加 1 件",
    ]


def test_every_kpi_of_the_overview_is_in_the_catalogue():
    from layouts.components import metric_dimensions

    assert set(all_kpis()) <= set(metric_dimensions())
    assert list(KPIS) == ["party", "governance", "services", "cobuild"]


# ---------------------------------------------------------------- honest figures (issue 12)

@pytest.mark.browser
def test_this_month_is_compared_like_for_like_and_a_late_report_reads_as_late(reading_app_server, browser,
                                                                               sample_warehouse_url):
    """The sample warehouse on its day: the hotline and the rest reach the 4th or 5th, the
    party report November. No card compares a partial month with a whole one, the party
    flows are 未报送, party members show November's level, and nothing is 变差 for it."""
    from callbacks.overview import OK, WORSENING_PERCENT, kpi_cards, span_label
    from data import present, text

    engine = db.get_engine(sample_warehouse_url)
    period = periods.this_month(periods.today())
    cards = kpi_cards(all_kpis(), areas.get(SHAHE, engine=engine), period, engine=engine)
    browser.get(f"{reading_app_server.url}/?area={SHAHE}")
    wait_loaded(browser)
    heading = browser.find_element(By.ID, "overview-heading").text
    assert "数据截至" in heading

    for code in ("party_three_sessions", "party_school_attendance"):
        assert card_value(browser, code) == "未报送"
        assert "截至11月" in browser.find_element(By.CSS_SELECTOR, f"#kpi-{code} .kpi-note").text
    assert browser.find_element(By.CSS_SELECTOR, "#kpi-party_members .kpi-as-of").text == "截至11月"
    assert card_value(browser, "party_members") == format_number(cards["party_members"].value, "人")

    hotline = cards["hotline_received"]
    assert hotline.state == OK and hotline.previous.days == hotline.period.days
    note = browser.find_element(By.CSS_SELECTOR, "#kpi-hotline_received .kpi-note").text
    assert note == f"{span_label(hotline.period, 'zh')} vs {span_label(hotline.previous, 'zh')}"
    # its data through yesterday or the day before is on time: no "未报送" beside its figure
    assert not browser.find_elements(By.CSS_SELECTOR, "#kpi-hotline_received .kpi-as-of")
    title = browser.find_element(By.ID, "kpi-hotline_received").get_attribute("title")
    assert title.startswith("来源：12345 热线工单 · 数据截至")

    attention = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".attention-item")]
    tagged = browser.execute_script("""
        return [...document.querySelectorAll('.attention-item')].map(
            li => [li.querySelector('.attention-tag').textContent, li.lastChild.textContent]);""")
    # last month's party report is in and this month's not owed until the month is over (and its
    # grace days, etl/sources.yaml): the cards say how far it reaches, "needs attention" says nothing
    assert browser.find_elements(By.CSS_SELECTOR, ".attention-item, .attention-empty")
    assert not any("党组织月报" in line or "12345 热线工单未报送" in line for line in attention)
    assert not any("▼ 100.0%" in line for line in attention)
    # whatever is 变差 is so like-for-like
    worse = {card.info["name"] for card in cards.values() if card.comparable
             and (present.change(card.value, card.before, card.info) or 0) * (1 if card.info["better"] == "lower" else -1)
             >= WORSENING_PERCENT}
    flagged = {line.split(" 环比")[0] for tag, line in tagged if tag == "变差"}
    assert flagged <= worse

    league = browser.find_element(By.ID, "overview-league-title").text
    assert league.startswith("比学赶超 · 各社区 · ") and "月" in league.split(" · ")[-1]

    browser.get(f"{reading_app_server.url}/?area={SHAHE}&lang=en")
    wait_loaded(browser)
    assert "Data through" in browser.find_element(By.ID, "overview-heading").text
    assert card_value(browser, "party_three_sessions") == text.t("overview.not_reported", "en")


@pytest.mark.browser
def test_a_source_stopped_past_its_grace_days_is_listed_as_overdue(sample_warehouse_url, browser):
    """The same warehouse five days after its last delivery (the clock pinned, CSB_FAKE_NOW): the
    hotline delivers daily with two days' grace, so its work orders are overdue, said in red
    ("逾期未报"), with how far they reach; on the warehouse's own day the list said nothing of it.
    The daily sources that stopped the same day share the hotline's line (one line a day, each
    source named once), which opens the data page, where the hotline's data is overdue too.
    The hotline's card says so beside its figure, in red, and still compares like-for-like; the
    heading says from which day to which the daily figures reach; the list, needs past their
    promised time included, keeps to its cap."""
    import re
    from datetime import datetime, time, timedelta

    from callbacks.overview import MAX_ATTENTION, day_label, kpi_cards, span_label
    from data import coverage
    from support import AppServer

    engine = db.get_engine(sample_warehouse_url)
    through = coverage.data_through("hotline", SHAHE, engine=engine)
    moment = datetime.combine(through + timedelta(days=5), time(10, 0))
    cards = kpi_cards(all_kpis(), areas.get(SHAHE, engine=engine), periods.this_month(moment.date()), engine=engine)
    card = cards["hotline_received"]
    daily = sorted({c.period.end for c in cards.values() if c.state == "ok" and c.info.get("grain") != "month"})
    server = AppServer(sample_warehouse_url, env={settings.FAKE_NOW: moment.isoformat(timespec="minutes")}).start()
    try:
        for lang, tag, name, ending, page in (
                ("zh", "逾期未报", "12345 热线工单", f"未报送（截至{through.month}月{through.day}日）", "/data"),
                ("en", "Data overdue", "12345 hotline", f" not yet delivered (through {through.day} ", "/data?lang=en")):
            browser.get(f"{server.url}/?area={SHAHE}&lang={lang}")
            wait_loaded(browser)
            listed = browser.execute_script("""
                return [...document.querySelectorAll('.attention-item')].map(li => [li.className,
                    li.querySelector('.attention-tag').textContent, li.lastChild.textContent,
                    li.querySelector('a') ? li.querySelector('a').getAttribute('href') : null]);""")
            late = [(cls, line, href) for cls, shown_tag, line, href in listed if shown_tag == tag]
            hotline = [(cls, line, href) for cls, line, href in late if name in line]
            assert len(hotline) == 1, listed
            cls, line, href = hotline[0]
            assert cls == "attention-item bad" and ending in line and href == page, listed
            days = [re.search(r"[（(](?:截至|through )(.+?)[）)]$", line).group(1) for _, line, _ in late]
            assert len(days) == len(set(days)), late  # one line a day
            assert len(listed) <= MAX_ATTENTION, listed
            chip = browser.find_element(By.CSS_SELECTOR, "#kpi-hotline_received .kpi-as-of")
            day = day_label(through, "day", lang)  # "12月5日" / "5 Dec"
            assert chip.text == (f"逾期未报 · 截至{day}" if lang == "zh" else f"Data overdue · through {day}")
            assert "bad" in chip.get_attribute("class").split()
            note = browser.find_element(By.CSS_SELECTOR, "#kpi-hotline_received .kpi-note").text
            assert note == f"{span_label(card.period, lang)} vs {span_label(card.previous, lang)}"
            heading = browser.find_element(By.CSS_SELECTOR, "#overview-heading .heading-as-of").text
            span = (span_label(periods.Period(daily[0], daily[-1], "", ""), lang) if len(daily) > 1
                    else day)
            assert heading == (f"数据截至{span}" if lang == "zh" else f"Data through {span}"), heading
        browser.find_element(By.XPATH, "//li[contains(@class, 'attention-item')]//a[contains(., '12345 hotline')]").click()
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".dh-card[data-source='hotline'] .dh-through"),
                 message="the data page did not open")
        reach = browser.find_element(By.CSS_SELECTOR, ".dh-card[data-source='hotline'] .dh-through")
        assert reach.get_attribute("data-reach") == "overdue" and reach.text.endswith(" · overdue")
    finally:
        server.stop_after(browser)


@pytest.mark.browser
def test_the_sparkline_marks_the_month_not_over(reading_app_server, browser, sample_warehouse_url):
    from data import coverage

    engine = db.get_engine(sample_warehouse_url)
    through = coverage.data_through("hotline", SHAHE, engine=engine)
    browser.get(f"{reading_app_server.url}/?area={SHAHE}")
    wait_loaded(browser)
    spark = browser.find_element(By.CSS_SELECTOR, "#kpi-hotline_received .kpi-spark")
    assert spark.get_attribute("title") == f"至{through.month}月{through.day}日"
    assert "stroke-dasharray" in spark.get_attribute("src")
    # last month is over: no partial mark
    browser.get(f"{reading_app_server.url}/?area={SHAHE}&period=last_month")
    wait_loaded(browser)
    spark = browser.find_element(By.CSS_SELECTOR, "#kpi-hotline_received .kpi-spark")
    assert not spark.get_attribute("title") and "stroke-dasharray" not in spark.get_attribute("src")
