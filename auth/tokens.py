"""Kiosk tokens: one per lobby screen, in its wall URL (``/wall?token=...``).

The file (``CSB_TOKENS_FILE``, default var/kiosk_tokens.json) keeps only a SHA-256 digest
of each token, so reading it does not let anyone open a wall; the token itself is shown
once, when it is made. A token may be bound to an area: that screen then shows that area
only. Revoking a token ends the screen's session on its next request.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from auth import files

SECTION = "tokens"
SCREEN = re.compile(r"^[\w.@-]{1,64}$")
AREA = re.compile(r"^\d{12}(\d{3})?$")


@dataclass(frozen=True)
class Kiosk:
    screen: str
    area: str | None
    digest: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """The kiosk tokens file at ``path``."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _entries(self) -> dict:
        return files.read(self.path, SECTION)

    def find(self, token: str | None) -> Kiosk | None:
        """The screen a token belongs to, or ``None`` for an unknown or revoked token."""
        if not token or len(token) > 200:
            return None
        return self.by_digest(digest(token))

    def by_digest(self, wanted: str | None) -> Kiosk | None:
        """The screen whose token has this digest (kept in its session), unless revoked since."""
        if not wanted:
            return None
        for screen, entry in self._entries().items():
            if isinstance(entry, dict) and secrets.compare_digest(str(entry.get("digest", "")), wanted):
                return Kiosk(screen, entry.get("area") or None, wanted)
        return None

    def add(self, screen: str, area: str | None = None) -> str:
        """A new token for ``screen`` (replacing any it had); returns the token, shown once."""
        if not SCREEN.match(screen or ""):
            raise ValueError(f"screen name {screen!r}: use 1 to 64 letters, digits, or _ . @ -")
        if area is not None and not AREA.match(area):
            raise ValueError(f"area {area!r}: expected a 12-digit area code (or 15 for a grid cell)")
        token = secrets.token_urlsafe(24)
        entries = dict(self._entries())
        entries[screen] = {"digest": digest(token), "area": area,
                           "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        files.write(self.path, SECTION, entries)
        return token

    def revoke(self, screen: str) -> bool:
        entries = dict(self._entries())
        if entries.pop(screen, None) is None:
            return False
        files.write(self.path, SECTION, entries)
        return True

    def list(self) -> list[dict]:
        return [{"screen": screen, "area": entry.get("area") or "", "created_at": entry.get("created_at", "")}
                for screen, entry in sorted(self._entries().items()) if isinstance(entry, dict)]
