"""The OpenAPI description at /api/v1/openapi.json is true: every documented operation,
called with its documented examples, answers what its schema says, and every route under
/api/v1/ is documented.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker

import api
from data import db, settings
from support import api_app

SHAHE = "510104011000"


@pytest.fixture(scope="module")
def app(sample_warehouse_url):
    with api_app(sample_warehouse_url, "openapi-test") as server:
        yield server


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def validate(spec: dict, schema: dict, instance) -> None:
    """Check ``instance`` against a schema of the document (its $refs resolve in the document)."""
    Draft202012Validator({**schema, "components": spec["components"]}, format_checker=FormatChecker()).validate(instance)


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def examples(operation: dict) -> list[dict]:
    """The documented calls: required parameters with their examples, then each optional
    parameter that has an example added on its own (code, parent and root exclude each other)."""
    documented = [p for p in operation["parameters"] if p["in"] == "query"]
    base = {p["name"]: p["example"] for p in documented if p["required"]}
    calls = [base]
    for p in documented:
        if not p["required"] and "example" in p:
            calls.append({**base, p["name"]: p["example"]})
    return calls


def test_the_document_is_openapi_3_1_with_valid_schemas(spec):
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] and spec["info"]["version"] == "1"
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    ids = [operation["operationId"] for _path, _method, operation in operations(spec)]
    assert len(ids) == len(set(ids))
    for path, _method, operation in operations(spec):
        for parameter in operation["parameters"]:
            Draft202012Validator.check_schema(parameter["schema"])
            if "example" in parameter:  # an example must satisfy its own parameter's schema
                value = parameter["example"]
                Draft202012Validator(parameter["schema"], format_checker=FormatChecker()).validate(value)
        assert "200" in operation["responses"], path


def test_every_route_under_api_v1_is_documented(app, spec):
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    methods = {(rule.rule, m.lower()) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
               for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(spec["paths"])
    assert methods == {(path, method) for path, method, _ in operations(spec)}


def test_every_operation_answers_its_examples_as_documented(client, spec):
    called = 0
    for path, _method, operation in operations(spec):
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        for query in examples(operation):
            response = client.get(path, query_string=query)
            assert response.status_code == 200, (path, query, response.get_data(as_text=True)[:300])
            validate(spec, schema, response.get_json())
            called += 1
    assert called >= 12


def test_figures_of_a_recent_period_match_their_schemas_too(client, spec):
    """The examples' period may hold no figures here; this one has the sample warehouse's."""
    today = settings.local_today()
    recent = {"metric": "hotline_received", "area": SHAHE, "start": (today - timedelta(days=80)).isoformat(),
              "end": today.isoformat()}
    for path, extra in (("/api/v1/value", {}), ("/api/v1/series", {"grain": "week"}),
                        ("/api/v1/breakdown", {"by": "children"}), ("/api/v1/breakdown", {"by": "category"})):
        answer = client.get(path, query_string={**recent, **extra})
        assert answer.status_code == 200
        body = answer.get_json()
        validate(spec, spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"], body)
        assert body.get("value") is not None or body.get("rows") or any(p["value"] for p in body.get("points", []))


def test_documented_csv_answers_are_csv(client, spec):
    for path, _method, operation in operations(spec):
        if "text/csv" not in operation["responses"]["200"]["content"]:
            continue
        response = client.get(path, query_string={**examples(operation)[0], "format": "csv"})
        assert response.status_code == 200 and response.mimetype == "text/csv", path
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_errors_match_the_documented_error_schema(client, spec):
    value = spec["paths"]["/api/v1/value"]["get"]
    good = examples(value)[0]
    for query, status in (({**good, "start": "2025-02-30"}, 400), ({**good, "grian": "week"}, 400),
                          ({**good, "metric": "no_such_metric"}, 404), ({**good, "area": "510104999999"}, 404)):
        response = client.get("/api/v1/value", query_string=query)
        assert response.status_code == status
        assert str(status) in value["responses"]
        validate(spec, value["responses"][str(status)]["content"]["application/json"]["schema"], response.get_json())


def test_a_warehouse_that_does_not_answer_gets_the_documented_503(monkeypatch, spec):
    from support import free_port

    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2")
    db.dispose_engines()
    server = Flask("openapi-503")
    api.init_app(server)
    value = spec["paths"]["/api/v1/value"]["get"]
    response = server.test_client().get("/api/v1/value", query_string=examples(value)[0])
    assert response.status_code == 503
    validate(spec, value["responses"]["503"]["content"]["application/json"]["schema"], response.get_json())
    db.dispose_engines()


def test_the_documented_reasons_are_the_apis_own(spec):
    from api import reach

    assert spec["components"]["schemas"]["Value"]["properties"]["reason"]["enum"] == [*reach.REASONS, None]
    points = spec["components"]["schemas"]["Series"]["properties"]["points"]["items"]
    rows = spec["components"]["schemas"]["Breakdown"]["properties"]["rows"]["items"]
    assert {"as_of", "complete", "reason"} <= set(points["required"]) & set(rows["required"])


def test_missing_and_partial_figures_match_their_schemas(client, spec):
    """This month so far: the hotline's figures are partial, the party's monthly report not yet
    delivered (null with its reason, never 0); the catalogue says how far each reaches."""
    today = settings.local_today()
    month = {"area": SHAHE, "start": today.replace(day=1).isoformat(), "end": today.isoformat()}

    def answer(path, **query):
        response = client.get(path, query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        body = response.get_json()
        validate(spec, spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"], body)
        return body

    party = answer("/api/v1/value", metric="party_three_sessions", **month)
    assert party["value"] is None and party["complete"] is False and party["reason"] == "not_yet_reported"
    assert party["as_of"] < month["start"]
    hotline = answer("/api/v1/series", metric="hotline_received", grain="day", **month)
    assert hotline["points"][-1]["complete"] is False and hotline["points"][-1]["reason"] == "not_yet_reported"
    assert any(p["complete"] and p["value"] is not None for p in hotline["points"]) or today.day == 1
    rows = answer("/api/v1/breakdown", metric="party_members", **month)["rows"]
    # a stock's level is carried forward from its latest report (within carry_months), marked as such
    assert rows and all(r["reason"] in ("not_yet_reported", "no_data") if r["value"] is None
                        else r["reason"] == "carried_forward" and r["complete"] is False for r in rows)
    catalogue = answer("/api/v1/metrics", area=SHAHE)["metrics"]
    through = {m["code"]: m["data_through"] for m in catalogue}
    assert through["party_members"] < month["start"] <= through["hotline_received"] or today.day == 1
