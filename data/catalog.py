"""The metric catalogue and the area register: read, validate, load into the warehouse.

Both live as CSV files in ``data/reference`` so that a change is a reviewed commit, not an
edit in a database. Every command of the ETL loads them first, so a mistake in either file
stops the load with the file, the line and the reason, before a single fact is written.
"""
from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pandas as pd
from sqlalchemy import Engine, Table, bindparam, insert, select, update

from data import schema, settings
from data.db import new_id

METRIC_COLUMNS = [c.name for c in schema.metric.columns]
AREA_COLUMNS = [c.name for c in schema.area.columns]

DOMAINS = ("party", "governance", "services", "cobuild")
KINDS = ("flow", "stock", "ratio", "distinct")
BETTER = ("higher", "lower")
GRAINS = ("day", "month")  # a metric's figures are dated by the day, or are a month's report
LEVELS = ("city", "district", "street", "community", "grid")

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

# How a level's code is made from its parent's: the digits it shares with its parent, the
# total length, and which of its own digits must not be all zero (the part it adds).
AREA_CODE_SHAPES = {
    "city": (0, 12, slice(0, 4)),
    "district": (4, 12, slice(4, 6)),
    "street": (6, 12, slice(6, 9)),
    "community": (9, 12, slice(9, 12)),
    "grid": (12, 15, slice(12, 15)),
}
TRUE_WORDS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.reason}"


