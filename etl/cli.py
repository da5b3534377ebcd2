"""``python -m etl``: load the configured sources, one file, show runs, make samples.

Exit status 0 when everything loaded (rejected rows are reported, not a failure), 2 when
a file was refused, every row of one was, or one is quarantined (the reason on stderr; the
warehouse keeps what it had). One file failing, however it fails, never stops the others:
the run goes on with the next file and the next source. A file that failed the same way
twice is quarantined and skipped until a new delivery or ``python -m etl retry FILE|SOURCE``.
"""
from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import select

from data import settings
from data.catalog import CatalogError
from data.schema import etl_run
from etl import config, load, pipeline, sources
from etl.extract import RefusedFile
from etl.load import RunResult

REFUSED = 2


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.command(args)
    except (RefusedFile, config.ConfigError, sources.UnknownSource, CatalogError) as err:
        print(f"拒绝载入 / refused: {err}", file=sys.stderr)
        return REFUSED


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m etl", description="社区智慧大脑 ETL: source exports -> warehouse")
    top.add_argument("--database-url", help="warehouse URL (default: DATABASE_URL, else var/warehouse.db)")
    commands = top.add_subparsers(dest="name", required=True)

    run = commands.add_parser("run", help="load every source configured in etl/sources.yaml")
    run.add_argument("--config", help="another sources.yaml")
    run.add_argument("--only", nargs="+", metavar="SOURCE", help="just these configured sources")
    run.set_defaults(command=cmd_run)

    one = commands.add_parser("load", help="load one file, folder or URL for one source")
    one.add_argument("source", choices=sorted(sources.SOURCES))
    one.add_argument("location", metavar="PATH_OR_URL")
    one.add_argument("--chunk-rows", type=int, metavar="N",
                      help="rows of a CSV held in memory at once (default: the source's chunk_rows)")
    one.set_defaults(command=cmd_load)

    watch = commands.add_parser("watch", help="run every few minutes: load what arrived, one line per pass")
    watch.add_argument("--every", type=float, default=300, metavar="SECONDS", help="seconds between passes (default 300)")
    watch.add_argument("--config", help="another sources.yaml")
    watch.add_argument("--only", nargs="+", metavar="SOURCE", help="just these configured sources")
    watch.add_argument("--passes", type=int, metavar="N", help="stop after N passes (default: run until stopped)")
    watch.set_defaults(command=cmd_watch)

    retry = commands.add_parser("retry", help="load quarantined files again: one file, or every one of a source")
    retry.add_argument("target", metavar="FILE|SOURCE", help="a quarantined file (as /data names it) or a source")
    retry.add_argument("--config", help="another sources.yaml")
    retry.set_defaults(command=cmd_retry)

    status = commands.add_parser("status", help="recent runs with their counts")
    status.add_argument("--limit", type=int, default=20)
    status.add_argument("--source", help="only this source")
    status.set_defaults(command=cmd_status)

    samples = commands.add_parser("samples", help="(re)generate the bundled sample exports")
    samples.add_argument("--out", type=Path, help=f"folder (default: {settings.samples_dir()})")
    samples.add_argument("--months", type=int, help="calendar months up to --end (default: the generator's)")
    samples.add_argument("--end", type=date.fromisoformat, help="last day, YYYY-MM-DD (default: yesterday)")
    samples.add_argument("--streets", nargs="+", help="12-digit street codes (default: the generator's)")
    samples.add_argument("--scale", type=float, help="multiplier on row volumes (default 1)")
    samples.set_defaults(command=cmd_samples)

    rotate = commands.add_parser(
        "rotate-pseudonyms",
        help="rebuild the reach store under the key now in CSB_PSEUDONYM_KEY, from the retained raw exports")
    rotate.set_defaults(command=cmd_rotate)
    return top


# --- commands --------------------------------------------------------------------------

def cmd_run(args) -> int:
    configured = _configured(args)
    engine = pipeline.prepare_warehouse(args.database_url)
    _ensure_samples(configured)
    refused = run_once(engine, configured, _report)
    if refused:
        raise RefusedFile("\n".join(refused))
    return 0


