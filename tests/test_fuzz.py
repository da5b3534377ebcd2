"""Property-based fuzz: the ETL's cleaning functions and the API's parameters.

Whatever text a source export or a caller sends, the cleaning functions give a value or
a clear "no value" (NaN / NaT / ""), never an exception; and the API answers 200, 400 or
404 with a JSON reason, never a 500. Hypothesis drives the Flask test client directly
(schemathesis would need a dozen more packages for the same calls); the examples are
bounded so the whole module runs in well under a minute.
"""
from __future__ import annotations

import math
import string
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from etl import areamatch, clean
from etl.validate import Field, validate
from support import api_app

FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
API_FUZZ = settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

FULL_WIDTH = st.text(alphabet=st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=20)
ODD = st.sampled_from(["\u202e", "\u200b", "\ufeff", "\u3000", "\x00", "\t", "\r\n", "😀", "👨‍👩‍👧", "长" * 300])
TEXT = st.one_of(st.text(max_size=60), FULL_WIDTH, st.lists(st.one_of(st.text(max_size=5), ODD), max_size=8).map("".join))
NUMBER_TEXT = st.one_of(
    TEXT,
    st.integers(min_value=-10**400, max_value=10**400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.integers(min_value=0, max_value=10**9).map(lambda n: f"{n:,}"),
    st.integers(min_value=0, max_value=10**6).map(
        lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
)
DATE_TEXT = st.one_of(
    TEXT,
    st.datetimes().map(str),
    st.dates().map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
    st.dates().map(lambda d: f"{d.year}/{d.month}/{d.day}"),
    st.floats(min_value=-1e6, max_value=1e6).map(str),
    st.from_regex(r"\A\d{1,5}[-/.]\d{1,3}[-/.]\d{1,3}( \d{1,2}:\d{1,2}(:\d{1,2})?)?\Z"),
    st.from_regex(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)\Z"),
)


# --- cleaning ---------------------------------------------------------------------------------

@FUZZ
@given(TEXT)
@example("ＡＢＣ　１２３")
@example("\u202e区社心同")
def test_normalising_text_gives_clean_text_and_is_stable(value):
    cleaned = areamatch.normalize_text(value)
    assert isinstance(cleaned, str)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned and "\u200b" not in cleaned
    assert areamatch.normalize_text(cleaned) == cleaned
    assert clean.normalize_cell(value) == cleaned


def test_full_width_text_becomes_half_width():
    assert areamatch.normalize_text("ＡＢＣ　社区　１２３") == "ABC社区123"
    assert areamatch.normalize_text(None) == areamatch.normalize_text(float("nan")) == ""


@FUZZ
@given(st.lists(st.one_of(TEXT, st.none()), max_size=12))
def test_a_column_of_any_text_cleans_row_for_row(values):
    column = pd.Series(values, dtype=object)
    cleaned = clean.normalize_text(column)
    assert len(cleaned) == len(column)
    assert cleaned.tolist() == [clean.normalize_cell(v) if isinstance(v, str) else "" for v in values]
    assert all(isinstance(clean.header_key(v), str) for v in values)


@FUZZ
@given(st.lists(NUMBER_TEXT, min_size=1, max_size=12))
@example(["1,234", "１２", " 12 ", "12%", "", "abc"])
def test_any_text_parses_to_a_number_or_nan(values):
    parsed = clean.parse_numbers(pd.Series(values, dtype=object))
    assert parsed.dtype == "float64" and len(parsed) == len(values)


@FUZZ
@given(st.lists(DATE_TEXT, min_size=1, max_size=12))
@example(["２０２５年３月７日", "2025/3/7 9:05", "45000.5", "2025-02-29", "9999-99-99", "0001-01-01"])
def test_any_text_parses_to_a_plausible_moment_or_nat(values):
    parsed = clean.parse_datetimes(pd.Series(values, dtype=object))
    assert len(parsed) == len(values)
    for moment in parsed:
        assert moment is pd.NaT or clean.YEARS[0] <= moment.year <= clean.YEARS[1]


def test_chinese_full_width_and_excel_dates_are_read():
    parsed = clean.parse_datetimes(pd.Series(["２０２５年３月７日", "2025/3/7 9:05", "45723", "2025-02-29"]))
    assert parsed.tolist()[:3] == [pd.Timestamp("2025-03-07"), pd.Timestamp("2025-03-07 09:05"),
                                   pd.Timestamp("2025-03-07")]
    assert parsed.tolist()[3] is pd.NaT  # not a calendar day: no value, which validation rejects


NUMBER = Field("人数", kind="number", minimum=0, label_en="people")
WHEN = Field("日期", kind="datetime", label_en="date")


@FUZZ
@given(st.lists(st.tuples(NUMBER_TEXT, DATE_TEXT), min_size=1, max_size=10))
def test_validation_accepts_a_row_or_names_its_field_and_reason(cells):
    rows = pd.DataFrame({"人数": [clean.normalize_cell(n) for n, _ in cells],
                         "日期": [clean.normalize_cell(d) for _, d in cells]})
    rows["_row"] = range(2, len(rows) + 2)
    checked = validate(rows, [NUMBER, WHEN], now=pd.Timestamp("2026-01-01"))
    assert len(checked.rows) + checked.rows_rejected == len(rows)  # nothing lost
    assert set(checked.rejects["field"]) <= {"人数", "日期"}
    assert all(isinstance(r, str) and r for r in checked.rejects["reason"])
    assert checked.rows["人数"].dropna().ge(0).all()


@settings(max_examples=50, deadline=None, database=None)
@given(st.sampled_from(["inf", "1e999", "9" * 400, "Infinity"]))
def test_a_huge_number_is_rejected_rather_than_loaded_as_infinity(text):
    rows = pd.DataFrame({"人数": [text], "_row": [2]})
    checked = validate(rows, [NUMBER])
    assert checked.rows["人数"].map(math.isfinite).all()


# --- the API ----------------------------------------------------------------------------------

SHAHE = "510104011000"


@pytest.fixture(scope="module")
def client(sample_warehouse_url):
    with api_app(sample_warehouse_url, "fuzz-api") as app:
        yield app.test_client()


ANY = st.one_of(TEXT, st.text(alphabet=string.printable, max_size=30))
DAY = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)
RECENT = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat)


