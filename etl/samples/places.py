"""The communities and grid cells the samples cover, read from the area register.

Each community also gets a *profile*: what it runs (a meal point, a rehabilitation room, a
24-hour self-service area, holiday childcare ...) and how lively it is. The seed communities
get what they are known for (``shared/reference/seed_communities.csv``); the others draw
theirs from a generator seeded by their code, so a community looks the same in every run
and every window.
"""
from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Grid:
    code: str
    name: str
    households: int
    population: int
    lon: float = float("nan")
    lat: float = float("nan")


@dataclass(frozen=True)
class Profile:
    """What a community runs and how busy it is; drives volumes across sources."""

    meal_point: bool = False
    rehab_room: bool = False
    self_service_area: bool = False
    infant_care: bool = False
    holiday_childcare: bool = False
    after_school_care: bool = False
    children_in_difficulty: bool = False
    activity_signups: float = 200.0  # sign-ups in an ordinary month
    summer_classes: bool = False
    party_members: int = 120  # on the register at the start of 2020
    mobile_share: float = 0.05
    micro_party_school: float = 1.0  # attendance multiplier
    volunteer_teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    name_en: str
    street_code: str
    street_name: str
    street_name_en: str
    district_name: str
    population: int
    households: int
    lon: float
    lat: float
    grids: tuple[Grid, ...]
    profile: Profile = field(default_factory=Profile)

    @property
    def short_name(self) -> str:
        return self.name[:-2] if self.name.endswith("社区") else self.name


#: What the seed communities are known for (see shared/reference/seed_communities.csv).
SEED_PROFILES: dict[str, dict] = {
    "汇泉路社区": dict(self_service_area=True, holiday_childcare=True, after_school_care=True,
                   meal_point=True, activity_signups=2500.0, micro_party_school=3.0,
                   party_members=210,
                   volunteer_teams=("红色先锋志愿服务队", "家风家训宣讲队", "假日托管志愿队",
                                    "助老服务队", "文明劝导队")),
    "南山国际化社区": dict(activity_signups=380.0, party_members=150,
                     volunteer_teams=("双语志愿服务队", "商家联盟志愿队", "公益基金志愿队",
                                      "环境保护队")),
    "红旗社区": dict(meal_point=True, rehab_room=True, activity_signups=300.0, party_members=170,
                 volunteer_teams=("积分超市志愿队", "助老服务队", "康复陪护志愿队")),
    "德安社区": dict(meal_point=True, activity_signups=260.0, party_members=140,
                 volunteer_teams=("企业党员志愿队", "人才服务志愿队", "环境保护队")),
    "天全社区": dict(activity_signups=300.0, party_members=95,
                 volunteer_teams=("志愿理发队", "志愿裁缝队", "微心愿服务队", "青年志愿队")),
    "古家社区": dict(activity_signups=220.0, party_members=130, mobile_share=0.09,
                 volunteer_teams=("物业自治志愿队", "居民议事志愿队", "治安巡逻队")),
    "方兴社区": dict(activity_signups=160.0, party_members=110, mobile_share=0.12,
                 volunteer_teams=("荷花节志愿服务队", "乡村振兴志愿队", "环境保护队")),
    "锦城社区": dict(infant_care=True, after_school_care=True, summer_classes=True,
                 holiday_childcare=True, activity_signups=340.0, party_members=160,
                 volunteer_teams=("儿童友好志愿队", "四点半课堂志愿队", "文明劝导队")),
    "枫树社区": dict(children_in_difficulty=True, activity_signups=240.0, party_members=120,
                 volunteer_teams=("一对一帮扶志愿队", "就业服务志愿队", "助残志愿队")),
    "双福路社区": dict(self_service_area=True, activity_signups=280.0, party_members=230,
                  mobile_share=0.08,
                  volunteer_teams=("楼宇党员志愿队", "白领志愿服务队", "文明劝导队")),
    "锦里社区": dict(activity_signups=300.0, party_members=140,
                 volunteer_teams=("文旅志愿服务队", "矛盾调解志愿队", "文明劝导队")),
    "金凤社区": dict(meal_point=True, self_service_area=True, activity_signups=340.0,
                 party_members=150,
                 volunteer_teams=("单元微厅志愿队", "网格结对帮扶队", "助老服务队")),
    "红砂社区": dict(activity_signups=230.0, party_members=105, mobile_share=0.18,
                 volunteer_teams=("景区志愿服务队", "新就业群体志愿队", "环境保护队")),
    "花都社区": dict(meal_point=True, after_school_care=True, activity_signups=310.0,
                 party_members=125,
                 volunteer_teams=("美食街文明劝导队", "安全敲门志愿队", "助老服务队")),
    "金土社区": dict(activity_signups=250.0, party_members=135,
                 volunteer_teams=("红色文化宣讲队", "慈善志愿服务队", "居民议事志愿队")),
    "东林社区": dict(meal_point=True, activity_signups=240.0, party_members=100,
                 volunteer_teams=("社会企业志愿队", "社区基金志愿队", "应急救援队")),
}

