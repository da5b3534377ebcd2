"""Made-up personal data: names, mobile numbers and home addresses.

Several source systems export callers, reporters and volunteers by name and phone; the
samples carry such columns so the ETL has something real to strip. Everything here is
drawn at random from common surnames and name characters: no real person is meant.
"""
from __future__ import annotations

import numpy as np

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
                "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱"
                "江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文斌辉鹏宇浩然欣怡梓涵轩"
             "雨桐俊琪晓红玉志海燕淑珍德家豪思嘉佳琳婷雪梅秀英蓉川蜀锦成")
MOBILE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "157",
                   "158", "159", "177", "180", "181", "182", "183", "186", "187", "189",
                   "191", "198", "199"]
ESTATE_STEMS = ["锦绣", "和平", "幸福", "阳光", "翠苑", "金桂", "蓝天", "清水", "紫荆", "东湖",
                "银杏", "芙蓉", "望江", "南湖", "锦华", "春晓", "康乐", "长寿", "新华", "滨河"]
ESTATE_KINDS = ["小区", "花园", "苑", "家园", "公寓", "大院", "新居"]


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Full names: a surname and one or two given-name characters."""
    sur = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n)]
    g2 = np.array(GIVEN + [""] * 30, dtype=object)[rng.integers(0, len(GIVEN) + 30, n)]
    return sur + g1 + g2


def callers(rng: np.random.Generator, n: int) -> np.ndarray:
    """How 12345 records callers: mostly 张先生 / 李女士, some full names, some anonymous."""
    sur = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    title = np.where(rng.random(n) < 0.52, "女士", "先生").astype(object)
    out = sur + title
    u = rng.random(n)
    full = u < 0.25
    out[full] = names(rng, int(full.sum()))
    out[u > 0.9] = "匿名"
    return out


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """11-digit mobile numbers (made up)."""
    prefix = np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    rest = np.strings.zfill(rng.integers(0, 10**8, n).astype(str), 8)
    return np.strings.add(prefix, rest).astype(object)


def estates(rng: np.random.Generator, community: str, count: int) -> list[str]:
    """Housing estates of one community: one named after it, others common names."""
    short = community[:-2] if community.endswith("社区") else community
    picks = rng.choice(len(ESTATE_STEMS), size=count - 1, replace=False)
    kinds = rng.integers(0, len(ESTATE_KINDS), count)
    out = [short[:2] + ESTATE_KINDS[kinds[0]]]
    out += [ESTATE_STEMS[p] + ESTATE_KINDS[k] for p, k in zip(picks, kinds[1:])]
    return out


def addresses(rng: np.random.Generator, estate_names: list[str], n: int) -> np.ndarray:
    """Building-level addresses inside the given estates: 锦绣花园3栋2单元."""
    est = np.array(estate_names, dtype=object)[rng.integers(0, len(estate_names), n)]
    building = rng.integers(1, 25, n).astype(str).astype(object)
    unit = rng.integers(1, 5, n).astype(str).astype(object)
    return est + building + "栋" + unit + "单元"
