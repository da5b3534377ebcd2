"""Every component id of the app, in one place.

Callbacks and layouts import ids from here, so a renamed id breaks loudly at import
instead of silently at run time. One class per page; pattern-matching ids are built by
small functions next to their class (given a code, or ``ALL``/``MATCH`` in a callback).
"""
from dash.dependencies import Wildcard


class Shell:
    """The frame around every page."""

    URL = "shell-url"
    NAV = "shell-nav"
    # Store: the laptop charts' factor, set when a resize changes it (assets/charts.js). Each chart's
    # figure comes from the server into a Store of its page named ``..._UNSCALED`` (drawn at the
    # 1920px design size), and the Graph shows it at the page's scale (callbacks/charts.py).
    CHART_SCALE = "shell-chart-scale"


class Wall:
    """The lobby wall screen (/wall)."""

    ROOT = "wall-root"  # carries data-state = live | stale | offline
    CANVAS = "wall-canvas"  # the fixed 1920x1080 design canvas, scaled by assets/wall.js
    AREA_NAME = "wall-area-name"
    DATE = "wall-date"
    CLOCK = "wall-clock"
    UPDATED = "wall-updated"  # "数据更新于 HH:MM": when the data last loaded (wall.js, from the refresh)
    STATUS = "wall-status"  # how old the figures are when not live; written by wall.js
    NOTE = "wall-note"  # the corner note: a bad playlist, an unknown area
    STAGE = "wall-stage"  # carries data-active = the panel on screen
    TICKER = "wall-ticker"  # its track is written by wall.js
    # A panel's list: pattern ids (``Wall.list``), so a playlist may leave its panel out.
    LEAGUE_BODY = {"type": "wall-list", "list": "league"}
    GUIDE_LIST = {"type": "wall-list", "list": "guide"}
    RESOURCE_LIST = {"type": "wall-list", "list": "resource"}
    ACTIVITY_LIST = {"type": "wall-list", "list": "agenda"}
    WISH_LIST = {"type": "wall-list", "list": "wishes"}  # the co-building panel's micro-wishes just fulfilled
    PULSE_LIST = {"type": "wall-list", "list": "pulses"}  # the governance panel's work orders and events just in
    CONFIG = "wall-config"  # Store: area, lang (fixed for the page's life)
    PLAYLIST = "wall-playlist"  # Store: the playlist for the rotation (replaced when the file changes)
    REQUEST = "wall-request"  # Store: the refresh asked for (a number), set by the clientside gate
    DATA = "wall-data"  # Store: the answer (same number), KPI values, ticker items
    TICK = "wall-tick"  # Interval: the clock
    ROTATE = "wall-rotate"  # Interval: next panel; its interval is the current panel's duration
    REFRESH = "wall-refresh"  # Interval: the playlist's refresh interval
    # Store: the charts of panels not yet on screen, by chart, as the box to put in their slot
    # (``Wall.slot``) when the rotation comes to them (callbacks/wall.py, "draw what is seen").
    DEFERRED = "wall-deferred"
    # Store: the new marks of each chart on the page whose figures changed while its panel was
    # off screen, by chart ({"panel", "children", "v"}), drawn when the rotation comes to it.
    PENDING = "wall-pending"

    @staticmethod
    def panel(panel: str | Wildcard) -> dict:
        """A rotating panel's root (data-panel, data-as-of)."""
        return {"type": "wall-panel", "panel": panel}

    @staticmethod
    def chart(chart: str | Wildcard) -> dict:
        """A chart on a wall panel, e.g. "governance-events"."""
        return {"type": "wall-chart", "chart": chart}

    @staticmethod
    def slot(chart: str | Wildcard, panel: str | Wildcard) -> dict:
        """Where a chart of a panel not yet on screen is put when its panel comes round."""
        return {"type": "wall-slot", "chart": chart, "panel": panel}

    @staticmethod
    def kpi(metric: str | Wildcard) -> dict:
        """A KPI tile of the strip; its className marks a figure below target."""
        return {"type": "wall-kpi", "metric": metric}

    @staticmethod
    def stat(stat: str | Wildcard) -> dict:
        """A figure written as text on a panel."""
        return {"type": "wall-stat", "stat": stat}

    @staticmethod
    def list(name: str | Wildcard) -> dict:
        """A panel's list (league rows, guide, resources, activities): ``LEAGUE_BODY`` etc."""
        return {"type": "wall-list", "list": name}


class Overview:
    """The leaders' overview (/)."""

    URL = "overview-url"
    LANG = "overview-lang"
    AREA = "overview-area"
    PERIOD = "overview-period"
    DATES = "overview-dates"
    NOTICE = "overview-notice"
    HEADING = "overview-heading"
    KPIS = "overview-kpis"
    ATTENTION = "overview-attention"
    LEAGUE = "overview-league"
    LEAGUE_TITLE = "overview-league-title"
    LEAGUE_SORT = "overview-league-sort"
    LEAGUE_SCALE = "overview-league-scale"  # counts as they are, or per 1,000 residents
    TODO = "overview-todo"  # the needs-action list (callbacks/todo.py)
    TODO_SOURCE = "overview-todo-source"
    TODO_STATUS = "overview-todo-status"
    TODO_CSV = "overview-todo-csv"
    TODO_DOWNLOAD = "overview-todo-download"
    TODO_LINKS = "overview-todo-links"
    TODO_COUNT = "overview-todo-count"


