"""Area register export (civil affairs): communities and grid cells into the ``area`` table.

One row per community or grid cell (编码, 名称, 层级 社区|网格, 上级编码, 户数, 人口, 经度,
纬度; GBK CSV as a rule). New areas are added, known ones updated with the values the
export gives (a blank cell keeps what the register has). The codes must fit the
hierarchy: a community is its street's first 9 digits + 3, a grid cell its community's
12 digits + 3, under a parent the register (or an accepted row of the same export)
already knows. A new area is a sample exactly when its parent is one (so a known sample
code stays a sample, and a real street's new community is real); its English name is
made with pypinyin the way ``etl/register.py`` makes the shipped ones.

Essential (a bad cell refuses the row): 编码, 名称, 层级 and 上级编码. Not essential: 户数,
人口, 经度 and 纬度: a bad cell is blanked with a warning, so the register keeps what it
had for that column (or nothing, for a new area) and the row's other columns still apply.

This source writes no facts: ``METRICS`` is empty and the rows go in through
``Output.store``, in the same transaction as the run record.
"""
from __future__ import annotations

import re
from typing import cast

import pandas as pd
from sqlalchemy import String, bindparam, insert, select, update

from data.schema import area
from data.schema import area as area_table
from etl.load import FACT_COLUMNS, Output
from etl.register import english_name
from etl.validate import Field, combine_rejects, reject_frame

NAME = "areas"
METRICS: tuple[str, ...] = ()

LEVELS = {"社区": "community", "网格": "grid"}
PARENT_LEVEL = {"community": "street", "grid": "community"}
CODE_LENGTH = {"community": 12, "grid": 15}
SHARED_DIGITS = {"community": 9, "grid": 12}  # digits a code shares with its parent

FIELDS = [
    Field("编码", ("区划代码", "代码", "区划编码", "统计用区划代码"), required=True, nullable=False, label_en="code"),
    Field("名称", ("区划名称", "名字", "社区(网格)名称"), required=True, nullable=False, label_en="name"),
    Field("层级", ("级别", "区划层级", "类型"), required=True, nullable=False, allowed=tuple(LEVELS), label_en="level"),
    Field("上级编码", ("上级代码", "上级区划代码", "父级编码"), required=True, nullable=False, label_en="parent code"),
    Field("户数", ("户数(户)", "总户数"), kind="number", minimum=0, label_en="households", essential=False),
    Field("人口", ("人口数", "常住人口", "人口(人)", "总人口"), kind="number", minimum=0, label_en="population", essential=False),
    # Chengdu's register: anything outside China's box is a typing (or swapped column) error.
    Field("经度", ("lon", "longitude", "东经"), kind="number", minimum=73, maximum=136, label_en="longitude", essential=False),
    Field("纬度", ("lat", "latitude", "北纬"), kind="number", minimum=3, maximum=54, label_en="latitude", essential=False),
]

_GRID_NUMBER = re.compile(r"第?(\d+)号?网格$")


def _code(text: str) -> str:
    """``510104011001``, Excel's ``510104011001.0`` -> the digits (other text unchanged)."""
    return re.sub(r"\.0+$", "", text.replace(" ", ""))


def registered(engine) -> dict[str, dict]:
    """The warehouse's areas by code."""
    with engine.connect() as conn:
        return {r["code"]: dict(r) for r in conn.execute(select(area)).mappings()}


NAME_MAX = cast(String, area_table.c.name.type).length  # the register's column: a longer name is a rejected row


def check(rows: pd.DataFrame, known: dict[str, dict]) -> tuple[pd.Series, dict[str, dict]]:
    """Why each row cannot go into the register ('' when it can), in plain words, and
    the accepted codes with their level and sample flag.

    Communities are checked first so that a grid cell may hang under a community that
    arrives in the same export.
    """
    reasons = pd.Series("", index=rows.index, dtype=object)
    accepted: dict[str, dict] = {}
    seen: set[str] = set()
    order = rows.sort_values("_level", key=lambda s: s.map({"community": 0, "grid": 1}), kind="stable")
    for i, row in order.iterrows():
        reasons[i] = _problem(row, known, accepted, seen)
        seen.add(row["_code"])
        if not reasons[i]:
            accepted[row["_code"]] = {"level": row["_level"], "is_sample": _sample(row, known, accepted)}
    return reasons, accepted


