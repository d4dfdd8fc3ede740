"""Scheduling API under /v1: doctors, appointments, doctor availability, catalogs (thin views)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from appointments import availability, selectors, services
from appointments.catalogs import catalog_entries
from appointments.models import Appointment
from appointments.serializers import (
    AppointmentFilterSerializer,
    AppointmentSerializer,
    AvailabilityCheckSerializer,
    AvailabilityRuleSerializer,
    BlockedTimeSerializer,
    CancelSerializer,
    CatalogEntrySerializer,
    ClinicSerializer,
    ClosedDaySerializer,
    DoctorFilterSerializer,
    DoctorSerializer,
    HolidayLoadSerializer,
    TimeSlotsSerializer,
)
from appointments.times import parse_bound, parse_date, parse_instant
from secre.dialects import query_param, validated_body, validated_query
from secre.openapi import COMMON_ERRORS, NOT_FOUND, VALIDATION, problem
from secre.pagination import StablePagination
from secre.path_params import document_type_param, uuid_param
from secre.problems import PermissionDenied

EVENT_TYPE = "APPOINTMENT"
# Seed 001 spells the appointment's times start_datetime / end_datetime.
APPOINTMENT_ALIASES = {
    "start_datetime": "startAppointment",
    "startDatetime": "startAppointment",
    "end_datetime": "endAppointment",
    "endDatetime": "endAppointment",
}
BOOKING_CONFLICT = problem(
    "slot_taken or patient_busy (with conflictingAppointmentId), outside_availability (with reasons)."
)
TRANSITION_CONFLICT = problem("invalid_transition (with allowedTransitions), or a booking conflict when rescheduling.")
DOCUMENT_PARAMETERS = [
    OpenApiParameter("documentTypeId", OpenApiTypes.INT, OpenApiParameter.PATH, description="Doctor's document type."),
    OpenApiParameter(
        "documentNumber", OpenApiTypes.STR, OpenApiParameter.PATH, description="Doctor's document number."
    ),
]
SEED_000_APPOINTMENT = OpenApiExample(
    "seed 000 n8n tool (camelCase, RFC 3339)",
    request_only=True,
    value={
        "eventType": "APPOINTMENT",
        "actionType": "CREATE",
        "startAppointment": "2025-09-25T14:00:00Z",
        "endAppointment": "2025-09-25T14:30:00Z",
        "patientDocumentTypeId": 1,
        "patientDocumentNumber": "12345678",
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
        "modality": "presencial",
        "state": "scheduled",
        "notificationState": "pending",
        "appointmentType": "primera_vez",
        "comment": "Dolor de cabeza recurrente",
        "customFields": {"channel": "whatsapp"},
    },
)
SEED_001_APPOINTMENT = OpenApiExample(
    "seed 001 README (snake_case, local time)",
    request_only=True,
    value={
        "start_datetime": "2025-09-25T10:00:00",
        "end_datetime": "2025-09-25T11:00:00",
        "patient_document_type_id": 1,
        "patient_document_number": "12345678",
        "doctor_document_type_id": 1,
        "doctor_document_number": "99999999",
        "modality": "presencial",
        "state": "scheduled",
    },
)
TIME_SLOTS_EXAMPLE = OpenApiExample(
    "one slot",
    response_only=True,
    value={
        "doctor": {"documentTypeId": 1, "documentNumber": "99999999"},
        "timeZone": "America/Bogota",
        "slots": [
            {
                "start": "2025-09-25T14:00:00Z",
                "end": "2025-09-25T14:30:00Z",
                "startLocal": "2025-09-25T09:00:00-05:00",
                "endLocal": "2025-09-25T09:30:00-05:00",
                "capacity": 1,
                "remaining": 1,
            }
        ],
    },
)


def _zone(request) -> ZoneInfo:
    return ZoneInfo(request.tenant.timezone)


def _context(request, instance=None) -> dict:
    return {"request": request, "zone": _zone(request), "instance": instance}


def _doctor_by_path(documentTypeId: str, documentNumber: str):
    return selectors.doctor_get_by_document(
        document_type_id=document_type_param(documentTypeId), document_number=documentNumber
    )


def _overbook(request, data: dict) -> bool:
    """``overbook: true`` needs the key's ``overbook`` scope (403 permission_denied otherwise)."""
    if not data.pop("overbook", False):
        return False
    if not request.user.has_scope("overbook"):
        raise PermissionDenied("Booking outside availability needs the overbook scope.", missingScope="overbook")
    return True


