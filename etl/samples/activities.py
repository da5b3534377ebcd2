"""Activity sign-ups: JSON Lines per month (``signups_YYYY-MM.jsonl``), one line a sign-up.

Sign-ups cluster in activities: a community holds a handful to a few dozen activities a
month, each with ten to a hundred sign-ups. Ordinary communities see about 100 to 600
sign-ups a month; 汇泉路社区 ~25 big activities and over 2,000 participants (its published
150 activities and 14,000 participations in half a year). Besides these one-off activities,
every community runs a timetable of public-benefit courses (公益课程, :func:`courses`), drawn
from streams of their own so that adding them changes none of the other activities:
汇泉路社区, a service complex, about 55 small classes a month (with its one-off courses, the published 370 in
half a year), an ordinary community a handful. Weekends are busier, children's
activities crowd the school holidays, party activities gather around 1 July and volunteer
days around 5 March (学雷锋). The activity plan is shared with the content feed, so the
screen's "this week" calendar lists the same activities people signed up for.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import mess, people
from .context import Context, Month, months_until
from .places import Community

TYPES = ["党建", "文化", "体育", "亲子", "助老", "公益课程", "志愿服务", "议事协商"]
TYPE_W = np.array([14, 20, 14, 12, 12, 14, 9, 5], dtype=float)
MEAN_SIZE = np.array([28, 25, 30, 18, 22, 16, 15, 12], dtype=float)
CHECK_IN = np.array([0.92, 0.85, 0.86, 0.88, 0.9, 0.82, 0.9, 0.93])
AGE_BANDS = ["0-17", "18-34", "35-59", "60+"]
AGE_P = np.array([[0.0, 0.12, 0.43, 0.45], [0.1, 0.12, 0.33, 0.45], [0.12, 0.25, 0.38, 0.25],
                  [0.55, 0.1, 0.35, 0.0], [0.0, 0.04, 0.11, 0.85], [0.15, 0.2, 0.35, 0.3],
                  [0.1, 0.3, 0.35, 0.25], [0.0, 0.1, 0.45, 0.45]])
PARTY_P = np.array([0.75, 0.08, 0.06, 0.05, 0.1, 0.08, 0.25, 0.3])
FEMALE_P = np.array([0.5, 0.65, 0.45, 0.62, 0.62, 0.64, 0.58, 0.5])
SLOTS = {  # start times by type, minutes after midnight
    "党建": [570, 870], "文化": [570, 870, 1170], "体育": [510, 960, 1140], "亲子": [600, 900],
    "助老": [540, 870], "公益课程": [600, 870, 1140], "志愿服务": [510, 540], "议事协商": [870, 1170],
}
NAMES = {
    "党建": ["主题党日：重温入党誓词", "微党校专题党课", "党员大会暨党课学习", "红色观影会",
           "党史学习分享会", "VR红色教育体验课", "党员先锋岗亮诺践诺"],
    "文化": ["社区合唱团排练", "书法兴趣班", "川剧变脸欣赏会", "家风家训故事会", "蜀绣非遗体验",
           "读书分享会", "社区摄影展", "茶艺沙龙"],
    "体育": ["社区乒乓球友谊赛", "太极拳晨练", "羽毛球兴趣小组", "健步走活动", "瑜伽体验课",
           "广场舞展演"],
    "亲子": ["亲子绘本共读", "周末亲子手工", "儿童科普小实验", "小小志愿者体验营", "亲子趣味运动会",
           "四点半课堂"],
    "助老": ["老年人智能手机课堂", "长者生日会", "义诊量血压", "防范电信诈骗讲座", "老年健康讲座",
           "爱心义剪"],
    "公益课程": ["插花课", "烘焙课", "英语角", "应急救护培训", "垃圾分类课堂", "心理健康讲座",
             "摄影课", "非遗竹编课"],
    "志愿服务": ["文明劝导志愿行动", "社区环境清洁日", "楼道清洁志愿活动", "义诊志愿服务",
             "安全敲门行动"],
    "议事协商": ["院落议事会", "居民议事会：停车治理", "楼栋长座谈会", "社区规划共商会",
             "物业服务协商会"],
}
SEASONAL_NAMES = {
    1: {"文化": ["迎新春写春联送福字", "社区春晚彩排"], "亲子": ["寒假托管营"]},
    2: {"文化": ["元宵猜灯谜", "迎新春写春联送福字"], "亲子": ["寒假托管营"]},
    3: {"志愿服务": ["学雷锋志愿服务日"], "公益课程": ["三八节插花课"]},
    4: {"党建": ["清明祭英烈"], "体育": ["春季健步走"]},
    6: {"文化": ["端午包粽子"], "党建": ["迎七一党史知识竞赛"]},
    7: {"党建": ["七一重温入党誓词", "庆祝建党节主题党日"], "亲子": ["暑期公益课堂", "暑期托管营"]},
    8: {"亲子": ["暑期公益课堂", "暑期托管营", "暑期科普夏令营"]},
    9: {"文化": ["中秋游园会"], "亲子": ["开学安全第一课"]},
    10: {"助老": ["重阳敬老宴", "重阳节长者茶话会"]},
    12: {"公益课程": ["冬季消防安全培训"], "文化": ["年终邻里宴"]},
}
SPECIAL_NAMES = {  # what some seed communities are known for
    "南山国际化社区": {"文化": ["青年交友联谊会", "国际文化交流日", "双语角"]},
    "汇泉路社区": {"党建": ["VR微党校沉浸式党课"], "文化": ["家风家训馆参观"],
               "公益课程": ["特殊儿童融合课堂", "创业孵化沙龙"]},
    "锦城社区": {"亲子": ["儿童议事会", "儿童友好空间开放日"]},
    "天全社区": {"志愿服务": ["志愿理发服务", "微心愿认领"]},
    "方兴社区": {"文化": ["荷花节文艺展演"]},
}
COURSE = TYPES.index("公益课程")
COURSES_AT_A_COMPLEX = 55.0  # a month at 汇泉路: with its one-off courses, over 370 in half a year
SIGNUPS_PER_COURSE = 40.0  # elsewhere one course a month for every 40 monthly sign-ups (200 -> 5)
COURSE_SIZE = 12.0  # mean sign-ups of a class
# Party members among the courses' regulars (adults only): about one participant in five, as
# at the activities overall, so the courses leave the party members' share as it was.
COURSE_PARTY_P = 0.25
COURSE_PARTY = np.where(np.arange(len(TYPES)) == COURSE, COURSE_PARTY_P, PARTY_P)
MONTH_FACTOR = {1: 0.85, 2: 0.75, 3: 1.0, 4: 1.05, 5: 1.05, 6: 1.0, 7: 1.2, 8: 1.2, 9: 1.0,
                10: 1.0, 11: 0.95, 12: 1.0}
PLACES = ["党群服务中心多功能厅", "党群服务中心二楼活动室", "社区广场", "社区书屋", "邻里中心",
          "儿童之家", "长者活动中心", "社区运动场"]


@dataclass
class Plan:
    """The activities one community holds in one month."""

    community: Community
    ids: list[str]
    names: list[str]
    types: np.ndarray  # index into TYPES
    starts: np.ndarray  # datetime64[s]
    sizes: np.ndarray  # sign-ups
    places: list[str]


def _type_weights(c: Community, month: int) -> np.ndarray:
    w = TYPE_W.copy()
    if month in (1, 2, 7, 8):
        w[3] *= 2.5
    if month in (6, 7):
        w[0] *= 2.0
    if month == 3:
        w[6] *= 2.0
    if month == 10:
        w[4] *= 1.8
    if c.profile.summer_classes and month in (7, 8):
        w[3] *= 4.0
    if c.profile.activity_signups >= 1000:  # a service complex: courses all the time
        w[5] *= 2.0
    return w / w.sum()


def plan(ctx: Context, c: Community, m: Month) -> Plan:
    """The month's activities of a community (the whole month, also days after ``end``)."""
    rng = ctx.rng("activities", c.code, m.key)
    big = c.profile.activity_signups >= 1000
    size_factor = 4.5 if big else 1.0
    target = c.profile.activity_signups * MONTH_FACTOR[m.month] * ctx.scale
    weights = _type_weights(c, m.month)
    mean_size = float((weights * MEAN_SIZE).sum()) * size_factor
    n = max(1, int(rng.poisson(target / mean_size)))
    types = rng.choice(len(TYPES), size=n, p=weights)
    sizes = np.maximum(3, rng.gamma(4.0, MEAN_SIZE[types] * size_factor / 4.0)).astype(np.int64)
    days = m.all_days
    t = m.full_table
    dw = np.where(t.weekend, 2.2, 1.0) * t.spring ** 2
    day = rng.choice(len(days), size=n, p=dw / dw.sum())
    slot = np.array([SLOTS[TYPES[k]][i % len(SLOTS[TYPES[k]])]
                     for k, i in zip(types.tolist(), rng.integers(0, 6, n).tolist())])
    starts = t.dates[day].astype("datetime64[s]") + (slot * 60).astype("timedelta64[s]")
    order = np.argsort(starts, kind="stable")
    types, sizes, starts = types[order], sizes[order], starts[order]
    names = []
    for k in types.tolist():
        pool = (NAMES[TYPES[k]] + SEASONAL_NAMES.get(m.month, {}).get(TYPES[k], []) * 3
                + SPECIAL_NAMES.get(c.name, {}).get(TYPES[k], []) * 2)
        names.append(pool[int(rng.integers(0, len(pool)))])
    places = [PLACES[int(i)] for i in rng.integers(0, len(PLACES), n)]
    ids = [f"HD{c.code[4:]}{m.key % 10000:04d}{i:03d}" for i in range(1, n + 1)]
    return Plan(c, ids, names, types, starts, sizes, places)


