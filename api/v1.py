"""Version 1 of the API: the metric catalogue, the area tree and a metric's figures.

Every answer is computed by the same query layer the dashboard uses (``data.query``,
``data.areas``), so a number read here is the number on the screen. Answers name the
metric with its unit and kind and the area with its name; percentages are fractions
(0.93 is 93 %). Every figure endpoint also answers as CSV with ``format=csv``.

Errors are JSON too: 400 ``bad_parameter`` names the parameter and what was wrong,
404 ``not_found`` an unknown metric or area, 503 ``unavailable`` a warehouse that does
not answer.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import math
from datetime import date, datetime, timedelta

import pandas as pd
from flask import Blueprint, Flask, Response, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from api import openapi, params, reach
from api.params import BadParameter
from data import areas, catalog, coverage, db, export, query, settings, targets
from data.periods import as_date

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")

#: Breakdown cells counting fewer people than this are shown as "<5", never exactly, so
#: nobody in a small group can be singled out (the explorer's downloads do the same).
SMALL_CELL = export.SMALL_COUNT_THRESHOLD

#: How deep ``/areas`` goes below its root when neither ``depth`` nor ``level`` is given.
DEFAULT_TREE_DEPTH = 2
CITY = "510100000000"

METRIC_FIELDS = ("code", "domain", "name", "name_en", "unit", "unit_en", "kind", "numerator", "denominator",
                 "target", "target_source", "target_area", "better", "dimensions", "description", "source", "grain",
                 "carry_months", "data_through")
#: Where a target was set (``data.targets``): the level of the area that set it, or the catalogue.
TARGET_FIELDS = ("target", "target_source", "target_area")
#: What every figure carries besides its value: how far its data reaches (``api.reach``).
REACH_FIELDS = ("as_of", "complete", "reason")
AREA_FIELDS = ("code", "name", "name_en", "level", "parent_code", "population", "households", "lon", "lat", "is_sample")


class NotFound(LookupError):
    """A well-formed metric or area code that the warehouse does not know."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


# -- answers ---------------------------------------------------------------------------


def _plain(value):
    """JSON- and CSV-ready scalars: ISO dates, times with their offset (RFC 3339), None for
    NaN, plain ints and floats."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp: a bucket's first day is a date
        value = value.to_pydatetime()
        if value.time() == datetime.min.time() and value.tzinfo is None:
            return value.date().isoformat()
    if isinstance(value, datetime):  # the warehouse's times are local (settings.timezone): say which
        if value.tzinfo is None:
            value = value.replace(tzinfo=settings.timezone())
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json(body, status: int = 200, **headers) -> Response:
    text = json.dumps(body, ensure_ascii=False, default=_plain, allow_nan=False)
    response = Response(text, status=status, mimetype="application/json")
    response.headers.update(headers)
    return response


def _csv(filename: str, header: list[str], rows) -> Response:
    """A UTF-8 CSV attachment with a header row; text a spreadsheet would run as a formula
    is quoted (``export.neutralise``), since CSV files end up opened in Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else export.neutralise(v) for v in (_plain(x) for x in row)])
    response = Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _error(status: int, error: str, message: str, parameter: str | None = None, **extra) -> Response:
    body = {"error": error}
    if parameter is not None:
        body["parameter"] = parameter
    body["message"] = message
    body.update(extra)
    return _json(body, status)


@blueprint.errorhandler(BadParameter)
def _bad_parameter(err: BadParameter):
    return _json(err.body(), 400)


@blueprint.errorhandler(NotFound)
def _not_found(err: NotFound):
    return _error(404, "not_found", err.message, err.parameter)


@blueprint.errorhandler(DBAPIError)
def _unavailable(err: DBAPIError):
    reason = str(err.orig if err.orig is not None else err).strip().splitlines()[0]
    return _json({"error": "unavailable", "message": "the warehouse does not answer; try again later",
                  "reason": reason}, 503, **{"Retry-After": "30"})


@blueprint.errorhandler(db.WarehouseMissing)
def _missing(err: db.WarehouseMissing):
    logging.getLogger("csb.api").warning("warehouse unavailable: %s", err)
    return _json({"error": "unavailable", "message": "the warehouse does not answer; try again later",
                  "reason": "the warehouse file is missing"}, 503, **{"Retry-After": "30"})


