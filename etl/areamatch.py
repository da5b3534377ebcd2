"""Turn the area names that exports write into area codes of the register.

Exports spell the same community many ways: ``汇泉路社区``, ``汇泉路``, ``汇泉路 社区``,
``汇泉路社区居委会``, full-width characters, the 12-digit code itself (sometimes as an Excel
number, ``510104011001.0``). Names also repeat: two streets may each have a 红旗社区. The
matcher accepts the variants, uses the street and district a row gives to tell namesakes
apart, and answers ``Match(code, None)`` or ``Match(None, reason)`` where the reason is a
sentence the ETL can store with a rejected row.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Engine, select

from data import schema

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CJK = "\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_BY_CJK = re.compile(f"(?<=[{_CJK}]) | (?=[{_CJK}])")
_WHITESPACE = re.compile(r"\s+")


def normalize_text(value) -> str:
    """Text as a person means it: NFKC (full-width to half-width), no zero-width characters,
    runs of whitespace made one space, and no space next to a Chinese character.

    ``None`` and missing values (NaN, ``pd.NA``) become ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_ZERO_WIDTH)
    text = _WHITESPACE.sub(" ", text).strip()
    return _SPACE_BY_CJK.sub("", text)


def _key(value) -> str:
    """The comparison form of a name: normalised, without any spaces, case-folded."""
    return normalize_text(value).replace(" ", "").casefold()


def _as_code(key: str) -> str | None:
    """``510104011001`` or Excel's ``510104011001.0`` -> the digits; else None."""
    digits = re.sub(r"\.0+$", "", key)
    return digits if digits.isascii() and digits.isdigit() else None


LEVEL_LABELS = {"district": "区县", "street": "街道", "community": "社区", "grid": "网格"}
# What a name may end with at each level, and office titles exports append to it.
NAME_SUFFIXES = {
    "district": ("区", "县", "市"),
    "street": ("街道", "镇", "乡"),
    "community": ("社区", "村"),
    "grid": ("网格",),
}
OFFICE_TAILS = ("街道办事处", "办事处", "人民政府", "社区居民委员会", "居民委员会", "居委会", "村民委员会", "村委会")
_OFFICE_RESTORE = {"街道办事处": "街道", "社区居民委员会": "社区"}

_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_GRID_NAME = re.compile(r"^(?P<community>.*?)第?(?P<number>[0-9]+|[零〇一二两三四五六七八九十]+)号?网格$")


