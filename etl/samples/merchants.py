"""The merchant alliance (商居联盟) register and service log: one GBK CSV per month, a row
per merchant of each community's register (members and merchants that have not signed).

A month's log arrives after the month, so the month of ``end`` has none yet. It has the
real mess: a title row, a 合计 row, numbers now and then as text, the 负责人 and their phone.
南山国际化社区 has its 80 signed merchants, 10 of them model merchants.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import mess, people
from .cobuild import profile
from .context import Context
from .places import Community

HEADERS = ["统计月份", "街道", "社区", "商户名称", "行业", "是否联盟成员", "是否示范商户", "优惠服务项数", "公益服务次数",
           "公益服务时长(小时)", "负责人", "联系电话"]
TRADES = (("餐饮", 0.34), ("零售", 0.24), ("生活服务", 0.2), ("教育培训", 0.08), ("医疗健康", 0.08), ("其他", 0.06))
SHOPS = {"餐饮": ("面馆", "火锅", "茶馆", "小吃店", "烘焙坊"), "零售": ("便利店", "超市", "水果店", "书店"),
         "生活服务": ("理发店", "洗衣店", "家电维修", "裁缝铺"), "教育培训": ("书法培训", "英语角"),
         "医疗健康": ("大药房", "口腔诊所"), "其他": ("花店", "照相馆")}
STEMS = ("蜀香", "锦味", "好邻居", "惠民", "康宁", "阳光", "乐学", "悦邻", "和美", "百味", "青禾", "福满", "芙蓉", "天府",
         "南山", "巷子", "老街", "新桥", "春熙", "望江")


def _register(ctx: Context, c: Community) -> pd.DataFrame:
    """The community's merchants: name, trade, the month each signed (or never), model."""
    p = profile(c, ctx.seed)
    rng = ctx.rng("merchants", c.code)
    outsiders = max(2, p.merchants // 8)
    n = p.merchants + outsiders
    values, weights = zip(*TRADES)
    trade = np.array(values, dtype=object)[rng.choice(len(values), n, p=np.array(weights) / sum(weights))]
    names = []
    for i, t in enumerate(trade):
        stem = STEMS[(i * 7 + int(rng.integers(0, len(STEMS)))) % len(STEMS)]
        shop = SHOPS[t][int(rng.integers(0, len(SHOPS[t])))]
        names.append(f"{stem}{shop}")
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # the same shop name twice is a second branch
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name}（{seen[name]}店）"
    first = ctx.months[0].ordinal
    joined = np.full(n, 10**6)
    seeded = c.name == "南山国际化社区"  # its 80 signed the charter years ago
    joined[:p.merchants] = first - 1 if seeded else first + rng.integers(-12, len(ctx.months), p.merchants)
    joined[:max(1, p.merchants * 2 // 3)] = np.minimum(joined[:max(1, p.merchants * 2 // 3)], first - 1)
    model = np.zeros(n, dtype=bool)
    model[:p.model_merchants] = True
    return pd.DataFrame({"name": names, "trade": trade, "joined": joined, "model": model,
                         "boss": people.names(rng, n), "phone": people.phones(rng, n)})


def write(ctx: Context, out: Path) -> list[Path]:
    reported = ctx.months[:-1]
    registers = {c.code: _register(ctx, c) for c in ctx.communities}
    files = []
    for m in reported:
        parts = []
        for c in ctx.communities:
            reg = registers[c.code]
            rng = ctx.rng("merchants-month", c.code, m.key)
            member = reg["joined"].to_numpy() <= m.ordinal
            n = len(reg)
            services = np.where(member, rng.poisson(1.4, n), 0)
            hours = np.round(services * rng.uniform(1.0, 3.0, n), 1)
            parts.append(pd.DataFrame({
                "统计月份": m.zh if m.ordinal % 2 else m.label, "街道": c.street_name, "社区": c.name,
                "商户名称": reg["name"], "行业": reg["trade"], "是否联盟成员": np.where(member, "是", "否"),
                "是否示范商户": np.where(member & reg["model"].to_numpy(), "是", "否"),
                "优惠服务项数": np.where(member, 1 + rng.poisson(1.2, n), 0), "公益服务次数": services,
                "公益服务时长(小时)": hours, "负责人": reg["boss"], "联系电话": reg["phone"],
            }))
        df = pd.concat(parts, ignore_index=True)
        rng = ctx.rng("merchants-bad", m.key)
        unknown, bad_trade = mess.split_bad(rng, mess.bad_rows(rng, len(df), 0.002), 2)
        df.loc[unknown, "社区"] = rng.choice(mess.UNKNOWN_COMMUNITIES, len(unknown))
        df.loc[bad_trade, "行业"] = "娱乐"
        df["社区"] = mess.messy_names(ctx.rng("merchants-names", m.key), df["社区"].to_numpy(), 0.03)
        as_text = rng.random(len(df)) < 0.05
        df["公益服务时长(小时)"] = df["公益服务时长(小时)"].astype(object)
        df.loc[as_text, "公益服务时长(小时)"] = [f" {v:g} " for v in df.loc[as_text, "公益服务时长(小时)"]]
        totals = {"统计月份": "合计", "优惠服务项数": int(df["优惠服务项数"].sum()),
                  "公益服务次数": int(df["公益服务次数"].sum())}
        files.append(mess.write_csv(out / "merchants" / f"merchants_{m.label}.csv", df[HEADERS], encoding="gbk",
                                    title=f"商居联盟商户服务情况统计表（{m.zh}）", totals=totals,
                                    blank_rows=m.ordinal % 2))
    return files
