"""The one rule for the area level a metric is recorded at: its source's ``level:`` in
etl/sources.yaml (grid events per grid cell, every other source per community)."""
from __future__ import annotations

import pytest

from data import coverage

HOTLINE = {"code": "hotline_received", "kind": "flow", "source": "hotline"}
GRID = {"code": "grid_events_reported", "kind": "flow", "source": "grid_events"}
RATE = {"code": "r", "kind": "ratio", "source": ""}


def test_grid_events_are_recorded_per_grid_cell_and_every_other_source_per_community():
    assert coverage.recorded_level(GRID) == "grid"
    for source in ("hotline", "activities", "volunteers", "party", "services", "care", "someone_new"):
        assert coverage.recorded_level({"kind": "flow", "source": source}) == "community"


def test_a_ratio_is_recorded_as_finely_as_the_coarser_of_its_parts():
    assert coverage.recorded_level(RATE, parts=[GRID, GRID]) == "grid"
    assert coverage.recorded_level(RATE, parts=[GRID, HOTLINE]) == "community"


@pytest.mark.parametrize("metric, level, expected", [
    (HOTLINE, "community", True), (HOTLINE, "grid", False), (HOTLINE, "street", True),
    (GRID, "grid", True),
])
def test_figures_exist_only_down_to_the_recorded_level(metric, level, expected):
    assert coverage.has_figures_at(metric, level) is expected


def test_a_level_that_is_not_an_area_level_is_refused(tmp_path, monkeypatch):
    broken = tmp_path / "sources.yaml"
    broken.write_text("sources:\n  - name: hotline\n    level: building\n", encoding="utf-8")
    monkeypatch.setattr(coverage, "SOURCES_FILE", broken)
    coverage._levels.cache_clear()
    try:
        with pytest.raises(ValueError, match="level 'building' is not one of"):
            coverage.recorded_level(HOTLINE)
    finally:
        coverage._levels.cache_clear()
