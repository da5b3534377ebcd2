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
import html
import io
import json
import re
import zipfile
import zlib
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse
from xml.parsers import expat
from xml.parsers.expat import ExpatError

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
    """What a source accepts (from ``etl/sources.yaml``): a delivery's size, its longest
    line, how many rows of a CSV are in memory at once; for a workbook, the unpacked size
    of its sheet and of its shared strings, its rows, columns and longest cell (Excel's
    own maxima by default); and the plausible dates of its rows: none before ``earliest``,
    none more than ``days_ahead`` days after the day of the load."""

    max_bytes: int = 256 * 2**20
    max_line_bytes: int = 2**20
    chunk_rows: int = 1_000_000
    max_unpacked_bytes: int = 2 * 2**30  # a sheet's XML: 1,048,576 rows of 20 cells are about 0.5 GB
    max_strings_bytes: int = 256 * 2**20  # the shared strings' XML: held in memory while the sheet is read
    max_rows: int = 1_048_576  # Excel's own maximum
    max_columns: int = 16_384  # Excel's own maximum (XFD)
    max_cell_chars: int = 32_767  # Excel's own maximum
    earliest: date = date(2000, 1, 1)
    days_ahead: int = 1


BINARY_FORMATS = {".xlsx", ".xlsm", ".xls"}


def inspect(delivery: Delivery, limits: Limits) -> str:
    """Refuse a delivery too large or too odd for its source; return its sha256.

    One pass over the bytes (one block in memory) computes the checksum and, for text
    formats, finds NUL bytes (a binary file posing as a CSV) and the longest line (a
    line of megabytes is a broken or hostile export, not a spreadsheet row), so nothing
    is parsed that would exhaust the machine. A checksum the delivery already holds (a
    folder's pass names each file's bytes before loading it) is not computed again.
    """
    name = delivery.name or delivery.location
    if delivery.size > limits.max_bytes:
        raise RefusedFile(
            f"文件过大 / {name} is {_mb(delivery.size)}, over this source's limit of {_mb(limits.max_bytes)} "
            f"(max_mb in etl/sources.yaml)"
        )
    text = delivery.suffix not in BINARY_FORMATS and delivery.head(4) != b"PK\x03\x04"
    lined = text and delivery.suffix != ".json"  # a JSON document may be one long line
    digest = hashlib.sha256() if delivery._checksum is None else None
    offset = line_start = lines = 0  # bytes seen, where the current line began, line breaks seen
    for block in delivery.blocks():
        if digest is not None:
            digest.update(block)
        if text:
            nul = block.find(b"\x00")
            if nul >= 0:
                row = lines + block.count(b"\n", 0, nul) + 1
                raise RefusedFile(f"不是文本文件 / {name}, 第 {row} 行 / row {row}: holds binary data (a NUL byte, "
                                  f"byte {offset + nul} of the file): not a CSV or JSON export")
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
        elif text:
            lines += block.count(b"\n")
        offset += len(block)
    if digest is not None:
        delivery._checksum = digest.hexdigest()
    assert delivery._checksum is not None
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
        row = data.count(b"\n", 0, utf8_error.start) + 1
        raise RefusedFile(
            f"无法识别文件编码 / cannot decode {Path(location).name or 'the file'} as UTF-8 or GBK: "
            f"第 {row} 行 / row {row} (byte {utf8_error.start}); the file may be damaged or not a text export"
        ) from None


def decode(data: bytes, location: str = "") -> str:
    """Text of a CSV/JSON export: UTF-8 (with or without BOM), else GBK/GB18030."""
    encoding = detect_encoding(data, location)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        row = data.count(b"\n", 0, err.start) + 1
        raise RefusedFile(f"文件编码损坏 / {Path(location).name}, 第 {row} 行 / row {row}: cannot decode "
                          f"byte {err.start} as {encoding}") from None


# --- readers ------------------------------------------------------------------------

def is_workbook(delivery: Delivery) -> bool:
    return delivery.suffix in BINARY_FORMATS or delivery.head(4) == b"PK\x03\x04"