def _bound(request, name: str, *aliases: str, end: bool):
    raw, used = query_param(request.query_params, name, *aliases)
    if raw is None or raw == "":
        return None
    return parse_bound(raw, _zone(request), field=used, end=end)


@extend_schema_view(
    list=extend_schema(
        summary="List doctors",
        parameters=[
            OpenApiParameter("specialty", OpenApiTypes.STR),
            OpenApiParameter("documentTypeId", OpenApiTypes.INT),
            OpenApiParameter("documentNumber", OpenApiTypes.STR),
            OpenApiParameter("isActive", OpenApiTypes.BOOL),
            OpenApiParameter("pageSize", OpenApiTypes.INT, description="1-100, default 20."),
        ],
        responses={200: DoctorSerializer(many=True), 400: VALIDATION, **COMMON_ERRORS},
    ),
    create=extend_schema(
        summary="Create a doctor",
        request=DoctorSerializer,
        examples=[
            OpenApiExample(
                "doctor",
                request_only=True,
                value={
                    "documentTypeId": 1,
                    "documentNumber": "99999999",
                    "firstName": "Laura",
                    "firstLastName": "Restrepo",
                    "specialty": "medicina general",
                },
            )
        ],
        responses={201: DoctorSerializer, 400: VALIDATION, 409: problem("doctor_exists"), **COMMON_ERRORS},
    ),
    retrieve=extend_schema(summary="Get a doctor", responses={200: DoctorSerializer, 404: NOT_FOUND, **COMMON_ERRORS}),
    partial_update=extend_schema(
        summary="Update a doctor",
        request=DoctorSerializer,
        responses={
            200: DoctorSerializer,
            400: VALIDATION,
            404: NOT_FOUND,
            409: problem("doctor_exists"),
            **COMMON_ERRORS,
        },
    ),
    destroy=extend_schema(
        summary="Delete a doctor (with their availability); 409 when they have appointments",
        responses={204: None, 404: NOT_FOUND, 409: problem("doctor_has_appointments"), **COMMON_ERRORS},
    ),
)
class DoctorViewSet(viewsets.ViewSet):
    """Doctors of the tenant (FHIR Practitioner), identified by document like patients."""

    lookup_value_regex = "[^/]+"

    def list(self, request):
        filters = validated_query(request, DoctorFilterSerializer, names=DoctorFilterSerializer.FILTERS)
        paginator = StablePagination()
        page = paginator.paginate_queryset(selectors.doctor_list(filters=filters), request, view=self)
        return paginator.get_paginated_response(DoctorSerializer(page, many=True).data)

    def create(self, request):
        data = validated_body(request, DoctorSerializer)
        doctor = services.doctor_create(tenant=request.tenant, data=data)
        return Response(DoctorSerializer(doctor).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk: str):
        return Response(DoctorSerializer(selectors.doctor_get(doctor_id=uuid_param(pk))).data)

    def partial_update(self, request, pk: str):
        doctor = selectors.doctor_get(doctor_id=uuid_param(pk))
        data = validated_body(request, DoctorSerializer, partial=True)
        return Response(DoctorSerializer(services.doctor_update(doctor=doctor, data=data)).data)

    def destroy(self, request, pk: str):
        services.doctor_delete(doctor=selectors.doctor_get(doctor_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Find a doctor by document",
        parameters=DOCUMENT_PARAMETERS,
        responses={200: DoctorSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
    )
    @action(detail=False, methods=["get"], url_path=r"by-document/(?P<documentTypeId>[^/]+)/(?P<documentNumber>[^/]+?)")
    def by_document(self, request, documentTypeId: str, documentNumber: str):
        return Response(DoctorSerializer(_doctor_by_path(documentTypeId, documentNumber)).data)


APPOINTMENT_FILTER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.STR, description="RFC 3339, naive local time, or a date (that local day)."),
    OpenApiParameter("end", OpenApiTypes.STR, description="Exclusive; a date includes that whole local day."),
    OpenApiParameter("doctorDocumentTypeId", OpenApiTypes.INT),
    OpenApiParameter("doctorDocumentNumber", OpenApiTypes.STR),
    OpenApiParameter("patientDocumentTypeId", OpenApiTypes.INT),
    OpenApiParameter("patientDocumentNumber", OpenApiTypes.STR),
    OpenApiParameter("modality", OpenApiTypes.STR),
    OpenApiParameter("state", OpenApiTypes.STR, enum=[c for c, _ in Appointment.State.choices]),
    OpenApiParameter("pageSize", OpenApiTypes.INT, description="1-100, default 20."),
]