@blueprint.after_request
def _revalidate(response: Response) -> Response:
    """Answers change only when a load lands: let clients keep them and ask "still the same?"
    (an ETag of the body; ``If-None-Match`` gets a 304 with no body)."""
    if response.status_code == 200 and request.method == "GET":
        response.headers["Cache-Control"] = "no-cache"
        response.add_etag()
        response.make_conditional(request)
    return response


def install_error_pages(server: Flask) -> None:
    """JSON instead of HTML for unknown ``/api/`` URLs and methods other than GET.

    Routing errors never reach a blueprint's handlers, so this one sits on the app and
    leaves every other path to Flask's defaults.
    """

    @server.errorhandler(404)
    @server.errorhandler(405)
    def _api_http_error(err: HTTPException):
        if not request.path.startswith("/api/"):
            return err
        if err.code == 405:
            answer = _error(405, "method_not_allowed", "the API is read-only: use GET")
            allowed = getattr(err, "valid_methods", None)
            if allowed:  # RFC 9110: a 405 says which methods the resource takes
                answer.headers["Allow"] = ", ".join(allowed)
            return answer
        return _error(404, "not_found", f"no such endpoint: {request.path}; see /api/v1/")


# -- look-ups ---------------------------------------------------------------------------


def _dimensions(info: dict) -> list[str]:
    raw = info.get("dimensions")
    if not isinstance(raw, str):  # None, or NaN from a catalogue frame
        return []
    return [d.strip() for d in raw.split(",") if d.strip()]


def _breakdowns(info: dict) -> list[str]:
    """The ``by`` values besides children: a ratio's come from its numerator and denominator."""
    if "breakdowns" in info:
        return list(info["breakdowns"])
    return (query.metric_info(info["code"]) or {}).get("breakdowns", [])


def _metric(code: str) -> dict:
    info = query.metric_info(code)
    if info is None:
        raise NotFound("metric", f"unknown metric '{code}'; /api/v1/metrics lists them")
    return info


def _area(code: str, parameter: str = "area") -> dict:
    found = areas.get(code)
    if found is None:
        raise NotFound(parameter, f"unknown area '{code}'; /api/v1/areas lists them")
    return found


def _metric_brief(info: dict) -> dict:
    return {k: info.get(k) for k in ("code", "name", "name_en", "unit", "unit_en", "kind", "domain")}


def _metric_full(info: dict, area: str | None = None, year: int | None = None) -> dict:
    """A catalogue entry, with the day its data reaches in ``area`` (anywhere when None) and
    the target in force there in ``year`` (the catalogue's without an area), saying who set it."""
    info = targets.applied(info, area or CITY, year or targets.now_year())
    entry = {k: _plain(info.get(k)) for k in METRIC_FIELDS}
    entry["dimensions"] = _dimensions(info)
    entry["breakdowns"] = ["children", *_breakdowns(info)]
    entry["source"] = entry["source"] or None
    entry["grain"] = entry["grain"] or "day"
    entry["carry_months"] = None if entry["carry_months"] is None else int(entry["carry_months"])
    entry["data_through"] = reach.data_through(info, area)
    return entry


def _area_brief(found: dict) -> dict:
    return {k: found.get(k) for k in ("code", "name", "name_en", "level")}


def _area_full(found: dict) -> dict:
    entry = {k: _plain(found.get(k)) for k in AREA_FIELDS}
    entry["is_sample"] = bool(entry["is_sample"])
    return entry


def _figure_request(allowed: set[str]) -> tuple[dict, dict, date, date, str]:
    """The parameters every figure endpoint shares, checked in the order a reader fixes them."""
    args = request.args
    params.only(args, allowed)
    fmt = params.output_format(args)
    metric_code = params.metric(args)
    area_code = params.area(args)
    start, end = params.period(args)
    return _metric(metric_code), _area(area_code), start, end, fmt


def _call(function, *args, **kwargs):
    """Run a query-layer function, turning its look-up failures into 404 answers."""
    try:
        return function(*args, **kwargs)
    except query.UnknownMetric as err:
        raise NotFound("metric", str(err)) from err
    except (query.UnknownArea, areas.UnknownArea) as err:
        raise NotFound("area", str(err)) from err


def _filename(kind: str, info: dict, found: dict, start: date, end: date, *extra: str) -> str:
    return "_".join([kind, info["code"], found["code"], start.isoformat(), end.isoformat(), *extra]) + ".csv"


