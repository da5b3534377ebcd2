"""The four roles and what each may do.

``viewer`` reads the overview and the wall; ``analyst`` also the explorer, its exports
and the JSON API; ``editor`` (a 社工, a duty officer) reads what a viewer reads and runs the
staff console (/console) for the areas given to them; ``admin`` may do everything,
including the data page, the kiosk tokens and the console's audit trail. The roles are
not a line: an analyst is no editor and an editor no analyst, so each role lists what it
is granted (``GRANTS``) rather than standing above the one before it. A kiosk screen is
not a role: it may show the wall and nothing else.
"""
from __future__ import annotations

from collections.abc import Iterable

ROLES = ("viewer", "analyst", "editor", "admin")
KIOSK = "kiosk"

GRANTS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"viewer"}),
    "analyst": frozenset({"viewer", "analyst"}),
    "editor": frozenset({"viewer", "editor"}),
    "admin": frozenset(ROLES),
}


def allows(role: str | None, needed: str) -> bool:
    """Whether someone with ``role`` may do what ``needed`` asks for."""
    if role not in GRANTS or needed not in ROLES:
        return False
    return needed in GRANTS[role]


def least(needed: Iterable[str]) -> str:
    """The role with the fewest grants that allows every one of ``needed`` (``admin`` for
    nothing named, or for a need no role knows: closed until it is declared)."""
    wanted = set(needed)
    if not wanted or not wanted <= set(ROLES):
        return "admin"
    fitting = [role for role in ROLES if wanted <= GRANTS[role]]
    return min(fitting, key=lambda role: len(GRANTS[role]))


def check(role: str) -> str:
    """``role`` if it is one of the four, else a ``ValueError`` that lists them."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    return role
