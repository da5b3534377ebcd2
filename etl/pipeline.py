"""One delivery from bytes to warehouse: extract, clean, validate, transform, load.

The steps live in their own modules (:mod:`etl.extract`, :mod:`etl.clean`,
:mod:`etl.validate`, :mod:`etl.load`); this module runs them in order for a source
module from :mod:`etl.sources` and keeps the rules that hold for every source: the
same bytes twice change nothing, a file that cannot be read (or is too large or too odd
for its source, :class:`etl.extract.Limits`) is refused whole, and a big CSV of a source
whose facts are sums over rows is read, checked and written a chunk at a time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data import settings
from etl import clean, extract, load, pseudonym, sources
from etl.extract import Delivery, Limits, RefusedFile
from etl.groups import distinct_rows
from etl.load import Output, RunResult
from etl.validate import Field, aliases, combine_rejects, reject_rows, validate


def prepare_warehouse(url: str | None = None) -> Engine:
    """The engine for ``url`` with schema, metric catalogue and area register in place."""
    from data.catalog import load_catalog
    from data.db import get_engine

    engine = get_engine(url)
    load_catalog(engine)
    return engine


@dataclass
class Context:
    """What a source's ``transform`` may use besides its rows."""

    engine: Engine
    now: datetime = field(default_factory=settings.local_now)
    fields: list[Field] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    _matcher: object | None = None
    _seen: dict = field(default_factory=dict)

    def repeated(self, name: str, values: pd.Series) -> pd.Series:
        """True where a value came in an earlier row of this chunk or an earlier chunk.

        Earlier chunks are kept as a few sorted arrays of 64-bit hashes (8 bytes a value),
        so a file of millions of rows is checked across its chunks without holding its
        texts. Within the chunk the hashes only find candidates; the texts decide.
        """
        hashes = _hashes(values)
        twice = pd.Series(hashes).duplicated(keep=False).to_numpy()
        within = np.zeros(len(hashes), dtype=bool)
        if twice.any():
            within[twice] = values[twice].duplicated().to_numpy()
        return pd.Series(within, index=values.index) | self._seen_before(name, hashes, values.index)

    def _seen_before(self, name: str, hashes: np.ndarray, index: pd.Index) -> pd.Series:
        found = np.zeros(len(hashes), dtype=bool)
        earlier = self._seen.setdefault(name, [])
        for seen in earlier:
            at = np.minimum(np.searchsorted(seen, hashes), len(seen) - 1)
            found |= seen[at] == hashes
        earlier.append(np.sort(hashes))
        while len(earlier) > 1 and len(earlier[-2]) <= 2 * len(earlier[-1]):
            # Few arrays of doubling size: each lookup searches O(log chunks) arrays.
            last = earlier.pop()
            earlier[-1] = np.sort(np.concatenate([earlier[-1], last]), kind="stable")
        return pd.Series(found, index=index)

    @property
    def matcher(self):
        """The :class:`etl.areamatch.AreaMatcher` over the warehouse's area table."""
        if self._matcher is None:
            from etl.areamatch import AreaMatcher

            self._matcher = AreaMatcher.from_engine(self.engine)
        return self._matcher

    def match_areas(self, rows: pd.DataFrame, *, community: str, street: str | None = None,
                    district: str | None = None, grid_code: str | None = None,
                    grid_name: str | None = None, categorical: bool = False) -> tuple[pd.Series, pd.Series]:
        """Area code for every row (grid if one is given and matches, else community).

        Returns ``(codes, reasons)``: ``codes`` is None where nothing matched and
        ``reasons`` then says why in plain words. Work is done once per distinct
        combination of the area columns, not once per row. ``categorical`` codes come as
        a pandas categorical (NaN where nothing matched).
        """
        columns = [c for c in (district, street, community, grid_code, grid_name) if c and c in rows.columns]
        if not len(rows):
            empty = pd.Series([], dtype=object)
            return empty, empty
        group, firsts = distinct_rows(rows[columns])
        keys = rows[columns].iloc[firsts].astype(object).itertuples(index=False, name=None)
        found = []
        for key in keys:
            values = dict(zip(columns, key))
            found.append(clean.match_area(
                self.matcher,
                community=values.get(community, ""),
                street=values.get(street, "") if street else "",
                district=values.get(district, "") if district else "",
                grid_code=values.get(grid_code, "") if grid_code else "",
                grid_name=values.get(grid_name, "") if grid_name else "",
            ))
        reasons = np.array([reason for _, reason in found], dtype=object)[group]
        if categorical:
            code_of, names = pd.factorize(pd.Series([code for code, _ in found], dtype=object))
            codes = pd.Series(pd.Categorical.from_codes(code_of[group], categories=pd.Index(names, dtype=str)),
                              index=rows.index)
        else:
            codes = pd.Series(np.array([code for code, _ in found], dtype=object)[group], index=rows.index)
        return codes, pd.Series(reasons, index=rows.index)

    def matched_rows(self, rows: pd.DataFrame, *, community: str, **columns: str) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
        """``match_areas`` as the sources use it: the rows whose area matched, their area codes
        (text, in step with them), and a reject on the ``community`` column for every other
        row, saying why it matched nothing."""
        codes, reasons = self.match_areas(rows, community=community, **columns)  # type: ignore[arg-type]
        rows, rejects = reject_rows(rows, self.fields, codes.isna(), community, reasons)
        return rows, codes.dropna().reset_index(drop=True).astype(str), rejects


