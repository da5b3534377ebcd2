"""How much memory the ETL takes to load a full-height XLSX hotline export.

    .venv/bin/python bench/etl_xlsx_memory.py [--rows 1048575] [--shared-strings] [--keep DIR]

Writes a workbook of ``--rows`` work orders (Excel's maximum, 1,048,575 under the header,
by default; the throughput benchmark's realistic rows, 16 columns) with xlsxwriter in
constant-memory mode (inline strings; ``--shared-strings``: a shared-string table as Excel
and WPS write it, which takes the writer far more memory and time), then loads it with
``python -m etl load hotline FILE`` into a fresh SQLite warehouse in a child process and
prints the load's peak resident memory (the child's own ``VmHWM``, cross-checked by
sampling), next to the file's size and its sheet's and shared strings' unpacked sizes.
The ETL reads a workbook's sheet as it unpacks it, at most
``etl.extract.XLSX_CHUNK_ROWS`` rows at a time, so the peak depends on that and on the
shared strings, not on the number of rows. The file and the warehouse are deleted afterwards.
"""
from __future__ import annotations

import argparse
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import xlsxwriter  # type: ignore[import-untyped]  # ships no types; only this benchmark writes a workbook itself

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import load_line, scratch  # noqa: E402
from etl_memory import measure  # noqa: E402
from etl_throughput import write_export  # noqa: E402

BLOCK = 100_000


def write_workbook(path: Path, rows: int, folder: Path, shared: bool = False) -> None:
    """Blocks of orders (CSV, then into the sheet row by row): memory holds one block
    (unless the strings are ``shared``: then the writer holds the whole sheet)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": not shared, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    at = 0
    scratch = folder / "block.csv"
    while at < rows:
        count = min(BLOCK, rows - at)
        write_export(scratch, count, seed=7 + at // BLOCK, first=at)
        frame = pd.read_csv(scratch, encoding="gbk", dtype=str, keep_default_na=False, skiprows=1)
        if at == 0:
            sheet.write_row(0, 0, list(frame.columns))
        for offset, values in enumerate(frame.itertuples(index=False, name=None)):
            sheet.write_row(at + offset + 1, 0, values)
        at += count
        print(f"  {at:,} rows", flush=True)
    scratch.unlink(missing_ok=True)
    book.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_048_575)
    parser.add_argument("--shared-strings", action="store_true", help="a shared-string table, as Excel writes")
    parser.add_argument("--keep", type=Path, help="write the files here (still deleted afterwards)")
    args = parser.parse_args()

    with scratch(args.keep, "csb-xlsx-memory-", "hotline_big.xlsx") as (path, database):
        folder = path.parent
        began = time.perf_counter()
        write_workbook(path, args.rows, folder, args.shared_strings)
        size = path.stat().st_size
        parts = {i.filename: i.file_size for i in zipfile.ZipFile(path).infolist()}
        sheet, strings = parts["xl/worksheets/sheet1.xml"], parts.get("xl/sharedStrings.xml", 0)
        print(f"workbook: {args.rows:,} rows, {size / 2**20:,.0f} MiB, its sheet {sheet / 2**20:,.0f} MiB unpacked, "
              f"shared strings {strings / 2**20:,.0f} MiB, written in {time.perf_counter() - began:.0f} s")
        if not measure(path, database, args.rows, size, None):
            return 1
        print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
