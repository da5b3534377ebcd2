"""What the benches share: the scratch folder of an export and its warehouse, medians of
timed runs, and the load average every figure is printed with (timings are noisy)."""
from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def load_line() -> str:
    """The machine's load when the figures were taken, to print with them."""
    return f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"


@contextmanager
def scratch(keep: Path | None, prefix: str, export: str) -> Iterator[tuple[Path, Path]]:
    """An export's path and its warehouse's, in ``keep`` (made if need be) or a new temporary
    folder; both (and SQLite's side files) are deleted afterwards, the folder too unless kept."""
    folder = keep or Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    path, database = folder / export, folder / "warehouse.db"
    try:
        yield path, database
    finally:
        for leftover in (path, database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            leftover.unlink(missing_ok=True)
        if not keep:
            folder.rmdir()


def medians(runs: Iterable[Sequence[float]]) -> tuple[float, float]:
    """The median wall and CPU seconds of runs timed as (wall, CPU, ...)."""
    kept = list(runs)
    return statistics.median(r[0] for r in kept), statistics.median(r[1] for r in kept)


def ratio_line(name: str, top: tuple[float, float], bottom: tuple[float, float]) -> str:
    """"ratio A / B: 1.20 wall, 1.10 CPU" of two (wall, CPU) medians."""
    return f"ratio {name}: {top[0] / bottom[0]:.2f} wall, {top[1] / bottom[1]:.2f} CPU"
