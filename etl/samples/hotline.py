"""12345 / 网络理政 work orders: one export per month, CSV (GBK or UTF-8 with BOM) or XLSX.

Volumes scale with a community's population (about 40 to 120 orders a month), peak in the
summer heat (water, power, noise) and dip at the Spring Festival. Orders close in hours to
days; those received in the last fortnight before the export are often still 办理中.

One planted anomaly (``SURGE``): in September 2026 汇泉路社区's complaints (投诉) jump, a
dispute with a property company filling the line for a month, so the overview and the
explorer have an unusual month to show (``data/unusual.py``; tests/test_unusual.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import mess, people
from .context import Context, Month, stack
from .places import Community
from .xlsx import Sheet, write_workbook

CHANNELS = np.array(["电话", "微信", "APP", "网站", "信件"], dtype=object)
CHANNEL_P = [0.6, 0.13, 0.14, 0.1, 0.03]
TYPES = np.array(["咨询", "求助", "投诉", "建议", "表扬", "举报"], dtype=object)
TYPE_P = [0.22, 0.26, 0.36, 0.09, 0.02, 0.05]
LIMIT_DAYS = np.array([1, 5, 5, 10, 3, 10])  # 办理时限 by type
CATEGORIES = ["物业管理", "市政设施", "环境卫生", "噪音扰民", "交通出行", "教育", "医疗卫生",
              "社会保障", "住房", "消费维权", "劳动就业", "城市管理", "其他"]
CATEGORY_W = np.array([20, 11, 10, 8, 8, 5, 5, 6, 5, 7, 5, 6, 4], dtype=float)
SATISFACTION = np.array(["非常满意", "满意", "基本满意", "不满意", "非常不满意"], dtype=object)

#: What callers say, by category; {a} is an address inside the community.
COMPLAINTS = {
    "物业管理": ["反映{a}电梯经常停运，物业维修不及时，希望督促整改。",
             "{a}楼道垃圾多日无人清理，物业不作为。",
             "{a}地下车库漏水，物业推诿，请求协调处理。"],
    "市政设施": ["{a}附近停水一整天，未见停水通知，请求尽快恢复供水。",
             "{a}所在片区频繁停电，天气炎热，老人难以承受。",
             "{a}门口路灯损坏多日，夜间出行不安全。"],
    "环境卫生": ["{a}旁垃圾桶满溢，异味严重，希望增加清运频次。",
             "{a}周边下水道堵塞，污水外溢。",
             "{a}附近有人乱扔建筑垃圾。"],
    "噪音扰民": ["{a}楼下商铺夜间噪音大，影响休息。",
             "{a}旁工地夜间施工，噪音扰民。",
             "{a}附近广场舞音响声音过大。"],
    "交通出行": ["{a}门口乱停车严重，堵塞消防通道。",
             "{a}附近公交站点撤销，出行不便，建议恢复。",
             "{a}路口红绿灯时间过短，行人难以通过。"],
    "教育": ["咨询{a}所属学区划片及入学报名材料。",
           "反映{a}附近培训机构收费不规范。"],
    "医疗卫生": ["咨询{a}附近社区卫生服务中心疫苗接种时间。",
             "反映{a}附近诊所收费不透明。"],
    "社会保障": ["咨询城乡居民医保缴费方式，本人住{a}。",
             "咨询养老保险待遇认证，家住{a}的老人行动不便。"],
    "住房": ["反映{a}房屋墙体开裂，担心安全。",
           "咨询{a}老旧小区改造进度。"],
    "消费维权": ["反映{a}附近健身房预付卡无法退款。",
             "{a}旁超市销售过期食品。"],
    "劳动就业": ["反映在{a}附近工地务工被拖欠工资。",
             "咨询灵活就业人员社保补贴，本人住{a}。"],
    "城市管理": ["{a}门口占道经营严重。",
             "{a}楼顶有违章搭建。"],
    "其他": ["对{a}所在社区工作人员热情服务表示感谢。",
           "建议在{a}附近增设休闲座椅。"],
}

HEADERS = ["工单编号", "受理时间", "诉求渠道", "诉求类型", "诉求类别", "所属区县", "所属街道",
           "所属社区", "来电人", "联系电话", "诉求内容", "办理状态", "办结时间", "办理时限",
           "是否超期", "满意度"]
ALIASES = {"诉求类别": "问题分类", "来电人": "诉求人", "联系电话": "来电号码", "满意度": "评价结果"}


#: (community name, month key): that community's orders that month are multiplied by the factor,
#: the extra ones all complaints about property management (物业管理).
SURGE = {("汇泉路社区", 202609): 3.0}


def monthly_orders(c: Community) -> float:
    """About 40 orders a month in a small community, 120 in a large one."""
    return 40 + 80 * float(np.clip((c.population - 4000) / 22000, 0, 1))


def _category_weights(m: Month) -> np.ndarray:
    """Per day and category: heat lifts water, power and noise; enrolment lifts education."""
    t = m.table
    w = np.tile(CATEGORY_W, (t.n, 1))
    heat = (t.summer - 1.0) / 0.3  # 0 .. 1
    w[:, 1] *= 1 + 1.5 * heat
    w[:, 3] *= 1 + 0.8 * heat
    if m.month in (6, 7, 8):
        w[:, 5] *= 1.8
    if m.month in (9, 10, 11, 12):
        w[:, 7] *= 1.6  # residents' medical insurance collection season
    return w


def _community_orders(ctx: Context, m: Month, c: Community) -> dict[str, np.ndarray] | None:
    rng = ctx.rng("hotline", c.code, m.key)
    t = m.table
    weekday = np.where(t.weekend, 0.75, 1.08)
    surge = SURGE.get((c.name, m.key), 1.0)
    lam = monthly_orders(c) / 30.4 * ctx.scale * t.spring * t.summer * weekday * surge
    counts = rng.poisson(lam)
    n = int(counts.sum())
    if n == 0:
        return None
    day = np.repeat(np.arange(t.n), counts)
    hour_p = np.array([1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 4, 8, 10, 10, 9, 7, 7, 9, 9, 8, 7,
                       6, 6, 5, 4, 3, 2])
    hour = rng.choice(24, size=n, p=hour_p / hour_p.sum())
    received = (t.dates[day].astype("datetime64[s]")
                + (hour * 3600 + rng.integers(0, 3600, n)).astype("timedelta64[s]"))
    kind = rng.choice(len(TYPES), size=n, p=TYPE_P)
    w = _category_weights(m)[day]
    cum = w.cumsum(axis=1)
    category = (cum < (rng.random(n) * cum[:, -1])[:, None]).sum(axis=1)
    if surge > 1.0:  # the extra orders (a share 1 - 1/surge of each day's) are property complaints
        extra = rng.random(n) < 1.0 - 1.0 / surge
        kind[extra], category[extra] = 2, 0
    limit = (LIMIT_DAYS[kind] * 86400).astype("timedelta64[s]")
    deadline = received + limit
    overdue_rate = rng.uniform(0.02, 0.07)
    late = rng.random(n) < overdue_rate
    frac = np.where(late, 1.0 + rng.lognormal(-1.2, 0.8, n), rng.beta(1.3, 3.5, n))
    seconds = np.maximum(1800, frac * LIMIT_DAYS[kind] * 86400).astype(np.int64)
    closed = received + seconds.astype("timedelta64[s]")
    returned = rng.random(n) < 0.015
    done = ~returned & (closed <= ctx.end_moment)
    status = np.where(returned, "已退回", np.where(done, "已办结", "办理中")).astype(object)
    overdue = np.where(done, closed > deadline, ~returned & (ctx.end_moment > deadline))
    evaluated = done & (rng.random(n) < rng.uniform(0.6, 0.7))
    p_on = np.array([0.52, 0.29, 0.1, 0.06, 0.03])
    p_late = np.array([0.2, 0.25, 0.2, 0.2, 0.15])
    sat = np.where(overdue, rng.choice(5, n, p=p_late), rng.choice(5, n, p=p_on))
    satisfaction = np.where(evaluated, SATISFACTION[sat],
                            np.where(done & (rng.random(n) < 0.7), "未评价", "")).astype(object)
    estate_rng = ctx.rng("hotline-estates", c.code)
    addr = people.addresses(rng, people.estates(estate_rng, c.name, 6), n)
    pick = rng.integers(0, 3, n)
    content = [COMPLAINTS[CATEGORIES[k]][p % len(COMPLAINTS[CATEGORIES[k]])].format(a=a)
               for k, p, a in zip(category.tolist(), pick.tolist(), addr.tolist())]
    return {
        "received": received, "channel": rng.choice(CHANNELS, n, p=CHANNEL_P),
        "type": TYPES[kind], "category": np.array(CATEGORIES, dtype=object)[category],
        "district": np.full(n, c.district_name, dtype=object),
        "street": np.full(n, c.street_name, dtype=object),
        "community": np.full(n, c.name, dtype=object),
        "caller": people.callers(rng, n), "phone": people.phones(rng, n),
        "content": np.array(content, dtype=object), "status": status,
        "closed": np.where(done, closed, np.datetime64("NaT")).astype("datetime64[s]"),
        "deadline": deadline, "overdue": np.where(overdue, "是", "否").astype(object),
        "satisfaction": satisfaction,
    }


def _spoil(ctx: Context, m: Month, df: pd.DataFrame) -> pd.DataFrame:
    """About one row in a thousand: an unknown community, a future date, closed before received."""
    rng = ctx.rng("hotline-bad", m.key)
    unknown, future, backwards = mess.split_bad(rng, mess.bad_rows(rng, len(df)), 3)
    df = df.copy()
    df.loc[unknown, "community"] = rng.choice(mess.UNKNOWN_COMMUNITIES, len(unknown))
    shift = (rng.integers(40, 400, len(future)) * 86400
             + rng.integers(8 * 3600, 20 * 3600, len(future))).astype("timedelta64[s]")
    df.loc[future, "received"] = np.datetime64(ctx.end, "s") + shift
    recv = df.loc[backwards, "received"].to_numpy()
    df.loc[backwards, "closed"] = recv - (rng.integers(1, 72, len(backwards)) * 3600).astype("timedelta64[s]")
    df.loc[backwards, "status"] = "已办结"
    return df


def write(ctx: Context, out: Path) -> list[Path]:
    files = []
    for m in ctx.months:
        df = stack([_community_orders(ctx, m, c) for c in ctx.communities])
        if df is None:
            continue
        order = np.argsort(df["received"].to_numpy(), kind="stable")
        df = df.iloc[order].reset_index(drop=True)
        day = df["received"].to_numpy().astype("datetime64[D]")
        seq = df.groupby(day).cumcount().to_numpy() + 1
        ids = np.strings.add(np.strings.add("GD", mess.format_datetimes(day, "date").astype(str)),
                             np.strings.zfill(seq.astype(str), 5))
        df.insert(0, "id", np.strings.replace(ids, "-", "").astype(object))
        df = _spoil(ctx, m, df)
        rng = ctx.rng("hotline-names", m.key)
        df["community"] = mess.messy_names(rng, df["community"].to_numpy(), 0.06)
        files.append(_write_month(ctx, m, df, out))
    return files


def _write_month(ctx: Context, m: Month, df: pd.DataFrame, out: Path) -> Path:
    o = m.ordinal
    # any three consecutive months show a GBK CSV, a UTF-8 CSV and an XLSX (o % 3 = 0, 1, 2)
    aliased = o % 3 == 1 or (o % 3 == 2 and o % 2 == 1)
    headers = [ALIASES.get(h, h) if aliased else h for h in HEADERS]
    title = f"{m.zh}12345工单明细" if o % 2 == 0 else None
    totals = o % 4 in (0, 1)
    blanks = 0 if o % 3 == 1 else 1 + o % 3
    text_cols = ["channel", "type", "category", "district", "street", "community", "caller",
                 "phone", "content", "status"]
    if o % 3 == 2:  # an Excel export: serial numbers where dates should be
        sheet = Sheet("工单明细")
        if title:
            sheet.row([title])
            sheet.merge(1, 0, 1, len(headers) - 1)
        sheet.row(headers)
        cols = [(df["id"].to_numpy(), "s"), (mess.excel_serial(df["received"].to_numpy()), "d")]
        cols += [(df[c].to_numpy(), "s") for c in text_cols]
        cols += [(mess.excel_serial(df["closed"].to_numpy()), "n"),
                 (mess.format_datetimes(df["deadline"].to_numpy(), "iso"), "s"),
                 (df["overdue"].to_numpy(), "s"), (df["satisfaction"].to_numpy(), "s")]
        sheet.block(cols)
        if totals:
            sheet.row(["合计", f"共{len(df)}件"])
        sheet.blank_rows(blanks)
        return write_workbook(out / "hotline" / f"hotline_{m.label}.xlsx", [sheet])
    style = "slash" if o % 2 == 0 else "iso"
    frame = pd.DataFrame({"id": df["id"], "received": mess.format_datetimes(df["received"].to_numpy(), style)})
    for c in text_cols:
        frame[c] = df[c]
    frame["closed"] = mess.format_datetimes(df["closed"].to_numpy(), style)
    frame["deadline"] = mess.format_datetimes(df["deadline"].to_numpy(), "minute" if o % 2 else "slash")
    frame["overdue"] = df["overdue"]
    frame["satisfaction"] = df["satisfaction"]
    frame.columns = headers
    encoding = "gbk" if o % 3 == 0 else "utf-8-sig"
    return mess.write_csv(out / "hotline" / f"hotline_{m.label}.csv", frame, encoding=encoding,
                          title=title, totals={headers[0]: "合计", headers[1]: f"共{len(df)}件"} if totals else None,
                          blank_rows=blanks)