def _hashes(values: pd.Series) -> np.ndarray:
    """64-bit hashes of the values' text (Python's own: stable within the process that
    reads the whole delivery), once per distinct value for a categorical."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        per = _hashes(pd.Series(values.cat.categories.astype(str)))
        return np.append(per, hash(""))[values.cat.codes.to_numpy()]
    return np.fromiter(map(hash, values.to_numpy(dtype=object)), dtype=np.int64, count=len(values))


def read_rows(module: ModuleType, delivery: Delivery) -> pd.DataFrame:
    """The delivery's data rows under canonical names, personal columns already gone."""
    rows = pd.concat(list(read_chunks(module, delivery, None)), ignore_index=True)
    if rows.empty:
        raise RefusedFile(f"文件没有数据行 / the file has no data rows: {delivery.location}")
    return rows


def read_chunks(module: ModuleType, delivery: Delivery, chunk_rows: int | None, limits: Limits | None = None):
    """The data rows chunk by chunk: a CSV or workbook of a source that can take it in
    chunks (``CHUNKED = True``: its facts are sums over rows) is streamed ``chunk_rows``
    rows at a time (a workbook at most :data:`etl.extract.XLSX_CHUNK_ROWS`); anything
    else is one chunk. Personal columns are gone from every chunk, and ids that name a
    person (``Field.pseudonym``) come as their keyed pseudonyms. A workbook is read
    within ``limits`` (its unpacked size, rows, columns, cells) whatever the source."""
    fields: list[Field] = module.FIELDS
    names, required = aliases(fields), [f.name for f in fields if f.required]
    keep = [f.name for f in fields if not f.personal]
    verbatim = {f.name for f in fields if f.verbatim}
    yield from _pseudonymised(_tidy_chunks(module, delivery, chunk_rows, limits, names, required, keep, verbatim),
                              fields)


def _pseudonymised(chunks, fields: list[Field]):
    """The chunks with every id that names a person replaced by its keyed pseudonym (etl.pseudonym)."""
    named = [f for f in fields if f.pseudonym]
    if not named:
        yield from chunks
        return
    key = pseudonym.current_key()
    for rows in chunks:
        for f in named:
            if f.name in rows.columns:
                rows[f.name] = pseudonym.pseudonymise(rows[f.name], f.pseudonym, key)
        yield rows