def _csv_reach(mark: dict) -> list:
    """The reach columns of a CSV row: ``complete`` as true/false, like JSON."""
    return [mark["as_of"], "true" if mark["complete"] else "false", mark["reason"]]


# -- masking: what the API promises (README, "The JSON API") ------------------------------
# A count of people is never given where the explorer and its downloads would hide it, in
# any answer: a count between 0 and 5 is "<5", and a cell a reader could work out from a
# total and the cells shown is hidden too ("*"), by the one rule (export.suppress). The
# groups the API knows: a breakdown's rows add up to its area's /value; an area's /value is
# a row of its parent's children breakdown; a flow's series points add up to its /value.


def _counts_people(info: dict) -> bool:
    return export.counts_people(info.get("unit")) and info.get("kind") != "ratio"


def _masks(info: dict, cells: dict, *, adds_up: bool = True) -> dict:
    """{key: "<5" or "*"} for the cells of one answer to hide; ``adds_up``: they sum to a
    total given elsewhere (the area's /value), so one hidden cell needs another."""
    if not _counts_people(info):
        return {}
    return export.suppress(cells, [(None, list(cells))] if adds_up else [])


def _area_mask(info: dict, found: dict, figure, start: date, end: date) -> str | None:
    """How the area's figure is hidden: small itself, or hidden among its parent's children
    (where /breakdown of the parent hides it, /value must not give it)."""
    if not _counts_people(info):
        return None
    own = _masks(info, {"own": figure}, adds_up=False).get("own")
    if own is not None or not found.get("parent_code"):
        return own
    siblings = _call(query.breakdown, info["code"], found["parent_code"], start, end, "children")
    cells = {_plain(r["key"]): _plain(r["value"]) for r in siblings.to_dict("records")}
    return _masks(info, cells).get(found["code"])


def _shown(value, mask: str | None):
    """A figure as a CSV cell: its mask ("<5", "*") when hidden."""
    return mask if mask is not None else value


# -- endpoints --------------------------------------------------------------------------


@blueprint.get("/")
def index():
    """What the API offers, for a person exploring it with a browser or curl."""
    params.only(request.args, set())
    return _json({
        "name": "社区智慧大脑 API", "version": 1, "read_only": True,
        "dates": "ISO YYYY-MM-DD; start and end are inclusive",
        "percentages": "values of metrics with unit % are fractions: 0.93 means 93 %",
        "small_cells": f"counts of fewer than {SMALL_CELL} people, and any a reader could work out from a total, "
                       f"are given as null with masked=true and mask \"<{SMALL_CELL}\" or \"*\" (the mask in CSV), "
                       "in every value, series point and breakdown row",
        "completeness": "every value, series point and breakdown row carries as_of (the last day of its period its "
                        "data covers), complete (whether the data covers the whole period) and reason (why it is "
                        "null or not complete: " + ", ".join(reach.REASONS) + "); missing is null, never 0",
        "endpoints": {
            "/api/v1/metrics": "the metric catalogue (?code= for one metric; data_through in ?area=)",
            "/api/v1/areas": "the area tree (?code= one area, ?parent= its children, ?root=&depth= or &level= a tree)",
            "/api/v1/value": "?metric=&area=&start=&end=",
            "/api/v1/series": "?metric=&area=&start=&end=&grain=day|week|month|year",
            "/api/v1/breakdown": "?metric=&area=&start=&end=&by=children|<dimension>",
            "/api/v1/version": "data_version and last_loaded_at of the warehouse",
            "/api/v1/openapi.json": "this API described in OpenAPI 3.1",
        },
        "csv": "add format=csv to metrics, areas, value, series and breakdown",
    })


@blueprint.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of this API (``api/openapi.py``)."""
    params.only(request.args, set())
    return _json(openapi.document(request.root_url.rstrip("/") + "/"))


@blueprint.get("/version")
def version():
    """The warehouse's version: it changes after every successful load, so clients can cache on it."""
    params.only(request.args, set())
    loaded = query.last_loaded_at()
    return _json({"data_version": query.data_version(), "last_loaded_at": loaded})


