"""Errors as FHIR OperationOutcome: the problem details of secre/problems.py, translated.

Every error under /fhir/R4 — the tenancy middleware's 401/403/429, the body limits' 413/415, Django's
404/500, DRF's 400/405/406 and every domain 409 — is built as an RFC 9457 problem first and rendered here
(secre/surfaces.py ``problem_renderer``), so the two APIs can never disagree on a code::

    {"resourceType": "OperationOutcome",
     "issue": [{"severity": "error", "code": "conflict",
                "details": {"coding": [{"system": "urn:secre:problem", "code": "slot_taken",
                                        "display": "Slot taken"}], "text": "Slot taken"},
                "diagnostics": "The doctor is booked to capacity at that time."}],
     "extension": [{"url": "urn:secre:fhir:StructureDefinition:problem",
                    "extension": [{"url": "requestId", "valueString": "..."},
                                  {"url": "conflictingAppointmentId", "valueString": "..."}]}]}

A validation problem gives one issue per field, with the field in ``expression``.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from fhir_api.codes import PROBLEM_EXTENSION, PROBLEM_SYSTEM

FHIR_JSON = "application/fhir+json"

# Problem code -> FHIR IssueType (http://hl7.org/fhir/issue-type); others by status below.
_ISSUE_TYPES = {
    "validation_error": "invalid",
    "malformed_request": "structure",
    "unknown_fields": "not-supported",
    "conflicting_fields": "invalid",
    "invalid_cursor": "invalid",
    "authentication_failed": "login",
    "permission_denied": "forbidden",
    "tenant_key_required": "forbidden",
    "platform_key_required": "forbidden",
    "not_found": "not-found",
    "method_not_allowed": "not-supported",
    "not_acceptable": "not-supported",
    "unsupported_media_type": "not-supported",
    "payload_too_large": "too-long",
    "rate_limited": "throttled",
    "outside_availability": "business-rule",
    "outside_booking_window": "business-rule",
    "invalid_transition": "business-rule",
    "idempotency_key_reused": "duplicate",
    "service_unavailable": "transient",
}
_BY_STATUS = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 409: "conflict", 422: "processing"}
_OWN_MEMBERS = {"type", "title", "status", "detail", "code", "errors"}


def issue_type(code: str, status: int) -> str:
    """The FHIR IssueType of a problem ``code`` answered with ``status``."""
    if code in _ISSUE_TYPES:
        return _ISSUE_TYPES[code]
    if status >= 500:
        return "exception"
    return _BY_STATUS.get(status, "processing")


def operation_outcome(body: dict[str, Any]) -> dict[str, Any]:
    """The OperationOutcome of a problem ``body`` (secre.problems.problem_body's shape)."""
    status = int(body.get("status") or 500)
    code = str(body.get("code") or "server_error")
    details = {
        "coding": [{"system": PROBLEM_SYSTEM, "code": code, "display": body.get("title") or code}],
        "text": body.get("title") or code,
    }
    base = {"severity": "fatal" if status >= 500 else "error", "code": issue_type(code, status), "details": details}
    issues = []
    for error in body.get("errors") or []:
        issue = dict(base)
        field, message = error.get("field"), error.get("message")
        issue["diagnostics"] = f"{field}: {message}" if field else str(message)
        if field:
            issue["expression"] = [str(field)]
        issues.append(issue)
    if not issues:
        issues.append({**base, "diagnostics": str(body.get("detail") or details["text"])})
    outcome: dict[str, Any] = {"resourceType": "OperationOutcome", "issue": issues}
    members = [member for name, value in body.items() if name not in _OWN_MEMBERS for member in _members(name, value)]
    if members:
        outcome["extension"] = [{"url": PROBLEM_EXTENSION, "extension": members}]
    return outcome


def _members(name: str, value: Any) -> list[dict[str, Any]]:
    """A problem's extra member as sub-extensions (a list: one per item; nested objects as JSON text)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [member for item in value for member in _members(name, item)]
    if isinstance(value, bool):
        return [{"url": name, "valueBoolean": value}]
    if isinstance(value, int):
        return [{"url": name, "valueInteger": value}]
    if isinstance(value, dict):
        return [{"url": name, "valueString": json.dumps(value, sort_keys=True, ensure_ascii=False)}]
    return [{"url": name, "valueString": str(value)}]


def operation_outcome_response(body: dict[str, Any], status: int, headers: dict[str, str] | None) -> HttpResponse:
    """The /fhir/R4 surface's problem renderer (secre/surfaces.py): ``application/fhir+json``."""
    content = json.dumps(operation_outcome(body), ensure_ascii=False).encode()
    response = HttpResponse(content, status=status, content_type=FHIR_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
