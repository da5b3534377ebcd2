"""The workbook bombs of issue 19 at full size: refused whole, within bounded memory.

    .venv/bin/python bench/etl_xlsx_bombs.py [--rows 1048577] [--string-mb 400 200]

Makes, in a temporary folder, (a) a workbook of ``--rows`` rows of 20 small cells whose
sheet declares no extent (1,048,577 by default: one more than Excel holds; about 470 MB
of sheet XML in a 2 MB file) and (b) workbooks holding one shared string of each
``--string-mb`` megabytes (a few hundred KB each), then loads each with
``python -m etl load hotline FILE`` into a fresh SQLite warehouse in a child process and
prints the verdict (the refusal's first line), the child's peak resident memory
(``VmHWM``) and the time. The tests make the same bombs small (tests/test_etl_trust.py).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CHILD = """
import sys
from pathlib import Path
from etl import cli
code = cli.main(sys.argv[1:])
peak = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
print("peak_kib", peak.split()[1])
sys.exit(code)
"""
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = ["工单编号", "受理时间", "诉求渠道", "诉求类型", "问题分类", "所属区县", "所属街道", "所属社区", "办理状态", "诉求内容"]


def _skeleton(book: zipfile.ZipFile) -> None:
    book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/content-types"/>')
    book.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {MAIN} xmlns:r="http://schemas.openxmlformats'
                  '.org/officeDocument/2006/relationships"><sheets><sheet name="工单" sheetId="1" r:id="rId1"/>'
                  "</sheets></workbook>")
    book.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                  'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                  'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                  "</Relationships>")


def _inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def rows_bomb(path: Path, rows: int) -> None:
    """``rows`` rows of 20 cells, written as a stream (no dimension: only reading can count them)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        _skeleton(book)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0"?><worksheet {MAIN}><sheetData>'.encode())
            sheet.write(("<row>" + "".join(_inline(h) for h in HEADER) + "</row>").encode())
            body = "".join("<c><v>1</v></c>" for _ in range(20))
            block = ("<row>" + body + "</row>").encode() * 10_000
            left = rows - 1
            while left > 0:
                count = min(left, 10_000)
                sheet.write(block if count == 10_000 else ("<row>" + body + "</row>").encode() * count)
                left -= count
            sheet.write(b"</sheetData></worksheet>")


def string_bomb(path: Path, megabytes: int) -> None:
    """A header and one order whose complaint text is a shared string of ``megabytes`` MB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        _skeleton(book)
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(f'<?xml version="1.0"?><sst {MAIN}><si><t>'.encode())
            piece = b"x" * 2**20
            for _ in range(megabytes):
                strings.write(piece)
            strings.write(b"</t></si></sst>")
        cells = ["A1", "2025-03-07 09:05", "电话", "投诉", "物业管理", "锦江区", "沙河街道", "汇泉路社区", "已办结"]
        row = "".join(_inline(c) for c in cells) + '<c t="s"><v>0</v></c>'
        book.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet {MAIN}><sheetData><row>'
                      + "".join(_inline(h) for h in HEADER) + f"</row><row>{row}</row></sheetData></worksheet>")


def load(path: Path, database: Path) -> None:
    command = [sys.executable, "-c", CHILD, "--database-url", f"sqlite:///{database}", "load", "hotline", str(path)]
    began = time.perf_counter()
    child = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    peak = int(child.stdout.split("peak_kib", 1)[1].split()[0]) if "peak_kib" in child.stdout else 0
    verdict = (child.stderr.strip().splitlines() or ["(nothing on stderr)"])[0]
    print(f"{path.name}: {path.stat().st_size / 2**20:,.1f} MiB file, exit {child.returncode} in {seconds:.0f} s, "
          f"peak resident memory {peak / 1024:,.0f} MiB\n  {verdict[:300]}", flush=True)
    for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_048_577)
    parser.add_argument("--string-mb", type=int, nargs="+", default=[400, 200])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csb-bombs-") as folder:
        work = Path(folder)
        rows = work / "rows_bomb.xlsx"
        rows_bomb(rows, args.rows)
        load(rows, work / "warehouse.db")
        rows.unlink()
        for megabytes in args.string_mb:
            path = work / f"string_bomb_{megabytes}mb.xlsx"
            string_bomb(path, megabytes)
            load(path, work / "warehouse.db")
            path.unlink()
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
