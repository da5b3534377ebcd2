"""The ETL run every few minutes: a pass over unchanged deliveries reads no file again,
adds one line per source at most (and none while nothing arrives), and still says when
each source was last checked; a file dropped in the inbox loads at the next pass."""
from __future__ import annotations

from sqlalchemy import func, select

from data import health, settings
from data.schema import etl_run
from etl import cli, extract, pipeline
from layouts.data_health import source_card
from test_etl_framework import order, write_csv


def inbox(tmp_path, files=4):
    folder = tmp_path / "hotline"
    folder.mkdir()
    for i in range(files):
        write_csv(folder / f"orders-{i}.csv", [order(f"W{i}", f"2025/3/{i + 1} 9:05")])
    config = tmp_path / "sources.yaml"
    config.write_text(f"sources:\n  - name: hotline\n    location: {folder}\n    rhythm: daily\n", encoding="utf-8")
    return folder, config


def runs(url):
    engine = pipeline.prepare_warehouse(url)
    with engine.connect() as conn:
        return dict(conn.execute(select(etl_run.c.status, func.count()).where(etl_run.c.source == "hotline")
                                 .group_by(etl_run.c.status)).all())


def test_passes_over_unchanged_files_add_one_line_and_read_nothing_again(sqlite_url, tmp_path, capsys, monkeypatch):
    folder, config = inbox(tmp_path)
    assert cli.main(["--database-url", sqlite_url, "run", "--config", str(config)]) == 0
    assert runs(sqlite_url) == {"success": 4}
    reads = []
    blocks = extract.Delivery.blocks
    monkeypatch.setattr(extract.Delivery, "blocks", lambda self, *a: reads.append(self.location) or blocks(self, *a))
    capsys.readouterr()
    assert cli.main(["--database-url", sqlite_url, "watch", "--config", str(config), "--every", "0",
                     "--passes", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all("0 loaded, 0 refused" in line for line in out)
    assert runs(sqlite_url) == {"success": 4, "unchanged": 1}  # one line for the four files, kept up to date
    assert reads == []  # read by the first run of this process: not again while size and time stay

    # A new delivery arrives between passes: it loads; the unchanged rest stays one line.
    write_csv(folder / "orders-9.csv", [order("W9", "2025/3/20 9:05")])
    assert cli.main(["--database-url", sqlite_url, "watch", "--config", str(config), "--every", "0",
                     "--passes", "2"]) == 0
    out = capsys.readouterr().out
    assert "orders-9.csv  read 1, loaded 1" in out
    assert runs(sqlite_url) == {"success": 5, "unchanged": 2}


def test_status_and_the_data_page_say_when_a_source_was_last_checked(sqlite_url, tmp_path, capsys):
    _, config = inbox(tmp_path, files=2)
    assert cli.main(["--database-url", sqlite_url, "run", "--config", str(config)]) == 0
    assert cli.main(["--database-url", sqlite_url, "run", "--config", str(config)]) == 0
    capsys.readouterr()
    assert cli.main(["--database-url", sqlite_url, "status"]) == 0
    shown = capsys.readouterr().out.split("\n\n")
    runs_table, checked_table = shown[0].splitlines(), shown[1].splitlines()
    assert runs_table[2].split()[1:3] == ["hotline", "unchanged"] and "2 个文件均未变" in runs_table[2]
    assert checked_table[0].split() == ["source", "last", "checked", "last", "loaded"]
    [line] = [r for r in checked_table[2:] if r.startswith("hotline")]
    looked, loaded = line.split()[1:3], line.split()[3:5]
    engine = pipeline.prepare_warehouse(sqlite_url)
    with engine.connect() as conn:
        last = conn.execute(select(etl_run).where(etl_run.c.source == "hotline")
                            .order_by(etl_run.c.id.desc()).limit(1)).mappings().one()
    assert last["status"] == "unchanged" and " ".join(looked) == f"{last['finished_at']:%Y-%m-%d %H:%M}"
    assert loaded[0] == looked[0]

    entry = next(e for e in health.sources(engine=engine) if e["source"] == "hotline")
    card = str(source_card(entry, settings.local_today(), "en"))
    assert "Last checked: " in card and f"{last['finished_at']:%Y-%m-%d %H:%M}" in card


def test_a_checkout_updated_with_a_new_source_generates_just_its_samples(sqlite_url, tmp_path, monkeypatch, capsys):
    """`make run` on a checkout whose samples were made before a source existed: the run
    makes that source's samples (and only those) instead of refusing "no such file"."""
    samples = tmp_path / "samples"
    (samples / "hotline").mkdir(parents=True)
    write_csv(samples / "hotline" / "orders.csv", [order("W1", "2025/3/1 9:05")])
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n"
                      f"  - name: hotline\n    location: {samples}/hotline\n    rhythm: daily\n"
                      f"  - name: merchants\n    location: {samples}/merchants\n    rhythm: monthly\n",
                      encoding="utf-8")
    monkeypatch.setattr(settings, "samples_dir", lambda: samples)
    assert cli.main(["--database-url", sqlite_url, "run", "--config", str(config)]) == 0
    assert "generating sample exports for merchants" in capsys.readouterr().err
    assert sorted(p.name for p in samples.iterdir()) == ["hotline", "merchants"]
    assert [p.name for p in (samples / "hotline").iterdir()] == ["orders.csv"]  # the rest left as it was
