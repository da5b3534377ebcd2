"""The area register as the civil-affairs system exports it: one GBK CSV of the covered
communities and their grid cells, with levels in Chinese (社区 / 网格)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .context import Context

HEADERS = ["编码", "名称", "层级", "上级编码", "户数", "人口", "经度", "纬度"]


def write(ctx: Context, out: Path) -> list[Path]:
    rows = []
    for c in ctx.communities:
        rows.append([c.code, c.name, "社区", c.street_code, c.households, c.population,
                     "" if c.lon != c.lon else c.lon, "" if c.lat != c.lat else c.lat])
        for g in c.grids:
            rows.append([g.code, g.name, "网格", c.code, g.households, g.population,
                         "" if g.lon != g.lon else g.lon, "" if g.lat != g.lat else g.lat])
    frame = pd.DataFrame(rows, columns=HEADERS, dtype=object)
    path = out / "areas" / "area_register.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(text.encode("gbk"))
    return [path]
