"""The monthly roll-up of a load, summed in memory while its facts are written.

``data.rollup.refresh_for_load`` recomputes ``fact_month`` from ``fact`` in SQL after a
load: for a million-row export that re-reads and re-sorts millions of facts the load
has just had in memory. A :class:`MonthRollup` instead sums each chunk's facts by month
as they go by, and at the end writes those months itself, but only where that gives
exactly what the refresh would: the roll-up was current before this load (or there are
no facts at all yet), every breakdown written is one the catalogue lists, and every
month and community the load writes holds no other load's facts of the source's
metrics (checked before the first write to it). Otherwise the load falls back to
``refresh_for_load``, which is always right.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, or_, select

from data import kinds, rollup
from data.schema import fact, fact_month, metric

SLICE = 500  # communities per statement
SERIES = ["metric_code", "dimension", "area_code", "member"]  # one series of facts, rolled up by month


class MonthRollup:
    """Monthly sums (flows) and latest values (stocks) of one load's facts."""

    def __init__(self, conn: Connection, run_id: int, metrics: list[str]):
        self.run_id, self.metrics = run_id, list(metrics)
        rows = conn.execute(select(metric.c.code, metric.c.kind, metric.c.dimensions)
                            .where(metric.c.code.in_(self.metrics or [""]))).all()
        self.stocks = {code for code, kind, _ in rows if kind == kinds.STOCK}
        self.pairs = {(code, d.strip()) for code, _, dims in rows for d in ["", *(dims or "").split(",")]
                      if d.strip() or d == ""}
        self.fresh = conn.execute(select(fact.c.metric_code).limit(1)).first() is None
        self.own = bool(self.metrics) and (
            self.fresh or rollup.marker(conn) == rollup.data_version(conn, before=run_id))
        self.checked: dict[str, set[date]] = {}  # community -> months known to hold only this load's facts
        self.parts: list[pd.DataFrame] = []

    def before_write(self, conn: Connection, facts: pd.DataFrame, periods, communities) -> None:
        """Called with a chunk's facts after its scope was cleared, before they are written."""
        if not self.own:
            return
        written = set(facts[["metric_code", "dimension"]].drop_duplicates().itertuples(index=False, name=None))
        if not written <= self.pairs:
            self._give_up()
            return
        months = {date(p.year, p.month, 1) for p in periods}
        unchecked: dict[frozenset[date], list[str]] = {}
        for community in communities:
            unseen = months - self.checked.get(community, set())
            if unseen:
                unchecked.setdefault(frozenset(unseen), []).append(community)
        if not self.fresh:
            for new, group in unchecked.items():
                if self._others_there(conn, sorted(new), sorted(group)):
                    self._give_up()
                    return
        for new, group in unchecked.items():
            for community in group:
                self.checked.setdefault(community, set()).update(new)

    def add(self, facts: pd.DataFrame) -> None:
        """A chunk's facts as they were written (period as datetime64)."""
        if self.own and len(facts):
            self.parts.append(_by_month(facts, self.stocks))

    def _give_up(self) -> None:
        self.own = False
        self.parts = []

    def _others_there(self, conn: Connection, months: list[date], communities: list[str]) -> bool:
        """Whether any other load's facts of the source's metrics lie in these months and communities."""
        runs = rollup.month_runs(months)
        older = or_(fact.c.run_id != self.run_id, fact.c.run_id.is_(None))
        in_months = or_(*[and_(fact.c.period >= a, fact.c.period < b) for a, b in runs])
        for code, dimension in sorted(self.pairs):
            for c in range(0, len(communities), SLICE):
                some = communities[c:c + SLICE]
                found = conn.execute(select(fact.c.metric_code).where(
                    fact.c.metric_code == code, fact.c.dimension == dimension, *_subtrees(fact, some),
                    in_months, older).limit(1)).first()
                if found is not None:
                    return True
        return False

    def finish(self, conn: Connection, periods: list[date], communities: list[str]) -> None:
        """Bring ``fact_month`` up to date for this load and mark it current."""
        if not self.own:
            rollup.refresh_for_load(conn, self.run_id, self.metrics, periods, communities)
            return
        from etl.load import bulk_insert

        if self.fresh:
            conn.execute(delete(fact_month))  # no facts before this load: nothing else to roll up
        else:
            groups: dict[frozenset[date], list[str]] = {}
            for community, held in self.checked.items():
                groups.setdefault(frozenset(held), []).append(community)
            for months, group in groups.items():
                runs = rollup.month_runs(months)
                in_months = or_(*[and_(fact_month.c.period >= a, fact_month.c.period < b) for a, b in runs])
                group = sorted(group)
                for code, dimension in sorted(self.pairs):
                    for c in range(0, len(group), SLICE):
                        conn.execute(delete(fact_month).where(
                            fact_month.c.metric_code == code, fact_month.c.dimension == dimension,
                            *_subtrees(fact_month, group[c:c + SLICE]), in_months))
        if self.parts:
            months = _combine(self.parts, self.stocks)
            self.parts = []
            bulk_insert(conn, fact_month, months)
        rollup.mark_current(conn, self.run_id)


def _subtrees(table, communities: list[str]) -> list:
    """Conditions for the area codes in these communities' subtrees (a key range first)."""
    conditions = [table.c.area_code >= communities[0], table.c.area_code < communities[-1] + "~"]
    if len(communities) > 1:
        conditions.append(func.substr(table.c.area_code, 1, 12).in_(communities))
    return conditions


def _by_month(facts: pd.DataFrame, stocks: set[str]) -> pd.DataFrame:
    """One chunk's facts rolled up by month (``data.kinds``), with each stock's latest day
    kept so chunks can be combined."""
    day = pd.to_datetime(facts["period"]).to_numpy(dtype="datetime64[D]")
    frame = pd.DataFrame({
        "metric_code": facts["metric_code"], "dimension": facts["dimension"], "area_code": facts["area_code"],
        "month": day.astype("datetime64[M]").astype("datetime64[D]"), "member": facts["member"],
        "day": day, "value": facts["value"].astype(float),
    })
    return kinds.over_time_frame(frame, stocks, series=SERIES, bucket="month", period="day", keep_period=True)


def _combine(parts: list[pd.DataFrame], stocks: set[str]) -> pd.DataFrame:
    """The ``fact_month`` rows of all chunks: flows summed; for a stock the latest day's
    value, where chunks that wrote the same day added up (as the facts did)."""
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    if len(parts) > 1:
        keys = [*SERIES, "month", "day"]
        frame = frame.groupby(keys, sort=False, observed=True)["value"].sum().reset_index()
        frame = kinds.over_time_frame(frame, stocks, series=SERIES, bucket="month", period="day")
    out = pd.DataFrame({
        "period": pd.to_datetime(frame["month"]).to_numpy(dtype="datetime64[D]").astype("datetime64[us]"),
        "area_code": frame["area_code"], "metric_code": frame["metric_code"], "dimension": frame["dimension"],
        "member": frame["member"], "value": frame["value"].astype(float).to_numpy(),
    })
    from etl.load import key_order

    return out.iloc[key_order(out)].reset_index(drop=True)
