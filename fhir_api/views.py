"""The FHIR interactions under /fhir/R4 (thin: parse, call a selector or service, render).

Each viewset declares its ``resource_type``, ``interactions`` and ``search_parameters``; the router
(fhir_api/urls.py) and the CapabilityStatement (fhir_api/capability.py) are built from the same
declarations. Scopes are /v1's: reads and searches ``read``, create and cancel ``write``.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import status, viewsets
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments import selectors as scheduling
from appointments import services
from fhir_api import booking, queries
from fhir_api.capability import capability_statement
from fhir_api.formats import BASE_PATH, PARSERS, RENDERERS, FhirContentNegotiation
from fhir_api.resources import (
    appointment_resource,
    patient_resource,
    practitioner_resource,
    practitioner_role_resource,
    schedule_resource,
    slot_resource,
    slot_status,
)
from fhir_api.search import FhirPagination, SearchParameter, search_values, searchset
from fhir_api.slots import parse_slot_id, slot_key
from patients import selectors as people
from secre.problems import InvalidCursor, NotFound


class FhirView(APIView):
    """What every /fhir/R4 view shares: FHIR JSON in and out, no OpenAPI entry (the CapabilityStatement
    documents it), no OPTIONS (405)."""

    schema = None
    metadata_class = None
    renderer_classes = RENDERERS
    parser_classes = PARSERS
    content_negotiation_class = FhirContentNegotiation


class FhirViewSet(FhirView, viewsets.ViewSet):
    """A resource type's interactions (``read``, ``search-type``, ``create``, ``update``)."""

    resource_type = ""
    documentation = ""
    interactions: tuple[str, ...] = ("read", "search-type")
    search_parameters: tuple[SearchParameter, ...] = ()

    def bundle(self, request, resources, next_link=None) -> Response:
        return Response(searchset(request, resources, next_link))

    def paged(self, request, queryset, render, ordering="id") -> Response:
        paginator = FhirPagination(ordering=ordering)
        page = paginator.paginate_queryset(queryset, request, view=self)
        return self.bundle(request, [render(row) for row in page], paginator.get_next_link())


def _read_only_format(request) -> None:
    """A read takes no search parameters (``_format`` only)."""
    search_values(request, ())


IDENTIFIER = SearchParameter(
    "identifier", "token", "A document: urn:secre:fhir:sid:document:<type>|<number>, or a number of any type.", True
)


class PatientViewSet(FhirViewSet):
    resource_type = "Patient"
    documentation = "The clinic's patients (docs/fhir.md: identifier systems, telecom, gender, EPS extension)."
    search_parameters = (
        IDENTIFIER,
        SearchParameter("name", "string", "Starts a given name, a surname or the full name; accent- and case-blind."),
        SearchParameter("phone", "token", "Phone or mobile, E.164 (+573001234567) or national (3001234567)."),
        SearchParameter("birthdate", "date", "Birth date, with eq, lt, le, gt, ge prefixes.", repeats=True),
    )

    def read(self, request, pk: str):
        _read_only_format(request)
        patient = people.patient_get(patient_id=queries.fhir_id(pk))
        return Response(patient_resource(patient, people.reference_data()))

    def search(self, request):
        catalogs = people.reference_data()
        values = search_values(request, self.search_parameters)
        filters = queries.patient_filters(values, zone=request.tenant.zone, catalogs=catalogs)
        return self.paged(request, people.patient_list(filters=filters), lambda p: patient_resource(p, catalogs))


class PractitionerViewSet(FhirViewSet):
    resource_type = "Practitioner"
    documentation = "The clinic's doctors."
    search_parameters = (
        IDENTIFIER,
        SearchParameter("name", "string", "Starts a given name, a surname or the full name; accent- and case-blind."),
    )

    def read(self, request, pk: str):
        _read_only_format(request)
        doctor = scheduling.doctor_get(doctor_id=queries.fhir_id(pk))
        return Response(practitioner_resource(doctor, people.reference_data()))

    def search(self, request):
        catalogs = people.reference_data()
        filters = queries.practitioner_filters(search_values(request, self.search_parameters), catalogs=catalogs)
        return self.paged(
            request, scheduling.doctor_list(filters=filters), lambda d: practitioner_resource(d, catalogs)
        )