def cmd_watch(args) -> int:
    """``run`` every ``--every`` seconds in one process (imports, engine and the checksums
    of files already read are kept), printing one line per pass; refusals go to stderr
    and the watch goes on. Stop it with Ctrl-C or SIGTERM (systemd)."""
    configured = _configured(args)
    engine = pipeline.prepare_warehouse(args.database_url)
    _ensure_samples(configured)
    passes = 0
    try:
        while True:
            began = time.monotonic()
            results: list[RunResult] = []
            refused = run_once(engine, configured, results.append)
            loaded = [r for r in results if r.status != "unchanged"]
            for result in loaded:
                _report(result)
            for reason in refused:
                print(f"拒绝载入 / refused: {reason}", file=sys.stderr)
            seconds = time.monotonic() - began
            print(f"{settings.local_now():%Y-%m-%d %H:%M:%S} checked {len(configured)} sources: "
                  f"{len(loaded)} loaded, {len(refused)} refused, the rest unchanged ({seconds:.2f} s)", flush=True)
            passes += 1
            if args.passes is not None and passes >= args.passes:
                return REFUSED if refused else 0
            time.sleep(max(0.0, args.every - seconds))
    except KeyboardInterrupt:
        return 0


def _configured(args) -> list:
    configured = config.load_config(args.config)
    if args.only:
        unknown = set(args.only) - {c.name for c in configured}
        if unknown:
            raise config.ConfigError(f"not configured: {', '.join(sorted(unknown))}")
        configured = [c for c in configured if c.name in args.only]
    return configured


def _ensure_samples(configured: list) -> None:
    """Generate the bundled samples the configured sources read, if missing: after the
    configuration and the catalogue have passed (a refusal costs no minute of generating)."""
    folder = settings.samples_dir()
    samples = [c for c in configured if c.location.startswith(str(folder))]
    if samples and not folder.exists():
        print(f"生成样例数据 / generating sample exports into {folder}", file=sys.stderr)
        _generate(folder)
    elif samples:
        # A checkout updated to a version with new sources: generate just their samples, so
        # `make run` keeps working without regenerating (and reloading) everything else.
        from etl.samples import SOURCES as SAMPLE_SOURCES

        missing = [c.name for c in samples if c.name in SAMPLE_SOURCES and not Path(c.location).exists()]
        if missing:
            print(f"生成样例数据 / generating sample exports for {', '.join(missing)} into {folder}", file=sys.stderr)
            _generate(folder, sources=missing)


def run_once(engine, configured: list, on_result) -> list[str]:
    """One pass over the configured sources; returns the refusals (one source's failure
    never stops the next). Unchanged deliveries cost a stat (or a read, the first time in
    a process) and add at most one line per source (:func:`etl.load.record_unchanged`)."""
    available = set(sources.available())
    refused = []
    for source in configured:
        if source.name not in available:
            print(f"{source.name}: 跳过, 尚未实现 / skipped, no module for this source yet", file=sys.stderr)
            continue
        try:
            pipeline.load_location(engine, source.name, source.location, on_result=on_result,
                                   progress=_progress_bar if sys.stderr.isatty() else None, limits=source.limits)
        except RefusedFile as err:
            refused.append(f"{source.name}: {err}")
        except Exception as err:  # noqa: BLE001 - one source's failure never stops the next
            refused.append(f"{source.name}: 内部错误 / internal error: {type(err).__name__}: {err}")
    return refused


def cmd_load(args) -> int:
    engine = pipeline.prepare_warehouse(args.database_url)
    limits = config.limits_for(args.source)
    if args.chunk_rows:
        limits = replace(limits, chunk_rows=args.chunk_rows)
    _load(engine, args.source, args.location, limits)
    return 0


def cmd_retry(args) -> int:
    """Release the quarantined files named (a file, or all of a source) and load them now."""
    engine = pipeline.prepare_warehouse(args.database_url)
    configured = {c.name: c for c in config.load_config(args.config)}
    target = args.target
    held = load.quarantined_runs(engine, target if target in sources.SOURCES else None)
    if target not in sources.SOURCES:
        held = [run for run in held if _same_place(run["location"], target)]
    if not held:
        print(f"没有被隔离的文件 / nothing quarantined matches {target}", file=sys.stderr)
        return REFUSED
    started = settings.local_now().replace(microsecond=0)
    for run in held:
        load.record_run(engine, run["source"], run["location"], run["checksum"], started, "retry",
                        f"操作员要求重试 / an operator's retry of run {run['id']}")
    refused = []
    for name, location in sorted({(run["source"], run["location"]) for run in held}):
        limits = configured[name].limits if name in configured else config.limits_for(name, args.config)
        try:
            _load(engine, name, location, limits)
        except RefusedFile as err:
            refused.append(f"{name}: {err}")
    if refused:
        raise RefusedFile("\n".join(refused))
    return 0


def _same_place(location: str | None, target: str) -> bool:
    if not location:
        return False
    if location == target:
        return True
    try:
        return Path(location).resolve() == Path(target).resolve()
    except OSError:
        return False