def read_sheet(delivery: Delivery, limits: Limits | None = None) -> Sheet:
    """The delivery as a grid of text cells, whatever its tabular format."""
    if all(not block.strip() for block in delivery.blocks()):  # stops at the first non-blank block
        raise RefusedFile(f"文件为空 / the file is empty: {delivery.location}")
    suffix = delivery.suffix
    if is_workbook(delivery):
        return read_excel(delivery, limits)
    if suffix in (".json", ".jsonl", ".ndjson"):
        return records_sheet(read_records(delivery), delivery.location)
    if suffix in (".md", ".markdown"):
        return records_sheet([read_markdown(delivery)], delivery.location)
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
        row, offset = undecodable(delivery, encoding)
        where = f"第 {row} 行 / row {row} (byte {offset})" if row else err.reason
        raise RefusedFile(f"文件编码损坏 / {delivery.location}: cannot decode as {encoding} (the encoding of its "
                          f"first lines): {where}; the file mixes encodings or is damaged") from None
    except (pd.errors.ParserError, csv.Error, ValueError) as err:
        raise RefusedFile(f"CSV 无法解析 / cannot parse the CSV {delivery.location}: {err}") from None


def undecodable(delivery: Delivery, encoding: str) -> tuple[int | None, int | None]:
    """The row (line) and byte offset of the first bytes that are not ``encoding``
    (None, None if there are none): one pass, a block in memory."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = lines = 0
    for block in delivery.blocks():
        try:
            decoder.decode(block, final=False)
        except UnicodeDecodeError as err:
            # The decoder's error offset is within what it was given: its pending bytes and this block.
            start = max(err.start - (len(err.object) - len(block)), 0)
            return lines + block.count(b"\n", 0, start) + 1, offset + start
        lines += block.count(b"\n")
        offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return lines + 1, offset
    return None, None


def _column_names(head: str, delimiter: str) -> list[int]:
    """Enough columns for the widest of the first lines (title rows are narrower)."""
    lines = head.splitlines()[:50]
    width = max((len(row) for row in csv.reader(lines, delimiter=delimiter)), default=1)
    return list(range(max(width, 1)))


# --- workbooks -------------------------------------------------------------------------

XLSX_CHUNK_ROWS = 50_000  # rows of a workbook held at once: a chunk of a big sheet
XML_PART_MAX = 16 * 2**20  # the workbook's small parts (its sheet list, relations, styles)
_SHEET_BLOCK = 2**20  # unpacked bytes fed to the XML parser at a time
# Built-in number formats that are dates or times (ids 27-36 and 50-58: the CJK locales' 年月日).
_DATE_FORMATS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)}
_EPOCHS = (datetime(1899, 12, 30), datetime(1904, 1, 1))


def column_letters(index: int) -> str:
    """0 -> ``A``, 26 -> ``AA``: a column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(reference: str) -> int:
    """``AB12`` -> 27 (the column of a cell reference, from 0)."""
    index = 0
    for ch in reference:
        if "A" <= ch <= "Z":
            index = index * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            index = index * 26 + ord(ch) - 96
        else:
            break
    return index - 1


def _is_date_code(code: str) -> bool:
    """Whether a custom number format shows a date or time (``yyyy"年"m"月"``, ``hh:mm``)."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]', "", code)
    return bool(re.search(r"[dmyhs]", code, re.IGNORECASE))


class _Strings:
    """The workbook's shared strings, packed: one UTF-8 buffer and where each ends (memory:
    about the strings' own size, not a Python object each). A string longer than a cell
    may be is not kept: a cell that uses it is refused, with its row and column."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.ends = array("q")
        self.too_long: dict[int, int] = {}  # index -> its length in characters

    def add(self, text: str) -> None:
        self.blob += text.encode("utf-8")
        self.ends.append(len(self.blob))

    def __len__(self) -> int:
        return len(self.ends)

    def get(self, index: int) -> str:
        start = self.ends[index - 1] if index else 0
        return self.blob[start:self.ends[index]].decode("utf-8")


