"""``python -m etl.samples``: write the sample exports (see :func:`etl.samples.generate`)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from data import settings

from . import DEFAULT_SEED, SOURCES, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.samples", description=__doc__)
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: CSB_SAMPLES_DIR or var/samples)")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=None,
                        help="last day covered, YYYY-MM-DD (default: yesterday, so nothing is later than now)")
    parser.add_argument("--months", type=int, default=24, help="calendar months up to --end")
    parser.add_argument("--streets", default=None,
                        help="comma-separated 12-digit street codes (default: all in the register)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplier on row volumes")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--areas", type=Path, default=None, help="area register CSV to read")
    parser.add_argument("--sources", default=None, help=f"comma-separated subset of {','.join(SOURCES)}")
    args = parser.parse_args(argv)
    out = args.out or settings.samples_dir()
    streets = [s.strip() for s in args.streets.split(",") if s.strip()] if args.streets else None
    sources = [s.strip() for s in args.sources.split(",") if s.strip()] if args.sources else None
    try:
        written = generate(out, end=args.end, months=args.months, streets=streets, seed=args.seed,
                           scale=args.scale, areas_path=args.areas, sources=sources)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for source, files in written.items():
        size = sum(f.stat().st_size for f in files)
        print(f"{source:12s} {len(files):4d} files {size / 1e6:8.1f} MB")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