class PractitionerRoleViewSet(FhirViewSet):
    resource_type = "PractitionerRole"
    documentation = "One per doctor (the doctor's id): the Practitioner and the specialty (text only)."
    search_parameters = (
        SearchParameter("specialty", "token", "The specialty's text, accent- and case-insensitive (cardiologia)."),
    )

    def read(self, request, pk: str):
        _read_only_format(request)
        return Response(practitioner_role_resource(scheduling.doctor_get(doctor_id=queries.fhir_id(pk))))

    def search(self, request):
        filters = queries.role_filters(search_values(request, self.search_parameters))
        return self.paged(request, scheduling.doctor_list(filters=filters), practitioner_role_resource)


class ScheduleViewSet(FhirViewSet):
    resource_type = "Schedule"
    documentation = "One per doctor (the doctor's id); planningHorizon is the booking window when it has a horizon."
    search_parameters = (SearchParameter("actor", "reference", "The Practitioner (Practitioner/<id>).", True),)

    def read(self, request, pk: str):
        _read_only_format(request)
        doctor = scheduling.doctor_get(doctor_id=queries.fhir_id(pk))
        return Response(schedule_resource(doctor, request.tenant, timezone.now()))

    def search(self, request):
        filters = queries.schedule_filters(search_values(request, self.search_parameters))
        now = timezone.now()
        return self.paged(
            request, scheduling.doctor_list(filters=filters), lambda d: schedule_resource(d, request.tenant, now)
        )


class SlotViewSet(FhirViewSet):
    resource_type = "Slot"
    documentation = (
        "Computed from weekly rules, blocked time, closed days, holds and bookings; never stored. "
        "Id <doctorId>.<UTC yyyymmddThhmm>.<minutes>; book one with POST Appointment and its reference."
    )
    search_parameters = (
        SearchParameter("schedule", "reference", "Schedule/<doctorId>; without it, every active doctor.", True),
        SearchParameter("status", "token", "free, busy or busy-tentative (held); default all.", True),
        SearchParameter("start", "date", "ge, gt, lt, le, eq; default from now for 7 days, at most 31.", repeats=True),
        SearchParameter("service-type", "token", "One appointment type code (its duration and buffers)."),
    )

    def read(self, request, pk: str):
        _read_only_format(request)
        key = parse_slot_id(pk)
        if key is None:
            raise NotFound("No Slot with this id.")
        doctor = scheduling.doctor_get(doctor_id=key.doctor_id)
        day = key.start.astimezone(request.tenant.zone).date()
        kinds = [None, *(t.code for t in scheduling.appointment_types_of_duration(minutes=key.minutes))]
        for kind in kinds:
            slots = scheduling.doctor_time_slots(
                tenant=request.tenant, doctor=doctor, first_day=day, days=1, appointment_type=kind, include_full=True
            )
            for slot in slots:
                if (slot.start, slot.end) == (key.start, key.end):
                    return Response(slot_resource(slot, appointment_type=kind))
        raise NotFound("No Slot with this id (it is not on the doctor's calendar, or is past).")

    def search(self, request):
        query = queries.slot_query(
            search_values(request, self.search_parameters), zone=request.tenant.zone, now=timezone.now()
        )
        paginator = FhirPagination()
        size = paginator.get_page_size(request)
        after = None
        position = paginator.text_position(request)
        if position is not None:
            after = parse_slot_id(position)
            if after is None:
                raise InvalidCursor()
        kind = query["appointment_type"]
        if kind is not None and not scheduling.appointment_type_exists(code=kind):
            return self.bundle(request, [])
        slots = scheduling.slot_search(
            tenant=request.tenant,
            first_day=query["first_day"],
            days=query["days"],
            doctor_ids=query["doctor_ids"],
            appointment_type=kind,
            include_full=query["statuses"] != {"free"},
            limit=None,
        )
        keyed = sorted(
            (
                (slot_key(slot.doctor.pk, slot.start, slot.end), slot)
                for slot in slots
                if query["low"] <= slot.start < query["high"] and slot_status(slot) in query["statuses"]
            ),
            key=lambda pair: pair[0].order(),
        )
        if after is not None:
            keyed = [(key, slot) for key, slot in keyed if key.order() > after.order()]
        page = keyed[:size]
        next_link = paginator.link_after(page[-1][0].id) if len(keyed) > size else None
        return self.bundle(request, [slot_resource(slot, appointment_type=kind) for _, slot in page], next_link)


