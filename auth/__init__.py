"""Access control: logins and roles for the laptop pages and the API, kiosk tokens for the wall.

``init_app(server)`` reads the settings from the environment (``auth/config.py``). With
``CSB_AUTH`` unset or ``off`` -- the embedded default -- it changes nothing and every page
stays open. With ``CSB_AUTH=on`` it installs a before-request guard on the Flask server
(``auth/guard.py``) that decides every request by ``auth/policy.py``, and the /login and
/logout pages; it refuses to start without ``CSB_SECRET_KEY``.

Users and kiosk tokens are managed with ``python -m auth`` (see ``auth/__main__.py``).
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from auth.config import AuthConfig, ConfigError, from_env
from auth.guard import Guard, install, may_open
from auth.ratelimit import LoginLimiter
from auth.sessions import EndedSessions
from auth.tokens import TokenStore
from auth.users import UserStore
from auth.views import blueprint, current_user

__all__ = ["init_app", "current_user", "identified", "may_open", "ConfigError"]


def identified() -> bool:
    """Whether this request comes from someone the app knows (a signed-in user, a kiosk
    screen, a trusted proxy's user), or access control is off and everyone may look."""
    from auth.guard import current_guard, principal

    guard = current_guard()
    if guard is None:
        return True
    return principal(guard) is not None


def init_app(server: Flask, config: AuthConfig | None = None) -> None:
    """Turn access control on for ``server`` when the environment asks for it."""
    config = config or from_env()
    server.config["CSB_AUTH"] = config.enabled
    if not config.enabled:
        return
    server.secret_key = config.secret_key
    server.config.update(
        SESSION_COOKIE_NAME="csb_session",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_hours),
    )
    users, tokens = UserStore(config.users_file), TokenStore(config.tokens_file)
    users.check()  # a broken file stops the start with its name, line and reason
    tokens.list()
    guard = Guard(config, users, tokens, LoginLimiter(config.login_attempts, config.login_window),
                  EndedSessions(config.sessions_file))
    install(server, guard)
    server.register_blueprint(blueprint)