_TEAM_POOL = ("助老服务队", "文明劝导队", "环境保护队", "应急救援队", "助残志愿队",
              "红色先锋志愿服务队", "邻里守望队", "治安巡逻队", "青年志愿队", "文艺志愿队")


def key_int(value: object) -> int:
    """A stable non-negative integer for seeding (str hashing is randomised per process)."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    return zlib.crc32(str(value).encode("utf-8"))


def _drawn_profile(code: str, seed: int) -> dict:
    rng = np.random.default_rng([seed, key_int("profile"), int(code)])
    teams = rng.choice(len(_TEAM_POOL), size=int(rng.integers(3, 6)), replace=False)
    return dict(
        meal_point=bool(rng.random() < 0.35),
        rehab_room=bool(rng.random() < 0.15),
        self_service_area=bool(rng.random() < 0.25),
        infant_care=bool(rng.random() < 0.08),
        holiday_childcare=bool(rng.random() < 0.2),
        after_school_care=bool(rng.random() < 0.3),
        children_in_difficulty=bool(rng.random() < 0.1),
        activity_signups=float(np.exp(rng.uniform(np.log(75), np.log(220)))),
        party_members=int(rng.integers(75, 215)),
        mobile_share=float(rng.uniform(0.02, 0.08)),
        micro_party_school=float(rng.uniform(0.6, 1.4)),
        volunteer_teams=tuple(_TEAM_POOL[i] for i in sorted(teams)),
    )


def _int(value: str, default: int = 0) -> int:
    return int(float(value)) if value not in ("", None) else default


def _float(value: str) -> float:
    return float(value) if value not in ("", None) else float("nan")


def load(areas_path: Path, streets: list[str] | None, seed: int) -> list[Community]:
    """Communities of the chosen streets with their grids, in code order.

    ``streets`` are 12-digit street codes (only the first 9 digits matter); None means
    every street that has communities in the register.
    """
    with open(areas_path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    required = {"code", "name", "level", "parent_code", "population", "households", "lon", "lat"}
    missing = required - set(rows[0] if rows else ())
    if missing:
        raise ValueError(f"{areas_path}: area register lacks columns {sorted(missing)}")
    by_code = {r["code"].strip(): r for r in rows}
    grids: dict[str, list[Grid]] = {}
    for r in rows:
        if r["level"] == "grid":
            grids.setdefault(r["parent_code"].strip(), []).append(
                Grid(r["code"].strip(), r["name"].strip(), _int(r["households"], 300),
                     _int(r["population"], 800), _float(r["lon"]), _float(r["lat"])))
    communities = [r for r in rows if r["level"] == "community"]
    prefixes = None
    if streets is not None:
        prefixes = {}
        for s in streets:
            s = str(s).strip()
            if len(s) not in (9, 12) or not s.isdigit():
                raise ValueError(f"street code {s!r}: expected 12 digits (or the first 9)")
            prefixes[s[:9]] = s
        known = {r["code"][:9] for r in communities}
        unknown = sorted(v for k, v in prefixes.items() if k not in known)
        if unknown:
            raise ValueError(f"street code(s) {', '.join(unknown)}: no communities in {areas_path}")
    out = []
    for r in sorted(communities, key=lambda r: r["code"]):
        code = r["code"].strip()
        if prefixes is not None and code[:9] not in prefixes:
            continue
        street = by_code.get(code[:9] + "000") or by_code.get(r["parent_code"].strip())
        district = by_code.get(code[:6] + "000000")
        if street is None or district is None:
            raise ValueError(f"{areas_path}: community {code} has no street or district row")
        profile = _drawn_profile(code, seed)
        profile.update(SEED_PROFILES.get(r["name"].strip(), {}))
        cgrids = sorted(grids.get(code, []), key=lambda g: g.code)
        households = _int(r["households"], 4000)
        if not cgrids:  # the register has no cells here: cut the community into ~400-household cells
            n = max(3, round(households / 400))
            cgrids = [Grid(f"{code}{i:03d}", f"{r['name'].strip()}第{i}网格", households // n,
                           _int(r["population"], 10000) // n, _float(r["lon"]), _float(r["lat"]))
                      for i in range(1, n + 1)]
        out.append(Community(
            code=code, name=r["name"].strip(),
            name_en=(r.get("name_en") or "").strip() or f"Community {code}",
            street_code=street["code"].strip(), street_name=street["name"].strip(),
            street_name_en=(street.get("name_en") or "").strip() or f"Street {street['code']}",
            district_name=district["name"].strip(),
            population=_int(r["population"], round(households * 2.6)), households=households,
            lon=_float(r["lon"]), lat=_float(r["lat"]), grids=tuple(cgrids),
            profile=Profile(**profile)))
    if not out:
        raise ValueError(f"{areas_path}: no communities for streets {streets}")
    return out