def courses(ctx: Context, c: Community, m: Month) -> Plan:
    """The month's public-benefit courses of a community: small classes on weekday
    evenings and weekends, drawn apart from :func:`plan` (ids ``KC…``)."""
    rng = ctx.rng("activity-courses", c.code, m.key)
    big = c.profile.activity_signups >= 1000
    per_month = COURSES_AT_A_COMPLEX if big else c.profile.activity_signups / SIGNUPS_PER_COURSE
    n = max(1, int(rng.poisson(per_month * MONTH_FACTOR[m.month] * ctx.scale)))
    types = np.full(n, COURSE)
    sizes = np.maximum(3, rng.gamma(4.0, COURSE_SIZE / 4.0, n)).astype(np.int64)
    t = m.full_table
    dw = np.where(t.weekend, 1.8, 1.0) * t.spring ** 2
    day = rng.choice(len(m.all_days), size=n, p=dw / dw.sum())
    slot = np.array(SLOTS["公益课程"])[rng.integers(0, len(SLOTS["公益课程"]), n)]
    starts = t.dates[day].astype("datetime64[s]") + (slot * 60).astype("timedelta64[s]")
    order = np.argsort(starts, kind="stable")
    sizes, starts = sizes[order], starts[order]
    pool = (NAMES["公益课程"] + SEASONAL_NAMES.get(m.month, {}).get("公益课程", []) * 3
            + SPECIAL_NAMES.get(c.name, {}).get("公益课程", []) * 2)
    names = [pool[int(i)] for i in rng.integers(0, len(pool), n)]
    places = [PLACES[int(i)] for i in rng.integers(0, len(PLACES), n)]
    ids = [f"KC{c.code[4:]}{m.key % 10000:04d}{i:03d}" for i in range(1, n + 1)]
    return Plan(c, ids, names, types, starts, sizes, places)


