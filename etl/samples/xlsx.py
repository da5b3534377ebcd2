"""A small, fast, byte-reproducible XLSX writer.

The office libraries stamp the current time into the file and write a few hundred
thousand cells a second; sample generation needs identical bytes for identical arguments
and millions of cells. This writer formats the sheet XML a column at a time (inline
strings, no shared-string table), which is several times faster, and zips it with fixed
timestamps. It does what the exports need: text, numbers, date-formatted serials,
numbers stored as text, and merged cells.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from etl.extract import column_letters

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

DATE_STYLE = 1  # numFmt 22: m/d/yy h:mm; Excel and readers show such serials as date-times

_STYLES = (
    _HEAD + f"<styleSheet {_NS}>"
    '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cells(letter: str, rows: range, values, kind: str) -> list[str]:
    """The XML of one column's cells; empty text and NaN leave the cell out."""
    values = values.tolist() if hasattr(values, "tolist") else list(values)
    if kind == "s":
        text = ["" if v is None or v != v else str(v) for v in values]
        if any(ch in "".join(text) for ch in "&<>"):
            text = [_escape(t) for t in text]
        return [f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>'
                if t else "" for r, t in zip(rows, text)]
    style = f' s="{DATE_STYLE}"' if kind == "d" else ""
    out = []
    for r, v in zip(rows, values):
        if v is None or v != v:
            out.append("")
        elif isinstance(v, str):  # kind "m": a number stored as text among numbers
            out.append(f'<c r="{letter}{r}" t="inlineStr"><is><t>{_escape(v)}</t></is></c>')
        else:
            shown = int(v) if float(v).is_integer() else v
            out.append(f'<c r="{letter}{r}"{style}><v>{shown}</v></c>')
    return out


class Sheet:
    """Rows of one worksheet, appended top to bottom."""

    def __init__(self, name: str):
        self.name = name
        self.parts: list[str] = []
        self.merges: list[str] = []
        self.next_row = 1
        self.width = 1

    def row(self, values: list, kinds: str | None = None) -> None:
        """One row from Python values; ``kinds`` per cell: s text, n number, d date serial,
        m numbers some of which are stored as text."""
        kinds = kinds or "".join("n" if isinstance(v, (int, float)) and not isinstance(v, bool)
                                 else "s" for v in values)
        columns = [(np.array([v], dtype=object), k) for v, k in zip(values, kinds)]
        self.block(columns)

    def blank_rows(self, count: int) -> None:
        """Rows that are there but empty, as Excel leaves them after deleting content."""
        for _ in range(count):
            self.parts.append(f'<row r="{self.next_row}"/>')
            self.next_row += 1

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.merges.append(f"{column_letters(first_col)}{first_row}:"
                           f"{column_letters(last_col)}{last_row}")

    def block(self, columns: list[tuple[np.ndarray, str]]) -> None:
        """Many rows at once from column arrays; kinds as in :meth:`row`."""
        n = len(columns[0][0])
        if n == 0:
            return
        rows = range(self.next_row, self.next_row + n)
        cells = [_cells(column_letters(j), rows, values, kind)
                 for j, (values, kind) in enumerate(columns)]
        self.parts.append("".join(f'<row r="{r}">{"".join(c)}</row>'
                                  for r, c in zip(rows, zip(*cells))))
        self.next_row += n
        self.width = max(self.width, len(columns))

    def xml(self) -> str:
        last = max(self.next_row - 1, 1)
        dim = f"A1:{column_letters(self.width - 1)}{last}"
        merges = ""
        if self.merges:
            merges = (f'<mergeCells count="{len(self.merges)}">'
                      + "".join(f'<mergeCell ref="{m}"/>' for m in self.merges) + "</mergeCells>")
        return (f"{_HEAD}<worksheet {_NS} {_R_NS}><dimension ref=\"{dim}\"/><sheetData>"
                + "".join(self.parts) + f"</sheetData>{merges}</worksheet>")


def write_workbook(path: Path, sheets: list[Sheet]) -> Path:
    """Zip the sheets into an .xlsx with fixed timestamps (same sheets, same bytes)."""
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
    parts = {
        "[Content_Types].xml": (
            _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + overrides + "</Types>"),
        "_rels/.rels": (
            _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            _HEAD + f"<workbook {_NS} {_R_NS}><sheets>"
            + "".join(f'<sheet name="{s.name}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, s in enumerate(sheets, 1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                      f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
              'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": _STYLES,
    }
    for i, sheet in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheet.xml()
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"), compresslevel=1)
    return path
