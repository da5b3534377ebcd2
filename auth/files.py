"""The small JSON files that hold users and kiosk tokens: read when they change, written atomically.

Every request checks its session against these files, so a removed user or a revoked
token stops working at once; re-reading only when the file's modification time or size
changes keeps that check cheap. Writes go to a temporary file that replaces the old one,
readable by the owner only, so a crash mid-write never leaves half a file behind.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path


class StoreError(ValueError):
    """A users or tokens file that cannot be read; the message names the file and the reason."""


_lock = threading.Lock()
_seen: dict[Path, tuple[tuple[int, int, int], dict]] = {}


def read(path: Path, section: str) -> dict:
    """The mapping under ``section`` in the JSON file at ``path``; empty when there is no file."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # a write replaces the file: new inode
    with _lock:
        cached = _seen.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
    try:
        document = json.loads(path.read_text(encoding="utf-8") or "{}")
    except json.JSONDecodeError as err:
        raise StoreError(f"{path}: line {err.lineno}, column {err.colno}: not valid JSON ({err.msg})") from err
    except (OSError, UnicodeDecodeError) as err:
        raise StoreError(f"{path}: cannot be read ({err})") from err
    found = document.get(section, {}) if isinstance(document, dict) else None
    if not isinstance(found, dict):
        raise StoreError(f"{path}: expected an object with a {section!r} object inside")
    with _lock:
        _seen[path] = (stamp, found)
    return found


def write(path: Path, section: str, entries: dict) -> None:
    """Replace the file at ``path`` with ``{section: entries}``, atomically, mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({section: entries}, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with _lock:
        _seen.pop(path, None)