class Reach:
    """The explorer's participation card: residents reached beside person-times (layouts/reach.py)."""

    CARD = "reach-card"
    TITLE = "reach-title"
    SUMMARY = "reach-summary"
    PEOPLE = "reach-people"  # people (人) and person-times (人次), visits per person
    NEW = "reach-new"  # new and returning people, regulars
    AGE = "reach-age"
    PEOPLE_UNSCALED = "reach-people-unscaled"  # Stores: the charts' figures as the server drew them
    NEW_UNSCALED = "reach-new-unscaled"
    AGE_UNSCALED = "reach-age-unscaled"
    AGE_PART = "reach-age-part"
    NOTES = "reach-notes"


class Explore:
    """The analysts' explorer (/explore)."""

    URL = "explore-url"
    STATE = "explore-state"
    NOTICE = "explore-notice"
    METRIC = "explore-metric"
    AREA = "explore-area"
    PERIOD = "explore-period"
    DATES = "explore-dates"
    GRAIN = "explore-grain"
    BY = "explore-by"
    COMPARE = "explore-compare"
    CHART = "explore-chart"
    BREADCRUMB = "explore-breadcrumb"
    HEADING = "explore-heading"
    TREND = "explore-trend"
    BREAKDOWN = "explore-breakdown"
    MAP = "explore-map"
    TREND_UNSCALED = "explore-trend-unscaled"  # Stores: the charts' figures as the server drew them
    BREAKDOWN_UNSCALED = "explore-breakdown-unscaled"
    MAP_UNSCALED = "explore-map-unscaled"
    TABLE = "explore-table"
    TABLE_OF = "explore-table-of"
    CSV = "explore-csv"
    EXCEL = "explore-excel"
    DOWNLOAD = "explore-download"
    TREND_DATA = "explore-trend-data"
    BREAKDOWN_DATA = "explore-breakdown-data"
    MAP_DATA = "explore-map-data"
    MASK_NOTE = "explore-mask-note"
    FIGURE = "explore-figure"
    MAP_TITLE = "explore-map-title"
    MAP_NOTE = "explore-map-note"
    COMPARE_AS = "explore-compare-as"
    COMPARE_AS_BOX = "explore-compare-as-box"  # shown only while areas are compared
    YOY = "explore-yoy"
    TREND_NOTE = "explore-trend-note"
    IMAGE_SAVED = "explore-image-saved"  # Store: the name of the last chart image saved

    @staticmethod
    def image(chart: str | Wildcard, fmt: str | Wildcard) -> dict:
        """A button that saves chart ``chart`` ("trend", "breakdown", "map") as ``fmt`` ("png", "svg")."""
        return {"type": "explore-image", "chart": chart, "format": fmt}

    @staticmethod
    def crumb(code: str | Wildcard) -> dict:
        """A breadcrumb link back up to ``code``."""
        return {"type": "explore-crumb", "code": code}

    # The charts' clicks by keyboard: the areas a click on a bar or the map would open, as buttons.
    BAR_KEYS = "explore-bar-keys"
    MAP_KEYS = "explore-map-keys"

    @staticmethod
    def pick(code: str | Wildcard, where: str | Wildcard) -> dict:
        """A button opening area ``code``, in the list beside chart ``where`` ("bars", "map")."""
        return {"type": "explore-pick", "code": code, "where": where}


class DataHealth:
    """The data-health page (/data)."""

    LANG = "data-lang"  # Store: the page's language, fixed for its life
    REFRESH = "data-refresh"  # Interval: read the ETL log again
    NOTICE = "data-notice"  # the warehouse cannot be read
    SUMMARY = "data-summary"  # "9 sources: 7 on time, 1 due, 1 overdue", version, last load
    SOURCES = "data-sources"  # one card per source
    RUNS = "data-runs"  # AgGrid: recent runs of every source
    REJECTS = "data-rejects"  # AgGrid: refused rows of the chosen period and source
    WARNINGS = "data-warnings"  # AgGrid: field warnings (rows kept) of the chosen period and source
    PERIOD = "data-period"  # RadioItems: the period refusals and warnings are counted over
    SOURCE = "data-source"  # Dropdown: the source the grids and the download show (None: every source)
    CSV = "data-csv"  # Button: download the refused rows and warnings as CSV
    DOWNLOAD = "data-download"  # Download: the CSV


