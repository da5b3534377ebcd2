"""The OpenAPI 3.1 description of ``/api/v1/``, served at ``/api/v1/openapi.json``.

Written by hand next to the endpoints rather than generated, so it says what a reader
needs (units, inclusive dates, masked cells) in the words the API uses. It is kept true
by tests/test_openapi.py, which calls every operation with its documented examples,
validates each answer against the documented schema and fails on any route under
``/api/v1/`` that is not described here.
"""
from __future__ import annotations

from api import params, reach
from data import catalog, export

EXAMPLE_METRIC = "hotline_received"
EXAMPLE_AREA = "510104011000"  # 沙河街道, the default area of the embedded deployment
EXAMPLE_START = "2025-01-01"
EXAMPLE_END = "2025-03-31"

ERRORS = ("bad_parameter", "not_found", "method_not_allowed", "unavailable")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, description: str, schema: dict, example=None, *, required: bool = False) -> dict:
    entry = {"name": name, "in": "query", "required": required, "description": description, "schema": schema}
    if example is not None:
        entry["example"] = example
    return entry


FORMAT = _param("format", "`csv` for a UTF-8 CSV attachment (text that a spreadsheet would run as a "
                "formula is prefixed with a single quote); `json` by default.",
                {"type": "string", "enum": list(params.FORMATS), "default": "json"})