def _tidy_chunks(module: ModuleType, delivery: Delivery, chunk_rows: int | None, limits: Limits | None,
                 names, required, keep, verbatim):
    fields: list[Field] = module.FIELDS
    if hasattr(module, "read"):
        yield from clean.tidy_chunks([module.read(delivery)], names, required, keep, verbatim=verbatim)
    elif getattr(module, "CHUNKED", False) and extract.is_workbook(delivery) and chunk_rows is not None:
        yield from clean.tidy_chunks(extract.read_excel_chunks(delivery, chunk_rows, limits), names, required, keep,
                                     verbatim=verbatim)
    elif getattr(module, "CHUNKED", False) and _is_csv(delivery):
        # The header from the file's first rows says which columns to parse at all.
        [head] = extract.read_csv_chunks(delivery, None, nrows=clean.HEADER_SCAN_ROWS + 1)
        header = clean.locate_header(head, names, required)
        wanted = {header.columns[name] for name in keep if name in header.columns}
        wanted |= set(range(min(3, head.frame.shape[1])))  # where a totals row says 合计
        # Columns of few distinct values come as categoricals: cleaned and checked once
        # per value. The first chunk holds the title and header rows on top of its data.
        few = {header.columns[f.name] for f in fields if f.few_values and f.name in header.columns}
        sheets = extract.read_csv_chunks(delivery, chunk_rows, usecols=sorted(wanted), categories=sorted(few),
                                         lead=header.first_row + header.height)
        yield from clean.tidy_chunks(sheets, names, required, keep, header=header, verbatim=verbatim)
    else:
        yield from clean.tidy_chunks([extract.read_sheet(delivery, limits)], names, required, keep, verbatim=verbatim)


def _is_csv(delivery: Delivery) -> bool:
    if delivery.suffix in (".xlsx", ".xlsm", ".xls", ".json", ".jsonl", ".ndjson", ".md", ".markdown"):
        return False
    head = delivery.head(4)
    return head != b"PK\x03\x04" and bool(head.strip())