class AppointmentViewSet(FhirViewSet):
    resource_type = "Appointment"
    documentation = (
        "Booked through the same service as POST /v1/appointments (a slot reference, or start, end and "
        "participants); cancelled by PUT with status cancelled. Status: scheduled and confirmed = booked, "
        "completed = fulfilled, no_show = noshow."
    )
    interactions = ("read", "search-type", "create", "update")
    search_parameters = (
        SearchParameter("patient", "reference", "Patient/<id>.", True),
        SearchParameter("practitioner", "reference", "Practitioner/<id>.", True),
        SearchParameter("date", "date", "The start, with eq, lt, le, gt, ge prefixes.", repeats=True),
        SearchParameter("status", "token", "booked, fulfilled, cancelled, noshow (any AppointmentStatus).", True),
    )

    def read(self, request, pk: str):
        _read_only_format(request)
        return Response(appointment_resource(scheduling.appointment_get(appointment_id=queries.fhir_id(pk))))

    def search(self, request):
        filters = queries.appointment_filters(search_values(request, self.search_parameters), zone=request.tenant.zone)
        return self.paged(
            request, scheduling.appointment_list(filters=filters), appointment_resource, ordering=("start", "id")
        )

    def create(self, request):
        _read_only_format(request)
        fields = booking.booking_request(request.data, tenant=request.tenant)
        appointment = services.appointment_book(tenant=request.tenant, **fields)
        location = request.build_absolute_uri(f"{BASE_PATH}/Appointment/{appointment.pk}")
        return Response(
            appointment_resource(appointment), status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    def update(self, request, pk: str):
        _read_only_format(request)
        appointment = scheduling.appointment_get(appointment_id=queries.fhir_id(pk))
        cancel, reason = booking.cancellation_request(
            request.data, current=appointment_resource(appointment), resource_id=pk
        )
        if cancel:
            appointment = services.appointment_cancel(appointment=appointment, reason=reason)
        return Response(appointment_resource(appointment))


RESOURCE_VIEWS: list[type[FhirViewSet]] = [
    PatientViewSet,
    PractitionerViewSet,
    PractitionerRoleViewSet,
    ScheduleViewSet,
    SlotViewSet,
    AppointmentViewSet,
]


class MetadataView(FhirView):
    """``GET /fhir/R4/metadata``: the CapabilityStatement; public (no key), as FHIR clients expect."""

    authentication_classes = []
    permission_classes = []

    def get(self, request):
        search_values(request, ())
        return Response(capability_statement(request, RESOURCE_VIEWS))


class UnsupportedInteraction(FhirView):
    """Interactions the server does not implement (history, operations, _search by POST, delete, patch,
    whole-system ones): a 405 OperationOutcome whatever the method."""

    permission_classes = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise MethodNotAllowed(request.method, detail="This FHIR interaction is not implemented (see /metadata).")


class UnknownResourceType(FhirView):
    """A resource type the server does not serve (or an id no resource of this server can have): a 404
    OperationOutcome."""

    permission_classes = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("Nothing here: a resource type not served, or an id this server never gives (see /metadata).")