def _problem(row, known: dict[str, dict], accepted: dict[str, dict], seen: set[str]) -> str:
    code, parent, level = row["_code"], row["_parent"], row["_level"]
    length, shared = CODE_LENGTH[level], SHARED_DIGITS[level]
    label = row["层级"]
    if not (code.isascii() and code.isdigit()):
        return f"编码 '{code}' 不是数字编码 / the code is not all digits"
    if len(code) != length:
        return f"{label}编码应为 {length} 位，'{code}' 是 {len(code)} 位 / a {level} code has {length} digits"
    if set(code[shared:]) == {"0"}:
        return f"编码 '{code}' 的后 3 位不能全为 0 / the last 3 digits of a {level} code cannot be 000"
    if code in seen:
        return f"编码 '{code}' 已在前面的行中出现 / the code already appears in an earlier row"
    if code in known and known[code]["level"] != level:
        return (f"编码 '{code}' 已登记为{known[code]['level']}，不能改为{label} / the code is registered as a "
                f"{known[code]['level']}, not a {level}")
    above = known.get(parent) or accepted.get(parent)
    if above is None:
        return f"上级编码 '{parent}' 不在区划登记中 / the parent code is not in the area register"
    if above["level"] != PARENT_LEVEL[level]:
        return (f"{label}的上级应为{'街道' if level == 'community' else '社区'}，'{parent}' 是 {above['level']}"
                f" / a {level}'s parent must be a {PARENT_LEVEL[level]}")
    if code[:shared] != parent[:shared]:
        return (f"编码 '{code}' 不以上级编码的前 {shared} 位 {parent[:shared]} 开头 / the code does not extend "
                f"its parent's prefix")
    return ""


def _sample(row, known: dict[str, dict], accepted: dict[str, dict]) -> bool:
    if row["_code"] in known:
        return bool(known[row["_code"]]["is_sample"])
    parent = known.get(row["_parent"]) or accepted.get(row["_parent"])
    return bool(parent and parent["is_sample"])


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Checked register rows -> inserts and updates of ``area`` (no facts)."""
    known = registered(ctx.engine)
    rows = rows.assign(_code=rows["编码"].map(_code), _parent=rows["上级编码"].map(_code),
                       _level=rows["层级"].map(LEVELS))
    too_long = rows["名称"].astype(str).str.len() > NAME_MAX
    reasons, accepted = check(rows[~too_long], known)
    reasons = reasons.reindex(rows.index, fill_value="")
    bad = reasons.ne("")
    rejects = reject_frame(rows, ctx.fields, [
        (too_long, "名称", f"名称超过 {NAME_MAX} 个字 / the name is longer than {NAME_MAX} characters"),
        (bad, "编码", reasons),
    ])
    good = rows[~(bad | too_long)]

    records, names_en = [], {code: r["name_en"] for code, r in known.items()}
    for row in good.sort_values("_level", key=lambda s: s.map({"community": 0, "grid": 1}), kind="stable").to_dict("records"):
        record = _record(row, known, names_en, accepted[row["_code"]]["is_sample"])
        names_en[record["code"]] = record["name_en"]
        records.append(record)
    new = [r for r in records if r["code"] not in known]
    changed = [r for r in records if r["code"] in known and _differs(r, known[r["code"]])]

    def store(conn, run_id: int) -> None:
        if new:
            conn.execute(insert(area), new)
        if changed:
            columns = [c for c in records[0] if c != "code"]
            conn.execute(
                update(area).where(area.c.code == bindparam("b_code")).values(
                    {c: bindparam(f"b_{c}") for c in columns}),
                [{f"b_{k}": v for k, v in r.items()} for r in changed],
            )

    notes = [f"新增 {len(new)}、更新 {len(changed)}、未变 {len(records) - len(new) - len(changed)} 个区划 / "
             f"areas inserted, updated, unchanged"]
    return Output(pd.DataFrame(columns=FACT_COLUMNS), combine_rejects(rejects), store=store, notes=notes)


def _record(row, known: dict[str, dict], names_en: dict[str, str | None], sample: bool) -> dict:
    """The area row to write: the export's values over what the register has."""
    current = known.get(row["_code"], {})

    def given(value, column, convert):
        return convert(value) if value == value else current.get(column)

    name = row["名称"]
    if current and current.get("name") == name and current.get("name_en"):
        name_en = current["name_en"]
    else:
        name_en = _english(name, row["_level"], names_en.get(row["_parent"]))
    return {
        "code": row["_code"],
        "name": name,
        "name_en": name_en,
        "level": row["_level"],
        "parent_code": row["_parent"],
        "population": given(row["人口"], "population", lambda v: int(round(v))),
        "households": given(row["户数"], "households", lambda v: int(round(v))),
        "lon": given(row["经度"], "lon", float),
        "lat": given(row["纬度"], "lat", float),
        "is_sample": sample,
    }


def _english(name: str, level: str, parent_en: str | None) -> str:
    """``汇泉路社区第3网格`` -> ``Huiquanlu Community Grid 3``; communities via pypinyin."""
    number = _GRID_NUMBER.search(name) if level == "grid" else None
    if number and parent_en:
        return f"{parent_en} Grid {int(number[1])}"
    return english_name(name, level)


def _differs(record: dict, current: dict) -> bool:
    return any(record[c] != current.get(c) for c in record if c != "is_sample")