def cmd_status(args) -> int:
    engine = pipeline.prepare_warehouse(args.database_url)
    query = select(etl_run).order_by(etl_run.c.id.desc()).limit(args.limit)
    if args.source:
        query = query.where(etl_run.c.source == args.source)
    with engine.connect() as conn:
        runs = conn.execute(query).mappings().all()
    if not runs:
        print("还没有运行记录 / no runs yet")
        return 0
    header = ["run", "source", "status", "started", "secs", "read", "loaded", "rejected", "file", "message"]
    rows = []
    for r in runs:
        seconds = (r["finished_at"] - r["started_at"]).total_seconds() if r["finished_at"] else None
        rows.append([
            str(r["id"]), r["source"], r["status"], f"{r['started_at']:%Y-%m-%d %H:%M}",
            "" if seconds is None else f"{seconds:.0f}",
            str(r["rows_read"] or 0), str(r["rows_loaded"] or 0), str(r["rows_rejected"] or 0),
            Path(r["location"] or "").name, _clip(r["message"] or "", 60),
        ])
    print(table(header, rows, right={"run", "secs", "read", "loaded", "rejected"}))
    checked = last_checked(engine, args.source)
    if checked:
        print()
        print(table(["source", "last checked", "last loaded"],
                    [[name, _when(looked), _when(loaded)] for name, (looked, loaded) in checked.items()]))
    return 0


def last_checked(engine, source: str | None = None) -> dict[str, tuple]:
    """Per source, when a run last looked at its deliveries (any outcome, an unchanged pass
    included) and when one last loaded (success)."""
    from sqlalchemy import func

    when = func.coalesce(etl_run.c.finished_at, etl_run.c.started_at)
    query = select(etl_run.c.source, func.max(when),
                   func.max(when).filter(etl_run.c.status == "success")).group_by(etl_run.c.source)
    if source:
        query = query.where(etl_run.c.source == source)
    with engine.connect() as conn:
        return {name: (looked, loaded) for name, looked, loaded in conn.execute(query.order_by(etl_run.c.source))}


def _when(moment) -> str:
    if moment is None:
        return "-"
    if isinstance(moment, str):  # SQLite returns an aggregate's datetime as text
        return moment[:16]
    return f"{moment:%Y-%m-%d %H:%M}"


def cmd_rotate(args) -> int:
    """The key rotation of README's "Participation reach": the new key in CSB_PSEUDONYM_KEY."""
    from etl import pseudonym, reach

    engine = pipeline.prepare_warehouse(args.database_url)
    key = pseudonym.current_key()
    try:
        written = reach.rotate(engine, key)
    except reach.CannotRotate as err:
        raise RefusedFile(str(err)) from None
    counts = ", ".join(f"{source} {rows}" for source, rows in written.items())
    print(f"参与人数存储已用新密钥重建 / reach store rebuilt under key {key.key_id}: {counts} rows; "
          f"the old key may now be destroyed")
    return 0


def cmd_samples(args) -> int:
    out = args.out or settings.samples_dir()
    _generate(out, end=args.end, months=args.months, streets=args.streets, scale=args.scale)
    print(f"样例数据 / sample exports written to {out}")
    return 0


# --- helpers ---------------------------------------------------------------------------

def _generate(out: Path, **options) -> None:
    from etl.samples import generate

    generate(out, **{k: v for k, v in options.items() if v is not None})


def _load(engine, name: str, location: str, limits=None) -> list[RunResult]:
    interactive = sys.stderr.isatty()
    return pipeline.load_location(engine, name, location, on_result=_report,
                                  progress=_progress_bar if interactive else None, limits=limits)


def _progress_bar(label: str, total: int | None):
    """A tqdm bar over the stages of each chunk of one file (only drawn on a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="step", leave=False, file=sys.stderr)


def _report(result: RunResult) -> None:
    name = Path(result.location).name or result.location
    if result.status == "unchanged":
        print(f"{result.source:<12} unchanged  {name}  {_clip(result.message, 60)}  (run {result.run_id})")
        return
    print(f"{result.source:<12} {result.status:<9}  {name}  read {result.rows_read}, loaded {result.rows_loaded}, "
          f"rejected {result.rows_rejected}  (run {result.run_id})")
    if result.rows_rejected:
        print(f"{'':<12} 被拒绝的行见 / see rejected rows: etl_reject where run_id = {result.run_id}")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            return out + "…"
        out, used = out + ch, used + w
    return out


def table(header: list[str], rows: list[list[str]], right: AbstractSet[str] = frozenset()) -> str:
    """Rows as aligned columns (Chinese characters count two columns wide)."""
    widths = [max(_width(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = []
    for row in [header, *rows]:
        cells = []
        for name, cell, width in zip(header, row, widths):
            pad = " " * (width - _width(str(cell)))
            cells.append(pad + str(cell) if name in right else str(cell) + pad)
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
