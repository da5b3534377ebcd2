"""Users and their hashed passwords, in a JSON file (``CSB_USERS_FILE``, default var/users.json).

Passwords are hashed with werkzeug's scrypt; the file never holds one in clear. A user
may be given areas (``areas``: area codes): an editor acts on those areas and everything
below them only (``console/guard.py``); other roles read as before. A session
remembers a fingerprint of the hash it was opened with, so changing a password (or removing
the user) ends that user's open sessions on their next request.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from auth import files, roles

SECTION = "users"
NAME = re.compile(r"^[\w.@-]{1,64}$")  # letters (any script), digits, _ . @ -
AREA = re.compile(r"^\d{12}(\d{3})?$")
MIN_PASSWORD = 8
# Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    fingerprint: str  # changes when the password does
    areas: tuple[str, ...] = ()  # the areas given to the user (an editor acts on these and below)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _areas(value) -> tuple[str, ...]:
    return tuple(code for code in value if isinstance(code, str)) if isinstance(value, list) else ()


def check_areas(areas) -> list[str]:
    """The area codes given to a user, each a 12-digit code (15 for a grid cell)."""
    codes = list(areas or [])
    for code in codes:
        if not isinstance(code, str) or not AREA.match(code):
            raise ValueError(f"area {code!r}: expected a 12-digit area code (or 15 for a grid cell)")
    return sorted(set(codes))


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise ValueError(f"user name {name!r}: use 1 to 64 letters, digits, or _ . @ -")
    return name


class UserStore:
    """The users file at ``path``."""

    #: How long a name and password, once checked, are taken as good without hashing again
    #: (HTTP Basic on the API sends them with every request; scrypt takes a fifth of a second).
    VERIFIED_SECONDS = 60.0
    VERIFIED_ITEMS = 512

    def __init__(self, path: Path):
        self.path = Path(path)
        # Keyed by an HMAC (a key of this process's own) of the name, the password and the
        # stored hash: no password is kept, and a changed password or a removed user never
        # matches an old entry.
        self._key = secrets.token_bytes(32)
        self._verified: OrderedDict[bytes, float] = OrderedDict()
        self._verified_lock = threading.Lock()

    def _entries(self) -> dict:
        return files.read(self.path, SECTION)

    def get(self, name: str) -> User | None:
        entry = self._entries().get(name)
        if not isinstance(entry, dict) or entry.get("role") not in roles.ROLES or not entry.get("password"):
            return None
        return User(name, entry["role"], _fingerprint(entry["password"]), _areas(entry.get("areas")))

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

    def verify_often(self, name: str, password: str) -> User | None:
        """``verify`` for credentials sent on every request (HTTP Basic): a name and password
        verified in the last ``VERIFIED_SECONDS`` against the same stored hash are not hashed again."""
        entry = self._entries().get(name)
        stored = entry.get("password") if isinstance(entry, dict) else None
        if not isinstance(stored, str) or not stored:
            return self.verify(name, password)
        key = hmac.new(self._key, b"\0".join(p.encode("utf-8", "surrogatepass") for p in (name, password, stored)),
                       hashlib.sha256).digest()
        now = time.monotonic()
        with self._verified_lock:
            until = self._verified.get(key)
            if until is not None and until > now:
                return self.get(name)
            self._verified.pop(key, None)
        user = self.verify(name, password)
        if user is not None:
            with self._verified_lock:
                self._verified[key] = now + self.VERIFIED_SECONDS
                while len(self._verified) > self.VERIFIED_ITEMS:
                    self._verified.popitem(last=False)
        return user

    def add(self, name: str, password: str, role: str, areas=None) -> bool:
        """Create the user, or set a new password, role and areas; True when the user is new."""
        check_name(name)
        roles.check(role)
        given = check_areas(areas)
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"password for {name}: at least {MIN_PASSWORD} characters, please")
        entries = dict(self._entries())
        new = name not in entries
        entries[name] = {
            "password": generate_password_hash(password),
            "role": role,
            **({"areas": given} if given else {}),
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
            if "areas" in entry:
                try:
                    if not isinstance(entry["areas"], list):
                        raise ValueError("expected a list of area codes")
                    check_areas(entry["areas"])
                except ValueError as err:
                    raise files.StoreError(f"{self.path}: user {name!r}: areas: {err}") from None

    def list(self) -> list[dict]:
        return [{"name": name, "role": entry.get("role", "?"), "areas": _areas(entry.get("areas")),
                 "changed_at": entry.get("changed_at", "")}
                for name, entry in sorted(self._entries().items()) if isinstance(entry, dict)]
