"""Test helpers: FHIR requests and validation against fhir.resources' R4B models."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json"
BASE = "/fhir/R4"


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` validated against its R4B model (and a Bundle's entries against theirs); returns it."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for entry in resource.get("entry", []) if resource["resourceType"] == "Bundle" else []:
        valid(entry["resource"])
    return resource


def body(response) -> dict[str, Any]:
    """The FHIR JSON of a response (always application/fhir+json unless asked otherwise), validated."""
    assert response["Content-Type"].startswith(FHIR_JSON), response["Content-Type"]
    return valid(json.loads(response.content))


def outcome(response, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is an OperationOutcome with ``status`` and the problem ``code`` in issue.details."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    document = body(response)
    assert document["resourceType"] == "OperationOutcome"
    codings = [c for issue in document["issue"] for c in issue["details"]["coding"]]
    assert {c["code"] for c in codings} == {code}, codings
    assert {c["system"] for c in codings} == {"urn:secre:problem"}
    return document


def get(client, path: str, **params):
    return client.get(f"{BASE}/{path}", params, HTTP_ACCEPT=FHIR_JSON)


def send(client, method: str, path: str, document: dict[str, Any]):
    return getattr(client, method)(
        f"{BASE}/{path}", json.dumps(document), content_type=FHIR_JSON, HTTP_ACCEPT=FHIR_JSON
    )


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    assert "total" not in bundle
    return [entry["resource"] for entry in bundle.get("entry", [])]


def next_link(bundle: dict[str, Any]) -> str | None:
    return next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
