"""Residents' needs and micro-wishes (需求清单 / 微心愿): one export per month of the needs
raised in it, with their status on the day of the export.

Odd months come as GBK CSV with a title row and a 合计 row, even months as XLSX with a
title row and a two-row merged header (提出人 信息 / 认领 信息). Every export carries the
resident's name, phone, address and the wish's text, and the claimer's name, for the ETL
to drop. Most needs are claimed within days and fulfilled within their promised time;
about one in ten runs late, one in twenty stalls (claimed and never done, or never
claimed), and the newest are still waiting.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import mess, people
from .cobuild import profile
from .context import Context, Month
from .xlsx import Sheet, write_workbook

HEADERS = ["需求编号", "提出时间", "街道", "社区", "提出渠道", "需求类别", "需求类型", "提出人", "联系电话", "地址",
           "需求内容", "认领方类型", "认领方", "认领时间", "承诺时限(天)", "状态", "实现时间", "评价"]
CHANNELS = (("线下", 0.35), ("小程序", 0.3), ("网格员", 0.2), ("12345转办", 0.08), ("议事会", 0.07))
CATEGORIES = (("助老", 0.3), ("助学", 0.14), ("就业", 0.08), ("环境", 0.16), ("文体", 0.1), ("邻里互助", 0.17),
              ("其他", 0.05))
CLAIMERS = (("企业", 0.3), ("社会组织", 0.22), ("志愿队伍", 0.22), ("商户", 0.14), ("党员", 0.12))
WISHES = {
    "助老": ["想请人帮忙更换家里的灯泡和水龙头", "希望有人陪老人去医院复查", "想要一台血压计", "希望每周有人上门聊天"],
    "助学": ["孩子需要一套初中数学辅导书", "想要一个新书包和文具", "希望有大学生志愿者辅导英语"],
    "就业": ["希望推荐附近的保洁岗位", "想参加免费的电工技能培训"],
    "环境": ["楼道灯坏了希望尽快修好", "小区花坛希望补种花草", "希望增加垃圾分类指引牌"],
    "文体": ["希望社区开设太极拳班", "想借用活动室组织合唱排练"],
    "邻里互助": ["家里老人行动不便需要帮忙取快递", "想找人帮忙搬运旧家具"],
    "其他": ["希望了解社保缴费办理流程"],
}
COMPANIES = ("锦江物业服务有限公司", "蜀信科技有限公司", "天府银行社区支行", "川味餐饮管理有限公司", "成都爱心社工服务中心",
             "阳光助老志愿服务队", "益童成长社会工作服务中心", "邻里守望志愿队", "惠民大药房", "好邻居便利店")


def _draw(rng, pairs, n):
    values, weights = zip(*pairs)
    return np.array(values, dtype=object)[rng.choice(len(values), n, p=np.array(weights) / sum(weights))]


def _month(ctx: Context, m: Month) -> pd.DataFrame | None:
    parts = []
    end = np.datetime64(ctx.end_moment)
    for c in ctx.communities:
        p = profile(c, ctx.seed)
        rng = ctx.rng("needs", c.code, m.key)
        season = 1.25 if m.month in (1, 2) else 0.9 if m.month in (7, 8) else 1.0  # the Spring Festival's wishes
        n = int(rng.poisson(p.needs * season * ctx.scale * len(m.days) / 30))
        if n == 0:
            continue
        day = np.array(m.days, dtype="datetime64[D]")[rng.integers(0, len(m.days), n)]
        raised = day.astype("datetime64[s]") + rng.integers(8 * 3600, 21 * 3600, n).astype("timedelta64[s]")
        u = rng.random(n)
        kind = np.where(u < p.wish_share, "微心愿", np.where(u < p.wish_share + p.suggestion_share, "建议", "服务需求"))
        category = _draw(rng, CATEGORIES, n)
        promised = rng.choice([3, 7, 15, 30], n, p=[0.15, 0.45, 0.3, 0.1])
        claim_days = rng.gamma(1.5, 1.2, n)
        fulfil_days = claim_days + rng.gamma(2.0, promised / 5.0)
        late = rng.random(n) < 0.1
        fulfil_days = np.where(late, promised + rng.uniform(1, 12, n), np.minimum(fulfil_days, promised * 0.95))
        claimed_at = raised + (claim_days * 86400).astype("timedelta64[s]")
        done_at = raised + (fulfil_days * 86400).astype("timedelta64[s]")
        closed = rng.random(n) < 0.04
        # A few of the last two months' needs stall (claimed and never done, or never claimed);
        # older ones that stalled were closed since.
        stuck = np.where(end - raised < np.timedelta64(60, "D"), rng.random(n), 1.0)
        done_at = np.where(stuck < 0.05, np.datetime64("2200-01-01T00:00:00"), done_at).astype("datetime64[s]")
        claimed_at = np.where(stuck < 0.015, np.datetime64("2200-01-01T00:00:00"), claimed_at).astype("datetime64[s]")
        status = np.where(closed, "已关闭", np.where(done_at <= end, "已实现",
                          np.where(claimed_at <= end, "已认领", "待认领"))).astype(object)
        claimer = _draw(rng, CLAIMERS, n)
        claimer[(status == "待认领") | (status == "已关闭")] = ""
        claimer_name = np.array(COMPANIES, dtype=object)[rng.integers(0, len(COMPANIES), n)]
        members = claimer == "党员"
        claimer_name[members] = people.names(rng, int(members.sum()))  # a party member: a person
        claimer_name[claimer == ""] = ""
        rated = (status == "已实现") & (rng.random(n) < 0.72)
        rating = np.where(rated, np.where(rng.random(n) < 0.9, "满意", np.where(rng.random(n) < 0.6, "基本满意", "不满意")),
                          np.where(status == "已实现", "未评价", "")).astype(object)
        texts = np.array([WISHES[cat][i % len(WISHES[cat])] for i, cat in enumerate(category)], dtype=object)
        parts.append(pd.DataFrame({
            "raised": raised, "street": c.street_name, "community": c.name,
            "channel": _draw(rng, CHANNELS, n), "category": category, "type": kind,
            "who": people.names(rng, n), "phone": people.phones(rng, n),
            "address": people.addresses(rng, people.estates(rng, c.name, 4), n), "text": texts,
            "claimer_type": claimer, "claimer": claimer_name,
            "claimed": np.where(status == "待认领", np.datetime64("NaT"), np.where(claimer == "", np.datetime64("NaT"),
                                                                                 claimed_at)).astype("datetime64[s]"),
            "promised": promised, "status": status,
            "done": np.where(status == "已实现", done_at, np.datetime64("NaT")).astype("datetime64[s]"),
            "rating": rating,
        }))
    if not parts:
        return None
    df = pd.concat(parts, ignore_index=True).sort_values("raised", kind="stable").reset_index(drop=True)
    seq = np.arange(1, len(df) + 1)
    df.insert(0, "id", [f"XQ{m.year}{m.month:02d}{s:05d}" for s in seq])
    return df


def write(ctx: Context, out: Path) -> list[Path]:
    files = []
    for m in ctx.months:
        df = _month(ctx, m)
        if df is None:
            continue
        rng = ctx.rng("needs-bad", m.key)
        unknown, future, twice = mess.split_bad(rng, mess.bad_rows(rng, len(df), 0.004), 3)
        df.loc[unknown, "community"] = rng.choice(mess.UNKNOWN_COMMUNITIES, len(unknown))
        df.loc[future, "raised"] = np.datetime64(ctx.end, "s") + (rng.integers(30, 400, len(future)) * 86400
                                                                   ).astype("timedelta64[s]")
        if len(twice) and len(df) > 1:
            df.loc[twice, "id"] = df["id"].iloc[0]  # typed twice: the need number repeats
        df["community"] = mess.messy_names(ctx.rng("needs-names", m.key), df["community"].to_numpy(), 0.04)
        files.append(_write(m, df, out))
    return files


def _write(m: Month, df: pd.DataFrame, out: Path) -> Path:
    o = m.ordinal
    style = "slash" if o % 3 else "iso"
    cells = pd.DataFrame({
        "需求编号": df["id"], "提出时间": mess.format_datetimes(df["raised"].to_numpy(), style),
        "街道": df["street"], "社区": df["community"], "提出渠道": df["channel"], "需求类别": df["category"],
        "需求类型": df["type"], "提出人": df["who"], "联系电话": df["phone"], "地址": df["address"],
        "需求内容": df["text"], "认领方类型": df["claimer_type"], "认领方": df["claimer"],
        "认领时间": mess.format_datetimes(df["claimed"].to_numpy(), style), "承诺时限(天)": df["promised"],
        "状态": df["status"], "实现时间": mess.format_datetimes(df["done"].to_numpy(), style), "评价": df["rating"],
    })[HEADERS]
    if o % 2:
        return mess.write_csv(out / "needs" / f"needs_{m.label}.csv", cells, encoding="gbk",
                              title=f"社区居民需求（微心愿）清单 {m.zh}",
                              totals={"需求编号": "合计", "提出时间": f"{len(cells)}条"}, blank_rows=o % 3)
    sheet = Sheet("需求清单")
    sheet.row([f"社区居民需求（微心愿）清单（{m.zh}）"])
    sheet.merge(1, 0, 1, len(HEADERS) - 1)
    # Two-row merged header: 提出人信息 over 提出人/联系电话/地址, 认领信息 over 认领方类型/认领方/认领时间.
    groups = {7: ("提出人信息", 3), 11: ("认领信息", 3)}
    top, lower = [], []
    j = 0
    while j < len(HEADERS):
        if j in groups:
            name, width = groups[j]
            top += [name] + [""] * (width - 1)
            lower += [h.replace("提出人", "姓名") if h == "提出人" else h for h in HEADERS[j:j + width]]
            sheet.merge(2, j, 2, j + width - 1)
            j += width
        else:
            top.append(HEADERS[j])
            lower.append("")
            sheet.merge(2, j, 3, j)
            j += 1
    sheet.row(top, "s" * len(top))
    sheet.row(lower, "s" * len(lower))
    sheet.block([(cells[h].to_numpy(dtype=object), "s") for h in HEADERS])
    return write_workbook(out / "needs" / f"needs_{m.label}.xlsx", [sheet])