def sometimes(good):
    """Mostly plausible values, so the fuzz gets past the first check, mixed with anything."""
    return st.one_of(good, good, ANY)


PARAMS = {
    "metric": sometimes(st.sampled_from(["hotline_received", "hotline_on_time_rate", "party_members", "no_such"])),
    "area": sometimes(st.sampled_from([SHAHE, "510104011001", "510104000000", "510100000000", "510104011001003",
                                       "999999999999"])),
    "start": sometimes(st.one_of(RECENT, DAY)),
    "end": sometimes(st.one_of(RECENT, DAY)),
    "grain": sometimes(st.sampled_from(["day", "week", "month", "year"])),
    "by": sometimes(st.sampled_from(["children", "category", "channel", "status"])),
    "format": sometimes(st.sampled_from(["json", "csv"])),
    "code": sometimes(st.sampled_from([SHAHE, "hotline_received"])),
    "parent": sometimes(st.sampled_from([SHAHE, "510104000000"])),
    "root": sometimes(st.sampled_from([SHAHE, "510100000000"])),
    "depth": sometimes(st.sampled_from(["0", "1", "2", "4", "5", "-1"])),
    "level": sometimes(st.sampled_from(["district", "street", "community", "grid"])),
    "domain": sometimes(st.sampled_from(["party", "governance", "services"])),
}
ENDPOINTS = {
    "/api/v1/value": ["metric", "area", "start", "end", "format"],
    "/api/v1/series": ["metric", "area", "start", "end", "grain", "format"],
    "/api/v1/breakdown": ["metric", "area", "start", "end", "by", "format"],
    "/api/v1/areas": ["code", "parent", "root", "depth", "level", "format"],
    "/api/v1/metrics": ["code", "domain", "format"],
}


@st.composite
def requests_(draw):
    path = draw(st.sampled_from(sorted(ENDPOINTS)))
    names = draw(st.lists(st.sampled_from(ENDPOINTS[path]), unique=True, max_size=len(ENDPOINTS[path])))
    query = {name: draw(PARAMS[name]) for name in names}
    if draw(st.booleans()) and draw(st.booleans()):
        query[draw(ANY)] = draw(ANY)  # a parameter the endpoint does not know
    return path, query


def _too_long(query: dict) -> bool:
    """A day series over years is a legitimate but slow answer; the fuzz keeps to shorter ones."""
    try:
        start, end = date.fromisoformat(query["start"]), date.fromisoformat(query["end"])
    except (KeyError, TypeError, ValueError):
        return False
    return query.get("grain") == "day" and (end - start).days > 800


@API_FUZZ
@given(requests_())
@example(("/api/v1/value", {"metric": "hotline_received", "area": SHAHE, "start": "2025-02-29", "end": "2025-03-01"}))
@example(("/api/v1/series", {"metric": "hotline_received", "area": SHAHE, "start": "0001-01-01", "end": "9999-12-31"}))
@example(("/api/v1/breakdown", {"metric": "hotline_received", "area": "５１０１０４０１１０００", "start": "2025-01-01",
                                "end": "2025-01-31"}))
@example(("/api/v1/value", {"metric": "hotline_received' OR 1=1 --", "area": SHAHE, "start": "2025-01-01",
                            "end": "2025-01-31"}))
@example(("/api/v1/areas", {"code": SHAHE, "parent": SHAHE}))
def test_the_api_answers_any_parameters_without_a_server_error(client, request_):
    path, query = request_
    assume(not _too_long(query))
    response = client.get(path, query_string=query)
    assert response.status_code in (200, 400, 404), (path, query, response.get_data(as_text=True)[:300])
    if response.status_code != 200:
        body = response.get_json()
        assert body["error"] in ("bad_parameter", "not_found") and body["message"]
        if response.status_code == 400:
            assert "parameter" in body  # named, even when the unknown name is ""
    elif query.get("format") == "csv":
        assert response.mimetype == "text/csv"
    else:
        assert response.is_json


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.tuples(ANY, ANY), max_size=4))
def test_arbitrary_query_strings_never_break_the_index_pages(client, pairs):
    for path in ("/api/v1/", "/api/v1/version", "/api/v1/openapi.json"):
        response = client.get(path, query_string=pairs)
        assert response.status_code in (200, 400), (path, pairs)
        assert response.is_json
