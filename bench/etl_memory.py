"""How much memory the ETL takes to load a 2 GB hotline export.

    .venv/bin/python bench/etl_memory.py [--gb 2] [--chunk-rows N [N ...]] [--keep DIR]

Writes a GBK work-order export of about ``--gb`` GB (the throughput benchmark's realistic
rows, in blocks of a million, so writing it takes little memory either), then loads it
with the ``python -m etl load hotline FILE`` command into a fresh SQLite warehouse in a
child process, once per ``--chunk-rows`` value, and prints the load's peak resident
memory, next to the file's size and rows. The peak is the child's own ``VmHWM`` (read
in the child when the load is done; ``getrusage`` would count the parent's memory the
child was forked from), cross-checked by sampling ``/proc/PID/status``. The file and the
warehouse are deleted afterwards. The ETL reads a CSV ``chunk_rows`` rows at a time
(``etl/sources.yaml``), so the peak depends on that, not on the size of the file.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import load_line, scratch  # noqa: E402
from etl_throughput import write_export  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
BLOCK = 1_000_000
# The load, as `python -m etl` runs it, then this process's own high-water mark of memory.
CHILD = """
import sys
from pathlib import Path
from etl import cli
code = cli.main(sys.argv[1:])
peak = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
print("peak_kib", peak.split()[1])
sys.exit(code)
"""


def write_big_export(path: Path, gigabytes: float) -> int:
    """Blocks of a million orders (each its own seed and order numbers) up to the size."""
    rows = 0
    while not path.exists() or path.stat().st_size < gigabytes * 1e9:
        write_export(path, BLOCK, seed=7 + rows // BLOCK, first=rows, append=rows > 0)
        rows += BLOCK
        print(f"  {rows:,} rows, {path.stat().st_size / 1e9:.2f} GB", flush=True)
    return rows


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(path: Path, database: Path, rows: int, size: int, chunk_rows: int | None) -> bool:
    """Load the export into a fresh warehouse in a child process; print its peak memory."""
    command = [sys.executable, "-c", CHILD, "--database-url", f"sqlite:///{database}", "load", "hotline", str(path)]
    if chunk_rows:
        command += ["--chunk-rows", str(chunk_rows)]
    began, sampled = time.perf_counter(), 0
    child = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while child.poll() is None:
        sampled = max(sampled, rss_kb(child.pid))
        time.sleep(0.2)
    out, err = child.communicate()
    seconds = time.perf_counter() - began
    if child.returncode != 0:
        print(f"load failed with status {child.returncode}: {err.strip()}")
        return False
    peak = int(out.split("peak_kib", 1)[1].split()[0])
    print(out.split("peak_kib", 1)[0].strip())
    print(f"chunk_rows {chunk_rows or 'from etl/sources.yaml'}: load {seconds:.0f} s wall, {rows / seconds:,.0f} rows/s; "
          f"peak resident memory {peak / 1024:,.0f} MiB (sampled: {sampled / 1024:,.0f} MiB) "
          f"for a {size / 2**20:,.0f} MiB file")
    for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=2.0)
    parser.add_argument("--chunk-rows", type=int, nargs="+", metavar="N",
                        help="rows in memory at once, one load per value (default: etl/sources.yaml)")
    parser.add_argument("--keep", type=Path, help="write the files here (still deleted afterwards)")
    args = parser.parse_args()

    with scratch(args.keep, "csb-memory-", "hotline_big.csv") as (path, database):
        began = time.perf_counter()
        rows = write_big_export(path, args.gb)
        size = path.stat().st_size
        print(f"export: {rows:,} rows, {size / 1e9:.2f} GB GBK, written in {time.perf_counter() - began:.0f} s")

        for chunk_rows in args.chunk_rows or [None]:
            database.unlink(missing_ok=True)
            if not measure(path, database, rows, size, chunk_rows):
                return 1
        print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
