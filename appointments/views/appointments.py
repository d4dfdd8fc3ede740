"""Appointments (seed 000 Appointment; FHIR Appointment) under /v1/appointments."""

from __future__ import annotations

from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from appointments import selectors, services
from appointments.models import Appointment
from appointments.queries import RANGE_DATE_ALIASES, AppointmentFilterSerializer
from appointments.serializers import (
    AppointmentSerializer,
    CancelSerializer,
    RescheduleSerializer,
    appointment_representation,
    appointment_representations,
)
from appointments.views import schema
from appointments.views.common import (
    APPOINTMENT_ALIASES,
    EVENT_TYPE,
    overbook_requested,
    serializer_context,
)
from secre.dialects import validated_body, validated_query
from secre.pagination import StablePagination
from secre.path_params import uuid_param


@schema.APPOINTMENT_VIEW
class AppointmentViewSet(viewsets.ViewSet):
    """Appointments of the tenant (seed 000 Appointment; FHIR Appointment)."""

    lookup_value_regex = "[^/]+"

    def list(self, request):
        return self._list(request)

    def create(self, request):
        data = validated_body(
            request,
            AppointmentSerializer,
            event_type=EVENT_TYPE,
            allowed_actions={"CREATE"},
            aliases=APPOINTMENT_ALIASES,
            context=serializer_context(request),
        )
        overbook = overbook_requested(request, data)
        hold_id = data.pop("hold_id", None)
        data = selectors.appointment_parties(data=data)
        if hold_id is None:
            appointment = services.appointment_book(tenant=request.tenant, overbook=overbook, **data)
            created = True
        else:
            hold = selectors.hold_get(hold_id=hold_id)
            appointment, created = services.appointment_book_hold(
                tenant=request.tenant, hold=hold, patient=data.pop("patient", None), overbook=overbook, **data
            )
        return Response(
            appointment_representation(appointment), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def retrieve(self, request, pk: str):
        validated_query(request)
        return Response(appointment_representation(selectors.appointment_get(appointment_id=uuid_param(pk))))

    def partial_update(self, request, pk: str):
        appointment = selectors.appointment_get(appointment_id=uuid_param(pk))
        data = validated_body(
            request,
            AppointmentSerializer,
            event_type=EVENT_TYPE,
            allowed_actions={"UPDATE", "CANCEL"},
            partial=True,
            aliases=APPOINTMENT_ALIASES,
            context=serializer_context(request, appointment),
        )
        if request.data.get("actionType", request.data.get("action_type")) == "CANCEL":
            data.setdefault("state", Appointment.State.CANCELLED)
        overbook = overbook_requested(request, data)
        data = selectors.appointment_parties(data=data, current=appointment)
        appointment = services.appointment_update(
            tenant=request.tenant, appointment=appointment, data=data, overbook=overbook
        )
        return Response(appointment_representation(appointment))

    def destroy(self, request, pk: str):
        appointment = selectors.appointment_get(appointment_id=uuid_param(pk))
        services.appointment_cancel(appointment=appointment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @schema.APPOINTMENT_CANCEL
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk: str):
        appointment = selectors.appointment_get(appointment_id=uuid_param(pk))
        data = validated_body(request, CancelSerializer, event_type=EVENT_TYPE, allowed_actions={"CANCEL"})
        appointment = services.appointment_cancel(appointment=appointment, reason=data.get("reason"))
        return Response(appointment_representation(appointment))

    @schema.APPOINTMENT_RESCHEDULE
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk: str):
        appointment = selectors.appointment_get(appointment_id=uuid_param(pk))
        data = validated_body(
            request,
            RescheduleSerializer,
            event_type=EVENT_TYPE,
            allowed_actions={"UPDATE"},
            aliases=APPOINTMENT_ALIASES,
            context=serializer_context(request, appointment),
        )
        overbook = overbook_requested(request, data)
        hold = selectors.hold_get(hold_id=data["hold_id"]) if data.get("hold_id") else None
        doctor = (
            selectors.doctor_from_reference(data["doctor"], current=appointment.doctor) if "doctor" in data else None
        )
        new, created = services.appointment_reschedule(
            tenant=request.tenant,
            appointment=appointment,
            start=data.get("start"),
            end=data.get("end"),
            doctor=doctor,
            hold=hold,
            overbook=overbook,
        )
        return Response(
            appointment_representation(new), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @schema.APPOINTMENT_BY_DATE_RANGE
    @action(detail=False, methods=["get"], url_path="by-date-range")
    def by_date_range(self, request):
        return self._list(request)

    def _list(self, request):
        filters = validated_query(
            request,
            AppointmentFilterSerializer,
            aliases=RANGE_DATE_ALIASES,
            paged=True,
            context=serializer_context(request),
        )
        paginator = StablePagination(ordering=("start", "id"))
        page = paginator.paginate_queryset(selectors.appointment_list(filters=filters), request, view=self)
        return paginator.get_paginated_response(appointment_representations(page))
