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
    # Store: the charts of panels not yet on screen, by chart, as the Graph to put in their slot
    # (``Wall.slot``) when the rotation comes to them (callbacks/wall.py, "draw what is seen").
    DEFERRED = "wall-deferred"

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
    TODO = "overview-todo"  # the needs-action list (callbacks/todo.py)
    TODO_SOURCE = "overview-todo-source"
    TODO_STATUS = "overview-todo-status"
    TODO_CSV = "overview-todo-csv"
    TODO_DOWNLOAD = "overview-todo-download"
    TODO_LINKS = "overview-todo-links"
    TODO_COUNT = "overview-todo-count"


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

    @staticmethod
    def crumb(code: str | Wildcard) -> dict:
        """A breadcrumb link back up to ``code``."""
        return {"type": "explore-crumb", "code": code}


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
