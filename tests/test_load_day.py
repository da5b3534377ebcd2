"""The load day is not over, so it is never covered (issue 12, "活动参与 ▼27.1% 变差").

The sample warehouse is loaded on Saturday 5 December; the activity export lists the day's
activities that had started by then, nobody checked in yet (the export was taken the night
before). When a load's coverage reached the load day, the overview's "this month" ran 1–5
December and was compared with 1–5 November: a busy Saturday of sign-ups without check-ins
read as "活动参与 ▼ 变差". A day is covered only once it is over: the rule sits in
``etl.load.record_coverage``, so this month runs to the 4th, like-for-like with 1–4 November.

The activities are loaded by the real pipeline (``etl.pipeline.load_location``), "now" being
5 December at 21:00 in Chengdu. On SQLite and on PostgreSQL.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from callbacks.overview import OK, attention_items, kpi_cards
from data import areas, coverage, periods, query, settings
from etl import pipeline

HUIQUAN, SHAHE = "510104011001", "510104011000"  # 汇泉路社区, 沙河街道
NOW = datetime(2026, 12, 5, 21, 0)


def _signups(day: date, people: int, checked: bool) -> list[dict]:
    return [{"activity_id": f"A{day:%m%d}", "activity_name": "社区活动", "community": HUIQUAN, "type": "文化",
             "start_time": f"{day.isoformat()}T09:30:00+08:00",
             "participant": {"age_band": "60+", "is_party_member": False, "gender": "女"}, "checked_in": checked}
            for _ in range(people)]


def test_the_load_day_is_not_covered_so_this_month_is_not_a_false_drop(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "local_now", lambda: NOW)
    records = []
    for first in (date(2026, 11, 1), date(2026, 12, 1)):
        for offset in range(5):  # 1st to 5th, ten people a day; the 5th of December is the load day
            day = first + timedelta(days=offset)
            records += _signups(day, 10, checked=day != NOW.date())
    path = tmp_path / "signups.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    pipeline.load_location(warehouse, "activities", str(path))

    assert query.value("activity_signups", HUIQUAN, NOW.date(), NOW.date(), engine=warehouse) == 10  # loaded
    assert coverage.data_through("activities", SHAHE, engine=warehouse) == date(2026, 12, 4)  # but not covered

    card = kpi_cards(["activity_participants"], areas.get(SHAHE, engine=warehouse),
                     periods.this_month(NOW.date()), engine=warehouse)["activity_participants"]
    assert card.state == OK and card.comparable
    assert (card.period.start, card.period.end) == (date(2026, 12, 1), date(2026, 12, 4))
    assert (card.previous.start, card.previous.end) == (date(2026, 11, 1), date(2026, 11, 4))
    assert (card.value, card.before) == (40, 40)
    items = attention_items({card.code: card.info}, {card.code: card.value}, {card.code: card.before},
                            area=SHAHE, lang="zh")
    assert not [i for i in items if "活动参与" in i["text"]]  # no "活动参与 ▼ 变差"
