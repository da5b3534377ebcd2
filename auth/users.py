"""Users and their hashed passwords, in a JSON file (``CSB_USERS_FILE``, default var/users.json).

Passwords are hashed with werkzeug's scrypt; the file never holds one in clear. A session
remembers a fingerprint of the hash it was opened with, so changing a password (or removing
the user) ends that user's open sessions on their next request.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from auth import files, roles

SECTION = "users"
NAME = re.compile(r"^[\w.@-]{1,64}$")  # letters (any script), digits, _ . @ -
MIN_PASSWORD = 8
# Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    fingerprint: str  # changes when the password does


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise ValueError(f"user name {name!r}: use 1 to 64 letters, digits, or _ . @ -")
    return name


class UserStore:
    """The users file at ``path``."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _entries(self) -> dict:
        return files.read(self.path, SECTION)

    def get(self, name: str) -> User | None:
        entry = self._entries().get(name)
        if not isinstance(entry, dict) or entry.get("role") not in roles.ROLES or not entry.get("password"):
            return None
        return User(name, entry["role"], _fingerprint(entry["password"]))

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs; ``None`` for a wrong name or password alike."""
        entry = self._entries().get(name)
        stored = entry.get("password") if isinstance(entry, dict) else None
        if not stored:
            check_password_hash(_DUMMY_HASH, password)
            return None
        if not check_password_hash(stored, password):
            return None
        return self.get(name)

    def add(self, name: str, password: str, role: str) -> bool:
        """Create the user, or set a new password and role; True when the user is new."""
        check_name(name)
        roles.check(role)
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"password for {name}: at least {MIN_PASSWORD} characters, please")
        entries = dict(self._entries())
        new = name not in entries
        entries[name] = {
            "password": generate_password_hash(password),
            "role": role,
            "changed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        files.write(self.path, SECTION, entries)
        return new

    def remove(self, name: str) -> bool:
        entries = dict(self._entries())
        if entries.pop(name, None) is None:
            return False
        files.write(self.path, SECTION, entries)
        return True

    def check(self) -> None:
        """Raise a ``StoreError`` naming the file, the user and the field of an entry that cannot work."""
        for name, entry in self._entries().items():
            if not isinstance(entry, dict):
                raise files.StoreError(f"{self.path}: user {name!r}: expected an object with password and role")
            if entry.get("role") not in roles.ROLES:
                raise files.StoreError(f"{self.path}: user {name!r}: role {entry.get('role')!r} is not one of "
                                       f"{', '.join(roles.ROLES)}")
            if not isinstance(entry.get("password"), str) or ":" not in entry["password"]:
                raise files.StoreError(f"{self.path}: user {name!r}: password is not a hash made by python -m auth")

    def list(self) -> list[dict]:
        return [{"name": name, "role": entry.get("role", "?"), "changed_at": entry.get("changed_at", "")}
                for name, entry in sorted(self._entries().items()) if isinstance(entry, dict)]
