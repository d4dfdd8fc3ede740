"""Slot holds under /v1/appointments/holds: keep a slot while the patient decides (FHIR Slot
busy-tentative; Medplum's $hold)."""

from __future__ import annotations

from rest_framework import status, viewsets
from rest_framework.response import Response

from appointments import selectors, services
from appointments.availability import database_now
from appointments.serializers import HoldSerializer
from appointments.views import schema
from appointments.views.common import serializer_context
from secre.dialects import validated_body, validated_query
from secre.path_params import uuid_param


@schema.HOLD_VIEW
class HoldViewSet(viewsets.ViewSet):
    """Holds of the tenant: create (201), read, release (204). A live hold takes a place in the doctor's
    capacity like a booking; book it with ``POST /v1/appointments`` and ``holdId``."""

    lookup_value_regex = "[^/]+"

    def create(self, request):
        data = validated_body(request, HoldSerializer, context=serializer_context(request))
        doctor = selectors.doctor_from_reference(data.pop("doctor"))
        patient = None
        if "patient" in data:
            patient = selectors.appointment_parties(data={"patient": data.pop("patient")})["patient"]
        hold = services.hold_create(
            tenant=request.tenant,
            doctor=doctor,
            start=data["start"],
            end=data.get("end"),
            appointment_type=data.get("appointment_type"),
            patient=patient,
            ttl_seconds=data.get("ttlSeconds"),
            api_key_id=request.user.api_key_id,
        )
        return Response(self._shown(request, hold), status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk: str):
        validated_query(request)
        return Response(self._shown(request, selectors.hold_get(hold_id=uuid_param(pk))))

    def destroy(self, request, pk: str):
        services.hold_release(hold=selectors.hold_get(hold_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _shown(self, request, hold):
        return HoldSerializer(hold, context={**serializer_context(request), "now": database_now()}).data
