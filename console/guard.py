"""The one check every console change passes: who asks, for which area, with the form's token.

Every console callback that changes something calls ``require(area, csrf)`` first and
writes nothing when it raises ``Refused``; the message says why, in Chinese and English.
The check, in order:

1. access control is on (``CSB_AUTH=on``): with it off nobody has a name, and a change
   without a name cannot be audited, so the console changes nothing;
2. a signed-in user (not a kiosk screen) whose role allows ``editor`` (an editor or an
   admin; ``auth.roles``);
3. the CSRF token the console page was drawn with (a ``dcc.Store``) equals the session's
   (the one the login and logout forms carry, ``auth.views.csrf_token``): a request made
   anywhere but the console page itself, even with the cookie, is refused;
4. the area is one the user may act for: an admin any; an editor the areas given to
   them (``python -m auth add-user NAME --role editor --area CODE``) and everything below
   them; the whole deployment (no area) is for admins only.

The request-level guard (``auth/guard.py`` through ``auth/policy.py``) already turns away
anyone without the editor role before a console callback runs; this repeats the role check
because a callback must not depend on being reached only one way.
"""
from __future__ import annotations

import hmac

from flask import g, has_request_context, session

from auth import roles
from data import areas as area_tree
from data import text

EDITOR = "editor"


class Refused(Exception):
    """A change refused: ``key`` names the reason in ``data.text`` (``console.refused_*``)."""

    def __init__(self, key: str, values: tuple[tuple[str, str], ...] = ()):
        super().__init__(key)
        self.key, self.values = key, values

    def message(self, lang: str | None) -> str:
        return text.t(f"console.refused_{self.key}", lang, **dict(self.values))

    def __str__(self) -> str:
        return self.message("en")


def principal():
    """Who this request comes from (``auth.guard.Principal``), or None."""
    return g.get("csb_principal") if has_request_context() else None


def auth_on() -> bool:
    from auth.guard import current_guard

    return has_request_context() and current_guard() is not None


def editor(needed: str = EDITOR):
    """The signed-in user when they hold ``needed`` (editor, or admin for the audit trail)."""
    if not auth_on():
        raise Refused("auth_off")
    who = principal()
    if who is None:
        raise Refused("no_login")
    if who.via == "kiosk":
        raise Refused("kiosk")
    if not roles.allows(who.role, needed):
        raise Refused("role", (("name", who.name), ("role", who.role), ("needed", needed)))
    return who


def csrf_ok(sent: object) -> bool:
    kept = session.get("csrf", "") if has_request_context() else ""
    return isinstance(sent, str) and bool(sent and kept) and hmac.compare_digest(sent, kept)


def may_act_for(who, area: str | None) -> bool:
    """Whether ``who`` may change things for ``area`` (None: the whole deployment)."""
    if who is None:
        return False
    if who.role == "admin":
        return True
    if not roles.allows(who.role, EDITOR) or area is None or not who.areas:
        return False
    try:
        chain = {row["code"] for row in area_tree.ancestors(area)}
    except area_tree.UnknownArea:
        return False
    return any(code in chain for code in who.areas)


def reader(area: str | None, shown: str | None = None):
    """The signed-in editor who may see a section's things for ``area`` (None: the whole
    deployment); else ``Refused``, naming ``shown`` (the area as the section acts for it) or ``area``."""
    who = editor()
    if not may_act_for(who, area):
        raise Refused("area", (("name", who.name), ("area", shown or area or "—")))
    return who


def require(area: str | None, csrf: object, needed: str = EDITOR):
    """The principal, when they may change things for ``area`` with this form token; else ``Refused``."""
    who = editor(needed)
    if not csrf_ok(csrf):
        raise Refused("csrf")
    if not may_act_for(who, area):
        if who.role != "admin" and not who.areas:
            raise Refused("no_areas", (("name", who.name),))
        raise Refused("area", (("name", who.name), ("area", area or "—")))
    return who


def areas_for(who) -> list[str] | None:
    """The areas ``who`` was given (an editor's reach); None: every area (an admin)."""
    if who is None:
        return []
    if who.role == "admin":
        return None
    return list(who.areas) if roles.allows(who.role, EDITOR) else []


def csrf_token() -> str:
    """The session's form token, for the console page to send back with every change."""
    if not auth_on():
        return ""
    from auth.views import csrf_token as made

    return made()