# Who comes: every community has a pool of residents per age band who take part, some often
# (the regulars a course or choir brings back every week), most now and then; about one
# sign-up in twelve is a resident of another community of the same street. Drawn from
# streams of their own, so adding the ids changes no other figure of the samples.
POOL_PER_SIGNUP = 0.9  # residents in a community's pool per monthly sign-up of its profile
ELSEWHERE_P = 0.08  # a sign-up by a resident of a neighbouring community of the street


def _pool(ctx: Context, c: Community) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(ids, weights) per age band: the residents of ``c`` who take part in activities."""
    key = (ctx.seed, c.code)
    if key not in _POOLS:
        _POOLS[key] = _drawn_pool(ctx, c)
    return _POOLS[key]


_POOLS: dict[tuple[int, str], tuple[list[np.ndarray], list[np.ndarray]]] = {}


def _drawn_pool(ctx: Context, c: Community) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = ctx.rng("activity-residents", c.code)
    size = max(80, int(c.profile.activity_signups * POOL_PER_SIGNUP))
    ids, weights = [], []
    for band in range(len(AGE_BANDS)):
        n = max(20, int(size * (0.15, 0.2, 0.3, 0.35)[band]))
        ids.append(np.array([f"JM{c.code[4:]}{band}{i:05d}" for i in range(n)], dtype=object))
        w = rng.gamma(0.45, 1.0, n) + 0.01
        weights.append(w / w.sum())
    return ids, weights


def residents(ctx: Context, c: Community, m: Month, stream: str, age: np.ndarray) -> np.ndarray:
    """The resident id of each sign-up (``age``: its age band index), from its community's pool."""
    rng = ctx.rng("activity-people", stream, c.code, m.key)
    street = [o for o in ctx.communities if o.street_code == c.street_code and o.code != c.code]
    out = np.empty(len(age), dtype=object)
    elsewhere = (rng.random(len(age)) < ELSEWHERE_P) & bool(street)
    home = rng.integers(0, max(len(street), 1), len(age))
    where = np.where(elsewhere, home + 1, 0)  # 0: the community itself, k: street[k - 1]
    for k in np.unique(where).tolist():
        ids, weights = _pool(ctx, c if k == 0 else street[k - 1])
        for band in range(len(AGE_BANDS)):
            rows = np.flatnonzero((where == k) & (age == band))
            if len(rows):
                out[rows] = ids[band][rng.choice(len(ids[band]), size=len(rows), p=weights[band])]
    return out


