"""Sessions that logging out ends, on the server: a list of ended session ids.

The session cookie is signed, not stored: by itself, a copy taken before ``POST /logout``
would open pages until it expired. So each login gets a random session id (in the
signed cookie), logging out writes that id's SHA-256 to the ended-sessions file
(``CSB_SESSIONS_FILE``, default var/ended_sessions.json, next to the users file and shared
like it between hosts), and every request checks its id against the list. An id stays
listed until the cookie it was in would have expired anyway; only logouts write.
"""
from __future__ import annotations

import fcntl
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from auth import files

SECTION = "ended"


def new_id() -> str:
    return secrets.token_urlsafe(24)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class EndedSessions:
    """The ended-sessions file at ``path``."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def ended(self, session_id: str) -> bool:
        return _digest(session_id) in files.read(self.path, SECTION)

    def end(self, session_id: str, lifetime: timedelta) -> None:
        """List the session as ended until a cookie issued now would expire; drop old entries."""
        now = datetime.now(UTC)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two logouts at once on two workers: both kept
            kept = {digest: until for digest, until in files.read(self.path, SECTION).items()
                    if isinstance(until, str) and _after(until, now)}
            kept[_digest(session_id)] = (now + lifetime).isoformat(timespec="seconds")
            files.write(self.path, SECTION, kept)


def _after(stamp: str, now: datetime) -> bool:
    try:
        return datetime.fromisoformat(stamp) > now
    except ValueError:
        return False