@extend_schema_view(
    list=extend_schema(
        summary="List appointments (starting in [start, end))",
        parameters=APPOINTMENT_FILTER_PARAMETERS,
        responses={200: AppointmentSerializer(many=True), 400: VALIDATION, **COMMON_ERRORS},
    ),
    create=extend_schema(
        summary="Book an appointment",
        request=AppointmentSerializer,
        examples=[SEED_000_APPOINTMENT, SEED_001_APPOINTMENT],
        responses={
            201: AppointmentSerializer,
            400: problem("validation_error, nonexistent_local_time, ambiguous_local_time, conflicting_fields."),
            403: problem("permission_denied: overbook without the overbook scope (missingScope)."),
            409: BOOKING_CONFLICT,
            **COMMON_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="Get an appointment",
        responses={200: AppointmentSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Update an appointment: state (lifecycle), notificationState, times (reschedule), details",
        request=AppointmentSerializer,
        examples=[
            OpenApiExample("confirm", request_only=True, value={"state": "confirmed"}),
            OpenApiExample("message sent", request_only=True, value={"notificationState": "sent"}),
            OpenApiExample(
                "reschedule",
                request_only=True,
                value={"startAppointment": "2025-09-26T09:00:00", "endAppointment": "2025-09-26T09:30:00"},
            ),
        ],
        responses={
            200: AppointmentSerializer,
            400: VALIDATION,
            404: NOT_FOUND,
            409: TRANSITION_CONFLICT,
            **COMMON_ERRORS,
        },
    ),
    destroy=extend_schema(
        summary="Cancel an appointment (the record stays)",
        responses={204: None, 404: NOT_FOUND, 409: problem("invalid_transition"), **COMMON_ERRORS},
    ),
)
class AppointmentViewSet(viewsets.ViewSet):
    """Appointments of the tenant (seed 000 Appointment; FHIR Appointment)."""

    lookup_value_regex = "[^/]+"

    def list(self, request):
        return self._list(request, start_aliases=(), end_aliases=())

    def create(self, request):
        data = validated_body(
            request,
            AppointmentSerializer,
            event_type=EVENT_TYPE,
            allowed_actions={"CREATE"},
            aliases=APPOINTMENT_ALIASES,
            context=_context(request),
        )
        overbook = _overbook(request, data)
        appointment = services.appointment_book(tenant=request.tenant, overbook=overbook, **data)
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk: str):
        return Response(AppointmentSerializer(selectors.appointment_get(appointment_id=uuid_param(pk))).data)

    def partial_update(self, request, pk: str):
        appointment = selectors.appointment_get(appointment_id=uuid_param(pk), for_update=True)
        data = validated_body(
            request,
            AppointmentSerializer,
            event_type=EVENT_TYPE,
            allowed_actions={"UPDATE", "CANCEL"},
            partial=True,
            aliases=APPOINTMENT_ALIASES,
            context=_context(request, appointment),
        )
        if request.data.get("actionType", request.data.get("action_type")) == "CANCEL":
            data.setdefault("state", Appointment.State.CANCELLED)
        overbook = _overbook(request, data)
        appointment = services.appointment_update(
            tenant=request.tenant, appointment=appointment, data=data, overbook=overbook
        )
        return Response(AppointmentSerializer(appointment).data)

    def destroy(self, request, pk: str):
        appointment = selectors.appointment_get(appointment_id=uuid_param(pk), for_update=True)
        services.appointment_cancel(appointment=appointment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Cancel an appointment with a reason",
        request=CancelSerializer,
        examples=[OpenApiExample("reason", request_only=True, value={"reason": "Paciente no puede asistir"})],
        responses={
            200: AppointmentSerializer,
            400: VALIDATION,
            404: NOT_FOUND,
            409: problem("invalid_transition"),
            **COMMON_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk: str):
        appointment = selectors.appointment_get(appointment_id=uuid_param(pk), for_update=True)
        data = validated_body(request, CancelSerializer, event_type=EVENT_TYPE, allowed_actions={"CANCEL"})
        appointment = services.appointment_cancel(appointment=appointment, reason=data.get("reason"))
        return Response(AppointmentSerializer(appointment).data)

    @extend_schema(
        summary="Appointments by date range (seed 001; start_date/end_date also accepted)",
        parameters=APPOINTMENT_FILTER_PARAMETERS[:2]
        + [OpenApiParameter("start_date", OpenApiTypes.STR), OpenApiParameter("end_date", OpenApiTypes.STR)]
        + APPOINTMENT_FILTER_PARAMETERS[2:],
        responses={200: AppointmentSerializer(many=True), 400: VALIDATION, **COMMON_ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="by-date-range")
    def by_date_range(self, request):
        return self._list(request, start_aliases=("start_date", "startDate"), end_aliases=("end_date", "endDate"))

    def _list(self, request, *, start_aliases, end_aliases):
        filters = validated_query(request, AppointmentFilterSerializer, names=AppointmentFilterSerializer.FILTERS)
        filters["start"] = _bound(request, "start", *start_aliases, end=False)
        filters["end"] = _bound(request, "end", *end_aliases, end=True)
        paginator = StablePagination(ordering=("start", "id"))
        page = paginator.paginate_queryset(selectors.appointment_list(filters=filters), request, view=self)
        return paginator.get_paginated_response(AppointmentSerializer(page, many=True).data)


class DoctorAvailabilityViewSet(viewsets.ViewSet):
    """Seed 001's /v1/doctor-availability: weekly rules, blocked time, closed days, slots, checks."""

    @extend_schema(
        summary="Add a weekly availability rule",
        request=AvailabilityRuleSerializer,
        examples=[
            OpenApiExample(
                "seed 001 README (snake_case)",
                request_only=True,
                value={
                    "doctor_document_type_id": 1,
                    "doctor_document_number": "99999999",
                    "day_of_week": 1,
                    "start_time": "09:00",
                    "end_time": "17:00",
                    "appointment_duration_minutes": 30,
                },
            )
        ],
        responses={
            201: AvailabilityRuleSerializer,
            400: VALIDATION,
            409: problem("overlapping_availability"),
            **COMMON_ERRORS,
        },
    )
    def create_rule(self, request):
        data = validated_body(request, AvailabilityRuleSerializer, context=_context(request))
        rule = services.availability_rule_create(tenant=request.tenant, doctor=data.pop("doctor"), data=data)
        return Response(AvailabilityRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A doctor's weekly availability rules",
        parameters=DOCUMENT_PARAMETERS,
        responses={200: AvailabilityRuleSerializer(many=True), 404: NOT_FOUND, **COMMON_ERRORS},
    )
    def list_rules(self, request, documentTypeId: str, documentNumber: str):
        doctor = _doctor_by_path(documentTypeId, documentNumber)
        return Response(AvailabilityRuleSerializer(selectors.availability_rule_list(doctor=doctor), many=True).data)

    @extend_schema(
        summary="Change a weekly availability rule",
        request=AvailabilityRuleSerializer,
        responses={
            200: AvailabilityRuleSerializer,
            400: VALIDATION,
            404: NOT_FOUND,
            409: problem("overlapping_availability"),
            **COMMON_ERRORS,
        },
    )
    def update_rule(self, request, pk: str):
        rule = selectors.availability_rule_get(rule_id=uuid_param(pk))
        data = validated_body(request, AvailabilityRuleSerializer, partial=True, context=_context(request, rule))
        if "doctor" in data:
            rule.doctor = data.pop("doctor")
        rule = services.availability_rule_update(rule=rule, data=data)
        return Response(AvailabilityRuleSerializer(rule).data)

    @extend_schema(summary="Delete a weekly availability rule", responses={204: None, 404: NOT_FOUND, **COMMON_ERRORS})
    def delete_rule(self, request, pk: str):
        services.availability_rule_delete(rule=selectors.availability_rule_get(rule_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Block a doctor's time",
        request=BlockedTimeSerializer,
        examples=[
            OpenApiExample(
                "vacation",
                request_only=True,
                value={
                    "doctorDocumentTypeId": 1,
                    "doctorDocumentNumber": "99999999",
                    "start": "2025-12-22T00:00:00",
                    "end": "2026-01-05T00:00:00",
                    "reason": "Vacaciones",
                },
            )
        ],
        responses={201: BlockedTimeSerializer, 400: VALIDATION, **COMMON_ERRORS},
    )
    def create_blocked(self, request):
        data = validated_body(request, BlockedTimeSerializer, context=_context(request))
        blocked = services.blocked_time_create(tenant=request.tenant, **data)
        return Response(BlockedTimeSerializer(blocked, context=_context(request)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A doctor's blocked time (optionally overlapping [start, end))",
        parameters=[
            *DOCUMENT_PARAMETERS,
            OpenApiParameter("start", OpenApiTypes.STR),
            OpenApiParameter("end", OpenApiTypes.STR),
        ],
        responses={200: BlockedTimeSerializer(many=True), 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
    )
    def list_blocked(self, request, documentTypeId: str, documentNumber: str):
        doctor = _doctor_by_path(documentTypeId, documentNumber)
        blocked = selectors.blocked_time_list(
            doctor=doctor, start=_bound(request, "start", end=False), end=_bound(request, "end", end=True)
        )
        return Response(BlockedTimeSerializer(blocked, many=True, context=_context(request)).data)

    @extend_schema(summary="Remove blocked time", responses={204: None, 404: NOT_FOUND, **COMMON_ERRORS})
    def delete_blocked(self, request, pk: str):
        services.blocked_time_delete(blocked_time=selectors.blocked_time_get(blocked_time_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Free slots of a doctor (FHIR Slot), in time order",
        parameters=[
            *DOCUMENT_PARAMETERS,
            OpenApiParameter("date", OpenApiTypes.DATE, required=True, description="First local day."),
            OpenApiParameter("days", OpenApiTypes.INT, description="1-31 local days (default 1)."),
            OpenApiParameter("includeFull", OpenApiTypes.BOOL, description="Also list full slots."),
        ],
        examples=[TIME_SLOTS_EXAMPLE],
        responses={200: TimeSlotsSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
    )
    def time_slots(self, request, documentTypeId: str, documentNumber: str):
        doctor = _doctor_by_path(documentTypeId, documentNumber)
        raw_date, used = query_param(request.query_params, "date")
        if not raw_date:
            raise ValidationError({"date": ["This query parameter is required (YYYY-MM-DD)."]}, code="required")
        first_day = parse_date(raw_date, field=used)
        raw_days, used_days = query_param(request.query_params, "days")
        days = 1
        if raw_days not in (None, ""):
            if not raw_days.isdigit() or not 1 <= int(raw_days) <= availability.MAX_DAYS:
                raise ValidationError({used_days: ["A whole number from 1 to 31."]}, code="out_of_range")
            days = int(raw_days)
        raw_full, _ = query_param(request.query_params, "includeFull")
        include_full = str(raw_full).lower() in ("true", "1", "yes")
        zone = _zone(request)
        slots = availability.time_slots(
            doctor=doctor, first_day=first_day, days=days, zone=zone, include_full=include_full
        )
        payload = {"doctor": doctor, "timeZone": request.tenant.timezone, "slots": slots}
        return Response(TimeSlotsSerializer(payload, context={"zone": zone}).data)

    @extend_schema(
        summary="Can [start, end) be booked with this doctor?",
        parameters=[
            *DOCUMENT_PARAMETERS,
            OpenApiParameter("start", OpenApiTypes.STR, required=True),
            OpenApiParameter("end", OpenApiTypes.STR, required=True),
        ],
        examples=[
            OpenApiExample(
                "taken",
                response_only=True,
                value={
                    "available": False,
                    "reasons": ["taken"],
                    "conflictingAppointmentId": "01922a4e-5c6f-7d3a-9b1e-2f3a4b5c6d7e",
                    "capacity": 1,
                },
            )
        ],
        responses={200: AvailabilityCheckSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
    )
    def check(self, request, documentTypeId: str, documentNumber: str):
        doctor = _doctor_by_path(documentTypeId, documentNumber)
        zone = _zone(request)
        bounds = {}
        for name in ("start", "end"):
            raw, used = query_param(request.query_params, name)
            if not raw:
                raise ValidationError({name: ["This query parameter is required."]}, code="required")
            bounds[name] = parse_instant(raw, zone, field=used)
        if bounds["end"] <= bounds["start"]:
            raise ValidationError({"end": ["Must be after start."]}, code="invalid")
        result = availability.check_availability(doctor=doctor, start=bounds["start"], end=bounds["end"], zone=zone)
        return Response(AvailabilityCheckSerializer(result).data)

    @extend_schema(
        summary="Closed days of the clinic (public holidays and its own)",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT)],
        responses={200: ClosedDaySerializer(many=True), 400: VALIDATION, **COMMON_ERRORS},
    )
    def list_closed(self, request):
        raw, used = query_param(request.query_params, "year")
        if raw not in (None, "") and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
            raise ValidationError({used: ["A year from 2000 to 2100."]}, code="invalid")
        days = selectors.closed_day_list(year=int(raw) if raw else None)
        return Response(ClosedDaySerializer(days, many=True).data)

    @extend_schema(
        summary="Close the clinic on a date",
        request=ClosedDaySerializer,
        responses={201: ClosedDaySerializer, 400: VALIDATION, 409: problem("closed_day_exists"), **COMMON_ERRORS},
    )
    def create_closed(self, request):
        data = validated_body(request, ClosedDaySerializer)
        closed = services.closed_day_create(tenant=request.tenant, day=data["date"], name=data["name"])
        return Response(ClosedDaySerializer(closed).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Reopen a closed day", responses={204: None, 404: NOT_FOUND, **COMMON_ERRORS})
    def delete_closed(self, request, pk: str):
        services.closed_day_delete(closed_day=selectors.closed_day_get(closed_day_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Load a year's Colombian public holidays (festivos) as closed days",
        request=HolidayLoadSerializer,
        responses={201: ClosedDaySerializer(many=True), 400: VALIDATION, **COMMON_ERRORS},
    )
    def load_holidays(self, request):
        data = validated_body(request, HolidayLoadSerializer)
        added = services.holidays_load(tenant=request.tenant, year=data["year"])
        return Response(ClosedDaySerializer(added, many=True).data, status=status.HTTP_201_CREATED)


class CatalogViewSet(viewsets.ViewSet):
    """A string catalog: built-in defaults plus the tenant's own codes."""

    kind = ""

    def list(self, request):
        return Response(CatalogEntrySerializer(catalog_entries(self.kind), many=True).data)

    def create(self, request):
        data = validated_body(request, CatalogEntrySerializer)
        entry = services.catalog_entry_create(tenant=request.tenant, kind=self.kind, **data)
        return Response(
            CatalogEntrySerializer({"code": entry.code, "name": entry.name, "isDefault": False}).data,
            status=status.HTTP_201_CREATED,
        )


CATALOG_SCHEMA = {
    "list": extend_schema(responses={200: CatalogEntrySerializer(many=True), **COMMON_ERRORS}),
    "create": extend_schema(
        request=CatalogEntrySerializer,
        responses={201: CatalogEntrySerializer, 400: VALIDATION, 409: problem("catalog_code_exists"), **COMMON_ERRORS},
    ),
}


@extend_schema_view(**CATALOG_SCHEMA)
class ModalityViewSet(CatalogViewSet):
    """Modalities (defaults presencial, virtual, domiciliaria)."""

    kind = "modality"


@extend_schema_view(**CATALOG_SCHEMA)
class AppointmentTypeViewSet(CatalogViewSet):
    """Appointment types (defaults primera_vez, control)."""

    kind = "appointment_type"


@extend_schema_view(
    list=extend_schema(responses={200: ClinicSerializer(many=True), **COMMON_ERRORS}),
    create=extend_schema(
        request=ClinicSerializer,
        responses={201: ClinicSerializer, 400: VALIDATION, 409: problem("catalog_code_exists"), **COMMON_ERRORS},
    ),
)
class ClinicViewSet(viewsets.ViewSet):
    """The tenant's places of care; an appointment's clinicId is one of their ids."""

    def list(self, request):
        return Response(ClinicSerializer(selectors.clinic_list(), many=True).data)

    def create(self, request):
        data = validated_body(request, ClinicSerializer)
        clinic = services.clinic_create(tenant=request.tenant, name=data["name"], address=data.get("address"))
        return Response(ClinicSerializer(clinic).data, status=status.HTTP_201_CREATED)
