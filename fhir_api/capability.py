"""The CapabilityStatement of /fhir/R4/metadata, built from the views' own declarations (their resource
type, interactions and search parameters), so it lists exactly what is served."""

from __future__ import annotations

from typing import Any

from fhir_api.formats import BASE_PATH, FHIR_VERSION
from fhir_api.outcomes import FHIR_JSON

# The day this CapabilityStatement last changed (FHIR's required ``date``); change it with the interactions.
RELEASED = "2026-12-01"
SECURITY = (
    "Every interaction but this one needs a tenant API key in X-Api-Key (the same keys, scopes and rate "
    "limits as /v1): reads and searches need the read scope, create and cancel the write scope. A key sees "
    "only its clinic's resources; another clinic's id is a 404, exactly like a missing one."
)


def capability_statement(request, views: list[type]) -> dict[str, Any]:
    """The server's CapabilityStatement: one ``rest.resource`` per view, its ``interaction`` codes and
    ``searchParam`` entries; JSON only, no versioning, no conditional interactions."""
    resources = []
    for view in views:
        entry: dict[str, Any] = {
            "type": view.resource_type,
            "documentation": view.documentation,
            "interaction": [{"code": code} for code in view.interactions],
            "versioning": "no-version",
            "readHistory": False,
            "updateCreate": False,
            "conditionalCreate": False,
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
        }
        if view.search_parameters:
            entry["searchParam"] = [
                {"name": p.name, "type": p.type, "documentation": p.documentation} for p in view.search_parameters
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED,
        "publisher": "Secre",
        "kind": "instance",
        "software": {"name": "Secre"},
        "implementation": {
            "description": "Secre's HL7 FHIR R4 facade (docs/fhir.md)",
            "url": request.build_absolute_uri(BASE_PATH),
        },
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Search results are searchset Bundles paged by _count (1-100) and the next link.",
                "security": {"description": SECURITY},
                "resource": resources,
            }
        ],
    }
