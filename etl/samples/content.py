"""What the screen reads rather than counts: news, notices, the activity calendar, the
service guide and the service points of the 15-minute living circle.

Service guides and part of the news are Markdown files with a front-matter block (as the
street's editors keep them); the rest comes in one ``feed.json``. Items crowd towards
``end`` so that a screen always has current news, this week's notices and the activities
of the weeks around ``end`` (the same activities people sign up for in ``activities``).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from . import activities
from .context import Context
from .places import Community

TYPE_EN = {"党建": "Party building", "文化": "Culture", "体育": "Sports", "亲子": "Family",
           "助老": "Elderly care", "公益课程": "Free course", "志愿服务": "Volunteering",
           "议事协商": "Residents' consultation"}

NEWS = [  # (title, title_en, body); {c} community, {ce} its English name, {s} street
    ("{c}举办邻里节，居民共享百家宴", "{ce} holds a neighbourhood festival with a shared feast",
     "近日，{c}在社区广场举办邻里节活动，{n}余户居民自带拿手菜参加百家宴，社区志愿者现场提供义诊、义剪等服务。"),
    ("{c}开展“敲门行动”走访独居老人", "{ce} visits elderly residents living alone",
     "{c}组织网格员和志愿者开展“敲门行动”，逐户走访辖区{n}位独居、高龄老人，登记需求并检查用电用气安全。"),
    ("{c}召开院落议事会，共商停车难题", "{ce} residents discuss parking at a courtyard meeting",
     "{c}邀请居民代表、物业和辖区单位召开院落议事会，围绕停车位不足问题收集意见{n}条，形成初步治理方案。"),
    ("{c}党员先锋岗服务群众", "Party members of {ce} serve residents at pioneer posts",
     "{c}设立党员先锋岗，{n}名在职党员到社区报到，参与环境整治、文明劝导等志愿服务。"),
    ("{c}“一老一小”服务点扩容", "{ce} expands its services for the elderly and children",
     "{c}“一老一小”服务点完成改造，新增助餐座位和儿童活动空间，可同时服务{n}人。"),
    ("{s}开展安全生产大检查", "{s} runs a workplace safety inspection",
     "{s}联合消防、市场监管等部门对辖区{n}家商铺和小区开展安全检查，现场整改隐患。"),
    ("{c}举办防范电信诈骗宣传活动", "{ce} campaigns against telephone fraud",
     "{c}联合派出所民警开展反诈宣传，发放宣传资料{n}份，帮助居民安装国家反诈中心APP。"),
    ("{c}垃圾分类积分兑换日", "{ce} exchanges waste-sorting points for goods",
     "{c}举办垃圾分类积分兑换活动，{n}名居民用积分兑换了生活用品，社区分类准确率持续提升。"),
    ("{s}12345热线办理情况通报", "{s} reports on its 12345 hotline orders",
     "{s}通报上月12345热线工单办理情况，按时办结率和群众满意度保持较高水平，共受理诉求{n}件。"),
    ("{c}开展“微心愿”认领活动", "{ce} invites residents to fulfil small wishes",
     "{c}收集困难群众和留守儿童“微心愿”{n}个，辖区党员和爱心企业踊跃认领。"),
]
SEED_NEWS = {
    "汇泉路社区": [("汇泉路社区微党校推出VR沉浸式党课", "Huiquanlu's micro party school launches VR party lessons",
                "汇泉路社区微党校引入VR设备，党员可沉浸式体验红色教育场景，本月已开展课程{n}场。"),
               ("汇泉路社区假日托管班开班", "Huiquanlu opens holiday childcare for working parents",
                "汇泉路社区为辖区双职工家庭开设免费假日托管班，首批{n}名儿童入班。")],
    "锦城社区": [("锦城社区暑期公益课堂开课", "Jincheng's free summer classes begin",
              "锦城社区暑期公益课堂开课，5至12岁儿童报名{n}余人，课程涵盖科普、艺术和体育。")],
    "南山国际化社区": [("南山国际化社区双语志愿者服务外籍居民", "Nanshan's bilingual volunteers help foreign residents",
                 "南山国际化社区双语志愿服务队为外籍居民提供政策咨询和办事陪同，本月服务{n}人次。")],
    "红旗社区": [("红旗社区积分超市上新", "Hongqi's points supermarket restocks",
              "红旗社区积分超市上新生活用品，居民参与志愿服务获得的积分可兑换，本月兑换{n}人次。")],
}
NOTICES = [  # (title, title_en, body, days it runs)
    ("停水通知", "Water supply interruption",
     "因供水管网维修，{c}部分小区将于{start}起暂停供水约8小时，请居民提前储水。", 1),
    ("电梯维修保养通知", "Lift maintenance",
     "{c}部分楼栋电梯将于{start}起进行年度维保，期间请走楼梯，注意安全。", 2),
    ("消防演练通知", "Fire drill",
     "{c}将于{start}组织消防疏散演练，届时请听从工作人员指挥。", 1),
    ("城乡居民医保集中缴费提醒", "Reminder: residents' medical insurance contributions",
     "下一年度城乡居民医保集中缴费期已开始，可通过天府市民云、社区便民服务站或街道公共服务大厅缴费。", 90),
    ("免费健康体检通知", "Free health check-ups",
     "65岁以上老年人可于{start}起到{c}卫生服务站参加免费健康体检，请携带身份证和医保卡。", 14),
    ("燃气安全入户检查通知", "Gas safety inspection at home",
     "燃气公司工作人员将于{start}起入户开展安全检查，请核验工作证件。", 5),
]
GUIDES = [  # (topic, title_en, what to bring, how)
    ("城乡居民基本医疗保险参保缴费", "Residents' basic medical insurance: enrolment and payment",
     ["居民身份证或户口簿", "新生儿提供出生医学证明"],
     "可在天府市民云APP、社区便民服务站或街道公共服务大厅办理；每年9月至12月集中缴费。"),
    ("城乡居民养老保险参保登记", "Residents' pension insurance: enrolment",
     ["居民身份证", "户口簿", "本人银行卡"], "到街道公共服务大厅社保窗口或24小时自助服务区终端办理，当场办结。"),
    ("居住证办理", "Applying for a residence permit",
     ["居民身份证", "近期免冠照片", "居住证明（租房合同或房产证明）"], "在街道公共服务大厅户籍窗口受理，15个工作日内制证。"),
    ("户口迁入（投靠落户）", "Moving household registration to Chengdu (joining family)",
     ["居民身份证", "户口簿", "亲属关系证明", "住房证明"], "向街道公共服务大厅户籍窗口提交材料，审核通过后开具准迁证明。"),
    ("新生儿入户", "Registering a newborn",
     ["出生医学证明", "父母身份证和户口簿", "结婚证"], "可通过天府通办网上办理，或到街道公共服务大厅户籍窗口办理。"),
    ("灵活就业人员社保登记", "Social insurance for flexible workers",
     ["居民身份证", "本人银行卡"], "在社区便民服务站或街道公共服务大厅社保窗口登记，也可在自助终端办理。"),
    ("异地就医备案", "Registering for medical treatment in another city",
     ["医保卡", "居民身份证"], "通过国家医保服务平台APP或街道公共服务大厅医保窗口办理，即时生效。"),
    ("高龄津贴申领", "Claiming the old-age allowance",
     ["老年人身份证", "户口簿", "银行卡"], "80周岁以上老年人到户籍所在社区便民服务站申请，次月起发放。"),
    ("残疾人证办理", "Applying for a disability certificate",
     ["居民身份证", "户口簿", "近期免冠照片"], "到社区便民服务站提出申请，按通知到指定医院评定后由区残联发证。"),
    ("生育登记", "Birth registration",
     ["夫妻双方身份证", "结婚证"], "可通过四川政务服务网或社区便民服务站办理，即时办结。"),
]
# What to bring, in English: the guides' bodies carry it as a "## What to bring" section.
MATERIALS_EN = {
    "居民身份证": "resident ID card", "户口簿": "household register (hukou)", "本人银行卡": "your bank card",
    "新生儿提供出生医学证明": "for a newborn, the birth certificate", "近期免冠照片": "a recent photo",
    "居住证明（租房合同或房产证明）": "proof of address (lease or deed)", "亲属关系证明": "proof of kinship",
    "住房证明": "proof of housing", "出生医学证明": "birth certificate",
    "父母身份证和户口簿": "parents' ID cards and hukou", "结婚证": "marriage certificate",
    "医保卡": "medical insurance card", "老年人身份证": "the senior's ID card", "银行卡": "bank card",
    "夫妻双方身份证": "both spouses' ID cards",
}
RESOURCES = [  # (name, English after the community's name, profile flag or None, hours)
    ("党群服务中心", "Party and public service centre", None, "周一至周日 9:00-21:00"),
    ("社区卫生服务站", "Health station", None, "周一至周日 8:00-17:30"),
    ("长者食堂", "Canteen for the elderly", "meal_point", "周一至周五 11:00-13:00"),
    ("康复理疗室", "Rehabilitation room", "rehab_room", "周一至周五 9:00-17:00"),
    ("婴幼儿托育中心", "Infant care centre", "infant_care", "周一至周五 8:00-18:00"),
    ("24小时自助服务区", "24-hour self-service area", "self_service_area", "全天24小时"),
    ("儿童之家", "Children's home", "after_school_care", "周一至周五 16:00-19:00，寒暑假 9:00-17:00"),
    ("社区书屋", "Library", None, "周二至周日 9:00-20:00"),
    ("健身广场", "Fitness ground", None, "全天开放"),
    ("日间照料中心", "Day-care centre for the elderly", None, "周一至周六 8:30-17:30"),
]


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+08:00") if moment else None


# The activity places (activities.PLACES) in English, for the content's location_en.
PLACES_EN = {"党群服务中心多功能厅": "Party and public service centre, main hall",
             "党群服务中心二楼活动室": "Party and public service centre, activity room (2F)",
             "社区广场": "Community square", "社区书屋": "Community library", "邻里中心": "Neighbourhood centre",
             "儿童之家": "Children's home", "长者活动中心": "Seniors' activity centre",
             "社区运动场": "Community sports ground"}


def _item(kind, title, title_en, area, published, body, starts=None, ends=None, location=None, location_en=None):
    return {"kind": kind, "title": title, "title_en": title_en, "area": area,
            "published_at": _iso(published), "starts_at": _iso(starts), "ends_at": _iso(ends),
            "location": location, "location_en": location_en, "body": body}


def _when(rng, end: dt.date, days_back: float) -> dt.datetime:
    back = min(days_back, rng.exponential(days_back / 3))
    day = end - dt.timedelta(days=int(back))
    return dt.datetime(day.year, day.month, day.day, int(rng.integers(8, 19)), int(rng.choice([0, 15, 30, 45])))


def _news(ctx: Context, street: tuple, comms: list[Community], horizon: int) -> list[dict]:
    code, name, _ = street
    rng = ctx.rng("content-news", code)
    street_en = comms[0].street_name_en
    items = []
    for _ in range(int(rng.integers(30, 61))):
        c = comms[int(rng.integers(0, len(comms)))]
        pool = NEWS + SEED_NEWS.get(c.name, []) * 3
        title, title_en, body = pool[int(rng.integers(0, len(pool)))]
        on_street = "{s}" in title
        fill = dict(c=c.name, ce=c.name_en, s=name, n=int(rng.integers(12, 300)))
        items.append(_item("news", title.format(**fill), title_en.format(**fill | {"s": street_en}),
                           code if on_street else c.code, _when(rng, ctx.end, horizon),
                           body.format(**fill), location=None if on_street else f"{c.name}",
                           location_en=None if on_street else c.name_en))
    for _ in range(int(rng.integers(8, 16))):
        c = comms[int(rng.integers(0, len(comms)))]
        title, title_en, body, span = NOTICES[int(rng.integers(0, len(NOTICES)))]
        published = _when(rng, ctx.end, min(horizon, 45))
        starts = published + dt.timedelta(days=int(rng.integers(1, 8)), hours=int(rng.integers(0, 3)))
        starts = starts.replace(minute=0)
        ends = starts + dt.timedelta(days=span) if span > 1 else starts + dt.timedelta(hours=8)
        text = body.format(c=c.name, start=f"{starts.month}月{starts.day}日{starts.hour}:00")
        items.append(_item("notice", f"{c.name}{title}", f"{c.name_en}: {title_en}", c.code,
                           published, text, starts, ends, c.name, c.name_en))
    return items


def _calendar(ctx: Context) -> list[dict]:
    """Activities of the week before ``end`` and the two weeks after."""
    start = ctx.end - dt.timedelta(days=7)
    first = np.datetime64(start, "s")
    last = np.datetime64(ctx.end + dt.timedelta(days=15), "s")
    announced_by = dt.datetime(ctx.end.year, ctx.end.month, ctx.end.day, 8, 30)
    items = []
    for p in activities.upcoming(ctx, start, 15):
        for i, when in enumerate(p.starts.tolist()):
            if not (first <= np.datetime64(when, "s") < last):
                continue
            kind = activities.TYPES[int(p.types[i])]
            published = min(when - dt.timedelta(days=7), announced_by)
            where = f"{p.community.name}{p.places[i]}"
            body = (f"{kind}活动“{p.names[i]}”将于{when.month}月{when.day}日{when:%H:%M}在{where}举行，"
                    f"预计{int(p.sizes[i])}人参加。欢迎居民通过社区活动报名小程序报名。")
            items.append(_item("activity", p.names[i], f"{TYPE_EN[kind]} at {p.community.name_en}",
                               p.community.code, published, body, when, when + dt.timedelta(hours=2),
                               where, f"{p.community.name_en}, {PLACES_EN.get(p.places[i], p.places[i])}"))
    return items


def _resources(ctx: Context, c: Community, published: dt.datetime) -> list[dict]:
    rng = ctx.rng("content-resources", c.code)
    items = []
    for i, (name, name_en, flag, hours) in enumerate(RESOURCES):
        if flag and not getattr(c.profile, flag):
            continue
        if flag is None and i >= 7 and rng.random() < 0.4:
            continue
        lon = c.lon + rng.normal(0, 0.002) if c.lon == c.lon else None
        lat = c.lat + rng.normal(0, 0.002) if c.lat == c.lat else None
        where = f"{c.district_name}{c.street_name}{c.name}{name}"
        walk = int(rng.integers(3, 15))
        coords = f"\n\n坐标：{lon:.5f}, {lat:.5f}" if lon is not None else ""
        body = f"{c.name}{name}，步行约{walk}分钟可达。开放时间：{hours}。{coords}"
        items.append(_item("resource", f"{c.name}{name}", f"{c.name_en} {name_en}", c.code,
                           published, body, location=where, location_en=f"{c.name_en}, {c.street_name_en}"))
    return items


def _guides(ctx: Context, street: tuple, comms: list[Community], published: dt.datetime) -> list[dict]:
    code, name, _ = street
    hall = f"{name}公共服务大厅"
    items = []
    for topic, title_en, bring, how in GUIDES:
        body = (f"## 办理地点\n\n{hall}（工作日 9:00-17:00，周六 9:00-12:00，周日及法定节假日休息）；"
                f"部分事项可在各社区便民服务站办理。\n\n## 所需材料\n\n"
                + "".join(f"- {b}\n" for b in bring)
                + f"\n## 办理方式\n\n{how}\n"
                + "\n## What to bring\n\n" + "".join(f"- {MATERIALS_EN.get(b, b)}\n" for b in bring))
        items.append(_item("guide", f"办事指引：{topic}", f"Service guide: {title_en}", code,
                           published, body, location=hall,
                           location_en=f"{comms[0].street_name_en} public service hall"))
    return items


def _markdown(item: dict) -> str:
    def value(v):
        return "" if v is None else v if not isinstance(v, str) or not v[:1].isdigit() else f'"{v}"'
    lines = ["---"]
    for key in ("kind", "title", "title_en", "area", "published_at", "starts_at", "ends_at", "location",
                "location_en"):
        v = item[key]
        if key in ("published_at", "starts_at", "ends_at") and v:
            v = v.replace("T", " ")[:16]  # editors write 2026-11-20 09:30
            lines.append(f"{key}: {v}")
        elif key in ("title_en", "location_en"):
            lines.append(f"{key}: {json.dumps(v, ensure_ascii=False)}")
        else:
            lines.append(f"{key}: {value(v)}")
    lines += ["---", "", item["body"], ""]
    return "\n".join(lines)


def write(ctx: Context, out: Path) -> list[Path]:
    folder = out / "content"
    folder.mkdir(parents=True, exist_ok=True)
    horizon = min(180, (ctx.end - ctx.months[0].first).days)
    first = ctx.months[0].first
    since = dt.datetime(first.year, first.month, first.day, 9, 0)
    by_street: dict[str, list[Community]] = {}
    for c in ctx.communities:
        by_street.setdefault(c.street_code, []).append(c)
    markdown: list[dict] = []
    feed: list[dict] = []
    for street in ctx.streets:
        comms = by_street[street[0]]
        markdown += _guides(ctx, street, comms, since)
        news = _news(ctx, street, comms, horizon)
        markdown += news[::3]
        feed += [n for i, n in enumerate(news) if i % 3]
        for c in comms:
            feed += _resources(ctx, c, since)
    feed += _calendar(ctx)
    files = []
    counts: dict[str, int] = {}
    for item in markdown:
        stamp = item["published_at"][:10]
        key = f"{stamp}_{item['kind']}_{item['area']}"
        counts[key] = counts.get(key, 0) + 1
        path = folder / f"{key}_{counts[key]:02d}.md"
        path.write_text(_markdown(item), encoding="utf-8")
        files.append(path)
    feed.sort(key=lambda it: (it["published_at"], it["kind"], it["area"], it["title"]))
    path = folder / "feed.json"
    path.write_text(json.dumps({"items": feed}, ensure_ascii=False, indent=1), encoding="utf-8")
    files.append(path)
    return sorted(files)