@blueprint.get("/metrics")
def metrics():
    """The metric catalogue, or one metric with ``?code=``; ``data_through`` in ``?area=`` (default: anywhere)."""
    args = request.args
    params.only(args, {"code", "domain", "area", "format"})
    fmt = params.output_format(args)
    code = params.metric(args, "code") if "code" in args else None
    domain = params.choice(args, "domain", catalog.DOMAINS, default="") or None
    where = params.area(args, required=False)
    if where is not None:
        _area(where)
    year = targets.now_year()
    if code:
        entries = [_metric_full(_metric(code), where, year)]
    else:
        entries = [_metric_full(_metric(row), where, year) for row in query.catalog()["code"]]
    if domain:
        entries = [e for e in entries if e["domain"] == domain]
    if fmt == "csv":
        rows = ([e[k] if k != "dimensions" else ",".join(e[k]) for k in METRIC_FIELDS] for e in entries)
        return _csv("metrics.csv", list(METRIC_FIELDS), rows)
    if code:
        return _json(entries[0] if entries else {})
    return _json({"metrics": entries})


@blueprint.get("/areas")
def area_tree():
    """One area (``?code=``), an area's children (``?parent=``), or a tree (``?root=``,
    ``depth`` levels down or down to ``level``; by default two levels below the city)."""
    args = request.args
    params.only(args, {"code", "parent", "root", "depth", "level", "format"})
    fmt = params.output_format(args)
    given = [name for name in ("code", "parent", "root") if name in args]
    if len(given) > 1:
        raise BadParameter(given[1], f"give only one of code, parent and root (got {', '.join(given)})")

    if "code" in args:
        params.only(args, {"code", "format"})
        found = _area(params.area(args, "code"), "code")
        chain = _call(areas.ancestors, found["code"])
        kids = areas.children(found["code"])
        if fmt == "csv":
            return _csv(f"area_{found['code']}.csv", list(AREA_FIELDS), [[_area_full(found)[k] for k in AREA_FIELDS]])
        return _json({**_area_full(found), "ancestors": [_area_brief(a) for a in chain[:-1]],
                      "children": [_area_full(a) for a in kids]})

    if "parent" in args:
        params.only(args, {"parent", "format"})
        parent = _area(params.area(args, "parent"), "parent")
        kids = [_area_full(a) for a in areas.children(parent["code"])]
        if fmt == "csv":
            return _csv(f"areas_{parent['code']}_children.csv", list(AREA_FIELDS), ([a[k] for k in AREA_FIELDS] for a in kids))
        return _json({"parent": _area_brief(parent), "areas": kids})

    if "depth" in args and "level" in args:
        raise BadParameter("level", "give depth or level, not both")
    root = _area(params.area(args, "root", required=False) or CITY, "root")
    depth, level = params.depth(args), params.level(args)
    root_rank = areas.level_rank(root["level"])
    deepest = areas.level_rank(level) if level is not None else root_rank + (DEFAULT_TREE_DEPTH if depth is None else depth)
    with db.get_engine().connect() as conn:
        tree = _subtree(conn, root, deepest)
    if fmt == "csv":
        return _csv(f"areas_{root['code']}.csv", list(AREA_FIELDS), ([a[k] for k in AREA_FIELDS] for a in _walk(tree)))
    return _json({"root": tree})


def _subtree(conn, node: dict, deepest: int) -> dict:
    entry = _area_full(node)
    if areas.level_rank(node["level"]) < deepest:
        entry["children"] = [_subtree(conn, child, deepest) for child in areas.fetch_children(conn, node["code"])]
    return entry


def _walk(tree: dict):
    yield tree
    for child in tree.get("children", []):
        yield from _walk(child)


@blueprint.get("/value")
def value():
    """The metric's value for the area over ``start``..``end``: flows summed, stocks at
    their latest level, ratios as sum(numerator) / sum(denominator)."""
    info, found, start, end, fmt = _figure_request({"metric", "area", "start", "end", "format"})
    figure = _call(query.value, info["code"], found["code"], start, end)
    reached = reach.reach(info, found)
    mark = reached.mark(figure, start, end)
    mask = _area_mask(info, found, _plain(figure), start, end)
    aim = targets.applied(info, found["code"], end.year)  # the target in force there in the end's year
    goal = [_plain(aim.get(k)) for k in TARGET_FIELDS]
    if fmt == "csv":
        return _csv(_filename("value", info, found, start, end),
                    ["metric", "area", "area_name", "start", "end", "unit", "value", *REACH_FIELDS, *TARGET_FIELDS],
                    [[info["code"], found["code"], found["name"], start, end, info.get("unit"), _shown(figure, mask),
                      *_csv_reach(mark), *goal]])
    return _json({"metric": _metric_brief(info), "area": _area_brief(found), "start": start, "end": end,
                  "value": None if mask else figure, "masked": mask is not None, "mask": mask, **mark,
                  **dict(zip(TARGET_FIELDS, goal)),
                  "data_through": reached.through, "data_version": query.data_version()})