class Console:
    """The staff console (/console). Its sections may keep their ids in classes of their own
    named ``Console...`` (``ConsolePlaylist``, ``ConsoleTargets``): ``auth/policy.py`` gives
    every such class to the console page, which needs the editor role."""

    URL = "console-url"  # Location: choosing an area or a section opens its link
    CSRF = "console-csrf"  # Store: the session's form token, sent back with every change
    CONTEXT = "console-context"  # Store: lang and the area chosen (fixed for the page's life)
    AREA = "console-area"  # Dropdown: the area the sections act for (the editor's areas)
    TABS = "console-tabs"
    MESSAGE = "console-message"  # the page-wide refusal (not logged in, no areas, auth off)
    # Notices (公告): the form, its preview, the list
    NOTICE_HEADING = "console-notice-heading"  # "write" or "editing #12"
    NOTICE_ID = "console-notice-id"  # Store: the notice being edited (None: a new one)
    NOTICE_KIND = "console-notice-kind"
    NOTICE_TITLE = "console-notice-title"
    NOTICE_TITLE_EN = "console-notice-title-en"
    NOTICE_BODY = "console-notice-body"
    NOTICE_AREA = "console-notice-area"
    NOTICE_PUBLISH = "console-notice-publish"  # the publication time (local), text
    NOTICE_EXPIRE = "console-notice-expire"  # the expiry time (local), text, optional
    NOTICE_PINNED = "console-notice-pinned"
    NOTICE_SAVE = "console-notice-save"
    NOTICE_NEW = "console-notice-new"
    NOTICE_RESULT = "console-notice-result"  # what the last save did, or why it was refused
    NOTICE_PREVIEW = "console-notice-preview"  # the ticker line and the wall's reading
    NOTICE_LIST = "console-notice-list"
    NOTICE_VERSION = "console-notice-version"  # Store: bumped by each change, redraws the list
    # Screens (屏幕)
    SCREEN_LIST = "console-screen-list"
    SCREEN_RESULT = "console-screen-result"
    SCREEN_VERSION = "console-screen-version"  # Store: bumped by each reload request, redraws the list
    # Audit (审计), admins only
    AUDIT_LIST = "console-audit-list"

    @staticmethod
    def notice_edit(content_id: int | Wildcard) -> dict:
        """A listed notice's "edit" button."""
        return {"type": "console-notice-edit", "id": content_id}

    @staticmethod
    def notice_withdraw(content_id: int | Wildcard) -> dict:
        """A listed notice's "withdraw" button."""
        return {"type": "console-notice-withdraw", "id": content_id}

    @staticmethod
    def screen_reload(screen: str | Wildcard) -> dict:
        """A screen's "reload now" button."""
        return {"type": "console-screen-reload", "screen": screen}


class ConsoleTargets:
    """The console's Targets section (目标): per metric, this area's own target for a year."""

    YEAR = "console-target-year"  # Dropdown: the year the targets are for
    TABLE = "console-target-table"  # the metrics, each with its target in force and an input
    SAVE = "console-target-save"
    RESULT = "console-target-result"  # what the save did, or why it was refused (field and reason)
    VERSION = "console-target-version"  # Store: bumped by each save, redraws the table

    @staticmethod
    def value(metric: str | Wildcard) -> dict:
        """A metric's input: this area's own target, in display units ("96" for 96 %), empty: none."""
        return {"type": "console-target-value", "metric": metric}


class ConsolePlaylist:
    """The console's Playlist section (轮播): the screens' panels, order, durations, hours."""

    WORKING = "console-pl-working"  # Store: the playlist being edited, as a document (data.playlist.document)
    IN_FORCE = "console-pl-in-force"  # which playlist the area's walls use now, and where it comes from
    EDITOR = "console-pl-editor"  # the sets (day, each time window) with their panels
    REFRESH = "console-pl-refresh"  # Input: seconds between data refreshes
    ADD_WINDOW = "console-pl-add-window"
    SAVE = "console-pl-save"
    RESULT = "console-pl-result"
    VERSIONS = "console-pl-versions"  # the saved versions, each with "restore"
    VERSION = "console-pl-version"  # Store: bumped by each save or restore
    PREVIEW = "console-pl-preview"  # Iframe: the area's wall, small

    @staticmethod
    def duration(rotation: str | Wildcard, index: int | Wildcard) -> dict:
        """A panel's seconds on screen; ``rotation`` is "day" or "w1", "w2" ... (a time window)."""
        return {"type": "console-pl-duration", "set": rotation, "i": index}

    @staticmethod
    def move(rotation: str | Wildcard, index: int | Wildcard, way: str | Wildcard) -> dict:
        """A panel's "up", "down" or "remove" button."""
        return {"type": "console-pl-move", "set": rotation, "i": index, "way": way}

    @staticmethod
    def add(rotation: str | Wildcard) -> dict:
        """A set's "add a panel" button."""
        return {"type": "console-pl-add", "set": rotation}

    @staticmethod
    def add_panel(rotation: str | Wildcard) -> dict:
        """A set's choice of the panel to add."""
        return {"type": "console-pl-add-panel", "set": rotation}

    @staticmethod
    def window(rotation: str | Wildcard, field: str | Wildcard) -> dict:
        """A time window's "name", "from", "to" or "dim"."""
        return {"type": "console-pl-window", "set": rotation, "field": field}

    @staticmethod
    def remove_window(rotation: str | Wildcard) -> dict:
        return {"type": "console-pl-remove-window", "set": rotation}

    @staticmethod
    def restore(version: int | Wildcard) -> dict:
        """A saved version's "restore" button."""
        return {"type": "console-pl-restore", "id": version}