METRIC = _param("metric", "A metric code from `/api/v1/metrics`.",
                {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"}, EXAMPLE_METRIC, required=True)
AREA = _param("area", "An area code: 12 digits (city, district, street, community) or 15 (grid cell).",
              {"type": "string", "pattern": r"^(\d{12}|\d{15})$"}, EXAMPLE_AREA, required=True)
START = _param("start", "First day of the period, inclusive (YYYY-MM-DD).",
               {"type": "string", "format": "date"}, EXAMPLE_START, required=True)
END = _param("end", f"Last day of the period, inclusive (YYYY-MM-DD); at most {params.MAX_RANGE_YEARS} years after start.",
             {"type": "string", "format": "date"}, EXAMPLE_END, required=True)
GRAIN = _param("grain", "Bucket of the series; each bucket is labelled by its first day.",
               {"type": "string", "enum": list(params.GRAINS), "default": "month"}, "month")
BY = _param("by", "`children` (the area's child areas) or one of the metric's `breakdowns`.",
            {"type": "string", "default": "children"}, "children")


def _area_code_param(name: str, description: str, example: str | None = None) -> dict:
    return _param(name, description, {"type": "string", "pattern": r"^(\d{12}|\d{15})$"}, example)


def _errors(*codes: int) -> dict:
    words = {400: "A parameter is missing, unknown, malformed or out of range; `parameter` names it.",
             404: "An unknown metric or area (or endpoint).",
             503: "The warehouse does not answer; `reason` says why. Retry after `Retry-After` seconds."}
    return {str(code): {"description": words[code], "content": {"application/json": {"schema": _ref("Error")}}}
            for code in codes}


def _ok(description: str, schema: dict, *, csv: bool = False) -> dict:
    content = {"application/json": {"schema": schema}}
    if csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    return {"200": {"description": description, "content": content}}


def _operation(operation_id: str, summary: str, parameters: list[dict], responses: dict) -> dict:
    return {"get": {"operationId": operation_id, "summary": summary, "parameters": parameters,
                    "responses": responses}}


NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_TEXT = {"type": ["string", "null"]}
# The target in force for an area and a year (data/targets.py): set by staff for the area or
# an area above it, else the catalogue's; ``target_source`` says which.
TARGET_SOURCES = ["grid", "community", "street", "district", "city", "catalogue"]
TARGET = {
    "target": {**NULLABLE_NUMBER, "description": "The target in force (fractions for % metrics: 0.9 is 90 %): the "
               "one staff set for the area or the nearest area above it that year, else the catalogue's; null: none."},
    "target_source": {"type": ["string", "null"], "enum": [*TARGET_SOURCES, None],
                      "description": "Who set `target`: the level of the area that set it (`community`, `street`, "
                                     "`district`, `city`), or `catalogue` for the catalogue's default; null: no target."},
    "target_area": {**NULLABLE_TEXT, "description": "The code of the area that set `target`; null for the catalogue's."},
}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
DATA_THROUGH = {**NULLABLE_DATE, "description": "The last day the metric's data covers in the area: its source's "
                "data-through date there (a ratio's: the nearer of its two parts'). null: never delivered there."}

#: How far a figure reaches, on every value, series point and breakdown row (``api/reach.py``).
REACH = {
    "as_of": {**NULLABLE_DATE, "description": "The last day of the figure's period that its data covers (the "
              "metric's data-through date in the area, at most the period's end); when the period lies after "
              "the data, the data-through date before it. null: the data starts after the period, or never "
              "reached the area."},
    "complete": {"type": "boolean", "description": "Whether the data covers the whole period: from the source's "
                 "first delivery in the area to the period's end, in every community the source covers there; "
                 "for a monthly metric (grain month) whole reported months only."},
    "reason": {"type": ["string", "null"], "enum": [*reach.REASONS, None],
               "description": "null for a complete figure (a value, its period covered); otherwise why the "
               "figure is null or not whole: "
               + "; ".join(f"`{word}`: {meaning}" for word, meaning in reach.REASONS.items()) + "."},
}

#: How a masked count of people is shown (README, "The JSON API": the masking promise).
MASK = {
    "masked": {"type": "boolean", "description": "A count of people withheld (value null): fewer than "
                                                 f"{export.SMALL_COUNT_THRESHOLD}, or one that could be worked out "
                                                 "from a total and the figures shown."},
    "mask": {"type": ["string", "null"], "enum": [f"<{export.SMALL_COUNT_THRESHOLD}", export.SUPPRESSED, None],
             "description": f"\"<{export.SMALL_COUNT_THRESHOLD}\" (a small count) or \"*\" (hidden so that a "
                            "small count cannot be worked out); null when shown."},
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "enum": list(ERRORS)},
            "parameter": {"type": "string", "description": "The query parameter at fault (400, 404)."},
            "message": {"type": "string"},
            "reason": {"type": "string", "description": "Why the warehouse did not answer (503)."},
        },
    },
    "MetricBrief": {
        "type": "object",
        "required": ["code", "name", "name_en", "unit", "kind", "domain"],
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"},
            "unit": NULLABLE_TEXT, "unit_en": NULLABLE_TEXT,
            "kind": {"type": "string", "enum": ["flow", "stock", "ratio", "distinct"]},
            "domain": {"type": "string", "enum": list(catalog.DOMAINS)},
        },
    },
    "Metric": {
        "type": "object",
        "required": ["code", "domain", "name", "name_en", "unit", "kind", "better", "dimensions", "breakdowns",
                     "source", "grain", "carry_months", "data_through"],
        "properties": {
            "code": {"type": "string"},
            "domain": {"type": "string", "enum": list(catalog.DOMAINS)},
            "name": {"type": "string"}, "name_en": {"type": "string"},
            "unit": NULLABLE_TEXT, "unit_en": NULLABLE_TEXT,
            "kind": {"type": "string", "enum": ["flow", "stock", "ratio", "distinct"]},
            "numerator": NULLABLE_TEXT, "denominator": NULLABLE_TEXT,
            **TARGET,
            "better": {"type": "string", "enum": ["higher", "lower"]},
            "dimensions": {"type": "array", "items": {"type": "string"}},
            "breakdowns": {"type": "array", "items": {"type": "string"},
                           "description": "Values `by` accepts for this metric; always starts with `children`."},
            "description": NULLABLE_TEXT,
            "source": {**NULLABLE_TEXT, "description": "The source system its figures come from (`etl/sources.yaml`); "
                       "null for a ratio, whose parts name theirs."},
            "grain": {"type": "string", "enum": ["day", "month"],
                      "description": "`day`: dated by the day it happened; `month`: a monthly report dated the 1st "
                                     "of its month, never split into days."},
            "carry_months": {"type": ["integer", "null"], "minimum": 1,
                             "description": "A stock: how many months its latest report may stand for a late one."},
            "data_through": DATA_THROUGH,
        },
    },
    "MetricList": {"type": "object", "required": ["metrics"],
                   "properties": {"metrics": {"type": "array", "items": _ref("Metric")}}},
    "AreaBrief": {
        "type": "object",
        "required": ["code", "name", "level"],
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "name_en": NULLABLE_TEXT,
                       "level": {"type": "string", "enum": list(params.LEVELS)}},
    },
    "Area": {
        "type": "object",
        "required": ["code", "name", "level", "parent_code", "is_sample"],
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "name_en": NULLABLE_TEXT,
            "level": {"type": "string", "enum": list(params.LEVELS)},
            "parent_code": NULLABLE_TEXT,
            "population": NULLABLE_NUMBER, "households": NULLABLE_NUMBER,
            "lon": NULLABLE_NUMBER, "lat": NULLABLE_NUMBER,
            "is_sample": {"type": "boolean", "description": "Invented sample data, not a real register entry."},
        },
    },
    "AreaDetail": {
        "allOf": [_ref("Area")],
        "type": "object",
        "required": ["ancestors", "children"],
        "properties": {"ancestors": {"type": "array", "items": _ref("AreaBrief"), "description": "Root first."},
                       "children": {"type": "array", "items": _ref("Area")}},
    },
    "AreaChildren": {
        "type": "object", "required": ["parent", "areas"],
        "properties": {"parent": _ref("AreaBrief"), "areas": {"type": "array", "items": _ref("Area")}},
    },
    "AreaNode": {
        "allOf": [_ref("Area")],
        "type": "object",
        "properties": {"children": {"type": "array", "items": _ref("AreaNode")}},
    },
    "AreaTree": {"type": "object", "required": ["root"], "properties": {"root": _ref("AreaNode")}},
    "Figure": {
        "type": "object",
        "required": ["metric", "area", "start", "end", "data_through", "data_version"],
        "properties": {"metric": _ref("MetricBrief"), "area": _ref("AreaBrief"),
                       "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"},
                       "data_through": DATA_THROUGH,
                       "data_version": {"type": "integer", "minimum": 0}},
    },
    "Value": {
        "allOf": [_ref("Figure")],
        "type": "object", "required": ["value", "masked", "mask", *REACH, *TARGET],
        "properties": {"value": {**NULLABLE_NUMBER, "description": "null when the warehouse has no figure (never 0 "
                                                                  "for missing data: `reason` says why) or it is masked."},
                       **MASK, **REACH, **TARGET},
    },
    "Series": {
        "allOf": [_ref("Figure")],
        "type": "object", "required": ["grain", "points"],
        "properties": {
            "grain": {"type": "string", "enum": list(params.GRAINS)},
            "points": {"type": "array", "items": {
                "type": "object", "required": ["period", "value", "masked", "mask", *REACH],
                "properties": {"period": {"type": "string", "format": "date"}, "value": NULLABLE_NUMBER, **MASK,
                               **REACH}}},
        },
    },
    "Breakdown": {
        "allOf": [_ref("Figure")],
        "type": "object", "required": ["by", "rows"],
        "properties": {
            "by": {"type": "string"},
            "rows": {"type": "array", "items": {
                "type": "object", "required": ["key", "label", "value", "masked", "mask", *REACH],
                "properties": {
                    "key": {"type": ["string", "null"]}, "label": NULLABLE_TEXT, "label_en": NULLABLE_TEXT,
                    "value": NULLABLE_NUMBER, **MASK,
                    **REACH}}},
        },
    },
    "Version": {
        "type": "object", "required": ["data_version", "last_loaded_at"],
        "properties": {"data_version": {"type": "integer", "minimum": 0},
                       "last_loaded_at": {"type": ["string", "null"], "format": "date-time"}},
    },
    "Index": {
        "type": "object", "required": ["name", "version", "endpoints"],
        "properties": {"name": {"type": "string"}, "version": {"type": "integer"}, "read_only": {"type": "boolean"},
                       "endpoints": {"type": "object", "additionalProperties": {"type": "string"}}},
    },
}

