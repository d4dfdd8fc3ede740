"""What the scheduling views share: the clinic's zone, serializer context, path lookups, overbooking."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from appointments import selectors
from appointments.times import parse_bound
from secre.dialects import query_param
from secre.path_params import document_type_param
from secre.problems import PermissionDenied

EVENT_TYPE = "APPOINTMENT"

# Seed 001 spells the appointment's times start_datetime / end_datetime.
APPOINTMENT_ALIASES = {
    "start_datetime": "startAppointment",
    "startDatetime": "startAppointment",
    "end_datetime": "endAppointment",
    "endDatetime": "endAppointment",
}


def request_zone(request) -> ZoneInfo:
    """The calling tenant's IANA zone (naive times on the wire are read in it)."""
    return request.tenant.zone


def serializer_context(request, instance=None) -> dict:
    """What the scheduling serializers need: the request, the zone, the instance being changed."""
    return {"request": request, "zone": request_zone(request), "instance": instance}


def doctor_by_path(documentTypeId: str, documentNumber: str):
    """The tenant's doctor named by ``{documentTypeId}/{documentNumber}`` in the path; 404 otherwise."""
    return selectors.doctor_get_by_document(
        document_type_id=document_type_param(documentTypeId), document_number=documentNumber
    )


def overbook_requested(request, data: dict) -> bool:
    """``overbook: true`` needs the key's ``overbook`` scope (403 permission_denied otherwise)."""
    if not data.pop("overbook", False):
        return False
    if not request.user.has_scope("overbook"):
        raise PermissionDenied("Booking outside availability needs the overbook scope.", missingScope="overbook")
    return True


def query_bound(request, name: str, *aliases: str, end: bool):
    """A ``start``/``end`` query parameter (datetime, or a date meaning that local day), UTC; None if absent."""
    raw, used = query_param(request.query_params, name, *aliases)
    if raw is None or raw == "":
        return None
    return parse_bound(raw, request_zone(request), field=used, end=end)