class Workbook:
    """The first sheet of an XLSX/XLSM workbook, read row by row with bounded memory.

    Before any row is read, the zip's declared sizes of the sheet and of its shared
    strings are checked against the source's limits (``max_unpacked_mb``,
    ``max_strings_mb``); while reading, the bytes actually unpacked are counted too (a
    zip can lie about them), and so are rows (``max_rows``), columns (``max_columns``)
    and each cell's length (``max_cell_chars``). Any of them over the limit refuses the
    whole file, naming the row and column where it happened. The sheet's XML is parsed
    as it is unpacked (expat, no DTDs or entities), so memory holds the shared strings
    (packed) and one chunk of rows.
    """

    def __init__(self, delivery: Delivery, limits: Limits | None = None):
        self.delivery, self.limits = delivery, limits or Limits()
        self.name = delivery.name or delivery.location
        try:
            self.zip = zipfile.ZipFile(delivery._file if delivery._data is None else io.BytesIO(delivery.data))
            self.sheet_part, strings_part, styles_part, book = self._parts()
            self.date_styles = self._date_styles(styles_part)
            self.epoch = _EPOCHS[1] if re.search(rb'date1904="(1|true)"', book) else _EPOCHS[0]
        except (zipfile.BadZipFile, KeyError, OSError, ExpatError, ValueError) as err:
            if hasattr(self, "zip"):
                self.zip.close()
            raise RefusedFile(f"Excel 文件无法打开 / cannot open the workbook {delivery.location}: {err}") from None
        try:
            self._check_declared(self.sheet_part, self.limits.max_unpacked_bytes, "max_unpacked_mb")
            if strings_part is not None:
                self._check_declared(strings_part, self.limits.max_strings_bytes, "max_strings_mb")
            self.strings = self._read_strings(strings_part) if strings_part is not None else _Strings()
        except BaseException:
            self.zip.close()
            raise

    # -- parts --------------------------------------------------------------------------
    def _small(self, name: str) -> bytes:
        info = self.zip.getinfo(name)
        if info.file_size > XML_PART_MAX:
            raise ValueError(f"{name} unpacks to {_mb(info.file_size)}, more than a workbook's {_mb(XML_PART_MAX)}")
        with self.zip.open(info) as part:
            data = part.read(XML_PART_MAX + 1)
        if len(data) > XML_PART_MAX or b"<!DOCTYPE" in data:
            raise ValueError(f"{name} is not a workbook part")
        return data

    def _parts(self) -> tuple[zipfile.ZipInfo, zipfile.ZipInfo | None, str | None, bytes]:
        names = set(self.zip.namelist())
        book = self._small("xl/workbook.xml")
        sheet = "xl/worksheets/sheet1.xml"
        first = re.search(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"', book) or \
            re.search(rb'<(?:\w+:)?sheet\b[^>]*?\b\w+:id="([^"]+)"', book)
        if first is not None and "xl/_rels/workbook.xml.rels" in names:
            rels = self._small("xl/_rels/workbook.xml.rels")
            for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
                if re.search(rb'\bId="' + re.escape(first.group(1)) + rb'"', rel.group(0)):
                    target = re.search(rb'\bTarget="([^"]+)"', rel.group(0))
                    if target is not None:
                        path = target.group(1).decode("utf-8")
                        sheet = path.lstrip("/") if path.startswith("/") else "xl/" + path
        strings = next((n for n in ("xl/sharedStrings.xml", "xl/SharedStrings.xml") if n in names), None)
        styles = "xl/styles.xml" if "xl/styles.xml" in names else None
        return (self.zip.getinfo(sheet), self.zip.getinfo(strings) if strings else None, styles, book)

    def _check_declared(self, info: zipfile.ZipInfo, limit: int, key: str) -> None:
        if info.file_size > limit:
            raise RefusedFile(
                f"工作簿解压后过大 / {self.name}: {info.filename} unpacks to {_mb(info.file_size)}, over this "
                f"source's limit of {_mb(limit)} ({key} in etl/sources.yaml); nothing of the file is loaded")

    def _date_styles(self, styles: str | None) -> set[int]:
        """Positions of the cell styles whose number format is a date or a time."""
        if styles is None:
            return set()
        data = self._small(styles)
        custom = {int(m.group(1)): _is_date_code(html.unescape(m.group(2).decode("utf-8")))
                  for m in re.finditer(rb'<(?:\w+:)?numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"', data)}
        xfs = re.search(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", data, re.DOTALL)
        found = set()
        for position, xf in enumerate(re.finditer(rb"<(?:\w+:)?xf\b[^>]*>", xfs.group(0) if xfs else b"")):
            number = re.search(rb'numFmtId="(\d+)"', xf.group(0))
            code = int(number.group(1)) if number else 0
            if code in _DATE_FORMATS or custom.get(code, False):
                found.add(position)
        return found

    def _stream(self, info: zipfile.ZipInfo, limit: int, key: str):
        """The part's unpacked bytes in blocks, refused once more than ``limit`` came out."""
        seen = 0
        with self.zip.open(info) as part:
            while block := part.read(_SHEET_BLOCK):
                seen += len(block)
                if seen > limit:
                    raise RefusedFile(
                        f"工作簿解压后过大 / {self.name}: {info.filename} unpacks to more than {_mb(limit)} "
                        f"(its zip entry claims {_mb(info.file_size)}; {key} in etl/sources.yaml)")
                yield block

    @staticmethod
    def _parser():
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 1 << 16

        def no_doctype(*_args) -> None:
            raise RefusedFile("DOCTYPE")

        parser.StartDoctypeDeclHandler = no_doctype
        parser.EntityDeclHandler = no_doctype
        return parser

    def _read_strings(self, info: zipfile.ZipInfo) -> _Strings:
        strings, limit = _Strings(), self.limits.max_cell_chars
        state = {"text": False, "phonetic": 0, "length": 0}
        pieces: list[str] = []

        def start(name: str, _attrs) -> None:
            local = name.rpartition(":")[2]
            if local == "t" and not state["phonetic"]:
                state["text"] = True
            elif local == "rPh":
                state["phonetic"] += 1
            elif local == "si":
                pieces.clear()
                state["length"] = 0

        def end(name: str) -> None:
            local = name.rpartition(":")[2]
            if local == "t":
                state["text"] = False
            elif local == "rPh":
                state["phonetic"] -= 1
            elif local == "si":
                if state["length"] > limit:
                    strings.too_long[len(strings)] = state["length"]
                    strings.add("")
                else:
                    strings.add("".join(pieces))

        def text(data: str) -> None:
            if state["text"]:
                state["length"] += len(data)
                if state["length"] <= limit:
                    pieces.append(data)

        parser = self._parser()
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
        try:
            for block in self._stream(info, self.limits.max_strings_bytes, "max_strings_mb"):
                parser.Parse(block, False)
            parser.Parse(b"", True)
        except ExpatError as err:
            raise RefusedFile(f"Excel 文件损坏 / {self.name}: its shared strings are damaged ({err})") from None
        except RefusedFile as err:
            if str(err) == "DOCTYPE":
                raise RefusedFile(f"Excel 文件不合规 / {self.name}: its shared strings declare a DTD") from None
            raise
        return strings

    # -- rows ---------------------------------------------------------------------------
    def rows(self):
        """``(row number, [cell text, ...])`` for every row that holds a cell, in order."""
        limits, strings, dates, epoch = self.limits, self.strings, self.date_styles, self.epoch
        name = self.name
        done: list[tuple[int, list[str]]] = []
        cache: dict[int, str] = {}
        columns: dict[str, int] = {}  # column letters -> position, worked out once each
        state: dict = {"row": 0, "col": -1, "type": "n", "style": 0, "text": False, "phonetic": 0, "length": 0}
        cells: dict[int, str] = {}
        pieces: list[str] = []

        def refuse(why: str) -> RefusedFile:
            zh, en = f"第 {state['row']} 行", f"row {state['row']}"
            if state["col"] >= 0:
                letters = column_letters(state["col"])
                zh, en = f"{zh} {letters} 列", f"{en}, column {letters}"
            return RefusedFile(f"{why.split(' / ')[0]}（{zh}） / {name}, {en}: {why.split(' / ', 1)[-1]}")

        def start(tag: str, attrs: dict) -> None:
            local = tag.rpartition(":")[2]
            if local == "c":
                reference = attrs.get("r")
                if reference:
                    letters = reference.rstrip("0123456789")
                    column = columns.get(letters)
                    if column is None:
                        column = columns[letters] = _column_index(letters)
                    state["col"] = column
                else:
                    state["col"] += 1
                if state["col"] >= limits.max_columns:
                    raise refuse(f"列数过多 / more than {limits.max_columns:,} columns "
                                 f"(max_columns in etl/sources.yaml)")
                state["type"] = attrs.get("t", "n")
                style = attrs.get("s")
                state["style"] = int(style) if style else 0
                pieces.clear()
                state["length"] = 0
            elif local == "v" or (local == "t" and not state["phonetic"]):
                state["text"] = True
            elif local == "rPh":
                state["phonetic"] += 1
            elif local == "dimension":  # the sheet's declared extent, before its first row: refuse early
                corner = str(attrs.get("ref", "")).rpartition(":")[2]
                digits = corner.lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz").lstrip("$")
                if digits.isdigit() and int(digits) > limits.max_rows:
                    state["row"] = limits.max_rows + 1
                    raise refuse(f"行数过多 / the sheet declares {int(digits):,} rows, more than {limits.max_rows:,} "
                                 f"(max_rows in etl/sources.yaml)")
                if corner[:1].isalpha() and _column_index(corner) >= limits.max_columns:
                    state["row"], state["col"] = 1, limits.max_columns
                    raise refuse(f"列数过多 / the sheet declares {_column_index(corner) + 1:,} columns, more than "
                                 f"{limits.max_columns:,} (max_columns in etl/sources.yaml)")
            elif local == "row":
                number = attrs.get("r")
                state["row"] = int(number) if number else state["row"] + 1
                state["col"] = -1
                if state["row"] > limits.max_rows:
                    raise refuse(f"行数过多 / more than {limits.max_rows:,} rows (max_rows in etl/sources.yaml)")
                cells.clear()

        def end(tag: str) -> None:
            local = tag.rpartition(":")[2]
            if local in ("v", "t"):
                state["text"] = False
            elif local == "rPh":
                state["phonetic"] -= 1
            elif local == "c":
                value = "".join(pieces)
                kind = state["type"]
                if kind == "s" and value:
                    index = int(value)
                    if index in strings.too_long:
                        raise refuse(f"单元格过长 / a cell of {strings.too_long[index]:,} characters, more than "
                                     f"{limits.max_cell_chars:,} (max_cell_chars in etl/sources.yaml)")
                    if index >= len(strings):
                        raise refuse("Excel 文件损坏 / the cell names a shared string the workbook lacks")
                    text = cache.get(index)
                    if text is None:
                        text = cache[index] = strings.get(index)
                elif kind == "b":
                    text = "True" if value.strip() in ("1", "true") else "False"
                elif kind in ("n", "") and value:
                    try:
                        number = float(value)
                    except ValueError:
                        raise refuse(f"Excel 文件损坏 / {value[:40]!r} is not a number") from None
                    text = _serial_text(number, epoch) if state["style"] in dates else _cell_text(number)
                else:  # inline and formula strings, errors, ISO dates: as written
                    text = value
                if text:
                    cells[state["col"]] = text
            elif local == "row" and cells:
                row = [""] * (max(cells) + 1)
                for position, text in cells.items():
                    row[position] = text
                done.append((state["row"], row))

        def text(data: str) -> None:
            if state["text"]:
                state["length"] += len(data)
                if state["length"] > limits.max_cell_chars:
                    raise refuse(f"单元格过长 / a cell longer than {limits.max_cell_chars:,} characters "
                                 f"(max_cell_chars in etl/sources.yaml)")
                pieces.append(data)

        parser = self._parser()
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
        try:
            for block in self._stream(self.sheet_part, limits.max_unpacked_bytes, "max_unpacked_mb"):
                parser.Parse(block, False)
                if done:
                    yield from done
                    done.clear()
                    if len(cache) > 1 << 16:
                        cache.clear()
            parser.Parse(b"", True)
            yield from done
        except ExpatError as err:
            raise RefusedFile(f"Excel 文件损坏 / {name}: the sheet is damaged near row {state['row']} ({err})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as err:
            raise RefusedFile(f"Excel 文件损坏 / {name}: the sheet cannot be unpacked near row {state['row']} "
                              f"({err})") from None
        except RefusedFile as err:
            if str(err) == "DOCTYPE":
                raise RefusedFile(f"Excel 文件不合规 / {name}: the sheet declares a DTD") from None
            raise

    def chunks(self, chunk_rows: int):
        """The rows as Sheets of at most ``chunk_rows`` rows (row numbers as in Excel),
        each at least as wide as the ones before it."""
        width = 0
        batch: list[list[str]] = []
        numbers: list[int] = []
        try:
            for number, row in self.rows():
                batch.append(row)
                numbers.append(number)
                if len(batch) >= chunk_rows:
                    width = max(width, max(map(len, batch)))
                    yield _grid(batch, numbers, width)
                    batch, numbers = [], []
        finally:
            self.zip.close()
        if batch or not width:
            width = max(width, max(map(len, batch), default=0))
            if not batch and not width:
                raise RefusedFile(f"工作表为空 / the first sheet is empty: {self.delivery.location}")
            yield _grid(batch, numbers, width)


def _grid(rows: list[list[str]], numbers: list[int], width: int) -> Sheet:
    frame = pd.DataFrame([row + [""] * (width - len(row)) for row in rows], columns=range(width), dtype=object)
    return Sheet(frame, pd.Series(numbers, dtype="int64"))


def _serial_text(serial: float, epoch: datetime) -> str:
    """An Excel date serial as the text a person sees: a date, a time or both."""
    if serial < 0 or serial > 2_958_465:  # before the epoch or after 9999-12-31: show the number
        return _cell_text(serial)
    moment = epoch + timedelta(milliseconds=round(serial * 86_400_000))
    if serial < 1:
        return moment.time().isoformat()
    if moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.isoformat(sep=" ")


def read_excel_chunks(delivery: Delivery, chunk_rows: int | None = None, limits: Limits | None = None):
    """A workbook's first sheet in Sheets of ``chunk_rows`` rows (default
    :data:`XLSX_CHUNK_ROWS`); an old ``.xls`` (no zip: at most 65,536 rows of 256
    columns, all in its file) in one."""
    limits = limits or Limits()
    if delivery.head(4) == b"PK\x03\x04":  # a zip: XLSX/XLSM whatever its name (an .xls renamed is not)
        yield from Workbook(delivery, limits).chunks(min(chunk_rows or XLSX_CHUNK_ROWS, XLSX_CHUNK_ROWS))
        return
    yield _read_xls(delivery, limits)


def read_excel(delivery: Delivery, limits: Limits | None = None) -> Sheet:
    """First sheet of a workbook, cells as Excel shows them (dates as dates), all of it."""
    sheets = list(read_excel_chunks(delivery, None, limits))
    if len(sheets) == 1:
        return sheets[0]
    width = max(len(s.frame.columns) for s in sheets)
    frame = pd.concat([s.frame.reindex(columns=range(width), fill_value="") for s in sheets], ignore_index=True)
    return Sheet(frame, pd.concat([s.row_numbers for s in sheets], ignore_index=True))


def _read_xls(delivery: Delivery, limits: Limits) -> Sheet:
    """An old binary ``.xls`` (calamine); its rows, columns and cells checked after reading."""
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
    name = delivery.name or delivery.location
    if len(rows) > limits.max_rows:
        raise RefusedFile(f"行数过多 / {name}, row {limits.max_rows + 1:,}: more than {limits.max_rows:,} rows "
                          f"(max_rows in etl/sources.yaml)")
    width = max(len(r) for r in rows)
    cells = []
    for number, r in enumerate(rows, start=1):
        if len(r) > limits.max_columns and any(v not in (None, "") for v in r[limits.max_columns:]):
            raise RefusedFile(f"列数过多 / {name}, row {number}, column {column_letters(limits.max_columns)}: "
                              f"more than {limits.max_columns:,} columns (max_columns in etl/sources.yaml)")
        texts = [_cell_text(v) for v in r]
        for position, text in enumerate(texts):
            if len(text) > limits.max_cell_chars:
                raise RefusedFile(f"单元格过长 / {name}, row {number}, column {column_letters(position)}: a cell "
                                  f"longer than {limits.max_cell_chars:,} characters (max_cell_chars in etl/sources.yaml)")
        cells.append(texts + [""] * (width - len(r)))
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
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise RefusedFile(f"JSON 不是记录列表 / expected a list of records in {delivery.location}")
        flat = [flatten(r) for r in records]
    except json.JSONDecodeError as err:
        raise RefusedFile(f"JSON 无法解析 / invalid JSON in {delivery.location}, line {err.lineno}, "
                          f"column {err.colno}: {err.msg}") from None
    except RecursionError:
        raise RefusedFile(f"JSON 嵌套过深 / {delivery.location}: nested too deeply to be a list of records") from None
    if not flat:
        raise RefusedFile(f"没有记录 / the delivery holds no records: {delivery.location} is an empty list")
    return flat


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


def records_sheet(records: list[dict], location: str = "") -> Sheet:
    """Records as a grid whose first row is the header (record i is row i + 1)."""
    if not records:
        raise RefusedFile(f"没有记录 / the delivery holds no records: {location or 'an empty list'}")
    keys: list[str] = []
    for record in records:
        keys.extend(k for k in record if k not in keys)
    cells = [keys] + [[_cell_text(r.get(k)) for k in keys] for r in records]
    # Record i (1-based) is reported as row i: its line in JSON Lines, its position in an array.
    return Sheet(pd.DataFrame(cells, dtype=str), pd.Series(range(0, len(records) + 1)))
