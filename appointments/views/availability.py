"""Seed 001's /v1/doctor-availability: weekly rules, blocked time, closed days, slots, checks."""

from __future__ import annotations

from rest_framework import status, viewsets
from rest_framework.response import Response

from appointments import availability, selectors, services
from appointments.catalogs import appointment_type_find
from appointments.queries import (
    RANGE_DATETIME_ALIASES,
    CheckQuery,
    ClosedDaysQuery,
    RangeQuery,
    SlotSearchQuery,
    TimeSlotsQuery,
)
from appointments.serializers import (
    AvailabilityCheckSerializer,
    AvailabilityRuleSerializer,
    BlockedTimeSerializer,
    ClosedDaySerializer,
    HolidayLoadSerializer,
    slot_search_representation,
    time_slots_representation,
)
from appointments.views import schema
from appointments.views.common import (
    doctor_by_path,
    request_zone,
    serializer_context,
)
from secre.dialects import validated_body, validated_query
from secre.path_params import uuid_param


class DoctorAvailabilityViewSet(viewsets.ViewSet):
    """Seed 001's /v1/doctor-availability: weekly rules, blocked time, closed days, slots, checks."""

    @schema.DOCTOR_AVAILABILITY_CREATE_RULE
    def create_rule(self, request):
        data = validated_body(request, AvailabilityRuleSerializer, context=serializer_context(request))
        doctor = selectors.doctor_from_reference(data.pop("doctor"))
        rule = services.availability_rule_create(tenant=request.tenant, doctor=doctor, data=data)
        return Response(AvailabilityRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @schema.DOCTOR_AVAILABILITY_LIST_RULES
    def list_rules(self, request, documentTypeId: str, documentNumber: str):
        validated_query(request)
        doctor = doctor_by_path(documentTypeId, documentNumber)
        return Response(AvailabilityRuleSerializer(selectors.availability_rule_list(doctor=doctor), many=True).data)

    @schema.DOCTOR_AVAILABILITY_UPDATE_RULE
    def update_rule(self, request, pk: str):
        rule = selectors.availability_rule_get(rule_id=uuid_param(pk))
        data = validated_body(
            request, AvailabilityRuleSerializer, partial=True, context=serializer_context(request, rule)
        )
        if "doctor" in data:
            data["doctor"] = selectors.doctor_from_reference(data.pop("doctor"), current=rule.doctor)
        rule = services.availability_rule_update(rule=rule, data=data)
        return Response(AvailabilityRuleSerializer(rule).data)

    @schema.DOCTOR_AVAILABILITY_DELETE_RULE
    def delete_rule(self, request, pk: str):
        services.availability_rule_delete(rule=selectors.availability_rule_get(rule_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @schema.DOCTOR_AVAILABILITY_CREATE_BLOCKED
    def create_blocked(self, request):
        data = validated_body(
            request, BlockedTimeSerializer, aliases=RANGE_DATETIME_ALIASES, context=serializer_context(request)
        )
        data["doctor"] = selectors.doctor_from_reference(data["doctor"])
        blocked = services.blocked_time_create(tenant=request.tenant, **data)
        return Response(
            BlockedTimeSerializer(blocked, context=serializer_context(request)).data, status=status.HTTP_201_CREATED
        )

    @schema.DOCTOR_AVAILABILITY_LIST_BLOCKED
    def list_blocked(self, request, documentTypeId: str, documentNumber: str):
        window = validated_query(
            request, RangeQuery, aliases=RANGE_DATETIME_ALIASES, context=serializer_context(request)
        )
        doctor = doctor_by_path(documentTypeId, documentNumber)
        blocked = selectors.blocked_time_list(doctor=doctor, start=window.get("start"), end=window.get("end"))
        return Response(BlockedTimeSerializer(blocked, many=True, context=serializer_context(request)).data)

    @schema.DOCTOR_AVAILABILITY_DELETE_BLOCKED
    def delete_blocked(self, request, pk: str):
        services.blocked_time_delete(blocked_time=selectors.blocked_time_get(blocked_time_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @schema.DOCTOR_AVAILABILITY_TIME_SLOTS
    def time_slots(self, request, documentTypeId: str, documentNumber: str):
        query = validated_query(request, TimeSlotsQuery, context=serializer_context(request))
        doctor = doctor_by_path(documentTypeId, documentNumber)
        slots = selectors.doctor_time_slots(
            tenant=request.tenant,
            doctor=doctor,
            first_day=query["date"],
            days=query["days"],
            appointment_type=query.get("appointmentType"),
            include_full=query["includeFull"],
        )
        return Response(time_slots_representation(tenant=request.tenant, doctor=doctor, slots=slots))

    @schema.DOCTOR_AVAILABILITY_SEARCH_SLOTS
    def search_slots(self, request):
        query = validated_query(request, SlotSearchQuery, context=serializer_context(request))
        doctor = None
        if "doctorDocumentNumber" in query:
            doctor = selectors.doctor_get_by_document(
                document_type_id=query["doctorDocumentTypeId"], document_number=query["doctorDocumentNumber"]
            )
        slots = selectors.slot_search(
            tenant=request.tenant,
            first_day=query["date"],
            days=query["days"],
            specialty=query.get("specialty"),
            doctor=doctor,
            appointment_type=query.get("appointmentType"),
            include_full=query["includeFull"],
            limit=query["limit"],
        )
        return Response(slot_search_representation(tenant=request.tenant, slots=slots))

    @schema.DOCTOR_AVAILABILITY_CHECK
    def check(self, request, documentTypeId: str, documentNumber: str):
        bounds = validated_query(
            request, CheckQuery, aliases=RANGE_DATETIME_ALIASES, context=serializer_context(request)
        )
        doctor = doctor_by_path(documentTypeId, documentNumber)
        result = availability.check_availability(
            doctor=doctor,
            start=bounds["start"],
            end=bounds["end"],
            zone=request_zone(request),
            kind=availability.SlotKind.of(appointment_type_find(bounds.get("appointmentType"))),
            window=availability.BookingWindow.for_doctor(doctor, request.tenant),
        )
        return Response(AvailabilityCheckSerializer(result).data)

    @schema.DOCTOR_AVAILABILITY_LIST_CLOSED
    def list_closed(self, request):
        query = validated_query(request, ClosedDaysQuery)
        days = selectors.closed_day_list(year=query.get("year"))
        return Response(ClosedDaySerializer(days, many=True).data)

    @schema.DOCTOR_AVAILABILITY_CREATE_CLOSED
    def create_closed(self, request):
        data = validated_body(request, ClosedDaySerializer)
        closed = services.closed_day_create(tenant=request.tenant, day=data["date"], name=data["name"])
        return Response(ClosedDaySerializer(closed).data, status=status.HTTP_201_CREATED)

    @schema.DOCTOR_AVAILABILITY_DELETE_CLOSED
    def delete_closed(self, request, pk: str):
        services.closed_day_delete(closed_day=selectors.closed_day_get(closed_day_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @schema.DOCTOR_AVAILABILITY_LOAD_HOLIDAYS
    def load_holidays(self, request):
        data = validated_body(request, HolidayLoadSerializer)
        added = services.holidays_load(tenant=request.tenant, year=data["year"])
        return Response(ClosedDaySerializer(added, many=True).data, status=status.HTTP_201_CREATED)
