"""OpenAPI declarations of the scheduling API: examples, parameters and each operation's responses,
kept beside the views (appointments/views/) so that the views stay short."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view

from appointments.models import Appointment
from appointments.serializers import (
    AppointmentSerializer,
    AppointmentTypeSerializer,
    AvailabilityCheckSerializer,
    AvailabilityRuleSerializer,
    BlockedTimeSerializer,
    CancelSerializer,
    CatalogEntrySerializer,
    ClinicSerializer,
    ClosedDaySerializer,
    DoctorSerializer,
    HoldSerializer,
    HolidayLoadSerializer,
    RescheduleSerializer,
    SlotSearchSerializer,
    SpecialtySerializer,
    TimeSlotsSerializer,
)
from secre.openapi import COMMON_ERRORS, NOT_FOUND, VALIDATION, document_path_parameters, paged, problem

BOOKING_CONFLICT = problem(
    "slot_taken or patient_busy (with conflictingAppointmentId), slot_held (conflictingHoldId, expiresAt), "
    "outside_availability (with reasons), outside_booking_window (rule), hold_patient_mismatch."
)
TYPE_PARAMETER = OpenApiParameter(
    "appointmentType",
    OpenApiTypes.STR,
    description="An appointment type code (/v1/lookups/appointment-types): slots last its duration and keep its "
    "buffers free.",
)

TRANSITION_CONFLICT = problem("invalid_transition (with allowedTransitions), or a booking conflict when rescheduling.")

DOCUMENT_PARAMETERS = document_path_parameters("The doctor's")

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
                "held": False,
            }
        ],
    },
)

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

CATALOG_SCHEMA = {
    "list": extend_schema(responses={200: CatalogEntrySerializer(many=True), **COMMON_ERRORS}),
    "create": extend_schema(
        request=CatalogEntrySerializer,
        responses={201: CatalogEntrySerializer, 400: VALIDATION, 409: problem("catalog_code_exists"), **COMMON_ERRORS},
    ),
}

DOCTOR_VIEW = extend_schema_view(
    list=extend_schema(
        summary="List doctors",
        parameters=[
            OpenApiParameter("specialty", OpenApiTypes.STR, description="Accent- and case-insensitive exact."),
            OpenApiParameter("name", OpenApiTypes.STR, description="Contained in any name part; accent-insensitive."),
            OpenApiParameter("documentTypeId", OpenApiTypes.INT),
            OpenApiParameter("documentNumber", OpenApiTypes.STR),
            OpenApiParameter("isActive", OpenApiTypes.BOOL),
            OpenApiParameter(
                "availableOn",
                OpenApiTypes.DATE,
                description="Only active doctors with a free slot that local day, each with firstFreeSlot "
                "(pageSize at most 50; no previous link).",
            ),
            TYPE_PARAMETER,
            OpenApiParameter("pageSize", OpenApiTypes.INT, description="1-100 (1-50 with availableOn), default 20."),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From a next/previous link."),
        ],
        responses={200: paged(DoctorSerializer), 400: VALIDATION, **COMMON_ERRORS},
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

DOCTOR_BY_DOCUMENT = extend_schema(
    summary="Find a doctor by document",
    parameters=DOCUMENT_PARAMETERS,
    responses={200: DoctorSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
)

APPOINTMENT_VIEW = extend_schema_view(
    list=extend_schema(
        summary="List appointments (starting in [start, end))",
        parameters=APPOINTMENT_FILTER_PARAMETERS,
        responses={200: paged(AppointmentSerializer), 400: VALIDATION, **COMMON_ERRORS},
    ),
    create=extend_schema(
        summary="Book an appointment",
        request=AppointmentSerializer,
        description=(
            "With holdId the hold gives the doctor and the times; booking a hold already booked returns its "
            "appointment (200), a retry rather than a second booking."
        ),
        examples=[
            SEED_000_APPOINTMENT,
            SEED_001_APPOINTMENT,
            OpenApiExample(
                "a hold",
                request_only=True,
                value={
                    "holdId": "01922a4e-5c6f-7d3a-9b1e-2f3a4b5c6d7e",
                    "patientDocumentTypeId": 1,
                    "patientDocumentNumber": "12345678",
                },
            ),
        ],
        responses={
            201: AppointmentSerializer,
            200: AppointmentSerializer,
            400: problem("validation_error, nonexistent_local_time, ambiguous_local_time, conflicting_fields."),
            403: problem("permission_denied: overbook without the overbook scope (missingScope)."),
            404: problem("not_found: no hold with this holdId (another tenant's hold alike)."),
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

APPOINTMENT_CANCEL = extend_schema(
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

APPOINTMENT_BY_DATE_RANGE = extend_schema(
    summary="Appointments by date range (seed 001; start_date/end_date also accepted)",
    parameters=APPOINTMENT_FILTER_PARAMETERS[:2]
    + [OpenApiParameter("start_date", OpenApiTypes.STR), OpenApiParameter("end_date", OpenApiTypes.STR)]
    + APPOINTMENT_FILTER_PARAMETERS[2:],
    responses={200: paged(AppointmentSerializer), 400: VALIDATION, **COMMON_ERRORS},
)

DOCTOR_AVAILABILITY_CREATE_RULE = extend_schema(
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

DOCTOR_AVAILABILITY_LIST_RULES = extend_schema(
    summary="A doctor's weekly availability rules",
    parameters=DOCUMENT_PARAMETERS,
    responses={200: AvailabilityRuleSerializer(many=True), 404: NOT_FOUND, **COMMON_ERRORS},
)

DOCTOR_AVAILABILITY_UPDATE_RULE = extend_schema(
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

DOCTOR_AVAILABILITY_DELETE_RULE = extend_schema(
    summary="Delete a weekly availability rule", responses={204: None, 404: NOT_FOUND, **COMMON_ERRORS}
)

DOCTOR_AVAILABILITY_CREATE_BLOCKED = extend_schema(
    summary="Block a doctor's time (start_datetime/end_datetime also accepted)",
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

DOCTOR_AVAILABILITY_LIST_BLOCKED = extend_schema(
    summary="A doctor's blocked time (optionally overlapping [start, end))",
    parameters=[
        *DOCUMENT_PARAMETERS,
        OpenApiParameter("start", OpenApiTypes.STR),
        OpenApiParameter("end", OpenApiTypes.STR),
    ],
    responses={200: BlockedTimeSerializer(many=True), 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
)

DOCTOR_AVAILABILITY_DELETE_BLOCKED = extend_schema(
    summary="Remove blocked time", responses={204: None, 404: NOT_FOUND, **COMMON_ERRORS}
)

DOCTOR_AVAILABILITY_TIME_SLOTS = extend_schema(
    summary="Free slots of a doctor (FHIR Slot), in time order",
    parameters=[
        *DOCUMENT_PARAMETERS,
        OpenApiParameter("date", OpenApiTypes.DATE, required=True, description="First local day."),
        OpenApiParameter("days", OpenApiTypes.INT, description="1-31 local days (default 1)."),
        OpenApiParameter("includeFull", OpenApiTypes.BOOL, description="Also list full slots."),
        TYPE_PARAMETER,
    ],
    examples=[TIME_SLOTS_EXAMPLE],
    responses={200: TimeSlotsSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
)

DOCTOR_AVAILABILITY_SEARCH_SLOTS = extend_schema(
    # Named explicitly: the per-doctor route keeps the operationId (and generated clients' function) it had.
    operation_id="v1_doctor_availability_time_slots_search",
    summary="Free slots across the doctors of a specialty (FHIR Slot), earliest first",
    description=(
        "Every active doctor of the specialty (accent- and case-insensitive), or one doctor by document; "
        "each slot names its doctor. The per-doctor path is unchanged."
    ),
    parameters=[
        OpenApiParameter("specialty", OpenApiTypes.STR, description="E.g. cardiologia (= Cardiología)."),
        OpenApiParameter("date", OpenApiTypes.DATE, required=True, description="First local day."),
        OpenApiParameter("days", OpenApiTypes.INT, description="1-31 local days (default 1)."),
        TYPE_PARAMETER,
        OpenApiParameter("limit", OpenApiTypes.INT, description="1-500 slots (default 50)."),
        OpenApiParameter("doctorDocumentTypeId", OpenApiTypes.INT),
        OpenApiParameter("doctorDocumentNumber", OpenApiTypes.STR),
        OpenApiParameter("includeFull", OpenApiTypes.BOOL, description="Also list full slots."),
    ],
    examples=[
        OpenApiExample(
            "cardiology on Thursday",
            response_only=True,
            value={
                "timeZone": "America/Bogota",
                "slots": [
                    {
                        "start": "2025-09-25T14:00:00Z",
                        "end": "2025-09-25T14:30:00Z",
                        "startLocal": "2025-09-25T09:00:00-05:00",
                        "endLocal": "2025-09-25T09:30:00-05:00",
                        "capacity": 1,
                        "remaining": 1,
                        "held": False,
                        "doctor": {
                            "id": "01922a4e-5c6f-7d3a-9b1e-2f3a4b5c6d7e",
                            "documentTypeId": 1,
                            "documentNumber": "99999999",
                            "firstName": "Laura",
                            "secondName": None,
                            "firstLastName": "Restrepo",
                            "secondLastName": None,
                            "specialty": "Cardiología",
                        },
                    }
                ],
            },
        )
    ],
    responses={200: SlotSearchSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
)

DOCTOR_AVAILABILITY_CHECK = extend_schema(
    summary="Can [start, end) be booked with this doctor?",
    parameters=[
        *DOCUMENT_PARAMETERS,
        OpenApiParameter("start", OpenApiTypes.STR, required=True),
        OpenApiParameter("end", OpenApiTypes.STR, required=True),
        OpenApiParameter("appointmentType", OpenApiTypes.STR, description="Check with this type's buffers."),
    ],
    examples=[
        OpenApiExample(
            "taken",
            response_only=True,
            value={
                "available": False,
                "reasons": ["taken"],
                "conflictingAppointmentId": "01922a4e-5c6f-7d3a-9b1e-2f3a4b5c6d7e",
                "conflictingHoldId": None,
                "capacity": 1,
            },
        )
    ],
    responses={200: AvailabilityCheckSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
)

DOCTOR_AVAILABILITY_LIST_CLOSED = extend_schema(
    summary="Closed days of the clinic (public holidays and its own)",
    parameters=[OpenApiParameter("year", OpenApiTypes.INT)],
    responses={200: ClosedDaySerializer(many=True), 400: VALIDATION, **COMMON_ERRORS},
)

DOCTOR_AVAILABILITY_CREATE_CLOSED = extend_schema(
    summary="Close the clinic on a date",
    request=ClosedDaySerializer,
    responses={201: ClosedDaySerializer, 400: VALIDATION, 409: problem("closed_day_exists"), **COMMON_ERRORS},
)

DOCTOR_AVAILABILITY_DELETE_CLOSED = extend_schema(
    summary="Reopen a closed day", responses={204: None, 404: NOT_FOUND, **COMMON_ERRORS}
)

DOCTOR_AVAILABILITY_LOAD_HOLIDAYS = extend_schema(
    summary="Load a year's Colombian public holidays (festivos) as closed days",
    request=HolidayLoadSerializer,
    responses={201: ClosedDaySerializer(many=True), 400: VALIDATION, **COMMON_ERRORS},
)

CLINIC_VIEW = extend_schema_view(
    list=extend_schema(responses={200: ClinicSerializer(many=True), **COMMON_ERRORS}),
    create=extend_schema(
        request=ClinicSerializer,
        responses={201: ClinicSerializer, 400: VALIDATION, 409: problem("catalog_code_exists"), **COMMON_ERRORS},
    ),
)
CATALOG_VIEW = extend_schema_view(**CATALOG_SCHEMA)

APPOINTMENT_TYPE_EXAMPLE = OpenApiExample(
    "first cardiology visit",
    request_only=True,
    value={
        "code": "primera_cardiologia",
        "name": "Primera vez cardiología",
        "durationMinutes": 45,
        "bufferAfterMinutes": 10,
    },
)

APPOINTMENT_TYPE_VIEW = extend_schema_view(
    list=extend_schema(
        summary="Appointment types (defaults primera_vez and control, and the clinic's own)",
        responses={200: AppointmentTypeSerializer(many=True), **COMMON_ERRORS},
    ),
    create=extend_schema(
        summary="Add an appointment type (optional duration and buffers)",
        request=AppointmentTypeSerializer,
        examples=[APPOINTMENT_TYPE_EXAMPLE],
        responses={
            201: AppointmentTypeSerializer,
            400: VALIDATION,
            409: problem("catalog_code_exists"),
            **COMMON_ERRORS,
        },
    ),
    partial_update=extend_schema(
        summary="Rename an appointment type or change its duration and buffers (the defaults' too)",
        request=AppointmentTypeSerializer,
        examples=[OpenApiExample("45 minutes", request_only=True, value={"durationMinutes": 45})],
        responses={200: AppointmentTypeSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
    ),
    destroy=extend_schema(
        summary="Remove a clinic's own appointment type (the defaults stay: 409)",
        responses={204: None, 404: NOT_FOUND, 409: problem("appointment_type_is_default"), **COMMON_ERRORS},
    ),
)

SPECIALTY_VIEW = extend_schema_view(
    list=extend_schema(
        summary="Specialties of the clinic's active doctors, with their doctor counts",
        examples=[OpenApiExample("two", response_only=True, value=[{"name": "Cardiología", "doctorCount": 2}])],
        responses={200: SpecialtySerializer(many=True), **COMMON_ERRORS},
    ),
)

HOLD_EXAMPLE = OpenApiExample(
    "hold for 5 minutes",
    request_only=True,
    value={
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
        "start": "2025-09-25T09:00:00",
        "appointmentType": "control",
        "patientDocumentTypeId": 1,
        "patientDocumentNumber": "12345678",
        "ttlSeconds": 300,
    },
)

HOLD_VIEW = extend_schema_view(
    create=extend_schema(
        summary="Hold a slot while the patient decides (FHIR Slot busy-tentative)",
        description=(
            "A live hold takes a place in the doctor's capacity like a booking (time-slots: held; "
            "check-availability: reason held) until expiresAt; then it frees the place at once. Book it with "
            "POST /v1/appointments and holdId."
        ),
        request=HoldSerializer,
        examples=[HOLD_EXAMPLE],
        responses={
            201: HoldSerializer,
            400: VALIDATION,
            409: problem("slot_taken, slot_held, outside_availability, outside_booking_window."),
            **COMMON_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="Get a hold (status held, expired or booked)",
        responses={200: HoldSerializer, 404: NOT_FOUND, **COMMON_ERRORS},
    ),
    destroy=extend_schema(
        summary="Release a hold now",
        responses={204: None, 404: NOT_FOUND, 409: problem("hold_booked (with appointmentId)."), **COMMON_ERRORS},
    ),
)

APPOINTMENT_RESCHEDULE = extend_schema(
    summary="Reschedule: cancel this appointment (reason rescheduled) and book the new one, linked both ways",
    description=(
        "One transaction: the old appointment is cancelled with reason rescheduled and a new one is booked for "
        "the same patient with the same type, modality, clinic, comment and custom fields. rescheduledFromId / "
        "rescheduledToId link them; events appointment.cancelled (old) and appointment.created (new). A retry "
        "returns the new appointment (200)."
    ),
    request=RescheduleSerializer,
    examples=[
        OpenApiExample(
            "new time",
            request_only=True,
            value={"startAppointment": "2025-09-26T09:00:00", "endAppointment": "2025-09-26T09:30:00"},
        ),
        OpenApiExample("a hold", request_only=True, value={"holdId": "01922a4e-5c6f-7d3a-9b1e-2f3a4b5c6d7e"}),
    ],
    responses={
        201: AppointmentSerializer,
        200: AppointmentSerializer,
        400: VALIDATION,
        404: NOT_FOUND,
        409: problem("invalid_transition, or a booking conflict (slot_taken, slot_held, outside_availability, ...)."),
        **COMMON_ERRORS,
    },
)
