"""The three roles, each allowed everything the one before it is.

``viewer`` reads the overview and the wall; ``analyst`` also the explorer, its exports
and the JSON API; ``admin`` also the data page and the kiosk tokens. A kiosk screen is not
a role: it may show the wall and nothing else.
"""
from __future__ import annotations

ROLES = ("viewer", "analyst", "admin")
KIOSK = "kiosk"


def allows(role: str | None, needed: str) -> bool:
    """Whether someone with ``role`` may do what ``needed`` asks for."""
    if role not in ROLES or needed not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)


def check(role: str) -> str:
    """``role`` if it is one of the three, else a ``ValueError`` that lists them."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    return role
