"""Activity sign-ups: one record per sign-up, from a JSON Lines file or the paginated API.

The sign-up system answers ``GET <url>?page=N&per_page=M`` with
``{"data": [...], "page": N, "total": T}``. Every page is fetched (each with retries and
exponential backoff, :func:`etl.extract.fetch`) and the pages together make one delivery,
so a run that cannot get every page loads nothing.

Counts go on the day the activity starts, in its community (given as a name or a code):
activities held (distinct ``activity_id``), sign-ups, checked-in participants and
checked-in party members. Sign-ups for an activity that has not started yet are left for
a later delivery (they cannot be checked in yet and would make the check-in rate look
bad); a start more than :data:`HORIZON_DAYS` ahead is rejected as a typing error.
Participants' names are dropped on reading; their resident id, phone and id number come as
keyed pseudonyms (``etl.pseudonym``) and serve only to count distinct participants: the
checked-in participants go to the ETL's reach store (``etl.reach``, one person by their
resident id, else their phone, else their id number), never to the warehouse.

Essential (a bad cell refuses the sign-up): activity_id, community, type (there is no
"other" type), start_time, checked_in and is_party_member (the check-in rate and the
party members' share count over every sign-up and participant: a flag that could not be
read would bias them). Not essential (a bad cell is blanked with a warning, the sign-up
still counts): age_band and gender (the sign-up goes under 未填写 in that breakdown) and
activity_name.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd
import requests

from etl import extract, reach
from etl.extract import Delivery, RefusedFile, Sheet
from etl.facts import breakdown, totals
from etl.load import FACT_COLUMNS, Output
from etl.validate import Field, combine_rejects, screen

NAME = "activities"

METRICS = ("activities_held", "activity_signups", "activity_participants", "activity_party_participants")

TYPES = ("党建", "文化", "体育", "亲子", "助老", "公益课程", "志愿服务", "议事协商")
AGE_BANDS = ("0-17", "18-34", "35-59", "60+")
GENDERS = {"男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女"}
YES = {"true", "1", "是", "yes", "y", "已签到", "签到"}
NO = {"false", "0", "否", "no", "n", "未签到", ""}
UNFILLED = "未填写"  # breakdown member for an empty age band or gender, so members sum to the total
HORIZON_DAYS = 31  # registration opens at most about a month before an activity
PER_PAGE = 500

FIELDS = [
    Field("activity_id", ("活动编号", "活动id", "activityid"), required=True, nullable=False, label_en="activity"),
    Field("activity_name", ("活动名称",), label_en="activity name", essential=False),
    Field("community", ("社区", "所属社区", "community_code", "community_name"), required=True, nullable=False,
          label_en="community"),
    Field("type", ("活动类型", "activity_type"), required=True, nullable=False, allowed=TYPES, label_en="type"),
    # Upcoming activities are legitimate: transform decides what "too far ahead" means.
    Field("start_time", ("开始时间", "活动时间", "start"), kind="datetime", required=True, nullable=False,
          not_future=False, label_en="start time"),
    Field("age_band", ("participant.age_band", "年龄段"), allowed=AGE_BANDS, label_en="age band", essential=False),
    Field("is_party_member", ("participant.is_party_member", "是否党员"), label_en="party member"),
    Field("gender", ("participant.gender", "性别"), label_en="gender", essential=False),
    Field("checked_in", ("是否签到", "签到"), label_en="checked in"),
    # Ids that name a person: pseudonymised as they are read (etl.pseudonym), used only to
    # count distinct participants (etl.reach), never written.
    Field("participant", ("participant.id", "participant_id", "resident_id", "居民编号", "参与人编号"),
          label_en="participant", essential=False, pseudonym="resident"),
    Field("phone", ("participant.phone", "mobile", "手机号", "联系电话"), label_en="phone", essential=False,
          pseudonym="phone"),
    Field("id_number", ("participant.id_number", "id_card", "participant.id_card", "身份证号"), label_en="id number",
          essential=False, pseudonym="id_number"),
    # Personal data: recognised so the header is found, then dropped.
    Field("name", ("participant.name", "姓名", "报名人"), personal=True),
]


# --- extract -----------------------------------------------------------------------------

def deliveries(location: str) -> list[Delivery]:
    """A JSON Lines file or folder as usual; an http(s) URL as every page of the API."""
    if extract.is_url(location):
        # JSON Lines: one record a line, like the file export (and no line of megabytes).
        lines = "\n".join(json.dumps(record, ensure_ascii=False) for record in fetch_all(location))
        return [Delivery(location, lines.encode("utf-8"))]
    return extract.deliveries(location)


def page_url(url: str, page: int, per_page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("page", "per_page")]
    query += [("page", str(page)), ("per_page", str(per_page))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def fetch_all(url: str) -> list[dict]:
    """Every record of the API, page after page until ``total`` records have come.

    A page that still fails after the retries, an answer that is not a page, or fewer
    records than ``total`` refuses the whole delivery.
    """
    asked = dict(parse_qsl(urlsplit(url).query))
    per_page = int(asked.get("per_page") or PER_PAGE)
    records: list[dict] = []
    page, total = 1, None
    while total is None or len(records) < total:
        address = page_url(url, page, per_page)
        try:
            payload = extract.fetch(address).json()
        except requests.RequestException as err:
            raise RefusedFile(f"活动接口第 {page} 页无法获取 / page {page} of the activities API failed: {err}") from None
        except ValueError:
            raise RefusedFile(f"活动接口第 {page} 页不是 JSON / page {page} is not JSON: {address}") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise RefusedFile(f"活动接口第 {page} 页缺少 data 列表 / page {page} has no data list: {address}")
        try:
            total = int(payload.get("total", 0))
        except (TypeError, ValueError):
            raise RefusedFile(f"活动接口的 total 不是数字 / total is not a number on page {page}") from None
        if not payload["data"]:
            break
        records.extend(payload["data"])
        page += 1
    if len(records) != (total or 0):
        raise RefusedFile(f"活动接口声明 {total} 条，实际取到 {len(records)} 条 / the API announced {total} "
                          f"records but returned {len(records)}; nothing loaded")
    if not records:
        raise RefusedFile(f"活动接口没有记录 / the activities API returned no records: {url}")
    return records


def read(delivery: Delivery) -> Sheet:
    """The sign-ups as a grid (nested ``participant`` flattened), whatever the URL is called.

    Times with a zone (``+08:00``, ``Z``) are turned into local time by the cleaning.
    """
    if not delivery.data.strip():
        raise RefusedFile(f"文件为空 / the file is empty: {delivery.location}")
    return extract.records_sheet(extract.read_records(delivery))


# --- transform ---------------------------------------------------------------------------

def _flag(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(value, unreadable) for yes/no cells such as ``True``, ``1``, ``是``, ``已签到``."""
    key = series.str.lower()
    return key.isin(YES), ~(key.isin(YES) | key.isin(NO))


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Sign-ups -> daily community counts by type, age band and gender."""
    checked, bad_checked = _flag(rows["checked_in"])
    _, bad_party = _flag(rows["is_party_member"])
    now = pd.Timestamp(ctx.now)
    checks = [
        (bad_checked, "checked_in", "{value!r} 不是是/否 / is not a yes/no value"),
        (bad_party, "is_party_member", "{value!r} 不是是/否 / is not a yes/no value"),
        (rows["gender"].str.lower().map(GENDERS).isna() & rows["gender"].ne(""), "gender",
         "{value!r} 不是男/女, 计入未填写 / is not a gender we know: counted as 未填写"),
        (rows["start_time"] > now + pd.Timedelta(days=HORIZON_DAYS), "start_time",
         f"{{value!r}} 晚于当前时间 {HORIZON_DAYS} 天以上 / is more than {HORIZON_DAYS} days in the future"),
        ((rows["start_time"] > now) & checked, "checked_in",
         "活动尚未开始却已签到 / checked in to an activity that has not started yet"),
    ]
    rows, refused, warnings = screen(rows, ctx.fields, checks)
    rejects = [refused]
    rows = rows.assign(_checked=_flag(rows["checked_in"])[0], _party=_flag(rows["is_party_member"])[0],
                       _gender=rows["gender"].str.lower().map(GENDERS))

    rows, codes, r = ctx.matched_rows(rows, community="community")
    rejects.append(r)

    notes = []
    waiting = rows["start_time"] > now
    if waiting.any():
        notes.append(f"{int(waiting.sum())} 条报名的活动尚未开始，待开始后的导出再计入 / sign-ups for activities "
                     f"that have not started yet are left for a later delivery")
    rows, codes = rows[~waiting].reset_index(drop=True), codes[~waiting].reset_index(drop=True)

    came = rows["_checked"].astype(int)
    signups = pd.DataFrame({
        "period": rows["start_time"].dt.normalize(),
        "area_code": codes,
        "activity_id": rows["activity_id"],
        "type": rows["type"],
        "age_band": rows["age_band"].replace("", UNFILLED),
        "gender": rows["_gender"].fillna(UNFILLED),
        "activity_signups": 1,
        "activity_participants": came,
        "activity_party_participants": came * rows["_party"].astype(int),
    })
    counted = ["activity_signups", "activity_participants", "activity_party_participants"]
    facts = pd.concat([
        totals(signups, counted),
        held(signups),
        breakdown(signups, "activity_signups", ["type", "age_band"]),
        breakdown(signups, "activity_participants", ["type", "age_band", "gender"]),
        breakdown(signups, "activity_party_participants", ["type"]),
    ], ignore_index=True)
    person = rows["participant"].where(rows["participant"].ne(""), rows["phone"])
    person = person.where(person.ne(""), rows["id_number"])
    came_in = rows["_checked"] & person.ne("")
    if (rows["_checked"] & person.eq("")).any():
        notes.append(f"{int((rows['_checked'] & person.eq('')).sum())} 名签到者无编号、电话或证件号，不计入参与人数 / "
                     f"checked-in participants without an id, phone or id number: counted in person-times, not in reach")
    people = reach.people(person[came_in], codes[came_in], rows.loc[came_in, "start_time"],
                          rows.loc[came_in, "age_band"])
    return Output(facts, combine_rejects(*rejects), warnings=warnings, notes=notes, people=people)


def held(signups: pd.DataFrame) -> pd.DataFrame:
    """``activities_held``: distinct activities per start day and community, and by type."""
    if signups.empty:
        return pd.DataFrame(columns=FACT_COLUMNS)
    activities = signups.drop_duplicates(["period", "area_code", "activity_id"]).assign(activities_held=1)
    return pd.concat([
        totals(activities, ["activities_held"]),
        breakdown(activities, "activities_held", ["type"]),
    ], ignore_index=True)