@blueprint.get("/series")
def series():
    """The metric over time in ``grain`` buckets (each labelled by its first day); every
    bucket of the period is present, null where the metric has no figure."""
    info, found, start, end, fmt = _figure_request({"metric", "area", "start", "end", "grain", "format"})
    grain = params.grain(request.args)
    frame = _call(query.series, info["code"], found["code"], start, end, grain)
    reached = reach.reach(info, found)
    carried = set(_call(query.carried_buckets, info["code"], found["code"], start, end, grain))
    points = [{"period": _plain(p), "value": _plain(v)} for p, v in zip(frame["period"], frame["value"])]
    # A bucket holds the days asked for from its first day (or start) to the day before the next bucket (or end);
    # a stock's bucket is what /value gives for those days, its missed reports carried (and so marked).
    firsts = [as_date(p["period"]) for p in points]
    for i, point in enumerate(points):
        last = firsts[i + 1] - timedelta(days=1) if i + 1 < len(points) else end
        point.update(reached.mark(point["value"], max(firsts[i], start), last, carried=firsts[i] in carried))
    # A flow's points add up to the period's /value; a stock's levels do not add up.
    masks = _masks(info, {i: p["value"] for i, p in enumerate(points)}, adds_up=info.get("kind") == "flow")
    for i, point in enumerate(points):
        point["mask"] = masks.get(i)
        point["masked"] = point["mask"] is not None
        if point["masked"]:
            point["value"] = None
    if fmt == "csv":
        return _csv(_filename("series", info, found, start, end, grain),
                    ["metric", "area", "area_name", "grain", "period", "unit", "value", *REACH_FIELDS],
                    ([info["code"], found["code"], found["name"], grain, p["period"], info.get("unit"),
                      _shown(p["value"], p["mask"]), *_csv_reach(p)] for p in points))
    return _json({"metric": _metric_brief(info), "area": _area_brief(found), "start": start, "end": end,
                  "grain": grain, "points": points, "data_through": reached.through,
                  "data_version": query.data_version()})


@blueprint.get("/breakdown")
def breakdown():
    """The metric split by the area's child areas or by one of its dimensions, largest first."""
    info, found, start, end, fmt = _figure_request({"metric", "area", "start", "end", "by", "format"})
    by = params.breakdown_by(request.args, _breakdowns(info))
    frame = _call(query.breakdown, info["code"], found["code"], start, end, by)
    reached = reach.reach(info, found)
    # A child area's figure reaches as far as its source's data there; a dimension's rows as the area's.
    spans = coverage.covered()
    kids = {a["code"]: a for a in areas.children(found["code"])} if by == "children" else {}
    records = frame.to_dict("records")
    masks = _masks(info, {i: _plain(r["value"]) for i, r in enumerate(records)})  # they add up to the area's /value
    rows = []
    for i, record in enumerate(records):
        figure = _plain(record["value"])
        mask = masks.get(i)
        key = _plain(record["key"])
        own = reach.reach(info, kids[key], spans) if key in kids else reached
        rows.append({"key": key, "label": record.get("label"), "label_en": record.get("label_en"),
                     "value": None if mask else figure, "masked": mask is not None, "mask": mask,
                     **own.mark(figure, start, end)})
    if fmt == "csv":
        return _csv(_filename("breakdown", info, found, start, end, by),
                    ["metric", "area", "area_name", "start", "end", "by", "key", "label", "label_en", "unit", "value",
                     *REACH_FIELDS],
                    ([info["code"], found["code"], found["name"], start, end, by, r["key"], r["label"], r["label_en"],
                      info.get("unit"), _shown(r["value"], r["mask"]), *_csv_reach(r)] for r in rows))
    return _json({"metric": _metric_brief(info), "area": _area_brief(found), "start": start, "end": end,
                  "by": by, "rows": rows, "data_through": reached.through, "data_version": query.data_version()})
