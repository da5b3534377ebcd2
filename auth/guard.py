"""The before-request guard: who is asking, and whether they may.

Who, in this order: a user named by the reverse proxy's header (only when the request
comes from one of ``CSB_TRUSTED_PROXIES``), a logged-in user's session, HTTP Basic
credentials on the JSON API (for scripts), a kiosk screen's session (opened by its token
on ``/wall``). Sessions are checked against the users, tokens and ended-sessions files on
every request, so removing a user, revoking a token or logging out takes effect at once.

Dash's callback POSTs are JSON sent by the page's own script. They ride on the session
cookie, which is SameSite=Lax (a cross-site POST does not carry it), and any POST whose
Origin header names another site is refused, so another site cannot run them for a user.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, g, has_request_context, jsonify, redirect, request, session

from auth import policy, roles
from auth.config import AuthConfig
from auth.files import StoreError
from auth.pages import forbidden_page, repeated_parameter_page, token_refused_page
from auth.ratelimit import LoginLimiter
from auth.sessions import EndedSessions
from auth.tokens import TokenStore
from auth.users import UserStore
from data.urlstate import RepeatedParameter, query_params

log = logging.getLogger("csb.auth")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str  # viewer | analyst | editor | admin | kiosk
    via: str  # proxy | session | basic | kiosk
    area: str | None = None  # a kiosk screen's own area
    areas: tuple[str, ...] = ()  # the areas given to a user (users file): an editor's reach

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "via": self.via}


@dataclass
class Guard:
    config: AuthConfig
    users: UserStore
    tokens: TokenStore
    limiter: LoginLimiter
    sessions: EndedSessions

    # --- who is asking --------------------------------------------------------------------

    def client_address(self) -> str:
        """The visitor's address: behind a trusted proxy, the nearest untrusted hop of X-Forwarded-For.

        Failed logins are counted per address; without this, everyone behind the proxy
        would share one count.
        """
        address = request.remote_addr or ""
        if not self.config.trusts(address):
            return address
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.config.trusts(hop):
                return hop
        return address

    def from_proxy(self) -> Principal | None:
        header = self.config.trusted_user_header
        if not header:
            return None
        name = (request.headers.get(header) or "").strip()
        if not name:
            return None
        if not self.config.trusts(request.remote_addr):
            log.warning("ignored %s header from %s, which is not in CSB_TRUSTED_PROXIES", header, request.remote_addr)
            return None
        role = (request.headers.get(self.config.trusted_role_header) or "").strip().lower() \
            if self.config.trusted_role_header else ""
        known = self.users.get(name)
        if role not in roles.ROLES:
            role = known.role if known else "viewer"
        return Principal(name, role, "proxy", areas=known.areas if known else ())

    def from_session(self) -> Principal | None:
        name = session.get("user")
        if name:
            user = self.users.get(name)
            sid = session.get("sid")
            if (user is not None and session.get("fingerprint") == user.fingerprint
                    and isinstance(sid, str) and sid and not self.sessions.ended(sid)):
                return Principal(user.name, user.role, "session", areas=user.areas)
            session.clear()  # removed, the password changed, or logged out since this session began
            return None
        digest = session.get("kiosk")
        if digest:
            kiosk = self.tokens.by_digest(digest)
            if kiosk is not None:
                return Principal(kiosk.screen, roles.KIOSK, "kiosk", kiosk.area)
            session.pop("kiosk", None)  # the token was revoked
        return None

    def from_basic(self) -> Principal | None:
        credentials = request.authorization
        if credentials is None or credentials.type != "basic" or not credentials.username:
            return None
        address, name = self.client_address(), credentials.username
        if self.limiter.wait(address, name) > 0:
            return None
        user = self.users.verify_often(name, credentials.password or "")
        if user is None:
            self.limiter.failed(address, name)
            return None
        self.limiter.succeeded(address, name)
        return Principal(user.name, user.role, "basic", areas=user.areas)

    def identify(self, need: policy.Need) -> Principal | None:
        found = self.from_proxy() or self.from_session()
        if (found is None or found.via == "kiosk") and need.kind == "api":
            found = self.from_basic() or found
        return found

    # --- the kiosk URL ----------------------------------------------------------------------

    def open_kiosk(self, args: dict[str, str]):
        """``/wall?token=...``: remember the screen in the session; keep it to its own area."""
        kiosk = self.tokens.find(args.get("token"))
        if kiosk is None:
            session.pop("kiosk", None)
            return None if self.from_proxy() or self.from_session() else token_refused_page()
        if session.get("kiosk") != kiosk.digest and not session.get("user"):
            session["kiosk"] = kiosk.digest
            session.permanent = True
        if kiosk.area and args.get("area") != kiosk.area:
            return redirect(request.path + "?" + urlencode({**args, "area": kiosk.area}))
        return None

    # --- the check --------------------------------------------------------------------------

    def same_origin(self) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not sent by a browser's cross-site request; the cookie rules still hold
        if origin.rstrip("/") in self.config.allowed_origins:
            return True
        parts = urlsplit(origin)
        return origin != "null" and parts.netloc == request.host

    def check(self):
        """The before-request hook: ``None`` lets the request through; otherwise the answer."""
        try:
            return self._check()
        except StoreError as err:  # a users or tokens file broken while running: nobody gets in
            log.error("access control: %s", err)
            return _json(503, "unavailable", f"the access list cannot be read: {err}")

    def _check(self):
        if request.method in UNSAFE_METHODS and not self.same_origin():
            return _json(403, "forbidden", "cross-site request refused: the Origin header names another site")
        try:  # the query string read once, the way the pages read it (urlstate.query_params)
            args, repeated = query_params(request.query_string.decode("utf-8", "replace")), None
        except RepeatedParameter as err:
            args, repeated = {}, err
        need = policy.request_need(request.method, request.path, args,
                                   lambda: request.get_json(silent=True), declarations)
        if need.role is None:
            return None
        if repeated is not None and need.kind == "page":
            return repeated_parameter_page(repeated.name)
        if need.kiosk and request.method == "GET" and "token" in args and policy.page_for(request.path) == "wall":
            answer = self.open_kiosk(args)
            if answer is not None:
                return answer
        who = self.identify(need)
        g.csb_principal = who
        if who is None:
            return self.unauthenticated(need)
        if who.via == "kiosk" and not need.kiosk:
            return self.unauthenticated(need, kiosk=True)
        if not permits(who, need):
            return self.forbidden(need, who, "this screen's token shows its own area only" if who.via == "kiosk" else "")
        if who.via == "kiosk":
            from console import screens  # the console's list of screens shows their last contact

            screens.seen(who.name)
        return None

    def unauthenticated(self, need: policy.Need, *, kiosk: bool = False):
        if need.kind == "page" and request.method in {"GET", "HEAD"}:
            target = request.full_path if request.query_string else request.path
            return redirect("/login?" + urlencode({"next": target}))
        message = ("a kiosk screen may show the wall only" if kiosk
                   else "log in first (/login), or send a trusted proxy's header")
        answer = _json(403 if kiosk else 401, "forbidden" if kiosk else "unauthorized", message)
        if need.kind == "api" and not kiosk:
            answer.headers["WWW-Authenticate"] = 'Basic realm="Community Smart Brain API", charset="UTF-8"'
        return answer

    def forbidden(self, need: policy.Need, who: Principal, why: str = ""):
        why = why or f"{who.name} is {who.role}; this needs {need.role}" + (f" ({need.reason})" if need.reason else "")
        if need.kind == "page":
            return forbidden_page(who, need.role)
        return _json(403, "forbidden", why)


def dash_app(server: Flask):
    """The Dash app serving on ``server``: the owner of one of its before-request hooks.

    ``init_app`` is handed the Flask server only; Dash keeps no link from the server to
    itself, but it registers its own bound method ``_setup_server`` as a hook.
    """
    for hook in server.before_request_funcs.get(None, []):
        owner = getattr(hook, "__self__", None)
        if owner is not None and getattr(owner, "server", None) is server and hasattr(owner, "_callback_list"):
            return owner
    return None


def declarations(output_key) -> dict | None:
    """The declaration of the callback with this output key, as ``/_dash-dependencies`` lists it."""
    app = dash_app(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's own method
    if app is None or not isinstance(output_key, str):
        return None
    for declared in app._callback_list:
        if declared.get("output") == output_key:
            return declared
    return None


def _json(status: int, error: str, message: str):
    answer = jsonify(error=error, message=message)
    answer.status_code = status
    return answer


def current_guard() -> Guard | None:
    return current_app.extensions.get("csb_auth")


def permits(who: Principal | None, need: policy.Need) -> bool:
    """Whether ``who`` may do what ``need`` asks for: the guard's decision on a request
    (``Guard.check``), and on a link drawn for one (``may_open``). A kiosk screen may do
    what a kiosk may (the wall), of its own area only; a user what their role allows."""
    if need.role is None:
        return True
    if who is None:
        return False
    if who.via == "kiosk":
        return need.kiosk and not (who.area and any(area != who.area for area in need.areas))
    return roles.allows(who.role, need.role)


def principal(guard: Guard) -> Principal | None:
    """Who this request comes from: as the guard found them, or, on a path it let through
    without asking (``policy.OPEN_PATHS``), as it would find them."""
    if "csb_principal" in g:
        return g.csb_principal
    return guard.from_proxy() or guard.from_session()


def may_open(href: str) -> bool:
    """Whether the one this request comes from may open ``href``, a link on this site
    (``/explore?metric=...&lang=en``): what the guard would answer to their GET of it, by the
    same rule (``policy.request_need``: which page needs which role; ``permits``). A page
    draws a link only where this is true, so that nobody is offered a page that refuses them.

    True with access control off (everyone may open everything), outside a request (nobody
    is asking: a layout built by a test or a script), and for a link to another site.
    """
    if not has_request_context():
        return True
    guard = current_guard()
    if guard is None:
        return True
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return True
    try:
        args = query_params(parts.query)
    except RepeatedParameter:
        return False  # the guard refuses a link that names a parameter twice
    need = policy.request_need("GET", parts.path or request.path, args, lambda: None, lambda _key: None)
    return permits(principal(guard), need)


def install(server: Flask, guard: Guard) -> None:
    server.extensions["csb_auth"] = guard
    server.before_request(guard.check)

    @server.after_request
    def _vary(response):
        """Answers differ by who asks: no shared cache may hand one user's page to another."""
        if request.path.startswith(policy.OPEN_PREFIXES):
            return response
        response.vary.add("Cookie")
        if request.path.startswith(policy.API_PREFIX):
            response.vary.add("Authorization")
        return response