PATHS = {
    "/api/v1/": _operation("index", "What the API offers", [], {**_ok("A guide to the endpoints.", _ref("Index"))}),
    "/api/v1/openapi.json": _operation("openapi", "This description", [],
                                       {**_ok("The OpenAPI 3.1 document.", {"type": "object"})}),
    "/api/v1/version": _operation(
        "version", "The warehouse's version: it changes after every successful load", [],
        {**_ok("data_version 0 means nothing has been loaded yet.", _ref("Version")), **_errors(503)}),
    "/api/v1/metrics": _operation(
        "metrics", "The metric catalogue, or one metric",
        [_param("code", "One metric's code: the answer is that metric alone.",
                {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"}, EXAMPLE_METRIC),
         _param("domain", "Only the metrics of one domain.",
                {"type": "string", "enum": list(catalog.DOMAINS)}, "governance"),
         _area_code_param("area", "The area whose `data_through` each metric gives (default: anywhere), and whose "
                          "target in force this year (`target`, `target_source`; default: the city's).", EXAMPLE_AREA),
         FORMAT],
        {**_ok("The catalogue (`metrics`), or one `Metric` with `code`.",
               {"oneOf": [_ref("MetricList"), _ref("Metric"), {"type": "object", "maxProperties": 0}]}, csv=True),
         **_errors(400, 404, 503)}),
    "/api/v1/areas": _operation(
        "areas", "One area, an area's children, or a tree",
        [_area_code_param("code", "One area, with its ancestors and children.", EXAMPLE_AREA),
         _area_code_param("parent", "The children of this area."),
         _area_code_param("root", "The root of a tree (default: the city)."),
         _param("depth", "Levels below the root (default 2).", {"type": "integer", "minimum": 0, "maximum": 4}),
         _param("level", "The deepest level of the tree.", {"type": "string", "enum": list(params.LEVELS)}),
         FORMAT],
        {**_ok("Give one of code, parent or root; depth and level go with root.",
               {"oneOf": [_ref("AreaDetail"), _ref("AreaChildren"), _ref("AreaTree")]}, csv=True),
         **_errors(400, 404, 503)}),
    "/api/v1/value": _operation(
        "value", "A metric's value for an area over a period",
        [METRIC, AREA, START, END, FORMAT],
        {**_ok("Flows summed, stocks at their latest level, ratios as sum(numerator) / sum(denominator); "
               "values of % metrics are fractions. `target` is the one in force for the area in `end`'s year, "
               "`target_source` who set it.", _ref("Value"), csv=True), **_errors(400, 404, 503)}),
    "/api/v1/series": _operation(
        "series", "A metric over time, in buckets",
        [METRIC, AREA, START, END, GRAIN, FORMAT],
        {**_ok("Every bucket of the period, null where there is no figure. Each bucket is the value of its own "
               "days: a stock's area that missed a bucket's report (month or year grain) counts with its latest one "
               "within carry_months (reason carried_forward); a bucket its source has not delivered for at all is "
               "null (not_yet_reported).", _ref("Series"), csv=True),
         **_errors(400, 404, 503)}),
    "/api/v1/breakdown": _operation(
        "breakdown", "A metric split by child areas or by a dimension, largest first",
        [METRIC, AREA, START, END, BY, FORMAT],
        {**_ok(f"Cells counting fewer than {export.SMALL_COUNT_THRESHOLD} people are masked, and so is any cell "
               "that could be worked out from the area's value and the rows shown "
               f"(null, masked=true, mask \"<{export.SMALL_COUNT_THRESHOLD}\" or \"*\"; the mask in CSV).",
               _ref("Breakdown"), csv=True),
         **_errors(400, 404, 503)}),
}


def document(server_url: str = "") -> dict:
    """The OpenAPI 3.1 document; ``server_url`` (the app's root) becomes its server entry."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "社区智慧大脑 API / Community Smart Brain API",
            "version": "1",
            "summary": "Read-only figures of Chengdu's street and community service centres.",
            "description": "Every figure is computed by the dashboard's own query layer, so a number read here is "
                           "the number on the screen. Dates are ISO YYYY-MM-DD and periods inclusive; values of "
                           "metrics with unit % are fractions (0.93 is 93 %). Every value, series point and "
                           "breakdown row says how far its data reaches: `as_of`, `complete` and, when it is null "
                           "or not whole, a `reason`; missing data is null, never 0. Errors are JSON `Error` objects.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": server_url or "/"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