class _Steps:
    """Advances an optional progress bar (tqdm-like: ``update``, ``close``) by stage."""

    def __init__(self, progress, label: str):
        self.bar = progress(label, None) if progress else None

    def done(self, stage: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(stage, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def process_rows(module: ModuleType, rows: pd.DataFrame, ctx: Context, steps: _Steps) -> Output:
    """One chunk's rows -> checks, the source's facts and all rejects."""
    checked = validate(rows, module.FIELDS, ctx.now)
    checked.rows, implausible = plausible(checked.rows, module.FIELDS, ctx.limits, ctx.now)
    steps.done("check")
    output: Output = module.transform(checked.rows, ctx)
    steps.done("facts")
    output.rejects = combine_rejects(checked.rejects, implausible, output.rejects)
    output.warnings = combine_rejects(checked.warnings, output.warnings)
    if len(output.warnings) and len(output.rejects):  # a refused row is not kept: no field warning for it
        output.warnings = output.warnings[~output.warnings["row_number"].isin(output.rejects["row_number"])]
    output.rows_read = checked.rows_read
    rejected = output.rejects["row_number"].nunique() if len(output.rejects) else 0
    output.rows_loaded = checked.rows_read - int(rejected)
    return output


def plausible(rows: pd.DataFrame, fields: list[Field], limits: Limits,
              now: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows whose dates lie in the source's plausible window (``earliest`` and
    ``days_ahead`` in ``etl/sources.yaml``: by default none before 2000 and none after
    tomorrow), and a reject (row, field, reason) for each date outside it: an export
    dated 1900 is a broken clock or a default value, not history."""
    first = pd.Timestamp(limits.earliest)
    after = pd.Timestamp(now).normalize() + pd.Timedelta(days=limits.days_ahead + 1)
    last = (after - pd.Timedelta(days=1)).date()
    found = []
    for f in fields:
        if f.kind != "datetime" or f.personal or f.name not in rows.columns or not len(rows):
            continue
        for mask, reason in (
            (rows[f.name] < first, f"{{value!r}} 早于 {limits.earliest}，不在本来源的合理日期内 / is before "
                                   f"{limits.earliest}, outside this source's plausible dates (earliest in etl/sources.yaml)"),
            (rows[f.name] >= after, f"{{value!r}} 晚于 {last}，不在本来源的合理日期内 / is after {last}, "
                                    f"outside this source's plausible dates (days_ahead in etl/sources.yaml)"),
        ):
            if mask.any():
                rows, rejects = reject_rows(rows, fields, mask, f.name, reason)
                found.append(rejects)
    return rows, combine_rejects(*found)


class AllRefused(RefusedFile):
    """Every row of a delivery was refused: the run failed, though its rows were read."""

    def __init__(self, message: str, rows_read: int, rows_rejected: int, rejects: pd.DataFrame):
        super().__init__(message)
        self.rows_read, self.rows_rejected, self.rejects = rows_read, rows_rejected, rejects


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _fail(engine: Engine, source: str, delivery: Delivery, checksum: str | None, started: datetime,
          err: BaseException) -> str:
    """Record a failed attempt; a file whose bytes failed the same way before (since the
    last operator's retry) is ``quarantined``: later runs skip it until a new delivery or
    ``python -m etl retry``. Returns the status recorded."""
    message = str(err) if isinstance(err, RefusedFile) else f"内部错误 / internal error: {type(err).__name__}: {err}"
    message = message[:2000]
    same = checksum is not None and any(
        _first_line(m) == _first_line(message) for m in load.failures_since_retry(engine, source, checksum))
    status = "quarantined" if same else "failed"
    if isinstance(err, AllRefused):
        load.record_run(engine, source, delivery.location, checksum, started, status, message,
                        rows_read=err.rows_read, rows_rejected=err.rows_rejected, rejects=err.rejects)
    else:
        load.record_run(engine, source, delivery.location, checksum, started, status, message)
    return status


def load_delivery(engine: Engine, module: ModuleType, delivery: Delivery, now: datetime | None = None,
                  progress=None, limits: Limits | None = None) -> RunResult:
    """Load one file's bytes for one source; raises RefusedFile (after recording it).

    The delivery is first checked against the source's ``limits`` (size, line length,
    binary content), then read, checked, turned into facts and written chunk by chunk in
    one transaction. ``progress(label, total)`` may return a tqdm-like bar advanced once
    per stage of each chunk. Any failure, expected or not (a ``RecursionError`` in a
    parser included), is this file's: recorded as its failed run and raised as
    RefusedFile. Bytes that failed the same way twice are quarantined (:func:`_fail`):
    :class:`Quarantined` is raised without reading them again.
    """
    started = settings.local_now().replace(microsecond=0)
    limits = limits or Limits()
    refusal: Exception | None = None
    checksum: str | None
    try:
        checksum = extract.inspect(delivery, limits)
    except Exception as err:  # noqa: BLE001 - whatever stops the check is this file's failure
        refusal, checksum = err, _checksum(delivery)
    if checksum is not None:
        earlier = load.previous_success(engine, module.NAME, checksum) if refusal is None else None
        if earlier is not None:
            return load.record_run(engine, module.NAME, delivery.location, checksum, started, "unchanged",
                                   f"与第 {earlier} 次运行的文件相同 / same file as run {earlier}; nothing changed")
        held = load.quarantined(engine, module.NAME, checksum)
        if held is not None:
            raise Quarantined(
                f"已隔离 / quarantined: {delivery.location} failed the same way twice (run {held['id']}: "
                f"{_first_line(held['message'])}); it is not read again until a new delivery or "
                f"`python -m etl retry {delivery.location}`")
    if refusal is not None:
        _fail(engine, module.NAME, delivery, checksum, started, refusal)
        raise refusal if isinstance(refusal, RefusedFile) else _refusal(delivery, refusal)
    assert checksum is not None  # inspect() returned it
    steps = _Steps(progress, f"{module.NAME} {delivery.name}")
    ctx = Context(engine, now or settings.local_now(), list(module.FIELDS), limits=limits)
    try:
        with load.Load(engine, module.NAME, list(module.METRICS), delivery.location, checksum, started) as writer:
            for rows in read_chunks(module, delivery, limits.chunk_rows, limits):
                steps.done("read")
                if rows.empty:
                    continue
                output = process_rows(module, rows, ctx, steps)
                del rows  # the chunk's text is not needed for writing its facts
                writer.add(output)
                del output
                steps.done("write")
            if writer.rows_read == 0:
                raise RefusedFile(f"文件没有数据行 / the file has no data rows: {delivery.location}")
            if writer.rows_loaded == 0:
                first = writer.sample.iloc[0] if len(writer.sample) else None
                example = (f"\n第 {first['row_number']} 行 / row {first['row_number']}, {first['field']}: "
                           f"{first['reason']}" if first is not None else "")
                raise AllRefused(
                    f"全部 {writer.rows_read} 行被拒绝 / every one of the {writer.rows_read} rows of "
                    f"{delivery.location} was refused{example}",
                    writer.rows_read, writer.rows_rejected, writer.sample)
            return writer.commit()
    except Exception as err:  # noqa: BLE001 - every failure of one file is that file's, recorded
        # Every attempt is on record; the write transaction rolled back.
        _fail(engine, module.NAME, delivery, checksum, started, err)
        if isinstance(err, RefusedFile):
            raise
        raise _refusal(delivery, err) from err
    finally:
        steps.close()


#: Checksums of files already read by this process, by path: (size, mtime in ns, sha256).
#: ``python -m etl watch`` checks the same folders every few minutes; a file whose size and
#: modification time have not moved is not read again (rsync's own test of "unchanged").
_SEEN: dict[str, tuple[int, int, str]] = {}


def known_checksum(delivery: Delivery) -> str | None:
    """The delivery's sha256, read from its bytes once per process and file version; None
    when it cannot be read (the load then records why)."""
    if delivery.path is None:
        return _checksum(delivery)
    try:
        stat = delivery.path.stat()
    except OSError:
        return None
    key = str(delivery.path.resolve())
    seen = _SEEN.get(key)
    if seen is not None and seen[:2] == (stat.st_size, stat.st_mtime_ns):
        return seen[2]
    checksum = _checksum(delivery)
    if checksum is not None:
        _SEEN[key] = (stat.st_size, stat.st_mtime_ns, checksum)
    return checksum


class Quarantined(RefusedFile):
    """Bytes that failed the same way twice: skipped, not read, until retried."""


def _checksum(delivery: Delivery) -> str | None:
    try:
        return delivery.checksum
    except OSError:  # a file that vanished or cannot be read has no bytes to name
        return None


def _refusal(delivery: Delivery, err: BaseException) -> RefusedFile:
    return RefusedFile(f"内部错误 / internal error while loading {delivery.location}: {type(err).__name__}: {err}")


def load_location(engine: Engine, name: str, location: str, now: datetime | None = None,
                  on_result: Callable[[RunResult], None] | None = None, progress=None,
                  limits: Limits | None = None) -> list[RunResult]:
    """Load a file, every file of a folder (in name order) or a URL for source ``name``.

    A failed file, whatever went wrong in it, does not stop the others; after the last
    one RefusedFile is raised naming every refused or quarantined file (each refusal was
    recorded as a failed run). ``limits`` default to the source's entry in ``etl/sources.yaml``.
    """
    module = sources.get(name)
    if limits is None:
        from etl.config import limits_for

        limits = limits_for(name)
    try:
        found = module.deliveries(location) if hasattr(module, "deliveries") else extract.deliveries(location)
    except Exception as err:  # noqa: BLE001 - a source that cannot be fetched is this source's failure
        # Nothing was fetched whole (a missing file, an API short of what it announced):
        # still an attempt, so it is on record like any refused file.
        started = settings.local_now().replace(microsecond=0)
        message = str(err) if isinstance(err, RefusedFile) else f"内部错误 / internal error: {type(err).__name__}: {err}"
        load.record_run(engine, module.NAME, str(location), None, started, "failed", message[:2000])
        if isinstance(err, RefusedFile):
            raise
        raise RefusedFile(message) from err
    results, refused = [], []
    started = settings.local_now().replace(microsecond=0)
    known = load.loaded_checksums(engine, module.NAME)
    failing = load.failing_locations(engine, module.NAME)
    same: list[tuple[Delivery, str]] = []  # (delivery, checksum) of bytes loaded before
    for delivery in found:
        checksum = None if delivery.location in failing else known_checksum(delivery)
        if checksum is not None and checksum in known:
            same.append((delivery, checksum))
            continue
        try:
            result = load_delivery(engine, module, delivery, now, progress, limits)
        except RefusedFile as err:
            refused.append(str(err))
            continue
        results.append(result)
        if on_result:
            on_result(result)
    if same:
        # One line for every unchanged file of this pass, not one per file (loaded every
        # few minutes, a folder of 600 files would add 170,000 rows a day).
        place = same[0][0].location if len(same) == len(found) == 1 else str(location)
        checksum = same[0][1] if len(same) == 1 else None
        result = load.record_unchanged(engine, module.NAME, place, sorted(known[c] for _, c in same), started,
                                       checksum)
        results.append(result)
        if on_result:
            on_result(result)
    if refused:
        raise RefusedFile("\n".join(refused))
    return results
