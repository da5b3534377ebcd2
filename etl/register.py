"""Build the area register ``data/reference/areas.csv`` from the shipped reference files.

``python -m etl.register`` (re)writes it; ``python -m etl.register --check`` fails when the
committed file is not what the builder makes. The real part (city, districts, streets and
towns with their official codes) comes from ``chengdu_divisions.csv``; communities and grid
cells are not in the public register, so they are made up here around the real seed
communities and marked ``is_sample``. Everything random comes from generators seeded with a
fixed seed and the area's own code, so the output never depends on the day or the machine.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from data import settings

SEED = 20251231
COLUMNS = ["code", "name", "name_en", "level", "parent_code", "population", "households", "lon", "lat", "is_sample"]
MIN_COMMUNITIES, MAX_COMMUNITIES = 5, 15
MIN_GRIDS, MAX_GRIDS = 6, 12
MIN_RESIDENTS, MAX_RESIDENTS = 3_000, 30_000

# Published resident counts of seed communities (seed_facts.csv: 德安社区 "over 1 wan", 2025-01).
PUBLISHED_RESIDENTS = {("德源街道", "德安社区"): 10_000}

# Stems of made-up community names, in the style of Chengdu's real ones. Each stem is used
# at most once in the whole register, so a sample community can be found by its name alone.
SAMPLE_COMMUNITY_STEMS = """
锦华 桂溪 玉林 芳草 紫荆 望江 双桥 东光 莲桂 新华 和平 光明 幸福 建设 文化 永安 太平 长顺 金桂 银杏
翠柳 荷塘 水井坊 牛王庙 静居寺 双桂 五桂桥 海椒市 龙舟路 三官堂 磨子桥 交子 晨辉 金象 致民 双林 府河 新南 红星 青莲
大观 天府 蜀汉 蜀锦 蓉北 蓉西 蓉东 蓉城 芙蓉 桃源 杏林 梅林 兰亭 竹林 松柏 柳堤 荷花 菊乐 海棠 樱花
丁香 玉兰 桂花园 枇杷 石榴 柑园 东篱 南苑 西苑 北苑 清水河 浣花 百花潭 少陵 青华 琴台 文殊 江安 锦绣 锦泰
和美 和谐 和睦 安康 康乐 福康 福源 瑞祥 祥和 吉祥 嘉苑 怡园 怡景 悦湖 悦江 书香 翰林 文苑 文星 学府
桃李 育才 科华 科园 创业 新桥 新民 新城 新苑 新光 新安 新乐 新河 南湖 北湖 西湖 白鹭 凤凰 龙王 白马
人民路 解放路 东风路 红光路 光华路 抚琴路 一环路 沙湾路 双林路 府青路
科华路 永丰路 红牌楼 九兴路 芳华路 清江路 西珠市 东门 北门 南门
西门 龙腾 倪家桥 紫竹 玉沙路 八里桥 槐树店 杉板桥 青杠 黄桷 白果 松林 柏杨 高桥 土门 观音 五里 七里 十里 三元
四平 大林 双河 白塔 宝林 明月 红岩 金星 东升 胜利 团结 友谊 民主 民强 富强 兴隆 丰收 长乐 长安 同心
同乐 安居 乐居 宜居 锦馨 锦苑 锦晖 蜀光 华严 华兴 华府 华新 青羊 青松 青石 青云 碧波 碧水 碧桂 金沙
金河 金江 金堤 金岸 银河 银桂 玉带 玉泉 玉龙 清源 清波 清溪 泉水 涌泉 鹤林 鹤鸣 鹭岛 燕子 雁南 驿马
驿都 通锦 通惠 通顺 顺江 顺城 迎宾 迎晖 朝阳 东风 春晓 春风 秋实 夏荷 冬青 梧桐 香樟 紫薇 石羊场 红运
""".split()

# Place-name readings that pypinyin's everyday dictionary gets wrong (新都 is Xindu, not Xindou).
PLACE_READINGS = {"都": ["du"], "朝阳": ["chao", "yang"], "长顺": ["chang", "shun"]}

# Name suffix -> English designation, longest first.
DESIGNATIONS = [("街道", "Subdistrict"), ("社区", "Community"), ("镇", "Town"), ("区", "District"), ("县", "County"),
                ("市", "City")]


def reference_paths(folder: Path | None = None) -> dict[str, Path]:
    folder = Path(folder) if folder else settings.catalog_dir()
    return {
        "divisions": folder / "chengdu_divisions.csv",
        "outlines": folder / "chengdu_districts.geojson",
        "seeds": folder / "seed_communities.csv",
        "areas": folder / "areas.csv",
    }


# --- English names -----------------------------------------------------------------------

def pinyin_word(chinese: str) -> str:
    """``春熙路`` -> ``Chunxilu``: one capitalised word, apostrophe before a, o, e (Xi'anlu)."""
    syllables = lazy_pinyin(chinese, style=Style.NORMAL, v_to_u=True)
    if len(syllables) == len(chinese):
        for phrase, reading in PLACE_READINGS.items():
            start = chinese.find(phrase)
            while start != -1:
                syllables[start:start + len(phrase)] = reading
                start = chinese.find(phrase, start + 1)
    word = ""
    for syllable in syllables:
        if word and syllable[:1] in "aoe":
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


def english_name(name: str, level: str) -> str:
    """``春熙路街道`` -> ``Chunxilu Subdistrict``; the city itself is just ``Chengdu``."""
    for suffix, designation in DESIGNATIONS:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = pinyin_word(name[: -len(suffix)])
            return stem if level == "city" else f"{stem} {designation}"
    return pinyin_word(name)


# --- Geometry ----------------------------------------------------------------------------

def _ring_area_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2.0
    if area == 0:
        return 0.0, 0.0, 0.0
    return area, cx / (6.0 * area), cy / (6.0 * area)


class Outline:
    """A district's (multi)polygon: its area-weighted centroid and a point-in-outline test."""

    def __init__(self, geometry: dict):
        coords = geometry["coordinates"]
        self.polygons = coords if geometry["type"] == "MultiPolygon" else [coords]
        total = sx = sy = 0.0
        for polygon in self.polygons:
            for index, ring in enumerate(polygon):
                area, cx, cy = _ring_area_centroid(ring)
                # Holes count negatively whatever their winding.
                weight = abs(area) if index == 0 else -abs(area)
                total += weight
                sx += weight * cx
                sy += weight * cy
        self.area = total
        self.centroid = (sx / total, sy / total)
        self.radius = math.sqrt(total / math.pi)

    @staticmethod
    def _in_ring(x: float, y: float, ring: list[list[float]]) -> bool:
        inside = False
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
        return inside

    def contains(self, x: float, y: float) -> bool:
        for polygon in self.polygons:
            if self._in_ring(x, y, polygon[0]) and not any(self._in_ring(x, y, hole) for hole in polygon[1:]):
                return True
        return False


def scatter(rng: random.Random, centre: tuple[float, float], near: float, far: float,
            outline: Outline | None) -> tuple[float, float]:
    """A point between ``near`` and ``far`` degrees from ``centre``, inside ``outline`` if it can."""
    for _ in range(50):
        angle = rng.uniform(0, 2 * math.pi)
        distance = rng.uniform(near, far)
        # A degree of longitude is shorter than a degree of latitude at 30.6°N.
        x = centre[0] + distance * math.cos(angle) / math.cos(math.radians(centre[1]))
        y = centre[1] + distance * math.sin(angle)
        if outline is None or outline.contains(x, y):
            return x, y
    return centre


# --- Figures -----------------------------------------------------------------------------

def split(total: int, weights: list[float]) -> list[int]:
    """Whole parts of ``total`` in proportion to ``weights`` that add up exactly (largest remainder)."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    parts = [math.floor(x) for x in exact]
    for index in sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))[: total - sum(parts)]:
        parts[index] += 1
    return parts


def _rng(*key: object) -> random.Random:
    return random.Random(":".join(str(k) for k in (SEED, *key)))


# --- The builder -------------------------------------------------------------------------

def read_divisions(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_outlines(path: Path) -> dict[str, Outline]:
    with open(path, encoding="utf-8") as handle:
        collection = json.load(handle)
    return {str(f["id"]): Outline(f["geometry"]) for f in collection["features"]}


def read_seeds(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _row(code, name, level, parent, lon, lat, sample, population=None, households=None, name_en=None) -> dict:
    return {
        "code": code,
        "name": name,
        "name_en": name_en or english_name(name, level),
        "level": level,
        "parent_code": parent or "",
        "population": population,
        "households": households,
        "lon": round(lon, 5),
        "lat": round(lat, 5),
        "is_sample": sample,
    }


def build_areas(folder: Path | None = None) -> list[dict]:
    """Every row of the area register, parents before children, in code order."""
    paths = reference_paths(folder)
    divisions = read_divisions(paths["divisions"])
    outlines = read_outlines(paths["outlines"])
    seeds = read_seeds(paths["seeds"])

    by_code = {d["code"]: d for d in divisions}
    seeds_by_street: dict[str, list[str]] = {}
    for seed in seeds:
        street = by_code.get(seed["street_code"])
        if street is None or street["level"] != "street" or street["name"] != seed["street"]:
            raise ValueError(f"{paths['seeds'].name}: {seed['community']} names street "
                             f"{seed['street']} {seed['street_code']}, which is not in {paths['divisions'].name}")
        seeds_by_street.setdefault(seed["street_code"], []).append(seed["community"])

    rows: list[dict] = []
    city_outlines = list(outlines.values())
    city_area = sum(o.area for o in city_outlines)
    city_centre = (sum(o.centroid[0] * o.area for o in city_outlines) / city_area,
                   sum(o.centroid[1] * o.area for o in city_outlines) / city_area)
    stems_left = [s for s in SAMPLE_COMMUNITY_STEMS if s + "社区" not in {x["community"] for x in seeds}]

    for division in sorted(divisions, key=lambda d: d["code"]):
        code, name, level, parent = division["code"], division["name"], division["level"], division["parent_code"]
        if level == "city":
            rows.append(_row(code, name, level, parent, *city_centre, False))
        elif level == "district":
            rows.append(_row(code, name, level, parent, *outlines[code].centroid, False))
        elif level == "street":
            outline = outlines[parent]
            spot = scatter(_rng(code), outline.centroid, 0.1 * outline.radius, 0.6 * outline.radius, outline)
            rows.append(_row(code, name, level, parent, *spot, False))
            if code in seeds_by_street:
                rows.extend(_communities(division, spot, seeds_by_street[code], stems_left, outline))
        else:
            raise ValueError(f"{paths['divisions'].name}: unknown level {level!r} for {code}")
    return rows


def _communities(street: dict, spot, seed_names: list[str], stems_left: list[str], outline: Outline) -> list[dict]:
    """The seed communities of a street first, then made-up ones, each with its grid cells."""
    rng = _rng(street["code"], "communities")
    count = rng.randint(max(MIN_COMMUNITIES, len(seed_names)), MAX_COMMUNITIES)
    names = list(seed_names)
    for _ in range(count - len(seed_names)):
        names.append(stems_left.pop(rng.randrange(len(stems_left))) + "社区")

    rows = []
    for number, name in enumerate(names, start=1):
        code = street["code"][:9] + f"{number:03d}"
        crng = _rng(code)
        place = scatter(crng, spot, 0.002, 0.015, outline)
        residents = PUBLISHED_RESIDENTS.get((street["name"], name))
        if residents is None:
            residents = int(round(crng.triangular(MIN_RESIDENTS, MAX_RESIDENTS, 9_000), -1))
        households = round(residents / crng.uniform(2.45, 2.8))
        community = _row(code, name, "community", street["code"], *place, True, residents, households)
        rows.append(community)

        # A grid cell holds a few hundred households: bigger communities get more cells.
        grids = min(MAX_GRIDS, max(MIN_GRIDS, round(households / crng.uniform(350, 650))))
        weights = [crng.uniform(0.7, 1.3) for _ in range(grids)]
        people, homes = split(residents, weights), split(households, weights)
        for index in range(grids):
            grid_code = f"{code}{index + 1:03d}"
            grid_place = scatter(_rng(grid_code), place, 0.0005, 0.003, outline)
            rows.append(_row(grid_code, f"{name}第{index + 1}网格", "grid", code, *grid_place, True,
                             people[index], homes[index], name_en=f"{community['name_en']} Grid {index + 1}"))
    return rows


def render_csv(rows: list[dict]) -> str:
    """The register as CSV text, byte for byte what is committed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = []
        for column in COLUMNS:
            value = row[column]
            if value is None:
                values.append("")
            elif isinstance(value, bool):
                values.append("true" if value else "false")
            elif column in ("lon", "lat"):
                values.append(f"{value:.5f}")
            else:
                values.append(str(value))
        writer.writerow(values)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.register", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if areas.csv differs from what the builder makes")
    args = parser.parse_args(argv)

    target = reference_paths()["areas"]
    rows = build_areas()
    text = render_csv(rows)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run python -m etl.register", file=sys.stderr)
            return 1
        print(f"{target} is up to date ({len(rows)} areas)")
        return 0
    target.write_text(text, encoding="utf-8", newline="")
    levels: dict[str, int] = {}
    for row in rows:
        levels[row["level"]] = levels.get(row["level"], 0) + 1
    print(f"wrote {target}: " + ", ".join(f"{n} {level}" for level, n in levels.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