class CatalogError(ValueError):
    """The metric catalogue or the area register is not valid; ``problems`` says where."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(shown + more)


def metrics_path() -> Path:
    return settings.catalog_dir() / "metrics.csv"


def areas_path() -> Path:
    return settings.catalog_dir() / "areas.csv"


def _open(path: Path) -> TextIO:
    """The file opened for reading; one that cannot be opened is a catalogue problem, not a crash."""
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as err:
        raise CatalogError([Problem(path, 0, None, f"cannot be read: {err.strerror or err}")]) from err


def _read_rows(path: Path, columns: list[str], required: set[str], problems: list[Problem]):
    """``(line, {column: text})`` for each non-blank record; header problems stop early."""
    path = Path(path)
    rows: list[tuple[int, dict[str, str]]] = []
    with _open(path) as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise CatalogError([Problem(path, 1, None, "the file is empty: no header row")]) from None
        except (csv.Error, UnicodeDecodeError) as err:
            raise CatalogError([Problem(path, 1, None, f"not a readable UTF-8 CSV file: {err}")]) from err
        header_problems = []
        for name in header:
            if name not in columns:
                header_problems.append(Problem(path, 1, name, f"unknown column (expected {', '.join(columns)})"))
        for name in columns:
            if name in required and name not in header:
                header_problems.append(Problem(path, 1, name, "required column is missing"))
        if len(set(header)) != len(header):
            header_problems.append(Problem(path, 1, None, "a column name appears twice"))
        if header_problems:
            raise CatalogError(header_problems)
        line = reader.line_num
        try:
            for record in reader:
                start, line = line + 1, reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != len(header):
                    problems.append(Problem(path, start, None, f"has {len(record)} fields, the header has {len(header)}"))
                    continue
                values = {name: cell.strip() for name, cell in zip(header, record)}
                rows.append((start, {c: values.get(c, "") for c in columns}))
        except (csv.Error, UnicodeDecodeError) as err:
            raise CatalogError([Problem(path, line + 1, None, f"not a readable UTF-8 CSV line: {err}")]) from err
    return rows


def _number(text: str, convert, path, line, field, problems, low=None, high=None):
    if text == "":
        return None
    try:
        value = convert(text)
    except ValueError:
        kind = "a whole number" if convert is int else "a number"
        problems.append(Problem(path, line, field, f"'{text}' is not {kind}"))
        return None
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(path, line, field, f"'{text}' is not a finite number"))
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        problems.append(Problem(path, line, field, f"{text} is outside {low} to {high}"))
        return None
    return value


def _one_of(text: str, allowed: tuple[str, ...], path, line, field, problems) -> None:
    if not text:
        problems.append(Problem(path, line, field, f"is empty: expected one of {', '.join(allowed)}"))
    elif text not in allowed:
        problems.append(Problem(path, line, field, f"unknown {field} '{text}': expected one of {', '.join(allowed)}"))


def _metric_records(path: str | Path | None = None) -> list[dict]:
    """The validated metric rows as plain dicts (``None`` for empty values)."""
    path = Path(path) if path else metrics_path()
    problems: list[Problem] = []
    required = {"code", "domain", "name", "name_en", "kind", "better"}
    rows = _read_rows(path, METRIC_COLUMNS, required, problems)

    records, lines = [], {}
    first_line: dict[str, int] = {}
    for line, raw in rows:
        code = raw["code"]
        for field in sorted(required):
            if field not in ("domain", "kind", "better") and not raw[field]:
                problems.append(Problem(path, line, field, "is required"))
        if code and not CODE_PATTERN.match(code):
            problems.append(Problem(path, line, "code", f"'{code}' is not lowercase_with_underscores"))
        if code in first_line:
            problems.append(Problem(path, line, "code", f"duplicate code '{code}' (first on line {first_line[code]})"))
        else:
            first_line[code] = line
        _one_of(raw["domain"], DOMAINS, path, line, "domain", problems)
        _one_of(raw["kind"], KINDS, path, line, "kind", problems)
        _one_of(raw["better"], BETTER, path, line, "better", problems)
        if raw.get("grain"):
            _one_of(raw["grain"], GRAINS, path, line, "grain", problems)
        if raw["kind"] == "distinct" and (raw.get("grain") or "day") != "month":
            problems.append(Problem(path, line, "grain", "a distinct count is stored per month: its grain is month"))
        if raw.get("carry_months") and raw["kind"] != "stock":
            problems.append(Problem(path, line, "carry_months", f"only a stock is carried forward; this is a {raw['kind']}"))
        for dimension in filter(None, (d.strip() for d in raw["dimensions"].split(","))):
            if not CODE_PATTERN.match(dimension):
                problems.append(Problem(path, line, "dimensions", f"'{dimension}' is not lowercase_with_underscores"))
        if raw["kind"] == "ratio":
            if raw["source"]:
                problems.append(Problem(path, line, "source", "a ratio is computed, never loaded: leave source empty"))
        elif raw["kind"] in KINDS:
            if not raw["source"]:
                problems.append(Problem(path, line, "source", f"a {raw['kind']} needs the source that emits it"))
            for field in ("numerator", "denominator"):
                if raw[field]:
                    problems.append(Problem(path, line, field, f"only a ratio has a {field}; this is a {raw['kind']}"))
        record = {c: (raw[c] or None) for c in METRIC_COLUMNS}
        record["dimensions"] = ",".join(d.strip() for d in raw["dimensions"].split(",") if d.strip()) or None
        record["target"] = _number(raw["target"], float, path, line, "target", problems)
        record["grain"] = raw.get("grain") or "day"
        record["carry_months"] = _number(raw.get("carry_months") or "", int, path, line, "carry_months", problems)
        records.append(record)
        lines[id(record)] = line

    kinds = {r["code"]: r["kind"] for r in records if r["code"]}
    grains = {r["code"]: r["grain"] for r in records if r["code"]}
    for record in records:
        if record["kind"] != "ratio":
            continue
        for field in ("numerator", "denominator"):
            other = record[field]
            if not other:
                problems.append(Problem(path, lines[id(record)], field, f"a ratio needs a {field} flow"))
            elif other not in kinds:
                problems.append(Problem(path, lines[id(record)], field, f"'{other}' is not a metric in this file"))
            elif kinds[other] != "flow":
                problems.append(Problem(path, lines[id(record)], field, f"'{other}' is a {kinds[other]}, a ratio needs a flow"))
            elif grains[other] != record["grain"]:
                problems.append(Problem(path, lines[id(record)], "grain",
                                        f"'{other}' has grain {grains[other]}, the ratio {record['grain']}"))
    if problems:
        raise CatalogError(sorted(problems, key=lambda p: p.line))
    return records


def _area_records(path: str | Path | None = None) -> list[dict]:
    """The validated area rows as plain dicts (``None`` for empty values)."""
    path = Path(path) if path else areas_path()
    problems: list[Problem] = []
    required = {"code", "name", "level", "parent_code"}
    rows = _read_rows(path, AREA_COLUMNS, required, problems)

    records, lines = [], {}
    first_line: dict[str, int] = {}
    for line, raw in rows:
        code, level = raw["code"], raw["level"]
        if not raw["name"]:
            problems.append(Problem(path, line, "name", "is required"))
        _one_of(level, LEVELS, path, line, "level", problems)
        if code in first_line:
            problems.append(Problem(path, line, "code", f"duplicate code '{code}' (first on line {first_line[code]})"))
        else:
            first_line[code] = line
        if level in AREA_CODE_SHAPES:
            _, length, own = AREA_CODE_SHAPES[level]
            if not (code.isascii() and code.isdigit() and len(code) == length):
                problems.append(Problem(path, line, "code", f"'{code}' is not a {length}-digit {level} code"))
            elif set(code[own]) == {"0"} or set(code[own.stop:]) - {"0"}:
                problems.append(Problem(path, line, "code", f"'{code}' is not shaped like a {level} code: "
                                        f"digits {own.start + 1}-{own.stop} must not be all 0 and any after them must be 0"))
        sample = TRUE_WORDS.get(raw["is_sample"].lower()) if raw["is_sample"] else False
        if sample is None:
            problems.append(Problem(path, line, "is_sample", f"'{raw['is_sample']}' is not true or false"))
        record = {
            "code": code,
            "name": raw["name"],
            "name_en": raw["name_en"] or None,
            "level": level,
            "parent_code": raw["parent_code"] or None,
            "population": _number(raw["population"], int, path, line, "population", problems, low=0),
            "households": _number(raw["households"], int, path, line, "households", problems, low=0),
            "lon": _number(raw["lon"], float, path, line, "lon", problems, low=-180, high=180),
            "lat": _number(raw["lat"], float, path, line, "lat", problems, low=-90, high=90),
            "is_sample": bool(sample),
        }
        records.append(record)
        lines[id(record)] = line

    levels = {r["code"]: r["level"] for r in records}
    for record in records:
        line, level, parent = lines[id(record)], record["level"], record["parent_code"]
        if level not in LEVELS:
            continue
        if level == "city":
            if parent:
                problems.append(Problem(path, line, "parent_code", "the city has no parent"))
            continue
        if not parent:
            problems.append(Problem(path, line, "parent_code", f"a {level} needs a parent"))
            continue
        if parent not in levels:
            problems.append(Problem(path, line, "parent_code", f"parent '{parent}' is missing from the register"))
            continue
        above = LEVELS[LEVELS.index(level) - 1]
        if levels[parent] != above:
            problems.append(Problem(path, line, "parent_code",
                                    f"a {level}'s parent must be a {above}, '{parent}' is a {levels[parent]}"))
            continue
        shared = AREA_CODE_SHAPES[level][0]
        if not record["code"].startswith(parent[:shared]):
            problems.append(Problem(path, line, "code", f"'{record['code']}' does not extend its parent's prefix "
                                    f"{parent[:shared]} (a {level} code starts with its {above}'s first {shared} digits)"))
    if problems:
        raise CatalogError(sorted(problems, key=lambda p: p.line))
    return records


def read_metrics(path: str | Path | None = None) -> pd.DataFrame:
    """The metric catalogue, validated, one row per metric (raises ``CatalogError``)."""
    frame = pd.DataFrame(_metric_records(path), columns=METRIC_COLUMNS)
    return frame.astype({"target": "float64"})


def read_areas(path: str | Path | None = None) -> pd.DataFrame:
    """The area register, validated, one row per area (raises ``CatalogError``)."""
    frame = pd.DataFrame(_area_records(path), columns=AREA_COLUMNS)
    return frame.astype({"population": "Int64", "households": "Int64", "lon": "float64",
                         "lat": "float64", "is_sample": "bool"})


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def _upsert(conn, table: Table, records: list[dict]) -> dict[str, int]:
    """Insert new rows and update changed ones; untouched rows cost one SELECT in total."""
    columns = [c.name for c in table.columns]
    existing = {row.code: row._mapping for row in conn.execute(select(table))}
    new, changed = [], []
    for record in records:
        current = existing.get(record["code"])
        if current is None:
            new.append(record)
        elif not all(_same(record[c], current[c]) for c in columns):
            changed.append(record)
    if new:
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            # Two ETL processes may load the catalogue into an empty warehouse at once.
            module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
            statement = module.insert(table)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.code],
                set_={c: statement.excluded[c] for c in columns if c != "code"},
            )
        else:
            statement = insert(table)
        conn.execute(statement, new)
    if changed:
        statement = (
            update(table)
            .where(table.c.code == bindparam("b_code"))
            .values({c: bindparam(f"b_{c}") for c in columns if c != "code"})
        )
        conn.execute(statement, [{f"b_{k}": v for k, v in r.items()} for r in changed])
    return {"inserted": len(new), "updated": len(changed), "unchanged": len(records) - len(new) - len(changed)}


def load_catalog(engine: Engine, metrics: str | Path | None = None, areas: str | Path | None = None) -> dict:
    """Bring the ``metric`` and ``area`` tables in line with the files, in one transaction.

    Rows missing from the files are kept (facts may still refer to them). The load is
    recorded as an ``etl_run`` of source ``catalog`` with the files' checksum: when the
    files have not changed since the last such run nothing is written, so the ETL can
    call this before every command, and updates the ``areas`` source made to the
    register survive until the project ships a changed register. Returns
    ``{"metric": {"inserted", "updated", "unchanged"}, "area": {...}}``, or
    ``{"unchanged": run_id}`` when the files were already loaded.
    """
    metrics_path = Path(metrics) if metrics else settings.catalog_dir() / "metrics.csv"
    areas_path = Path(areas) if areas else settings.catalog_dir() / "areas.csv"
    digest = hashlib.sha256(metrics_path.read_bytes() + b"\0" + areas_path.read_bytes()).hexdigest()
    with engine.connect() as conn:
        earlier = conn.execute(
            select(schema.etl_run.c.id)
            .where(schema.etl_run.c.source == "catalog", schema.etl_run.c.checksum == digest,
                   schema.etl_run.c.status == "success")
            .limit(1)
        ).scalar()
    if earlier is not None:
        return {"unchanged": earlier}
    metric_rows = _metric_records(metrics_path)
    area_rows = _area_records(areas_path)
    started = settings.local_now().replace(microsecond=0)
    with engine.begin() as conn:
        counts = {
            "metric": _upsert(conn, schema.metric, metric_rows),
            "area": _upsert(conn, schema.area, area_rows),
        }
        changed = sum(c["inserted"] + c["updated"] for c in counts.values())
        run_id = new_id(conn.execute(insert(schema.etl_run).values(
            source="catalog", location=f"{metrics_path.name}, {areas_path.name}", checksum=digest,
            started_at=started, finished_at=settings.local_now().replace(microsecond=0), status="success",
            rows_read=len(metric_rows) + len(area_rows), rows_loaded=changed, rows_rejected=0,
            message=f"metrics {counts['metric']}; areas {counts['area']}",
        )))
        # The catalogue changes no fact: a roll-up that was current stays current, rather
        # than being rebuilt whole by the next load (minutes at city scale).
        from data import rollup

        if rollup.marker(conn) is not None and rollup.marker(conn) == rollup.data_version(conn, before=run_id):
            rollup.mark_current(conn, run_id)
    return counts
