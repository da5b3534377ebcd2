"""Access control's settings, read from the environment once when the app is built.

Off (``CSB_AUTH`` unset or ``off``) is the embedded default: everything stays open, as
on a single street's own machine. On, the app refuses to start without a session secret,
because a guessable secret would let anyone forge a session.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from data import settings

ON = {"on", "1", "true", "yes"}
OFF = {"", "off", "0", "false", "no"}


class ConfigError(RuntimeError):
    """A setting that would leave the app open or broken; the message names the variable."""


@dataclass(frozen=True)
class AuthConfig:
    enabled: bool = False
    secret_key: str = ""
    users_file: Path = Path()
    tokens_file: Path = Path()
    sessions_file: Path = Path()
    trusted_user_header: str = ""
    trusted_role_header: str = ""
    trusted_proxies: tuple = field(default_factory=tuple)  # ip_network objects
    allowed_origins: tuple = field(default_factory=tuple)  # besides the request's own host
    secure_cookies: bool = True
    session_hours: float = 12.0
    login_attempts: int = 5  # failed logins per address and name before a pause
    login_window: int = 900  # seconds the failures are remembered, and the pause lasts

    def trusts(self, address: str | None) -> bool:
        """Whether ``address`` is one of the reverse proxies whose identity headers count."""
        if not address or not self.trusted_proxies:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)


def users_file() -> Path:
    """``CSB_USERS_FILE``, or ``users.json`` in the project's var/ folder."""
    explicit = os.environ.get("CSB_USERS_FILE", "").strip()
    return Path(explicit) if explicit else settings.var_dir() / "users.json"


def tokens_file() -> Path:
    """``CSB_TOKENS_FILE``, or ``kiosk_tokens.json`` in the project's var/ folder."""
    explicit = os.environ.get("CSB_TOKENS_FILE", "").strip()
    return Path(explicit) if explicit else settings.var_dir() / "kiosk_tokens.json"


def sessions_file() -> Path:
    """``CSB_SESSIONS_FILE``, or ``ended_sessions.json`` in the project's var/ folder."""
    explicit = os.environ.get("CSB_SESSIONS_FILE", "").strip()
    return Path(explicit) if explicit else settings.var_dir() / "ended_sessions.json"


def _networks(raw: str) -> tuple:
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as err:
            raise ConfigError(f"CSB_TRUSTED_PROXIES: {item!r} is not an IP address or network ({err})") from err
    return tuple(networks)


def from_env() -> AuthConfig:
    """The settings from the environment; a ``ConfigError`` names what is wrong."""
    switch = os.environ.get("CSB_AUTH", "").strip().lower()
    if switch in OFF:
        return AuthConfig(enabled=False)
    if switch not in ON:
        raise ConfigError(f"CSB_AUTH={switch!r}: expected on or off")
    secret = os.environ.get("CSB_SECRET_KEY", "")
    if len(secret.strip()) < 16:
        raise ConfigError("CSB_AUTH is on but CSB_SECRET_KEY is unset or shorter than 16 characters; "
                          "set it to a long random string, e.g. python -c 'import secrets; print(secrets.token_hex(32))'")
    user_header = os.environ.get("CSB_TRUSTED_USER_HEADER", "").strip()
    proxies = _networks(os.environ.get("CSB_TRUSTED_PROXIES", ""))
    if user_header and not proxies:
        raise ConfigError("CSB_TRUSTED_USER_HEADER is set but CSB_TRUSTED_PROXIES is empty: "
                          "name the reverse proxy's addresses, or anyone could send the header")
    try:
        hours = float(os.environ.get("CSB_SESSION_HOURS", "12"))
    except ValueError as err:
        raise ConfigError(f"CSB_SESSION_HOURS={os.environ['CSB_SESSION_HOURS']!r}: expected a number of hours") from err
    return AuthConfig(
        enabled=True,
        secret_key=secret,
        users_file=users_file(),
        tokens_file=tokens_file(),
        sessions_file=sessions_file(),
        trusted_user_header=user_header,
        trusted_role_header=os.environ.get("CSB_TRUSTED_ROLE_HEADER", "").strip(),
        trusted_proxies=proxies,
        allowed_origins=tuple(o.strip().rstrip("/") for o in os.environ.get("CSB_ALLOWED_ORIGINS", "").split(",") if o.strip()),
        secure_cookies=os.environ.get("CSB_INSECURE_COOKIES", "").strip().lower() not in ON,
        session_hours=hours,
    )
