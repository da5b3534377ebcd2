"""Getting the bytes of a delivery and turning them into a grid of cells.

A delivery is a file, a folder inbox (every file in it, in name order) or an HTTP(S)
URL. Whatever the format, the result is a :class:`Sheet`: raw cells as strings, one
list entry per row *as a person sees it in Excel/WPS*, so row numbers in reject
messages point at the right place. Understanding the header is :mod:`etl.clean`'s job.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import requests
import yaml
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

BLOCK = 8 * 2**20  # bytes read at a time when scanning a file
TABULAR = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".json", ".jsonl", ".ndjson", ".md", ".markdown"}


class RefusedFile(Exception):
    """A delivery that cannot be read at all; nothing of it is loaded."""


class Delivery:
    """One file or URL body: where it came from, its size and sha256, its bytes on demand.

    A file is read only when a reader asks for :attr:`data` (Excel, JSON, Markdown);
    CSV exports are streamed from disk in chunks, so a 2 GB export is never held whole.
    """

    def __init__(self, location: str, data: bytes | None = None, path: str | Path | None = None):
        self.location = location
        self.path = Path(path) if path is not None else None
        self._data = data
        self._checksum: str | None = None

    def __repr__(self) -> str:
        return f"Delivery({self.location!r}, {self.size} bytes)"

    @property
    def _file(self) -> Path:
        """The file a delivery made without its bytes reads from (one of the two is always given)."""
        if self.path is None:
            raise ValueError(f"{self.location}: a delivery needs its bytes or a path")
        return self.path

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = self._file.read_bytes()
        return self._data

    @property
    def size(self) -> int:
        return len(self._data) if self._data is not None else self._file.stat().st_size

    def head(self, n: int) -> bytes:
        if self._data is not None:
            return self._data[:n]
        with open(self._file, "rb") as handle:
            return handle.read(n)

    def blocks(self, size: int = BLOCK):
        """The bytes in pieces of ``size`` (memory: one piece)."""
        if self._data is not None:
            for i in range(0, len(self._data), size):
                yield self._data[i:i + size]
            return
        with open(self._file, "rb") as handle:
            while block := handle.read(size):
                yield block

    def source(self):
        """Something ``pd.read_csv`` can stream from."""
        return self.path if self._data is None else io.BytesIO(self._data)

    @property
    def checksum(self) -> str:
        if self._checksum is None:
            digest = hashlib.sha256()
            for block in self.blocks():
                digest.update(block)
            self._checksum = digest.hexdigest()
        return self._checksum

    @property
    def suffix(self) -> str:
        path = urlparse(self.location).path if is_url(self.location) else self.location
        return Path(path).suffix.lower()

    @property
    def name(self) -> str:
        return Path(urlparse(self.location).path if is_url(self.location) else self.location).name


@dataclass(frozen=True)
class Limits:
    """What a source accepts before reading a delivery: its size, its longest line, and
    how many rows of a CSV are in memory at once (from ``etl/sources.yaml``)."""

    max_bytes: int = 256 * 2**20
    max_line_bytes: int = 2**20
    chunk_rows: int = 1_000_000


BINARY_FORMATS = {".xlsx", ".xlsm", ".xls"}


def inspect(delivery: Delivery, limits: Limits) -> str:
    """Refuse a delivery too large or too odd for its source; return its sha256.

    One pass over the bytes (one block in memory) computes the checksum and, for text
    formats, finds NUL bytes (a binary file posing as a CSV) and the longest line (a
    line of megabytes is a broken or hostile export, not a spreadsheet row), so nothing
    is parsed that would exhaust the machine.
    """
    name = delivery.name or delivery.location
    if delivery.size > limits.max_bytes:
        raise RefusedFile(
            f"文件过大 / {name} is {_mb(delivery.size)}, over this source's limit of {_mb(limits.max_bytes)} "
            f"(max_mb in etl/sources.yaml)"
        )
    text = delivery.suffix not in BINARY_FORMATS and delivery.head(4) != b"PK\x03\x04"
    lined = text and delivery.suffix != ".json"  # a JSON document may be one long line
    digest = hashlib.sha256()
    offset = line_start = lines = 0  # bytes seen, where the current line began, line breaks seen
    for block in delivery.blocks():
        digest.update(block)
        if text:
            nul = block.find(b"\x00")
            if nul >= 0:
                raise RefusedFile(f"不是文本文件 / {name} holds binary data (a NUL byte at byte {offset + nul}): "
                                  f"not a CSV or JSON export")
        if lined:
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + offset
            # Lengths of the lines that end in this block, then of the one still open.
            lengths = np.diff(ends, prepend=line_start - 1) - 1 if len(ends) else np.array([], dtype=np.int64)
            if len(ends):
                line_start = int(ends[-1]) + 1
            too_long = np.flatnonzero(lengths > limits.max_line_bytes)
            line = lines + 1 + int(too_long[0]) if len(too_long) else None
            if line is None and offset + len(block) - line_start > limits.max_line_bytes:
                line = lines + len(ends) + 1
            if line is not None:
                raise RefusedFile(f"行过长 / {name}: line {line} is longer than {_mb(limits.max_line_bytes)} "
                                  f"(max_line_kb in etl/sources.yaml): not a row of an export")
            lines += len(ends)
        offset += len(block)
    delivery._checksum = digest.hexdigest()
    return delivery._checksum


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size >= 2**20 else f"{size / 2**10:,.0f} KB"


@dataclass
class Sheet:
    """Cells of a table as text: ``frame`` has integer columns, ``row_numbers`` the
    1-based row of each frame row in the source (title and header rows included)."""

    frame: pd.DataFrame
    row_numbers: pd.Series = field(default=None)

    def __post_init__(self):
        if self.row_numbers is None:
            self.row_numbers = pd.Series(range(1, len(self.frame) + 1), index=self.frame.index)


def is_url(location: str) -> bool:
    return urlparse(str(location)).scheme in ("http", "https")


def deliveries(location: str | Path) -> list[Delivery]:
    """The file, every data file of a folder in name order, or the URL's body."""
    location = str(location)
    if is_url(location):
        return [Delivery(location, fetch(location).content)]
    path = Path(location)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in TABULAR)
        return [Delivery(str(p), path=p) for p in files]
    if not path.exists():
        raise RefusedFile(f"找不到文件 / no such file or folder: {location}")
    return [Delivery(str(path), path=path)]


