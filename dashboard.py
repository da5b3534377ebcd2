"""The Dash app. ``create_app()`` builds it; ``server`` is the Flask app gunicorn serves.

Pages are registered here, centrally; layouts are pure functions in ``layouts/``,
callbacks live in ``callbacks/`` and read the warehouse only through ``data/``.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
import time
from pathlib import Path

import dash
from dash import Dash, State, dcc, html
from dash.fingerprint import check_fingerprint
from flask import has_request_context, jsonify, request
from flask_compress import Compress
from sqlalchemy import text

import auth
from data import cache as data_cache
from data import db, settings, urlstate
from data import text as words
from data import version as data_versions

ROOT = Path(__file__).resolve().parent


def build_id() -> str:
    """Identifies the code being served; open wall screens reload when it changes.

    ``CSB_BUILD_ID`` wins (set it in a deployment); otherwise a hash of the app's own
    source and asset files, so any deployed change is noticed.
    """
    explicit = os.environ.get("CSB_BUILD_ID")
    if explicit:
        return explicit
    digest = hashlib.sha256()
    for folder in ("layouts", "callbacks", "console", "assets", "data"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".js", ".css", ".yaml", ".csv"}:
                digest.update(path.relative_to(ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


#: Dash's page router hands a page's layout the query string as Dash parses it (a key given
#: twice becomes a list; without a leading "?" nothing at all). The pages read it as the
#: access check does instead: the raw search, as a state of the router, through
#: ``urlstate.query_params`` (``_one_reading``).
RAW_SEARCH = "csb_search"


def _one_reading(layout):
    """``layout`` drawn from the query string read by ``urlstate.query_params``, the function
    ``auth/policy.py`` decides access with; a link naming a parameter twice is refused."""

    @functools.wraps(layout)
    def page(**given):
        if RAW_SEARCH not in given:  # called directly (tests), not by the router
            return layout(**given)
        try:
            params = urlstate.query_params(str(given[RAW_SEARCH] or ""))
        except urlstate.RepeatedParameter as err:
            return html.Div([html.P(words.pick(words.pair("link.repeated"), lang).format(name=err.name))
                             for lang in ("zh", "en")], className="link-refused")
        return layout(**params)

    return page


def _register_pages() -> None:
    import callbacks
    import layouts.pages

    filled = callbacks.page_layouts()
    for page in layouts.pages.PAGES:
        options = {k: v for k, v in page.items() if k != "module"}
        options["layout"] = _one_reading(filled.get(page["module"], options["layout"]))
        dash.register_page(page["module"], **options)


def _register_routes(app: Dash) -> None:
    server = app.server
    version = build_id()
    server.config["CSB_BUILD_ID"] = version

    @server.route("/healthz")
    def healthz():
        """200 when the warehouse answers a query and this process is warm (``warm``), 503 when
        not ("unavailable", or "warming" while the warm-up runs); the wall polls it to know it
        is live. A process nobody warmed warms itself here, so this answer waits for it.

        An anonymous caller learns only up or down; a signed-in one (or anyone, with access
        control off) also the build and the data version, which the wall uses to reload.
        Why the warehouse is down goes to the log, never to the caller (it names hosts, ports
        and files).
        """
        try:
            from data import query

            engine = db.get_engine()
            with engine.connect() as conn:
                conn.execute(text("SELECT 1 FROM fact LIMIT 1"))
            data_version = query.data_version()
        except Exception as err:  # noqa: BLE001 - any failure means "not healthy"
            server.logger.warning("healthz: warehouse unavailable: %s", str(err).splitlines()[0] if str(err) else err)
            return jsonify(status="unavailable"), 503
        if not warm(app):  # another thread is warming this process: not ready for visitors yet
            return jsonify(status="warming"), 503
        if not auth.identified():
            return jsonify(status="ok")
        return jsonify(status="ok", build=version, data_version=data_version)

    import api

    api.init_app(server)


#: What a browser or proxy may do with a response whose URL names its content: keep it a year
#: and never ask again (a changed file gets a new URL).
FOREVER = "public, max-age=31536000, immutable"
#: Dash's own routes whose answers change with the data: asked again every time.
DASH_DATA_ROUTES = ("_dash-update-component", "_dash-layout", "_dash-dependencies")


def _fingerprint_matches(app: Dash) -> bool:
    """Whether the requested URL names the very content being served.

    Component suites carry Dash's fingerprint (package version and file time) in their
    path; our assets carry ``?m=`` (the file's time, added by Dash); Dash's favicon
    ``?v=`` its version. A query that does not match what is on disk now (a page from
    before a deployment) is served, but not for keeps.
    """
    path = app.strip_relative_path(request.path) or ""
    if path.startswith("_dash-component-suites/"):
        return check_fingerprint(path.rsplit("/", 1)[-1])[1]
    if request.endpoint == "_dash_assets.static" and request.view_args:
        stamp = request.args.get("m")
        file = Path(app.config.assets_folder) / str(request.view_args.get("filename", ""))
        return stamp is not None and file.is_file() and stamp == str(file.stat().st_mtime)
    if path == "_favicon.ico":
        return request.args.get("v") == dash.__version__
    return False


def _serve_lean(app: Dash) -> None:
    """Compress what is sent and let browsers keep what does not change.

    Compression: flask-compress (zstd, brotli or gzip, as the browser accepts), for
    scripts, styles, pages and callback answers; Dash's renderer goes out at about a
    quarter of its size. Behind a reverse proxy that compresses, set ``CSB_COMPRESS=0``
    (docs/scaling.md). Caching: a fingerprinted URL (see ``_fingerprint_matches``) is
    kept a year and never revalidated; pages and Dash's data routes are asked again
    every time (``no-cache``), and so are unfingerprinted files (Flask's default).
    """
    server = app.server
    if os.environ.get("CSB_COMPRESS", "1") != "0":
        # Files Flask sends are streamed; let flask-compress answer revalidations of
        # those too, against the compressed ETag it gives them.
        server.config.setdefault("COMPRESS_STREAMING_ENDPOINT_CONDITIONAL", ["static", "_dash_assets.static"])
        # flask-compress leaves gzip out for streamed files by default; its streaming
        # gzip works, and a browser or client offering only gzip should get it too.
        server.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["zstd", "br", "gzip", "deflate"])
        Compress(server)

    @server.after_request
    def cache_control(response):
        if response.status_code == 200 and _fingerprint_matches(app):
            response.headers["Cache-Control"] = FOREVER
        elif response.mimetype == "text/html" or request.path.rstrip("/").endswith(DASH_DATA_ROUTES):
            response.headers["Cache-Control"] = "no-cache"
        return response


class CommunityDash(Dash):
    """Dash, with a lighter page for the wall screen.

    Dash serves every page the scripts of every component library; a wall opened in a
    fresh browser spent most of its first second compiling code it never runs. So the
    wall's page (only when it is the page the browser loads) leaves out dash-ag-grid and
    the date picker's locale, which only the laptop pages use. It draws no Plotly chart
    (its charts are the page's own elements, layouts/wallcharts.py), so no plotly.js is
    fetched for it at all.
    """

    LEAN_PATHS = {"wall"}
    HEAVY_SCRIPT = re.compile(r'<script src="[^"]*/_dash-component-suites/dash_ag_grid/[^"]*"></script>\n?')
    #: The date picker's Chinese names and the grid's functions: only the laptop pages have a picker or a grid.
    LAPTOP_SCRIPTS = re.compile(
        r'<script src="[^"]*/assets/(?:date-fns-zh-CN\.min|datepicker_locale|dashAgGridFunctions|charts)\.js[^"]*"></script>\n?')
    #: Dash lists its DataTable bundle on every page; no page of this app draws one.
    UNUSED_SCRIPT = re.compile(r'<script src="[^"]*/_dash-component-suites/dash/dash_table/[^"]*"></script>\n?')

    def interpolate_index(self, metas="", title="", css="", config="", scripts="", app_entry="", favicon="", renderer=""):
        scripts = self.UNUSED_SCRIPT.sub("", scripts)
        if has_request_context() and self.strip_relative_path(request.path) in self.LEAN_PATHS:
            scripts = self.LAPTOP_SCRIPTS.sub("", self.HEAVY_SCRIPT.sub("", scripts))
        page = super().interpolate_index(metas=metas, title=title, css=css, config=config, scripts=scripts,
                                         app_entry=app_entry, favicon=favicon, renderer=renderer)
        # The page's language, for screen readers and the browser's own words; navigating
        # between languages without a reload keeps it right (callbacks/page_lang.py).
        return page.replace("<html>", f'<html lang="{html_lang()}">', 1)


def html_lang() -> str:
    """``<html lang>`` of the page asked for: "en" with ``?lang=en``, else "zh-CN"."""
    asked = request.args.get("lang") if has_request_context() else None
    return "en" if words.is_en(asked) else "zh-CN"


_callback_snapshot: tuple | None = None


def _load_callbacks() -> None:
    """Register ``callbacks/`` for this app, also for the second app in one process.

    Dash moves the global ``@callback`` registry into the first app that serves a request
    and empties it; tests (and gunicorn's preload) build more than one app, so keep a copy
    of the registry taken when the modules were first imported and put it back each time.
    """
    global _callback_snapshot
    from dash import _callback

    import callbacks

    if _callback_snapshot is None:
        callbacks.register_all()
        _callback_snapshot = (
            list(_callback.GLOBAL_CALLBACK_LIST),
            dict(_callback.GLOBAL_CALLBACK_MAP),
            list(_callback.GLOBAL_INLINE_SCRIPTS),
        )
        return
    callback_list, callback_map, inline_scripts = _callback_snapshot
    _callback.GLOBAL_CALLBACK_LIST[:] = callback_list
    _callback.GLOBAL_CALLBACK_MAP.clear()
    _callback.GLOBAL_CALLBACK_MAP.update(callback_map)
    _callback.GLOBAL_INLINE_SCRIPTS[:] = inline_scripts


def _check_files() -> None:
    """Read the catalogue and the playlist now, so a broken one is reported at start-up.

    A broken metric catalogue stops the app (CatalogError names file, line and reason); a
    broken playlist is logged the same way and the wall falls back to the default one.
    """
    from data import catalog, playlist

    catalog.read_metrics()
    playlist.load()


def _warm_up(app: Dash) -> None:
    """Check the warehouse's schema now rather than on the first screen's first request.

    A warehouse that cannot be reached yet is not fatal: /healthz says so and the pages
    recover when it answers.
    """
    try:
        db.get_engine()
    except Exception as err:  # noqa: BLE001 - reported, retried on the next request
        app.server.logger.warning("warehouse not reachable at start-up: %s", str(err).splitlines()[0])


class Warmth:
    """Whether this process has done what its first visitor would otherwise wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.took_ms: float | None = None
        self.retry_at = 0.0  # after a failed attempt, not before (monotonic seconds)


#: Seconds between attempts to warm a process whose warm-up failed: health checks from
#: hundreds of screens must not each run it again.
WARM_RETRY = 15.0


WARMTH = "csb.warmth"  # the app's Warmth, in server.extensions
#: What a wall screen asks of a fresh process, in its order: the page, Dash's layout and
#: callback list, then the page router's callback, which builds the default wall with its
#: figures (the first screen is drawn with them, see callbacks/wall.py ``first_screen``).
WARM_REQUESTS = (
    ("GET", "/wall", None),
    ("GET", "/_dash-layout", None),
    ("GET", "/_dash-dependencies", None),
    ("POST", "/_dash-update-component", {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/wall"},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
        "state": [{"id": "_pages_location", "property": "search", "value": ""}],
    }),
)


def _ask_self(app: Dash, method: str, path: str, body: dict | None) -> None:
    """Answer one request in this process as a visitor's would be answered (every hook,
    compression included), except the access check: warming is not a visitor."""
    server = app.server
    guard = server.extensions.get("csb_auth")
    headers = {"Accept-Encoding": "zstd, br, gzip"}
    # A context of its own (its own flask.g), also when /healthz warms inside its request.
    with server.app_context(), server.test_request_context(path, method=method, json=body, headers=headers):
        answer = None
        for hook in server.before_request_funcs.get(None, []):
            if guard is not None and hook == guard.check:
                continue
            answer = hook()
            if answer is not None:
                break
        if answer is None:
            answer = server.dispatch_request()
        response = server.process_response(server.make_response(answer))
        response.get_data()
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status_code}")


def warm(app: Dash) -> bool:
    """Make this process ready for its first visitor: True once it is.

    Runs the requests a wall screen makes (``WARM_REQUESTS``), so imports, the engine's
    pool and compiled statements, Dash's callback machinery, the default wall's figures
    (memo and query cache) and its layout are all made before anyone waits for them. Once
    per process: gunicorn calls it in each worker before it accepts (gunicorn.conf.py),
    ``python dashboard.py`` before it listens (both wait at most ``CSB_WARM_WAIT`` seconds
    and go on warming in a thread), and /healthz if nobody did. False while
    another thread is warming, or when it failed (the warehouse could not be read, say):
    tried again on a call ``WARM_RETRY`` seconds later.
    """
    state: Warmth = app.server.extensions[WARMTH]
    if state.done.is_set():
        return True
    if time.monotonic() < state.retry_at or not state.lock.acquire(blocking=False):
        return False
    try:
        if state.done.is_set():
            return True
        started = time.perf_counter()
        with db.get_engine().connect() as conn:  # no warehouse, no warming: say so, try again later
            conn.execute(text("SELECT 1 FROM fact LIMIT 1"))
        for method, path, body in WARM_REQUESTS:
            _ask_self(app, method, path, body)
        state.took_ms = (time.perf_counter() - started) * 1000
        state.done.set()
        app.server.logger.info("process %d warm in %.0f ms", os.getpid(), state.took_ms)
        return True
    except Exception as err:  # noqa: BLE001 - a cold process still serves; /healthz says why not warm
        state.retry_at = time.monotonic() + WARM_RETRY
        app.server.logger.warning("warming failed: %s", str(err).splitlines()[0] if str(err) else repr(err))
        return False
    finally:
        state.lock.release()


def warm_in_background(app: Dash, wait: float = 0) -> threading.Thread:
    """``warm`` in a thread of its own, waiting for it up to ``wait`` seconds."""
    thread = threading.Thread(target=warm, args=(app,), name="csb-warm", daemon=True)
    thread.start()
    thread.join(wait)
    return thread


def create_app() -> Dash:
    """Build the app: pages, callbacks, routes. Cheap enough to call once per test."""
    _check_files()
    app = CommunityDash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        title="社区智慧大脑",
        update_title=None,  # type: ignore[arg-type]  # Dash documents None (title left alone) but annotates str
        suppress_callback_exceptions=True,
        serve_locally=True,
        routing_callback_inputs={RAW_SEARCH: State("_pages_location", "search")},
    )
    # One data version reader per app: cache keys, the query layer's snapshot and the
    # wall's memo all take the version from it, one value per request.
    data_cache.init_app(app.server, data_versions.Reader())
    db.serve_existing(settings.database_url())  # a missing SQLite warehouse is a 503, never a new empty one
    auth.init_app(app.server)
    _register_pages()
    _load_callbacks()
    app.layout = html.Div([dcc.Location(id="shell-url"), dash.page_container], id="shell")
    app.server.extensions[WARMTH] = Warmth()
    _register_routes(app)
    _serve_lean(app)
    _warm_up(app)
    # Dash finishes its set-up on the first request of each process; under threaded
    # gunicorn workers, requests racing that first one got "dash is not a registered
    # library". Do it now, before any fork, so every worker starts ready.
    with app.server.app_context():
        app._setup_server()
    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    # Warm before listening, as gunicorn's workers do, but never wait past CSB_WARM_WAIT
    # seconds (a warehouse that does not answer): /healthz says "warming" until it is done.
    warm_in_background(app, wait=float(os.environ.get("CSB_WARM_WAIT", "30")))
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