def _chinese_number(text: str) -> int | None:
    """``3``, ``03``, ``三``, ``十二``, ``二十三`` -> int (up to 99)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        high = _CHINESE_DIGITS.get(tens) if tens else 1
        low = _CHINESE_DIGITS.get(ones) if ones else 0
        return None if high is None or low is None else high * 10 + low
    return _CHINESE_DIGITS.get(text) if len(text) == 1 else None


def _strip_office(key: str) -> str:
    for tail in OFFICE_TAILS:
        if key.endswith(tail) and len(key) > len(tail):
            return key[: -len(tail)] + _OFFICE_RESTORE.get(tail, "")
    return key


def _stem(key: str, level: str) -> str:
    for suffix in NAME_SUFFIXES[level]:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


class Match(NamedTuple):
    """An area code, or None and the reason in words (Chinese / English)."""

    code: str | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is not None


class AreaMatcher:
    """Name-or-code to area code, for one area register."""

    def __init__(self, areas: pd.DataFrame | Iterable[Mapping]):
        records = areas.to_dict("records") if isinstance(areas, pd.DataFrame) else list(areas)
        self.names: dict[str, str] = {}
        self.levels: dict[str, str] = {}
        self.parents: dict[str, str | None] = {}
        self._full: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._stems: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for row in records:
            code, level = str(row["code"]), str(row["level"])
            parent = row.get("parent_code")
            self.names[code] = str(row["name"])
            self.levels[code] = level
            self.parents[code] = normalize_text(parent) or None
            if level in NAME_SUFFIXES:
                key = _key(row["name"])
                self._full[level][key].append(code)
                self._stems[level][_stem(key, level)].append(code)
        self._memo: dict[tuple, Match] = {}

    @classmethod
    def from_engine(cls, engine: Engine) -> AreaMatcher:
        """A matcher over the warehouse's ``area`` table."""
        area = schema.area
        with engine.connect() as conn:
            rows = conn.execute(select(area.c.code, area.c.name, area.c.level, area.c.parent_code)).mappings().all()
        return cls(rows)

    @classmethod
    def from_register(cls, path=None) -> AreaMatcher:
        """A matcher over the shipped register file ``data/reference/areas.csv``."""
        from data.catalog import read_areas

        return cls(read_areas(path))

    # --- lookups ------------------------------------------------------------------------

    def _candidates(self, level: str, value) -> list[str]:
        key = _strip_office(_key(value))
        code = _as_code(key)
        if code is not None:
            return [code] if self.levels.get(code) == level else []
        found = self._full[level].get(key)
        if found:
            return list(found)
        return list(self._stems[level].get(_stem(key, level), []))

    def _ancestor(self, code: str | None, level: str) -> str | None:
        while code is not None and self.levels.get(code) != level:
            code = self.parents.get(code)
        return code

    def _describe(self, codes: list[str], level: str) -> str:
        above = {c: self._ancestor(c, level) for c in codes}
        return "、".join(self.names.get(a, "?") if a else "?" for a in sorted(set(above.values()), key=str))

    def _resolve(self, level: str, value, scope: list[tuple[str, str, set[str]]]) -> Match:
        """One area of ``level`` named ``value``, inside every (level, label, codes) of ``scope``."""
        label = LEVEL_LABELS[level]
        shown = normalize_text(value)
        if not shown:
            return Match(None, f"{label}为空 / {level} is empty")
        candidates = self._candidates(level, value)
        if not candidates:
            return Match(None, f"{label} '{shown}' 不在区划登记中 / {level} not in the area register")
        for outer, outer_shown, outer_codes in scope:
            inside = [c for c in candidates if self._ancestor(c, outer) in outer_codes]
            if not inside:
                where = self._describe(candidates, outer)
                return Match(None, f"{label} '{shown}' 不在{LEVEL_LABELS[outer]} '{outer_shown}' 下（登记在 {where}）"
                                   f" / {level} is not under that {outer}")
            candidates = inside
        if len(candidates) > 1:
            parent_level = {"street": "district", "community": "street", "grid": "community"}.get(level, "district")
            where = self._describe(candidates, parent_level)
            return Match(None, f"{label} '{shown}' 有重名（{where}），请注明{LEVEL_LABELS[parent_level]}"
                               f" / ambiguous: more than one {level} has this name, give the {parent_level}")
        return Match(candidates[0])

    def _scope(self, **hints) -> tuple[list[tuple[str, str, set[str]]], Match | None]:
        """Resolve the district, street and community a row gives, outermost first."""
        scope: list[tuple[str, str, set[str]]] = []
        for level in ("district", "street", "community"):
            value = hints.get(level)
            shown = normalize_text(value)
            if not shown:
                continue
            candidates = self._candidates(level, value)
            if not candidates:
                return scope, Match(None, f"{LEVEL_LABELS[level]} '{shown}' 不在区划登记中 / {level} not in the area register")
            for outer, outer_shown, outer_codes in scope:
                inside = [c for c in candidates if self._ancestor(c, outer) in outer_codes]
                if not inside:
                    return scope, Match(None, f"{LEVEL_LABELS[level]} '{shown}' 不在{LEVEL_LABELS[outer]} '{outer_shown}' 下"
                                              f" / {level} is not under that {outer}")
                candidates = inside
            scope.append((level, shown, set(candidates)))
        return scope, None

    def _memoised(self, key: tuple, compute) -> Match:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = compute()
        return found

    # --- public -------------------------------------------------------------------------

    def district(self, value) -> Match:
        """A district or county by name (``锦江区``, ``锦江``) or code."""
        return self._memoised(("district", value), lambda: self._resolve("district", value, []))

    def street(self, value, district=None) -> Match:
        """A street or town by name (``沙河街道``, ``沙河``, ``沙河街道办事处``) or code."""
        def compute():
            scope, problem = self._scope(district=district)
            return problem or self._resolve("street", value, scope)
        return self._memoised(("street", value, district), compute)

    def community(self, value, street=None, district=None) -> Match:
        """A community by name, with or without 社区, or by code; street and district, when
        given, must agree and tell namesakes apart."""
        def compute():
            scope, problem = self._scope(district=district, street=street)
            return problem or self._resolve("community", value, scope)
        return self._memoised(("community", value, street, district), compute)

    def grid(self, number=None, name=None, community=None, street=None, district=None) -> Match:
        """A grid cell by 网格编号 (its 15-digit code, or its number in the community) or by
        网格名称 (``汇泉路社区第3网格``, ``汇泉路第三网格``, or ``第3网格`` with the community)."""
        return self._memoised(("grid", number, name, community, street, district),
                              lambda: self._grid(number, name, community, street, district))

    def _grid(self, number, name, community, street, district) -> Match:
        scope, problem = self._scope(district=district, street=street, community=community)
        if problem:
            return problem
        tried: list[Match] = []
        number_key = _key(number)
        if number_key:
            digits = _as_code(number_key)
            if digits is not None and len(digits) <= 3:
                found = self._grid_in_community(int(digits), community, scope, shown=normalize_text(number))
            else:
                found = self._resolve("grid", number, scope)
            if found.ok:
                return found
            tried.append(found)
        name_key = _key(name)
        if name_key:
            if self._candidates("grid", name):
                found = self._resolve("grid", name, scope)
            else:
                parsed = _GRID_NAME.match(name_key)
                n = _chinese_number(parsed["number"]) if parsed else None
                if parsed is None or n is None:
                    found = Match(None, f"网格 '{normalize_text(name)}' 不在区划登记中 / grid not in the area register")
                else:
                    found = self._grid_in_community(n, parsed["community"] or community, scope,
                                                    shown=normalize_text(name))
            if found.ok:
                return found
            tried.append(found)
        if not tried:
            return Match(None, "网格编号和网格名称都为空 / grid number and name are both empty")
        return tried[0]

    def _grid_in_community(self, n: int, community, scope, shown: str) -> Match:
        if not normalize_text(community):
            return Match(None, f"网格 '{shown}' 缺少所属社区 / grid number without its community")
        outer = [s for s in scope if s[0] != "community"]
        found = self._resolve("community", community, outer)
        if found.code is None:
            return found
        for level, outer_shown, codes in scope:
            if level == "community" and found.code not in codes:
                return Match(None, f"网格 '{shown}' 不在社区 '{outer_shown}' 下 / grid is not in that community")
        code = f"{found.code}{n:03d}"
        if self.levels.get(code) != "grid":
            return Match(None, f"网格 '{shown}' 不在区划登记中（{self.names[found.code]}没有第{n}网格）"
                               f" / grid not in the area register")
        return Match(code)
