"""How much co-building (共建共享) each community does: needs raised, alliance merchants,
its fund. Shared by the needs, merchants and funds samples.

The seed communities get what ``shared/reference/seed_communities.csv`` and
``seed_facts.csv`` say of them: 南山国际化社区's 80 alliance merchants (10 of them model
merchants), its community charity fund (about 8万 a year in donations, a company's 2000 a
month) and its 600 m² of shared space from a micro-renewal; 天全社区's micro-wish service;
金土社区's charity and residents' suggestions; 东林社区's community fund; 德安社区's
needs of the industrial park. The others draw theirs from their code.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .places import Community, key_int


@dataclass(frozen=True)
class Cobuild:
    needs: float  # needs raised in an ordinary month
    wish_share: float  # share of them that are micro-wishes
    suggestion_share: float  # share that are suggestions (建议)
    merchants: int  # alliance members at the end of the window
    model_merchants: int
    fund: float  # size of the fund: multiplies donations and projects
    monthly_donation: float = 0.0  # a company's standing monthly donation to the fund
    renewal: str = ""  # a fund-backed micro-renewal project of the window


SEEDS = {
    "南山国际化社区": Cobuild(14, 0.45, 0.15, 80, 10, 1.6, 2000.0, "共享空间微更新（600㎡）"),
    "天全社区": Cobuild(22, 0.7, 0.1, 24, 3, 1.0),
    "金土社区": Cobuild(16, 0.45, 0.35, 18, 2, 1.3),
    "东林社区": Cobuild(12, 0.4, 0.15, 30, 4, 1.8, 1500.0, "院落微更新（420㎡）"),
    "德安社区": Cobuild(10, 0.25, 0.2, 15, 2, 1.2),
    "花都社区": Cobuild(11, 0.4, 0.15, 46, 6, 1.0),
    "双福路社区": Cobuild(9, 0.35, 0.15, 38, 4, 1.0),
    "汇泉路社区": Cobuild(12, 0.45, 0.15, 28, 3, 1.2, 0.0, "口袋公园微更新（350㎡）"),
}


def profile(c: Community, seed: int) -> Cobuild:
    if c.name in SEEDS:
        return SEEDS[c.name]
    rng = np.random.default_rng([seed, key_int("cobuild"), key_int(c.code)])
    k = c.population / 10000.0
    merchants = int(rng.integers(6, 30))
    return Cobuild(needs=float(4 + 4 * k * rng.uniform(0.6, 1.4)), wish_share=float(rng.uniform(0.3, 0.55)),
                   suggestion_share=float(rng.uniform(0.1, 0.2)), merchants=merchants,
                   model_merchants=max(1, merchants // 10), fund=float(rng.uniform(0.5, 1.2)))