def _retryable(err: BaseException) -> bool:
    if isinstance(err, (requests.ConnectionError, requests.Timeout)):
        return True
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return err.response.status_code in (429, 500, 502, 503, 504)
    return False


@retry(
    retry=retry_if_exception(_retryable),
    wait=wait_exponential(multiplier=0.5, max=8),
    stop=stop_after_attempt(5),
    reraise=True,
)
def fetch(url: str, params: dict | None = None, timeout: float = 30) -> requests.Response:
    """GET ``url``, retrying with exponential backoff on network errors and 429/5xx.

    Source APIs of street offices are slow and flaky; one hiccup must not fail a run.
    """
    response = requests.get(url, params=params, timeout=timeout)
    response.raise_for_status()
    return response


# --- decoding -----------------------------------------------------------------------

def detect_encoding(data: bytes, location: str = "") -> str:
    """``utf-8-sig`` (UTF-8 with or without BOM) or ``gb18030`` (a superset of GBK).

    ``data`` may be the head of a file cut anywhere, even inside a character: it is
    decoded incrementally, so only bytes that cannot start or continue a character count.
    """
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError as err:
        utf8_error = err
    # GBK text fails UTF-8 within its first Chinese character; checking the rest as
    # GB18030 is left to the reader, which reports where it breaks. A line break is
    # never part of a GBK character, so the window starts on a character boundary.
    begin = data.rfind(b"\n", 0, utf8_error.start) + 1
    try:
        codecs.getincrementaldecoder("gb18030")().decode(data[begin: utf8_error.start + 4096], final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise RefusedFile(
            f"无法识别文件编码 / cannot decode {Path(location).name or 'the file'} as UTF-8 or GBK "
            f"(byte {utf8_error.start}); the file may be damaged or not a text export"
        ) from None


def decode(data: bytes, location: str = "") -> str:
    """Text of a CSV/JSON export: UTF-8 (with or without BOM), else GBK/GB18030."""
    encoding = detect_encoding(data, location)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise RefusedFile(f"文件编码损坏 / {Path(location).name}: cannot decode byte {err.start} as {encoding}") from None


# --- readers ------------------------------------------------------------------------

def read_sheet(delivery: Delivery) -> Sheet:
    """The delivery as a grid of text cells, whatever its tabular format."""
    if not delivery.data.strip():
        raise RefusedFile(f"文件为空 / the file is empty: {delivery.location}")
    suffix = delivery.suffix
    if suffix in (".xlsx", ".xlsm", ".xls") or delivery.data[:4] == b"PK\x03\x04":
        return read_excel(delivery)
    if suffix in (".json", ".jsonl", ".ndjson"):
        return records_sheet(read_records(delivery))
    if suffix in (".md", ".markdown"):
        return records_sheet([read_markdown(delivery)])
    return read_csv(delivery)


def read_csv(delivery: Delivery) -> Sheet:
    """Every line kept (blank ones too) so row numbers match what Excel shows."""
    [sheet] = read_csv_chunks(delivery, None)
    return sheet


HEAD_BYTES = 1 << 20  # enough of a file to tell its encoding, delimiter and width


def read_csv_chunks(delivery: Delivery, chunk_rows: int | None, usecols: list[int] | None = None,
                    nrows: int | None = None, lead: int = 0, categories=()):
    """The CSV as Sheets of ``chunk_rows`` rows each (all of it when None), streamed
    from disk; each Sheet's ``row_numbers`` count from the top of the file.

    ``usecols`` (positions) parses only those columns: the ones a source keeps, so
    personal and unused columns cost neither time nor memory. Columns keep their
    position as label. ``nrows`` reads just the first rows (to find the header).
    ``lead`` rows (title and header lines above the data) come in the first chunk on
    top of its ``chunk_rows``, so a chunk size counts data rows. ``categories``
    (positions) are read as pandas categoricals (columns of few distinct values, whose
    text is then handled once per value); every other column is text.
    """
    head_bytes = delivery.head(HEAD_BYTES)
    encoding = detect_encoding(head_bytes, delivery.location)
    head = head_bytes[:200_000].decode(encoding, errors="ignore")
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    # With categoricals (the chunked read of a big file) the other columns are plain
    # Python strings (object): pandas' ``str`` dtype would cost one more pass per column.
    dtype = defaultdict(lambda: object, {pos: "category" for pos in categories}) if categories else str
    try:
        reader = pd.read_csv(
            delivery.source(), encoding=encoding, header=None, dtype=dtype, sep=delimiter,
            keep_default_na=False, skip_blank_lines=False, engine="c", names=_column_names(head, delimiter),
            chunksize=chunk_rows, index_col=False, usecols=usecols, nrows=nrows,
        )
        if chunk_rows is None:
            frame = reader
            yield Sheet(frame)
            return
        first, size = 1, chunk_rows + max(lead, 0)
        with reader:
            while True:
                try:
                    frame = reader.get_chunk(size)
                except StopIteration:
                    break
                if not len(frame):
                    break
                frame.index = range(len(frame))
                yield Sheet(frame, pd.Series(range(first, first + len(frame))))
                first += len(frame)
                size = chunk_rows
    except UnicodeDecodeError as err:
        raise RefusedFile(f"文件编码损坏 / {delivery.location}: cannot decode as {encoding}: {err.reason}") from None
    except (pd.errors.ParserError, csv.Error, ValueError) as err:
        raise RefusedFile(f"CSV 无法解析 / cannot parse the CSV {delivery.location}: {err}") from None


def _column_names(head: str, delimiter: str) -> list[int]:
    """Enough columns for the widest of the first lines (title rows are narrower)."""
    lines = head.splitlines()[:50]
    width = max((len(row) for row in csv.reader(lines, delimiter=delimiter)), default=1)
    return list(range(max(width, 1)))


def read_excel(delivery: Delivery) -> Sheet:
    """First sheet of a workbook, cells as Excel shows them (dates stay serials or dates)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(delivery.data))
        sheet = book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as err:  # noqa: BLE001 - calamine raises its own error types for damaged files
        raise RefusedFile(
            f"Excel 文件无法打开 / cannot open the workbook {delivery.location}: {err}"
        ) from None
    if not rows:
        raise RefusedFile(f"工作表为空 / the first sheet is empty: {delivery.location}")
    width = max(len(r) for r in rows)
    cells = [[_cell_text(v) for v in r] + [""] * (width - len(r)) for r in rows]
    return Sheet(pd.DataFrame(cells, dtype=str))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def read_records(delivery: Delivery) -> list[dict]:
    """JSON array, ``{"data": [...]}`` page, or JSON Lines: a list of flat dicts."""
    text = decode(delivery.data, delivery.location).strip()
    records: object  # whatever the JSON holds, checked below
    try:
        if delivery.suffix in (".jsonl", ".ndjson"):
            records = _json_lines(text)
        else:
            try:
                payload = json.loads(text)
            except json.JSONDecodeError as err:
                if not err.msg.startswith("Extra data"):
                    raise
                payload = _json_lines(text)
            records = payload.get("data", payload.get("items")) if isinstance(payload, dict) else payload
    except json.JSONDecodeError as err:
        raise RefusedFile(f"JSON 无法解析 / invalid JSON in {delivery.location}: {err}") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise RefusedFile(f"JSON 不是记录列表 / expected a list of records in {delivery.location}")
    return [flatten(r) for r in records]


def _json_lines(text: str) -> list:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def flatten(record: dict, prefix: str = "") -> dict:
    """``{"participant": {"age_band": "60+"}}`` -> ``{"participant.age_band": "60+"}``."""
    out: dict = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def read_markdown(delivery: Delivery) -> dict:
    """Front matter fields plus ``body`` (the Markdown after the second ``---``)."""
    text = decode(delivery.data, delivery.location)
    if not text.lstrip().startswith("---"):
        raise RefusedFile(f"缺少 front matter / no front-matter block in {delivery.location}")
    _, front, body = text.lstrip().split("---", 2) if text.count("---") >= 2 else ("", "", "")
    try:
        meta = yaml.safe_load(front) or {}
    except yaml.YAMLError as err:
        raise RefusedFile(f"front matter 无法解析 / invalid front matter in {delivery.location}: {err}") from None
    if not isinstance(meta, dict):
        raise RefusedFile(f"front matter 不是键值对 / front matter is not a mapping in {delivery.location}")
    return {**meta, "body": body.strip()}


def records_sheet(records: list[dict]) -> Sheet:
    """Records as a grid whose first row is the header (record i is row i + 1)."""
    if not records:
        raise RefusedFile("没有记录 / the delivery holds no records")
    keys: list[str] = []
    for record in records:
        keys.extend(k for k in record if k not in keys)
    cells = [keys] + [[_cell_text(r.get(k)) for k in keys] for r in records]
    # Record i (1-based) is reported as row i: its line in JSON Lines, its position in an array.
    return Sheet(pd.DataFrame(cells, dtype=str), pd.Series(range(0, len(records) + 1)))