def _lines(ctx: Context, m: Month, p: Plan, naive: bool, stream: str = "activity-signups",
           party_p: np.ndarray = PARTY_P) -> list[str]:
    rng = ctx.rng(stream, p.community.code, m.key)
    n = int(p.sizes.sum())
    act = np.repeat(np.arange(len(p.ids)), p.sizes)
    typ = p.types[act]
    u = rng.random(n)
    cum = AGE_P[typ].cumsum(axis=1)
    age = np.minimum((cum < u[:, None]).sum(axis=1), 3)
    party = (rng.random(n) < party_p[typ]) & (age > 0)
    female = rng.random(n) < FEMALE_P[typ]
    past = p.starts[act] <= ctx.end_moment
    checked = past & (rng.random(n) < CHECK_IN[typ])
    as_code = rng.random(n) < 0.25
    personal = rng.random(n) < 0.08
    who = people.names(rng, n)
    phone = people.phones(rng, n)
    resident = residents(ctx, p.community, m, stream, age)
    fmt = "minute" if naive else "iso_t"
    start_text = mess.format_datetimes(p.starts, fmt)
    if not naive:
        start_text = np.array([s + "+08:00" for s in start_text], dtype=object)
    head = [f'{{"activity_id":"{i}","activity_name":{json.dumps(nm, ensure_ascii=False)},"community":"'
            for i, nm in zip(p.ids, p.names)]
    tail = [f'","type":"{TYPES[k]}","start_time":"{s}","participant":'
            for k, s in zip(p.types.tolist(), start_text.tolist())]
    # spoil about one line in a thousand
    bad = mess.bad_rows(rng, n)
    unknown, future, odd_age = mess.split_bad(rng, bad, 3)
    community = np.where(as_code, p.community.code, p.community.name).astype(object)
    community[unknown] = rng.choice(mess.UNKNOWN_COMMUNITIES, len(unknown))
    ages = np.array(AGE_BANDS, dtype=object)[age]
    ages[odd_age] = "未知"
    future_tail = {}
    for r in future.tolist():
        when = np.datetime64(ctx.end, "s") + np.timedelta64(
            int(rng.integers(40, 400)) * 86400 + int(rng.integers(8, 20)) * 3600, "s")
        text = mess.format_datetimes(np.array([when]), fmt)[0] + ("" if naive else "+08:00")
        future_tail[r] = f'","type":"{TYPES[typ[r]]}","start_time":"{text}","participant":'
    out = []
    for r, (a, com, ag, pm, fe, ck, pe, rid) in enumerate(zip(
            act.tolist(), community.tolist(), ages.tolist(), party.tolist(), female.tolist(),
            checked.tolist(), personal.tolist(), resident.tolist())):
        line = (f'{head[a]}{com}{future_tail.get(r, tail[a])}{{"id":"{rid}","age_band":"{ag}","is_party_member":'
                f'{"true" if pm else "false"},"gender":"{"女" if fe else "男"}"}},"checked_in":'
                f'{"true" if ck else "false"}')
        if pe:
            line += f',"name":"{who[r]}","phone":"{phone[r]}"'
        out.append(line + "}\n")
    return out


def write(ctx: Context, out: Path) -> list[Path]:
    files = []
    folder = out / "activities"
    folder.mkdir(parents=True, exist_ok=True)
    for m in ctx.months:
        lines: list[str] = []
        naive = m.ordinal % 2 == 1
        for c in ctx.communities:
            lines += _lines(ctx, m, plan(ctx, c, m), naive)
            lines += _lines(ctx, m, courses(ctx, c, m), naive, "course-signups", COURSE_PARTY)
        path = folder / f"signups_{m.label}.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        files.append(path)
    return files


def upcoming(ctx: Context, start: dt.date, days: int) -> list[Plan]:
    """Plans of every community for the months touching ``start`` .. ``start + days``."""
    last = start + dt.timedelta(days=days)
    wanted = {(start.year, start.month), (last.year, last.month)}
    months = [mo for mo in months_until(last, 3) if (mo.year, mo.month) in wanted]
    return [make(ctx, c, mo) for mo in months for c in ctx.communities for make in (plan, courses)]
