"""The configured sources of ``etl/sources.yaml``: where to pick up, how often one is due.

Read by ``python -m etl run`` and by the data-health page, which flags a source whose
latest successful load is older than its rhythm plus ``grace_days``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import yaml

from data import settings
from etl.extract import Limits

CONFIG_PATH = Path(__file__).resolve().parent / "sources.yaml"
RHYTHM_DAYS = {"daily": 1, "weekly": 7, "monthly": 31}


class ConfigError(ValueError):
    """``sources.yaml`` is not valid; the message says which entry and why."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    location: str
    rhythm: str
    grace_days: int
    description: str = ""
    limits: Limits = Limits()

    def due_by(self, last_delivery: date) -> date:
        """The day after which, with no newer delivery, the source counts as overdue."""
        return last_delivery + timedelta(days=RHYTHM_DAYS[self.rhythm] + self.grace_days)

    def is_overdue(self, last_delivery: date | None, today: date | None = None) -> bool:
        if last_delivery is None:
            return True
        return (today or settings.local_today()) > self.due_by(last_delivery)


def expand(location: str) -> str:
    """``{samples}`` -> the sample folder of this deployment."""
    return str(location).replace("{samples}", str(settings.samples_dir()))


def _entry_lines(text: str) -> list[int]:
    """The 1-based line where each entry under ``sources`` starts, for error messages."""
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "sources" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def load_config(path: str | Path | None = None) -> list[SourceConfig]:
    """The configured sources in order, locations expanded, every entry checked."""
    from etl import sources

    path = Path(path) if path else CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text) or {}
        lines = _entry_lines(text)
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot be read: {err}") from None
    entries = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list under 'sources'")
    found, seen = [], set()
    for i, entry in enumerate(entries, start=1):
        where = f"{path}, line {lines[i - 1]}, source #{i}" if i <= len(lines) else f"{path}, source #{i}"
        if not isinstance(entry, dict) or not entry.get("name"):
            raise ConfigError(f"{where}: needs a name")
        name = str(entry["name"])
        if name not in sources.SOURCES:
            raise ConfigError(f"{where}: unknown source {name!r} (known: {', '.join(sources.SOURCES)})")
        if name in seen:
            raise ConfigError(f"{where}: {name!r} is configured twice")
        seen.add(name)
        rhythm = str(entry.get("rhythm", "daily"))
        if rhythm not in RHYTHM_DAYS:
            raise ConfigError(f"{where} ({name}): rhythm must be one of {', '.join(RHYTHM_DAYS)}, not {rhythm!r}")
        try:
            grace = int(entry.get("grace_days", 0))
        except (TypeError, ValueError):
            raise ConfigError(f"{where} ({name}): grace_days must be a whole number of days") from None
        if grace < 0:
            raise ConfigError(f"{where} ({name}): grace_days must not be negative")
        location = expand(entry.get("location") or "{samples}/" + name)
        found.append(SourceConfig(name, location, rhythm, grace, str(entry.get("description", "")),
                                  _limits(entry, f"{where} ({name})")))
    return found


#: sources.yaml key -> (Limits field, unit): whole positive numbers.
LIMIT_KEYS = {
    "max_mb": ("max_bytes", 2**20),
    "max_line_kb": ("max_line_bytes", 2**10),
    "chunk_rows": ("chunk_rows", 1),
    "max_unpacked_mb": ("max_unpacked_bytes", 2**20),
    "max_strings_mb": ("max_strings_bytes", 2**20),
    "max_rows": ("max_rows", 1),
    "max_columns": ("max_columns", 1),
    "max_cell_chars": ("max_cell_chars", 1),
}


def _limits(entry: dict, where: str) -> Limits:
    """The limits of an entry (:data:`LIMIT_KEYS`, ``earliest``, ``days_ahead``; defaults:
    :class:`Limits`)."""
    default = Limits()
    values: dict = {}
    for key, (name, unit) in LIMIT_KEYS.items():
        if key not in entry:
            continue
        try:
            number = int(entry[key])
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: {key} must be a whole number, not {entry[key]!r}") from None
        if number <= 0:
            raise ConfigError(f"{where}: {key} must be positive")
        values[name] = number * unit
    if "earliest" in entry:
        earliest = entry["earliest"]
        try:
            values["earliest"] = earliest if isinstance(earliest, date) else date.fromisoformat(str(earliest))
        except ValueError:
            raise ConfigError(f"{where}: earliest must be a date like 2000-01-01, not {earliest!r}") from None
    if "days_ahead" in entry:
        try:
            values["days_ahead"] = int(entry["days_ahead"])
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: days_ahead must be a whole number of days") from None
        if values["days_ahead"] < 0:
            raise ConfigError(f"{where}: days_ahead must not be negative")
    return replace(default, **values)


def limits_for(name: str, path: str | Path | None = None) -> Limits:
    """The limits configured for source ``name`` (defaults if it is not configured)."""
    for source in load_config(path):
        if source.name == name:
            return source.limits
    return Limits()
